import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** This installation's id (migration 0022): the id an S3 prefix's marker object must hold. */
export async function getInstallationId(db: Kysely<Database>): Promise<string> {
  const row = await db.selectFrom('installation').select('id').where('one', '=', 1).executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A new installation id (a restored copy is another installation: it must never take the original's S3 prefix);
 * false when the database has no installation row.
 */
export async function renewInstallationId(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.updateTable('installation').set({ id }).where('one', '=', 1).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
