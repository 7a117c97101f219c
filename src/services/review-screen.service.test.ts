// The student confirms their own photo (issue 9 section 4, rule C3), on a real database, once per dialect:
// the station asks, a review screen is paired with a one-time code (wrong, used, expired and burnt codes
// refused; a screen only works for its station), the student confirms on the screen or on /my, or the operator
// in their presence; each confirmation records who, where, when, how and the collection-code match, serves the
// called ticket and clears the station's request; a confirmed student cannot book (PHOTO_CONFIRMED).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectAppError } from '../../test/support/app-errors.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import * as paymentRepo from '../repositories/payment.repository.js';
import { createBooking } from './booking.service.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor } from './deps.js';
import { confirmMyPhoto, confirmPhoto, getMyPhoto, getPhotoImage, requestMyPhotoRetake, uploadPhoto, voidPhotoConfirmation } from './photo.service.js';
import { callNext, checkIn } from './queue.service.js';
import {
  authenticateReviewScreen,
  confirmOnReviewScreen,
  createReviewPairing,
  getReviewScreen,
  getReviewScreenImage,
  getStationReview,
  pairReviewScreen,
  PAIRING_MAX_FAILURES,
  requestPhotoReview,
  requestRetakeOnReviewScreen,
  revokeReviewScreens,
  withdrawPhotoReview,
} from './review-screen.service.js';
import { applyRosterImport } from './roster.service.js';

const PORTRAIT = path.resolve('test/fixtures/photos/id-blue-12mp.jpg');
const FAILED = path.resolve('test/fixtures/photos/fault-blurred.jpg');

/** The portrait with a comment segment: other bytes, the same picture (a new shot). */
function shot(jpeg: Buffer, label: string): Buffer {
  const text = Buffer.from(`gradphoto review shot ${label}`, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, jpeg.subarray(2)]);
}

const NO = { screen: '2601000001', my: '2601000002', operator: '2601000003', other: '2601000004', retake: '2601000005', book: '2601000006', race: '2601000007' } as const;

// Each upload runs the whole pipeline on a 12 MP photo.
vi.setConfig({ testTimeout: 60_000 });

