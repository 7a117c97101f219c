// The notice over real HTTP, once per database (issue #3 part 5): getNotice and getNoticePdf answer signed
// out, in Chinese by default and in English when asked, with an ETag made from the campaign's version (304
// while it holds, a new one when the campaign changes); listMySessions tells the signed-in student which
// sessions they may book and why not — exactly what createBooking then answers — and the date by which to
// fetch the collection code, counted in Asia/Shanghai while the server's clock is UTC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, startTestServer, TEST_PASSWORD, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { MySessionsSchema, NoticeSchema, type MySession } from '../contracts/notice.js';
import { login } from '../services/auth.service.js';
import { updateCampaignTerms } from '../services/campaign.service.js';
import type { Actor } from '../services/deps.js';
import { applyRosterImport } from '../services/roster.service.js';

const NO = {
  physics: '2403000001', // 物理学院, day 2023-11-01 (Wednesday), not employed
  employed: '2403000002', // 物理学院, 在职 (S3)
  law: '2403000003', // 法学院, a weekend department (S3)
  shenzhen: '2403000004', // 深圳研究生院 studying in Shenzhen (S4)
  single: '2403000005', // 单证 (E6)
  unlinked: '2403999999', // a student account with no roster row
} as const;

const ROSTER: RosterRow[] = [
  rosterRow(NO.physics),
  rosterRow(NO.employed, { 在职: '是' }),
  rosterRow(NO.law, { 院系: '法学院' }),
  rosterRow(NO.shenzhen, { 院系: '深圳研究生院', 学习地点: '深圳' }),
  rosterRow(NO.single, { 证书类型: '单证' }),
];

