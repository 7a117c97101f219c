import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Make-up captures (issue 10 section 3, rule S6; docs/decisions/0026-makeup.md).
// - makeup_outlets: the agency's outlets where students who missed the campaign are photographed afterwards.
//   The id is chosen by the admin (lowercase letters and digits, 1–20); its stations are `makeup-<id>-<n>`,
//   n = 1 … stations. Only an active outlet in the campaign's make-up city (Beijing) may record a photo.
// - photos.outlet_id: the outlet a make-up photo was taken at (null for photos of the campaign's sites).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('makeup_outlets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('hours', 'text', (c) => c.notNull())
    .addColumn('stations', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('makeup_outlets_active', sql`active in (0, 1)`)
    .addCheckConstraint('makeup_outlets_stations', sql`stations between 1 and 20`)
    .execute();
  await db.schema.createIndex('makeup_outlets_campaign_idx').on('makeup_outlets').column('campaign_id').execute();
  await db.schema.alterTable('photos').addColumn('outlet_id', 'text', (c) => c.references('makeup_outlets.id')).execute();
  await db.schema.createIndex('photos_outlet_idx').on('photos').column('outlet_id').execute();
}