describe.each(DIALECTS)('the student confirms their own photo on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let operator: Actor;
  const students = {} as Record<keyof typeof NO, Actor>;
  let portrait: Buffer;
  let n = 0;
  const db = () => rt.deps.db.db;
  const upload = async (no: string) => (await uploadPhoto(rt.deps, operator, { bytes: shot(portrait, `${dialect}-${++n}`), studentNo: no, station: 'beijing-1' }, 'zh')).value;
  const events = (action: string) => db().selectFrom('audit_events').select(['action', 'result', 'actor_name', 'target_id', 'details']).where('action', '=', action).orderBy('seq').execute();
  const confirmationOf = (photoId: string) => db().selectFrom('photo_confirmations').selectAll().where('photo_id', '=', photoId).executeTakeFirstOrThrow();
  const pair = async (stationId: string) => {
    const { code } = await createReviewPairing(rt.deps, operator, stationId);
    const paired = await pairReviewScreen(rt.deps, stationId, { code }, '10.0.0.7');
    return authenticateReviewScreen(rt.deps, stationId, paired.token, '10.0.0.7');
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'rs-admin');
    operator = await createActor(rt.deps, 'operator', [], 'rs-operator');
    const rows = Object.values(NO).map((no, i) => rosterRow(no, { 姓名: ['张小三', '欧阳娜娜', '李四', '王五', '赵六', '钱七', '孙八'][i]! }));
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
    for (const [key, no] of Object.entries(NO)) students[key as keyof typeof NO] = await createActor(rt.deps, 'student', [], no);
    const campaign = await getActiveCampaign(rt.deps);
    for (const site of ['beijing', 'shenzhen']) await paymentRepo.setPaymentBeforeQueue(db(), campaign.id, site, false, '2023-10-20T02:00:00.000Z');
    portrait = fs.readFileSync(PORTRAIT);
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });
  beforeEach(() => {
    rt.clock.set('2023-11-01T01:00:00.000Z'); // 09:00 in Beijing, the campaign's day of 物理学院
  });

  it('pairing: a wrong code is refused and audited, the right one works once, a used or expired code is refused', async () => {
    const { code, path: page, expiresAt } = await createReviewPairing(rt.deps, operator, 'beijing-7');
    expect(code).toMatch(/^\d{6}$/);
    expect(page).toBe(`/station/beijing-7/review#code=${code}`); // the code in the fragment, never a query string
    expect(expiresAt).toBe('2023-11-01T01:05:00.000Z');
    const stored = await db().selectFrom('review_pairings').selectAll().where('station_id', '=', 'beijing-7').execute();
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(JSON.stringify(await events('review_screen.pairing_created'))).not.toContain(code);

    const wrong = code === '000000' ? '111111' : '000000';
    const e = await expectAppError(pairReviewScreen(rt.deps, 'beijing-7', { code: wrong }, '10.0.0.7'), 'REVIEW_PAIRING_INVALID');
    expect(e.params).toEqual({ code: wrong });
    expect((await events('review_screen.pairing_refused')).at(-1)).toMatchObject({ result: 'denied', target_id: 'beijing-7' });
    // the code of another station does not pair this one
    await expectAppError(pairReviewScreen(rt.deps, 'beijing-8', { code }, '10.0.0.7'), 'REVIEW_PAIRING_INVALID');

    const paired = await pairReviewScreen(rt.deps, 'beijing-7', { code: `${code.slice(0, 3)} ${code.slice(3)}` }, '10.0.0.7');
    // until the end of the campaign day in Beijing (2023-11-02 00:00 +08:00)
    expect(paired.pairedUntil).toBe('2023-11-01T16:00:00.000Z');
    const devices = await db().selectFrom('review_devices').selectAll().where('station_id', '=', 'beijing-7').execute();
    expect(devices).toHaveLength(1);
    expect(devices[0]!.token_hash).not.toBe(paired.token);
    expect(devices[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await events('review_screen.paired')).at(-1)).toMatchObject({ actor_name: 'review-screen:beijing-7', target_id: 'beijing-7' });
    // used once
    await expectAppError(pairReviewScreen(rt.deps, 'beijing-7', { code }, '10.0.0.8'), 'REVIEW_PAIRING_INVALID');
    // expired after 5 minutes
    const late = await createReviewPairing(rt.deps, operator, 'beijing-7');
    rt.clock.set('2023-11-01T01:06:00.000Z');
    await expectAppError(pairReviewScreen(rt.deps, 'beijing-7', { code: late.code }, '10.0.0.7'), 'REVIEW_PAIRING_INVALID');
    // a new code ends the older one
    const first = await createReviewPairing(rt.deps, operator, 'beijing-7');
    const second = await createReviewPairing(rt.deps, operator, 'beijing-7');
    if (first.code !== second.code) await expectAppError(pairReviewScreen(rt.deps, 'beijing-7', { code: first.code }, '10.0.0.7'), 'REVIEW_PAIRING_INVALID');
    await pairReviewScreen(rt.deps, 'beijing-7', { code: second.code }, '10.0.0.7');
  });

  it(`pairing: at the ${PAIRING_MAX_FAILURES}th wrong code the station's open code is burnt (REVIEW_PAIRING_LOCKED), even for the right one; a new code works`, async () => {
    const { code } = await createReviewPairing(rt.deps, operator, 'beijing-9');
    const wrong = code === '123456' ? '654321' : '123456';
    for (let i = 1; i < PAIRING_MAX_FAILURES; i++) await expectAppError(pairReviewScreen(rt.deps, 'beijing-9', { code: wrong }, '10.0.0.9'), 'REVIEW_PAIRING_INVALID');
    const locked = await expectAppError(pairReviewScreen(rt.deps, 'beijing-9', { code: 'abc' }, '10.0.0.9'), 'REVIEW_PAIRING_LOCKED');
    expect(locked.params).toEqual({ stationId: 'beijing-9', attempts: PAIRING_MAX_FAILURES });
    // the right code after the lock is still refused, and the message still says 5 wrong codes (not 6)
    const after = await expectAppError(pairReviewScreen(rt.deps, 'beijing-9', { code }, '10.0.0.9'), 'REVIEW_PAIRING_LOCKED');
    expect(after.params).toEqual({ stationId: 'beijing-9', attempts: PAIRING_MAX_FAILURES });
    // the operator makes a new code: it works
    const fresh = await createReviewPairing(rt.deps, operator, 'beijing-9');
    await expect(pairReviewScreen(rt.deps, 'beijing-9', { code: fresh.code }, '10.0.0.9')).resolves.toMatchObject({ stationId: 'beijing-9' });
  });

  it("a screen's token works for its station only (another station: FORBIDDEN, audited), until revoked or the day ends", async () => {
    const { code } = await createReviewPairing(rt.deps, operator, 'beijing-3');
    const { token } = await pairReviewScreen(rt.deps, 'beijing-3', { code }, '10.0.0.3');
    await expect(authenticateReviewScreen(rt.deps, 'beijing-3', token, '10.0.0.3')).resolves.toMatchObject({ stationId: 'beijing-3' });
    await expectAppError(authenticateReviewScreen(rt.deps, 'beijing-4', token, '10.0.0.3'), 'FORBIDDEN');
    expect((await events('access.denied')).at(-1)).toMatchObject({ result: 'denied', actor_name: 'review-screen:beijing-3', target_id: 'beijing-4' });
    await expectAppError(authenticateReviewScreen(rt.deps, 'beijing-3', undefined, '10.0.0.3'), 'REVIEW_SCREEN_NOT_PAIRED');
    await expectAppError(authenticateReviewScreen(rt.deps, 'beijing-3', 'not-a-token', '10.0.0.3'), 'REVIEW_SCREEN_NOT_PAIRED');
    expect((await getStationReview(rt.deps, operator, 'beijing-3')).screens.paired).toBe(1);
    // the next day it no longer works
    rt.clock.set('2023-11-01T16:00:01.000Z');
    await expectAppError(authenticateReviewScreen(rt.deps, 'beijing-3', token, '10.0.0.3'), 'REVIEW_SCREEN_NOT_PAIRED');
    rt.clock.set('2023-11-01T01:00:00.000Z');
    expect(await revokeReviewScreens(rt.deps, operator, 'beijing-3')).toEqual({ revoked: 1 });
    await expectAppError(authenticateReviewScreen(rt.deps, 'beijing-3', token, '10.0.0.3'), 'REVIEW_SCREEN_NOT_PAIRED');
    expect((await events('review_screen.revoked')).at(-1)).toMatchObject({ target_id: 'beijing-3' });
  });

  it('the student confirms on the review screen: method, station, device and code match recorded; the called ticket served; the request cleared', async () => {
    const device = await pair('beijing-1');
    expect(await getReviewScreen(rt.deps, device)).toMatchObject({ state: 'idle', photoId: null, name: null });
    // checked in with the collection code and called to the station
    await checkIn(rt.deps, operator, { studentNo: NO.screen, collectionCode: 'XJ-SCREEN-0001', site: 'beijing' });
    const called = await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true });
    expect(called?.student.studentNo).toBe(NO.screen);
    const photo = await upload(NO.screen);
    // a failed shot cannot be put to the student
    const failed = (await uploadPhoto(rt.deps, operator, { bytes: fs.readFileSync(FAILED), studentNo: NO.screen }, 'zh')).value;
    expect(failed.accepted).toBe(false);
    await expectAppError(requestPhotoReview(rt.deps, operator, 'beijing-1', { photoId: failed.id }, 'zh'), 'PHOTO_NOT_CONFIRMABLE');

    const asked = await requestPhotoReview(rt.deps, operator, 'beijing-1', { photoId: photo.id }, 'zh');
    expect(asked.review).toMatchObject({ photoId: photo.id, status: 'awaiting' });
    expect((await events('photo.review_requested')).at(-1)).toMatchObject({ actor_name: 'rs-operator', target_id: photo.id });
    const screen = await getReviewScreen(rt.deps, device);
    // only the shot and the masked name
    expect(screen).toMatchObject({ state: 'awaiting', photoId: photo.id, name: '张*三' });
    expect(Object.keys(screen).sort()).toEqual(['name', 'pairedUntil', 'photoId', 'requestedAt', 'state', 'stationId']);

    const jpeg = await getReviewScreenImage(rt.deps, device, photo.id, '10.0.0.7');
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect((await events('photo.viewed')).at(-1)).toMatchObject({ actor_name: 'review-screen:beijing-1', target_id: photo.id });
    // the screen can show no other shot
    await expectAppError(getReviewScreenImage(rt.deps, device, failed.id, '10.0.0.7'), 'PHOTO_NOT_AWAITING_CONFIRMATION');

    const answer = await confirmOnReviewScreen(rt.deps, device, { photoId: photo.id }, '10.0.0.7', 'zh');
    expect(answer).toMatchObject({ outcome: 'confirmed', photoId: photo.id, at: '2023-11-01T01:00:00.000Z' });
    // a second tap answers the same, nothing new
    expect(await confirmOnReviewScreen(rt.deps, device, { photoId: photo.id }, '10.0.0.7', 'zh')).toEqual(answer);
    const row = await confirmationOf(photo.id);
    expect(row).toMatchObject({ method: 'student_review_screen', station_id: 'beijing-1', device_id: device.id, confirmed_by: null, code_match: 1, voided_at: null });
    expect(await db().selectFrom('photo_confirmations').selectAll().where('photo_id', '=', photo.id).execute()).toHaveLength(1);
    const audit = (await events('photo.confirmed')).at(-1)!;
    expect(audit).toMatchObject({ actor_name: 'review-screen:beijing-1', target_id: photo.id });
    expect(JSON.parse(audit.details)).toMatchObject({ method: 'student_review_screen', stationId: 'beijing-1', codeMatch: true });
    // C4: the ticket is served; the screen is idle again
    const ticket = await db().selectFrom('queue_tickets').selectAll().where('id', '=', called!.ticket.id).executeTakeFirstOrThrow();
    expect(ticket).toMatchObject({ status: 'served', served_at: '2023-11-01T01:00:00.000Z' });
    expect((await events('ticket.served')).at(-1)).toMatchObject({ target_id: ticket.id });
    expect(await getReviewScreen(rt.deps, device)).toMatchObject({ state: 'idle' });
    expect((await getStationReview(rt.deps, operator, 'beijing-1')).review).toBeNull();
    // the report shows the confirmation: who, where, how, the code match
    const mine = await getMyPhoto(rt.deps, students.screen, 'zh');
    expect(mine).toMatchObject({ state: 'confirmed', confirmedAt: '2023-11-01T01:00:00.000Z', stationId: 'beijing-1' });
    expect(mine.photo?.confirmations).toEqual([
      { id: row.id, confirmedAt: '2023-11-01T01:00:00.000Z', method: 'student_review_screen', stationId: 'beijing-1', confirmedBy: null, byReviewScreen: true, codeMatch: true, voided: null },
    ]);
  });

  it('the student confirms on /my: only the shot awaiting them, idempotent; without a check-in today the code match is false', async () => {
    const photo = await upload(NO.my);
    // not asked yet: nothing to confirm
    expect(await getMyPhoto(rt.deps, students.my, 'zh')).toMatchObject({ state: 'none', photo: null });
    await expectAppError(confirmMyPhoto(rt.deps, students.my, { photoId: photo.id }, 'zh'), 'PHOTO_NOT_AWAITING_CONFIRMATION');
    await requestPhotoReview(rt.deps, operator, 'beijing-2', { photoId: photo.id }, 'zh');
    const awaiting = await getMyPhoto(rt.deps, students.my, 'zh');
    expect(awaiting).toMatchObject({ state: 'awaiting', stationId: 'beijing-2', photo: { id: photo.id, confirmed: false } });
    // another student cannot confirm it (audited), nor see it
    await expectAppError(confirmMyPhoto(rt.deps, students.other, { photoId: photo.id }, 'zh'), 'FORBIDDEN');
    expect((await events('student.access_denied')).at(-1)).toMatchObject({ result: 'denied', target_id: photo.id });
    expect(await getMyPhoto(rt.deps, students.other, 'zh')).toMatchObject({ state: 'none' });
    await expectAppError(getPhotoImage(rt.deps, students.other, photo.id), 'FORBIDDEN');

    const done = await confirmMyPhoto(rt.deps, students.my, { photoId: photo.id }, 'zh');
    expect(done.created).toBe(true);
    expect(done.value).toMatchObject({ state: 'confirmed', photo: { id: photo.id, confirmed: true } });
    const again = await confirmMyPhoto(rt.deps, students.my, { photoId: photo.id }, 'zh');
    expect(again.created).toBe(false);
    expect(await confirmationOf(photo.id)).toMatchObject({ method: 'student_my_page', station_id: 'beijing-2', confirmed_by: students.my.principal!.userId, code_match: 0, device_id: null });
    expect(done.value.photo!.confirmations[0]).toMatchObject({ method: 'student_my_page', confirmedBy: { username: NO.my, role: 'student' }, byReviewScreen: false, codeMatch: false });
    // the student may view their own photo; each view audited
    const before = (await events('photo.viewed')).length;
    await getPhotoImage(rt.deps, students.my, photo.id);
    expect(await events('photo.viewed')).toHaveLength(before + 1);
    // C3: no other shot may follow
    await expectAppError(upload(NO.my), 'PHOTO_ALREADY_CONFIRMED');
  });

  it('重拍 on the screen or on /my tells the station; the shot stays unconfirmed and cannot be confirmed until asked again', async () => {
    const device = await pair('beijing-5');
    const photo = await upload(NO.retake);
    await requestPhotoReview(rt.deps, operator, 'beijing-5', { photoId: photo.id }, 'zh');
    expect(await requestRetakeOnReviewScreen(rt.deps, device, { photoId: photo.id }, '10.0.0.5')).toMatchObject({ outcome: 'retake', photoId: photo.id });
    expect((await getStationReview(rt.deps, operator, 'beijing-5')).review).toMatchObject({ photoId: photo.id, status: 'retake' });
    expect((await events('photo.retake_requested')).at(-1)).toMatchObject({ actor_name: 'review-screen:beijing-5', target_id: photo.id });
    expect(await getMyPhoto(rt.deps, students.retake, 'zh')).toMatchObject({ state: 'retake' });
    await expectAppError(confirmOnReviewScreen(rt.deps, device, { photoId: photo.id }, '10.0.0.5', 'zh'), 'PHOTO_NOT_AWAITING_CONFIRMATION');
    await expectAppError(confirmMyPhoto(rt.deps, students.retake, { photoId: photo.id }, 'zh'), 'PHOTO_NOT_AWAITING_CONFIRMATION');
    // a new shot, asked again; the student asks for a retake on /my this time; then the station withdraws
    const next = await upload(NO.retake);
    await requestPhotoReview(rt.deps, operator, 'beijing-5', { photoId: next.id }, 'zh');
    expect(await requestMyPhotoRetake(rt.deps, students.retake, { photoId: next.id }, 'zh')).toMatchObject({ state: 'retake', photo: { id: next.id, confirmed: false } });
    expect((await withdrawPhotoReview(rt.deps, operator, 'beijing-5')).review).toBeNull();
    expect(await getReviewScreen(rt.deps, device)).toMatchObject({ state: 'idle' });
    expect(await db().selectFrom('photo_confirmations').selectAll().where('student_id', '=', photo.studentId).execute()).toEqual([]);
  });

  it("the operator's button, in the student's presence: operator_in_presence with the operator's account; a voided confirmation keeps its record", async () => {
    await checkIn(rt.deps, operator, { studentNo: NO.operator, collectionCode: 'XJ-OPERATOR-0003', site: 'beijing' });
    const photo = await upload(NO.operator);
    await requestPhotoReview(rt.deps, operator, 'beijing-6', { photoId: photo.id }, 'zh');
    const report = await confirmPhoto(rt.deps, operator, photo.id, 'zh');
    expect(report.confirmed).toBe(true);
    expect(report.confirmations).toEqual([
      expect.objectContaining({ method: 'operator_in_presence', stationId: 'beijing-6', confirmedBy: { username: 'rs-operator', role: 'operator' }, byReviewScreen: false, codeMatch: true, voided: null }),
    ]);
    expect((await getStationReview(rt.deps, operator, 'beijing-6')).review).toBeNull();
    // C4: set by number, never called, their waiting ticket leaves the queue with the confirmation (a station
    // must not call them later for nothing); no call time, so it does not feed the wait estimate
    const ticket = await db().selectFrom('queue_tickets').innerJoin('students', 'students.id', 'queue_tickets.student_id').select(['queue_tickets.id', 'status', 'called_at', 'served_at']).where('students.student_no', '=', NO.operator).executeTakeFirstOrThrow();
    expect(ticket).toMatchObject({ status: 'served', called_at: null, served_at: '2023-11-01T01:00:00.000Z' });
    expect(JSON.parse((await events('ticket.served')).at(-1)!.details)).toMatchObject({ reason: 'photo.confirmed', wasCalled: false });
    const voided = await voidPhotoConfirmation(rt.deps, admin, photo.id, '学生证件信息有误，需重拍', 'zh');
    expect(voided.confirmed).toBe(false);
    expect(voided.confirmations).toEqual([
      expect.objectContaining({ method: 'operator_in_presence', voided: { at: '2023-11-01T01:00:00.000Z', by: 'rs-admin', reason: '学生证件信息有误，需重拍' } }),
    ]);
  });

  it('the screen, /my and the operator confirming at once: one confirmation, one photo.confirmed event, the ticket served once', async () => {
    const device = await pair('lab-8');
    await checkIn(rt.deps, operator, { studentNo: NO.race, collectionCode: 'XJ-RACE-0007', site: 'beijing' });
    // the student confirmed by the operator without a call (the test before) left the queue: the race student is next
    const called = await callNext(rt.deps, operator, 'beijing', { stationId: 'lab-8', releasePrevious: true });
    expect(called?.student.studentNo).toBe(NO.race);
    const photo = await upload(NO.race);
    await requestPhotoReview(rt.deps, operator, 'lab-8', { photoId: photo.id }, 'zh');
    const before = (await events('photo.confirmed')).length;
    const servedBefore = (await events('ticket.served')).length;
    const outcomes = await Promise.allSettled([
      confirmOnReviewScreen(rt.deps, device, { photoId: photo.id }, '10.0.0.8', 'zh'),
      confirmMyPhoto(rt.deps, students.race, { photoId: photo.id }, 'zh'),
      confirmPhoto(rt.deps, operator, photo.id, 'zh'),
      confirmOnReviewScreen(rt.deps, device, { photoId: photo.id }, '10.0.0.8', 'zh'),
    ]);
    // every refusal is one the caller can show: the photo is confirmed already
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as { code?: string }).code, String(o.reason)).toMatch(/^(PHOTO_ALREADY_CONFIRMED|PHOTO_NOT_AWAITING_CONFIRMATION)$/);
    expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
    expect(await db().selectFrom('photo_confirmations').selectAll().where('photo_id', '=', photo.id).execute()).toHaveLength(1);
    expect(await events('photo.confirmed')).toHaveLength(before + 1);
    expect(await events('ticket.served')).toHaveLength(servedBefore + 1);
  });

  it('a confirmed student cannot book: createBooking answers PHOTO_CONFIRMED naming the student and the date; an unconfirmed one can', async () => {
    rt.clock.set('2023-10-20T02:00:00.000Z');
    const session = await db().selectFrom('schedule_sessions').select('id').where('site', '=', 'beijing').where('date', '=', '2023-11-02').orderBy('start_time').executeTakeFirstOrThrow();
    const photo = await upload(NO.book);
    await confirmPhoto(rt.deps, operator, photo.id, 'zh');
    const e = await expectAppError(createBooking(rt.deps, students.book, { sessionId: session.id }), 'PHOTO_CONFIRMED');
    expect(e.params).toEqual({ studentNo: NO.book, date: '2023-10-20' });
    await expectAppError(createBooking(rt.deps, admin, { sessionId: session.id, studentNo: NO.book }), 'PHOTO_CONFIRMED');
    expect((await createBooking(rt.deps, students.other, { sessionId: session.id })).created).toBe(true);
  });
});
