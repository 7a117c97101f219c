// Retention and deletion (issue 10 section 5, A3; migration 0019; docs/decisions/0027-retention.md): the policy,
// purge runs (one running per campaign: a partial unique index), crypto-shredding (the photo_blobs row holding a
// blob's wrapped data key is deleted and a shredded_blobs row written in its place), closures and their counts.
import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { RetentionRunsTable } from '../db/schema.js';

export type RetentionRunRow = Selectable<RetentionRunsTable>;

export interface BlobCandidate {
  id: string;
  photo_id: string;
  kind: string;
  size: number;
}

const CHUNK = 500;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

// ───────────────────────────── policy ─────────────────────────────

export async function findPolicy(db: Tx, campaignId: string) {
  return db.selectFrom('retention_policies').selectAll().where('campaign_id', '=', campaignId).executeTakeFirst();
}

/** Creates the policy with its defaults unless it exists (two first reads at once: one row). */
export async function insertPolicyUnlessExists(tx: Tx, row: { campaign_id: string; originals_days: number; standard_days: number; now: string }): Promise<void> {
  await tx
    .insertInto('retention_policies')
    .values({ campaign_id: row.campaign_id, originals_days: row.originals_days, standard_days: row.standard_days, updated_by: null, created_at: row.now, updated_at: row.now })
    .onConflict((oc) => oc.column('campaign_id').doNothing())
    .execute();
}

export async function updatePolicy(tx: Tx, campaignId: string, values: { originals_days: number; standard_days: number; updated_by: string | null; updated_at: string }): Promise<boolean> {
  const r = await tx.updateTable('retention_policies').set(values).where('campaign_id', '=', campaignId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ───────────────────────────── what is due ─────────────────────────────

/**
 * Originals rule: every camera original of a student whose photo was confirmed (an active confirmation) at or
 * before `confirmedBefore`, and both blobs of that student's other shots (not chosen: their purpose is served).
 */
export async function listOriginalCandidates(db: Tx, campaignId: string, confirmedBefore: string): Promise<BlobCandidate[]> {
  return db
    .selectFrom('photo_blobs as b')
    .innerJoin('photos as p', 'p.id', 'b.photo_id')
    .innerJoin('photo_confirmations as c', (j) => j.onRef('c.student_id', '=', 'p.student_id').on('c.voided_at', 'is', null))
    .select(['b.id', 'b.photo_id', 'b.kind', 'b.size'])
    .where('p.campaign_id', '=', campaignId)
    .where('c.confirmed_at', '<=', confirmedBefore)
    .where((eb) => eb.or([eb('b.kind', '=', 'original'), eb('p.id', '!=', eb.ref('c.photo_id'))]))
    .orderBy('b.id')
    .execute();
}

/**
 * Standard photos rule: the standard blob of a photo the registry accepted (registry_answers, H1) and whose prints
 * were handed to the student (print_items, H2), both at or before `servedBefore`.
 */
export async function listStandardCandidates(db: Tx, campaignId: string, servedBefore: string): Promise<BlobCandidate[]> {
  return db
    .selectFrom('photo_blobs as b')
    .innerJoin('photos as p', 'p.id', 'b.photo_id')
    .select(['b.id', 'b.photo_id', 'b.kind', 'b.size'])
    .where('p.campaign_id', '=', campaignId)
    .where('b.kind', '=', 'standard')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('registry_answers as ra')
          .select('ra.id')
          .whereRef('ra.photo_id', '=', 'p.id')
          .where('ra.status', '=', 'accepted')
          .where('ra.created_at', '<=', servedBefore),
      ),
    )
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('print_items as pi')
          .select('pi.id')
          .whereRef('pi.photo_id', '=', 'p.id')
          .where('pi.handed_to_student_at', 'is not', null)
          .where('pi.handed_to_student_at', '<=', servedBefore),
      ),
    )
    .orderBy('b.id')
    .execute();
}

/** Every camera original of the campaign (its close). */
export async function listAllOriginals(db: Tx, campaignId: string): Promise<BlobCandidate[]> {
  return db
    .selectFrom('photo_blobs as b')
    .innerJoin('photos as p', 'p.id', 'b.photo_id')
    .select(['b.id', 'b.photo_id', 'b.kind', 'b.size'])
    .where('p.campaign_id', '=', campaignId)
    .where('b.kind', '=', 'original')
    .orderBy('b.id')
    .execute();
}

