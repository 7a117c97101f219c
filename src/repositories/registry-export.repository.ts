// The registry package's batches and what they hold (migration 0015; docs/decisions/0023-registry-export.md).
import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { RegistryExportItemsTable, RegistryExportsTable } from '../db/schema.js';

export type RegistryExportRow = Selectable<RegistryExportsTable>;
export type RegistryExportItemRow = Selectable<RegistryExportItemsTable>;

/** A photo ready for the registry: confirmed (the confirmation not voided), valid (not E7-flagged), required, with its standard blob. */
export interface ExportCandidateRow {
  photo_id: string;
  student_id: string;
  confirmation_id: string;
  confirmed_at: string;
  station: string | null;
  student_no: string;
  name: string;
  department: string;
  code_last4: string | null;
}

/**
 * Every confirmed, valid photo of the campaign not yet in a delivered batch, by student number (A1, E7): the
 * active confirmation, photos.invalid_reason null, the student still `required` and on the roster, a standard
 * blob stored. `limit`/`afterStudentNo` page through them so that 20,000 rows are never held at once.
 */
export async function listExportCandidates(db: Tx, campaignId: string, page: { afterStudentNo: string | null; limit: number }): Promise<ExportCandidateRow[]> {
  let q = db
    .selectFrom('photo_confirmations as c')
    .innerJoin('photos as p', 'p.id', 'c.photo_id')
    .innerJoin('students as s', 's.id', 'c.student_id')
    .leftJoin('collection_codes as cc', (j) => j.onRef('cc.student_id', '=', 's.id').onRef('cc.campaign_id', '=', 's.campaign_id'))
    .select(['p.id as photo_id', 's.id as student_id', 'c.id as confirmation_id', 'c.confirmed_at', 'p.station', 's.student_no', 's.name', 's.department', 'cc.last4 as code_last4'])
    .where('p.campaign_id', '=', campaignId)
    .where('c.voided_at', 'is', null)
    .where('p.invalid_reason', 'is', null)
    .where('s.decision', '=', 'required')
    .where('s.removed_at', 'is', null)
    .where((eb) => eb.exists(eb.selectFrom('photo_blobs as b').select('b.id').whereRef('b.photo_id', '=', 'p.id').where('b.kind', '=', 'standard')))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('registry_export_items as i').select('i.photo_id').whereRef('i.photo_id', '=', 'p.id').where('i.kind', '=', 'photo'))));
  if (page.afterStudentNo !== null) q = q.where('s.student_no', '>', page.afterStudentNo);
  return q.orderBy('s.student_no').limit(page.limit).execute();
}

export async function countExportCandidates(db: Tx, campaignId: string): Promise<number> {
  const row = await db
    .selectFrom('photo_confirmations as c')
    .innerJoin('photos as p', 'p.id', 'c.photo_id')
    .innerJoin('students as s', 's.id', 'c.student_id')
    .select(sql<number>`count(*)`.as('n'))
    .where('p.campaign_id', '=', campaignId)
    .where('c.voided_at', 'is', null)
    .where('p.invalid_reason', 'is', null)
    .where('s.decision', '=', 'required')
    .where('s.removed_at', 'is', null)
    .where((eb) => eb.exists(eb.selectFrom('photo_blobs as b').select('b.id').whereRef('b.photo_id', '=', 'p.id').where('b.kind', '=', 'standard')))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('registry_export_items as i').select('i.photo_id').whereRef('i.photo_id', '=', 'p.id').where('i.kind', '=', 'photo'))))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface WithdrawalRow {
  photo_id: string;
  student_id: string;
  confirmation_id: string;
  student_no: string;
  file_name: string;
  sha256: string;
  export_id: string;
  voided_at: string | null;
  invalid_reason: string | null;
  invalid_at: string | null;
}

