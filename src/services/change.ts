// The one write path (issue #8, structure 1). Every use case that changes data goes through `change`:
//
//   transaction → (Idempotency-Key claimed) → the work → its audit event(s) → (answer stored under the key)
//   → what the change causes inside the transaction (live figures read, NOTIFY on PostgreSQL) → commit
//   → its audit events chained (PostgreSQL: written pending, chained after commit; decision 0032)
//   → effects published after commit (this process's live subscribers).
//
// An audit event cannot be forgotten: the work returns it beside its value, and a work that says it changed
// nothing (`audit: null`) writes none. Transactions that lose a race are run again (deadlock and
// serialisation failures always; unique and check violations when the use case says that a second attempt
// sees the winner's row, `retryConflicts`); after a few losses the caller gets CONFLICT, never a 500.
import type { LiveMessage, QueueMessage } from '../adapters/event-bus.js';
import { encodeLiveMessage, encodeQueueMessage, SESSIONS_CHANNEL } from '../adapters/event-bus.js';
import type { Tx } from '../db/database.js';
import type { ErrorCode } from '../domain/errors.js';
import { AppError, isAppError } from '../domain/errors.js';
import { notifyChannel, readSessionCounts } from '../repositories/booking.repository.js';
import * as idempotencyRepo from '../repositories/idempotency.repository.js';
import type { AuditInput } from './audit.service.js';
import { appendAuditEvents, chainAfterCommit } from './audit.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { nowIso } from './deps.js';

/** What a changing call answers: its value, and whether it created something (201) or changed nothing (200). */
export interface Done<T> {
  value: T;
  created: boolean;
}

/** The first answer to one request, as stored under its Idempotency-Key. */
export type IdempotentOutcome =
  | { ok: true; created: boolean; value: unknown }
  | { ok: false; code: ErrorCode; params: Record<string, string | number>; details?: unknown };

export interface IdempotencyInput {
  key: string;
  /** a hash of what was asked (method, path, body): the same key with another request is refused */
  fingerprint: string;
  /** the status the caller answers for an outcome; stored beside it (the services know no HTTP) */
  statusOf: (outcome: IdempotentOutcome) => number;
}

export interface ChangeOptions {
  idempotency?: IdempotencyInput | undefined;
}

/**
 * What a change causes beyond its rows, collected while it works and published by `change`: sessions whose
 * booked / capacity / waitlist figures changed, or a change of the schedule itself (every live page reloads).
 */
export class Effects {
  readonly sessions = new Set<string>();
  resync = false;
  /** queues (site and day) whose tickets changed: their call boards read them again */
  readonly queues = new Map<string, { site: string; date: string }>();

  seatsChanged(...sessionIds: string[]): void {
    for (const id of sessionIds) this.sessions.add(id);
  }

  scheduleChanged(): void {
    this.resync = true;
  }

  /** A ticket of the site's queue of that day was added, called, recalled, skipped, transferred or served. */
  queueChanged(site: string, date: string): void {
    this.queues.set(`${site}|${date}`, { site, date });
  }
}

export interface ChangeResult<T> {
  value: T;
  /** 201 rather than 200 (default false) */
  created?: boolean;
  /** the change's audit event (or one per target); null only when nothing changed */
  audit: AuditInput | AuditInput[] | null;
}

export type Work<T> = (tx: Tx, effects: Effects) => Promise<ChangeResult<T>>;

export interface RunOptions extends ChangeOptions {
  /**
   * Run again when a unique index or CHECK refused a row a concurrent transaction wrote first (the next
   * attempt sees that row and answers from it). Off by default: there the violation is the answer.
   */
  retryConflicts?: boolean;
}

/** Thrown inside a transaction that lost a race it can win by running again (state changed under it). */
export class RetryTransaction extends Error {}

/** Thrown inside a transaction whose Idempotency-Key was answered by another request meanwhile. */
class KeyAnsweredMeanwhile extends Error {}

const MAX_ATTEMPTS = 6;

/** Refusals are answers too: a retry gets the same one. Transient failures and refused keys are not stored. */
const UNSTORED_ERRORS = new Set<ErrorCode>(['CONFLICT', 'INTERNAL', 'IDEMPOTENCY_KEY_REUSED', 'UNAUTHENTICATED', 'SESSION_EXPIRED', 'TOO_MANY_ATTEMPTS']);

function isTransient(e: unknown, retryConflicts: boolean): boolean {
  if (e instanceof RetryTransaction) return true;
  const code = (e as { code?: unknown } | null)?.code;
  // 40P01 deadlock, 40001 serialisation failure: the whole transaction was rolled back, run it again.
  if (code === '40P01' || code === '40001') return true;
  // 23505 / SQLITE_CONSTRAINT_UNIQUE, 23514 / CHECK: a concurrent transaction's row (or seat) came first.
  return retryConflicts && (code === '23505' || code === '23514' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_CHECK');
}

function idempotencyUser(actor: Actor): string {
  return actor.principal?.userId ?? `system:${actor.system?.label ?? 'anonymous'}`;
}

function replay<T>(row: idempotencyRepo.IdempotencyRow, idem: IdempotencyInput): Done<T> {
  if (row.request_hash !== idem.fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED');
  const outcome = JSON.parse(row.response) as IdempotentOutcome;
  if (!outcome.ok) throw new AppError(outcome.code, { params: outcome.params, details: outcome.details });
  return { value: outcome.value as T, created: outcome.created };
}

/**
 * Runs a changing call at most once per Idempotency-Key: an earlier answer to the same key is replayed (the
 * same request) or refused (another request). Everything the call does before its transaction (reads,
 * refusals) is inside too, so that a refusal is stored and replayed as well. Without a key it just runs.
 */
export async function withIdempotency<T>(deps: ServiceDeps, actor: Actor, idem: IdempotencyInput | undefined, call: () => Promise<Done<T>>): Promise<Done<T>> {
  if (!idem) return call();
  const userId = idempotencyUser(actor);
  const earlier = await idempotencyRepo.findIdempotencyKey(deps.db.db, userId, idem.key);
  if (earlier?.state === 'done') return replay<T>(earlier, idem);
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof KeyAnsweredMeanwhile)) {
      if (!isAppError(e) || UNSTORED_ERRORS.has(e.code)) throw e;
      const outcome: IdempotentOutcome = { ok: false, code: e.code, params: e.params, ...(e.details === undefined ? {} : { details: e.details }) };
      await idempotencyRepo.insertIdempotencyAnswer(deps.db.db, {
        user_id: userId,
        key: idem.key,
        request_hash: idem.fingerprint,
        status_code: idem.statusOf(outcome),
        response: JSON.stringify(outcome),
        created_at: nowIso(deps),
      });
    }
    // Whatever was stored first under the key is the answer, ours or a concurrent request's.
    const stored = await idempotencyRepo.findIdempotencyKey(deps.db.db, userId, idem.key);
    if (stored?.state !== 'done') throw e;
    return replay<T>(stored, idem);
  }
}

