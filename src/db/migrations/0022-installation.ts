import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// This installation's id (issue 11 section 1, outside test finding 1; docs/decisions/0029-s3-blob-store.md): one
// row, a random UUID made when the database is created (or first migrated). An S3 prefix is bound to it by a
// marker object `<prefix>/.gradphoto-installation` holding the same id: a server pointed at another
// installation's prefix refuses to start instead of sweeping that installation's photos as orphans.
// Not a secret; a backup carries it, so a restored database keeps its prefix.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('installation')
    .addColumn('one', 'integer', (c) => c.primaryKey().notNull().check(sql`one = 1`))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.insertInto('installation').values({ one: 1, id: crypto.randomUUID(), created_at: new Date().toISOString() }).execute();
}

