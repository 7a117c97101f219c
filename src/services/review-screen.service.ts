// The student confirms their own photo on the station's review screen (issue 9 section 4, rule C3;
// docs/decisions/0022-student-confirmation.md).
//
// - The operator asks (requestPhotoReview): the station now awaits the student's answer for one shot that
//   passed its checks. Asking at a station withdraws the student's requests at other stations.
// - A review screen (a monitor or tablet turned to the student) is paired with ONE station: the operator makes a
//   6-digit one-time code (createReviewPairing, 5 minutes; a new code ends the older one); the screen sends it
//   (pairReviewScreen) and gets an HttpOnly cookie whose token is stored only as a SHA-256, valid for that station
//   until the end of the campaign day (Asia/Shanghai) or until revoked (revokeReviewScreens). The code is kept only
//   as a keyed hash (HMAC, key derived from the master key). Wrong codes count against the station's open codes:
//   at the 5th the codes are burnt (REVIEW_PAIRING_LOCKED) and the operator makes a new one; the route also
//   limits attempts per address. Every pairing, refusal and revocation is audited.
// - The screen shows only the shot awaiting the student, the masked name and 确认 / 重拍. It acts as itself: the
//   audit records the actor `review-screen:<station>` (no account), the confirmation the device's id.
import crypto from 'node:crypto';
import type { PairReviewScreenResponseSchema, ReviewPairing, ReviewScreenAnswer, ReviewScreenState, StationReview } from '../contracts/review-screen.js';
import { PairReviewScreenRequestSchema, RequestPhotoReviewSchema, ReviewScreenAnswerRequestSchema } from '../contracts/review-screen.js';
import { localDate } from '../domain/campaign.js';
import { AppError, schemaIssues } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { maskName } from '../domain/masking.js';
import { zonedTimeToInstant } from '../domain/schedule.js';
import * as photoRepo from '../repositories/photo.repository.js';
import * as reviewRepo from '../repositories/review-screen.repository.js';
import * as stationRepo from '../repositories/station.repository.js';
import { recordAuditEvent } from './audit.service.js';
import { change, mutate } from './change.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { assertConfirmable, confirmInTransaction, getVisiblePhoto, readImageForReviewScreen } from './photo.service.js';
import { checkStationId } from './station.service.js';
import type { z } from 'zod';

/** How long a pairing code is valid. */
export const PAIRING_TTL_MINUTES = 5;
/** Wrong codes tried against a station before its open codes are burnt. */
export const PAIRING_MAX_FAILURES = 5;
/** The purpose the pairing code's HMAC key is derived for. */
const PAIRING_KEY_PURPOSE = 'review-pairing';
/** A paired screen's last sighting is written at most this often (it polls every second or so). */
const LAST_SEEN_EVERY_MS = 60_000;

export type PairReviewScreenResult = z.infer<typeof PairReviewScreenResponseSchema> & { token: string };

/** A paired review screen, as authenticated from its cookie. */
export interface ReviewScreenDevice {
  id: string;
  stationId: string;
  expiresAt: string;
}

function photoIdOf(body: unknown, schema: typeof RequestPhotoReviewSchema | typeof ReviewScreenAnswerRequestSchema): string {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', { params: { detail: `photoId: ${parsed.error.issues[0]?.message ?? 'required'}` }, details: [{ field: 'photoId', message: 'required' }], issues: schemaIssues(parsed.error.issues) });
  return parsed.data.photoId;
}

