import type { Kysely } from 'kysely';

// Capture stations (issue #4 parts 1 and 5): who is being photographed at each station right now. A row is
// created the first time an operator names a student for a station; `current_student_id` is null between
// students. The hot-folder agent and the review screen both read it, so a camera file lands on the student
// the operator chose, never on one guessed from a file name (no student number in file names, A3).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('current_student_id', 'text', (c) => c.references('students.id'))
    .addColumn('updated_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
