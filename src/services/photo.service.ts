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
import type { ConfirmationMethod, KeysRotateResult, MyPhoto, PhotoConfirmation, PhotoReport } from '../contracts/photo.js';
import { ConfirmPhotoRequestSchema, MyPhotoAnswerRequestSchema } from '../contracts/photo.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { localDate } from '../domain/campaign.js';
import { AppError, isAppError, schemaIssues } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { canSeeStudent } from '../domain/permissions.js';
import type { PhotoCheck } from '../domain/photo-standard.js';
import { wasMeasured } from '../domain/photo-standard.js';
import * as campaignRepo from '../repositories/campaign.repository.js';
import type { ConfirmationWithNamesRow, PhotoRow, PhotoStudentRow } from '../repositories/photo.repository.js';
import * as photoRepo from '../repositories/photo.repository.js';
import * as queueRepo from '../repositories/queue.repository.js';
import * as reviewRepo from '../repositories/review-screen.repository.js';
import { lockStudent } from '../repositories/student.repository.js';
import type { AuditInput } from './audit.service.js';
import { recordAuditEvent } from './audit.service.js';
import type { Done, Effects } from './change.js';
import { change, mutate } from './change.js';
import { getActiveCampaign } from './campaign.service.js';
import { listShreddedOfPhotos, photoDeletedError, type ShreddedOfPhotos } from './retention-readers.js';
import { assertCampaignOpen, assertCampaignOpenForWrite } from './campaign-close.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { checkMakeUpStation } from './makeup.service.js';

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

const METHODS: readonly string[] = ['student_review_screen', 'student_my_page', 'operator_in_presence'] satisfies ConfirmationMethod[];

function toConfirmation(c: ConfirmationWithNamesRow): PhotoConfirmation {
  return {
    id: c.id,
    confirmedAt: c.confirmed_at,
    method: c.method && METHODS.includes(c.method) ? (c.method as ConfirmationMethod) : null,
    stationId: c.station_id ?? null,
    confirmedBy: c.confirmed_by && c.confirmed_by_name ? { username: c.confirmed_by_name, role: c.confirmed_by_role ?? '' } : null,
    byReviewScreen: c.device_id !== null && c.device_id !== undefined,
    codeMatch: c.code_match === null || c.code_match === undefined ? null : c.code_match === 1,
    voided: c.voided_at ? { at: c.voided_at, by: c.voided_by_name, reason: c.void_reason ?? '' } : null,
  };
}

function toReport(row: PhotoRow, confirmations: ConfirmationWithNamesRow[], lang: Lang, shredded?: ShreddedOfPhotos): PhotoReport {
  const stored = parseReport(row);
  const deleted = shredded?.get(row.id);
  const own = confirmations.filter((c) => c.photo_id === row.id);
  const confirmed = own.some((c) => c.voided_at === null);
  return {
    id: row.id,
    studentId: row.student_id,
    createdAt: row.created_at,
    station: row.station,
    checks: stored.checks.map((c) => ({ id: c.id, status: c.status, value: c.value ?? null, threshold: c.threshold ?? null, message: c.message[lang], measured: wasMeasured(c) })),
    accepted: stored.accepted,
    confirmed,
    invalid: confirmed && row.invalid_reason ? { rule: row.invalid_reason } : null,
    hasImage: stored.hasStandard && !deleted?.standard,
    confirmations: own.map(toConfirmation),
    ...(deleted ? { deleted: { original: deleted.original ?? null, standard: deleted.standard ?? null } } : {}),
  };
}

async function reportOf(db: Tx, row: PhotoRow, lang: Lang): Promise<PhotoReport> {
  return toReport(row, await photoRepo.listConfirmationsOfPhotos(db, [row.id]), lang, await listShreddedOfPhotos(db, [row.id]));
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

export async function getVisiblePhoto(deps: ServiceDeps, actor: Actor, photoId: string): Promise<{ photo: PhotoRow; student: PhotoStudentRow }> {
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
    await assertCampaignOpen(deps.db.db, campaign);
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
    // S6: a shot at an outlet's station (makeup-<outlet>-<n>) is a make-up: the outlet, the dates and the student are checked.
    // After the campaign's last day a site's station (or none) is refused: CAMPAIGN_ENDED.
    const outletId = await checkMakeUpStation(deps.db.db, deps.clock(), campaign, input.station ?? '', student.id);
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
          outlet_id: outletId,
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
          details: { studentId: student.id, sha256, size: input.bytes.length, accepted: stored.accepted, station: input.station ?? null, ...(outletId ? { outletId, rule: 'S6' } : {}) },
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
    return { value: toReport(outcome.row, [], lang), created: true };
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
  const confirmations = await photoRepo.listConfirmationsOfPhotos(
    deps.db.db,
    rows.map((r) => r.id),
  );
  const shredded = await listShreddedOfPhotos(
    deps.db.db,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => toReport(r, confirmations, lang, shredded)) };
}

