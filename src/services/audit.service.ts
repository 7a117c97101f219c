import type { AuditListSchema, AuditQuery, AuditVerifyResult } from '../contracts/audit.js';
import type { z } from 'zod';
import type { Tx } from '../db/database.js';
import { readAuditCheckpointFile, type CheckpointFileContents } from '../adapters/audit-checkpoints.js';
import type { AuditAction, AuditCheckpoint, AuditRecord, AuditResult } from '../domain/audit.js';
import {
  AUDIT_GENESIS_HASH,
  canonicalJson,
  computeAuditHash,
  computeAuditKeyId,
  isAuditCheckpointAuthentic,
  scrubAuditDetails,
  signAuditCheckpoint,
} from '../domain/audit.js';
import * as auditRepo from '../repositories/audit.repository.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';

export interface AuditInput {
  action: AuditAction;
  targetType?: string | null;
  targetId?: string | null;
  result?: AuditResult;
  details?: Record<string, unknown>;
}

function toRecord(deps: ServiceDeps, actor: Actor, event: AuditInput): Omit<AuditRecord, 'seq'> {
  return {
    at: nowIso(deps),
    actorId: actor.principal?.userId ?? null,
    actorName: actor.principal?.username ?? actor.system?.label ?? null,
    actorRole: actor.principal?.role ?? null,
    action: event.action,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    ip: actor.ip,
    result: event.result ?? 'ok',
    details: canonicalJson(scrubAuditDetails(event.details)),
  };
}

/**
 * Appends events inside a caller's transaction: for a change that touches several targets (one event each).
 * SQLite chains them there and then (one writer at a time: no one waits for the head). PostgreSQL writes them
 * as pending, so that concurrent writes do not queue behind the head row until each other's commit; the caller
 * chains them once it has committed (`chainAuditEvents`; `change` and `recordAuditEvent` do). Decision 0032.
 */
export async function appendAuditEvents(tx: Tx, deps: ServiceDeps, actor: Actor, events: AuditInput[]): Promise<void> {
  if (deps.db.dialect === 'postgres') return auditRepo.insertPendingAuditEvents(tx, events.map((e) => toRecord(deps, actor, e)));
  for (const event of events) await auditRepo.appendAuditEvent(tx, deps.db.dialect, deps.audit.key, toRecord(deps, actor, event));
}

/** Events chained per transaction: a batch of pending events shares one lock of the head and one commit. */
const CHAIN_BATCH = 500;

interface ChainState {
  running: Promise<void> | null;
  again: Promise<void> | null;
}
const chainStates = new WeakMap<object, ChainState>();

async function chainAll(deps: Pick<ServiceDeps, 'db' | 'audit'>): Promise<void> {
  while ((await auditRepo.chainPendingAuditEvents(deps.db.db, deps.audit.key, CHAIN_BATCH)) === CHAIN_BATCH);
}

/**
 * Chains every committed pending event (PostgreSQL; nothing to do on SQLite). Called after a commit, it
 * answers once the caller's own events are in the chain: a run already going may have read the pending rows
 * before that commit, so the caller then waits for the next run, which one call in this process makes for
 * every caller that arrived meanwhile. Processes share the work through the head row's lock.
 */
export function chainAuditEvents(deps: Pick<ServiceDeps, 'db' | 'audit'>): Promise<void> {
  if (deps.db.dialect !== 'postgres') return Promise.resolve();
  let state = chainStates.get(deps.db);
  if (!state) chainStates.set(deps.db, (state = { running: null, again: null }));
  const st = state;
  if (!st.running) {
    st.running = chainAll(deps).finally(() => {
      st.running = null;
    });
    return st.running;
  }
  if (!st.again) {
    st.again = st.running
      .catch(() => undefined)
      .then(() => {
        st.again = null;
        return chainAuditEvents(deps);
      });
  }
  return st.again;
}

/**
 * After a commit: chains the events it wrote. A failure here loses nothing — the events are committed as
 * pending with the change and the next chaining (any write, the checkpoint timer, the next start) takes them —
 * so the caller, whose change is done, is answered; the failure is reported as a process warning.
 */
export async function chainAfterCommit(deps: Pick<ServiceDeps, 'db' | 'audit'>): Promise<void> {
  try {
    await chainAuditEvents(deps);
  } catch (e) {
    process.emitWarning(`audit: pending events not chained yet (${e instanceof Error ? e.message : String(e)}); the next write or checkpoint retries`);
  }
}

/** Records an event that goes with no data change: a read of an ID number, a refused access, a failed sign-in. */
export async function recordAuditEvent(deps: ServiceDeps, actor: Actor, event: AuditInput): Promise<void> {
  await deps.db.db.transaction().execute((tx) => appendAuditEvents(tx, deps, actor, [event]));
  await chainAfterCommit(deps);
}