// ───────────────────────────── crypto-shredding ─────────────────────────────

/**
 * Destroys the wrapped data keys of these blobs (their photo_blobs rows) and records each in shredded_blobs, in
 * the caller's transaction. Conditional: a blob another run shredded meanwhile is not deleted twice, and only
 * what this call deleted is counted and returned.
 */
export async function shredBlobs(tx: Tx, blobs: BlobCandidate[], record: { campaignId: string; runId: string; reason: 'retention' | 'close'; at: string }): Promise<BlobCandidate[]> {
  const done: BlobCandidate[] = [];
  for (const part of chunks(blobs)) {
    const deleted = await tx
      .deleteFrom('photo_blobs')
      .where(
        'id',
        'in',
        part.map((b) => b.id),
      )
      .returning(['id', 'photo_id', 'kind', 'size'])
      .execute();
    if (deleted.length === 0) continue;
    await tx
      .insertInto('shredded_blobs')
      .values(deleted.map((b) => ({ id: b.id, photo_id: b.photo_id, campaign_id: record.campaignId, kind: b.kind, size: Number(b.size), reason: record.reason, run_id: record.runId, shredded_at: record.at, file_removed_at: null })))
      .execute();
    done.push(...deleted.map((b) => ({ ...b, size: Number(b.size) })));
  }
  return done;
}

/** Blobs whose key is destroyed and whose file may still be on disk (a run stopped between the two). */
export async function listPendingFiles(db: Tx, campaignId: string | null, limit: number): Promise<string[]> {
  let q = db.selectFrom('shredded_blobs').select('id').where('file_removed_at', 'is', null);
  if (campaignId) q = q.where('campaign_id', '=', campaignId);
  const rows = await q.orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}

