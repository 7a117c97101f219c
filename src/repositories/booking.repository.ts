// Typed queries of the schedule and bookings (issue #3): site settings, sessions, bookings, the waitlist,
// notifications. Seats are guarded by the database, not by code that reads and then
// writes (PITFALLS F1–F5): a seat is taken by a conditional UPDATE whose row count is checked, a CHECK keeps
// `booked` within `capacity`, and a partial unique index allows one active booking per student.
import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type {
  BookingsTable,
  NotificationsTable,
  ScheduleSessionsTable,
  SiteSettingsTable,
  StudentsTable,
  WaitlistEntriesTable,
} from '../db/schema.js';

export type SiteSettingsRow = Selectable<SiteSettingsTable>;
export type SessionRow = Selectable<ScheduleSessionsTable>;
export type NewSessionRow = Insertable<ScheduleSessionsTable>;
export type BookingRow = Selectable<BookingsTable>;
export type WaitlistRow = Selectable<WaitlistEntriesTable>;
export type BookableStudentRow = Pick<Selectable<StudentsTable>, 'id' | 'student_no' | 'department' | 'decision' | 'rule' | 'site' | 'employed'>;

type Dialect = Db['dialect'];

const affected = (n: bigint | undefined): number => Number(n ?? 0n);

// ───────────────────────────── site settings ─────────────────────────────

export async function listSiteSettings(db: Tx, campaignId: string): Promise<SiteSettingsRow[]> {
  return db.selectFrom('site_settings').selectAll().where('campaign_id', '=', campaignId).execute();
}

export async function upsertSiteSettings(tx: Tx, row: SiteSettingsRow): Promise<void> {
  await tx
    .insertInto('site_settings')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['campaign_id', 'site']).doUpdateSet({ stations: row.stations, minutes_per_student: row.minutes_per_student, updated_at: row.updated_at }),
    )
    .execute();
}

// ───────────────────────────── sessions ─────────────────────────────

/** Inserts the slots that do not exist yet (the unique slot key decides); returns how many were new. */
export async function insertMissingSessions(tx: Tx, rows: NewSessionRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await tx
    .insertInto('schedule_sessions')
    .values(rows)
    .onConflict((oc) => oc.columns(['campaign_id', 'site', 'date', 'start_time']).doNothing())
    .executeTakeFirst();
  return affected(result.numInsertedOrUpdatedRows);
}

export async function listCampaignSessions(db: Tx, campaignId: string, filter: { site?: string | undefined; date?: string | undefined } = {}): Promise<SessionRow[]> {
  let q = db.selectFrom('schedule_sessions').selectAll().where('campaign_id', '=', campaignId);
  if (filter.site) q = q.where('site', '=', filter.site);
  if (filter.date) q = q.where('date', '=', filter.date);
  return q.orderBy('site').orderBy('date').orderBy('start_time').execute();
}

