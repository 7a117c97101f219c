import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Photos (issue #4): several shots per student, one confirmed (C3), each stored as encrypted blobs.
// - photos: one row per distinct upload; the same bytes twice for one student are one row (unique
//   student_id + sha256, PITFALLS F7). `id` is random and opaque: no student number in any URL (A3).
// - photo_blobs: one row per blob file (the camera original, the standard 480×640 JPEG). Each blob has
//   its own AES-256-GCM data key, stored here wrapped by the campaign key of `kek_version`.
// - photo_confirmations: a student's confirmation of one shot; at most one that is not voided per
//   student (partial unique index), so two confirmations cannot both win a race.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('photos')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('station', 'text')
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('accepted', 'integer', (c) => c.notNull())
    .addColumn('invalid_reason', 'text')
    .addColumn('invalid_at', 'text')
    .addColumn('uploaded_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('photos_student_sha256_key', ['student_id', 'sha256'])
    .execute();
  await db.schema.createIndex('photos_student_idx').on('photos').columns(['student_id', 'created_at']).execute();

  await db.schema
    .createTable('photo_blobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('photo_id', 'text', (c) => c.notNull().references('photos.id'))
    .addColumn('kind', 'text', (c) => c.notNull()) // original | standard
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('kek_version', 'integer', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('photo_blobs_photo_kind_key', ['photo_id', 'kind'])
    .execute();
  await db.schema.createIndex('photo_blobs_kek_version_idx').on('photo_blobs').column('kek_version').execute();

  await db.schema
    .createTable('photo_confirmations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('photo_id', 'text', (c) => c.notNull().references('photos.id'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('confirmed_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_by', 'text')
    .addColumn('voided_at', 'text')
    .addColumn('voided_by', 'text')
    .addColumn('void_reason', 'text')
    .execute();
  await sql`create unique index photo_confirmations_one_per_student on photo_confirmations (student_id) where voided_at is null`.execute(db);
  await db.schema.createIndex('photo_confirmations_photo_idx').on('photo_confirmations').column('photo_id').execute();
  void dialect;
}