async function readBlob(deps: ServiceDeps, photoId: string, kind: 'original' | 'standard'): Promise<Buffer> {
  const photos = deps.photos;
  const blob = await photoRepo.findPhotoBlob(deps.db.db, photoId, kind);
  if (!blob) throw (await photoDeletedError(deps.db.db, photoId, kind)) ?? new AppError('PHOTO_NOT_FOUND');
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
//
// A shot is confirmed by the student (on the station's paired review screen, or on their own /my page while
// the station asks them to), or by the operator's button with the student present (issue 9 section 4). Every
// confirmation records who (the account, or the paired screen), where (the station), when, how (the method)
// and whether the student checked in today with their bound collection code. In the same transaction the
// station's request is cleared and the ticket the station called for the student is served.

/** Who confirms, where and how: the part of a confirmation the caller decides. */
export interface ConfirmationSource {
  method: ConfirmationMethod;
  stationId: string | null;
  /** the paired review screen (review_devices.id) */
  deviceId?: string | null;
}

function notConfirmable(stored: StoredReport, lang: Lang): AppError | null {
  if (stored.accepted && stored.hasStandard) return null;
  const failed = stored.checks.filter((c) => c.status === 'fail');
  // what failed when measured says why; the checks that could not be run only when nothing measured failed
  const measuredFailures = failed.filter((c) => wasMeasured(c));
  const reason = failed.length > 0 ? [...new Set((measuredFailures.length > 0 ? measuredFailures : failed).map((c) => c.message[lang]))].join('; ') : lang === 'zh' ? '没有标准照片' : 'no standard photo';
  return new AppError('PHOTO_NOT_CONFIRMABLE', { params: { reason }, details: { failed: failed.map((c) => c.id) } });
}

/** Refuses a shot that cannot be confirmed (failed checks, no standard image) or a student who must not be photographed. */
export function assertConfirmable(photo: PhotoRow, student: PhotoStudentRow, lang: Lang): void {
  const refusal = notConfirmable(parseReport(photo), lang);
  if (refusal) throw refusal;
  assertRequired(student);
}

/**
 * Confirms `photo` inside `tx` (the caller runs it through `change`): the student's row is locked, the
 * decision read again, and the partial unique index on active confirmations decides a race. The same photo
 * confirmed already is an answer, not an error (`already: true`, nothing written); another photo of the
 * student confirmed already is PHOTO_ALREADY_CONFIRMED. `mustAwait`: the photo must be the one a station
 * awaits the student's answer for (the student's own answers; the operator's button does not need it).
 */
export async function confirmInTransaction(
  tx: Tx,
  deps: ServiceDeps,
  actor: Actor,
  effects: Effects,
  input: { photo: PhotoRow; student: PhotoStudentRow; campaign: CampaignDefinition; source: ConfirmationSource; mustAwait: boolean },
): Promise<{ value: { already: boolean; confirmedAt: string }; audit: AuditInput[] | null }> {
  const { photo, student, campaign, source } = input;
  await assertCampaignOpenForWrite(deps, tx, campaign);
  await lockStudent(tx, deps.db.dialect, student.id);
  const fresh = await photoRepo.findStudentById(tx, student.id);
  if (!fresh) throw new AppError('STUDENT_NOT_FOUND');
  const active = await photoRepo.findActiveConfirmationOfStudent(tx, student.id);
  if (active?.photo_id === photo.id) return { value: { already: true, confirmedAt: active.confirmed_at }, audit: null };
  if (active) throw new AppError('PHOTO_ALREADY_CONFIRMED');
  // a voided confirmation (an admin's reason, or the registry's 有误) ends that shot: a new one is taken
  if (await photoRepo.hasVoidedConfirmation(tx, photo.id)) throw new AppError('PHOTO_CONFIRMATION_VOIDED');
  assertRequired(fresh);
  if (input.mustAwait) {
    const review = await reviewRepo.findReviewOfStudent(tx, student.id);
    if (review?.photo_id !== photo.id || review.status !== 'awaiting' || (source.stationId !== null && review.station_id !== source.stationId)) {
      throw new AppError('PHOTO_NOT_AWAITING_CONFIRMATION', { details: { photoId: photo.id } });
    }
  }
  const now = nowIso(deps);
  const date = localDate(deps.clock(), campaign.timezone);
  const codeMatch = await photoRepo.checkedInWithCodeOn(tx, campaign.id, student.id, date);
  const id = crypto.randomUUID();
  const inserted = await photoRepo.insertConfirmationUnlessConfirmed(tx, {
    id,
    photo_id: photo.id,
    student_id: student.id,
    confirmed_at: now,
    confirmed_by: actor.principal?.userId ?? null,
    voided_at: null,
    voided_by: null,
    void_reason: null,
    method: source.method,
    station_id: source.stationId,
    device_id: source.deviceId ?? null,
    code_match: codeMatch ? 1 : 0,
  });
  if (!inserted) throw new AppError('PHOTO_ALREADY_CONFIRMED');
  // The stations that asked the student go idle; the ticket called for them is done.
  const cleared = await reviewRepo.deleteReviewsOfStudent(tx, student.id);
  const served = await serveTicketOnConfirmation(tx, deps, effects, { campaignId: campaign.id, studentId: student.id, date });
  const audit: AuditInput[] = [
    {
      action: 'photo.confirmed',
      targetType: 'photo',
      targetId: photo.id,
      details: {
        studentId: student.id,
        rule: 'C3',
        confirmationId: id,
        method: source.method,
        stationId: source.stationId,
        deviceId: source.deviceId ?? null,
        codeMatch,
        reviewCleared: cleared.map((r) => r.station_id),
      },
    },
  ];
  if (served) audit.push(served);
  return { value: { already: false, confirmedAt: now }, audit };
}

/**
 * C4: the student's ticket of today is served in the confirmation's transaction (the call boards hear of it):
 * the one a station called, or one still waiting when the operator set the student by number — a station must
 * not call them later for nothing. Answers its audit event, or null when they hold no open ticket.
 */
async function serveTicketOnConfirmation(tx: Tx, deps: ServiceDeps, effects: Effects, input: { campaignId: string; studentId: string; date: string }): Promise<AuditInput | null> {
  const ticket = await queueRepo.findActiveTicketOfStudent(tx, input.campaignId, input.date, input.studentId);
  if (!ticket) return null;
  // called at a station (the usual way), or still waiting when the operator set the student by number
  const served = await queueRepo.serveTicket(tx, ticket.id, nowIso(deps), ticket.status === 'called' ? 'called' : 'waiting');
  if (!served) return null;
  effects.queueChanged(ticket.site, ticket.date);
  return { action: 'ticket.served', targetType: 'ticket', targetId: ticket.id, details: { site: ticket.site, number: ticket.number, stationId: ticket.station_id, studentId: ticket.student_id, reason: 'photo.confirmed', wasCalled: ticket.status === 'called' } };
}

/** The station where the operator's button is pressed: the one given, else the one asking the student, else the one naming them. */
async function stationOfOperatorConfirmation(db: Tx, photo: PhotoRow, studentId: string, given: string | undefined): Promise<string | null> {
  if (given) return given;
  const review = await reviewRepo.findReviewOfStudent(db, studentId);
  if (review) return review.station_id;
  const naming = await db.selectFrom('stations').select('id').where('current_student_id', '=', studentId).orderBy('updated_at', 'desc').executeTakeFirst();
  if (naming) return naming.id;
  return photo.station && /^[a-z0-9-]{1,32}$/.test(photo.station) ? photo.station : null;
}

/**
 * confirmPhoto, the operator's button: the student is present and has no phone (or cannot use the review
 * screen); recorded as `operator_in_presence` with the operator's account. Locks this shot (C3): no later
 * upload, no other confirmation, unless an admin voids it.
 */
export async function confirmPhoto(deps: ServiceDeps, actor: Actor, photoId: string, lang: Lang, body?: unknown): Promise<PhotoReport> {
  authorize(actor, 'photo.confirm');
  const parsed = ConfirmPhotoRequestSchema.safeParse(body ?? undefined);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', { params: { detail: `stationId: ${parsed.error.issues[0]?.message ?? 'invalid'}` }, issues: schemaIssues(parsed.error.issues) });
  const { photo, student } = await getVisiblePhoto(deps, actor, photoId);
  assertConfirmable(photo, student, lang);
  const campaign = await getActiveCampaign(deps);
  const stationId = await stationOfOperatorConfirmation(deps.db.db, photo, student.id, parsed.data?.stationId);
  const done = await change(deps, actor, (tx, effects) => confirmInTransaction(tx, deps, actor, effects, { photo, student, campaign, source: { method: 'operator_in_presence', stationId }, mustAwait: false }));
  // As before issue 9, the operator's button says so when the student is confirmed already (the student's own answers are idempotent).
  if (done.value.already) throw new AppError('PHOTO_ALREADY_CONFIRMED');
  return reportOf(deps.db.db, photo, lang);
}

// ───────────────────────────── the student's own photo (/my) ─────────────────────────────

/** The signed-in student's roster row (a student account names its student number). */
async function ownStudent(deps: ServiceDeps, actor: Actor, campaign: CampaignDefinition): Promise<PhotoStudentRow> {
  const studentNo = actor.principal?.studentNo ?? (actor.principal?.role === 'student' ? actor.principal.username : null);
  if (!studentNo) throw new AppError('STUDENT_NOT_FOUND');
  const student = await photoRepo.findStudentByNo(deps.db.db, campaign.id, studentNo);
  if (!student) throw new AppError('STUDENT_NOT_FOUND');
  return student;
}

async function myPhotoOf(deps: ServiceDeps, student: PhotoStudentRow, lang: Lang): Promise<MyPhoto> {
  const db = deps.db.db;
  const active = await photoRepo.findActiveConfirmationOfStudent(db, student.id);
  if (active) {
    const photo = await photoRepo.findPhoto(db, active.photo_id);
    return { state: 'confirmed', photo: photo ? await reportOf(db, photo, lang) : null, stationId: active.station_id ?? null, requestedAt: null, confirmedAt: active.confirmed_at };
  }
  const review = await reviewRepo.findReviewOfStudent(db, student.id);
  const photo = review ? await photoRepo.findPhoto(db, review.photo_id) : undefined;
  if (review && photo) return { state: review.status, photo: await reportOf(db, photo, lang), stationId: review.station_id, requestedAt: review.requested_at, confirmedAt: null };
  return { state: 'none', photo: null, stationId: null, requestedAt: null, confirmedAt: null };
}

/** getMyPhoto: the student's confirmed photo, or the shot a station asks them to confirm, or none. */
export async function getMyPhoto(deps: ServiceDeps, actor: Actor, lang: Lang): Promise<MyPhoto> {
  authorize(actor, 'photo.confirmMine');
  const campaign = await getActiveCampaign(deps);
  return myPhotoOf(deps, await ownStudent(deps, actor, campaign), lang);
}

function parseAnswer(body: unknown): string {
  const parsed = MyPhotoAnswerRequestSchema.safeParse(body);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', { params: { detail: `photoId: ${parsed.error.issues[0]?.message ?? 'required'}` }, details: [{ field: 'photoId', message: 'required' }], issues: schemaIssues(parsed.error.issues) });
  return parsed.data.photoId;
}

/** The student's own shot, or FORBIDDEN (audited) for anyone else's. */
async function ownPhoto(deps: ServiceDeps, actor: Actor, photoId: string): Promise<{ photo: PhotoRow; student: PhotoStudentRow; campaign: CampaignDefinition }> {
  const campaign = await getActiveCampaign(deps);
  const own = await ownStudent(deps, actor, campaign);
  const photo = await photoRepo.findPhoto(deps.db.db, photoId);
  if (!photo) throw new AppError('PHOTO_NOT_FOUND');
  if (photo.student_id !== own.id) {
    await recordAuditEvent(deps, actor, { action: 'student.access_denied', result: 'denied', targetType: 'photo', targetId: photo.id, details: { operation: 'confirmMyPhoto' } });
    throw new AppError('FORBIDDEN');
  }
  return { photo, student: own, campaign };
}

/**
 * confirmMyPhoto: the student confirms, on /my, the shot a station currently asks them to confirm (C3).
 * Only their own shot, only while it awaits them; the same photo again answers the confirmed photo (idempotent).
 */
export async function confirmMyPhoto(deps: ServiceDeps, actor: Actor, body: unknown, lang: Lang): Promise<Done<MyPhoto>> {
  authorize(actor, 'photo.confirmMine');
  const { photo, student, campaign } = await ownPhoto(deps, actor, parseAnswer(body));
  assertConfirmable(photo, student, lang);
  const done = await change(deps, actor, async (tx, effects) => {
    const review = await reviewRepo.findReviewOfStudent(tx, student.id);
    return confirmInTransaction(tx, deps, actor, effects, { photo, student, campaign, source: { method: 'student_my_page', stationId: review?.station_id ?? null }, mustAwait: true });
  });
  return { value: await myPhotoOf(deps, student, lang), created: !done.value.already };
}

/**
 * requestMyPhotoRetake: the student asks for another shot (重拍) on /my: the station is told (its request shows
 * "学生要求重拍"); the shot stays unconfirmed. Only the shot awaiting them.
 */
export async function requestMyPhotoRetake(deps: ServiceDeps, actor: Actor, body: unknown, lang: Lang): Promise<MyPhoto> {
  authorize(actor, 'photo.confirmMine');
  const { photo, student, campaign } = await ownPhoto(deps, actor, parseAnswer(body));
  await mutate(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign); // a closed campaign takes no more shots (A3)
    const review = await reviewRepo.findReviewOfStudent(tx, student.id);
    if (review?.photo_id !== photo.id) throw new AppError('PHOTO_NOT_AWAITING_CONFIRMATION', { details: { photoId: photo.id } });
    if (review.status === 'retake') return { value: null, audit: null };
    if (!(await reviewRepo.markRetakeRequested(tx, review.station_id, photo.id, nowIso(deps)))) throw new AppError('PHOTO_NOT_AWAITING_CONFIRMATION', { details: { photoId: photo.id } });
    return { value: null, audit: { action: 'photo.retake_requested', targetType: 'photo', targetId: photo.id, details: { studentId: student.id, stationId: review.station_id, via: 'student_my_page' } } };
  });
  return myPhotoOf(deps, student, lang);
}

