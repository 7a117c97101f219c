// The review screen and the student's own confirmation over real HTTP, once per database (issue 9 section 4,
// rule C3): the pairing cookie (HttpOnly, SameSite=Strict, scoped to its station's paths, the token never in a
// body), refusals with zh/en messages naming the value, the screen seeing only the awaited shot and the masked
// name, confirmation from the screen and from /my, and PHOTO_CONFIRMED on a later booking.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { MyPhotoSchema } from '../contracts/photo.js';
import { ReviewPairingSchema, ReviewScreenStateSchema, StationReviewSchema } from '../contracts/review-screen.js';
import type { Actor } from '../services/deps.js';
import { uploadPhoto } from '../services/photo.service.js';
import { applyRosterImport } from '../services/roster.service.js';

const PORTRAIT = path.resolve('test/fixtures/photos/id-blue-12mp.jpg');
const NO = { a: '2701000001', b: '2701000002' } as const;

vi.setConfig({ testTimeout: 60_000 });

interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  json?: unknown;
  lang?: string;
  cookie?: string;
}

describe.each(DIALECTS)('review screen and /my confirmation over HTTP on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let operator: Actor;
  const cookies = new Map<string, string>();
  let screenCookie = '';
  let photoId = '';

  const call = async (caller: string | null, url: string, opts: CallOptions = {}) => {
    const headers: Record<string, string> = {};
    const cookie = opts.cookie ?? (caller ? cookies.get(caller) : undefined);
    if (cookie) headers.cookie = cookie;
    if (opts.lang) headers['accept-language'] = opts.lang;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${url}`, { method: opts.method ?? (opts.json === undefined ? 'GET' : 'POST'), headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    const buffer = Buffer.from(await res.arrayBuffer());
    const isJson = (res.headers.get('content-type') ?? '').includes('json');
    return { status: res.status, headers: res.headers, buffer, body: isJson && buffer.length > 0 ? (JSON.parse(buffer.toString('utf8')) as Record<string, unknown>) : null };
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    const admin = await createActor(rt.deps, 'admin', [], 'rsr-admin');
    operator = await createActor(rt.deps, 'operator', [], 'rsr-operator');
    await createActor(rt.deps, 'student', [], NO.a);
    await createActor(rt.deps, 'student', [], NO.b);
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv([rosterRow(NO.a, { 姓名: '张小三' }), rosterRow(NO.b, { 姓名: '李四' })])) }, 'roster.csv', 'zh');
    cookies.set('operator', await loginOverHttp(server.url, 'rsr-operator'));
    cookies.set('a', await loginOverHttp(server.url, NO.a));
    cookies.set('b', await loginOverHttp(server.url, NO.b));
    rt.clock.set('2023-10-20T02:00:00.000Z');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('pairs a screen: the code once, an HttpOnly SameSite=Strict cookie for that station’s paths only, no token in the body', async () => {
    const created = await call('operator', '/api/stations/beijing-1/review-pairings', { method: 'POST' });
    expect(created.status).toBe(201);
    const pairing = ReviewPairingSchema.parse(created.body);
    const wrong = pairing.code === '000000' ? '111111' : '000000';
    const refused = await call(null, '/api/review-screen/beijing-1/pair', { json: { code: wrong } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: { code: 'REVIEW_PAIRING_INVALID', message: `配对码“${wrong}”无效、已使用或已过期：请在工位上点“配对学生确认屏”生成新的配对码` } });
    const refusedEn = await call(null, '/api/review-screen/beijing-1/pair', { json: { code: 'abc' }, lang: 'en' });
    expect(refusedEn.body).toMatchObject({ error: { code: 'REVIEW_PAIRING_INVALID', message: 'Pairing code "abc" is wrong, already used or expired: press "Pair the review screen" at the station for a new one' } });

    const paired = await call(null, '/api/review-screen/beijing-1/pair', { json: { code: pairing.code } });
    expect(paired.status).toBe(200);
    expect(Object.keys(paired.body!).sort()).toEqual(['pairedUntil', 'stationId']);
    const setCookie = paired.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^gp_review=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('Path=/api/review-screen/beijing-1');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Expires=');
    screenCookie = setCookie.split(';')[0]!;
    // the code works once
    expect((await call(null, '/api/review-screen/beijing-1/pair', { json: { code: pairing.code } })).status).toBe(422);
  });

  it('the screen: idle without a request; 401 without its cookie (zh/en), 403 at another station', async () => {
    const idle = await call(null, '/api/review-screen/beijing-1', { cookie: screenCookie });
    expect(idle.status).toBe(200);
    expect(ReviewScreenStateSchema.parse(idle.body)).toMatchObject({ stationId: 'beijing-1', state: 'idle', photoId: null, name: null });
    const none = await call(null, '/api/review-screen/beijing-1');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'REVIEW_SCREEN_NOT_PAIRED', message: '该屏幕尚未与工位 beijing-1 配对，或配对已失效（每天结束时失效）：请输入工位上显示的配对码' } });
    const noneEn = await call(null, '/api/review-screen/beijing-1', { lang: 'en' });
    expect((noneEn.body as { error: { message: string } }).error.message).toContain('This screen is not paired with station beijing-1');
    const other = await call(null, '/api/review-screen/beijing-2', { cookie: screenCookie });
    expect(other.status).toBe(403);
    for (const [method, url] of [['POST', '/api/review-screen/beijing-2/confirm'], ['POST', '/api/review-screen/beijing-2/retake']] as const) {
      expect((await call(null, url, { method, json: { photoId: 'x' }, cookie: screenCookie })).status).toBe(403);
    }
  });

  it('the operator asks; the screen shows the shot (480×640, no-store, audited) and the masked name; the student confirms there', async () => {
    const shot = await uploadPhoto(rt.deps, operator, { bytes: fs.readFileSync(PORTRAIT), studentNo: NO.a, station: 'beijing-1' }, 'zh');
    photoId = shot.value.id;
    const asked = await call('operator', '/api/stations/beijing-1/review', { method: 'PUT', json: { photoId } });
    expect(asked.status).toBe(200);
    expect(StationReviewSchema.parse(asked.body)).toMatchObject({ review: { photoId, status: 'awaiting' }, screens: { paired: 1 } });
    const screen = await call(null, '/api/review-screen/beijing-1', { cookie: screenCookie });
    expect(screen.body).toMatchObject({ state: 'awaiting', photoId, name: '张*三' });
    const text = screen.buffer.toString('utf8');
    for (const secret of ['张小三', NO.a]) expect(text).not.toContain(secret);

    const image = await call(null, `/api/review-screen/beijing-1/photos/${photoId}/image`, { cookie: screenCookie });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(image.headers.get('cache-control')).toBe('no-store');
    expect(image.buffer.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect((await call(null, `/api/review-screen/beijing-1/photos/${photoId}/image`)).status).toBe(401);
    const viewed = await rt.deps.db.db.selectFrom('audit_events').select(['actor_name', 'target_id']).where('action', '=', 'photo.viewed').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(viewed).toEqual({ actor_name: 'review-screen:beijing-1', target_id: photoId });

    // the other student sees nothing of it and cannot confirm it
    expect(MyPhotoSchema.parse((await call('b', '/api/me/photo')).body)).toMatchObject({ state: 'none' });
    expect((await call('b', '/api/me/photo/confirm', { json: { photoId } })).status).toBe(403);
    // the student's own /my shows it awaiting
    expect(MyPhotoSchema.parse((await call('a', '/api/me/photo')).body)).toMatchObject({ state: 'awaiting', stationId: 'beijing-1', photo: { id: photoId } });

    const confirmed = await call(null, '/api/review-screen/beijing-1/confirm', { json: { photoId }, cookie: screenCookie });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ outcome: 'confirmed', photoId });
    expect((await call(null, '/api/review-screen/beijing-1', { cookie: screenCookie })).body).toMatchObject({ state: 'idle' });
    const mine = MyPhotoSchema.parse((await call('a', '/api/me/photo')).body);
    expect(mine).toMatchObject({ state: 'confirmed', photo: { id: photoId, confirmed: true } });
    expect(mine.photo!.confirmations[0]).toMatchObject({ method: 'student_review_screen', stationId: 'beijing-1', byReviewScreen: true, codeMatch: false });
    // confirming on /my afterwards: the same photo, 200
    const again = await call('a', '/api/me/photo/confirm', { json: { photoId } });
    expect(again.status).toBe(200);
  });

  it('a confirmed student’s booking is refused: 409 PHOTO_CONFIRMED with a sentence in zh and en', async () => {
    const session = await rt.deps.db.db.selectFrom('schedule_sessions').select('id').where('site', '=', 'beijing').where('date', '=', '2023-11-02').orderBy('start_time').executeTakeFirstOrThrow();
    const zh = await call('a', '/api/bookings', { json: { sessionId: session.id } });
    expect(zh.status).toBe(409);
    expect(zh.body).toMatchObject({ error: { code: 'PHOTO_CONFIRMED', message: `学号 ${NO.a} 的照片已于 2023-10-20 确认，采集已完成，不能再预约（C3）` } });
    const en = await call('a', '/api/bookings', { json: { sessionId: session.id }, lang: 'en' });
    expect(en.body).toMatchObject({ error: { code: 'PHOTO_CONFIRMED', message: `Student ${NO.a} confirmed their photo on 2023-10-20: the capture is done and no booking can be made (C3)` } });
  });

  it('pairing attempts are limited per address: after 10 in a minute, 429 RATE_LIMITED with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call(null, '/api/review-screen/beijing-99/pair', { json: { code: '000000' } })).status);
    // this file's earlier pairings count too: the limit is the route's, per address
    expect(statuses.filter((s) => s === 422).length).toBeLessThanOrEqual(10);
    expect(statuses.at(-1)).toBe(429);
    const limited = await call(null, '/api/review-screen/beijing-99/pair', { json: { code: '000000' } });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });

  it('revoking the screens ends the cookie at once', async () => {
    const revoked = await call('operator', '/api/stations/beijing-1/review-screens', { method: 'DELETE' });
    expect(revoked.body).toEqual({ revoked: 1 });
    expect((await call(null, '/api/review-screen/beijing-1', { cookie: screenCookie })).status).toBe(401);
  });
});
