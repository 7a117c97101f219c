// Retention and deletion (issue 10 section 5, rule A3; PIPL art. 19 and 47; docs/decisions/0027-retention.md).
//
// Deleting a photo blob is crypto-shredding: its photo_blobs row — the only copy of its wrapped data key — is
// deleted in a committed transaction (with a shredded_blobs row saying what and when, and the run's one audit
// event with its counts), and only then is the encrypted file removed. Once the key is gone the blob can never be
// decrypted, even from a backup of the blob store. A run stopped between the two (kill -9) leaves files without a
// key: the next run removes them (shredded_blobs.file_removed_at is null), and the start-up orphan sweep would too.
//
// One run per campaign at a time (retention_runs: a partial unique index on the running one; a run whose lease
// ran out is abandoned by the next); the scheduler's run is once per campaign-day (a unique slot), so two serve
// processes on one PostgreSQL never both run it. A dry run reads only.
import crypto from 'node:crypto';
import os from 'node:os';
import type { RetentionPolicy, RetentionPreview, RetentionRun, RunRetentionResponse } from '../contracts/retention.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { localDate } from '../domain/campaign.js';
import { AppError, isAppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { campaignDateTime } from '../domain/prints.js';
import type { PurgeCounts, RetentionPolicyValues } from '../domain/retention.js';
import { DEFAULT_RETENTION_POLICY, RETENTION_LEASE_MS, RETENTION_SCHEDULE_MS, retentionCutoff, retentionDaysProblem, retentionSentences } from '../domain/retention.js';
import type { BlobCandidate, RetentionRunRow } from '../repositories/retention.repository.js';
import * as retentionRepo from '../repositories/retention.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import { mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';

export type RunTrigger = 'cli' | 'scheduler' | 'api' | 'close';

// ───────────────────────────── policy ─────────────────────────────

/** The campaign's policy values (the defaults until an admin changes them); reads only, no permission (the notice). */
export async function readRetentionPolicy(deps: Pick<ServiceDeps, 'db'>, campaignId: string, db: Tx = deps.db.db): Promise<RetentionPolicyValues> {
  const row = await retentionRepo.findPolicy(db, campaignId);
  return row ? { originalsDays: row.originals_days, standardDays: row.standard_days } : { ...DEFAULT_RETENTION_POLICY };
}

async function policyView(deps: ServiceDeps, campaign: CampaignDefinition, lang: Lang): Promise<RetentionPolicy> {
  const row = await retentionRepo.findPolicy(deps.db.db, campaign.id);
  const values = row ? { originalsDays: row.originals_days, standardDays: row.standard_days } : { ...DEFAULT_RETENTION_POLICY };
  return {
    campaignId: campaign.id,
    ...values,
    identityPurgedOnClose: true,
    sentences: retentionSentences(values, lang),
    updatedAt: row?.updated_at ?? null,
    updatedBy: row?.updated_by ?? null,
  };
}

/** getRetentionPolicy: the active campaign's policy (its safe defaults until changed) and the notice's sentences. */
export async function getRetentionPolicy(deps: ServiceDeps, actor: Actor, lang: Lang): Promise<RetentionPolicy> {
  authorize(actor, 'retention.manage');
  return policyView(deps, await getActiveCampaign(deps), lang);
}

const FIELD_LABEL: Record<'originalsDays' | 'standardDays', { zh: string; en: string }> = {
  originalsDays: { zh: '原始照片保留天数（originalsDays）', en: 'originalsDays (days camera originals are kept)' },
  standardDays: { zh: '标准照片保留天数（standardDays）', en: 'standardDays (days standard photos are kept)' },
};

/** Whole days 0–3650 for each field, or RETENTION_DAYS_INVALID naming the first bad one and its value. */
export function parseRetentionPolicy(body: unknown): RetentionPolicyValues {
  const input = (body ?? {}) as Record<string, unknown>;
  for (const field of ['originalsDays', 'standardDays'] as const) {
    const value = input[field];
    if (retentionDaysProblem(value) !== null) {
      throw new AppError('RETENTION_DAYS_INVALID', { params: { fieldZh: FIELD_LABEL[field].zh, fieldEn: FIELD_LABEL[field].en, value: value === undefined ? '' : String(value) }, details: { field, value: value ?? null } });
    }
  }
  return { originalsDays: input.originalsDays as number, standardDays: input.standardDays as number };
}

/** updateRetentionPolicy (admin): audited `retention.policy_changed` with the values before and after. */
export async function updateRetentionPolicy(deps: ServiceDeps, actor: Actor, body: unknown, lang: Lang): Promise<RetentionPolicy> {
  authorize(actor, 'retention.manage');
  const values = parseRetentionPolicy(body);
  const campaign = await getActiveCampaign(deps);
  await mutate(deps, actor, async (tx) => {
    const now = nowIso(deps);
    const before = await readRetentionPolicy(deps, campaign.id, tx);
    await retentionRepo.insertPolicyUnlessExists(tx, { campaign_id: campaign.id, originals_days: DEFAULT_RETENTION_POLICY.originalsDays, standard_days: DEFAULT_RETENTION_POLICY.standardDays, now });
    if (before.originalsDays === values.originalsDays && before.standardDays === values.standardDays) return { value: null, audit: null };
    await retentionRepo.updatePolicy(tx, campaign.id, { originals_days: values.originalsDays, standard_days: values.standardDays, updated_by: actor.principal?.username ?? actor.system?.label ?? null, updated_at: now });
    return { value: null, audit: { action: 'retention.policy_changed', targetType: 'campaign', targetId: campaign.id, details: { before, after: values } } };
  });
  return policyView(deps, campaign, lang);
}

// ───────────────────────────── what is due ─────────────────────────────

function countsOf(blobs: BlobCandidate[]): PurgeCounts {
  return {
    originals: blobs.filter((b) => b.kind === 'original').length,
    standards: blobs.filter((b) => b.kind !== 'original').length,
    photos: new Set(blobs.map((b) => b.photo_id)).size,
    bytes: blobs.reduce((n, b) => n + Number(b.size), 0),
  };
}

function union(...lists: BlobCandidate[][]): BlobCandidate[] {
  const seen = new Map<string, BlobCandidate>();
  for (const list of lists) for (const b of list) if (!seen.has(b.id)) seen.set(b.id, b);
  return [...seen.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

interface Cutoffs {
  originalsConfirmedBefore: string;
  standardsServedBefore: string;
}

function cutoffsOf(now: Date, policy: RetentionPolicyValues): Cutoffs {
  return { originalsConfirmedBefore: retentionCutoff(now, policy.originalsDays), standardsServedBefore: retentionCutoff(now, policy.standardDays) };
}

/** The blobs the policy says are due at `now`: originals (and shots not chosen), and served standard photos. */
export async function listDueBlobs(db: Tx, campaignId: string, cutoffs: Cutoffs): Promise<BlobCandidate[]> {
  return union(await retentionRepo.listOriginalCandidates(db, campaignId, cutoffs.originalsConfirmedBefore), await retentionRepo.listStandardCandidates(db, campaignId, cutoffs.standardsServedBefore));
}

/** previewRetentionRun / `retention run --dry-run`: what a run would delete now; writes nothing (not even an audit event). */
export async function previewRetentionRun(deps: ServiceDeps, actor: Actor): Promise<RetentionPreview> {
  authorize(actor, 'retention.manage');
  const campaign = await getActiveCampaign(deps);
  const cutoffs = cutoffsOf(deps.clock(), await readRetentionPolicy(deps, campaign.id));
  const due = await listDueBlobs(deps.db.db, campaign.id, cutoffs);
  return { dryRun: true, counts: countsOf(due), ...cutoffs, filesPending: await retentionRepo.countPendingFiles(deps.db.db, campaign.id) };
}

// ───────────────────────────── runs ─────────────────────────────

export function toRunView(r: RetentionRunRow): RetentionRun {
  return {
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    counts: { originals: r.originals, standards: r.standards, photos: r.photos, bytes: Number(r.bytes) },
    filesRemoved: r.files_removed,
    startedBy: r.started_by,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    errorCode: r.error_code,
  };
}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function actorLabel(actor: Actor): string | null {
  return actor.principal?.username ?? actor.system?.label ?? null;
}

/**
 * Claims the campaign's one running slot: a run whose lease ran out is abandoned first (audited); a live one, or a
 * concurrent claim, refuses RETENTION_RUN_IN_PROGRESS; a scheduler slot already used answers null.
 */
export async function claimRetentionRun(deps: ServiceDeps, actor: Actor, campaign: CampaignDefinition, trigger: RunTrigger, scheduleSlot: string | null = null): Promise<string | null> {
  const id = crypto.randomUUID();
  const now = deps.clock();
  try {
    await mutate(deps, actor, async (tx) => {
      const running = await retentionRepo.findRunningRun(tx, campaign.id);
      let abandoned: string | null = null;
      if (running) {
        if (!(await retentionRepo.abandonStaleRun(tx, running.id, now.toISOString()))) throw new AppError('RETENTION_RUN_IN_PROGRESS', { params: { startedAt: campaignDateTime(running.started_at, campaign.timezone) }, details: { runId: running.id } });
        abandoned = running.id;
      }
      await retentionRepo.insertRun(tx, {
        id,
        campaign_id: campaign.id,
        trigger,
        status: 'running',
        owner: `${os.hostname()}:${process.pid}`,
        lease_until: new Date(now.getTime() + RETENTION_LEASE_MS).toISOString(),
        originals: 0,
        standards: 0,
        photos: 0,
        bytes: 0,
        files_removed: 0,
        schedule_slot: scheduleSlot,
        started_by: actorLabel(actor),
        started_at: now.toISOString(),
        finished_at: null,
        error_code: null,
      });
      return { value: null, audit: abandoned ? { action: 'retention.run_abandoned', targetType: 'retention_run', targetId: abandoned, details: { startedAt: running?.started_at, trigger: running?.trigger } } : null };
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    if (scheduleSlot) {
      const running = await retentionRepo.findRunningRun(deps.db.db, campaign.id);
      if (!running) return null; // today's scheduled run was done by another process
    }
    const running = await retentionRepo.findRunningRun(deps.db.db, campaign.id);
    throw new AppError('RETENTION_RUN_IN_PROGRESS', { params: { startedAt: campaignDateTime(running?.started_at ?? now.toISOString(), campaign.timezone) }, details: { runId: running?.id ?? null } });
  }
  return id;
}

/**
 * Destroys the keys of these blobs in the caller's transaction (conditional: blobs shredded meanwhile are skipped)
 * and records the run's counts. Returns what this transaction shredded.
 */
export async function shredInTransaction(tx: Tx, blobs: BlobCandidate[], record: { campaignId: string; runId: string; reason: 'retention' | 'close'; at: string }): Promise<PurgeCounts> {
  const done = await retentionRepo.shredBlobs(tx, blobs, record);
  const counts = countsOf(done);
  await retentionRepo.recordRunCounts(tx, record.runId, counts);
  return counts;
}

/**
 * Removes the encrypted files whose keys are destroyed (this run's, and any left by an interrupted run), marking
 * each. The keys are gone already: a file left here can never be read, only wastes space until the next run.
 */
export async function removeShreddedFiles(deps: ServiceDeps, actor: Actor, campaignId: string | null): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = await retentionRepo.listPendingFiles(deps.db.db, campaignId, 500);
    if (ids.length === 0) return removed;
    for (const id of ids) await deps.photos.blobs.remove(id);
    await mutate(deps, actor, async (tx) => {
      await retentionRepo.markFilesRemoved(tx, ids, nowIso(deps));
      return { value: null, audit: null };
    });
    removed += ids.length;
  }
}

export async function finishRetentionRun(deps: ServiceDeps, actor: Actor, runId: string, result: { ok: true; filesRemoved: number } | { ok: false; code: string }): Promise<void> {
  await mutate(deps, actor, async (tx) => {
    await retentionRepo.finishRun(tx, runId, result.ok ? { status: 'done', files_removed: result.filesRemoved, finished_at: nowIso(deps), error_code: null } : { status: 'failed', files_removed: 0, finished_at: nowIso(deps), error_code: result.code });
    return { value: null, audit: null };
  });
}

export interface RunRetentionOptions {
  trigger: Exclude<RunTrigger, 'close'>;
  /** the scheduler's day slot: a second process asking for the same day gets null */
  scheduleSlot?: string;
  /** tests only: stop right after the keys' transaction commits, as a process killed there would */
  stopAfterShredding?: boolean;
}

/**
 * runRetention / `gradphoto retention run` / the scheduler: one purge by the active campaign's policy. One audit
 * event `retention.purged` with its counts (originals, standards, photos, bytes; no student, no name), committed
 * with the destroyed keys; then the files are removed.
 */
export async function runRetention(deps: ServiceDeps, actor: Actor, opts: RunRetentionOptions): Promise<RunRetentionResponse | null> {
  authorize(actor, 'retention.manage');
  const campaign = await getActiveCampaign(deps);
  const runId = await claimRetentionRun(deps, actor, campaign, opts.trigger, opts.scheduleSlot ?? null);
  if (!runId) return null;
  let ownFiles = 0;
  try {
    const counts = await mutate(deps, actor, async (tx) => {
      const now = deps.clock();
      const policy = await readRetentionPolicy(deps, campaign.id, tx);
      const cutoffs = cutoffsOf(now, policy);
      const due = await listDueBlobs(tx, campaign.id, cutoffs);
      const counts = await shredInTransaction(tx, due, { campaignId: campaign.id, runId, reason: 'retention', at: now.toISOString() });
      return {
        value: counts,
        audit: { action: 'retention.purged', targetType: 'retention_run', targetId: runId, details: { trigger: opts.trigger, ...counts, policy, ...cutoffs } },
      };
    });
    ownFiles = counts.originals + counts.standards;
    if (opts.stopAfterShredding) return { run: toRunView((await retentionRepo.findRun(deps.db.db, runId))!), leftoverFilesRemoved: 0 };
    const filesRemoved = await removeShreddedFiles(deps, actor, campaign.id);
    await finishRetentionRun(deps, actor, runId, { ok: true, filesRemoved });
    return { run: toRunView((await retentionRepo.findRun(deps.db.db, runId))!), leftoverFilesRemoved: Math.max(0, filesRemoved - ownFiles) };
  } catch (e) {
    await finishRetentionRun(deps, actor, runId, { ok: false, code: isAppError(e) ? e.code : 'INTERNAL' }).catch(() => undefined);
    throw e;
  }
}

/** listRetentionRuns: the campaign's last runs, newest first (counts only). */
export async function listRetentionRuns(deps: ServiceDeps, actor: Actor, limit = 20): Promise<{ items: RetentionRun[] }> {
  authorize(actor, 'retention.manage');
  const campaign = await getActiveCampaign(deps);
  return { items: (await retentionRepo.listRuns(deps.db.db, campaign.id, limit)).map(toRunView) };
}

// ───────────────────────────── the scheduler of `serve` ─────────────────────────────

/**
 * One scheduler pass: when no run started in the last day and something is due, a run in today's slot (campaign
 * time). Two serve processes on one PostgreSQL: the slot's unique index lets one in; the other sees null.
 */
export async function runScheduledRetention(deps: ServiceDeps, actor: Actor): Promise<RunRetentionResponse | null> {
  const campaign = await getActiveCampaign(deps).catch(() => null);
  if (!campaign) return null;
  const now = deps.clock();
  const last = await retentionRepo.lastRunStartedAt(deps.db.db, campaign.id);
  if (last && now.getTime() - Date.parse(last) < RETENTION_SCHEDULE_MS) return null;
  // Nothing due and no file left behind: no run, no event (a daily empty event would only be noise).
  const due = await listDueBlobs(deps.db.db, campaign.id, cutoffsOf(now, await readRetentionPolicy(deps, campaign.id)));
  if (due.length === 0 && (await retentionRepo.countPendingFiles(deps.db.db, campaign.id)) === 0) return null;
  try {
    return await runRetention(deps, actor, { trigger: 'scheduler', scheduleSlot: localDate(now, campaign.timezone) });
  } catch (e) {
    if (isAppError(e) && e.code === 'RETENTION_RUN_IN_PROGRESS') return null;
    throw e;
  }
}

/** Starts the hourly check in `serve`; stop() waits for a pass in progress. */
export function startRetentionScheduler(deps: ServiceDeps, actor: Actor, opts: { intervalMs?: number; onError: (e: unknown) => void }): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = runScheduledRetention(deps, actor).catch(opts.onError);
  };
  const first = setTimeout(tick, 60_000);
  first.unref();
  const timer = setInterval(tick, opts.intervalMs ?? 3_600_000);
  timer.unref();
  return {
    stop: async () => {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
