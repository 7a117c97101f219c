// Closing a campaign (issue 10 section 5, A3; docs/decisions/0027-retention.md): `gradphoto campaign close` and
// closeCampaign. Refused while a registry package is being built or prints are on their way (hand-overs not
// acknowledged): CAMPAIGN_CLOSE_BLOCKED with what is open and how many; students whose make-up deadline has not
// passed block too, unless forced with a reason. Then, in one transaction with one audit event (`campaign.closed`,
// counts only): national ID numbers (encrypted column, keyed hash, mask), phones and e-mail addresses of every
// student are purged, every camera original and every shot not chosen is crypto-shredded, and so is every standard
// photo whose purpose is served (accepted by the registry and handed over); the closure is recorded with its
// report. The files go after the commit. A closed campaign takes no more bookings, check-ins or uploads
// (CAMPAIGN_CLOSED, assertCampaignOpen). Closing twice answers the first closing's report.
import type { CampaignClosePreview, CloseBlocker, CloseCampaignResponse, ClosingReport } from '../contracts/retention.js';
import { CloseCampaignRequestSchema } from '../contracts/retention.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { localDate } from '../domain/campaign.js';
import type { ClosingDepartmentCounts, PurgeCounts } from '../domain/retention.js';
import { NO_PURGE, totalOf } from '../domain/retention.js';
import { AppError, isAppError, schemaIssues } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { openHandoverCount } from '../repositories/print.repository.js';
import { countExportCandidates } from '../repositories/registry-export.repository.js';
import { countDashboardGroups } from '../repositories/dashboard.repository.js';
import * as retentionRepo from '../repositories/retention.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import { mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';
import { claimRetentionRun, finishRetentionRun, removeShreddedFiles, shredInTransaction } from './retention.service.js';

/** Refuses a write to a closed campaign (bookings, check-ins, uploads): CAMPAIGN_CLOSED with the day it closed. */
export async function assertCampaignOpen(db: Tx, campaign: Pick<CampaignDefinition, 'id' | 'timezone'>): Promise<void> {
  const closure = await retentionRepo.findClosure(db, campaign.id);
  if (closure) throw new AppError('CAMPAIGN_CLOSED', { params: { date: localDate(new Date(closure.closed_at), campaign.timezone) }, details: { closedAt: closure.closed_at } });
}

/**
 * The one guard of every write on a campaign's data (bookings, check-ins, uploads, confirmations and voids,
 * print batches, deliveries and hand-overs, outlets and make-up settings, registry packages and answers),
 * called first inside the write's own transaction: CAMPAIGN_CLOSED once the campaign is closed. On PostgreSQL
 * it holds the campaign's row (FOR SHARE) until the write commits, and closeCampaign takes that row FOR UPDATE
 * before its checks: a close and a write serialise — either the write commits first and the close's checks see
 * it, or the close commits first and the write sees the closure. SQLite's BEGIN IMMEDIATE already runs one
 * writer at a time.
 */
export async function assertCampaignOpenForWrite(deps: Pick<ServiceDeps, 'db'>, tx: Tx, campaign: Pick<CampaignDefinition, 'id' | 'timezone'>): Promise<void> {
  if (deps.db.dialect === 'postgres') await tx.selectFrom('campaigns').select('id').where('id', '=', campaign.id).forShare().execute();
  await assertCampaignOpen(tx, campaign);
}

async function lockCampaignForClose(deps: ServiceDeps, tx: Tx, campaignId: string): Promise<void> {
  if (deps.db.dialect === 'postgres') await tx.selectFrom('campaigns').select('id').where('id', '=', campaignId).forUpdate().execute();
}

/** What a close may be forced past, with a reason: make-ups still allowed, confirmed photos not yet exported. */
const FORCEABLE: ReadonlySet<CloseBlocker['kind']> = new Set(['makeupsBeforeDeadline', 'confirmedNotExported']);

function makeUpDeadline(campaign: CampaignDefinition, term: string): string | null {
  return (campaign.makeUp.deadlines as Record<string, string> | undefined)?.[term] ?? campaign.makeUp.deadline ?? null;
}

/** What keeps the campaign open now: a package being built, hand-overs not acknowledged, make-ups still allowed. */
async function blockersOf(deps: ServiceDeps, db: Tx, campaign: CampaignDefinition): Promise<CloseBlocker[]> {
  const blockers: CloseBlocker[] = [];
  const building = await retentionRepo.countBuildingExports(db, campaign.id);
  if (building > 0) blockers.push({ kind: 'exportBuilding', count: building, until: null });
  const handovers = await openHandoverCount({ ...deps.db, db }, campaign.id);
  if (handovers > 0) blockers.push({ kind: 'handoversOpen', count: handovers, until: null });
  // confirmed valid photos the registry has not received yet (the next package's photos): forceable, with a reason
  const notExported = await countExportCandidates(db, campaign.id);
  if (notExported > 0) blockers.push({ kind: 'confirmedNotExported', count: notExported, until: null });
  const today = localDate(deps.clock(), campaign.timezone);
  let makeups = 0;
  let until: string | null = null;
  let undated = false;
  for (const { term, n } of await retentionRepo.countOutstandingPerTerm(db, campaign.id)) {
    const deadline = makeUpDeadline(campaign, term);
    if (deadline !== null && deadline < today) continue;
    makeups += n;
    if (deadline === null) undated = true;
    else if (until === null || deadline > until) until = deadline;
  }
  if (makeups > 0) blockers.push({ kind: 'makeupsBeforeDeadline', count: makeups, until: undated ? null : until });
  return blockers;
}

