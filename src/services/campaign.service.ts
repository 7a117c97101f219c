import fs from 'node:fs';
import type { z } from 'zod';
import type { Campaign, CampaignOverview, UpdateCampaignTermsRequestSchema } from '../contracts/campaign.js';
import { CampaignDefinitionSchema } from '../contracts/campaign.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { departmentHomeSite, localDate, shiftCampaignForward } from '../domain/campaign.js';
import { decideEligibility } from '../domain/eligibility.js';
import { AppError, schemaIssues } from '../domain/errors.js';
import { studentScope } from '../domain/permissions.js';
import * as campaignRepo from '../repositories/campaign.repository.js';
import * as studentRepo from '../repositories/student.repository.js';
import { mutate } from './change.js';
import { insertMissingSessions } from './session-slots.js';
import { flagInvalidConfirmedPhotos } from './photo-validity.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';

const DEMO_CAMPAIGN_URL = new URL('./demo/campaign-2024.json', import.meta.url);

/** The notice's campaign (demo/campaign-2024.json, format in docs/rules/campaign-file.md), as published. */
export function readPublishedDemoCampaign(): CampaignDefinition {
  return parseCampaignDefinition(JSON.parse(fs.readFileSync(DEMO_CAMPAIGN_URL, 'utf8')));
}

export function parseCampaignDefinition(json: unknown): CampaignDefinition {
  const parsed = CampaignDefinitionSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError('VALIDATION_FAILED', { params: { detail }, details: parsed.error.issues, issues: schemaIssues(parsed.error.issues) });
  }
  return parsed.data as CampaignDefinition;
}

/** The demo campaign: the notice's structure moved forward so that its first day is in the future. */
export function demoCampaign(now: Date, asPublished = false): CampaignDefinition {
  const published = readPublishedDemoCampaign();
  return asPublished ? published : shiftCampaignForward(published, localDate(now, published.timezone));
}

export async function findActiveCampaign(deps: Pick<ServiceDeps, 'db'>): Promise<CampaignDefinition | undefined> {
  return campaignRepo.findActiveCampaign(deps.db.db);
}

export async function getActiveCampaign(deps: Pick<ServiceDeps, 'db'>, tx?: Tx): Promise<CampaignDefinition> {
  const c = await campaignRepo.findActiveCampaign(tx ?? deps.db.db);
  if (!c) throw new AppError('CAMPAIGN_NOT_FOUND');
  return c;
}

/** Loads a campaign document and makes it the active one; decisions of its students are recomputed. */
export async function loadCampaign(deps: ServiceDeps, actor: Actor, definition: CampaignDefinition): Promise<{ decisionsChanged: number }> {
  return mutate(deps, actor, async (tx) => {
    await campaignRepo.saveActiveCampaign(tx, definition, nowIso(deps));
    // The campaign's sessions (S1) are written with it, never on a read.
    const sessions = await insertMissingSessions(tx, definition, nowIso(deps));
    const decisionsChanged = await recomputeDecisions(tx, deps, definition);
    await flagInvalidConfirmedPhotos(tx, deps, actor, definition.id); // E7
    return {
      value: { decisionsChanged },
      audit: {
        action: 'campaign.loaded',
        targetType: 'campaign',
        targetId: definition.id,
        details: { days: definition.days.length, targetTerms: definition.targetTerms, decisionsChanged, sessionsCreated: sessions.created },
      },
    };
  });
}

/**
 * At start-up: a session of the active campaign that is missing (a database written by a version that made
 * sessions on first read, or a row lost) is put back; one `sessions.generated` event when any was.
 */
export async function repairCampaignSessions(deps: ServiceDeps, actor: Actor, campaign: CampaignDefinition): Promise<{ created: number }> {
  return mutate(deps, actor, async (tx) => {
    const { created, slots } = await insertMissingSessions(tx, campaign, nowIso(deps));
    return { value: { created }, audit: created > 0 ? { action: 'sessions.generated', targetType: 'campaign', targetId: campaign.id, details: { created, slots } } : null };
  });
}

/** On first start: the demo campaign, unless a campaign is already active. */
export async function ensureActiveCampaign(deps: ServiceDeps, actor: Actor): Promise<{ campaign: CampaignDefinition; created: boolean }> {
  const existing = await findActiveCampaign(deps);
  if (existing) {
    await repairCampaignSessions(deps, actor, existing);
    return { campaign: existing, created: false };
  }
  const campaign = demoCampaign(deps.clock());
  await loadCampaign(deps, actor, campaign);
  return { campaign, created: true };
}

export function toCampaignView(c: CampaignDefinition): Campaign {
  const weekend = new Set(c.weekendDays);
  return {
    id: c.id,
    name: c.name,
    targetTerms: c.targetTerms,
    retakeBefore: c.retakeBefore,
    deferTerms: c.deferTerms,
    timezone: c.timezone,
    price: c.price,
    windows: c.windows,
    sites: c.sites,
    weekendDays: c.weekendDays,
    makeUp: c.makeUp,
    days: c.days.map((d) => ({ date: d.date, weekend: weekend.has(d.date), departments: d.departments })),
    departments: c.days.flatMap((d) => d.departments.map((name) => ({ name, day: d.date, site: departmentHomeSite(c, name) }))),
  };
}

