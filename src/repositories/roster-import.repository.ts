import type { Insertable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { RosterImportsTable } from '../db/schema.js';

export async function insertRosterImport(tx: Tx, row: Insertable<RosterImportsTable>): Promise<void> {
  await tx.insertInto('roster_imports').values(row).execute();
}
