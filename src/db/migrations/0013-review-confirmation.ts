import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// The student confirms their own photo (issue 9 section 4, rule C3; docs/decisions/0022-student-confirmation.md).
// - station_reviews: the shot a station asks its student to confirm (one row per station at most; none when
//   idle). `status` is 'awaiting', or 'retake' when the student pressed 重拍 on the review screen or /my.
// - review_pairings: a short-lived one-time code an operator shows to pair a review screen with a station;
//   only its SHA-256 is stored; `failed_attempts` counts wrong codes tried against the station while it was open.
// - review_devices: a paired review screen; only the SHA-256 of its cookie token is stored; it expires at the
//   end of the day (campaign time) and can be revoked.
// - photo_confirmations gains who / where / how: the method (student_review_screen, student_my_page,
//   operator_in_presence), the station, the paired device, and whether the student checked in today with
//   their bound collection code (code_match). Rows written before keep null (method unknown).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('station_reviews')
    .addColumn('station_id', 'text', (c) => c.primaryKey())
    .addColumn('photo_id', 'text', (c) => c.notNull().references('photos.id'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('station_reviews_status', sql`status in ('awaiting', 'retake')`)
    .execute();
  await db.schema.createIndex('station_reviews_photo_idx').on('station_reviews').column('photo_id').execute();
  await db.schema.createIndex('station_reviews_student_idx').on('station_reviews').column('student_id').execute();

  await db.schema
    .createTable('review_pairings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('station_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('review_pairings_station_idx').on('review_pairings').columns(['station_id', 'expires_at']).execute();

  await db.schema
    .createTable('review_devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('station_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('pairing_id', 'text', (c) => c.notNull().references('review_pairings.id'))
    .addColumn('paired_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .addColumn('last_seen_at', 'text')
    .execute();
  await db.schema.createIndex('review_devices_station_idx').on('review_devices').columns(['station_id', 'expires_at']).execute();

  await db.schema.alterTable('photo_confirmations').addColumn('method', 'text').execute();
  await db.schema.alterTable('photo_confirmations').addColumn('station_id', 'text').execute();
  await db.schema.alterTable('photo_confirmations').addColumn('device_id', 'text').execute();
  await db.schema.alterTable('photo_confirmations').addColumn('code_match', 'integer').execute();
}
