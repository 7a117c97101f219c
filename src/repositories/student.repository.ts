import type { Insertable, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { DialectName, Tx } from '../db/database.js';
import type { StudentsTable } from '../db/schema.js';
import type { EligibilityFacts } from '../domain/eligibility.js';
import type { ProgressFact, ProgressFacts, ProgressState } from '../domain/progress.js';
import { progressCondition } from '../domain/progress.js';

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
  /** a progress state (domain/progress.ts), or `no-show`: booked, the session over, not come */
  progress?: ProgressState | 'no-show' | undefined;
  paid?: boolean | undefined;
  /** the campaign's wall clock now: tickets count up to today; a session is over after its end */
  asOf?: { date: string; time: string } | undefined;
}

/** The progress facts of a listed student (domain/progress.ts), read by joins and aggregates beside its row. */
export interface StudentProgressColumns {
  p_booking_id: string | null;
  p_session_date: string | null;
  p_session_end: string | null;
  p_session_site: string | null;
  p_ticket_date: string | null;
  p_photo_student: string | null;
  p_confirmation_id: string | null;
  p_payment_id: string | null;
}
export type StudentListRow = StudentRow & StudentProgressColumns;

/** The facts of domain/progress.ts from a listed row. */
export function progressFactsOf(row: StudentProgressColumns): ProgressFacts {
  return {
    booked: row.p_booking_id !== null,
    checkedIn: row.p_ticket_date !== null,
    photographed: row.p_photo_student !== null,
    confirmed: row.p_confirmation_id !== null,
    paid: row.p_payment_id !== null,
  };
}

/** The column each fact is read from (null: the fact does not hold). */
const FACT_COLUMN = {
  booked: 'pb.id',
  checkedIn: 'pt.student_id',
  photographed: 'pp.student_id',
  confirmed: 'pc.id',
} as const satisfies Record<ProgressFact, string>;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Students of a campaign with their progress facts: one left join per source, each source read once for the
 * whole campaign (bookings, sessions, tickets up to today grouped per student, accepted photos grouped per
 * student, active confirmations, payments that count). Active bookings, confirmations and counting payments
 * are unique per student (partial unique indexes), so no row is repeated.
 */
function studentsWithProgress(db: Tx, campaignId: string, asOf: StudentListFilter['asOf']) {
  return db
    .selectFrom('students')
    .leftJoin('bookings as pb', (j) => j.onRef('pb.student_id', '=', 'students.id').on('pb.status', '=', 'active'))
    .leftJoin('schedule_sessions as ps', 'ps.id', 'pb.session_id')
    .leftJoin(
      (eb) => {
        let t = eb.selectFrom('queue_tickets').select(['queue_tickets.student_id', (e) => e.fn.min('queue_tickets.date').as('first_date')]).where('queue_tickets.campaign_id', '=', campaignId);
        if (asOf) t = t.where('queue_tickets.date', '<=', asOf.date);
        return t.groupBy('queue_tickets.student_id').as('pt');
      },
      (j) => j.onRef('pt.student_id', '=', 'students.id'),
    )
    .leftJoin(
      (eb) => eb.selectFrom('photos').select('photos.student_id').where('photos.campaign_id', '=', campaignId).where('photos.accepted', '=', 1).groupBy('photos.student_id').as('pp'),
      (j) => j.onRef('pp.student_id', '=', 'students.id'),
    )
    .leftJoin('photo_confirmations as pc', (j) => j.onRef('pc.student_id', '=', 'students.id').on('pc.voided_at', 'is', null))
    .leftJoin('payments as pm', (j) => j.onRef('pm.student_id', '=', 'students.id').on('pm.campaign_id', '=', campaignId).on('pm.duplicate_of', 'is', null))
    .where('students.campaign_id', '=', campaignId)
    .where('students.removed_at', 'is', null);
}

