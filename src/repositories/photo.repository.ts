import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { PhotoBlobsTable, PhotoConfirmationsTable, PhotosTable, StudentsTable } from '../db/schema.js';

export type PhotoRow = Selectable<PhotosTable>;
export type PhotoBlobRow = Selectable<PhotoBlobsTable>;
export type PhotoConfirmationRow = Selectable<PhotoConfirmationsTable>;
export type PhotoStudentRow = Pick<Selectable<StudentsTable>, 'id' | 'campaign_id' | 'student_no' | 'department' | 'decision' | 'rule' | 'removed_at'>;

const STUDENT_COLUMNS = ['id', 'campaign_id', 'student_no', 'department', 'decision', 'rule', 'removed_at'] as const;

export async function findStudentByNo(db: Tx, campaignId: string, studentNo: string): Promise<PhotoStudentRow | undefined> {
  return db.selectFrom('students').select(STUDENT_COLUMNS).where('campaign_id', '=', campaignId).where('student_no', '=', studentNo).executeTakeFirst();
}

export async function findStudentById(db: Tx, id: string): Promise<PhotoStudentRow | undefined> {
  return db.selectFrom('students').select(STUDENT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function findPhoto(db: Tx, id: string): Promise<PhotoRow | undefined> {
  return db.selectFrom('photos').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPhotoBySha256(db: Tx, studentId: string, sha256: string): Promise<PhotoRow | undefined> {
  return db.selectFrom('photos').selectAll().where('student_id', '=', studentId).where('sha256', '=', sha256).executeTakeFirst();
}

export async function listPhotosOfStudent(db: Tx, studentId: string): Promise<PhotoRow[]> {
  return db.selectFrom('photos').selectAll().where('student_id', '=', studentId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** Inserts a photo unless the same bytes are already stored for the student (PITFALLS F7): true when inserted. */
export async function insertPhotoUnlessDuplicate(tx: Tx, row: Insertable<PhotosTable>): Promise<boolean> {
  const r = await tx
    .insertInto('photos')
    .values(row)
    .onConflict((oc) => oc.columns(['student_id', 'sha256']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function insertPhotoBlobs(tx: Tx, rows: Insertable<PhotoBlobsTable>[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('photo_blobs').values(rows).execute();
}

export async function findPhotoBlob(db: Tx, photoId: string, kind: 'original' | 'standard'): Promise<PhotoBlobRow | undefined> {
  return db.selectFrom('photo_blobs').selectAll().where('photo_id', '=', photoId).where('kind', '=', kind).executeTakeFirst();
}

/** Which of these blob ids have a row (the others are orphans). */
export async function listKnownBlobIds(db: Tx, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('photo_blobs').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

/** Blob ids in id order after `after` (`blobs migrate` walks every row's blob in pages). */
export async function listBlobIdsAfter(db: Tx, after: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('photo_blobs').select('id').where('id', '>', after).orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}

export async function listBlobsNotWrappedBy(db: Tx, version: number, limit: number): Promise<PhotoBlobRow[]> {
  return db.selectFrom('photo_blobs').selectAll().where('kek_version', '<>', version).orderBy('id').limit(limit).execute();
}

/** Compare-and-swap: re-wraps a key only if it is still wrapped by the version read (true when updated). */
export async function updateWrappedKey(tx: Tx, id: string, from: { wrappedKey: string; kekVersion: number }, to: { wrappedKey: string; kekVersion: number }): Promise<boolean> {
  const r = await tx
    .updateTable('photo_blobs')
    .set({ wrapped_key: to.wrappedKey, kek_version: to.kekVersion })
    .where('id', '=', id)
    .where('kek_version', '=', from.kekVersion)
    .where('wrapped_key', '=', from.wrappedKey)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function countBlobsByKekVersion(db: Tx): Promise<Map<number, number>> {
  const rows = await db.selectFrom('photo_blobs').select(['kek_version', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('kek_version').execute();
  return new Map(rows.map((r) => [r.kek_version, Number(r.n)]));
}

export async function listAllBlobs(db: Tx): Promise<PhotoBlobRow[]> {
  return db.selectFrom('photo_blobs').selectAll().orderBy('id').execute();
}

// ───────────────────────────── confirmations ─────────────────────────────

export async function findActiveConfirmationOfStudent(db: Tx, studentId: string): Promise<PhotoConfirmationRow | undefined> {
  return db.selectFrom('photo_confirmations').selectAll().where('student_id', '=', studentId).where('voided_at', 'is', null).executeTakeFirst();
}

/** Whether this shot's confirmation was voided once (an admin's void, or the registry's 有误): it never counts again. */
export async function hasVoidedConfirmation(db: Tx, photoId: string): Promise<boolean> {
  const row = await db.selectFrom('photo_confirmations').select('id').where('photo_id', '=', photoId).where('voided_at', 'is not', null).executeTakeFirst();
  return row !== undefined;
}

/** The photos among these that hold a confirmation that is not voided. */
export async function listConfirmedPhotoIds(db: Tx, photoIds: string[]): Promise<Set<string>> {
  if (photoIds.length === 0) return new Set();
  const rows = await db.selectFrom('photo_confirmations').select('photo_id').where('photo_id', 'in', photoIds).where('voided_at', 'is', null).execute();
  return new Set(rows.map((r) => r.photo_id));
}

/** A confirmation with the names of who confirmed and who voided it (the accounts, not the student's name). */
export interface ConfirmationWithNamesRow extends PhotoConfirmationRow {
  confirmed_by_name: string | null;
  confirmed_by_role: string | null;
  voided_by_name: string | null;
}

/** Every confirmation of these photos, active and voided (a voided one keeps its record), oldest first. */
export async function listConfirmationsOfPhotos(db: Tx, photoIds: string[]): Promise<ConfirmationWithNamesRow[]> {
  if (photoIds.length === 0) return [];
  return db
    .selectFrom('photo_confirmations as c')
    .leftJoin('users as cu', 'cu.id', 'c.confirmed_by')
    .leftJoin('users as vu', 'vu.id', 'c.voided_by')
    .selectAll('c')
    .select(['cu.username as confirmed_by_name', 'cu.role as confirmed_by_role', 'vu.username as voided_by_name'])
    .where('c.photo_id', 'in', photoIds)
    .orderBy('c.confirmed_at')
    .orderBy('c.id')
    .execute();
}

/**
 * Whether the student checked in on this day with their collection code (C1): a queue ticket of the day
 * exists (check-in takes the code bound to the student) and the student holds a bound code.
 */
export async function checkedInWithCodeOn(db: Tx, campaignId: string, studentId: string, date: string): Promise<boolean> {
  // one after the other: inside a transaction both run on its one connection
  const ticket = await db.selectFrom('queue_tickets').select('id').where('campaign_id', '=', campaignId).where('student_id', '=', studentId).where('date', '=', date).limit(1).executeTakeFirst();
  if (!ticket) return false;
  const code = await db.selectFrom('collection_codes').select('student_id').where('campaign_id', '=', campaignId).where('student_id', '=', studentId).executeTakeFirst();
  return code !== undefined;
}

/** Inserts a confirmation unless the student holds one already (partial unique index): true when inserted. */
export async function insertConfirmationUnlessConfirmed(tx: Tx, row: Insertable<PhotoConfirmationsTable>): Promise<boolean> {
  const r = await tx
    .insertInto('photo_confirmations')
    .values(row)
    .onConflict((oc) => oc.column('student_id').where('voided_at', 'is', null).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function voidConfirmation(tx: Tx, id: string, by: string | null, reason: string, at: string): Promise<boolean> {
  const r = await tx
    .updateTable('photo_confirmations')
    .set({ voided_at: at, voided_by: by, void_reason: reason })
    .where('id', '=', id)
    .where('voided_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ───────────────────────────── E7 ─────────────────────────────

export interface ConfirmedPhotoDecisionRow {
  photo_id: string;
  student_id: string;
  invalid_reason: string | null;
  decision: string;
  rule: string | null;
  removed_at: string | null;
}

/** Every confirmed (not voided) photo of a campaign with its student's current decision. */
export async function listConfirmedPhotosWithDecisions(db: Tx, campaignId: string): Promise<ConfirmedPhotoDecisionRow[]> {
  return db
    .selectFrom('photo_confirmations as c')
    .innerJoin('photos as p', 'p.id', 'c.photo_id')
    .innerJoin('students as s', 's.id', 'c.student_id')
    .select(['p.id as photo_id', 'c.student_id', 'p.invalid_reason', 's.decision', 's.rule', 's.removed_at'])
    .where('c.voided_at', 'is', null)
    .where('p.campaign_id', '=', campaignId)
    .execute();
}

export async function setPhotoInvalid(tx: Tx, photoId: string, reason: string | null, at: string | null): Promise<void> {
  await tx.updateTable('photos').set({ invalid_reason: reason, invalid_at: at }).where('id', '=', photoId).execute();
}

/** For tests and diagnostics: rows per table. */
export async function countPhotoRows(db: Tx): Promise<{ photos: number; blobs: number }> {
  const [p, b] = await Promise.all([
    db.selectFrom('photos').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('photo_blobs').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { photos: Number(p.n), blobs: Number(b.n) };
}
