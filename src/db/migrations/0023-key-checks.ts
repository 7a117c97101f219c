import type { Kysely } from 'kysely';

// Key check values (issue 11 section 4, "shared keys"; src/services/key-check.ts). A sealed constant per key, written
// by the first process that starts with it: a later process given another master key or photo key refuses to start
// even while the database holds no ID number or photo yet (which the check on sealed data alone could not see).
//   master_key_check: the field cipher's seal of a fixed text (the master key opens it or not)
//   photo_key_checks: JSON { "<version>": { "context": …, "wrapped": … } }, a random data key wrapped per version
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('installation').addColumn('master_key_check', 'text').execute();
  await db.schema.alterTable('installation').addColumn('photo_key_checks', 'text').execute();
}
