// One-time sign-in links (issue #3 part 6). Only a SHA-256 of each token is stored; using a link is a
// conditional UPDATE whose row count is checked, so a link works once (PITFALLS F15).
import type { Insertable } from 'kysely';
import type { DialectName, Tx } from '../db/database.js';
import type { SigninLinksTable } from '../db/schema.js';

export async function insertSigninLink(tx: Tx, row: Insertable<SigninLinksTable>): Promise<void> {
  await tx.insertInto('signin_links').values(row).execute();
}

/**
 * Locks the student's row (PostgreSQL; SQLite write transactions are serialised by BEGIN IMMEDIATE), so that
 * counting the recent links and inserting one are not interleaved with another request for the same student.
 */
export async function lockSigninStudent(tx: Tx, dialect: DialectName, studentId: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await tx.selectFrom('students').select('id').where('id', '=', studentId).forUpdate().execute();
}

export async function countRecentSigninLinks(db: Tx, studentId: string, since: string): Promise<number> {
  const r = await db
    .selectFrom('signin_links')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('student_id', '=', studentId)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Marks an unused, unexpired link used; returns its student, or undefined when it was not usable. */
export async function useSigninLink(tx: Tx, tokenHash: string, now: string): Promise<string | undefined> {
  const r = await tx
    .updateTable('signin_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return undefined;
  const row = await tx.selectFrom('signin_links').select('student_id').where('token_hash', '=', tokenHash).executeTakeFirst();
  return row?.student_id;
}

/** The student of an unused, unexpired link (a read: the link is spent only by useSigninLink). */
export async function findUsableSigninLinkStudent(db: Tx, tokenHash: string, now: string): Promise<string | undefined> {
  const row = await db.selectFrom('signin_links').select('student_id').where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  return row?.student_id;
}

/** Deletes links that expired before `before`; returns how many. */
export async function deleteOldSigninLinks(db: Tx, before: string): Promise<number> {
  const r = await db.deleteFrom('signin_links').where('expires_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export interface SigninStudentRow {
  id: string;
  student_no: string;
  name: string;
  email: string | null;
}

/** A current student of the campaign by student number, or by address when exactly one student has it. */
export async function findSigninStudent(db: Tx, campaignId: string, by: { studentNo?: string | undefined; email?: string | undefined }): Promise<SigninStudentRow | undefined> {
  let q = db.selectFrom('students').select(['id', 'student_no', 'name', 'email']).where('campaign_id', '=', campaignId).where('removed_at', 'is', null);
  if (by.studentNo) q = q.where('student_no', '=', by.studentNo);
  else if (by.email) q = q.where((eb) => eb(eb.fn('lower', ['email']), '=', by.email!.toLowerCase()));
  else return undefined;
  const rows = await q.limit(2).execute();
  return rows.length === 1 ? rows[0] : undefined;
}

export async function findStudentById(db: Tx, id: string): Promise<SigninStudentRow | undefined> {
  return db.selectFrom('students').select(['id', 'student_no', 'name', 'email']).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
}