export async function listAuditEvents(deps: ServiceDeps, actor: Actor, query: AuditQuery): Promise<z.infer<typeof AuditListSchema>> {
  authorize(actor, 'audit.read');
  const { rows, total } = await auditRepo.listAuditEvents(deps.db.db, query, query.page, query.pageSize);
  return {
    items: rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      actorId: r.actor_id,
      actorName: r.actor_name,
      actorRole: r.actor_role,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      result: r.result as AuditResult,
      details: JSON.parse(r.details) as unknown,
    })),
    total,
    page: query.page,
    pageSize: query.pageSize,
    actions: await auditRepo.listDistinctAuditActions(deps.db.db),
  };
}

export type AuditChainDeps = Pick<ServiceDeps, 'db' | 'audit' | 'clock'>;

/**
 * Refuses a start with another audit key than the one the chain was written with (a lost key file recreated,
 * a machine without GRADPHOTO_AUDIT_KEY): appending under a new key would leave a chain nobody can verify.
 */
export async function assertAuditKeyMatches(deps: Pick<ServiceDeps, 'db' | 'audit'>): Promise<void> {
  const head = await auditRepo.getAuditHead(deps.db.db);
  const keyId = computeAuditKeyId(deps.audit.key);
  if (head.keyId !== keyId) {
    throw new Error(
      `审计密钥（GRADPHOTO_AUDIT_KEY 或 <data>/keys/audit.key）不是本审计日志所用的密钥（密钥标识 ${keyId}，日志的 ${head.keyId ?? '无'}），服务未启动：` +
        `请恢复该密钥，见 docs/decisions/0002-audit-hash-chain.md\n` +
        `the audit key (GRADPHOTO_AUDIT_KEY or <data>/keys/audit.key) is not the one this audit log is written with ` +
        `(key id ${keyId}, the log's ${head.keyId ?? 'none'}): restore that key; see docs/decisions/0002-audit-hash-chain.md`,
    );
  }
}

interface ChainWalk {
  checked: number;
  lastHash: string;
  broken?: { seq: number; problem: string };
}

/**
 * Walks the chain from after event `from` (whose hash is `prevHash`) up to `until` (or its end), checking
 * sequence, links and keyed hashes; `onEvent` may stop the walk with a problem (a checkpoint mismatch).
 */
async function walkAuditChain(
  deps: Pick<ServiceDeps, 'db' | 'audit'>,
  from: number,
  prevHash: string,
  until: number | undefined,
  onEvent?: (seq: number, hash: string) => string | null,
): Promise<ChainWalk> {
  let prev = prevHash;
  let expectedSeq = from + 1;
  let checked = 0;
  for await (const row of auditRepo.iterateAuditEvents(deps.db.db, from)) {
    if (until !== undefined && row.seq > until) break;
    if (row.seq !== expectedSeq) return { checked, lastHash: prev, broken: { seq: expectedSeq, problem: `event ${expectedSeq} is missing` } };
    if (row.prev_hash !== prev) return { checked, lastHash: prev, broken: { seq: row.seq, problem: 'previous-hash link does not match' } };
    if (computeAuditHash(deps.audit.key, prev, auditRepo.auditRecordOf(row, row.seq)) !== row.hash) {
      return { checked, lastHash: prev, broken: { seq: row.seq, problem: 'event content does not match its hash' } };
    }
    const mismatch = onEvent?.(row.seq, row.hash);
    if (mismatch) return { checked, lastHash: prev, broken: { seq: row.seq, problem: mismatch } };
    prev = row.hash;
    expectedSeq++;
    checked++;
  }
  return { checked, lastHash: prev };
}

/**
 * Recomputes the keyed chain and compares it with the signed checkpoints kept outside the database (the
 * data directory's file, and any copies given, e.g. what the outside sink received). An edited, inserted,
 * reordered or deleted event breaks the chain; a chain recomputed without the key breaks at its first event;
 * a tail cut off with the head moved back is shorter than the last checkpoint (issue 8 finding 4, rule A3).
 * Events after the last checkpoint are only as safe as the database (docs/decisions/0002).
 */
