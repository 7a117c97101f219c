import type { CampaignDefinition, SiteId } from './campaign.js';
import { departmentHomeSite } from './campaign.js';
import type { Text } from './i18n.js';
import { fill } from './i18n.js';
import type { Term } from './term.js';
import { compareTerms } from './term.js';

export type Decision = 'required' | 'excluded' | 'not-in-campaign';
export type EligibilityRule = 'E1' | 'E2' | 'E3' | 'E4' | 'E5' | 'E6';

/** The facts of one roster row that eligibility and site depend on. */
export interface EligibilityFacts {
  department: string;
  certificate: 'dual' | 'single';
  expectedTerm: Term;
  finish: 'graduate' | 'complete';
  studyCity?: SiteId | null;
  priorCaptureTerm?: Term | null;
  deferredTo?: Term | null;
  convertingFromCompletion?: boolean;
}

export interface EligibilityTerms {
  targetTerms: Term[];
  retakeBefore: Term;
}

export interface EligibilityResult {
  decision: Decision;
  rule: EligibilityRule | null;
  site: SiteId;
  /** One sentence a student understands, the same for student, secretary and admin. */
  reason: Text;
}

const REASONS: Record<EligibilityRule | 'none', Text> = {
  E1: {
    zh: '您是双证（学历+学位）研究生，预计于 {term} {finish}，属于本次采集对象，须参加图像采集。',
    en: 'You are a dual-certificate (diploma and degree) student expected to {finishEn} in {term}: you must be photographed in this campaign.',
  },
  E2: {
    zh: '您预计于 {term} 结业，须参加本次采集：今后结业换毕业时不再重新采集，没有这张照片将无法完成学历认证。',
    en: 'You are expected to complete (结业) in {term}: you must be photographed now, because no new photo is taken when you later convert to graduation, and without it your credential cannot be certified.',
  },
  E3: {
    zh: '您曾于 {prior} 采集过图像，之后延期至 {term}，原照片已不能使用，须重新采集。',
    en: 'You were photographed in {prior} and then deferred to {term}: that photo can no longer be used, so you must be photographed again.',
  },
  E4: {
    zh: '您已确定延期至 {term}，现在拍摄的照片届时无效，请勿参加本次采集，待延期后的批次再参加。',
    en: 'You are deferred to {term}: a photo taken now would be invalid then. Do not take part now; you will be photographed in a later campaign.',
  },
  E5: {
    zh: '您此前已结业，本次为结业换毕业，沿用结业时采集的照片，无需参加本次采集。',
    en: 'You completed (结业) earlier and are now converting to graduation: the photo from your completion is used, so you do not take part.',
  },
  E6: {
    zh: '您是单证（仅学位）研究生，无需参加本次学历图像采集。',
    en: 'You are a single-certificate (degree only) student: you do not take part in this campaign.',
  },
  none: {
    zh: '您预计于 {term} 毕/结业，不在本次采集范围（{targets}）内。',
    en: 'You are expected to finish in {term}, which is not a term of this campaign ({targets}).',
  },
};

function reasonFor(rule: EligibilityRule | 'none', params: Record<string, string>): Text {
  const t = REASONS[rule];
  return { zh: fill(t.zh, params), en: fill(t.en, params) };
}

/** The site where a student is photographed (S4): Shenzhen students studying in Shenzhen, else Beijing. */
export function decideSite(facts: Pick<EligibilityFacts, 'department' | 'studyCity'>, campaign: Pick<CampaignDefinition, 'departmentSites'>): SiteId {
  const home = departmentHomeSite(campaign as CampaignDefinition, facts.department);
  const city = facts.studyCity ?? home;
  return home === 'shenzhen' && city === 'shenzhen' ? 'shenzhen' : 'beijing';
}

/** A decision whose sentence is built only when read: deciding a million rows formats no strings. */
class Decided implements EligibilityResult {
  readonly decision: Decision;
  readonly rule: EligibilityRule | null;
  readonly site: SiteId;
  private readonly facts: EligibilityFacts;
  private readonly targets: Term[];

  constructor(decision: Decision, rule: EligibilityRule | null, site: SiteId, facts: EligibilityFacts, targets: Term[]) {
    this.decision = decision;
    this.rule = rule;
    this.site = site;
    this.facts = facts;
    this.targets = targets;
  }

  get reason(): Text {
    const f = this.facts;
    return reasonFor(this.rule ?? 'none', {
      term: f.deferredTo || f.expectedTerm,
      prior: f.priorCaptureTerm ?? '',
      finish: f.finish === 'complete' ? '结业' : '毕业',
      finishEn: f.finish === 'complete' ? 'complete' : 'graduate',
      targets: this.targets.join(', '),
    });
  }

  toJSON() {
    return { decision: this.decision, rule: this.rule, site: this.site, reason: this.reason };
  }
}

/**
 * The eligibility algorithm of docs/rules/roster-format.md, applied in its order; the first rule that applies decides.
 * Pure: the campaign's terms are passed in.
 */
export function decideEligibility(
  facts: EligibilityFacts,
  campaign: EligibilityTerms & Pick<CampaignDefinition, 'departmentSites'>,
): EligibilityResult {
  const site = decideSite(facts, campaign);
  const targets = campaign.targetTerms;
  const term = facts.deferredTo || facts.expectedTerm;
  const result = (decision: Decision, rule: EligibilityRule | null): EligibilityResult => new Decided(decision, rule, site, facts, targets);

  // rule E6: single-certificate (degree only) students do not take part.
  if (facts.certificate === 'single') return result('excluded', 'E6');

  if (!targets.includes(term)) {
    // rule E4: deferred beyond the campaign although expected in it.
    const laterThanAll = targets.every((t) => compareTerms(term, t) > 0);
    const expectedInCampaign = targets.includes(facts.expectedTerm) || Boolean(facts.deferredTo);
    if (laterThanAll && expectedInCampaign) return result('excluded', 'E4');
    return result('not-in-campaign', null);
  }

  // rule E5: converting from an earlier completion keeps the completion photo.
  if (facts.convertingFromCompletion) return result('excluded', 'E5');

  // rule E3: photographed in an earlier campaign, then deferred into a target term: photograph again.
  if (facts.priorCaptureTerm && compareTerms(facts.priorCaptureTerm, campaign.retakeBefore) <= 0) {
    return result('required', 'E3');
  }

  // rule E2: completing (结业) students take part.
  if (facts.finish === 'complete') return result('required', 'E2');

  // rule E1: dual certificate, graduating in a target term.
  return result('required', 'E1');
}