function describeBlockers(blockers: CloseBlocker[], lang: Lang): string {
  const zh = lang === 'zh';
  return blockers
    .map((b) => {
      if (b.kind === 'exportBuilding') return zh ? `${b.count} 批学信网上传包正在生成` : `${b.count} registry package${b.count === 1 ? '' : 's'} being built`;
      if (b.kind === 'handoversOpen') return zh ? `${b.count} 个照片交接步骤尚未完成（打印批次未寄出或未确认接收）` : `${b.count} print hand-over${b.count === 1 ? '' : 's'} not yet done (a print batch not sent or not acknowledged)`;
      if (b.kind === 'confirmedNotExported') return zh ? `${b.count} 张已确认的有效照片尚未上传学信网` : `${b.count} confirmed valid photo${b.count === 1 ? '' : 's'} not yet sent to the registry`;
      const by = b.until ? (zh ? `（补采期限 ${b.until}）` : ` (make-up deadline ${b.until})`) : zh ? '（未设补采期限）' : ' (no make-up deadline set)';
      return zh ? `${b.count} 名须采集的学生尚无有效照片且仍可补采${by}` : `${b.count} required student${b.count === 1 ? '' : 's'} without a valid photo may still have a make-up${by}`;
    })
    .join(zh ? '；' : '; ');
}

/**
 * The closing report's counts per department: the dashboards' definitions (dashboard.repository's
 * countDashboardGroups — required students on the roster; photographed, confirmed, exported, printed and handed
 * over as the dashboard counts them: exported is an active confirmation in a delivered registry package), so the
 * report and the dashboard say the same; accepted: required students the registry accepted.
 */
async function departmentCounts(deps: ServiceDeps, db: Tx, campaign: CampaignDefinition): Promise<ClosingDepartmentCounts[]> {
  const rows = new Map<string, ClosingDepartmentCounts>();
  const row = (department: string) => {
    let r = rows.get(department);
    if (!r) rows.set(department, (r = { department, required: 0, photographed: 0, confirmed: 0, exported: 0, accepted: 0, printed: 0, handedOver: 0 }));
    return r;
  };
  for (const g of await countDashboardGroups(db, { campaignId: campaign.id, today: localDate(deps.clock(), campaign.timezone) })) {
    const r = row(g.department);
    for (const key of ['required', 'photographed', 'confirmed', 'exported', 'printed', 'handedOver'] as const) r[key] += g[key];
  }
  for (const { department, n } of (await retentionRepo.countClosingPerDepartment(db, campaign.id)).accepted) row(department).accepted = n;
  return [...rows.values()].sort((a, b) => a.department.localeCompare(b.department, 'zh-Hans-CN'));
}

async function buildReport(deps: ServiceDeps, db: Tx, campaign: CampaignDefinition, lang: Lang, extra: { closedAt: string | null; purged: PurgeCounts & { identities: number }; forcedReason: string | null }): Promise<ClosingReport> {
  const departments = await departmentCounts(deps, db, campaign);
  return {
    campaignId: campaign.id,
    campaignName: campaign.name[lang],
    closedAt: extra.closedAt,
    departments,
    totals: totalOf(departments),
    exports: await retentionRepo.countExports(db, campaign.id),
    payments: await retentionRepo.countPayments(db, campaign.id),
    purged: extra.purged,
    forcedReason: extra.forcedReason,
  };
}

/** At the close: every original, every shot not chosen, every standard photo accepted and handed over (no delay). */
async function closeCandidates(db: Tx, campaignId: string, now: string) {
  const lists = [await retentionRepo.listAllOriginals(db, campaignId), await retentionRepo.listOriginalCandidates(db, campaignId, now), await retentionRepo.listStandardCandidates(db, campaignId, now)];
  const seen = new Map<string, (typeof lists)[number][number]>();
  for (const list of lists) for (const b of list) seen.set(b.id, b);
  return [...seen.values()];
}

function countBlobs(blobs: { kind: string; photo_id: string; size: number }[]): PurgeCounts {
  return {
    originals: blobs.filter((b) => b.kind === 'original').length,
    standards: blobs.filter((b) => b.kind !== 'original').length,
    photos: new Set(blobs.map((b) => b.photo_id)).size,
    bytes: blobs.reduce((n, b) => n + Number(b.size), 0),
  };
}