describe.each(DIALECTS)('notice API on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let admin: Actor;
  const cookies = new Map<string, string>();

  const get = async (path: string, opts: { as?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const cookie = opts.as ? cookies.get(opts.as) : undefined;
    if (cookie) headers.cookie = cookie;
    const res = await fetch(`${server.url}${path}`, { headers });
    const buffer = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, buffer, json: () => JSON.parse(buffer.toString('utf8')) as unknown };
  };
  const signIn = async (username: string) => `gp_session=${(await login(rt.deps, { username, password: TEST_PASSWORD }, '127.0.0.1', null)).token}`;
  const expectError = (res: { status: number; json: () => unknown }, status: number, code: string) => {
    expect(res.status).toBe(status);
    const body = ErrorBodySchema.parse(res.json());
    expect(body.error.code).toBe(code);
    return body.error;
  };
  const mySessions = async (who: keyof typeof NO) => {
    const res = await get('/api/me/sessions', { as: who });
    expect(res.status, res.buffer.toString()).toBe(200);
    return MySessionsSchema.parse(res.json());
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    admin = await createActor(rt.deps, 'admin', [], 'notice-admin');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
    cookies.set('admin', await signIn('notice-admin'));
    for (const [name, no] of Object.entries(NO)) {
      await createActor(rt.deps, 'student', [], no);
      cookies.set(name, await signIn(no));
    }
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  describe('getNotice (GET /api/notice), public', () => {
    it('answers signed out, in Chinese by default, with an ETag, public no-cache, Vary: Accept-Language', async () => {
      const res = await get('/api/notice');
      expect(res.status).toBe(200);
      const notice = NoticeSchema.parse(res.json());
      expect(notice).toMatchObject({ campaignId: '2024-graduates', lang: 'zh', title: '关于2024年1月、7月毕/结业研究生图像采集的通知' });
      const table = notice.sections.find((s) => s.id === 'schedule')!.table!;
      expect(table.rows.find((r) => r.date === '2023-11-01')!.departments).toContain('物理学院');
      expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
      expect(res.headers.get('cache-control')).toBe('public, no-cache');
      expect(res.headers.get('vary')).toMatch(/Accept-Language/i);
      expect(res.headers.get('content-language')).toBe('zh-CN');
      expect(res.headers.get('set-cookie')).toBeNull();
    });

    it('English by ?lang=en or by Accept-Language; ?lang wins over the header; each language has its own ETag', async () => {
      const byQuery = await get('/api/notice?lang=en', { headers: { 'accept-language': 'zh-CN' } });
      const byHeader = await get('/api/notice', { headers: { 'accept-language': 'en-US,en;q=0.9' } });
      const zh = await get('/api/notice?lang=zh', { headers: { 'accept-language': 'en' } });
      expect(NoticeSchema.parse(byQuery.json())).toMatchObject({ lang: 'en', title: 'Notice: Diploma photos for graduate students finishing in January or July 2024' });
      expect(NoticeSchema.parse(byHeader.json()).lang).toBe('en');
      expect(NoticeSchema.parse(zh.json()).lang).toBe('zh');
      expect(byQuery.headers.get('etag')).toBe(byHeader.headers.get('etag'));
      expect(byQuery.headers.get('etag')).not.toBe(zh.headers.get('etag'));
      expect(byQuery.headers.get('content-language')).toBe('en');
    });

    it('a language it does not have is a 400 naming the parameter, in the asked language', async () => {
      const error = expectError(await get('/api/notice?lang=fr'), 400, 'VALIDATION_FAILED');
      expect(error.message).toContain('lang');
      expectError(await get('/api/notice?lang=fr', { headers: { 'accept-language': 'en' } }), 400, 'VALIDATION_FAILED');
    });

    it('a stale or bogus session cookie does not stop a public route', async () => {
      const res = await get('/api/notice', { headers: { cookie: 'gp_session=not-a-session' } });
      expect(res.status).toBe(200);
      expect((await get('/api/notice', { as: 'physics' })).status).toBe(200);
    });

    it('If-None-Match with the current ETag → 304 without a body (also weak, also in a list); another → 200', async () => {
      const first = await get('/api/notice');
      const etag = first.headers.get('etag')!;
      const again = await get('/api/notice', { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(again.buffer.length).toBe(0);
      expect(again.headers.get('etag')).toBe(etag);
      expect((await get('/api/notice', { headers: { 'if-none-match': `W/${etag}` } })).status).toBe(304);
      expect((await get('/api/notice', { headers: { 'if-none-match': `"other", ${etag}` } })).status).toBe(304);
      expect((await get('/api/notice', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
      // the Chinese ETag does not validate the English notice
      expect((await get('/api/notice?lang=en', { headers: { 'if-none-match': etag } })).status).toBe(200);
    });
  });

  describe('getNoticePdf (GET /api/notice.pdf), public', () => {
    it('answers signed out with an inline PDF named after the campaign, an ETag and 304 while it holds', async () => {
      const res = await get('/api/notice.pdf');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toBe('inline; filename="notice-2024-graduates.pdf"');
      expect(res.buffer.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(res.headers.get('cache-control')).toBe('public, no-cache');
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
      // the JSON notice and the PDF are different representations: different ETags
      expect(etag).not.toBe((await get('/api/notice')).headers.get('etag'));
      const again = await get('/api/notice.pdf', { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(again.buffer.length).toBe(0);
      const en = await get('/api/notice.pdf?lang=en', { headers: { 'if-none-match': etag } });
      expect(en.status).toBe(200);
      expect(en.headers.get('content-language')).toBe('en');
      expectError(await get('/api/notice.pdf?lang=de'), 400, 'VALIDATION_FAILED');
    }, 60_000);

    it('is described in the OpenAPI document, both operations public', async () => {
      const doc = (await get('/api/openapi.json')).json() as { paths: Record<string, Record<string, { operationId: string; security?: unknown[] }>> };
      expect(doc.paths['/api/notice']?.get).toMatchObject({ operationId: 'getNotice', security: [] });
      expect(doc.paths['/api/notice.pdf']?.get).toMatchObject({ operationId: 'getNoticePdf', security: [] });
      expect(doc.paths['/api/me/sessions']?.get?.operationId).toBe('listMySessions');
      expect(doc.paths['/api/me/sessions']?.get?.security).toBeUndefined();
    });
  });

  describe('listMySessions (GET /api/me/sessions)', () => {
    const bySite = (items: MySession[], site: string) => items.filter((s) => s.site === site);

    it('is for signed-in students: 401 signed out, 403 for staff, 404 for an account with no roster row', async () => {
      expectError(await get('/api/me/sessions'), 401, 'UNAUTHENTICATED');
      expectError(await get('/api/me/sessions', { as: 'admin' }), 403, 'FORBIDDEN');
      expectError(await get('/api/me/sessions', { as: 'unlinked' }), 404, 'STUDENT_NOT_FOUND');
    });

    it('a non-employed student of a weekday department: weekend sessions (S3) and the other site (S4) are not bookable, with the reason', async () => {
      const mine = await mySessions('physics');
      expect(mine.site).toBe('beijing');
      expect(mine.items).toHaveLength(20);
      for (const s of bySite(mine.items, 'beijing')) {
        if (s.weekend) {
          expect(s).toMatchObject({ bookable: false, reason: { code: 'WEEKEND_NOT_ALLOWED', rule: 'S3' } });
          expect(s.reason!.message.zh).toContain('周末时段仅供在职研究生');
          expect(s.reason!.message.en).toContain('Weekend sessions');
        } else {
          expect(s).toMatchObject({ bookable: true, reason: null });
        }
      }
      for (const s of bySite(mine.items, 'shenzhen')) {
        expect(s).toMatchObject({ bookable: false, reason: { code: 'WRONG_SITE', rule: 'S4' } });
        expect(s.reason!.message.zh).toBe('只能预约本人采集地点（北京）的时段');
      }
    });

    it('what it says is what createBooking answers, session by session', async () => {
      const mine = await mySessions('physics');
      for (const s of mine.items) {
        const res = await fetch(`${server.url}/api/bookings`, {
          method: 'POST',
          headers: { cookie: cookies.get('physics')!, 'content-type': 'application/json' },
          body: JSON.stringify({ sessionId: s.id }),
        });
        const body = (await res.json()) as { error?: { code: string } };
        if (s.bookable) expect([200, 201], `${s.date} ${s.start} ${s.site}`).toContain(res.status);
        else expect(body.error?.code, `${s.date} ${s.start} ${s.site}`).toBe(s.reason!.code);
      }
      // leave no booking behind
      const me = (await (await fetch(`${server.url}/api/bookings/me`, { headers: { cookie: cookies.get('physics')! } })).json()) as { booking: { id: string } | null };
      if (me.booking) await fetch(`${server.url}/api/bookings/${me.booking.id}`, { method: 'DELETE', headers: { cookie: cookies.get('physics')! } });
    }, 60_000);

    it('weekend sessions are bookable for an employed student and for a weekend department (S3); a Shenzhen student books only Shenzhen (S4)', async () => {
      for (const who of ['employed', 'law'] as const) {
        const mine = await mySessions(who);
        expect(bySite(mine.items, 'beijing').every((s) => s.bookable)).toBe(true);
      }
      const sz = await mySessions('shenzhen');
      expect(sz.site).toBe('shenzhen');
      // their own site's weekdays; the weekend only if employed or their department is on it (S3)
      expect(bySite(sz.items, 'shenzhen').every((s) => (s.weekend ? s.reason?.code === 'WEEKEND_NOT_ALLOWED' : s.bookable))).toBe(true);
      expect(bySite(sz.items, 'beijing').every((s) => s.reason?.code === 'WRONG_SITE' && s.reason.message.zh.includes('深圳'))).toBe(true);
    });

    it('an excluded student (E6): nothing bookable, the rule given; no day and no code date', async () => {
      const mine = await mySessions('single');
      expect(mine.day).toBeNull();
      expect(mine.collectionCodeBy).toBeNull();
      expect(mine.items.every((s) => !s.bookable && s.reason?.code === 'STUDENT_NOT_ELIGIBLE' && s.reason.rule === 'E6')).toBe(true);
      expect(mine.items[0]!.reason!.message.zh).toContain('E6');
    });

    it('the day and the code date: the department’s day, then the booked one (C1: 3 days ahead, in Asia/Shanghai)', async () => {
      const before = await mySessions('physics');
      expect(before.day).toEqual({ date: '2023-11-01', start: '09:30', source: 'department' });
      expect(before.collectionCodeBy).toBe('2023-10-29');
      const friday = before.items.find((s) => s.site === 'beijing' && s.date === '2023-11-03' && s.start === '13:00')!;
      const booked = await fetch(`${server.url}/api/bookings`, {
        method: 'POST',
        headers: { cookie: cookies.get('physics')!, 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: friday.id }),
      });
      expect(booked.status).toBe(201);
      const after = await mySessions('physics');
      expect(after.day).toEqual({ date: '2023-11-03', start: '13:00', source: 'booking' });
      expect(after.collectionCodeBy).toBe('2023-10-31');
      const { id } = (await booked.json()) as { id: string };
      expect((await fetch(`${server.url}/api/bookings/${id}`, { method: 'DELETE', headers: { cookie: cookies.get('physics')! } })).status).toBe(200);
    });

    it('the server’s clock is UTC: 09:30 in Beijing is 01:30 UTC — bookable at 01:29, past from 01:30', async () => {
      try {
        rt.clock.set('2023-11-01T01:29:00.000Z');
        // (the jump ages the session past its idle timeout: sign in again at the new time)
        cookies.set('physics', await signIn(NO.physics));
        let first = (await mySessions('physics')).items.find((s) => s.site === 'beijing' && s.date === '2023-11-01' && s.start === '09:30')!;
        expect(first).toMatchObject({ start: '09:30', bookable: true });
        rt.clock.set('2023-11-01T01:30:00.000Z');
        first = (await mySessions('physics')).items.find((s) => s.id === first.id)!;
        expect(first).toMatchObject({ bookable: false, reason: { code: 'SESSION_IN_PAST', rule: null } });
        // the afternoon of the same day is still open
        const pm = (await mySessions('physics')).items.find((s) => s.site === 'beijing' && s.date === '2023-11-01' && s.start === '13:00')!;
        expect(pm.bookable).toBe(true);
      } finally {
        rt.clock.set('2023-10-20T02:00:00.000Z');
        cookies.set('physics', await signIn(NO.physics));
      }
    });
  });

  // Last: it changes the campaign.
  it('a change to the campaign changes the ETag: the old copy is no longer current', async () => {
    const json = await get('/api/notice');
    const pdf = await get('/api/notice.pdf');
    await updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-01', '2024-07', '2024-12'], retakeBefore: '2023-07', deferTerms: ['2025-01', '2025-07'] });
    const json2 = await get('/api/notice', { headers: { 'if-none-match': json.headers.get('etag')! } });
    expect(json2.status).toBe(200);
    expect(json2.headers.get('etag')).not.toBe(json.headers.get('etag'));
    expect(JSON.stringify(json2.json())).toContain('2024年12月');
    const pdf2 = await get('/api/notice.pdf', { headers: { 'if-none-match': pdf.headers.get('etag')! } });
    expect(pdf2.status).toBe(200);
    expect(pdf2.headers.get('etag')).not.toBe(pdf.headers.get('etag'));
  }, 60_000);
});

describe('notice API without a campaign', () => {
  it('answers 404 CAMPAIGN_NOT_FOUND, in the asked language', async () => {
    const rt = await createTestRuntime('sqlite', { loadDemoCampaign: false });
    const server = await startTestServer(rt.deps);
    try {
      for (const path of ['/api/notice', '/api/notice.pdf']) {
        const res = await fetch(`${server.url}${path}`, { headers: { 'accept-language': 'en' } });
        expect(res.status).toBe(404);
        const body = ErrorBodySchema.parse(await res.json());
        expect(body.error).toMatchObject({ code: 'CAMPAIGN_NOT_FOUND', message: 'Campaign not found' });
      }
    } finally {
      await server.close();
      await rt.close();
    }
  });
});