export async function verifyAuditChain(deps: Pick<ServiceDeps, 'db' | 'audit'>, opts: { checkpointFiles?: string[] } = {}): Promise<AuditVerifyResult> {
  const keyId = computeAuditKeyId(deps.audit.key);
  const sources: { name: string; contents: CheckpointFileContents }[] = [{ name: deps.audit.checkpoints.file, contents: await deps.audit.checkpoints.read() }];
  for (const file of opts.checkpointFiles ?? []) sources.push({ name: file, contents: await readAuditCheckpointFile(file) });

  const bySeq = new Map<number, { hash: string; where: string }>();
  let furthest: { seq: number; where: string } | undefined;
  let count = 0;
  for (const { name, contents } of sources) {
    const first = contents.problems[0];
    if (first) return { ok: false, checked: 0, brokenAt: null, problem: `checkpoint file ${name} line ${first.line}: ${first.problem}`, checkpoints: count, uncovered: 0 };
    for (const cp of contents.checkpoints) {
      const where = `checkpoint ${name}:${cp.line} (${cp.at})`;
      if (cp.keyId !== keyId) return { ok: false, checked: 0, brokenAt: null, problem: `${where} was signed with another audit key (key id ${cp.keyId})`, checkpoints: count, uncovered: 0 };
      if (!isAuditCheckpointAuthentic(deps.audit.key, cp)) return { ok: false, checked: 0, brokenAt: null, problem: `${where} is not signed with the audit key: the file was edited`, checkpoints: count, uncovered: 0 };
      const known = bySeq.get(cp.seq);
      if (known && known.hash !== cp.hash) return { ok: false, checked: 0, brokenAt: cp.seq, problem: `${where} and ${known.where} disagree about event ${cp.seq}`, checkpoints: count, uncovered: 0 };
      bySeq.set(cp.seq, { hash: cp.hash, where });
      if (!furthest || cp.seq > furthest.seq) furthest = { seq: cp.seq, where };
      count++;
    }
  }

  const walk = await walkAuditChain(deps, 0, AUDIT_GENESIS_HASH, undefined, (seq, hash) => {
    const cp = bySeq.get(seq);
    return cp && cp.hash !== hash ? `event ${seq} differs from ${cp.where}` : null;
  });
  const { checked } = walk;
  const broken = (seq: number, problem: string): AuditVerifyResult => ({ ok: false, checked, brokenAt: seq, problem, checkpoints: count, uncovered: 0 });
  if (walk.broken) return broken(walk.broken.seq, walk.broken.problem);
  if (furthest && checked < furthest.seq) return broken(checked + 1, `the chain ends at ${checked} but ${furthest.where} records event ${furthest.seq}: events were removed`);
  const head = await auditRepo.getAuditHead(deps.db.db);
  if (head.seq !== checked || head.hash !== walk.lastHash) return broken(checked + 1, `chain ends at ${checked} but the head records ${head.seq}`);
  return { ok: true, checked, brokenAt: null, problem: null, checkpoints: count, uncovered: checked - (furthest?.seq ?? 0) };
}

export interface CheckpointResult {
  /** the checkpoint written, or null when none was due (or the chain did not verify) */
  written: AuditCheckpoint | null;
  /** why no checkpoint was written although one was due: the new events do not verify */
  problem: string | null;
  /** the outside sink could not be reached (the file has the checkpoint; the sink gets it with the next one) */
  sinkError: string | null;
}

/**
 * Writes a signed checkpoint of the committed head outside the database when one is due: after
 * `deps.audit.everyEvents` new events, `everyMinutes` after the last one, or always with `force` (a CLI
 * command's end, a server's shutdown). The events since the last checkpoint are verified first: a checkpoint
 * vouches for the chain up to it, so a tampered chain is never signed.
 */
export async function checkpointAuditChain(deps: AuditChainDeps, opts: { force?: boolean } = {}): Promise<CheckpointResult> {
  const none: CheckpointResult = { written: null, problem: null, sinkError: null };
  const { key, checkpoints, everyEvents, everyMinutes } = deps.audit;
  // Events left pending by a process that died between its commit and their chaining are chained here.
  await chainAuditEvents(deps);
  const last = await checkpoints.last();
  const head = await auditRepo.getAuditHead(deps.db.db);
  if (head.seq === 0 || (last && head.seq <= last.seq)) return none;
  const now = deps.clock();
  const due = opts.force || !last || head.seq - last.seq >= everyEvents || now.getTime() - Date.parse(last.at) >= everyMinutes * 60_000;
  if (!due) return none;

  // Start from the last checkpoint when it is ours and the chain still holds it; otherwise from the start.
  let from = 0;
  let prevHash = AUDIT_GENESIS_HASH;
  if (last && last.keyId === computeAuditKeyId(key) && isAuditCheckpointAuthentic(key, last)) {
    const event = await auditRepo.findAuditEvent(deps.db.db, last.seq);
    if (event?.hash !== last.hash) return { ...none, problem: `event ${last.seq} no longer matches the checkpoint of ${last.at}` };
    from = last.seq;
    prevHash = last.hash;
  }
  const walk = await walkAuditChain(deps, from, prevHash, head.seq);
  if (walk.broken) return { ...none, problem: `event ${walk.broken.seq}: ${walk.broken.problem}` };
  if (from + walk.checked !== head.seq || walk.lastHash !== head.hash) return { ...none, problem: `the chain ends at ${from + walk.checked} but the head records ${head.seq}` };

  const cp = signAuditCheckpoint(key, { seq: head.seq, hash: head.hash, at: now.toISOString() });
  const { sinkError } = await checkpoints.append(cp);
  return { written: cp, problem: null, sinkError };
}

/**
 * Checks every `intervalMs` whether a checkpoint is due (the server; a CLI command checkpoints once at its
 * end instead). `onResult` hears of a refused checkpoint or an unreachable sink.
 */
export function startAuditCheckpoints(deps: AuditChainDeps, intervalMs: number, onResult: (r: CheckpointResult | Error) => void): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    checkpointAuditChain(deps)
      .then((r) => {
        if (r.problem || r.sinkError) onResult(r);
      })
      .catch((e: unknown) => onResult(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