/** previewCampaignClose / `campaign close --dry-run`: closed or not, what blocks, what closing would purge; writes nothing. */
export async function previewCampaignClose(deps: ServiceDeps, actor: Actor, lang: Lang): Promise<CampaignClosePreview> {
  authorize(actor, 'retention.manage');
  const campaign = await getActiveCampaign(deps);
  const db = deps.db.db;
  const closure = await retentionRepo.findClosure(db, campaign.id);
  if (closure) {
    const report = JSON.parse(closure.report) as ClosingReport;
    return { campaignId: campaign.id, campaignName: campaign.name[lang], closed: true, closedAt: closure.closed_at, blockers: [], forceable: false, wouldPurge: { ...NO_PURGE, identities: 0 }, report: { ...report, campaignName: campaign.name[lang] } };
  }
  const blockers = await blockersOf(deps, db, campaign);
  const wouldPurge = { ...countBlobs(await closeCandidates(db, campaign.id, deps.clock().toISOString())), identities: (await retentionRepo.countIdentitiesHeld(db, campaign.id)).any };
  return {
    campaignId: campaign.id,
    campaignName: campaign.name[lang],
    closed: false,
    closedAt: null,
    blockers,
    forceable: blockers.length > 0 && blockers.every((b) => FORCEABLE.has(b.kind)),
    wouldPurge,
    report: await buildReport(deps, db, campaign, lang, { closedAt: null, purged: wouldPurge, forcedReason: null }),
  };
}

class AlreadyClosed extends Error {}

/**
 * closeCampaign / `gradphoto campaign close`: `confirm` must be the campaign's id (typed by the admin). Refusals:
 * CAMPAIGN_CLOSE_CONFIRM_MISMATCH, CAMPAIGN_CLOSE_BLOCKED (with every open item and its count),
 * CAMPAIGN_CLOSE_REASON_REQUIRED (forcing past make-ups without a reason), RETENTION_RUN_IN_PROGRESS.
 */
export async function closeCampaign(deps: ServiceDeps, actor: Actor, body: unknown, lang: Lang): Promise<CloseCampaignResponse> {
  authorize(actor, 'retention.manage');
  const parsed = CloseCampaignRequestSchema.safeParse(body);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', { params: { detail: parsed.error.issues[0]?.message ?? 'confirm' }, issues: schemaIssues(parsed.error.issues) });
  const input = parsed.data;
  const campaign = await getActiveCampaign(deps);
  const earlier = await retentionRepo.findClosure(deps.db.db, campaign.id);
  if (earlier) return { alreadyClosed: true, report: { ...(JSON.parse(earlier.report) as ClosingReport), campaignName: campaign.name[lang] } };
  if (input.confirm.trim() !== campaign.id) throw new AppError('CAMPAIGN_CLOSE_CONFIRM_MISMATCH', { params: { expected: campaign.id } });
  const reason = input.reason?.trim() ?? '';
  if (input.force && !reason) throw new AppError('CAMPAIGN_CLOSE_REASON_REQUIRED');
  const check = async (db: Tx) => {
    const blockers = await blockersOf(deps, db, campaign);
    const hard = blockers.filter((b) => !FORCEABLE.has(b.kind));
    const refused = input.force ? hard : blockers;
    if (refused.length > 0) throw new AppError('CAMPAIGN_CLOSE_BLOCKED', { params: { open: describeBlockers(refused, lang) }, details: { blockers: refused } });
    return blockers.length > 0 ? reason : null;
  };
  await check(deps.db.db);
  const runId = await claimRetentionRun(deps, actor, campaign, 'close');
  if (!runId) throw new AppError('CONFLICT');
  try {
    const report = await mutate(deps, actor, async (tx) => {
      await lockCampaignForClose(deps, tx, campaign.id);
      const forcedReason = await check(tx);
      const now = deps.clock().toISOString();
      if (await retentionRepo.findClosure(tx, campaign.id)) throw new AlreadyClosed();
      const identities = await retentionRepo.purgeIdentities(tx, campaign.id);
      const counts = await shredInTransaction(tx, await closeCandidates(tx, campaign.id, now), { campaignId: campaign.id, runId, reason: 'close', at: now });
      const report = await buildReport(deps, tx, campaign, lang, { closedAt: now, purged: { ...counts, identities }, forcedReason });
      if (!(await retentionRepo.insertClosure(tx, { campaign_id: campaign.id, closed_at: now, closed_by: actor.principal?.username ?? actor.system?.label ?? null, forced_reason: forcedReason, report: JSON.stringify(report) }))) throw new AlreadyClosed();
      return {
        value: report,
        audit: {
          action: 'campaign.closed',
          targetType: 'campaign',
          targetId: campaign.id,
          details: { runId, ...counts, identities, forced: forcedReason !== null, ...(forcedReason ? { reason: forcedReason } : {}), totals: report.totals },
        },
      };
    });
    const filesRemoved = await removeShreddedFiles(deps, actor, campaign.id);
    await finishRetentionRun(deps, actor, runId, { ok: true, filesRemoved });
    return { alreadyClosed: false, report };
  } catch (e) {
    await finishRetentionRun(deps, actor, runId, { ok: false, code: isAppError(e) ? e.code : 'INTERNAL' }).catch(() => undefined);
    if (e instanceof AlreadyClosed) {
      const closure = await retentionRepo.findClosure(deps.db.db, campaign.id);
      return { alreadyClosed: true, report: JSON.parse(closure!.report) as ClosingReport };
    }
    throw e;
  }
}
