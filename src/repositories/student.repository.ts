import type { Insertable, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { DialectName, Tx } from '../db/database.js';
import type { StudentsTable } from '../db/schema.js';
import type { EligibilityFacts } from '../domain/eligibility.js';

export type StudentRow = Selectable<StudentsTable>;

/** The stored facts of a student that eligibility and site depend on (rules E1–E6, S4). */
export function eligibilityFactsOf(row: StudentRow): EligibilityFacts {
  return {
    department: row.department,
    certificate: row.certificate as EligibilityFacts['certificate'],
    expectedTerm: row.expected_term,
    finish: row.finish as EligibilityFacts['finish'],
    studyCity: row.study_city as EligibilityFacts['studyCity'],
    priorCaptureTerm: row.prior_capture_term,
    deferredTo: row.deferred_to,
    convertingFromCompletion: row.converting_from_completion === 1,
  };
}
export type NewStudentRow = Insertable<StudentsTable>;

/**
 * Serialises one student's changes — bookings (F5), uploads, confirmations and voids of photos (C3) —
 * with a row lock on the student (PostgreSQL; SQLite write transactions are serialised already). After
 * it, what the transaction reads about the student's booking or confirmation is the committed state.
 */
export async function lockStudent(tx: Tx, dialect: DialectName, studentId: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await tx.selectFrom('students').select('id').where('id', '=', studentId).forUpdate().execute();
}

/** Every student of a campaign, removed ones included (a re-import can bring them back). */
export async function listCampaignStudentRows(db: Tx, campaignId: string): Promise<StudentRow[]> {
  return db.selectFrom('students').selectAll().where('campaign_id', '=', campaignId).execute();
}

// SQLite allows 32,766 bound parameters per statement; 26 columns × 500 rows stays well below.
export const INSERT_BATCH = 500;

export async function insertStudents(tx: Tx, rows: NewStudentRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    await tx.insertInto('students').values(rows.slice(i, i + INSERT_BATCH)).execute();
  }
}

export async function updateStudent(tx: Tx, id: string, patch: Updateable<StudentsTable>): Promise<void> {
  await tx.updateTable('students').set(patch).where('id', '=', id).execute();
}

export async function markStudentsRemoved(tx: Tx, ids: string[], now: string): Promise<void> {
  for (let i = 0; i < ids.length; i += INSERT_BATCH) {
    await tx
      .updateTable('students')
      .set({ removed_at: now, updated_at: now })
      .where('id', 'in', ids.slice(i, i + INSERT_BATCH))
      .execute();
  }
}

export interface StudentListFilter {
  campaignId: string;
  departments?: string[] | undefined; // scope: undefined = all
  studentNo?: string | undefined; // scope: only this student
  department?: string | undefined;
  decision?: string | undefined;
  rule?: string | undefined;
  site?: string | undefined;
  q?: string | undefined;
  /** false: `q` matches student numbers only (the agency must not confirm a full name by searching it) */
  searchNames?: boolean;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function listStudents(db: Tx, f: StudentListFilter, page: number, pageSize: number): Promise<{ rows: StudentRow[]; total: number }> {
  let q = db.selectFrom('students').where('campaign_id', '=', f.campaignId).where('removed_at', 'is', null);
  if (f.departments) q = f.departments.length ? q.where('department', 'in', f.departments) : q.where(({ lit }) => lit(false));
  if (f.studentNo !== undefined) q = q.where('student_no', '=', f.studentNo);
  if (f.department) q = q.where('department', '=', f.department);
  if (f.decision) q = q.where('decision', '=', f.decision);
  if (f.rule) q = q.where('rule', '=', f.rule);
  if (f.site) q = q.where('site', '=', f.site);
  if (f.q) {
    const like = `%${escapeLike(f.q.toLowerCase())}%`;
    // ESCAPE is explicit: SQLite's LIKE has no escape character by default (PostgreSQL's is the backslash).
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not; both now behave alike.
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`lower(${eb.ref('student_no')}) like ${like} escape '\\'`,
        ...(f.searchNames === false ? [] : [sql<boolean>`lower(${eb.ref('name')}) like ${like} escape '\\'`]),
      ]),
    );
  }
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .selectAll()
    .orderBy('department')
    .orderBy('student_no')
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .execute();
  return { rows, total: Number(total.n) };
}

/** All matching rows, in pages, for exports. */
export async function* iterateStudents(db: Tx, f: StudentListFilter, pageSize = 2000): AsyncGenerator<StudentRow> {
  for (let page = 1; ; page++) {
    const { rows } = await listStudents(db, f, page, pageSize);
    yield* rows;
    if (rows.length < pageSize) return;
  }
}

export async function findStudentById(db: Tx, id: string): Promise<StudentRow | undefined> {
  return db.selectFrom('students').selectAll().where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
}

export async function countStudentsByDepartmentAndDecision(
  db: Tx,
  campaignId: string,
  departments?: string[],
): Promise<{ department: string; decision: string; rule: string | null; n: number }[]> {
  let q = db.selectFrom('students').where('campaign_id', '=', campaignId).where('removed_at', 'is', null);
  if (departments) q = departments.length ? q.where('department', 'in', departments) : q.where(({ lit }) => lit(false));
  const rows = await q
    .select(['department', 'decision', 'rule', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['department', 'decision', 'rule'])
    .execute();
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}
