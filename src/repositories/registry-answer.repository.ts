// The registry's answer to the packages (migration 0016; docs/decisions/0024-registry-answer.md): imports of the
// answer file, one answer per exported photo, and the re-take list that follows a 有误 answer.
import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { RegistryAnswerImportsTable, RegistryAnswersTable } from '../db/schema.js';

export type RegistryAnswerImportRow = Selectable<RegistryAnswerImportsTable>;
export type RegistryAnswerRow = Selectable<RegistryAnswersTable>;

/** Whether the registry accepted this photo (contract between slices: a registry_answers row with status 'accepted'). */
export async function isPhotoAcceptedByRegistry(db: Tx, photoId: string): Promise<boolean> {
  const row = await db.selectFrom('registry_answers').select('id').where('photo_id', '=', photoId).where('status', '=', 'accepted').executeTakeFirst();
  return row !== undefined;
}

/** The photos of a campaign the registry accepted (retention: a standard photo may go once accepted and handed over). */
export async function listRegistryAcceptedPhotoIds(db: Tx, campaignId: string): Promise<string[]> {
  const rows = await db.selectFrom('registry_answers').select('photo_id').where('campaign_id', '=', campaignId).where('status', '=', 'accepted').orderBy('photo_id').execute();
  return rows.map((r) => r.photo_id);
}

/** Answers of a campaign by status (dashboards). */
export async function countRegistryAnswers(db: Tx, campaignId: string): Promise<{ accepted: number; rejected: number }> {
  const rows = await db.selectFrom('registry_answers').select(['status', sql<number>`count(*)`.as('n')]).where('campaign_id', '=', campaignId).groupBy('status').execute();
  const of = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { accepted: of('accepted'), rejected: of('rejected') };
}

/** The latest photo of each of these students in a delivered batch (the photo an answer is about), with its batch. */
export interface LatestExportedPhotoRow {
  student_id: string;
  photo_id: string;
  export_id: string;
  confirmation_id: string;
  exported_at: string;
}

export async function listLatestExportedPhotos(db: Tx, campaignId: string, studentIds: string[]): Promise<Map<string, LatestExportedPhotoRow>> {
  const out = new Map<string, LatestExportedPhotoRow>();
  for (let i = 0; i < studentIds.length; i += 500) {
    const rows = await db
      .selectFrom('registry_export_items as i')
      .innerJoin('registry_exports as e', 'e.id', 'i.export_id')
      .select(['i.student_id', 'i.photo_id', 'i.export_id', 'i.confirmation_id', 'e.finished_at as exported_at'])
      .where('e.campaign_id', '=', campaignId)
      .where('e.status', '=', 'delivered')
      .where('i.kind', '=', 'photo')
      .where('i.student_id', 'in', studentIds.slice(i, i + 500))
      .orderBy('e.finished_at')
      .orderBy('e.id')
      .execute();
    // ascending: the last one seen per student is the latest
    for (const r of rows) out.set(r.student_id, { ...r, exported_at: r.exported_at ?? '' });
  }
  return out;
}

export async function listAnswersOfPhotos(db: Tx, photoIds: string[]): Promise<Map<string, RegistryAnswerRow>> {
  const out = new Map<string, RegistryAnswerRow>();
  for (let i = 0; i < photoIds.length; i += 500) {
    const rows = await db.selectFrom('registry_answers').selectAll().where('photo_id', 'in', photoIds.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.photo_id, r);
  }
  return out;
}

export async function insertAnswerImport(tx: Tx, row: Insertable<RegistryAnswerImportsTable>): Promise<void> {
  await tx.insertInto('registry_answer_imports').values(row).execute();
}

/** Inserts answers; the unique index on photo_id refuses a photo answered twice (a concurrent import). */
export async function insertAnswers(tx: Tx, rows: Insertable<RegistryAnswersTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 300) await tx.insertInto('registry_answers').values(rows.slice(i, i + 300)).execute();
}

export async function listAnswerImports(db: Tx, campaignId: string): Promise<RegistryAnswerImportRow[]> {
  return db.selectFrom('registry_answer_imports').selectAll().where('campaign_id', '=', campaignId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200).execute();
}

/** A student whose latest answer is 有误 and who has no confirmed photo since (the re-take list). */
export interface RetakeRow {
  student_id: string;
  student_no: string;
  name: string;
  department: string;
  answered_at: string;
  photo_id: string;
  import_id: string;
  /** the student's active booking made after the answer, if any (its creation time) */
  booked_at: string | null;
  /** the latest photo taken after the answer (not confirmed yet), if any */
  rephotographed_at: string | null;
}

/**
 * Students whose latest answer is 'rejected' (有误) and who hold no active confirmation of another photo: they
 * need a make-up. `departments` restricts to a secretary's departments (undefined: all).
 */
export async function listRetakes(db: Tx, campaignId: string, departments?: readonly string[]): Promise<RetakeRow[]> {
  if (departments && departments.length === 0) return [];
  let q = db
    .selectFrom('registry_answers as a')
    .innerJoin('students as s', 's.id', 'a.student_id')
    .select([
      's.id as student_id',
      's.student_no',
      's.name',
      's.department',
      'a.created_at as answered_at',
      'a.photo_id',
      'a.import_id',
      (eb) =>
        eb
          .selectFrom('bookings as b')
          .select((e) => e.fn.max('b.created_at').as('at'))
          .whereRef('b.student_id', '=', 's.id')
          .where('b.status', '=', 'active')
          .whereRef('b.created_at', '>=', 'a.created_at')
          .as('booked_at'),
      (eb) =>
        eb
          .selectFrom('photos as p')
          .select((e) => e.fn.max('p.created_at').as('at'))
          .whereRef('p.student_id', '=', 's.id')
          .whereRef('p.id', '!=', 'a.photo_id')
          .whereRef('p.created_at', '>=', 'a.created_at')
          .as('rephotographed_at'),
    ])
    .where('a.campaign_id', '=', campaignId)
    .where('a.status', '=', 'rejected')
    .where('s.removed_at', 'is', null)
    // the latest answer of the student
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('registry_answers as later')
            .select('later.id')
            .whereRef('later.student_id', '=', 'a.student_id')
            .where((e) => e.or([e('later.created_at', '>', e.ref('a.created_at')), e.and([e('later.created_at', '=', e.ref('a.created_at')), e('later.id', '>', e.ref('a.id'))])])),
        ),
      ),
    )
    // no confirmed photo since
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('photo_confirmations as c')
            .select('c.id')
            .whereRef('c.student_id', '=', 'a.student_id')
            .where('c.voided_at', 'is', null)
            .whereRef('c.photo_id', '!=', 'a.photo_id'),
        ),
      ),
    );
  if (departments) q = q.where('s.department', 'in', [...departments]);
  const rows = await q.orderBy('s.department').orderBy('s.student_no').execute();
  return rows.map((r) => ({ ...r, booked_at: (r.booked_at as string | null) ?? null, rephotographed_at: (r.rephotographed_at as string | null) ?? null }));
}

/** The campaign's students with these numbers (removed ones included: the caller tells them apart). */
export async function listStudentsByNo(db: Tx, campaignId: string, studentNos: string[]): Promise<Map<string, { id: string; removed_at: string | null }>> {
  const out = new Map<string, { id: string; removed_at: string | null }>();
  for (let i = 0; i < studentNos.length; i += 500) {
    const rows = await db.selectFrom('students').select(['id', 'student_no', 'removed_at']).where('campaign_id', '=', campaignId).where('student_no', 'in', studentNos.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.student_no, { id: r.id, removed_at: r.removed_at });
  }
  return out;
}