/** Photos of delivered batches whose exported confirmation was voided since, or that became invalid (E7), not yet withdrawn. */
export async function listWithdrawals(db: Tx, campaignId: string): Promise<WithdrawalRow[]> {
  return db
    .selectFrom('registry_export_items as i')
    .innerJoin('registry_exports as e', 'e.id', 'i.export_id')
    .innerJoin('photo_confirmations as c', 'c.id', 'i.confirmation_id')
    .innerJoin('photos as p', 'p.id', 'i.photo_id')
    .innerJoin('students as s', 's.id', 'i.student_id')
    .select(['i.photo_id', 'i.student_id', 'i.confirmation_id', 's.student_no', 'i.file_name', 'i.sha256', 'i.export_id', 'c.voided_at', 'p.invalid_reason', 'p.invalid_at'])
    .where('e.campaign_id', '=', campaignId)
    .where('e.status', '=', 'delivered')
    .where('i.kind', '=', 'photo')
    .where((eb) => eb.or([eb('c.voided_at', 'is not', null), eb('p.invalid_reason', 'is not', null)]))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('registry_export_items as w').select('w.photo_id').whereRef('w.photo_id', '=', 'i.photo_id').where('w.kind', '=', 'withdrawn'))))
    .orderBy('s.student_no')
    .execute();
}

export async function insertExport(tx: Tx, row: Insertable<RegistryExportsTable>): Promise<void> {
  await tx.insertInto('registry_exports').values(row).execute();
}

export async function findExport(db: Tx, id: string): Promise<RegistryExportRow | undefined> {
  return db.selectFrom('registry_exports').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findBuildingExport(db: Tx, campaignId: string): Promise<RegistryExportRow | undefined> {
  return db.selectFrom('registry_exports').selectAll().where('campaign_id', '=', campaignId).where('status', '=', 'building').executeTakeFirst();
}

export async function listExports(db: Tx, campaignId: string): Promise<RegistryExportRow[]> {
  return db.selectFrom('registry_exports').selectAll().where('campaign_id', '=', campaignId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(500).execute();
}

/** Progress and heartbeat of a building batch (bookkeeping of the builder, not a change: no audit event). */
export async function updateProgress(db: Tx, id: string, done: number, at: string): Promise<void> {
  await db.updateTable('registry_exports').set({ progress_done: done, heartbeat_at: at }).where('id', '=', id).where('status', '=', 'building').execute();
}

/** building → `to`, only from building (row count checked by the caller). */
export async function finishExport(
  tx: Tx,
  id: string,
  to: 'delivered' | 'failed' | 'abandoned',
  values: { at: string; bytes?: number; sha256?: string; errorCode?: string; progressDone?: number },
): Promise<boolean> {
  const r = await tx
    .updateTable('registry_exports')
    .set({
      status: to,
      finished_at: values.at,
      ...(values.bytes === undefined ? {} : { bytes: values.bytes }),
      ...(values.sha256 === undefined ? {} : { sha256: values.sha256 }),
      ...(values.errorCode === undefined ? {} : { error_code: values.errorCode }),
      ...(values.progressDone === undefined ? {} : { progress_done: values.progressDone }),
    })
    .where('id', '=', id)
    .where('status', '=', 'building')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Claims the batch's photos and withdrawals; the partial unique indexes refuse a photo already delivered. */
export async function insertExportItems(tx: Tx, rows: Insertable<RegistryExportItemsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await tx.insertInto('registry_export_items').values(rows.slice(i, i + 500)).execute();
}

export async function countExportItems(db: Tx, exportId: string): Promise<{ photos: number; withdrawn: number }> {
  const rows = await db.selectFrom('registry_export_items').select(['kind', sql<number>`count(*)`.as('n')]).where('export_id', '=', exportId).groupBy('kind').execute();
  const of = (k: string) => Number(rows.find((r) => r.kind === k)?.n ?? 0);
  return { photos: of('photo'), withdrawn: of('withdrawn') };
}