export async function countPendingFiles(db: Tx, campaignId: string): Promise<number> {
  const r = await db.selectFrom('shredded_blobs').select(sql<number>`count(*)`.as('n')).where('campaign_id', '=', campaignId).where('file_removed_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function markFilesRemoved(tx: Tx, ids: string[], at: string): Promise<void> {
  for (const part of chunks(ids)) await tx.updateTable('shredded_blobs').set({ file_removed_at: at }).where('id', 'in', part).where('file_removed_at', 'is', null).execute();
}

/** When a photo's blob of this kind was shredded, or undefined. */
export async function findShredded(db: Tx, photoId: string, kind: string): Promise<{ shredded_at: string; reason: string } | undefined> {
  return db.selectFrom('shredded_blobs').select(['shredded_at', 'reason']).where('photo_id', '=', photoId).where('kind', '=', kind).orderBy('shredded_at', 'desc').executeTakeFirst();
}

/** What was shredded of these photos (for their reports). */
export async function listShreddedOfPhotoIds(db: Tx, photoIds: string[]): Promise<{ photo_id: string; kind: string; shredded_at: string }[]> {
  if (photoIds.length === 0) return [];
  const out: { photo_id: string; kind: string; shredded_at: string }[] = [];
  for (const part of chunks(photoIds)) out.push(...(await db.selectFrom('shredded_blobs').select(['photo_id', 'kind', 'shredded_at']).where('photo_id', 'in', part).execute()));
  return out;
}

// ───────────────────────────── runs ─────────────────────────────

export async function insertRun(tx: Tx, row: Insertable<RetentionRunsTable>): Promise<void> {
  await tx.insertInto('retention_runs').values(row).execute();
}

export async function findRunningRun(db: Tx, campaignId: string): Promise<RetentionRunRow | undefined> {
  return db.selectFrom('retention_runs').selectAll().where('campaign_id', '=', campaignId).where('status', '=', 'running').executeTakeFirst();
}

/** Marks a running run whose lease ran out (its process died) abandoned; true when this call did it. */
export async function abandonStaleRun(tx: Tx, id: string, now: string): Promise<boolean> {
  const r = await tx.updateTable('retention_runs').set({ status: 'abandoned', finished_at: now }).where('id', '=', id).where('status', '=', 'running').where('lease_until', '<', now).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function recordRunCounts(tx: Tx, id: string, counts: { originals: number; standards: number; photos: number; bytes: number }): Promise<void> {
  await tx.updateTable('retention_runs').set(counts).where('id', '=', id).execute();
}

export async function finishRun(tx: Tx, id: string, values: { status: 'done' | 'failed'; files_removed: number; finished_at: string; error_code: string | null }): Promise<void> {
  await tx.updateTable('retention_runs').set(values).where('id', '=', id).where('status', '=', 'running').execute();
}

export async function findRun(db: Tx, id: string): Promise<RetentionRunRow | undefined> {
  return db.selectFrom('retention_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRuns(db: Tx, campaignId: string, limit: number): Promise<RetentionRunRow[]> {
  return db.selectFrom('retention_runs').selectAll().where('campaign_id', '=', campaignId).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function lastRunStartedAt(db: Tx, campaignId: string): Promise<string | undefined> {
  const r = await db.selectFrom('retention_runs').select('started_at').where('campaign_id', '=', campaignId).where('status', '!=', 'failed').orderBy('started_at', 'desc').executeTakeFirst();
  return r?.started_at;
}

// ───────────────────────────── closing ─────────────────────────────

export async function findClosure(db: Tx, campaignId: string) {
  return db.selectFrom('campaign_closures').selectAll().where('campaign_id', '=', campaignId).executeTakeFirst();
}

/** The campaign's closure; false when it was closed already (by a concurrent call). */
export async function insertClosure(tx: Tx, row: { campaign_id: string; closed_at: string; closed_by: string | null; forced_reason: string | null; report: string }): Promise<boolean> {
  const r = await tx
    .insertInto('campaign_closures')
    .values(row)
    .onConflict((oc) => oc.column('campaign_id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** National ID numbers (encrypted column, keyed hash, mask), phones and e-mail addresses of the campaign's students: gone. */
export async function purgeIdentities(tx: Tx, campaignId: string): Promise<number> {
  const r = await tx
    .updateTable('students')
    .set({ national_id_enc: null, national_id_hmac: null, national_id_mask: null, email: null, phone: null })
    .where('campaign_id', '=', campaignId)
    .where((eb) => eb.or([eb('national_id_enc', 'is not', null), eb('national_id_hmac', 'is not', null), eb('national_id_mask', 'is not', null), eb('email', 'is not', null), eb('phone', 'is not', null)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function countIdentitiesHeld(db: Tx, campaignId: string): Promise<{ any: number; nationalId: number; contact: number }> {
  const r = await db
    .selectFrom('students')
    .select([
      sql<number>`sum(case when national_id_enc is not null or national_id_hmac is not null or national_id_mask is not null or email is not null or phone is not null then 1 else 0 end)`.as('any'),
      sql<number>`sum(case when national_id_enc is not null then 1 else 0 end)`.as('nid'),
      sql<number>`sum(case when email is not null or phone is not null then 1 else 0 end)`.as('contact'),
    ])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return { any: Number(r.any ?? 0), nationalId: Number(r.nid ?? 0), contact: Number(r.contact ?? 0) };
}

export async function countBuildingExports(db: Tx, campaignId: string): Promise<number> {
  const r = await db.selectFrom('registry_exports').select(sql<number>`count(*)`.as('n')).where('campaign_id', '=', campaignId).where('status', '=', 'building').executeTakeFirstOrThrow();
  return Number(r.n);
}

type DeptCount = { department: string; n: number };

async function perDepartment(q: Promise<{ department: string; n: number | string | bigint }[]>): Promise<DeptCount[]> {
  return (await q).map((r) => ({ department: r.department, n: Number(r.n) }));
}

/** The closing report's counts per department (students of the campaign; distinct students per column). */
export async function countClosingPerDepartment(db: Tx, campaignId: string) {
  const students = db.selectFrom('students as s').where('s.campaign_id', '=', campaignId);
  const distinct = sql<number>`count(distinct s.id)`.as('n');
  const [required, photographed, confirmed, exported, accepted, printed, handedOver] = await Promise.all([
    perDepartment(students.select(['s.department', sql<number>`count(*)`.as('n')]).where('s.decision', '=', 'required').where('s.removed_at', 'is', null).groupBy('s.department').execute()),
    perDepartment(students.innerJoin('photos as p', 'p.student_id', 's.id').select(['s.department', distinct]).groupBy('s.department').execute()),
    perDepartment(students.innerJoin('photo_confirmations as c', 'c.student_id', 's.id').select(['s.department', distinct]).where('c.voided_at', 'is', null).groupBy('s.department').execute()),
    perDepartment(
      students
        .innerJoin('registry_export_items as i', 'i.student_id', 's.id')
        .innerJoin('registry_exports as e', 'e.id', 'i.export_id')
        .select(['s.department', distinct])
        .where('i.kind', '=', 'photo')
        .where('e.status', '=', 'delivered')
        .groupBy('s.department')
        .execute(),
    ),
    perDepartment(students.innerJoin('registry_answers as ra', 'ra.student_id', 's.id').select(['s.department', distinct]).where('ra.status', '=', 'accepted').where('s.decision', '=', 'required').where('s.removed_at', 'is', null).groupBy('s.department').execute()),
    perDepartment(students.innerJoin('print_items as pi', 'pi.student_id', 's.id').select(['s.department', distinct]).groupBy('s.department').execute()),
    perDepartment(students.innerJoin('print_items as pi', 'pi.student_id', 's.id').select(['s.department', distinct]).where('pi.handed_to_student_at', 'is not', null).groupBy('s.department').execute()),
  ]);
  return { required, photographed, confirmed, exported, accepted, printed, handedOver };
}

export async function countExports(db: Tx, campaignId: string): Promise<{ batches: number; photos: number; withdrawn: number }> {
  const r = await db
    .selectFrom('registry_exports')
    .select([sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(photo_count), 0)`.as('photos'), sql<number>`coalesce(sum(withdrawn_count), 0)`.as('withdrawn')])
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'delivered')
    .executeTakeFirstOrThrow();
  return { batches: Number(r.n), photos: Number(r.photos), withdrawn: Number(r.withdrawn) };
}

export async function countPayments(db: Tx, campaignId: string): Promise<{ count: number; sumFen: number }> {
  const r = await db
    .selectFrom('payments')
    .select([sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(amount_fen), 0)`.as('fen')])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), sumFen: Number(r.fen) };
}

/** The record of processing's counts (no personal data). */
export async function countHoldings(db: Tx, campaignId: string) {
  const students = await db
    .selectFrom('students')
    .select([sql<number>`count(*)`.as('n'), sql<number>`sum(case when decision = 'required' and removed_at is null then 1 else 0 end)`.as('req')])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  const photos = await db.selectFrom('photos').select(sql<number>`count(*)`.as('n')).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
  const blobs = await db
    .selectFrom('photo_blobs as b')
    .innerJoin('photos as p', 'p.id', 'b.photo_id')
    .select([sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(b.size), 0)`.as('bytes')])
    .where('p.campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  const shredded = await db.selectFrom('shredded_blobs').select(sql<number>`count(*)`.as('n')).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
  const runs = await db.selectFrom('retention_runs').select(sql<number>`count(*)`.as('n')).where('campaign_id', '=', campaignId).where('status', '=', 'done').executeTakeFirstOrThrow();
  return {
    students: Number(students.n),
    required: Number(students.req ?? 0),
    photos: Number(photos.n),
    blobsHeld: Number(blobs.n),
    bytesHeld: Number(blobs.bytes),
    blobsShredded: Number(shredded.n),
    purgeRuns: Number(runs.n),
  };
}

/** Required students with no valid (not E7-invalid), non-voided confirmed photo, per expected term (their make-up). */
export async function countOutstandingPerTerm(db: Tx, campaignId: string): Promise<{ term: string; n: number }[]> {
  const rows = await db
    .selectFrom('students as s')
    .select(['s.expected_term as term', sql<number>`count(*)`.as('n')])
    .where('s.campaign_id', '=', campaignId)
    .where('s.decision', '=', 'required')
    .where('s.removed_at', 'is', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('photo_confirmations as c')
            .innerJoin('photos as p', 'p.id', 'c.photo_id')
            .select('c.id')
            .whereRef('c.student_id', '=', 's.id')
            .where('c.voided_at', 'is', null)
            .where('p.invalid_reason', 'is', null),
        ),
      ),
    )
    .groupBy('s.expected_term')
    .execute();
  return rows.map((r) => ({ term: r.term, n: Number(r.n) }));
}