/** The screen acts as itself: audit events name `review-screen:<station>` and its address, no account. */
export function screenActor(stationId: string, ip: string | null): Actor {
  return { principal: null, ip, system: { label: `review-screen:${stationId}` } };
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** The end of today in the campaign's time zone: a paired screen works for one capture day. */
function endOfCampaignDay(now: Date, timeZone: string): string {
  const today = new Date(`${localDate(now, timeZone)}T00:00:00Z`);
  today.setUTCDate(today.getUTCDate() + 1);
  return zonedTimeToInstant(today.toISOString().slice(0, 10), '00:00', timeZone).toISOString();
}

// ───────────────────────────── the station's side ─────────────────────────────

/** getStationReview: the shot awaiting the student's answer at the station, and its paired screens. */
export async function getStationReview(deps: ServiceDeps, actor: Actor, stationId: string): Promise<StationReview> {
  authorize(actor, 'station.read');
  const id = checkStationId(stationId);
  const db = deps.db.db;
  const review = await reviewRepo.findStationReview(db, id);
  const devices = await reviewRepo.listActiveDevices(db, id, nowIso(deps));
  const lastSeen = devices.map((d) => d.last_seen_at ?? d.created_at).sort().at(-1) ?? null;
  return {
    stationId: id,
    review: review ? { photoId: review.photo_id, studentId: review.student_id, status: review.status, requestedAt: review.requested_at, updatedAt: review.updated_at } : null,
    screens: { paired: devices.length, lastSeenAt: lastSeen },
  };
}

/**
 * requestPhotoReview (请学生确认): the station asks its student to confirm this shot, on the paired review
 * screen or on their /my page. Only a shot that passed its checks, of a student who must be photographed and
 * has no confirmed photo (C3). Asking again for the same shot changes nothing; after a 重拍 it asks again.
 */
export async function requestPhotoReview(deps: ServiceDeps, actor: Actor, stationId: string, body: unknown, lang: Lang): Promise<StationReview> {
  authorize(actor, 'photo.confirm');
  const id = checkStationId(stationId);
  const { photo, student } = await getVisiblePhoto(deps, actor, photoIdOf(body, RequestPhotoReviewSchema));
  assertConfirmable(photo, student, lang);
  await mutate(deps, actor, async (tx) => {
    if (await photoRepo.findActiveConfirmationOfStudent(tx, student.id)) throw new AppError('PHOTO_ALREADY_CONFIRMED');
    if (await photoRepo.hasVoidedConfirmation(tx, photo.id)) throw new AppError('PHOTO_CONFIRMATION_VOIDED');
    const before = await reviewRepo.findStationReview(tx, id);
    const elsewhere = await reviewRepo.deleteReviewsOfStudentElsewhere(tx, student.id, id);
    if (before?.photo_id === photo.id && before.status === 'awaiting' && elsewhere === 0) return { value: null, audit: null };
    const now = nowIso(deps);
    await reviewRepo.upsertStationReview(tx, { station_id: id, photo_id: photo.id, student_id: student.id, status: 'awaiting', requested_by: actor.principal?.userId ?? null, requested_at: now, updated_at: now });
    return {
      value: null,
      audit: { action: 'photo.review_requested', targetType: 'photo', targetId: photo.id, details: { studentId: student.id, stationId: id, previousPhotoId: before?.photo_id ?? null, withdrawnElsewhere: elsewhere } },
    };
  });
  return getStationReview(deps, actor, id);
}

/** withdrawPhotoReview: the station no longer asks (the student left, or a new shot is coming). */
export async function withdrawPhotoReview(deps: ServiceDeps, actor: Actor, stationId: string): Promise<StationReview> {
  authorize(actor, 'photo.confirm');
  const id = checkStationId(stationId);
  await mutate(deps, actor, async (tx) => {
    const before = await reviewRepo.deleteStationReview(tx, id);
    if (!before) return { value: null, audit: null };
    return { value: null, audit: { action: 'photo.review_withdrawn', targetType: 'photo', targetId: before.photo_id, details: { studentId: before.student_id, stationId: id, status: before.status } } };
  });
  return getStationReview(deps, actor, id);
}

/** createReviewPairing (配对学生确认屏): a 6-digit one-time code for the station's review screen, valid 5 minutes. */
export async function createReviewPairing(deps: ServiceDeps, actor: Actor, stationId: string): Promise<ReviewPairing> {
  authorize(actor, 'photo.confirm');
  const id = checkStationId(stationId);
  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + PAIRING_TTL_MINUTES * 60_000).toISOString();
  const pairingId = crypto.randomUUID();
  await mutate(deps, actor, async (tx) => {
    await reviewRepo.expireOpenPairings(tx, id, now.toISOString());
    await reviewRepo.insertPairing(tx, {
      id: pairingId,
      station_id: id,
      code_hash: deps.cipher.keyedHashFor(PAIRING_KEY_PURPOSE, `${id}:${code}`),
      created_by: actor.principal?.userId ?? null,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      used_at: null,
      failed_attempts: 0,
    });
    // never the code itself in the log
    return { value: null, audit: { action: 'review_screen.pairing_created', targetType: 'station', targetId: id, details: { pairingId, expiresAt } } };
  });
  return { stationId: id, code, expiresAt, path: `/station/${id}/review#code=${code}` };
}

/** revokeReviewScreens (取消配对): every screen paired with the station stops working at once; open codes end. */
export async function revokeReviewScreens(deps: ServiceDeps, actor: Actor, stationId: string): Promise<{ revoked: number }> {
  authorize(actor, 'photo.confirm');
  const id = checkStationId(stationId);
  return mutate(deps, actor, async (tx) => {
    const now = nowIso(deps);
    await reviewRepo.expireOpenPairings(tx, id, now);
    const revoked = await reviewRepo.revokeDevices(tx, id, actor.principal?.userId ?? null, now);
    return { value: { revoked }, audit: revoked > 0 ? { action: 'review_screen.revoked', targetType: 'station', targetId: id, details: { count: revoked } } : null };
  });
}

