import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Sessions, bookings and the waitlist (issue #3). Seats are guarded by the database itself: a CHECK keeps
// `booked` within `capacity`, a conditional UPDATE takes a seat, and a partial unique index allows one
// active booking per student (PITFALLS F1–F5).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('site_settings')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('stations', 'integer', (c) => c.notNull())
    .addColumn('minutes_per_student', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('site_settings_pkey', ['campaign_id', 'site'])
    .execute();

  await db.schema
    .createTable('schedule_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('end_time', 'text', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('booked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('schedule_sessions_slot_key', ['campaign_id', 'site', 'date', 'start_time'])
    .addCheckConstraint('schedule_sessions_booked_within_capacity', sql`booked >= 0 and booked <= capacity`)
    .execute();

  await db.schema
    .createTable('bookings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('session_id', 'text', (c) => c.notNull().references('schedule_sessions.id'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('cancelled_at', 'text')
    .execute();
  await sql`create unique index bookings_one_active_per_student on bookings (student_id) where status = 'active'`.execute(db);
  await db.schema.createIndex('bookings_session_idx').on('bookings').columns(['session_id', 'status']).execute();

  await db.schema
    .createTable('waitlist_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('schedule_sessions.id'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('status', 'text', (c) => c.notNull()) // waiting | promoted | cancelled
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute();
  await sql`create unique index waitlist_one_waiting_per_session on waitlist_entries (session_id, student_id) where status = 'waiting'`.execute(db);

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['user_id', 'key'])
    .execute();

  // Messages to students (seat freed from the waitlist, session moved); sent by the mail job (issue #3).
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  void dialect;
}
