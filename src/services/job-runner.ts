// The durable job runner: mail jobs (reminders, notifications, sign-in links) stored in `jobs`, claimed by a
// compare-and-swap, sent once (issue #3 part 7; docs/decisions/0007-jobs-and-mail.md).
//
// The promise "survives a restart without sending twice" rests on one ordering:
//   claim (running, lease) → commit `sending` + Message-ID → talk SMTP → on 250 commit `done`.
// A runner that stops before `sending` left nothing at the server: its job is claimed again when the lease
// runs out. A runner that stops after `sending` and before `done` may have delivered it: that job becomes
// `uncertain` for an admin, never resent automatically. A temporary failure (server down, 4xx) happened
// before the server took the message: the job goes back to `queued` with a later run_at. A permanent one
// (5xx, e.g. 550 user unknown) is `failed` and its student and notification are marked as bounced.
import crypto from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { JobsTable } from '../db/schema.js';
import type { MailResult } from '../adapters/mailer.js';
import { AppError } from '../domain/errors.js';
import type { MailContent } from '../domain/reminders.js';
import { isValidMailAddress, maskMailAddress } from '../domain/reminders.js';
import * as jobRepo from '../repositories/job.repository.js';
import type { ServiceDeps } from './deps.js';
import { nowIso } from './deps.js';

/** A claimed job's lease: longer than the SMTP time-outs of one send (10 s + 10 s + 30 s). */
export const JOB_LEASE_MS = 5 * 60_000;
/** Temporary failures are retried this many times (about a day with the back-off below), then `dead`. */
export const MAX_MAIL_ATTEMPTS = 12;
const BATCH = 50;

/** 1, 2, 4 … minutes, at most 2 hours, between attempts. */
export function retryDelayMs(attempts: number): number {
  return Math.min(2 ** Math.max(0, attempts - 1), 120) * 60_000;
}

/**
 * `jobs.payload` of a mail. The body is sealed with the field cipher (AES-256-GCM, deps.cipher) and kept only
 * while the mail may still be sent: a finished job (done, failed, dead, uncertain) keeps the masked address and
 * the subject, never the body, so a sign-in link's token is never stored in clear (docs/decisions/0007).
 */
export interface MailJobPayload {
  /** the recipient; masked (`z***@example.edu.cn`) once the job is finished */
  to: string;
  subject: string;
  /** the body, sealed (deps.cipher); absent once the job is finished */
  sealedText?: string;
  /** a body in clear, from a job queued before bodies were sealed (read, never written) */
  text?: string;
  notificationId?: string;
}

/** Purged this long after they finished: done, failed and dead jobs (the audit log keeps the facts). */
export const FINISHED_JOB_RETENTION_DAYS = 30;

/** The mail a job sends: its address, subject and body, the body unsealed. */
export function openMailJobPayload(deps: Pick<ServiceDeps, 'cipher'>, payloadJson: string): { to: string; subject: string; text: string | null; notificationId?: string } {
  const payload = JSON.parse(payloadJson) as MailJobPayload;
  const text = payload.sealedText !== undefined ? deps.cipher.decrypt(payload.sealedText) : (payload.text ?? null);
  return { to: payload.to, subject: payload.subject, text, ...(payload.notificationId ? { notificationId: payload.notificationId } : {}) };
}

/** What a finished job keeps: the masked address, the subject, the notification; no body. */
export function withoutMailBody(payloadJson: string): string {
  const payload = JSON.parse(payloadJson) as MailJobPayload;
  const kept: MailJobPayload = { to: maskMailAddress(payload.to), subject: payload.subject, ...(payload.notificationId ? { notificationId: payload.notificationId } : {}) };
  return JSON.stringify(kept);
}

export interface EnqueueMailInput {
  kind: string;
  dedupeKey: string;
  studentId: string | null;
  to: string;
  content: MailContent;
  runAt?: string;
  notificationId?: string;
}

export type EnqueueOutcome = 'queued' | 'invalid' | 'known';

/**
 * Enqueues one mail, once per dedupe key, in the caller's transaction. An address that is not a mailbox is
 * recorded at once as `failed` with MAIL_ADDRESS_INVALID: nothing is sent, an admin sees it.
 */
