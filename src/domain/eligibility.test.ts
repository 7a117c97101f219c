import { describe, expect, it } from 'vitest';
import type { SiteId } from './campaign.js';
import type { Decision, EligibilityFacts, EligibilityResult, EligibilityRule, EligibilityTerms } from './eligibility.js';
import { decideEligibility, decideSite } from './eligibility.js';

// Values of the demo campaign (src/services/demo/campaign-2024.json), copied so each case reads on its own.
const CAMPAIGN = { targetTerms: ['2024-01', '2024-07'], retakeBefore: '2023-07' };

/** A dual-certificate student graduating in 2024-07 at a Beijing department: E1 unless a case changes it. */
function facts(over: Partial<EligibilityFacts> = {}): EligibilityFacts {
  return {
    department: '物理学院',
    certificate: 'dual',
    expectedTerm: '2024-07',
    finish: 'graduate',
    studyCity: null,
    priorCaptureTerm: null,
    deferredTo: null,
    convertingFromCompletion: false,
    ...over,
  };
}

interface Case {
  name: string;
  over: Partial<EligibilityFacts>;
  decision: Decision;
  rule: EligibilityRule | null;
}

function expectDecision(result: EligibilityResult, c: Case): void {
  expect(result.decision).toBe(c.decision);
  expect(result.rule).toBe(c.rule);
  // Every decision carries a reason a student understands, in both languages.
  expect(result.reason.zh.trim().length).toBeGreaterThan(0);
  expect(result.reason.en.trim().length).toBeGreaterThan(0);
  // No unfilled template placeholders leak into the reason.
  expect(result.reason.zh).not.toMatch(/\{\w+\}/);
  expect(result.reason.en).not.toMatch(/\{\w+\}/);
}

describe('rule E6: single certificate (单证) → excluded, before every other rule', () => {
  const cases: Case[] = [
    { name: 'rule E6: 单证 graduating in 2024-07 → excluded', over: { certificate: 'single' }, decision: 'excluded', rule: 'E6' },
    {
      name: 'rule E6: 单证 completing (结业) in 2024-01 → excluded, not E2',
      over: { certificate: 'single', finish: 'complete', expectedTerm: '2024-01' },
      decision: 'excluded',
      rule: 'E6',
    },
    {
      name: 'rule E6: 单证 photographed 2023-07 and deferred into 2024-07 → excluded, not E3',
      over: { certificate: 'single', expectedTerm: '2023-07', priorCaptureTerm: '2023-07', deferredTo: '2024-07' },
      decision: 'excluded',
      rule: 'E6',
    },
    {
      name: 'rule E6: 单证 deferred to 2025-01 → excluded by E6, not E4',
      over: { certificate: 'single', deferredTo: '2025-01' },
      decision: 'excluded',
      rule: 'E6',
    },
    {
      name: 'rule E6: 单证 converting from completion → excluded by E6, not E5',
      over: { certificate: 'single', convertingFromCompletion: true },
      decision: 'excluded',
      rule: 'E6',
    },
    {
      name: 'rule E6: 单证 expected in 2022-07 (not a target) → excluded by E6, not not-in-campaign',
      over: { certificate: 'single', expectedTerm: '2022-07' },
      decision: 'excluded',
      rule: 'E6',
    },
  ];
  it.each(cases)('$name', (c) => {
    expectDecision(decideEligibility(facts(c.over), CAMPAIGN), c);
  });

  it('rule E6: the reason names the single certificate', () => {
    const r = decideEligibility(facts({ certificate: 'single' }), CAMPAIGN);
    expect(r.reason.zh).toContain('单证');
    expect(r.reason.en).toMatch(/single-certificate/i);
  });
});

