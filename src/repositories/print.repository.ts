// Prints and hand-over (migration 0017, rule A2; docs/decisions/0025-prints-handover.md): the agency's print
// batches, one print set per student's confirmed photo, the graduate school's deliveries to the departments.
import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { PrintBatchesTable, PrintDeliveriesTable, PrintItemsTable } from '../db/schema.js';

export type PrintBatchRow = Selectable<PrintBatchesTable>;
export type PrintDeliveryRow = Selectable<PrintDeliveriesTable>;
export type PrintItemRow = Selectable<PrintItemsTable>;

/**
 * Hand-over steps not yet done: agency → graduate school batches created and not yet sent, or sent and not
 * received, and graduate school → department deliveries not confirmed by the secretary (`gradphoto campaign
 * close` refuses while any is open: a batch created is work in hand, not abandoned by closing).
 */
export async function openHandoverCount(db: Db, campaignId: string): Promise<number> {
  const batches = await db.db
    .selectFrom('print_batches')
    .select(sql<number>`count(*)`.as('n'))
    .where('campaign_id', '=', campaignId)
    .where('status', 'in', ['open', 'sent'])
    .executeTakeFirstOrThrow();
  const deliveries = await db.db
    .selectFrom('print_deliveries')
    .select(sql<number>`count(*)`.as('n'))
    .where('campaign_id', '=', campaignId)
    .where('received_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(batches.n) + Number(deliveries.n);
}

export async function insertPrintItems(tx: Tx, rows: Insertable<PrintItemsTable>[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('print_items').values(rows).execute();
}

/** A confirmed, valid photo (confirmation not voided, not E7-flagged, student on the roster, standard stored) not yet printed. */
export interface PrintCandidateRow {
  photo_id: string;
  student_id: string;
  confirmation_id: string;
  department: string;
  student_no: string;
}

function candidates(db: Tx, campaignId: string, department: string | null) {
  let q = db
    .selectFrom('photo_confirmations as c')
    .innerJoin('photos as p', 'p.id', 'c.photo_id')
    .innerJoin('students as s', 's.id', 'c.student_id')
    .where('p.campaign_id', '=', campaignId)
    .where('c.voided_at', 'is', null)
    .where('p.invalid_reason', 'is', null)
    .where('s.removed_at', 'is', null)
    .where((eb) => eb.exists(eb.selectFrom('photo_blobs as b').select('b.id').whereRef('b.photo_id', '=', 'p.id').where('b.kind', '=', 'standard')))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('print_items as i').select('i.id').whereRef('i.photo_id', '=', 'p.id'))));
  if (department !== null) q = q.where('s.department', '=', department);
  return q;
}

export async function listPrintCandidates(db: Tx, campaignId: string, department: string | null): Promise<PrintCandidateRow[]> {
  return candidates(db, campaignId, department)
    .select(['p.id as photo_id', 's.id as student_id', 'c.id as confirmation_id', 's.department', 's.student_no'])
    .orderBy('s.department')
    .orderBy('s.student_no')
    .execute();
}

export async function countPrintCandidatesByDepartment(db: Tx, campaignId: string): Promise<{ department: string; count: number }[]> {
  const rows = await candidates(db, campaignId, null).select(['s.department', sql<number>`count(*)`.as('n')]).groupBy('s.department').orderBy('s.department').execute();
  return rows.map((r) => ({ department: r.department, count: Number(r.n) }));
}

export async function nextBatchNumber(db: Tx, campaignId: string): Promise<number> {
  const row = await db.selectFrom('print_batches').select(sql<number | null>`max(number)`.as('n')).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
  return Number(row.n ?? 0) + 1;
}

export async function insertPrintBatch(tx: Tx, row: Insertable<PrintBatchesTable>): Promise<void> {
  await tx.insertInto('print_batches').values(row).execute();
}

