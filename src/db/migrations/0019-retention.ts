import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Retention and deletion (issue 10 section 5, rule A3; docs/decisions/0027-retention.md).
// - retention_policies: one row per campaign, created with safe defaults on first read (camera originals 30 days
//   after the confirmation, standard photos 30 days after the registry accepted them and the prints were handed over).
// - retention_runs: one purge (the CLI, the scheduler, the page, or a campaign's close). At most one run of a campaign
//   is 'running' at a time (partial unique index): a second run, in this process or another, is refused; a run whose
//   lease ran out (its process died) is marked 'abandoned' by the next one.
// - shredded_blobs: what crypto-shredding deleted. The blob's photo_blobs row (holding its wrapped data key) is
//   deleted in the run's committed transaction and this row written in its place: which photo, which kind, its size,
//   when; file_removed_at is set once the encrypted file is gone too (a run killed in between leaves it null: the
//   next run removes the file). No personal data.
// - campaign_closures: a closed campaign (no more bookings, check-ins, uploads) with its closing report (JSON,
//   counts only). The primary key makes closing twice impossible.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('retention_policies')
    .addColumn('campaign_id', 'text', (c) => c.primaryKey().references('campaigns.id'))
    .addColumn('originals_days', 'integer', (c) => c.notNull())
    .addColumn('standard_days', 'integer', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('retention_policies_originals_days', sql`originals_days between 0 and 3650`)
    .addCheckConstraint('retention_policies_standard_days', sql`standard_days between 0 and 3650`)
    .execute();

  await db.schema
    .createTable('retention_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text', (c) => c.notNull())
    .addColumn('originals', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('standards', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('photos', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('files_removed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('schedule_slot', 'text')
    .addColumn('started_by', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('error_code', 'text')
    .addCheckConstraint('retention_runs_status', sql`status in ('running', 'done', 'failed', 'abandoned')`)
    .addCheckConstraint('retention_runs_trigger', sql`trigger in ('cli', 'scheduler', 'api', 'close')`)
    .execute();
  await sql`create unique index retention_runs_one_running on retention_runs (campaign_id) where status = 'running'`.execute(db);
  // the scheduler's runs: one per campaign and day, whichever serve process claims it first
  await db.schema.createIndex('retention_runs_one_per_slot').on('retention_runs').columns(['campaign_id', 'schedule_slot']).unique().execute();
  await db.schema.createIndex('retention_runs_campaign_idx').on('retention_runs').columns(['campaign_id', 'started_at']).execute();

  await db.schema
    .createTable('shredded_blobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('photo_id', 'text', (c) => c.notNull().references('photos.id'))
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('shredded_at', 'text', (c) => c.notNull())
    .addColumn('file_removed_at', 'text')
    .execute();
  await db.schema.createIndex('shredded_blobs_photo_idx').on('shredded_blobs').columns(['photo_id', 'kind']).execute();
  await sql`create index shredded_blobs_pending on shredded_blobs (campaign_id) where file_removed_at is null`.execute(db);

  await db.schema
    .createTable('campaign_closures')
    .addColumn('campaign_id', 'text', (c) => c.primaryKey().references('campaigns.id'))
    .addColumn('closed_at', 'text', (c) => c.notNull())
    .addColumn('closed_by', 'text')
    .addColumn('forced_reason', 'text')
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
}