describe('rule E4: deferred beyond the campaign → excluded; otherwise a non-target term is not-in-campaign', () => {
  const cases: Case[] = [
    {
      name: 'rule E4: expected 2024-07, deferred to 2025-01 → excluded',
      over: { expectedTerm: '2024-07', deferredTo: '2025-01' },
      decision: 'excluded',
      rule: 'E4',
    },
    {
      name: 'rule E4: expected 2024-01, deferred to 2025-07 → excluded',
      over: { expectedTerm: '2024-01', deferredTo: '2025-07' },
      decision: 'excluded',
      rule: 'E4',
    },
    {
      name: 'rule E4: expected 2025-01 (not a target) but deferredTo 2025-07 set → still E4 because deferredTo is set',
      over: { expectedTerm: '2025-01', deferredTo: '2025-07' },
      decision: 'excluded',
      rule: 'E4',
    },
    {
      name: 'rule E4: expected 2023-07 (earlier) deferred to 2025-01 → E4 because deferredTo is set',
      over: { expectedTerm: '2023-07', deferredTo: '2025-01' },
      decision: 'excluded',
      rule: 'E4',
    },
    {
      name: 'rule E4 beats E5: deferred to 2025-01 and converting from completion → E4',
      over: { deferredTo: '2025-01', convertingFromCompletion: true },
      decision: 'excluded',
      rule: 'E4',
    },
    {
      name: 'rule E4 beats E3: photographed 2023-07, deferred to 2025-01 → E4',
      over: { priorCaptureTerm: '2023-07', deferredTo: '2025-01' },
      decision: 'excluded',
      rule: 'E4',
    },
    {
      name: 'rule E4 beats E2: 结业 deferred to 2025-07 → E4',
      over: { finish: 'complete', deferredTo: '2025-07' },
      decision: 'excluded',
      rule: 'E4',
    },
    {
      name: 'not E4: expected 2025-01 without deferredTo → not-in-campaign with rule null',
      over: { expectedTerm: '2025-01' },
      decision: 'not-in-campaign',
      rule: null,
    },
    {
      name: 'not E4: expected 2026-07 without deferredTo → not-in-campaign with rule null',
      over: { expectedTerm: '2026-07' },
      decision: 'not-in-campaign',
      rule: null,
    },
    {
      name: 'not E4: expected 2023-07 (earlier than targets) → not-in-campaign',
      over: { expectedTerm: '2023-07' },
      decision: 'not-in-campaign',
      rule: null,
    },
    {
      name: 'not E4: expected 2024-07, deferredTo 2023-01 (earlier than targets) → not-in-campaign',
      over: { expectedTerm: '2024-07', deferredTo: '2023-01' },
      decision: 'not-in-campaign',
      rule: null,
    },
    {
      name: 'not E4: deferredTo 2024-04 (between the targets, not a target) → not-in-campaign',
      over: { expectedTerm: '2024-01', deferredTo: '2024-04' },
      decision: 'not-in-campaign',
      rule: null,
    },
    {
      name: 'not E4: expected 2024-04 (between targets) → not-in-campaign',
      over: { expectedTerm: '2024-04' },
      decision: 'not-in-campaign',
      rule: null,
    },
  ];
  it.each(cases)('$name', (c) => {
    expectDecision(decideEligibility(facts(c.over), CAMPAIGN), c);
  });

  it('rule E4: the reason names the term the student is deferred to', () => {
    const r = decideEligibility(facts({ deferredTo: '2025-01' }), CAMPAIGN);
    expect(r.reason.zh).toContain('2025-01');
    expect(r.reason.en).toContain('2025-01');
  });

  it('not-in-campaign: the reason names the expected term and the campaign terms', () => {
    const r = decideEligibility(facts({ expectedTerm: '2025-01' }), CAMPAIGN);
    expect(r.reason.zh).toContain('2025-01');
    expect(r.reason.zh).toContain('2024-01');
    expect(r.reason.zh).toContain('2024-07');
    expect(r.reason.en).toContain('2025-01');
  });
});

