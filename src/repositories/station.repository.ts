// Capture stations (issue #4): one row per station, created on first use, naming its current student.
import type { Selectable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { StationsTable, StudentsTable } from '../db/schema.js';

export type StationRow = Selectable<StationsTable>;
export type StationStudentRow = Pick<Selectable<StudentsTable>, 'id' | 'student_no' | 'name' | 'department' | 'decision'>;

const STUDENT_COLUMNS = ['id', 'student_no', 'name', 'department', 'decision'] as const;

export async function findStation(db: Tx, id: string): Promise<StationRow | undefined> {
  return db.selectFrom('stations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A student of the campaign's current roster, by student number (removed students are not found). */
export async function findStationStudentByNo(db: Tx, campaignId: string, studentNo: string): Promise<StationStudentRow | undefined> {
  return db
    .selectFrom('students')
    .select(STUDENT_COLUMNS)
    .where('campaign_id', '=', campaignId)
    .where('student_no', '=', studentNo)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

/** The student a station names, even one removed from the roster since (the screen says who it was). */
export async function findStationStudentById(db: Tx, id: string): Promise<StationStudentRow | undefined> {
  return db.selectFrom('students').select(STUDENT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** Creates the station on first use, or names its current student (null: nobody). */
export async function upsertStationStudent(tx: Tx, input: { id: string; studentId: string | null; by: string | null; at: string }): Promise<void> {
  await tx
    .insertInto('stations')
    .values({ id: input.id, current_student_id: input.studentId, updated_by: input.by, created_at: input.at, updated_at: input.at })
    .onConflict((oc) => oc.column('id').doUpdateSet({ current_student_id: input.studentId, updated_by: input.by, updated_at: input.at }))
    .execute();
}
