// Photos: upload, checks report, several shots and one confirmed, serving, E7, key rotation and the
// orphan sweep (issue #4 parts 6–10; rules C3, E4–E7, A3). Decisions: docs/decisions/0006-photo-storage.md.
//
// - An upload is acknowledged only when both encrypted blobs are on disk (temp → fsync → rename → fsync
//   the directory) and then the row is committed (PITFALLS F17). A crash in between leaves blobs without a
//   row; the sweep at the next start removes them.
// - The same bytes twice for one student are one photo (unique student + SHA-256, `ON CONFLICT DO
//   NOTHING`, PITFALLS F7): a retry answers the first photo (200), and the retry's blobs are deleted.
// - A confirmed student gets no new shot (C3) until an admin voids the confirmation with a reason. The
//   check runs again inside the upload's transaction with the student's row locked, so an upload and a
//   confirmation cannot both win.
// - Faces are never on disk in clear (A3): images are decoded, cropped and encrypted in memory.
import crypto from 'node:crypto';
import type { PhotoKeyring } from '../adapters/envelope-crypto.js';
import { openBlob, rewrapKey, sealBlob } from '../adapters/envelope-crypto.js';
import type { PhotoDeps } from '../adapters/photo-pipeline.js';
import type { KeysRotateResult, PhotoReport } from '../contracts/photo.js';
import type { Tx } from '../db/database.js';
import { AppError, isAppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { canSeeStudent } from '../domain/permissions.js';
import type { PhotoCheck } from '../domain/photo-standard.js';
import * as campaignRepo from '../repositories/campaign.repository.js';
import type { PhotoRow, PhotoStudentRow } from '../repositories/photo.repository.js';
import * as photoRepo from '../repositories/photo.repository.js';
import { lockStudent } from '../repositories/student.repository.js';
import type { AuditInput } from './audit.service.js';
import { appendAuditEvents, recordAuditEvent } from './audit.service.js';
import type { Done } from './change.js';
import { mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';

// ───────────────────────────── reports ─────────────────────────────

/** The report as stored: messages in both languages, so that each reader gets theirs. */
interface StoredReport {
  checks: PhotoCheck[];
  accepted: boolean;
  hasStandard: boolean;
}

function parseReport(row: PhotoRow): StoredReport {
  return JSON.parse(row.report) as StoredReport;
}

function toReport(row: PhotoRow, confirmed: boolean, lang: Lang): PhotoReport {
  const stored = parseReport(row);
  return {
    id: row.id,
    studentId: row.student_id,
    createdAt: row.created_at,
    station: row.station,
    checks: stored.checks.map((c) => ({ id: c.id, status: c.status, value: c.value ?? null, threshold: c.threshold ?? null, message: c.message[lang] })),
    accepted: stored.accepted,
    confirmed,
    invalid: confirmed && row.invalid_reason ? { rule: row.invalid_reason } : null,
    hasImage: stored.hasStandard,
  };
}

async function reportOf(db: Tx, row: PhotoRow, lang: Lang): Promise<PhotoReport> {
  const confirmed = await photoRepo.listConfirmedPhotoIds(db, [row.id]);
  return toReport(row, confirmed.has(row.id), lang);
}

// ───────────────────────────── who may see what ─────────────────────────────

/** Admins and operators see every student's shots; a student only their own (A3). Refusals are audited. */
async function assertMaySeeStudent(deps: ServiceDeps, actor: Actor, student: PhotoStudentRow): Promise<void> {
  const principal = actor.principal;
  if (actor.system || !principal) return;
  if (!canSeeStudent(principal, { department: student.department, studentNo: student.student_no })) {
    await recordAuditEvent(deps, actor, { action: 'student.access_denied', result: 'denied', targetType: 'student', targetId: student.id, details: { operation: 'photo' } });
    throw new AppError('FORBIDDEN');
  }
}

async function getVisiblePhoto(deps: ServiceDeps, actor: Actor, photoId: string): Promise<{ photo: PhotoRow; student: PhotoStudentRow }> {
  const photo = await photoRepo.findPhoto(deps.db.db, photoId);
  if (!photo) throw new AppError('PHOTO_NOT_FOUND');
  const student = await photoRepo.findStudentById(deps.db.db, photo.student_id);
  if (!student) throw new AppError('PHOTO_NOT_FOUND');
  await assertMaySeeStudent(deps, actor, student);
  return { photo, student };
}

function notEligible(student: PhotoStudentRow): AppError {
  const rule = student.removed_at ? 'removed' : (student.rule ?? student.decision);
  return new AppError('STUDENT_NOT_ELIGIBLE', { params: { rule }, details: { decision: student.decision, rule: student.rule, removed: student.removed_at !== null } });
}

/** Only students whose decision is `required` are photographed (E1–E6); others would make an invalid photo (E7). */
function assertRequired(student: PhotoStudentRow): void {
  if (student.removed_at || student.decision !== 'required') throw notEligible(student);
}

// ───────────────────────────── upload ─────────────────────────────

export interface UploadPhotoInput {
  bytes: Buffer;
  studentNo: string;
  /** the SHA-256 the station computed; a different one means the bytes changed on the way (PITFALLS F6) */
  sha256?: string | undefined;
  station?: string | undefined;
}

interface RefusalContext {
  studentId?: string;
  studentNo?: string;
  station?: string | undefined;
  size?: number;
}

/** A refused upload is an audit event: who tried what for whom, and why (no ID number, no image). */
export async function recordUploadRefused(deps: ServiceDeps, actor: Actor, code: string, ctx: RefusalContext): Promise<void> {
  await recordAuditEvent(deps, actor, {
    action: 'photo.upload_refused',
    result: 'denied',
    targetType: ctx.studentId ? 'student' : null,
    targetId: ctx.studentId ?? null,
    details: {
      code,
      ...(ctx.studentId ? {} : ctx.studentNo ? { studentNo: ctx.studentNo } : {}),
      ...(ctx.station ? { station: ctx.station } : {}),
      ...(ctx.size !== undefined ? { size: ctx.size } : {}),
    },
  });
}

interface WrittenBlob {
  id: string;
  kind: 'original' | 'standard';
  wrappedKey: string;
  kekVersion: number;
  size: number;
}

async function writeSealedBlobs(photos: PhotoDeps, items: { kind: 'original' | 'standard'; plain: Buffer }[]): Promise<WrittenBlob[]> {
  const written: WrittenBlob[] = [];
  try {
    for (const item of items) {
      const id = photos.blobs.newId();
      const sealed = sealBlob(photos.keyring, id, item.plain);
      await photos.blobs.write(id, sealed.sealed);
      written.push({ id, kind: item.kind, wrappedKey: sealed.wrappedKey, kekVersion: sealed.kekVersion, size: sealed.sealed.length });
    }
    return written;
  } catch (e) {
    await removeBlobs(photos, written);
    throw e;
  }
}

/**
 * The blobs' data keys wrapped with the newest key version, read inside the upload's transaction: a blob
 * sealed just before a rotation (`keys rotate` in another process) is re-wrapped here rather than committed
 * under the version being retired. What a rotation still misses is caught by the grace period of retired
 * versions (rotatePhotoKeys).
 */
function wrapWithCurrentKey(keyring: PhotoKeyring, blobs: WrittenBlob[]): WrittenBlob[] {
  const current = keyring.currentVersion();
  return blobs.map((b) => (b.kekVersion >= current ? b : { ...b, ...rewrapKey(keyring, b.id, b.wrappedKey, b.kekVersion, current) }));
}

async function removeBlobs(photos: PhotoDeps, blobs: { id: string }[]): Promise<void> {
  // Best effort: a blob left behind has no row and is swept at the next start.
  await Promise.all(blobs.map((b) => photos.blobs.remove(b.id).catch(() => undefined)));
}

/**
 * Stores a shot for a student and answers its checks report (201), or the earlier photo when these exact
 * bytes were already uploaded for the student (200). Refusals are audited as `photo.upload_refused`.
 */
export async function uploadPhoto(deps: ServiceDeps, actor: Actor, input: UploadPhotoInput, lang: Lang): Promise<Done<PhotoReport>> {
  authorize(actor, 'photo.upload');
  const photos = deps.photos;
  const ctx: RefusalContext = { studentNo: input.studentNo, station: input.station, size: input.bytes.length };
  try {
    const campaign = await campaignRepo.findActiveCampaign(deps.db.db);
    if (!campaign) throw new AppError('CAMPAIGN_NOT_FOUND');
    const student = await photoRepo.findStudentByNo(deps.db.db, campaign.id, input.studentNo);
    if (!student) throw new AppError('STUDENT_NOT_FOUND');
    ctx.studentId = student.id;
    const sha256 = crypto.createHash('sha256').update(input.bytes).digest('hex');
    if (input.sha256 !== undefined && input.sha256.toLowerCase() !== sha256) {
      throw new AppError('PHOTO_CHECKSUM_MISMATCH', { details: { declared: input.sha256.toLowerCase(), received: sha256, size: input.bytes.length } });
    }
    assertRequired(student);
    // A retry of an upload that was stored (the station did not see the answer) gets the same photo.
    const earlier = await photoRepo.findPhotoBySha256(deps.db.db, student.id, sha256);
    if (earlier) return { value: await reportOf(deps.db.db, earlier, lang), created: false };
    if (await photoRepo.findActiveConfirmationOfStudent(deps.db.db, student.id)) throw new AppError('PHOTO_ALREADY_CONFIRMED');

    const analysis = await photos.analyse(input.bytes);
    const stored: StoredReport = { checks: analysis.checks.checks, accepted: analysis.checks.accepted, hasStandard: analysis.standardJpeg !== null };
    const blobs = await writeSealedBlobs(photos, [
      { kind: 'original', plain: input.bytes },
      ...(analysis.standardJpeg ? [{ kind: 'standard' as const, plain: analysis.standardJpeg }] : []),
    ]);
    const now = nowIso(deps);
    const photoId = crypto.randomUUID();
    type Outcome = { inserted: true; row: PhotoRow } | { inserted: false };
    let outcome: Outcome;
    try {
      outcome = await mutate<Outcome>(deps, actor, async (tx) => {
        await lockStudent(tx, deps.db.dialect, student.id);
        if (await photoRepo.findActiveConfirmationOfStudent(tx, student.id)) throw new AppError('PHOTO_ALREADY_CONFIRMED');
        const wrapped = wrapWithCurrentKey(photos.keyring, blobs);
        const row: PhotoRow = {
          id: photoId,
          campaign_id: campaign.id,
          student_id: student.id,
          sha256,
          size: input.bytes.length,
          station: input.station ?? null,
          report: JSON.stringify(stored),
          accepted: stored.accepted ? 1 : 0,
          invalid_reason: null,
          invalid_at: null,
          uploaded_by: actor.principal?.userId ?? null,
          created_at: now,
        };
        if (!(await photoRepo.insertPhotoUnlessDuplicate(tx, row))) return { value: { inserted: false }, audit: null };
        await photoRepo.insertPhotoBlobs(
          tx,
          wrapped.map((b) => ({ id: b.id, photo_id: photoId, kind: b.kind, wrapped_key: b.wrappedKey, kek_version: b.kekVersion, size: b.size, created_at: now })),
        );
        const audit: AuditInput = {
          action: 'photo.uploaded',
          targetType: 'photo',
          targetId: photoId,
          details: { studentId: student.id, sha256, size: input.bytes.length, accepted: stored.accepted, station: input.station ?? null },
        };
        return { value: { inserted: true, row }, audit };
      });
    } catch (e) {
      await removeBlobs(photos, blobs);
      throw e;
    }
    if (!outcome.inserted) {
      // A concurrent upload of the same bytes won (PITFALLS F7): answer its photo, drop our copy.
      await removeBlobs(photos, blobs);
      const winner = await photoRepo.findPhotoBySha256(deps.db.db, student.id, sha256);
      if (!winner) throw new AppError('CONFLICT');
      return { value: await reportOf(deps.db.db, winner, lang), created: false };
    }
    return { value: toReport(outcome.row, false, lang), created: true };
  } catch (e) {
    if (isAppError(e) && e.code !== 'FORBIDDEN' && e.code !== 'UNAUTHENTICATED') await recordUploadRefused(deps, actor, e.code, ctx);
    throw e;
  }
}

// ───────────────────────────── reading ─────────────────────────────

export async function getPhotoReport(deps: ServiceDeps, actor: Actor, photoId: string, lang: Lang): Promise<PhotoReport> {
  authorize(actor, 'photo.read');
  const { photo } = await getVisiblePhoto(deps, actor, photoId);
  return reportOf(deps.db.db, photo, lang);
}

export async function listStudentPhotos(deps: ServiceDeps, actor: Actor, studentId: string, lang: Lang): Promise<{ items: PhotoReport[] }> {
  authorize(actor, 'photo.read');
  const student = await photoRepo.findStudentById(deps.db.db, studentId);
  if (!student) throw new AppError('STUDENT_NOT_FOUND');
  await assertMaySeeStudent(deps, actor, student);
  const rows = await photoRepo.listPhotosOfStudent(deps.db.db, student.id);
  const confirmed = await photoRepo.listConfirmedPhotoIds(
    deps.db.db,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => toReport(r, confirmed.has(r.id), lang)) };
}

async function readBlob(deps: ServiceDeps, photoId: string, kind: 'original' | 'standard'): Promise<Buffer> {
  const photos = deps.photos;
  const blob = await photoRepo.findPhotoBlob(deps.db.db, photoId, kind);
  if (!blob) throw new AppError('PHOTO_NOT_FOUND');
  const sealed = await photos.blobs.read(blob.id);
  return openBlob(photos.keyring, blob.id, sealed, blob.wrapped_key, blob.kek_version);
}

/**
 * The standard 480×640 JPEG (`kind: 'standard'`) or the camera original (admins; the registry export).
 * Every view is an audit event, written before the bytes leave (A3).
 */
export async function getPhotoImage(deps: ServiceDeps, actor: Actor, photoId: string, kind: 'standard' | 'original' = 'standard'): Promise<Buffer> {
  authorize(actor, 'photo.read');
  if (kind === 'original' && actor.principal && actor.principal.role !== 'admin') throw new AppError('FORBIDDEN');
  const { photo } = await getVisiblePhoto(deps, actor, photoId);
  const bytes = await readBlob(deps, photo.id, kind);
  await recordAuditEvent(deps, actor, { action: 'photo.viewed', targetType: 'photo', targetId: photo.id, details: { studentId: photo.student_id, kind } });
  return bytes;
}

// ───────────────────────────── confirmation (C3) ─────────────────────────────

/** Locks this shot as the student's photo (C3): no later upload, no other confirmation, unless voided. */
export async function confirmPhoto(deps: ServiceDeps, actor: Actor, photoId: string, lang: Lang): Promise<PhotoReport> {
  authorize(actor, 'photo.confirm');
  const { photo, student } = await getVisiblePhoto(deps, actor, photoId);
  const stored = parseReport(photo);
  if (!stored.accepted || !stored.hasStandard) {
    const failed = stored.checks.filter((c) => c.status === 'fail');
    const reason = failed.length > 0 ? [...new Set(failed.map((c) => c.message[lang]))].join('; ') : lang === 'zh' ? '没有标准照片' : 'no standard photo';
    throw new AppError('PHOTO_NOT_CONFIRMABLE', { params: { reason }, details: { failed: failed.map((c) => c.id) } });
  }
  assertRequired(student);
  await mutate(deps, actor, async (tx) => {
    await lockStudent(tx, deps.db.dialect, student.id);
    const fresh = await photoRepo.findStudentById(tx, student.id);
    if (!fresh) throw new AppError('STUDENT_NOT_FOUND');
    assertRequired(fresh);
    const inserted = await photoRepo.insertConfirmationUnlessConfirmed(tx, {
      id: crypto.randomUUID(),
      photo_id: photo.id,
      student_id: student.id,
      confirmed_at: nowIso(deps),
      confirmed_by: actor.principal?.userId ?? null,
      voided_at: null,
      voided_by: null,
      void_reason: null,
    });
    if (!inserted) throw new AppError('PHOTO_ALREADY_CONFIRMED');
    return { value: null, audit: { action: 'photo.confirmed', targetType: 'photo', targetId: photo.id, details: { studentId: student.id, rule: 'C3' } } };
  });
  return toReport(photo, true, lang);
}

/** An admin voids a confirmation with a reason (audited): the student may be photographed again. */
export async function voidPhotoConfirmation(deps: ServiceDeps, actor: Actor, photoId: string, reason: string, lang: Lang): Promise<PhotoReport> {
  authorize(actor, 'photo.void');
  const why = reason.trim();
  if (why.length < 2) throw new AppError('VALIDATION_FAILED', { params: { detail: 'reason: required (at least 2 characters)' }, details: [{ field: 'reason', message: 'required' }] });
  const { photo, student } = await getVisiblePhoto(deps, actor, photoId);
  await mutate(deps, actor, async (tx) => {
    await lockStudent(tx, deps.db.dialect, student.id);
    const active = await photoRepo.findActiveConfirmationOfStudent(tx, student.id);
    if (active?.photo_id !== photo.id) throw new AppError('CONFIRMATION_NOT_FOUND');
    if (!(await photoRepo.voidConfirmation(tx, active.id, actor.principal?.userId ?? null, why, nowIso(deps)))) throw new AppError('CONFIRMATION_NOT_FOUND');
    return {
      value: null,
      audit: { action: 'photo.confirmation_voided', targetType: 'photo', targetId: photo.id, details: { studentId: student.id, confirmationId: active.id, reason: why } },
    };
  });
  return toReport(photo, false, lang);
}

// ───────────────────────────── E7 ─────────────────────────────

/**
 * E7: after decisions were recomputed (roster import, campaign terms), the confirmed photo of a student
 * who is no longer `required` (E4–E6, or removed from the roster) is flagged invalid with the rule; a
 * student who is `required` again gets the flag cleared. One `photo.flagged_invalid` event per photo, in
 * the caller's transaction. Returns how many photos changed.
 */
export async function flagInvalidConfirmedPhotos(tx: Tx, deps: ServiceDeps, actor: Actor, campaignId: string): Promise<number> {
  const rows = await photoRepo.listConfirmedPhotosWithDecisions(tx, campaignId);
  const now = nowIso(deps);
  const events: AuditInput[] = [];
  for (const r of rows) {
    const reason = r.removed_at ? 'removed' : r.decision === 'required' ? null : (r.rule ?? r.decision);
    if (reason === r.invalid_reason) continue;
    await photoRepo.setPhotoInvalid(tx, r.photo_id, reason, reason ? now : null);
    events.push({
      action: 'photo.flagged_invalid',
      targetType: 'photo',
      targetId: r.photo_id,
      details: { studentId: r.student_id, invalid: reason !== null, rule: reason, before: r.invalid_reason, decision: r.decision },
    });
  }
  if (events.length > 0) await appendAuditEvents(tx, deps, actor, events);
  return events.length;
}

// ───────────────────────────── keys and blobs ─────────────────────────────

/**
 * How long a retired key version stays on disk (file keyrings). An upload wraps its data keys with the
 * newest version and commits seconds later; a rotation that ran in between may miss that row. Keeping the
 * retired version for this long, and deleting it only when no wrapped key uses it any more (stragglers are
 * re-wrapped first), means such a photo never loses its key, whatever the timing.
 */
export const KEY_RETIREMENT_GRACE_MS = 60 * 60_000;

/** Re-wraps every data key of a version older than `toVersion`, in one transaction per batch; until none is left. */
async function rewrapOlderKeys(deps: ServiceDeps, keyring: PhotoKeyring, toVersion: number, batchSize: number): Promise<number> {
  let rewrapped = 0;
  // Repeated until nothing older is left: a server that wrapped a key with the old version just before the
  // new one appeared may commit its row while this runs.
  for (let pass = 0; pass < 5; pass++) {
    let batch = await photoRepo.listBlobsNotWrappedBy(deps.db.db, toVersion, batchSize);
    if (batch.length === 0) break;
    while (batch.length > 0) {
      const updates = batch
        .filter((b) => b.kek_version < toVersion)
        .map((b) => ({ id: b.id, from: { wrappedKey: b.wrapped_key, kekVersion: b.kek_version }, to: rewrapKey(keyring, b.id, b.wrapped_key, b.kek_version, toVersion) }));
      if (updates.length === 0) break;
      await deps.db.db.transaction().execute(async (tx) => {
        for (const u of updates) if (await photoRepo.updateWrappedKey(tx, u.id, u.from, u.to)) rewrapped++;
      });
      batch = await photoRepo.listBlobsNotWrappedBy(deps.db.db, toVersion, batchSize);
    }
  }
  return rewrapped;
}

/**
 * File keyrings: marks the versions older than `current` retired (now, when not marked yet), re-wraps any
 * data key still under a version retired longer than the grace period, then deletes those versions when
 * no wrapped key uses them. A version retired more recently is kept, even unused: an upload that sealed
 * with it may not have committed yet.
 */
async function retireOldVersions(deps: ServiceDeps, keyring: PhotoKeyring, current: number, graceMs: number, batchSize: number): Promise<{ rewrapped: number; removedVersions: number[] }> {
  if (keyring.source !== 'file') return { rewrapped: 0, removedVersions: [] };
  const now = deps.clock();
  const due: number[] = [];
  for (const v of keyring.versions()) {
    if (v >= current) continue;
    const since = keyring.retiredAt(v);
    if (!since) await keyring.markRetired(v, now);
    else if (now.getTime() - since.getTime() >= graceMs) due.push(v);
  }
  if (due.length === 0) return { rewrapped: 0, removedVersions: [] };
  const rewrapped = await rewrapOlderKeys(deps, keyring, current, batchSize);
  const inUse = await photoRepo.countBlobsByKekVersion(deps.db.db);
  const removedVersions: number[] = [];
  for (const v of due) {
    if (inUse.has(v)) continue;
    await keyring.removeVersion(v);
    removedVersions.push(v);
  }
  return { rewrapped, removedVersions };
}

/**
 * `gradphoto keys rotate`: a new campaign key (file keyrings; with GRADPHOTO_PHOTO_KEY its newest version),
 * every data key re-wrapped with it in one transaction per batch (blobs untouched). The versions it
 * replaces are retired, not deleted: they are deleted by a later rotation or start-up sweep once retired
 * longer than KEY_RETIREMENT_GRACE_MS and used by no wrapped key. Audited `keys.rotated`.
 */
export async function rotatePhotoKeys(deps: ServiceDeps, actor: Actor, opts: { batchSize?: number; graceMs?: number } = {}): Promise<KeysRotateResult> {
  authorize(actor, 'keys.manage');
  const { keyring } = deps.photos;
  const batchSize = opts.batchSize ?? 500;
  const before = await photoRepo.countBlobsByKekVersion(deps.db.db);
  const toVersion = keyring.source === 'file' ? await keyring.createVersion() : keyring.currentVersion();
  // Retirement times first (the older versions are retired from now), then the re-wrap.
  const retired = await retireOldVersions(deps, keyring, toVersion, opts.graceMs ?? KEY_RETIREMENT_GRACE_MS, batchSize);
  const rewrapped = retired.rewrapped + (await rewrapOlderKeys(deps, keyring, toVersion, batchSize));
  const result: KeysRotateResult = {
    toVersion,
    fromVersions: [...before.keys()].filter((v) => v !== toVersion).sort((a, b) => a - b),
    rewrapped,
    removedVersions: retired.removedVersions,
  };
  await recordAuditEvent(deps, actor, { action: 'keys.rotated', targetType: 'photo_keys', targetId: String(toVersion), details: { ...result, source: keyring.source } });
  return result;
}

/**
 * The key half of the start-up sweep: deletes key versions retired longer than the grace period and no
 * longer used (stragglers re-wrapped first). Audited `keys.rotated` (`trigger: 'sweep'`) when it changed anything.
 */
export async function removeRetiredPhotoKeys(deps: ServiceDeps, actor: Actor, opts: { graceMs?: number } = {}): Promise<{ rewrapped: number; removedVersions: number[] }> {
  const { keyring } = deps.photos;
  const current = keyring.currentVersion();
  const done = await retireOldVersions(deps, keyring, current, opts.graceMs ?? KEY_RETIREMENT_GRACE_MS, 500);
  if (done.rewrapped > 0 || done.removedVersions.length > 0) {
    await recordAuditEvent(deps, actor, {
      action: 'keys.rotated',
      targetType: 'photo_keys',
      targetId: String(current),
      details: { toVersion: current, rewrapped: done.rewrapped, removedVersions: done.removedVersions, source: keyring.source, trigger: 'sweep' },
    });
  }
  return done;
}

/**
 * Removes blob files that no row refers to (an upload interrupted between its blob and its commit) and
 * temporary files of interrupted writes, when older than the grace period: with several processes on one
 * PostgreSQL a younger blob may belong to an upload still in flight elsewhere. Audited with a count.
 * File ages are wall-clock (the files' mtime), not the service clock. Also removes retired key versions
 * whose grace period is over (removeRetiredPhotoKeys).
 */
export async function sweepOrphanBlobs(deps: ServiceDeps, actor: Actor, opts: { graceMs?: number } = {}): Promise<{ removed: number; kept: number }> {
  const photos = deps.photos;
  // Key versions retired by an earlier `keys rotate` are deleted here once their grace period is over.
  await removeRetiredPhotoKeys(deps, actor);
  const graceMs = opts.graceMs ?? photos.orphanGraceMs;
  const cutoff = Date.now() - graceMs;
  let removed = 0;
  let kept = 0;
  let batch: { id: string | null; file: string; mtimeMs: number }[] = [];
  const flush = async () => {
    const known = await photoRepo.listKnownBlobIds(
      deps.db.db,
      batch.flatMap((e) => (e.id ? [e.id] : [])),
    );
    for (const e of batch) {
      if (e.id && known.has(e.id)) continue;
      if (e.mtimeMs > cutoff) {
        kept++;
        continue;
      }
      await photos.blobs.removeFile(e.file);
      removed++;
    }
    batch = [];
  };
  for await (const entry of photos.blobs.list()) {
    batch.push(entry);
    if (batch.length >= 500) await flush();
  }
  await flush();
  if (removed > 0) {
    await recordAuditEvent(deps, actor, { action: 'blobs.orphans_removed', targetType: 'blobs', details: { count: removed, keptYoungerThanGrace: kept, graceMinutes: graceMs / 60_000 } });
  }
  return { removed, kept };
}