describe('rule E5: converting from an earlier completion → excluded', () => {
  const cases: Case[] = [
    {
      name: 'rule E5: converting from completion, graduating in 2024-07 → excluded',
      over: { convertingFromCompletion: true },
      decision: 'excluded',
      rule: 'E5',
    },
    {
      name: 'rule E5 beats E3: converting and photographed 2023-01 → E5',
      over: { convertingFromCompletion: true, priorCaptureTerm: '2023-01' },
      decision: 'excluded',
      rule: 'E5',
    },
    {
      name: 'rule E5 beats E2: converting with finish 结业 → E5',
      over: { convertingFromCompletion: true, finish: 'complete' },
      decision: 'excluded',
      rule: 'E5',
    },
    {
      name: 'rule E5: converting, expected 2023-07 deferred into 2024-01 → E5',
      over: { convertingFromCompletion: true, expectedTerm: '2023-07', deferredTo: '2024-01' },
      decision: 'excluded',
      rule: 'E5',
    },
    {
      name: 'not E5: converting but expected 2025-01 (not a target) → not-in-campaign',
      over: { convertingFromCompletion: true, expectedTerm: '2025-01' },
      decision: 'not-in-campaign',
      rule: null,
    },
    {
      name: 'not E5: convertingFromCompletion false → E1',
      over: { convertingFromCompletion: false },
      decision: 'required',
      rule: 'E1',
    },
  ];
  it.each(cases)('$name', (c) => {
    expectDecision(decideEligibility(facts(c.over), CAMPAIGN), c);
  });
});

describe('rule E3: photographed at or before 2023-07 and deferred into a target term → required again', () => {
  const cases: Case[] = [
    {
      name: 'rule E3: photographed 2023-07 and deferred into 2024-07 → required',
      over: { expectedTerm: '2023-07', priorCaptureTerm: '2023-07', deferredTo: '2024-07' },
      decision: 'required',
      rule: 'E3',
    },
    {
      name: 'rule E3: photographed 2023-01 and deferred into 2024-01 → required',
      over: { expectedTerm: '2023-01', priorCaptureTerm: '2023-01', deferredTo: '2024-01' },
      decision: 'required',
      rule: 'E3',
    },
    {
      name: 'rule E3: boundary priorCaptureTerm equal to retakeBefore 2023-07 → E3',
      over: { priorCaptureTerm: '2023-07' },
      decision: 'required',
      rule: 'E3',
    },
    {
      name: 'rule E3: priorCaptureTerm 2022-07, well before → E3',
      over: { priorCaptureTerm: '2022-07' },
      decision: 'required',
      rule: 'E3',
    },
    {
      name: 'rule E3 beats E2: photographed 2023-07, 结业 in 2024-07 → E3',
      over: { priorCaptureTerm: '2023-07', finish: 'complete' },
      decision: 'required',
      rule: 'E3',
    },
    {
      name: 'not E3: boundary priorCaptureTerm 2023-08, after retakeBefore → E1',
      over: { priorCaptureTerm: '2023-08' },
      decision: 'required',
      rule: 'E1',
    },
    {
      name: 'not E3: priorCaptureTerm 2023-08 with 结业 → E2',
      over: { priorCaptureTerm: '2023-08', finish: 'complete' },
      decision: 'required',
      rule: 'E2',
    },
    {
      name: 'not E3: priorCaptureTerm 2024-01 → E1',
      over: { priorCaptureTerm: '2024-01' },
      decision: 'required',
      rule: 'E1',
    },
  ];
  it.each(cases)('$name', (c) => {
    expectDecision(decideEligibility(facts(c.over), CAMPAIGN), c);
  });

  it.each([
    { prior: '2023-07', term: '2024-07' },
    { prior: '2022-01', term: '2024-01' },
  ])('rule E3: the zh and en reasons mention the prior term $prior and the new term $term', ({ prior, term }) => {
    const r = decideEligibility(facts({ expectedTerm: prior, priorCaptureTerm: prior, deferredTo: term }), CAMPAIGN);
    expect(r.rule).toBe('E3');
    expect(r.reason.zh).toContain(prior);
    expect(r.reason.zh).toContain(term);
    expect(r.reason.en).toContain(prior);
  });

  it('rule E3 uses the campaign retakeBefore, not a hard-coded 2023-07', () => {
    const r = decideEligibility(facts({ priorCaptureTerm: '2023-08' }), { ...CAMPAIGN, retakeBefore: '2023-12' });
    expect(r.rule).toBe('E3');
  });
});