export async function enqueueMail(tx: Tx, deps: Pick<ServiceDeps, 'clock' | 'cipher'>, input: EnqueueMailInput): Promise<EnqueueOutcome> {
  const now = nowIso(deps);
  const valid = isValidMailAddress(input.to);
  const notification = input.notificationId ? { notificationId: input.notificationId } : {};
  // An address that is not a mailbox is finished at once: nothing will be sent, so no body is kept.
  const payload: MailJobPayload = valid
    ? { to: input.to, subject: input.content.subject, sealedText: deps.cipher.encrypt(input.content.text), ...notification }
    : { to: maskMailAddress(input.to), subject: input.content.subject, ...notification };
  const row: Insertable<JobsTable> = {
    id: crypto.randomUUID(),
    kind: input.kind,
    dedupe_key: input.dedupeKey,
    payload: JSON.stringify(payload),
    student_id: input.studentId,
    run_at: input.runAt ?? now,
    state: valid ? 'queued' : 'failed',
    attempts: 0,
    last_error: valid ? null : 'MAIL_ADDRESS_INVALID',
    lease_until: null,
    lease_owner: null,
    message_id: null,
    created_at: now,
    updated_at: now,
  };
  if (!(await jobRepo.insertJobOnce(tx, row))) return 'known';
  if (!valid && input.notificationId) await jobRepo.markNotificationFailed(tx, input.notificationId, now, 'MAIL_ADDRESS_INVALID');
  return valid ? 'queued' : 'invalid';
}

export interface DeliveryCounts {
  delivered: number;
  retried: number;
  failed: number;
  dead: number;
  uncertain: number;
}

export interface DeliveryLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DeliverOptions {
  /** who holds the leases (one id per runner) */
  owner?: string;
  /** only these jobs (a sign-in link sent right after it was requested) */
  jobIds?: string[];
  log?: DeliveryLog;
}

function messageIdFor(jobId: string, from: string): string {
  const domain = from.includes('@') ? from.slice(from.lastIndexOf('@') + 1).replace(/[>\s]/g, '') : 'gradphoto.local';
  return `<job-${jobId}@${domain}>`;
}