// ───────────────────────────── the review screen's reads ─────────────────────────────

/**
 * The standard image of the shot a station awaits, for its paired review screen: the caller (review-screen
 * service) has checked the screen's pairing and that this shot is the station's. Audited `photo.viewed` with
 * the screen as actor, before the bytes leave (A3).
 */
export async function readImageForReviewScreen(deps: ServiceDeps, screen: Actor, photo: PhotoRow, details: { stationId: string; deviceId: string }): Promise<Buffer> {
  const bytes = await readBlob(deps, photo.id, 'standard');
  await recordAuditEvent(deps, screen, { action: 'photo.viewed', targetType: 'photo', targetId: photo.id, details: { studentId: photo.student_id, kind: 'standard', ...details } });
  return bytes;
}

/** An admin voids a confirmation with a reason (audited): the student may be photographed again. */
export async function voidPhotoConfirmation(deps: ServiceDeps, actor: Actor, photoId: string, reason: string, lang: Lang): Promise<PhotoReport> {
  authorize(actor, 'photo.void');
  const why = reason.trim();
  if ([...why].length < 2) throw new AppError('VOID_REASON_REQUIRED', { details: [{ field: 'reason', message: 'required' }] });
  const { photo, student } = await getVisiblePhoto(deps, actor, photoId);
  const campaign = await getActiveCampaign(deps);
  await mutate(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    await lockStudent(tx, deps.db.dialect, student.id);
    const active = await photoRepo.findActiveConfirmationOfStudent(tx, student.id);
    if (active?.photo_id !== photo.id) throw new AppError('CONFIRMATION_NOT_FOUND');
    if (!(await photoRepo.voidConfirmation(tx, active.id, actor.principal?.userId ?? null, why, nowIso(deps)))) throw new AppError('CONFIRMATION_NOT_FOUND');
    return {
      value: null,
      audit: { action: 'photo.confirmation_voided', targetType: 'photo', targetId: photo.id, details: { studentId: student.id, confirmationId: active.id, reason: why } },
    };
  });
  return reportOf(deps.db.db, photo, lang);
}

// E7 (flagging confirmed photos of students no longer required): services/photo-validity.ts

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