/** The students a filter selects by their own columns (scope, department, decision, rule, site, search). */
function plainStudents(db: Tx, f: StudentListFilter) {
  let q = db.selectFrom('students').where('students.campaign_id', '=', f.campaignId).where('students.removed_at', 'is', null);
  if (f.departments) q = f.departments.length ? q.where('students.department', 'in', f.departments) : q.where(({ lit }) => lit(false));
  if (f.studentNo !== undefined) q = q.where('students.student_no', '=', f.studentNo);
  if (f.department) q = q.where('students.department', '=', f.department);
  if (f.decision) q = q.where('students.decision', '=', f.decision);
  if (f.rule) q = q.where('students.rule', '=', f.rule);
  if (f.site) q = q.where('students.site', '=', f.site);
  if (f.progress) q = q.where('students.decision', '=', 'required'); // only required students have a state
  if (f.q) {
    const like = `%${escapeLike(f.q.toLowerCase())}%`;
    // ESCAPE is explicit: SQLite's LIKE has no escape character by default (PostgreSQL's is the backslash).
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not; both now behave alike.
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`lower(${eb.ref('students.student_no')}) like ${like} escape '\\'`,
        ...(f.searchNames === false ? [] : [sql<boolean>`lower(${eb.ref('students.name')}) like ${like} escape '\\'`]),
      ]),
    );
  }
  return q;
}

/** The students of a filter on progress or payment: the facts joined, the ladder's conditions applied. */
function progressFilteredStudents(db: Tx, f: StudentListFilter) {
  let q = studentsWithProgress(db, f.campaignId, f.asOf).where('students.id', 'in', plainStudents(db, f).select('students.id'));
  if (f.progress) {
    // the ladder (domain/progress.ts) says which facts hold and which not
    const { holds, absent } = progressCondition(f.progress === 'no-show' ? 'booked' : f.progress);
    if (holds) q = q.where(FACT_COLUMN[holds], 'is not', null);
    for (const fact of absent) q = q.where(FACT_COLUMN[fact], 'is', null);
    if (f.progress === 'no-show') {
      const now = f.asOf ?? { date: '9999-12-31', time: '00:00' };
      q = q.where((eb) => eb.or([eb('ps.date', '<', now.date), eb.and([eb('ps.date', '=', now.date), eb('ps.end_time', '<=', now.time)])]));
    }
  }
  if (f.paid !== undefined) q = q.where('pm.id', f.paid ? 'is not' : 'is', null);
  return q;
}

const NO_FACTS: StudentProgressColumns = {
  p_booking_id: null,
  p_session_date: null,
  p_session_end: null,
  p_session_site: null,
  p_ticket_date: null,
  p_photo_student: null,
  p_confirmation_id: null,
  p_payment_id: null,
};

export async function listStudents(db: Tx, f: StudentListFilter, page: number, pageSize: number): Promise<{ rows: StudentListRow[]; total: number }> {
  if (f.progress || f.paid !== undefined) {
    const q = progressFilteredStudents(db, f);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll('students')
      .select(PROGRESS_COLUMNS)
      .orderBy('students.department')
      .orderBy('students.student_no')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { rows: rows as StudentListRow[], total: Number(total.n) };
  }
  // No filter on the facts: the page of students first, then the facts of that page in one query (not one per student).
  const q = plainStudents(db, f);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const students = await q.selectAll('students').orderBy('students.department').orderBy('students.student_no').limit(pageSize).offset((page - 1) * pageSize).execute();
  const facts = new Map<string, StudentProgressColumns>();
  if (students.length > 0) {
    const rows = await studentsWithProgress(db, f.campaignId, f.asOf)
      .where('students.id', 'in', students.map((s) => s.id))
      .select(['students.id as p_student_id', ...PROGRESS_COLUMNS])
      .execute();
    for (const r of rows) facts.set(r.p_student_id, r as StudentProgressColumns);
  }
  return { rows: students.map((s) => ({ ...s, ...(facts.get(s.id) ?? NO_FACTS) })), total: Number(total.n) };
}

const PROGRESS_COLUMNS = [
  'pb.id as p_booking_id',
  'ps.date as p_session_date',
  'ps.end_time as p_session_end',
  'ps.site as p_session_site',
  'pt.first_date as p_ticket_date',
  'pp.student_id as p_photo_student',
  'pc.id as p_confirmation_id',
  'pm.id as p_payment_id',
] as const;

/** One student's progress facts (the student page). */
export async function findProgressColumns(db: Tx, campaignId: string, studentId: string, asOf: { date: string; time: string }): Promise<StudentProgressColumns | undefined> {
  const row = await studentsWithProgress(db, campaignId, asOf).select(PROGRESS_COLUMNS).where('students.id', '=', studentId).executeTakeFirst();
  return row as StudentProgressColumns | undefined;
}