describe('rule E2: completing (结业) in a target term → required', () => {
  const cases: Case[] = [
    { name: 'rule E2: 结业 in 2024-07 → required', over: { finish: 'complete' }, decision: 'required', rule: 'E2' },
    {
      name: 'rule E2: 结业 in 2024-01 → required',
      over: { finish: 'complete', expectedTerm: '2024-01' },
      decision: 'required',
      rule: 'E2',
    },
    {
      name: 'rule E2: 结业 expected 2023-07, deferred into 2024-01, no prior photo → E2',
      over: { finish: 'complete', expectedTerm: '2023-07', deferredTo: '2024-01' },
      decision: 'required',
      rule: 'E2',
    },
    {
      name: 'not E2: 结业 expected 2025-07 (not a target) → not-in-campaign',
      over: { finish: 'complete', expectedTerm: '2025-07' },
      decision: 'not-in-campaign',
      rule: null,
    },
  ];
  it.each(cases)('$name', (c) => {
    expectDecision(decideEligibility(facts(c.over), CAMPAIGN), c);
  });

  it('rule E2: the reason says 结业 and names the term', () => {
    const r = decideEligibility(facts({ finish: 'complete', expectedTerm: '2024-01' }), CAMPAIGN);
    expect(r.reason.zh).toContain('结业');
    expect(r.reason.zh).toContain('2024-01');
    expect(r.reason.en).toContain('2024-01');
  });
});

describe('rule E1: dual certificate, graduating in a target term → required (default)', () => {
  const cases: Case[] = [
    { name: 'rule E1: 双证 毕业 in 2024-07 → required', over: {}, decision: 'required', rule: 'E1' },
    { name: 'rule E1: 双证 毕业 in 2024-01 → required', over: { expectedTerm: '2024-01' }, decision: 'required', rule: 'E1' },
    {
      name: 'rule E1: expected 2023-07 deferred into 2024-07 without prior photo → E1',
      over: { expectedTerm: '2023-07', deferredTo: '2024-07' },
      decision: 'required',
      rule: 'E1',
    },
    {
      name: 'rule E1: expected 2024-01 with deferredTo equal to 2024-01 → E1',
      over: { expectedTerm: '2024-01', deferredTo: '2024-01' },
      decision: 'required',
      rule: 'E1',
    },
    {
      name: 'rule E1: deferredTo wins over expectedTerm: expected 2022-07 (not a target) deferred to 2024-07 → E1',
      over: { expectedTerm: '2022-07', deferredTo: '2024-07' },
      decision: 'required',
      rule: 'E1',
    },
    {
      name: 'rule E1: optional fields undefined (not null) → E1',
      over: { studyCity: undefined, priorCaptureTerm: undefined, deferredTo: undefined, convertingFromCompletion: undefined },
      decision: 'required',
      rule: 'E1',
    },
    {
      name: 'rule E1: a Shenzhen student → E1 (site does not change the decision)',
      over: { department: '深圳研究生院', studyCity: 'shenzhen' },
      decision: 'required',
      rule: 'E1',
    },
  ];
  it.each(cases)('$name', (c) => {
    expectDecision(decideEligibility(facts(c.over), CAMPAIGN), c);
  });

  it('rule E1: the reason names the term and 毕业', () => {
    const r = decideEligibility(facts({ expectedTerm: '2024-01' }), CAMPAIGN);
    expect(r.reason.zh).toContain('2024-01');
    expect(r.reason.zh).toContain('毕业');
    expect(r.reason.en).toContain('2024-01');
  });

  it('the rules use the campaign target terms passed in, not hard-coded ones', () => {
    const shifted = { targetTerms: ['2027-01', '2027-07'], retakeBefore: '2026-07' };
    expect(decideEligibility(facts({ expectedTerm: '2027-07' }), shifted).rule).toBe('E1');
    expect(decideEligibility(facts({ expectedTerm: '2024-07' }), shifted).decision).toBe('not-in-campaign');
    expect(decideEligibility(facts({ expectedTerm: '2027-07', deferredTo: '2028-01' }), shifted).rule).toBe('E4');
  });
});