// ───────────────────────────── the screen's side ─────────────────────────────

/**
 * pairReviewScreen: the screen sends the code the station shows. A right code is used once and answers a new
 * device token (for the cookie); a wrong, used or expired one is refused and counted against the station's open
 * codes (REVIEW_PAIRING_LOCKED at the 5th). Spaces in the code are ignored (it is shown as 123 456).
 */
export async function pairReviewScreen(deps: ServiceDeps, stationId: string, body: unknown, ip: string | null): Promise<PairReviewScreenResult> {
  const id = checkStationId(stationId);
  const parsed = PairReviewScreenRequestSchema.safeParse(body);
  const typed = parsed.success ? parsed.data.code.replace(/\s+/g, '') : '';
  const anonymous: Actor = { principal: null, ip };
  const now = deps.clock();
  const hash = /^\d{6}$/.test(typed) ? deps.cipher.keyedHashFor(PAIRING_KEY_PURPOSE, `${id}:${typed}`) : null;
  const open = await reviewRepo.listOpenPairings(deps.db.db, id, now.toISOString(), PAIRING_MAX_FAILURES);
  const match = hash ? open.find((p) => sameHex(p.code_hash, hash)) : undefined;
  if (!match) {
    // Counted and recorded in their own transaction: the refusal must stay when the answer is an error.
    const attempts = await mutate(deps, anonymous, async (tx) => {
      const n = await reviewRepo.countFailedAttempt(tx, id, now.toISOString());
      return { value: n, audit: { action: 'review_screen.pairing_refused', result: 'denied', targetType: 'station', targetId: id, details: { attempts: n, openCodes: open.length } } };
    });
    // the count of wrong codes that burnt it: a code tried after the lock (even the right one) adds nothing to it
    if (attempts >= PAIRING_MAX_FAILURES) throw new AppError('REVIEW_PAIRING_LOCKED', { params: { stationId: id, attempts: PAIRING_MAX_FAILURES } });
    throw new AppError('REVIEW_PAIRING_INVALID', { params: { code: typed.slice(0, 12) || (parsed.success ? parsed.data.code.slice(0, 12) : '') } });
  }
  const campaign = await getActiveCampaign(deps);
  const token = crypto.randomBytes(32).toString('base64url');
  const deviceId = crypto.randomUUID();
  const pairedUntil = endOfCampaignDay(now, campaign.timezone);
  await mutate(deps, screenActor(id, ip), async (tx) => {
    // used once: a second screen racing with the same code loses here
    if (!(await reviewRepo.usePairing(tx, match.id, now.toISOString()))) throw new AppError('REVIEW_PAIRING_INVALID', { params: { code: typed } });
    await reviewRepo.insertDevice(tx, {
      id: deviceId,
      station_id: id,
      token_hash: sha256(token),
      pairing_id: match.id,
      paired_by: match.created_by,
      created_at: now.toISOString(),
      expires_at: pairedUntil,
      revoked_at: null,
      revoked_by: null,
      last_seen_at: now.toISOString(),
    });
    return { value: null, audit: { action: 'review_screen.paired', targetType: 'station', targetId: id, details: { deviceId, pairingId: match.id, pairedBy: match.created_by, pairedUntil } } };
  });
  return { stationId: id, pairedUntil, token };
}

/**
 * The screen's cookie, checked on every call: REVIEW_SCREEN_NOT_PAIRED without a valid token (none, unknown,
 * revoked, past the end of its day); FORBIDDEN (audited) for a token of another station.
 */
export async function authenticateReviewScreen(deps: ServiceDeps, stationId: string, token: string | undefined, ip: string | null): Promise<ReviewScreenDevice> {
  const id = checkStationId(stationId);
  const now = deps.clock();
  const row = token ? await reviewRepo.findDeviceByTokenHash(deps.db.db, sha256(token)) : undefined;
  if (!row || row.revoked_at || row.expires_at <= now.toISOString()) throw new AppError('REVIEW_SCREEN_NOT_PAIRED', { params: { stationId: id } });
  if (row.station_id !== id) {
    await recordAuditEvent(deps, screenActor(row.station_id, ip), { action: 'access.denied', result: 'denied', targetType: 'station', targetId: id, details: { operation: 'reviewScreen', deviceId: row.id, pairedStation: row.station_id } });
    throw new AppError('FORBIDDEN');
  }
  // A heartbeat, not a change of data (like a session's last activity): no audit event, at most once a minute.
  if (!row.last_seen_at || now.getTime() - new Date(row.last_seen_at).getTime() >= LAST_SEEN_EVERY_MS) await reviewRepo.touchDevice(deps.db.db, row.id, now.toISOString());
  return { id: row.id, stationId: row.station_id, expiresAt: row.expires_at };
}