export async function findPrintBatch(db: Tx, id: string): Promise<PrintBatchRow | undefined> {
  return db.selectFrom('print_batches').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listPrintBatches(db: Tx, campaignId: string): Promise<PrintBatchRow[]> {
  return db.selectFrom('print_batches').selectAll().where('campaign_id', '=', campaignId).orderBy('number', 'desc').execute();
}

/** A set is void when its photo's confirmation was voided or the photo became invalid (E7), whenever that was. */
const VOID = sql<number>`case when i.voided_at is not null or c.voided_at is not null or p.invalid_reason is not null then 1 else 0 end`;

/** Per batch and department: sets (not void) and void sets. */
export async function countBatchSets(db: Tx, batchIds: string[]): Promise<{ batch_id: string; department: string; sets: number; voided: number }[]> {
  if (batchIds.length === 0) return [];
  const rows = await db
    .selectFrom('print_items as i')
    .innerJoin('photo_confirmations as c', 'c.id', 'i.confirmation_id')
    .innerJoin('photos as p', 'p.id', 'i.photo_id')
    .select(['i.batch_id', 'i.department', sql<number>`count(*)`.as('total'), sql<number>`sum(${VOID})`.as('voided')])
    .where('i.batch_id', 'in', batchIds)
    .groupBy(['i.batch_id', 'i.department'])
    .orderBy('i.department')
    .execute();
  return rows.map((r) => ({ batch_id: r.batch_id, department: r.department, sets: Number(r.total) - Number(r.voided ?? 0), voided: Number(r.voided ?? 0) }));
}

/** Takes the void sets out of an open batch (they were never printed); returns how many. */
export async function removeVoidSetsOfOpenBatch(tx: Tx, batchId: string): Promise<number> {
  const ids = await tx
    .selectFrom('print_items as i')
    .innerJoin('photo_confirmations as c', 'c.id', 'i.confirmation_id')
    .innerJoin('photos as p', 'p.id', 'i.photo_id')
    .select('i.id')
    .where('i.batch_id', '=', batchId)
    .where(sql<boolean>`${VOID} = 1`)
    .execute();
  if (ids.length === 0) return 0;
  const r = await tx
    .deleteFrom('print_items')
    .where(
      'id',
      'in',
      ids.map((x) => x.id),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Flags the printed sets (batch sent or received) whose photo became void since; returns how many were flagged now. */
export async function flagVoidPrintedSets(tx: Tx, campaignId: string, at: string): Promise<number> {
  const r = await tx
    .updateTable('print_items')
    .set({ voided_at: at })
    .where('campaign_id', '=', campaignId)
    .where('voided_at', 'is', null)
    .where((eb) => eb.exists(eb.selectFrom('print_batches as b').select('b.id').whereRef('b.id', '=', 'print_items.batch_id').where('b.status', '!=', 'open')))
    .where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('photo_confirmations as c').select('c.id').whereRef('c.id', '=', 'print_items.confirmation_id').where('c.voided_at', 'is not', null)),
        eb.exists(eb.selectFrom('photos as p').select('p.id').whereRef('p.id', '=', 'print_items.photo_id').where('p.invalid_reason', 'is not', null)),
      ]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function markBatchSent(tx: Tx, id: string, v: { count: number; by: string | null; at: string }): Promise<boolean> {
  const r = await tx.updateTable('print_batches').set({ status: 'sent', sent_count: v.count, sent_by: v.by, sent_at: v.at }).where('id', '=', id).where('status', '=', 'open').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markBatchReceived(tx: Tx, id: string, v: { count: number; by: string | null; at: string; note: string | null }): Promise<boolean> {
  const r = await tx
    .updateTable('print_batches')
    .set({ status: 'received', received_count: v.count, received_by: v.by, received_at: v.at, discrepancy_note: v.note })
    .where('id', '=', id)
    .where('status', '=', 'sent')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface SheetItemRow {
  id: string;
  photo_id: string;
  student_no: string;
  name: string;
  department: string;
}

/** One page of a batch's department's sets (not void), by student number, after `afterStudentNo`. */
export async function listSheetItems(db: Tx, batchId: string, department: string, afterStudentNo: string | null, limit: number): Promise<SheetItemRow[]> {
  let q = db
    .selectFrom('print_items as i')
    .innerJoin('photo_confirmations as c', 'c.id', 'i.confirmation_id')
    .innerJoin('photos as p', 'p.id', 'i.photo_id')
    .innerJoin('students as s', 's.id', 'i.student_id')
    .select(['i.id', 'i.photo_id', 'i.student_no', 's.name', 'i.department'])
    .where('i.batch_id', '=', batchId)
    .where('i.department', '=', department)
    .where(sql<boolean>`${VOID} = 0`);
  if (afterStudentNo !== null) q = q.where('i.student_no', '>', afterStudentNo);
  return q.orderBy('i.student_no').limit(limit).execute();
}

// ───────────────────────────── graduate school → department ─────────────────────────────

/** Sets of a department at the graduate school (their batch received), not void, not yet sent to the department. */
function readyItems(db: Tx, campaignId: string) {
  return db
    .selectFrom('print_items as i')
    .innerJoin('print_batches as b', 'b.id', 'i.batch_id')
    .innerJoin('photo_confirmations as c', 'c.id', 'i.confirmation_id')
    .innerJoin('photos as p', 'p.id', 'i.photo_id')
    .where('i.campaign_id', '=', campaignId)
    .where('b.status', '=', 'received')
    .where('i.delivery_id', 'is', null)
    .where(sql<boolean>`${VOID} = 0`);
}

export async function countReadyByDepartment(db: Tx, campaignId: string): Promise<{ department: string; count: number }[]> {
  const rows = await readyItems(db, campaignId).select(['i.department', sql<number>`count(*)`.as('n')]).groupBy('i.department').orderBy('i.department').execute();
  return rows.map((r) => ({ department: r.department, count: Number(r.n) }));
}

export async function listReadyItemIds(db: Tx, campaignId: string, department: string): Promise<string[]> {
  const rows = await readyItems(db, campaignId).select('i.id').where('i.department', '=', department).execute();
  return rows.map((r) => r.id);
}

export async function insertDelivery(tx: Tx, row: Insertable<PrintDeliveriesTable>): Promise<void> {
  await tx.insertInto('print_deliveries').values(row).execute();
}

/** Puts the sets in the delivery; only those still without one (a concurrent delivery took the others). */
export async function assignDelivery(tx: Tx, deliveryId: string, itemIds: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < itemIds.length; i += 500) {
    const r = await tx
      .updateTable('print_items')
      .set({ delivery_id: deliveryId })
      .where('id', 'in', itemIds.slice(i, i + 500))
      .where('delivery_id', 'is', null)
      .executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  return n;
}

export async function findDelivery(db: Tx, id: string): Promise<PrintDeliveryRow | undefined> {
  return db.selectFrom('print_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listDeliveries(db: Tx, campaignId: string, departments: string[] | null): Promise<(PrintDeliveryRow & { handed: number })[]> {
  let q = db
    .selectFrom('print_deliveries as d')
    .selectAll('d')
    .select((eb) => eb.selectFrom('print_items as i').select(sql<number>`count(*)`.as('n')).whereRef('i.delivery_id', '=', 'd.id').where('i.handed_to_student_at', 'is not', null).as('handed'))
    .where('d.campaign_id', '=', campaignId);
  if (departments !== null) {
    if (departments.length === 0) return [];
    q = q.where('d.department', 'in', departments);
  }
  const rows = await q.orderBy('d.sent_at', 'desc').execute();
  return rows.map((r) => ({ ...r, handed: Number(r.handed ?? 0) }));
}

export async function markDeliveryReceived(tx: Tx, id: string, v: { count: number; by: string | null; at: string; note: string | null }): Promise<boolean> {
  const r = await tx
    .updateTable('print_deliveries')
    .set({ received_count: v.count, received_by: v.by, received_at: v.at, discrepancy_note: v.note })
    .where('id', '=', id)
    .where('received_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ───────────────────────────── department → student ─────────────────────────────

export interface HandoverItemRow {
  id: string;
  student_id: string;
  student_no: string;
  name: string;
  department: string;
  batch_status: 'open' | 'sent' | 'received';
  delivery_id: string | null;
  delivery_received_at: string | null;
  handed_to_student_at: string | null;
  handed_method: 'secretary' | 'student' | null;
  void: number;
  created_at: string;
}

function handoverItems(db: Tx, campaignId: string) {
  return db
    .selectFrom('print_items as i')
    .innerJoin('print_batches as b', 'b.id', 'i.batch_id')
    .innerJoin('photo_confirmations as c', 'c.id', 'i.confirmation_id')
    .innerJoin('photos as p', 'p.id', 'i.photo_id')
    .innerJoin('students as s', 's.id', 'i.student_id')
    .leftJoin('print_deliveries as d', 'd.id', 'i.delivery_id')
    .select([
      'i.id',
      'i.student_id',
      'i.student_no',
      's.name',
      'i.department',
      'b.status as batch_status',
      'i.delivery_id',
      'd.received_at as delivery_received_at',
      'i.handed_to_student_at',
      'i.handed_method',
      VOID.as('void'),
      'i.created_at',
    ])
    .where('i.campaign_id', '=', campaignId);
}

/** Every print set of a department by student number (a student whose first set was voided may have a second). */
export async function listHandoverItems(db: Tx, campaignId: string, department: string, studentNoPrefix: string | null): Promise<HandoverItemRow[]> {
  let q = handoverItems(db, campaignId).where('i.department', '=', department);
  if (studentNoPrefix) q = q.where('i.student_no', 'like', `${studentNoPrefix.replace(/[%_\\]/g, '')}%`);
  const rows = await q.orderBy('i.student_no').orderBy('i.created_at').execute();
  return rows.map((r) => ({ ...r, void: Number(r.void) }));
}

/** The print sets of the students with these numbers (any department), newest first per student. */
export async function listItemsOfStudentNos(db: Tx, campaignId: string, studentNos: string[]): Promise<HandoverItemRow[]> {
  if (studentNos.length === 0) return [];
  const rows = await handoverItems(db, campaignId).where('i.student_no', 'in', studentNos).orderBy('i.created_at', 'desc').execute();
  return rows.map((r) => ({ ...r, void: Number(r.void) }));
}

export async function listItemsOfStudent(db: Tx, campaignId: string, studentId: string): Promise<HandoverItemRow[]> {
  const rows = await handoverItems(db, campaignId).where('i.student_id', '=', studentId).orderBy('i.created_at', 'desc').execute();
  return rows.map((r) => ({ ...r, void: Number(r.void) }));
}

/** Marks sets handed over; only those not handed yet. Returns the ids changed. */
export async function markHandedOver(tx: Tx, itemIds: string[], v: { by: string | null; at: string; method: 'secretary' | 'student' }): Promise<number> {
  let n = 0;
  for (let i = 0; i < itemIds.length; i += 500) {
    const r = await tx
      .updateTable('print_items')
      .set({ handed_to_student_at: v.at, handed_by: v.by, handed_method: v.method })
      .where('id', 'in', itemIds.slice(i, i + 500))
      .where('handed_to_student_at', 'is', null)
      .executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  return n;
}

export async function findStudentsByNos(db: Tx, campaignId: string, studentNos: string[]): Promise<{ id: string; student_no: string; department: string }[]> {
  if (studentNos.length === 0) return [];
  return db.selectFrom('students').select(['id', 'student_no', 'department']).where('campaign_id', '=', campaignId).where('student_no', 'in', studentNos).where('removed_at', 'is', null).execute();
}

/** The departments that have print sets in a campaign, by name (the choices when no department was given). */
export async function listPrintedDepartments(db: Tx, campaignId: string): Promise<string[]> {
  const rows = await db.selectFrom('print_items').select('department').distinct().where('campaign_id', '=', campaignId).orderBy('department').execute();
  return rows.map((r) => r.department);
}