describe('site S4: Shenzhen graduate school students studying in Shenzhen are handled in Shenzhen', () => {
  const cases: Array<{
    name: string;
    department: string;
    studyCity: SiteId | null | undefined;
    departmentSites?: Record<string, SiteId>;
    site: SiteId;
  }> = [
    { name: 'site S4: 深圳研究生院 + studyCity shenzhen → shenzhen', department: '深圳研究生院', studyCity: 'shenzhen', site: 'shenzhen' },
    {
      name: "site S4: 深圳研究生院 + empty study city (null) → shenzhen (the department's site)",
      department: '深圳研究生院',
      studyCity: null,
      site: 'shenzhen',
    },
    {
      name: "site S4: 深圳研究生院 + study city undefined → shenzhen (the department's site)",
      department: '深圳研究生院',
      studyCity: undefined,
      site: 'shenzhen',
    },
    { name: 'site S4: 深圳研究生院 + studyCity beijing → beijing', department: '深圳研究生院', studyCity: 'beijing', site: 'beijing' },
    { name: 'site S4: other department + studyCity shenzhen → beijing', department: '物理学院', studyCity: 'shenzhen', site: 'beijing' },
    { name: 'site S4: other department + empty study city → beijing', department: '物理学院', studyCity: null, site: 'beijing' },
    {
      name: 'site S4: departmentSites override makes another department a Shenzhen department (empty city → shenzhen)',
      department: '信息工程学院',
      studyCity: null,
      departmentSites: { 信息工程学院: 'shenzhen' },
      site: 'shenzhen',
    },
    {
      name: 'site S4: departmentSites override + studyCity shenzhen → shenzhen',
      department: '信息工程学院',
      studyCity: 'shenzhen',
      departmentSites: { 信息工程学院: 'shenzhen' },
      site: 'shenzhen',
    },
    {
      name: 'site S4: departmentSites override + studyCity beijing → beijing',
      department: '信息工程学院',
      studyCity: 'beijing',
      departmentSites: { 信息工程学院: 'shenzhen' },
      site: 'beijing',
    },
    {
      name: 'site S4: departmentSites override puts 深圳研究生院 in Beijing → beijing even when studying in Shenzhen',
      department: '深圳研究生院',
      studyCity: 'shenzhen',
      departmentSites: { 深圳研究生院: 'beijing' },
      site: 'beijing',
    },
    {
      name: 'site S4: departmentSites for another department leaves 深圳研究生院 at shenzhen',
      department: '深圳研究生院',
      studyCity: null,
      departmentSites: { 物理学院: 'beijing' },
      site: 'shenzhen',
    },
  ];

  it.each(cases)('$name', (c) => {
    const campaign: EligibilityTerms & { departmentSites?: Record<string, SiteId> } = c.departmentSites
      ? { ...CAMPAIGN, departmentSites: c.departmentSites }
      : CAMPAIGN;
    expect(decideSite({ department: c.department, studyCity: c.studyCity }, campaign)).toBe(c.site);
    // decideEligibility reports the same site, whatever the decision.
    const result = decideEligibility(facts({ department: c.department, studyCity: c.studyCity }), campaign);
    expect(result.site).toBe(c.site);
    const single = decideEligibility(facts({ department: c.department, studyCity: c.studyCity, certificate: 'single' }), campaign);
    expect(single.site).toBe(c.site);
  });
});
