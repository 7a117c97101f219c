import type { Kysely } from 'kysely';

// The make-up outlet a payment was recorded at (rule S6; its fee is makeUp.fee), null for a payment at one of the
// school's sites. Before, such a payment kept only the student's home site, so the make-up fees taken at an outlet
// after the campaign counted in that site's day-close (getDayClose) for the day they were paid. The day-close of a
// site now leaves them out and an outlet has a day-close of its own (decision 0026).
// Payments recorded before this migration are given their outlet from their audit event (payment.recorded names
// `outletId` when it was taken at an outlet).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('payments').addColumn('outlet_id', 'text').execute();
  await backfillPaymentOutlets(db);
}

/** Payments without an outlet whose payment.recorded event names one get it (exported for its test). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function backfillPaymentOutlets(db: Kysely<any>): Promise<void> {
  const events = (await db
    .selectFrom('audit_events')
    .select(['target_id', 'details'])
    .where('action', '=', 'payment.recorded')
    .where('details', 'like', '%"outletId"%')
    .execute()) as { target_id: string | null; details: string }[];
  for (const e of events) {
    let outletId: unknown;
    try {
      outletId = (JSON.parse(e.details) as { outletId?: unknown }).outletId;
    } catch {
      continue;
    }
    if (typeof outletId !== 'string' || !e.target_id) continue;
    await db.updateTable('payments').set({ outlet_id: outletId }).where('id', '=', e.target_id).where('outlet_id', 'is', null).execute();
  }
}