/** The campaign as its public notice shows it (no personal data): anyone may read it. */
export async function getCampaign(deps: ServiceDeps): Promise<Campaign> {
  return toCampaignView(await getActiveCampaign(deps));
}

type Counts = CampaignOverview['totals'];
const emptyCounts = (): Counts => ({ required: 0, excluded: 0, notInCampaign: 0, total: 0 });
function addCount(c: Counts, decision: string, n: number): void {
  if (decision === 'required') c.required += n;
  else if (decision === 'excluded') c.excluded += n;
  else c.notInCampaign += n;
  c.total += n;
}

/** Days × departments with counts of required / excluded; a secretary sees only their departments. */
export async function getCampaignOverview(deps: ServiceDeps, actor: Actor): Promise<CampaignOverview> {
  authorize(actor, 'campaign.overview');
  const campaign = await getActiveCampaign(deps);
  const scope = actor.principal ? studentScope(actor.principal) : { kind: 'all' as const };
  const visible = scope.kind === 'departments' ? new Set(scope.departments) : null;
  const rows = await studentRepo.countStudentsByDepartmentAndDecision(deps.db.db, campaign.id, visible ? [...visible] : undefined);
  const byDepartment = new Map<string, Counts>();
  const totals = emptyCounts();
  const byRule: Record<string, number> = {};
  for (const r of rows) {
    const c = byDepartment.get(r.department) ?? emptyCounts();
    addCount(c, r.decision, r.n);
    byDepartment.set(r.department, c);
    addCount(totals, r.decision, r.n);
    const key = r.rule ?? 'none';
    byRule[key] = (byRule[key] ?? 0) + r.n;
  }
  const weekend = new Set(campaign.weekendDays);
  return {
    campaignId: campaign.id,
    totals,
    byRule,
    days: campaign.days.map((d) => {
      const dayCounts = emptyCounts();
      const departments = d.departments
        .filter((name) => !visible || visible.has(name))
        .map((name) => {
          const counts = byDepartment.get(name) ?? emptyCounts();
          addCount(dayCounts, 'required', counts.required);
          addCount(dayCounts, 'excluded', counts.excluded);
          addCount(dayCounts, 'not-in-campaign', counts.notInCampaign);
          return { name, site: departmentHomeSite(campaign, name), counts };
        });
      return { date: d.date, weekend: weekend.has(d.date), departments, counts: dayCounts };
    }),
  };
}

/** Recomputes every student's decision against the campaign; returns how many changed. */
export async function recomputeDecisions(tx: Tx, deps: Pick<ServiceDeps, 'clock'>, campaign: CampaignDefinition): Promise<number> {
  const rows = await studentRepo.listCampaignStudentRows(tx, campaign.id);
  let changed = 0;
  const now = deps.clock().toISOString();
  for (const row of rows) {
    const d = decideEligibility(studentRepo.eligibilityFactsOf(row), campaign);
    if (d.decision !== row.decision || d.rule !== row.rule || d.site !== row.site) {
      await studentRepo.updateStudent(tx, row.id, { decision: d.decision, rule: d.rule, site: d.site, updated_at: now });
      changed++;
    }
  }
  return changed;
}

/** Changing the campaign's terms changes decisions: they are recomputed in the same transaction. */
export async function updateCampaignTerms(
  deps: ServiceDeps,
  actor: Actor,
  terms: z.infer<typeof UpdateCampaignTermsRequestSchema>,
): Promise<{ decisionsChanged: number }> {
  authorize(actor, 'campaign.manage');
  // A term listed twice is a typing slip (issue 8 finding 11): refused by name, never silently merged.
  for (const field of ['targetTerms', 'deferTerms'] as const) {
    const term = (terms[field] ?? []).find((t, i, all) => all.indexOf(t) !== i);
    if (term !== undefined) throw new AppError('CAMPAIGN_TERM_DUPLICATE', { params: { field, term } });
  }
  return mutate(deps, actor, async (tx) => {
    const campaign = await getActiveCampaign(deps, tx);
    const updated: CampaignDefinition = { ...campaign, ...terms };
    await campaignRepo.saveActiveCampaign(tx, updated, nowIso(deps));
    const decisionsChanged = await recomputeDecisions(tx, deps, updated);
    await flagInvalidConfirmedPhotos(tx, deps, actor, updated.id); // E7
    return {
      value: { decisionsChanged },
      audit: {
        action: 'campaign.terms_changed',
        targetType: 'campaign',
        targetId: campaign.id,
        details: { before: { targetTerms: campaign.targetTerms, retakeBefore: campaign.retakeBefore }, after: terms, decisionsChanged },
      },
    };
  });
}