/** getReviewScreen: what the screen shows now — nothing (请稍候), or the shot awaiting the student and their masked name. */
export async function getReviewScreen(deps: ServiceDeps, device: ReviewScreenDevice): Promise<ReviewScreenState> {
  const db = deps.db.db;
  const review = await reviewRepo.findStationReview(db, device.stationId);
  const student = review ? await stationRepo.findStationStudentById(db, review.student_id) : undefined;
  if (!review || !student) return { stationId: device.stationId, state: 'idle', photoId: null, name: null, requestedAt: null, pairedUntil: device.expiresAt };
  return { stationId: device.stationId, state: review.status, photoId: review.photo_id, name: maskName(student.name), requestedAt: review.requested_at, pairedUntil: device.expiresAt };
}

/** The standard image of the shot the station awaits, for its paired screen only; each view audited (photo.viewed). */
export async function getReviewScreenImage(deps: ServiceDeps, device: ReviewScreenDevice, photoId: string, ip: string | null): Promise<Buffer> {
  const review = await reviewRepo.findStationReview(deps.db.db, device.stationId);
  if (review?.photo_id !== photoId) throw new AppError('PHOTO_NOT_AWAITING_CONFIRMATION', { details: { photoId } });
  const photo = await photoRepo.findPhoto(deps.db.db, photoId);
  if (!photo) throw new AppError('PHOTO_NOT_FOUND');
  return readImageForReviewScreen(deps, screenActor(device.stationId, ip), photo, { stationId: device.stationId, deviceId: device.id });
}

/** confirmOnReviewScreen (确认): the student confirms the shot the station awaits (C3); the same shot again is the same answer. */
export async function confirmOnReviewScreen(deps: ServiceDeps, device: ReviewScreenDevice, body: unknown, ip: string | null, lang: Lang): Promise<ReviewScreenAnswer> {
  const photoId = photoIdOf(body, ReviewScreenAnswerRequestSchema);
  const db = deps.db.db;
  const review = await reviewRepo.findStationReview(db, device.stationId);
  if (review?.photo_id !== photoId) {
    // A second tap after the confirmation went through (the station's request is cleared by it): the same answer.
    const confirmed = (await photoRepo.listConfirmationsOfPhotos(db, [photoId])).find((c) => c.voided_at === null);
    if (confirmed?.device_id === device.id) return { outcome: 'confirmed', photoId, at: confirmed.confirmed_at };
    throw new AppError('PHOTO_NOT_AWAITING_CONFIRMATION', { details: { photoId } });
  }
  const photo = await photoRepo.findPhoto(db, photoId);
  const student = photo ? await photoRepo.findStudentById(db, photo.student_id) : undefined;
  if (!photo || !student) throw new AppError('PHOTO_NOT_AWAITING_CONFIRMATION', { details: { photoId } });
  assertConfirmable(photo, student, lang);
  const campaign = await getActiveCampaign(deps);
  const actor = screenActor(device.stationId, ip);
  const done = await change(deps, actor, (tx, effects) =>
    confirmInTransaction(tx, deps, actor, effects, { photo, student, campaign, source: { method: 'student_review_screen', stationId: device.stationId, deviceId: device.id }, mustAwait: true }),
  );
  return { outcome: 'confirmed', photoId, at: done.value.confirmedAt };
}

/** requestRetakeOnReviewScreen (重拍): the station is told; the shot stays unconfirmed. */
export async function requestRetakeOnReviewScreen(deps: ServiceDeps, device: ReviewScreenDevice, body: unknown, ip: string | null): Promise<ReviewScreenAnswer> {
  const photoId = photoIdOf(body, ReviewScreenAnswerRequestSchema);
  const now = nowIso(deps);
  await mutate(deps, screenActor(device.stationId, ip), async (tx) => {
    const review = await reviewRepo.findStationReview(tx, device.stationId);
    if (review?.photo_id !== photoId) throw new AppError('PHOTO_NOT_AWAITING_CONFIRMATION', { details: { photoId } });
    if (review.status === 'retake') return { value: null, audit: null };
    if (!(await reviewRepo.markRetakeRequested(tx, device.stationId, photoId, now))) throw new AppError('PHOTO_NOT_AWAITING_CONFIRMATION', { details: { photoId } });
    return { value: null, audit: { action: 'photo.retake_requested', targetType: 'photo', targetId: photoId, details: { studentId: review.student_id, stationId: device.stationId, deviceId: device.id, via: 'student_review_screen' } } };
  });
  return { outcome: 'retake', photoId, at: now };
}
