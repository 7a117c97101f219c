// Durable jobs (docs/decisions/0007-jobs-and-mail.md). Every state change is a conditional UPDATE whose row
// count is checked (PITFALLS F3, F15): two runners, in one process or in two, never both own a job.
import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { JobsTable } from '../db/schema.js';

export type JobRow = Selectable<JobsTable>;
export type JobState = 'queued' | 'running' | 'sending' | 'done' | 'failed' | 'dead' | 'uncertain';

/** Inserts a job unless its dedupe key is known; true when this call created it. */
export async function insertJobOnce(tx: Tx, row: Insertable<JobsTable>): Promise<boolean> {
  const r = await tx
    .insertInto('jobs')
    .values(row)
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function findJob(db: Tx, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findJobByDedupeKey(db: Tx, key: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('dedupe_key', '=', key).executeTakeFirst();
}

/** Jobs a runner may claim now: queued and due, or claimed by a runner whose lease ran out before it began sending. */
export async function listClaimableJobIds(db: Tx, now: string, limit: number, onlyIds?: string[]): Promise<string[]> {
  let q = db
    .selectFrom('jobs')
    .select('id')
    .where((eb) => eb.or([eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)]), eb.and([eb('state', '=', 'running'), eb('lease_until', '<', now)])]));
  if (onlyIds) q = q.where('id', 'in', onlyIds.length ? onlyIds : ['']);
  const rows = await q.orderBy('run_at').orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}

/** Takes a job for one runner: a compare-and-swap on its state; false when another runner was first. */
export async function claimJob(db: Tx, id: string, owner: string, now: string, leaseUntil: string): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set((eb) => ({ state: 'running', lease_owner: owner, lease_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now }))
    .where('id', '=', id)
    .where((eb) => eb.or([eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)]), eb.and([eb('state', '=', 'running'), eb('lease_until', '<', now)])]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records, before the first byte goes to the mail server, that this job is being sent, under which Message-ID. */
export async function markJobSending(db: Tx, id: string, owner: string, now: string, leaseUntil: string, messageId: string): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ state: 'sending', lease_until: leaseUntil, message_id: messageId, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Ends a send this runner owns: done, failed, dead, uncertain, or back to queued for a later attempt. A
 * finished job is given `payload` without its body (the body is kept only while the mail may still be sent).
 */
export async function finishJob(db: Tx, id: string, owner: string, change: { state: JobState; now: string; lastError?: string | null; runAt?: string; payload?: string }): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({
      state: change.state,
      lease_owner: null,
      lease_until: null,
      updated_at: change.now,
      ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
      ...(change.runAt ? { run_at: change.runAt } : {}),
      ...(change.payload !== undefined ? { payload: change.payload } : {}),
    })
    .where('id', '=', id)
    .where('state', 'in', ['running', 'sending'])
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * A job left in `sending` past its lease: its runner stopped between handing the message to the server and
 * recording the answer. It may have been delivered, so it is never sent again automatically.
 */
export async function markAbandonedSendsUncertain(db: Tx, now: string, withoutBody: (payload: string) => string): Promise<number> {
  const rows = await db.selectFrom('jobs').select(['id', 'payload']).where('state', '=', 'sending').where('lease_until', '<', now).execute();
  let changed = 0;
  for (const row of rows) {
    // the same condition again: another runner may have done it in between
    const r = await db
      .updateTable('jobs')
      .set({ state: 'uncertain', last_error: 'the runner stopped while sending; delivery unknown', lease_owner: null, lease_until: null, updated_at: now, payload: withoutBody(row.payload) })
      .where('id', '=', row.id)
      .where('state', '=', 'sending')
      .where('lease_until', '<', now)
      .executeTakeFirst();
    changed += Number(r.numUpdatedRows);
  }
  return changed;
}

