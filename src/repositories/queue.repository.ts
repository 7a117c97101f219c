// Collection codes, queue counters and queue tickets (issue 9 sections 1 and 2; migration 0011; C1, C4).
import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { CollectionCodesTable, QueueTicketsTable, StudentsTable } from '../db/schema.js';

export type CollectionCodeRow = Selectable<CollectionCodesTable>;
export type TicketRow = Selectable<QueueTicketsTable>;
export type QueueStudentRow = Pick<Selectable<StudentsTable>, 'id' | 'student_no' | 'name' | 'department' | 'decision' | 'rule' | 'site' | 'removed_at'>;
export type TicketWithStudentRow = TicketRow & { student_no: string; student_name: string; department: string; decision: string };

const STUDENT_COLUMNS = ['id', 'student_no', 'name', 'department', 'decision', 'rule', 'site', 'removed_at'] as const;

export async function findQueueStudentByNo(db: Tx, campaignId: string, studentNo: string): Promise<QueueStudentRow | undefined> {
  return db.selectFrom('students').select(STUDENT_COLUMNS).where('campaign_id', '=', campaignId).where('student_no', '=', studentNo).executeTakeFirst();
}

export async function findQueueStudentById(db: Tx, id: string): Promise<QueueStudentRow | undefined> {
  return db.selectFrom('students').select(STUDENT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

// ───────────── collection codes ─────────────

export async function findCodeByHmac(db: Tx, campaignId: string, codeHmac: string): Promise<CollectionCodeRow | undefined> {
  return db.selectFrom('collection_codes').selectAll().where('campaign_id', '=', campaignId).where('code_hmac', '=', codeHmac).executeTakeFirst();
}

export async function findCodeOfStudent(db: Tx, campaignId: string, studentId: string): Promise<CollectionCodeRow | undefined> {
  return db.selectFrom('collection_codes').selectAll().where('campaign_id', '=', campaignId).where('student_id', '=', studentId).executeTakeFirst();
}

/** Binds a code to a student. A concurrent binding of the same code (or of another code to the student) violates a unique key. */
export async function insertCode(tx: Tx, row: Insertable<CollectionCodesTable>): Promise<void> {
  await tx.insertInto('collection_codes').values(row).execute();
}

// ───────────── counters ─────────────

/**
 * Takes the next ticket number and the next place in the queue of a site's day, in the caller's transaction:
 * one upsert with RETURNING (the counter row is locked until commit on PostgreSQL; SQLite writes one at a time).
 */
export async function takeTicketNumber(tx: Tx, campaignId: string, site: string, date: string): Promise<{ seq: number; order: number }> {
  const row = await tx
    .insertInto('queue_counters')
    .values({ campaign_id: campaignId, site, date, last_seq: 1, last_order: 1 })
    .onConflict((oc) =>
      oc.columns(['campaign_id', 'site', 'date']).doUpdateSet({ last_seq: sql`queue_counters.last_seq + 1`, last_order: sql`queue_counters.last_order + 1` }),
    )
    .returning(['last_seq', 'last_order'])
    .executeTakeFirstOrThrow();
  return { seq: Number(row.last_seq), order: Number(row.last_order) };
}

/** The next place at the back of a site's queue (a skipped ticket goes there). */
export async function takeQueuePlace(tx: Tx, campaignId: string, site: string, date: string): Promise<number> {
  const row = await tx
    .updateTable('queue_counters')
    .set({ last_order: sql`last_order + 1` })
    .where('campaign_id', '=', campaignId)
    .where('site', '=', site)
    .where('date', '=', date)
    .returning('last_order')
    .executeTakeFirstOrThrow();
  return Number(row.last_order);
}

// ───────────── tickets ─────────────

export async function insertTicket(tx: Tx, row: Insertable<QueueTicketsTable>): Promise<void> {
  await tx.insertInto('queue_tickets').values(row).execute();
}

export async function findTicket(db: Tx, id: string): Promise<TicketRow | undefined> {
  return db.selectFrom('queue_tickets').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The student's ticket in a queue of that day (waiting or called), if any. */
export async function findActiveTicketOfStudent(db: Tx, campaignId: string, date: string, studentId: string): Promise<TicketRow | undefined> {
  return db
    .selectFrom('queue_tickets')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('date', '=', date)
    .where('student_id', '=', studentId)
    .where('status', 'in', ['waiting', 'called'])
    .executeTakeFirst();
}

/**
 * The first waiting ticket of a site's day. On PostgreSQL the row is locked and rows other stations hold are
 * skipped (FOR UPDATE SKIP LOCKED); SQLite's BEGIN IMMEDIATE runs one writer at a time. The caller still
 * takes it with the conditional UPDATE of `callTicket`.
 */
export async function findFirstWaiting(tx: Tx, dialect: Db['dialect'], campaignId: string, site: string, date: string): Promise<TicketRow | undefined> {
  let q = tx
    .selectFrom('queue_tickets')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('site', '=', site)
    .where('date', '=', date)
    .where('status', '=', 'waiting')
    .orderBy('queue_order')
    .limit(1);
  if (dialect === 'postgres') q = q.forUpdate().skipLocked();
  return q.executeTakeFirst();
}

/** waiting → called by a station; false when another station took it first. */
export async function callTicket(tx: Tx, id: string, stationId: string, at: string): Promise<boolean> {
  const r = await tx
    .updateTable('queue_tickets')
    .set({ status: 'called', station_id: stationId, called_at: at, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The tickets a station has called and not finished (at most one in practice). */
export async function listCalledAtStation(tx: Tx, campaignId: string, site: string, date: string, stationId: string): Promise<TicketRow[]> {
  return tx
    .selectFrom('queue_tickets')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('site', '=', site)
    .where('date', '=', date)
    .where('station_id', '=', stationId)
    .where('status', '=', 'called')
    .execute();
}

/**
 * → served, from the status read (`called`, the usual way; `waiting` when the student was set by number and
 * confirmed without a call: no call time, so it does not feed the wait estimate); false when it changed meanwhile.
 */
export async function serveTicket(tx: Tx, id: string, at: string, from: 'called' | 'waiting' = 'called'): Promise<boolean> {
  const r = await tx.updateTable('queue_tickets').set({ status: 'served', served_at: at, updated_at: at }).where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function recallTicket(tx: Tx, id: string, at: string): Promise<boolean> {
  const r = await tx
    .updateTable('queue_tickets')
    .set({ recalls: sql`recalls + 1`, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'called')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** called → waiting at the back (order) or removed, counting the skip; false when the ticket was no longer called. */
export async function skipTicket(tx: Tx, id: string, next: { skips: number; status: 'waiting' | 'removed'; order: number | null }, at: string): Promise<boolean> {
  const r = await tx
    .updateTable('queue_tickets')
    .set({
      status: next.status,
      skips: next.skips,
      station_id: null,
      updated_at: at,
      ...(next.order !== null ? { queue_order: next.order } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', 'called')
    .where('skips', '=', next.skips - 1)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A called ticket moves from one station to another and is called there now; false when it was no longer called there. */
export async function transferTicket(tx: Tx, id: string, fromStationId: string, toStationId: string, at: string): Promise<boolean> {
  const r = await tx
    .updateTable('queue_tickets')
    .set({ station_id: toStationId, called_at: at, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'called')
    .where('station_id', '=', fromStationId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** How many waiting tickets of the queue come before a place (the ticket's position is this + 1). */
export async function countWaitingBefore(db: Tx, campaignId: string, site: string, date: string, order: number): Promise<number> {
  const row = await db
    .selectFrom('queue_tickets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', campaignId)
    .where('site', '=', site)
    .where('date', '=', date)
    .where('status', '=', 'waiting')
    .where('queue_order', '<', order)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Seconds from called to served of the site's most recently served tickets, newest first. */
export async function listRecentServiceSeconds(db: Tx, campaignId: string, site: string, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('queue_tickets')
    .select(['called_at', 'served_at'])
    .where('campaign_id', '=', campaignId)
    .where('site', '=', site)
    .where('status', '=', 'served')
    .where('served_at', 'is not', null)
    .orderBy('served_at', 'desc')
    .limit(limit)
    .execute();
  return rows.filter((r) => r.called_at && r.served_at).map((r) => (Date.parse(r.served_at!) - Date.parse(r.called_at!)) / 1000);
}

/** Today's queue of a site: called and waiting tickets with their students. */
export async function listOpenTickets(db: Tx, campaignId: string, site: string, date: string): Promise<TicketWithStudentRow[]> {
  return db
    .selectFrom('queue_tickets')
    .innerJoin('students', 'students.id', 'queue_tickets.student_id')
    .selectAll('queue_tickets')
    .select(['students.student_no as student_no', 'students.name as student_name', 'students.department as department', 'students.decision as decision'])
    .where('queue_tickets.campaign_id', '=', campaignId)
    .where('queue_tickets.site', '=', site)
    .where('queue_tickets.date', '=', date)
    .where('queue_tickets.status', 'in', ['waiting', 'called'])
    .orderBy('queue_tickets.queue_order')
    .execute();
}
