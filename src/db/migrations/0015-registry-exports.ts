import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// The registry package (issue 10 section 1, rule A1; docs/decisions/0023-registry-export.md).
// - registry_exports: one batch. 'building' while its encrypted ZIP is written (owner = host:pid, heartbeat_at
//   refreshed with the progress), then 'delivered' in the same transaction that claims its photos, or 'failed'
//   / 'abandoned' (a builder that died: its files are removed and the next run builds a new batch). At most one
//   batch of a campaign is building at a time (partial unique index).
// - registry_export_items: what a delivered batch holds. kind 'photo': a confirmed photo sent to the registry
//   (unique photo_id: a photo belongs to at most one delivered batch); kind 'withdrawn': a photo of an earlier
//   batch whose confirmation was voided (or that became invalid, E7) since, listed once in withdrawn.csv.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('registry_exports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('out_dir', 'text', (c) => c.notNull())
    .addColumn('file_pattern', 'text', (c) => c.notNull())
    .addColumn('recipient_fingerprint', 'text', (c) => c.notNull())
    .addColumn('signer_fingerprint', 'text')
    .addColumn('photo_count', 'integer', (c) => c.notNull())
    .addColumn('withdrawn_count', 'integer', (c) => c.notNull())
    .addColumn('progress_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint')
    .addColumn('sha256', 'text')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addCheckConstraint('registry_exports_status', sql`status in ('building', 'delivered', 'failed', 'abandoned')`)
    .execute();
  await sql`create unique index registry_exports_one_building on registry_exports (campaign_id) where status = 'building'`.execute(db);
  await db.schema.createIndex('registry_exports_campaign_idx').on('registry_exports').columns(['campaign_id', 'created_at']).execute();

  await db.schema
    .createTable('registry_export_items')
    .addColumn('export_id', 'text', (c) => c.notNull().references('registry_exports.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('photo_id', 'text', (c) => c.notNull().references('photos.id'))
    .addColumn('student_id', 'text', (c) => c.notNull())
    .addColumn('confirmation_id', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('registry_export_items_pk', ['export_id', 'kind', 'photo_id'])
    .addCheckConstraint('registry_export_items_kind', sql`kind in ('photo', 'withdrawn')`)
    .execute();
  await sql`create unique index registry_export_items_photo_once on registry_export_items (photo_id) where kind = 'photo'`.execute(db);
  await sql`create unique index registry_export_items_withdrawn_once on registry_export_items (photo_id) where kind = 'withdrawn'`.execute(db);
}