/**
 * The message a transaction's effects make, read at its end (inside it, so the figures are its own). On
 * PostgreSQL it is NOTIFYed in the transaction: delivered to every process only if it commits.
 */
interface Announcement {
  message: LiveMessage | null;
  queues: QueueMessage[];
}

async function announceInTransaction(tx: Tx, deps: ServiceDeps, effects: Effects): Promise<Announcement> {
  let message: LiveMessage | null = null;
  if (effects.resync) message = { type: 'resync', reason: 'schedule' };
  else if (effects.sessions.size > 0) message = { type: 'counts', items: await readSessionCounts(tx, [...effects.sessions]) };
  const queues: QueueMessage[] = [...effects.queues.values()].map((q) => ({ type: 'queue', site: q.site, date: q.date }));
  if (deps.events.crossProcess && deps.db.dialect === 'postgres') {
    if (message) await notifyChannel(tx, SESSIONS_CHANNEL, encodeLiveMessage(message));
    for (const q of queues) await notifyChannel(tx, SESSIONS_CHANNEL, encodeQueueMessage(q));
  }
  return { message, queues };
}

async function announceAfterCommit(deps: ServiceDeps, { message, queues }: Announcement): Promise<void> {
  if (deps.events.crossProcess && deps.db.dialect === 'postgres') return;
  if (message) await deps.events.publish(message);
  for (const q of queues) await deps.events.publishQueue(q);
}

/**
 * One change in one transaction: the Idempotency-Key is claimed first (a concurrent request with the same
 * key waits for this one and then replays its answer), then the work, its audit event(s), its answer under
 * the key and its live message; after commit the message is published in this process.
 */
export async function change<T>(deps: ServiceDeps, actor: Actor, work: Work<T>, opts: RunOptions = {}): Promise<Done<T>> {
  const idem = opts.idempotency;
  const userId = idempotencyUser(actor);
  for (let attempt = 1; ; attempt++) {
    try {
      const { done, message, audited } = await deps.db.db.transaction().execute(async (tx) => {
        if (idem && !(await idempotencyRepo.claimIdempotencyKey(tx, { user_id: userId, key: idem.key, request_hash: idem.fingerprint, created_at: nowIso(deps) }))) {
          throw new KeyAnsweredMeanwhile();
        }
        const effects = new Effects();
        const result = await work(tx, effects);
        if (result.audit) await appendAuditEvents(tx, deps, actor, Array.isArray(result.audit) ? result.audit : [result.audit]);
        const done: Done<T> = { value: result.value, created: result.created ?? false };
        if (idem) {
          const outcome: IdempotentOutcome = { ok: true, created: done.created, value: done.value };
          await idempotencyRepo.completeIdempotencyKey(tx, userId, idem.key, idem.statusOf(outcome), JSON.stringify(outcome));
        }
        return { done, message: await announceInTransaction(tx, deps, effects), audited: result.audit !== null };
      });
      // Committed: its audit events (pending on PostgreSQL) take their place in the chain before the answer,
      // and only now may this process's subscribers hear of it (PostgreSQL did it through NOTIFY).
      if (audited) await chainAfterCommit(deps);
      await announceAfterCommit(deps, message);
      return done;
    } catch (e) {
      if (!isTransient(e, opts.retryConflicts ?? false)) throw e;
      if (attempt >= MAX_ATTEMPTS) throw new AppError('CONFLICT', { details: { attempts: attempt } });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

/**
 * `change` for a use case that needs neither idempotency nor effects, answering only the value: `work`
 * returns its audit event beside its value (`audit: null` only when it changed nothing).
 */
export async function mutate<T>(deps: ServiceDeps, actor: Actor, work: (tx: Tx, effects: Effects) => Promise<{ value: T; audit: AuditInput | AuditInput[] | null }>): Promise<T> {
  return (await change(deps, actor, (tx, effects) => work(tx, effects))).value;
}

/** How long a stored answer is replayed: a client retries within minutes, never a day later. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

/** Forgets answers older than a day (called when the server starts and every hour). */
export async function purgeIdempotencyKeys(deps: Pick<ServiceDeps, 'db' | 'clock'>): Promise<{ removed: number }> {
  const before = new Date(deps.clock().getTime() - IDEMPOTENCY_KEY_TTL_MS).toISOString();
  return { removed: await idempotencyRepo.deleteIdempotencyKeysBefore(deps.db.db, before) };
}
