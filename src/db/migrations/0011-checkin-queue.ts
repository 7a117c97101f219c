import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Check-in with the collection code and the queue (issue 9 sections 1 and 2; rules C1, C4;
// docs/decisions/0019-collection-code.md). The database keeps the invariants, not a read-then-write:
// - one code belongs to one student: the primary key (campaign_id, code_hmac); a student presents one code:
//   UNIQUE (campaign_id, student_id). Only HMAC-SHA-256 of the code (key derived from the master key, never
//   stored here) and its last 4 characters are kept;
// - tickets are numbered per site and day: UNIQUE (campaign_id, site, date, seq), the number taken from a
//   counter row updated in the check-in's transaction (queue_counters);
// - a student holds at most one ticket in a queue (waiting or called) per day: a partial unique index.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('collection_codes')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('code_hmac', 'text', (c) => c.notNull())
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('collection_codes_pkey', ['campaign_id', 'code_hmac'])
    .addUniqueConstraint('collection_codes_one_per_student', ['campaign_id', 'student_id'])
    .execute();

  await db.schema
    .createTable('queue_counters')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .addColumn('last_order', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('queue_counters_pkey', ['campaign_id', 'site', 'date'])
    .execute();

  await db.schema
    .createTable('queue_tickets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull()) // YYYY-MM-DD in the campaign's time zone
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull()) // B-037
    .addColumn('queue_order', 'integer', (c) => c.notNull()) // the place in the queue; a skip moves it to the back
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('skips', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('recalls', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('station_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('called_at', 'text')
    .addColumn('served_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('queue_tickets_status', sql`status in ('waiting', 'called', 'served', 'removed')`)
    .addUniqueConstraint('queue_tickets_number_per_site_day', ['campaign_id', 'site', 'date', 'seq'])
    .execute();
  await sql`create unique index queue_tickets_one_active_per_student on queue_tickets (campaign_id, date, student_id) where status in ('waiting', 'called')`.execute(db);
  await db.schema.createIndex('queue_tickets_queue_idx').on('queue_tickets').columns(['campaign_id', 'site', 'date', 'status', 'queue_order']).execute();
  await db.schema.createIndex('queue_tickets_served_idx').on('queue_tickets').columns(['campaign_id', 'site', 'served_at']).execute();
}