export async function findSession(db: Tx, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('schedule_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Locks session rows in id order (PostgreSQL; SQLite write transactions are already serialised by
 * BEGIN IMMEDIATE). Every transaction that touches several sessions locks them in the same order, so
 * two moves in opposite directions cannot deadlock.
 *
 * FOR NO KEY UPDATE, the lock an UPDATE of the seat counter takes anyway, not FOR UPDATE: every booking's
 * insert holds FOR KEY SHARE on its session row (the foreign key check) until it commits, and FOR UPDATE
 * conflicts with it. A move that had inserted its new booking (KEY SHARE) and then asked FOR UPDATE waited for
 * every uncommitted booking of that session, and two such moves into one session deadlocked (each holding
 * KEY SHARE, each wanting FOR UPDATE): found by the reliability run, whose T1 then crawled from one detected
 * deadlock to the next.
 */
export async function lockSessions(tx: Tx, dialect: Dialect, ids: string[]): Promise<void> {
  if (dialect !== 'postgres' || ids.length === 0) return;
  await tx.selectFrom('schedule_sessions').select('id').where('id', 'in', [...new Set(ids)].sort()).orderBy('id').forNoKeyUpdate().execute();
}

/** Locks every session of a site (capacity changes), in id order. */
export async function lockSiteSessions(tx: Tx, dialect: Dialect, campaignId: string, site: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await tx.selectFrom('schedule_sessions').select('id').where('campaign_id', '=', campaignId).where('site', '=', site).orderBy('id').forUpdate().execute();
}

/**
 * Takes one seat if one is free. The condition is evaluated by the database on the row it updates (on
 * PostgreSQL again after waiting for a concurrent writer's lock), so no two requests can take the last seat
 * (F1). Returns false when the session is full.
 */
export async function takeSeat(tx: Tx, sessionId: string, now: string): Promise<boolean> {
  return (await takeSeatReturning(tx, sessionId, now)) !== undefined;
}

/** takeSeat, answering the session's seats after it (undefined: full). RETURNING: SQLite ≥ 3.35 and PostgreSQL. */
export async function takeSeatReturning(tx: Tx, sessionId: string, now: string): Promise<{ booked: number; capacity: number } | undefined> {
  const rows = await tx
    .updateTable('schedule_sessions')
    .set((eb) => ({ booked: eb('booked', '+', 1), updated_at: now }))
    .where('id', '=', sessionId)
    .where((eb) => eb('booked', '<', eb.ref('capacity')))
    .returning(['booked', 'capacity'])
    .execute();
  if (rows.length > 1) throw new Error(`session id ${sessionId} is not unique`);
  return rows[0];
}

/**
 * A session's seats, locked until the end of the transaction (PostgreSQL; SQLite writers are serialised).
 * FOR NO KEY UPDATE, as lockSessions: it does not wait for the uncommitted bookings of the session.
 */
export async function readSeatsForUpdate(tx: Tx, dialect: Dialect, sessionId: string): Promise<{ booked: number; capacity: number } | undefined> {
  let q = tx.selectFrom('schedule_sessions').select(['booked', 'capacity']).where('id', '=', sessionId);
  if (dialect === 'postgres') q = q.forNoKeyUpdate();
  return q.executeTakeFirst();
}

/** Gives one seat back; false when there was none to give back (the counter would have drifted, F4). */
export async function releaseSeat(tx: Tx, sessionId: string, now: string): Promise<boolean> {
  const result = await tx
    .updateTable('schedule_sessions')
    .set((eb) => ({ booked: eb('booked', '-', 1), updated_at: now }))
    .where('id', '=', sessionId)
    .where('booked', '>', 0)
    .executeTakeFirst();
  return affected(result.numUpdatedRows) === 1;
}

/** Locks every session of a campaign (schedule changes), in id order. */
export async function lockCampaignSessions(tx: Tx, dialect: Dialect, campaignId: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await tx.selectFrom('schedule_sessions').select('id').where('campaign_id', '=', campaignId).orderBy('id').forUpdate().execute();
}

/** Moves a kept session to its new window (its id, bookings and waitlist stay). */
export async function setSessionWindow(tx: Tx, sessionId: string, window: { start: string; end: string }, now: string): Promise<void> {
  await tx.updateTable('schedule_sessions').set({ start_time: window.start, end_time: window.end, updated_at: now }).where('id', '=', sessionId).execute();
}

/** Seats and waiting students of the given sessions (live counts). */
export async function readSessionCounts(db: Tx, sessionIds: string[]): Promise<{ sessionId: string; booked: number; capacity: number; waitlist: number }[]> {
  if (sessionIds.length === 0) return [];
  const ids = [...new Set(sessionIds)];
  const [rows, waiting] = await Promise.all([
    db.selectFrom('schedule_sessions').select(['id', 'booked', 'capacity']).where('id', 'in', ids).orderBy('id').execute(),
    countWaitingBySession(db, ids),
  ]);
  return rows.map((r) => ({ sessionId: r.id, booked: r.booked, capacity: r.capacity, waitlist: waiting.get(r.id) ?? 0 }));
}

/**
 * NOTIFY inside the caller's transaction (PostgreSQL): delivered to every listening process when, and only
 * when, the transaction commits.
 */
export async function notifyChannel(tx: Tx, channel: string, payload: string): Promise<void> {
  await sql`SELECT pg_notify(${channel}, ${payload})`.execute(tx);
}

/** Sets a session's capacity; the CHECK constraint refuses a capacity below the seats taken. */
export async function setSessionCapacity(tx: Tx, sessionId: string, capacity: number, now: string): Promise<void> {
  await tx.updateTable('schedule_sessions').set({ capacity, updated_at: now }).where('id', '=', sessionId).execute();
}

// ───────────────────────────── students ─────────────────────────────

const BOOKABLE_STUDENT_COLUMNS = ['id', 'student_no', 'department', 'decision', 'rule', 'site', 'employed'] as const;

/** The roster facts a booking depends on, by student number (current roster only). */
export async function findBookableStudentByNo(db: Tx, campaignId: string, studentNo: string): Promise<BookableStudentRow | undefined> {
  return db
    .selectFrom('students')
    .select(BOOKABLE_STUDENT_COLUMNS)
    .where('campaign_id', '=', campaignId)
    .where('student_no', '=', studentNo)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

export async function findBookableStudentById(db: Tx, id: string): Promise<BookableStudentRow | undefined> {
  return db.selectFrom('students').select(BOOKABLE_STUDENT_COLUMNS).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
}

/** The student a booking belongs to, even one removed from the roster since (their seat can still be freed). */
export async function getStudentOfBooking(db: Tx, booking: Pick<BookingRow, 'student_id'>): Promise<Pick<Selectable<StudentsTable>, 'id' | 'student_no' | 'department'>> {
  return db.selectFrom('students').select(['id', 'student_no', 'department']).where('id', '=', booking.student_id).executeTakeFirstOrThrow();
}

// ───────────────────────────── bookings ─────────────────────────────

export async function findBooking(db: Tx, id: string): Promise<BookingRow | undefined> {
  return db.selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findActiveBookingOfStudent(db: Tx, studentId: string): Promise<BookingRow | undefined> {
  return db.selectFrom('bookings').selectAll().where('student_id', '=', studentId).where('status', '=', 'active').executeTakeFirst();
}

/**
 * Inserts an active booking unless the student already holds one: the partial unique index
 * `bookings_one_active_per_student` is the arbiter (its predicate is written as a literal so that both
 * databases match it to the index). Returns false when a concurrent transaction booked for the student first.
 */
export async function insertActiveBooking(tx: Tx, row: Omit<BookingRow, 'status' | 'cancelled_at'>): Promise<boolean> {
  const result = await tx
    .insertInto('bookings')
    .values({ ...row, status: 'active', cancelled_at: null })
    .onConflict((oc) => oc.column('student_id').where('status', '=', sql.lit('active')).doNothing())
    .executeTakeFirst();
  return affected(result.numInsertedOrUpdatedRows) === 1;
}

/** Compare-and-swap active → cancelled (F3): false when it was not active any more. */
export async function cancelActiveBooking(tx: Tx, id: string, now: string): Promise<boolean> {
  const result = await tx
    .updateTable('bookings')
    .set({ status: 'cancelled', cancelled_at: now })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return affected(result.numUpdatedRows) === 1;
}

/** The active bookings of a session, last booked first, with the student number (capacity changes). */
export async function listLastBookedOfSession(db: Tx, sessionId: string, limit: number): Promise<(BookingRow & { student_no: string })[]> {
  return db
    .selectFrom('bookings')
    .innerJoin('students', 'students.id', 'bookings.student_id')
    .selectAll('bookings')
    .select('students.student_no')
    .where('bookings.session_id', '=', sessionId)
    .where('bookings.status', '=', 'active')
    .orderBy('bookings.created_at', 'desc')
    .orderBy('bookings.id', 'desc')
    .limit(limit)
    .execute();
}

// ───────────────────────────── waitlist ─────────────────────────────

/** Adds a waiting entry unless the student already waits for this session (partial unique index). */
export async function insertWaitingEntry(tx: Tx, row: Omit<WaitlistRow, 'status' | 'resolved_at'>): Promise<boolean> {
  const result = await tx
    .insertInto('waitlist_entries')
    .values({ ...row, status: 'waiting', resolved_at: null })
    .onConflict((oc) => oc.columns(['session_id', 'student_id']).where('status', '=', sql.lit('waiting')).doNothing())
    .executeTakeFirst();
  return affected(result.numInsertedOrUpdatedRows) === 1;
}

/** Waiting entries of a session in queue order (created_at, then id), after a cursor. */
export async function listWaitingEntries(db: Tx, sessionId: string, limit: number, after?: { createdAt: string; id: string }): Promise<WaitlistRow[]> {
  let q = db.selectFrom('waitlist_entries').selectAll().where('session_id', '=', sessionId).where('status', '=', 'waiting');
  if (after) {
    q = q.where((eb) => eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]));
  }
  return q.orderBy('created_at').orderBy('id').limit(limit).execute();
}

/** A removed session's queue is closed: nobody can be promoted into it any more. */
export async function cancelWaitingEntriesOfSession(tx: Tx, sessionId: string, now: string): Promise<number> {
  const result = await tx
    .updateTable('waitlist_entries')
    .set({ status: 'cancelled', resolved_at: now })
    .where('session_id', '=', sessionId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  return affected(result.numUpdatedRows);
}

/** The students who will be notified when a waiting queue is closed. */
export async function listWaitingStudentsOfSession(db: Tx, sessionId: string): Promise<string[]> {
  const rows = await db.selectFrom('waitlist_entries').select('student_id').where('session_id', '=', sessionId).where('status', '=', 'waiting').execute();
  return rows.map((r) => r.student_id);
}

/** Compare-and-swap waiting → promoted | cancelled. */
export async function resolveWaitingEntry(tx: Tx, id: string, status: 'promoted' | 'cancelled', now: string): Promise<boolean> {
  const result = await tx.updateTable('waitlist_entries').set({ status, resolved_at: now }).where('id', '=', id).where('status', '=', 'waiting').executeTakeFirst();
  return affected(result.numUpdatedRows) === 1;
}

/** A student who got a seat in a session stops waiting for it. */
export async function closeWaitingEntry(tx: Tx, sessionId: string, studentId: string, now: string): Promise<void> {
  await tx
    .updateTable('waitlist_entries')
    .set({ status: 'cancelled', resolved_at: now })
    .where('session_id', '=', sessionId)
    .where('student_id', '=', studentId)
    .where('status', '=', 'waiting')
    .execute();
}

/** A student's waiting entries with their 1-based position in each session's queue. */
export async function listWaitingEntriesOfStudent(db: Tx, studentId: string): Promise<(WaitlistRow & { position: number })[]> {
  const rows = await db
    .selectFrom('waitlist_entries as w')
    .selectAll('w')
    .select((eb) =>
      eb
        .selectFrom('waitlist_entries as o')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('o.session_id', '=', 'w.session_id')
        .where('o.status', '=', 'waiting')
        .where((e) => e.or([e('o.created_at', '<', e.ref('w.created_at')), e.and([e('o.created_at', '=', e.ref('w.created_at')), e('o.id', '<=', e.ref('w.id'))])]))
        .as('position'),
    )
    .where('w.student_id', '=', studentId)
    .where('w.status', '=', 'waiting')
    .orderBy('w.created_at')
    .execute();
  return rows.map((r) => ({ ...r, position: Number(r.position) }));
}

export async function findWaitingEntry(db: Tx, id: string): Promise<(WaitlistRow & { position: number }) | undefined> {
  const row = await db.selectFrom('waitlist_entries').select('student_id').where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return (await listWaitingEntriesOfStudent(db, row.student_id)).find((e) => e.id === id);
}

export async function countWaitingBySession(db: Tx, sessionIds: string[]): Promise<Map<string, number>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('waitlist_entries')
    .select(['session_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('session_id', 'in', sessionIds)
    .where('status', '=', 'waiting')
    .groupBy('session_id')
    .execute();
  return new Map(rows.map((r) => [r.session_id, Number(r.n)]));
}

// ───────────────────────────── expected load (S1) ─────────────────────────────

/**
 * Required students without an active booking, per site and department (the default expectation, S1).
 * Two plain counts subtracted (required students, minus those of them holding a booking) rather than one
 * NOT EXISTS: the anti-join's plan depends on table statistics, which are stale while a campaign's bookings
 * pour in (PostgreSQL then probed the bookings table once per student).
 */
export async function countUnbookedRequiredByDepartment(
  db: Tx,
  campaignId: string,
  filter: { site?: string | undefined; departments?: string[] | undefined } = {},
): Promise<{ site: string; department: string; n: number }[]> {
  if (filter.departments && filter.departments.length === 0) return [];
  let required = db
    .selectFrom('students')
    .where('campaign_id', '=', campaignId)
    .where('removed_at', 'is', null)
    .where('decision', '=', 'required');
  if (filter.site) required = required.where('site', '=', filter.site);
  if (filter.departments) required = required.where('department', 'in', filter.departments);
  let booked = db
    .selectFrom('bookings as b')
    .innerJoin('students as s', 's.id', 'b.student_id')
    .where('b.campaign_id', '=', campaignId)
    .where('b.status', '=', 'active')
    .where('s.removed_at', 'is', null)
    .where('s.decision', '=', 'required');
  if (filter.site) booked = booked.where('s.site', '=', filter.site);
  if (filter.departments) booked = booked.where('s.department', 'in', filter.departments);
  const [all, withBooking] = await Promise.all([
    required.select(['site', 'department', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['site', 'department']).execute(),
    booked.select(['s.site', 's.department', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['s.site', 's.department']).execute(),
  ]);
  const bookedBy = new Map(withBooking.map((r) => [`${r.site}\u0000${r.department}`, Number(r.n)]));
  return all.map((r) => ({ site: r.site, department: r.department, n: Number(r.n) - (bookedBy.get(`${r.site}\u0000${r.department}`) ?? 0) }));
}

// ───────────────────────────── notifications ─────────────────────────────

export async function insertNotification(tx: Tx, row: Insertable<NotificationsTable>): Promise<void> {
  await tx.insertInto('notifications').values(row).execute();
}

// ───────────────────────────── invariants (F4), for tests and benchmarks ─────────────────────────────

/** Sessions whose stored counter differs from the count of their active bookings: must always be empty. */
export async function findSessionCounterMismatches(db: Tx): Promise<{ id: string; booked: number; active: number; capacity: number }[]> {
  const rows = await db
    .selectFrom('schedule_sessions as s')
    .select((eb) => [
      's.id',
      's.booked',
      's.capacity',
      eb
        .selectFrom('bookings as b')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('b.session_id', '=', 's.id')
        .where('b.status', '=', 'active')
        .as('active'),
    ])
    .execute();
  return rows.map((r) => ({ id: r.id, booked: r.booked, capacity: r.capacity, active: Number(r.active) })).filter((r) => r.booked !== r.active);
}

/** Sessions holding more active bookings than seats (the CHECK makes the counter's version impossible). */
export async function countSessionsOverCapacity(db: Tx): Promise<number> {
  const row = await db
    .selectFrom('schedule_sessions as s')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) =>
      eb(
        eb
          .selectFrom('bookings as b')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('b.session_id', '=', 's.id')
          .where('b.status', '=', 'active'),
        '>',
        eb.ref('s.capacity'),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Students holding more than one active booking (the partial unique index makes this impossible). */
export async function countStudentsWithSeveralActiveBookings(db: Tx): Promise<number> {
  const rows = await db
    .selectFrom('bookings')
    .select('student_id')
    .where('status', '=', 'active')
    .groupBy('student_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return rows.length;
}

export async function countActiveBookings(db: Tx, sessionId?: string): Promise<number> {
  let q = db.selectFrom('bookings').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'active');
  if (sessionId) q = q.where('session_id', '=', sessionId);
  return Number((await q.executeTakeFirstOrThrow()).n);
}
