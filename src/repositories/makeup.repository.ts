// Make-up captures (issue 10 section 3, rule S6): the agency's outlets, the make-up photos, and the students
// still owing a photo after the campaign (decision 'required', no valid confirmed photo).
import type { Insertable, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { MakeupOutletsTable } from '../db/schema.js';

export type OutletRow = Selectable<MakeupOutletsTable>;

export async function listOutlets(db: Tx, campaignId: string): Promise<OutletRow[]> {
  return db.selectFrom('makeup_outlets').selectAll().where('campaign_id', '=', campaignId).orderBy('created_at').orderBy('id').execute();
}

export async function findOutlet(db: Tx, id: string): Promise<OutletRow | undefined> {
  return db.selectFrom('makeup_outlets').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Inserts an outlet unless its id is taken: true when inserted (the primary key decides a race). */
export async function insertOutletUnlessExists(tx: Tx, row: Insertable<MakeupOutletsTable>): Promise<boolean> {
  const r = await tx
    .insertInto('makeup_outlets')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Updates an outlet of the campaign: true when a row changed. */
export async function updateOutlet(tx: Tx, campaignId: string, id: string, set: Updateable<MakeupOutletsTable>): Promise<boolean> {
  const r = await tx.updateTable('makeup_outlets').set(set).where('id', '=', id).where('campaign_id', '=', campaignId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Make-up photos per outlet: taken, and confirmed (an active confirmation). */
export async function countMakeupPhotosPerOutlet(db: Tx, campaignId: string): Promise<{ outlet_id: string; photos: number; confirmed: number }[]> {
  const rows = await db
    .selectFrom('photos as p')
    .leftJoin('photo_confirmations as c', (j) => j.onRef('c.photo_id', '=', 'p.id').on('c.voided_at', 'is', null))
    .select(['p.outlet_id', sql<number>`count(distinct p.id)`.as('photos'), sql<number>`count(distinct c.id)`.as('confirmed')])
    .where('p.campaign_id', '=', campaignId)
    .where('p.outlet_id', 'is not', null)
    .groupBy('p.outlet_id')
    .execute();
  return rows.map((r) => ({ outlet_id: r.outlet_id!, photos: Number(r.photos), confirmed: Number(r.confirmed) }));
}

export interface OutstandingRow {
  id: string;
  student_no: string;
  name: string;
  department: string;
  expected_term: string;
  deferred_to: string | null;
  email: string | null;
  email_bounced_at: string | null;
  /** how many confirmations of theirs were voided (e.g. by the registry's 有误 answer) */
  voided: number;
}

/**
 * Students who still owe a photo (S6): decision 'required', on the roster, and no active confirmation of a
 * photo that is valid (not E7-invalid). Ordered by department and student number.
 */
export async function listOutstandingStudents(db: Tx, campaignId: string, opts: { department?: string; studentId?: string } = {}): Promise<OutstandingRow[]> {
  let q = db
    .selectFrom('students as s')
    .select([
      's.id',
      's.student_no',
      's.name',
      's.department',
      's.expected_term',
      's.deferred_to',
      's.email',
      's.email_bounced_at',
      sql<number>`(select count(*) from photo_confirmations v where v.student_id = s.id and v.voided_at is not null)`.as('voided'),
    ])
    .where('s.campaign_id', '=', campaignId)
    .where('s.decision', '=', 'required')
    .where('s.removed_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('photo_confirmations as c')
            .innerJoin('photos as p', 'p.id', 'c.photo_id')
            .select('c.id')
            .whereRef('c.student_id', '=', 's.id')
            .where('c.voided_at', 'is', null)
            .where('p.invalid_reason', 'is', null),
        ),
      ),
    );
  if (opts.department !== undefined) q = q.where('s.department', '=', opts.department);
  if (opts.studentId !== undefined) q = q.where('s.id', '=', opts.studentId);
  const rows = await q.orderBy('s.department').orderBy('s.student_no').execute();
  return rows.map((r) => ({ ...r, email_bounced_at: r.email_bounced_at ?? null, voided: Number(r.voided) }));
}

/** Outstanding make-ups per department (S6), for the dashboards. */
export async function countOutstandingPerDepartment(db: Tx, campaignId: string): Promise<{ department: string; outstanding: number }[]> {
  const rows = await listOutstandingStudents(db, campaignId);
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.department, (counts.get(r.department) ?? 0) + 1);
  return [...counts.entries()].map(([department, outstanding]) => ({ department, outstanding }));
}

/** The student's target term (S6 deadlines are per term): the term they were deferred to, else the expected one. */
export async function findStudentTerm(db: Tx, studentId: string): Promise<string | undefined> {
  const row = await db.selectFrom('students').select(['expected_term', 'deferred_to']).where('id', '=', studentId).executeTakeFirst();
  return row ? row.deferred_to || row.expected_term : undefined;
}
