// Prints and hand-over (migration 0017, rule A2; docs/decisions/0025-prints-handover.md): the agency's print
// batches, one print set per student's confirmed photo, the graduate school's deliveries to the departments.
import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { PrintBatchesTable, PrintDeliveriesTable, PrintItemsTable } from '../db/schema.js';

export type PrintBatchRow = Selectable<PrintBatchesTable>;
export type PrintDeliveryRow = Selectable<PrintDeliveriesTable>;
export type PrintItemRow = Selectable<PrintItemsTable>;

/**
 * Hand-over steps sent but not yet acknowledged by the receiving side: agency → graduate school batches not
 * received, and graduate school → department deliveries not confirmed by the secretary (`gradphoto campaign close`
 * refuses while any is open).
 */
export async function openHandoverCount(db: Db, campaignId: string): Promise<number> {
  const batches = await db.db
    .selectFrom('print_batches')
    .select(sql<number>`count(*)`.as('n'))
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'sent')
    .executeTakeFirstOrThrow();
  const deliveries = await db.db
    .selectFrom('print_deliveries')
    .select(sql<number>`count(*)`.as('n'))
    .where('campaign_id', '=', campaignId)
    .where('received_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(batches.n) + Number(deliveries.n);
}

export async function insertPrintItems(tx: Tx, rows: Insertable<PrintItemsTable>[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('print_items').values(rows).execute();
}