/** All matching rows, in pages, for exports. */
export async function* iterateStudents(db: Tx, f: StudentListFilter, pageSize = 2000): AsyncGenerator<StudentListRow> {
  for (let page = 1; ; page++) {
    const { rows } = await listStudents(db, f, page, pageSize);
    yield* rows;
    if (rows.length < pageSize) return;
  }
}

export interface ProgressGroupRow {
  department: string;
  site: string;
  /** the day of the booking's session; else the day of the first ticket (a walk-in); else null */
  day: string | null;
  booked: boolean;
  checkedIn: boolean;
  photographed: boolean;
  confirmed: boolean;
  paid: boolean;
  n: number;
}

/**
 * The required students counted per department, day and combination of facts, in one grouped query (a few
 * hundred groups for thousands of students); domain/progress.ts turns the facts into states and counts.
 */
export async function countRequiredByProgress(db: Tx, f: { campaignId: string; departments?: string[] | undefined; department?: string | undefined; site?: string | undefined; asOf: { date: string } }): Promise<ProgressGroupRow[]> {
  let q = studentsWithProgress(db, f.campaignId, { date: f.asOf.date, time: '00:00' }).where('students.decision', '=', 'required');
  if (f.departments) q = f.departments.length ? q.where('students.department', 'in', f.departments) : q.where(({ lit }) => lit(false));
  if (f.department) q = q.where('students.department', '=', f.department);
  if (f.site) q = q.where('students.site', '=', f.site);
  const flag = (column: string) => sql<number>`case when ${sql.ref(column)} is null then 0 else 1 end`;
  const day = sql<string | null>`coalesce(${sql.ref('ps.date')}, ${sql.ref('pt.first_date')})`;
  const rows = await q
    .select([
      'students.department as department',
      'students.site as site',
      day.as('day'),
      flag(FACT_COLUMN.booked).as('f_booked'),
      flag(FACT_COLUMN.checkedIn).as('f_checked_in'),
      flag(FACT_COLUMN.photographed).as('f_photographed'),
      flag(FACT_COLUMN.confirmed).as('f_confirmed'),
      flag('pm.id').as('f_paid'),
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .groupBy(['students.department', 'students.site', day, flag(FACT_COLUMN.booked), flag(FACT_COLUMN.checkedIn), flag(FACT_COLUMN.photographed), flag(FACT_COLUMN.confirmed), flag('pm.id')])
    .execute();
  return rows.map((r) => ({
    department: r.department,
    site: r.site,
    day: r.day ?? null,
    booked: Number(r.f_booked) === 1,
    checkedIn: Number(r.f_checked_in) === 1,
    photographed: Number(r.f_photographed) === 1,
    confirmed: Number(r.f_confirmed) === 1,
    paid: Number(r.f_paid) === 1,
    n: Number(r.n),
  }));
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

// ───────────────────────────── reminders a secretary sends (progress.service) ─────────────────────────────

export interface ReminderHistory {
  /** students mailed a reminder (any `reminder.*` job not failed) at or after `since` */
  recent: Set<string>;
  /** the newest `reminder.progress` job per student: the next one's dedupe key names it, so two presses at once insert one */
  lastProgressJob: Map<string, string>;
}

/** What the jobs table knows of the reminders of these students, a batch of ids per query. */
export async function readReminderHistory(db: Tx, studentIds: string[], since: string): Promise<ReminderHistory> {
  const history: ReminderHistory = { recent: new Set(), lastProgressJob: new Map() };
  for (let i = 0; i < studentIds.length; i += INSERT_BATCH) {
    const rows = await db
      .selectFrom('jobs')
      .select(['id', 'student_id', 'kind', 'state', 'created_at'])
      .where('student_id', 'in', studentIds.slice(i, i + INSERT_BATCH))
      .where('kind', 'like', 'reminder.%')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const r of rows) {
      if (!r.student_id) continue;
      if (r.created_at >= since && r.state !== 'failed' && r.state !== 'dead') history.recent.add(r.student_id);
      if (r.kind === 'reminder.progress') history.lastProgressJob.set(r.student_id, r.id);
    }
  }
  return history;
}
