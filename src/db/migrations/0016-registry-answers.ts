import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// The registry's answer to the packages (issue 10 section 1, rule A1; docs/decisions/0024-registry-answer.md).
// - registry_answer_imports: one imported answer file (CSV/XLSX): who, when, the file's SHA-256 and counts.
// - registry_answers: one row per answered exported photo. photo_id is unique: the registry answers once about a
//   photo it received; a later photo of the same student (after a 有误 and a make-up) gets its own row.
//   A photo is "accepted by the registry" iff its row has status 'accepted'. A 'rejected' (有误) row voids the
//   student's confirmation of that photo in the same transaction (voided_confirmation_id).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('registry_answer_imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('file_sha256', 'text', (c) => c.notNull())
    .addColumn('row_count', 'integer', (c) => c.notNull())
    .addColumn('accepted_count', 'integer', (c) => c.notNull())
    .addColumn('rejected_count', 'integer', (c) => c.notNull())
    .addColumn('known_count', 'integer', (c) => c.notNull())
    .addColumn('voided_count', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('registry_answer_imports_campaign_idx').on('registry_answer_imports').columns(['campaign_id', 'created_at']).execute();

  await db.schema
    .createTable('registry_answers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('import_id', 'text', (c) => c.notNull().references('registry_answer_imports.id'))
    .addColumn('student_id', 'text', (c) => c.notNull())
    .addColumn('photo_id', 'text', (c) => c.notNull().references('photos.id'))
    .addColumn('export_id', 'text', (c) => c.notNull().references('registry_exports.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('voided_confirmation_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('registry_answers_status', sql`status in ('accepted', 'rejected')`)
    .execute();
  await db.schema.createIndex('registry_answers_photo_once').on('registry_answers').column('photo_id').unique().execute();
  await db.schema.createIndex('registry_answers_student_idx').on('registry_answers').columns(['campaign_id', 'student_id', 'created_at']).execute();
}