/** Forgets finished jobs (done, failed, dead) last changed before `before`; `uncertain` ones wait for an admin. */
export async function deleteFinishedJobsBefore(db: Tx, before: string): Promise<number> {
  const r = await db.deleteFrom('jobs').where('state', 'in', ['done', 'failed', 'dead']).where('updated_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function countJobsByState(db: Tx): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** Jobs an admin must look at: bounces, invalid addresses, given up, uncertain. */
export async function listProblemJobs(db: Tx, limit: number): Promise<JobRow[]> {
  return db.selectFrom('jobs').selectAll().where('state', 'in', ['failed', 'dead', 'uncertain']).orderBy('updated_at', 'desc').limit(limit).execute();
}

export async function markNotificationSent(tx: Tx, id: string, now: string): Promise<void> {
  await tx.updateTable('notifications').set({ sent_at: now }).where('id', '=', id).execute();
}

export async function markNotificationFailed(tx: Tx, id: string, now: string, failure: string): Promise<void> {
  await tx.updateTable('notifications').set({ failed_at: now, failure }).where('id', '=', id).execute();
}

export async function markStudentEmailBounced(tx: Tx, studentId: string, now: string): Promise<void> {
  await tx.updateTable('students').set({ email_bounced_at: now }).where('id', '=', studentId).execute();
}

// ───────────────────────────── recipients of reminders ─────────────────────────────

export interface ReminderStudentRow {
  id: string;
  student_no: string;
  name: string;
  email: string | null;
  department: string;
  decision: string;
  site: string;
  email_bounced_at: string | null;
  /** holds a confirmed photo (C3), not voided: nothing to remind them of */
  photographed: boolean;
}

/** The campaign's current students who must be photographed (others get no reminder, E4–E6). */
export async function listRequiredStudents(db: Tx, campaignId: string): Promise<ReminderStudentRow[]> {
  const rows = await db
    .selectFrom('students')
    .select(['id', 'student_no', 'name', 'email', 'department', 'decision', 'site', 'email_bounced_at'])
    .select((eb) =>
      eb
        .exists(eb.selectFrom('photo_confirmations').select('photo_confirmations.id').whereRef('photo_confirmations.student_id', '=', 'students.id').where('photo_confirmations.voided_at', 'is', null))
        .as('photographed'),
    )
    .where('campaign_id', '=', campaignId)
    .where('removed_at', 'is', null)
    .where('decision', '=', 'required')
    .execute();
  // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean
  return rows.map((r) => ({ ...r, email_bounced_at: r.email_bounced_at ?? null, photographed: Boolean(Number(r.photographed)) }));
}

export interface ActiveBookingRow {
  booking_id: string;
  student_id: string;
  site: string;
  date: string;
  start_time: string;
  end_time: string;
}

export async function listActiveBookings(db: Tx, campaignId: string): Promise<ActiveBookingRow[]> {
  return db
    .selectFrom('bookings as b')
    .innerJoin('schedule_sessions as s', 's.id', 'b.session_id')
    .select(['b.id as booking_id', 'b.student_id', 's.site', 's.date', 's.start_time', 's.end_time'])
    .where('b.campaign_id', '=', campaignId)
    .where('b.status', '=', 'active')
    .execute();
}

export interface PendingNotificationRow {
  id: string;
  student_id: string;
  kind: string;
  payload: string;
  name: string;
  email: string | null;
}

/** Notifications written by the booking service and neither sent nor failed yet. */
export async function listPendingNotifications(db: Tx, limit: number): Promise<PendingNotificationRow[]> {
  return db
    .selectFrom('notifications as n')
    .innerJoin('students as st', 'st.id', 'n.student_id')
    .select(['n.id', 'n.student_id', 'n.kind', 'n.payload', 'st.name', 'st.email'])
    .where('n.sent_at', 'is', null)
    .where('n.failed_at', 'is', null)
    // `||` concatenates on both engines; a notification already queued is not listed again.
    .where((eb) => eb.not(eb.exists(eb.selectFrom('jobs').select('jobs.id').where('jobs.dedupe_key', '=', sql<string>`'notification:' || n.id`))))
    .orderBy('n.created_at')
    .limit(limit)
    .execute();
}

export async function mapStudentNumbers(db: Tx, studentIds: string[]): Promise<Map<string, string>> {
  if (studentIds.length === 0) return new Map();
  const rows = await db.selectFrom('students').select(['id', 'student_no']).where('id', 'in', studentIds).execute();
  return new Map(rows.map((r) => [r.id, r.student_no]));
}
