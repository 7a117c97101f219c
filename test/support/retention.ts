// Test helpers of retention and deletion (issue 10 section 5): a student's shots with sealed blobs on disk (camera
// original + standard, as the photo pipeline stores them), the registry's answer and the hand-over of prints as
// rows (their flows are tested by their owners; only the facts matter here).
import crypto from 'node:crypto';
import { openBlob, sealBlob } from '../../src/adapters/envelope-crypto.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { standardJpeg } from './registry-export.js';

export interface SeededShot {
  photoId: string;
  originalBlob: string;
  standardBlob: string;
}

async function sealed(deps: ServiceDeps, bytes: Buffer): Promise<{ id: string; wrappedKey: string; kekVersion: number; size: number }> {
  const id = deps.photos.blobs.newId();
  const s = sealBlob(deps.photos.keyring, id, bytes);
  await deps.photos.blobs.write(id, s.sealed);
  return { id, wrappedKey: s.wrappedKey, kekVersion: s.kekVersion, size: s.sealed.length };
}

/** One shot of the student (both blobs) at the clock's time; confirmed when asked. */
export async function seedShot(deps: ServiceDeps, studentNo: string, seed: number, opts: { confirm?: boolean } = {}): Promise<SeededShot> {
  const db = deps.db.db;
  const student = await db.selectFrom('students').select(['id', 'campaign_id']).where('student_no', '=', studentNo).executeTakeFirstOrThrow();
  const at = deps.clock().toISOString();
  const photoId = crypto.randomUUID();
  const jpeg = await standardJpeg(seed);
  const original = await sealed(deps, Buffer.concat([Buffer.from('camera-original-'), jpeg]));
  const standard = await sealed(deps, jpeg);
  await db
    .insertInto('photos')
    .values({ id: photoId, campaign_id: student.campaign_id, student_id: student.id, sha256: crypto.createHash('sha256').update(jpeg).update(String(seed)).digest('hex'), size: jpeg.length, station: 'beijing-1', report: JSON.stringify({ checks: [], accepted: true, hasStandard: true }), accepted: 1, invalid_reason: null, invalid_at: null, uploaded_by: null, created_at: at })
    .execute();
  await db
    .insertInto('photo_blobs')
    .values([
      { id: original.id, photo_id: photoId, kind: 'original', wrapped_key: original.wrappedKey, kek_version: original.kekVersion, size: original.size, created_at: at },
      { id: standard.id, photo_id: photoId, kind: 'standard', wrapped_key: standard.wrappedKey, kek_version: standard.kekVersion, size: standard.size, created_at: at },
    ])
    .execute();
  if (opts.confirm) {
    await db
      .insertInto('photo_confirmations')
      .values({ id: crypto.randomUUID(), photo_id: photoId, student_id: student.id, confirmed_at: at, confirmed_by: null, voided_at: null, voided_by: null, void_reason: null, method: 'operator_in_presence', station_id: 'beijing-1', code_match: 0 })
      .execute();
  }
  return { photoId, originalBlob: original.id, standardBlob: standard.id };
}

/** The registry accepted this photo (an export batch and an answer row, at the clock's time). */
export async function seedRegistryAccepted(deps: ServiceDeps, photoId: string, status: 'accepted' | 'rejected' = 'accepted'): Promise<void> {
  const db = deps.db.db;
  const photo = await db.selectFrom('photos').select(['campaign_id', 'student_id']).where('id', '=', photoId).executeTakeFirstOrThrow();
  const at = deps.clock().toISOString();
  const exportId = crypto.randomUUID();
  const importId = crypto.randomUUID();
  await db
    .insertInto('registry_exports')
    .values({ id: exportId, campaign_id: photo.campaign_id, status: 'delivered', file_name: `registry-${exportId}.zip.gpg`, out_dir: '/tmp', file_pattern: '<studentNo>.jpg', recipient_fingerprint: 'test', signer_fingerprint: null, photo_count: 1, withdrawn_count: 0, progress_done: 1, bytes: 1, sha256: 'x', owner: 'test', heartbeat_at: at, error_code: null, created_by: null, created_at: at, finished_at: at })
    .execute();
  await db.insertInto('registry_answer_imports').values({ id: importId, campaign_id: photo.campaign_id, file_name: 'answer.csv', file_sha256: 'x', row_count: 1, accepted_count: status === 'accepted' ? 1 : 0, rejected_count: status === 'rejected' ? 1 : 0, known_count: 0, voided_count: 0, created_by: null, created_at: at }).execute();
  await db.insertInto('registry_answers').values({ id: crypto.randomUUID(), campaign_id: photo.campaign_id, import_id: importId, student_id: photo.student_id, photo_id: photoId, export_id: exportId, status, voided_confirmation_id: null, created_at: at }).execute();
}

let batchNumber = 1000;

/** The photo's prints: in a batch, handed to the student at the clock's time unless `handed: false`. */
export async function seedPrintsHandedOver(deps: ServiceDeps, photoId: string, opts: { handed?: boolean; batchStatus?: 'open' | 'sent' | 'received' } = {}): Promise<void> {
  const db = deps.db.db;
  const photo = await db.selectFrom('photos').innerJoin('students', 'students.id', 'photos.student_id').select(['photos.campaign_id', 'photos.student_id', 'students.department', 'students.student_no']).where('photos.id', '=', photoId).executeTakeFirstOrThrow();
  const at = deps.clock().toISOString();
  const batchId = crypto.randomUUID();
  await db
    .insertInto('print_batches')
    .values({ id: batchId, campaign_id: photo.campaign_id, number: batchNumber++, department: null, copies: 4, status: opts.batchStatus ?? 'received', created_by: null, created_at: at, sent_count: 1, sent_by: null, sent_at: at, received_count: 1, received_by: null, received_at: at, discrepancy_note: null } as never)
    .execute();
  await db
    .insertInto('print_items')
    .values({ id: crypto.randomUUID(), campaign_id: photo.campaign_id, batch_id: batchId, student_id: photo.student_id, photo_id: photoId, confirmation_id: 'c', department: photo.department, student_no: photo.student_no, delivery_id: null, handed_to_student_at: opts.handed === false ? null : at, handed_by: null, handed_method: opts.handed === false ? null : 'secretary', voided_at: null, created_at: at } as never)
    .execute();
}

/** Tries to open a blob as the photo service would: its key row and its file. */
export async function tryDecrypt(deps: ServiceDeps, blobId: string): Promise<{ keyRow: boolean; file: boolean; opened: boolean }> {
  const row = await deps.db.db.selectFrom('photo_blobs').selectAll().where('id', '=', blobId).executeTakeFirst();
  const file = await deps.photos.blobs.exists(blobId);
  let opened = false;
  if (row && file) {
    openBlob(deps.photos.keyring, blobId, await deps.photos.blobs.read(blobId), row.wrapped_key, row.kek_version);
    opened = true;
  }
  return { keyRow: row !== undefined, file, opened };
}