/** Sends every due job once; safe to run concurrently from several runners and processes. */
export async function deliverDueJobs(deps: ServiceDeps, opts: DeliverOptions = {}): Promise<DeliveryCounts> {
  const mailer = deps.mailer;
  if (!mailer) throw new AppError('MAIL_NOT_CONFIGURED');
  const owner = opts.owner ?? `runner-${crypto.randomUUID()}`;
  const counts: DeliveryCounts = { delivered: 0, retried: 0, failed: 0, dead: 0, uncertain: 0 };
  counts.uncertain += await jobRepo.markAbandonedSendsUncertain(deps.db.db, nowIso(deps), withoutMailBody);
  const tried = new Set<string>();
  for (;;) {
    const now = nowIso(deps);
    const ids = (await jobRepo.listClaimableJobIds(deps.db.db, now, BATCH, opts.jobIds)).filter((id) => !tried.has(id));
    if (ids.length === 0) break;
    for (const id of ids) {
      tried.add(id);
      const claimedAt = deps.clock().getTime();
      const lease = new Date(claimedAt + JOB_LEASE_MS).toISOString();
      if (!(await jobRepo.claimJob(deps.db.db, id, owner, new Date(claimedAt).toISOString(), lease))) continue;
      const job = await jobRepo.findJob(deps.db.db, id);
      if (!job) continue;
      const finished = withoutMailBody(job.payload);
      const payload = JSON.parse(job.payload) as MailJobPayload;
      let text: string | null;
      try {
        text = openMailJobPayload(deps, job.payload).text;
      } catch {
        text = null;
      }
      const who = { job: job.id, kind: job.kind, to: maskMailAddress(payload.to), attempt: job.attempts };
      let result: MailResult;
      if (text === null) {
        // sealed under another master key (a server started with another MASTER_KEY): not sent, retried, and
        // after MAX_MAIL_ATTEMPTS `dead` for an admin; a runner with the right key may send it meanwhile
        result = { ok: false, kind: 'temporary', responseCode: null, message: 'the mail body cannot be unsealed (another master key?)' };
      } else {
        const messageId = messageIdFor(job.id, mailer.from);
        if (!(await jobRepo.markJobSending(deps.db.db, id, owner, nowIso(deps), lease, messageId))) continue;
        result = await mailer.send({ to: payload.to, subject: payload.subject, text, messageId });
      }
      const done = nowIso(deps);
      if (result.ok) {
        await deps.db.db.transaction().execute(async (tx) => {
          if (!(await jobRepo.finishJob(tx, id, owner, { state: 'done', now: done, lastError: null, payload: finished }))) return;
          if (payload.notificationId) await jobRepo.markNotificationSent(tx, payload.notificationId, done);
        });
        counts.delivered++;
        opts.log?.info(who, 'mail delivered');
        continue;
      }
      if (result.kind === 'temporary') {
        if (job.attempts >= MAX_MAIL_ATTEMPTS) {
          // given up: the notification is failed too (else it would wait forever, and be queued again once purged)
          await deps.db.db.transaction().execute(async (tx) => {
            if (!(await jobRepo.finishJob(tx, id, owner, { state: 'dead', now: done, lastError: result.message, payload: finished }))) return;
            if (payload.notificationId) await jobRepo.markNotificationFailed(tx, payload.notificationId, done, result.message);
          });
          counts.dead++;
        } else {
          const runAt = new Date(deps.clock().getTime() + retryDelayMs(job.attempts)).toISOString();
          await jobRepo.finishJob(deps.db.db, id, owner, { state: 'queued', now: done, lastError: result.message, runAt });
          counts.retried++;
        }
        opts.log?.warn({ ...who, error: result.message }, 'mail not sent; will retry');
        continue;
      }
      if (result.kind === 'uncertain') {
        await jobRepo.finishJob(deps.db.db, id, owner, { state: 'uncertain', now: done, lastError: result.message, payload: finished });
        counts.uncertain++;
        opts.log?.warn({ ...who, error: result.message }, 'mail delivery uncertain; not resent');
        continue;
      }
      await deps.db.db.transaction().execute(async (tx) => {
        if (!(await jobRepo.finishJob(tx, id, owner, { state: 'failed', now: done, lastError: result.message, payload: finished }))) return;
        if (payload.notificationId) await jobRepo.markNotificationFailed(tx, payload.notificationId, done, result.message);
        if (job.student_id) await jobRepo.markStudentEmailBounced(tx, job.student_id, done);
      });
      counts.failed++;
      opts.log?.warn({ ...who, error: result.message }, 'mail bounced');
    }
  }
  return counts;
}

/**
 * Forgets done, failed and dead jobs finished more than FINISHED_JOB_RETENTION_DAYS ago (called when the server
 * starts and every hour). Uncertain ones stay for an admin. No dedupe key is reused after that long: a reminder
 * is due at most 7 days before its day, a notification that is sent or failed is not queued again.
 */
export async function purgeFinishedJobs(deps: Pick<ServiceDeps, 'db' | 'clock'>): Promise<{ removed: number }> {
  const before = new Date(deps.clock().getTime() - FINISHED_JOB_RETENTION_DAYS * 86_400_000).toISOString();
  return { removed: await jobRepo.deleteFinishedJobsBefore(deps.db.db, before) };
}

export interface RunningJobRunner {
  /** runs a pass soon (after a sign-in link was requested) */
  nudge(): void;
  /** stops the timer and waits for the pass in progress */
  stop(): Promise<void>;
}

/**
 * The runner inside `gradphoto serve`: every `intervalMs`, one pass (`pass`: schedule reminders, deliver due
 * jobs). Passes never overlap; a failing pass is logged and the next one runs.
 */
export function startJobRunner(pass: () => Promise<unknown>, opts: { intervalMs: number; onError: (e: unknown) => void }): RunningJobRunner {
  let running: Promise<void> | null = null;
  let stopped = false;
  let again = false;
  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .then(() => undefined, opts.onError)
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          tick();
        }
      });
  };
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  setImmediate(tick);
  return {
    nudge: tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
