// The booking API over real HTTP, once per database (issue #3 parts 1–3 and 9; rules S1–S4, E1–E7;
// PITFALLS F1–F5): every bad input of the issue answers a clean status and error code, concurrent requests
// (a double click, two tabs, 40 students for 5 seats) never oversell, and Idempotency-Key replays the first
// answer. After every test the seat invariants are read back from the database.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, TEST_PASSWORD, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { BookingSchema, MyBookingSchema, SessionListSchema, type Session } from '../contracts/booking.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { login } from '../services/auth.service.js';
import { checkSeatInvariants } from '../services/booking.service.js';
import { updateSiteSettings } from '../services/site-settings.service.js';
import type { Actor } from '../services/deps.js';
import { applyRosterImport } from '../services/roster.service.js';

const NO = {
  physics: '2401000001', // 物理学院, day 2023-11-01 (Wednesday)
  physics2: '2401000002',
  employed: '2401000003', // 在职 (S3)
  law: '2401000004', // 法学院, a weekend department (S3)
  shenzhen: '2401000005', // 深圳研究生院 studying in Shenzhen (S4)
  single: '2401000006', // 单证 (E6)
  notInCampaign: '2401000007', // finishing 2022-07
  math: '2401000008', // 数学科学学院
} as const;
const HAMMER = 40;
const hammerNo = (i: number) => `2402${String(i).padStart(6, '0')}`;

const ROSTER: RosterRow[] = [
  rosterRow(NO.physics),
  rosterRow(NO.physics2),
  rosterRow(NO.employed, { 在职: '是' }),
  rosterRow(NO.law, { 院系: '法学院' }),
  rosterRow(NO.shenzhen, { 院系: '深圳研究生院', 学习地点: '深圳' }),
  rosterRow(NO.single, { 证书类型: '单证' }),
  rosterRow(NO.notInCampaign, { 预计毕业时间: '2022-07' }),
  rosterRow(NO.math, { 院系: '数学科学学院' }),
  ...Array.from({ length: HAMMER }, (_, i) => rosterRow(hammerNo(i))),
];

type Caller = 'admin' | 'secretary' | 'operator' | 'cashier' | keyof typeof NO | 'anonymous';

interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  json?: unknown;
  key?: string;
  lang?: string;
}

describe.each(DIALECTS)('booking API on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let admin: Actor;
  let sessions: Session[];
  const cookies = new Map<string, string>();

  const call = async (caller: Caller | string, path: string, opts: CallOptions = {}) => {
    const headers: Record<string, string> = {};
    const cookie = cookies.get(caller);
    if (cookie) headers.cookie = cookie;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    if (opts.key !== undefined) headers['idempotency-key'] = opts.key;
    if (opts.lang) headers['accept-language'] = opts.lang;
    const res = await fetch(`${server.url}${path}`, { method: opts.method ?? 'GET', headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    const text = await res.text();
    return { status: res.status, text, body: (text ? JSON.parse(text) : null) as Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } } };
  };
  const post = (caller: Caller | string, path: string, json: unknown, opts: CallOptions = {}) => call(caller, path, { ...opts, method: 'POST', json });
  const slot = (date: string, half: 'am' | 'pm', site: 'beijing' | 'shenzhen' = 'beijing') =>
    sessions.find((s) => s.site === site && s.date === date && s.start === (half === 'am' ? '09:30' : '13:00'))!;
  const db = () => rt.deps.db.db;
  const sessionRow = (id: string) => db().selectFrom('schedule_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const countActive = async (sessionId: string) =>
    Number((await db().selectFrom('bookings').select((eb) => eb.fn.countAll<number>().as('n')).where('session_id', '=', sessionId).where('status', '=', 'active').executeTakeFirstOrThrow()).n);
  const activeOf = (studentNo: string) =>
    db()
      .selectFrom('bookings')
      .innerJoin('students', 'students.id', 'bookings.student_id')
      .select(['bookings.id', 'bookings.session_id'])
      .where('students.student_no', '=', studentNo)
      .where('bookings.status', '=', 'active')
      .execute();
  const smallBeijing = () => updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 30 }); // 5 seats am, 9 pm
  /** A session cookie from the sign-in use case itself (the login route allows 30 attempts a minute per address). */
  const signIn = async (username: string) => `gp_session=${(await login(rt.deps, { username, password: TEST_PASSWORD }, '127.0.0.1', null)).token}`;
  const expectError = (res: { status: number; body: unknown }, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    const parsed = ErrorBodySchema.parse(res.body);
    expect(parsed.error.code).toBe(code);
    return parsed.error;
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    admin = await createActor(rt.deps, 'admin', [], 'api-admin');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
    await createActor(rt.deps, 'secretary', ['物理学院'], 'api-secretary');
    await createActor(rt.deps, 'operator', [], 'api-operator');
    await createActor(rt.deps, 'cashier', [], 'api-cashier');
    for (const role of ['admin', 'secretary', 'operator', 'cashier'] as const) cookies.set(role, await loginOverHttp(server.url, `api-${role}`));
    for (const [name, no] of Object.entries(NO)) {
      await createActor(rt.deps, 'student', [], no);
      cookies.set(name, await loginOverHttp(server.url, no));
    }
    const list = await call('admin', '/api/sessions');
    sessions = SessionListSchema.parse(list.body).items;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });
  afterEach(async () => {
    expect(await checkSeatInvariants(rt.deps)).toEqual({ counterMismatches: 0, sessionsOverCapacity: 0, studentsWithSeveralBookings: 0 });
    await db().deleteFrom('bookings').execute();
    await db().deleteFrom('waitlist_entries').execute();
    await db().deleteFrom('notifications').execute();
    await db().updateTable('schedule_sessions').set({ booked: 0 }).execute();
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 2, minutesPerStudent: 1 });
  });

  describe('listSessions (GET /api/sessions)', () => {
    it('lists 2 sites × 5 days × 2 windows with id, site, date, start, end, capacity, booked', async () => {
      expect(sessions).toHaveLength(20);
      expect(slot('2023-11-01', 'am')).toMatchObject({ site: 'beijing', date: '2023-11-01', start: '09:30', end: '12:00', capacity: 300, booked: 0 });
      const filtered = await call('cashier', '/api/sessions?site=shenzhen&date=2023-11-02');
      expect(filtered.status).toBe(200);
      expect(SessionListSchema.parse(filtered.body).items.map((s) => s.start)).toEqual(['09:30', '13:00']);
    });

    it('is for signed-in users of every role; a bad filter is a 400', async () => {
      for (const caller of ['operator', 'cashier', 'physics', 'secretary'] as const) expect((await call(caller, '/api/sessions')).status).toBe(200);
      expectError(await call('anonymous', '/api/sessions'), 401, 'UNAUTHENTICATED');
      expectError(await call('admin', '/api/sessions?date=1.11.2023'), 400, 'VALIDATION_FAILED');
    });

    it('is described in the OpenAPI document with every operationId of the issue and the Idempotency-Key header', async () => {
      const doc = (await call('anonymous', '/api/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; parameters?: { in: string; name: string }[] }>> };
      const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
      const ids = ops.map((o) => o.operationId);
      expect(ids).toEqual(expect.arrayContaining(['listSessions', 'createBooking', 'cancelBooking', 'getMyBooking', 'joinWaitlist', 'updateSiteSettings']));
      const create = ops.find((o) => o.operationId === 'createBooking')!;
      expect(create.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key' })]));
      expect(doc.paths['/api/bookings/{id}']?.delete?.operationId).toBe('cancelBooking');
    });
  });

  describe('createBooking (POST /api/bookings)', () => {
    it('a student books for themself without a student number: 201 with the booking; getMyBooking shows it', async () => {
      const s = slot('2023-11-02', 'pm');
      const res = await post('physics', '/api/bookings', { sessionId: s.id });
      expect(res.status).toBe(201);
      const booking = BookingSchema.parse(res.body);
      expect(booking).toMatchObject({ sessionId: s.id, studentNo: NO.physics, status: 'active', session: { booked: 1, capacity: 540 } });
      const me = await call('physics', '/api/bookings/me');
      expect(me.status).toBe(200);
      expect(MyBookingSchema.parse(me.body)).toMatchObject({ booking: { id: booking.id }, defaultDay: null, waitlist: [] });
      // Staff name the student; a student may not look at another's.
      expect((await call('secretary', `/api/bookings/me?studentNo=${NO.physics}`)).body).toMatchObject({ booking: { id: booking.id } });
      expectError(await call('physics', `/api/bookings/me?studentNo=${NO.physics2}`), 403, 'FORBIDDEN');
      expectError(await call('admin', '/api/bookings/me'), 400, 'VALIDATION_FAILED');
    });

    it('a full session answers 409 SESSION_FULL, in the request’s language', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      for (let i = 0; i < 5; i++) expect((await post('admin', '/api/bookings', { sessionId: s.id, studentNo: hammerNo(i) })).status).toBe(201);
      const zh = expectError(await post('physics', '/api/bookings', { sessionId: s.id }), 409, 'SESSION_FULL');
      expect(zh.message).toBe('该时段已约满，可加入候补');
      const en = expectError(await post('physics', '/api/bookings', { sessionId: s.id }, { lang: 'en' }), 409, 'SESSION_FULL');
      expect(en.message).toBe('This session is full; you can join its waitlist');
    });

    it('an excluded student (E6) and a student not in the campaign are refused with 422 and their rule', async () => {
      const s = slot('2023-11-01', 'am');
      const e6 = expectError(await post('single', '/api/bookings', { sessionId: s.id }), 422, 'STUDENT_NOT_ELIGIBLE');
      expect(e6.message).toContain('E6');
      const none = expectError(await post('admin', '/api/bookings', { sessionId: s.id, studentNo: NO.notInCampaign }, { lang: 'en' }), 422, 'STUDENT_NOT_ELIGIBLE');
      expect(none.message).toContain('not in this campaign');
    });

    it('weekend (S3): a non-employed student is refused; an employed student and a weekend department may', async () => {
      const saturday = slot('2023-11-04', 'am');
      expectError(await post('physics', '/api/bookings', { sessionId: saturday.id }), 422, 'WEEKEND_NOT_ALLOWED');
      expect((await post('employed', '/api/bookings', { sessionId: saturday.id })).status).toBe(201);
      expect((await post('law', '/api/bookings', { sessionId: slot('2023-11-05', 'pm').id })).status).toBe(201);
    });

    it('own site (S4): a Shenzhen student choosing Beijing is refused', async () => {
      const err = expectError(await post('shenzhen', '/api/bookings', { sessionId: slot('2023-11-02', 'am').id }), 422, 'WRONG_SITE');
      expect(err.details).toMatchObject({ rule: 'S4', studentSite: 'shenzhen' });
      expect(err.message).toBe('只能预约本人采集地点（深圳）的时段');
      expect((await post('shenzhen', '/api/bookings', { sessionId: slot('2023-11-02', 'am', 'shenzhen').id })).status).toBe(201);
    });

    it('bad bodies and unknown sessions are clean 4xx, never 500', async () => {
      expectError(await post('physics', '/api/bookings', {}), 400, 'VALIDATION_FAILED');
      expectError(await post('physics', '/api/bookings', { sessionId: 42 }), 400, 'VALIDATION_FAILED');
      expectError(await post('physics', '/api/bookings', { sessionId: 'no-such-session' }), 404, 'SESSION_NOT_FOUND');
      expectError(await post('admin', '/api/bookings', { sessionId: slot('2023-11-01', 'am').id, studentNo: '0000000000' }), 404, 'STUDENT_NOT_FOUND');
      expectError(await post('physics', '/api/bookings', { sessionId: slot('2023-11-01', 'am').id }, { key: 'x'.repeat(256) }), 400, 'VALIDATION_FAILED');
    });

    it('who may book for whom: students themselves, secretaries their departments, admins anyone; not the agency', async () => {
      const s = slot('2023-11-01', 'pm');
      expectError(await post('physics', '/api/bookings', { sessionId: s.id, studentNo: NO.physics2 }), 403, 'FORBIDDEN');
      expect((await post('secretary', '/api/bookings', { sessionId: s.id, studentNo: NO.physics2 })).status).toBe(201);
      expectError(await post('secretary', '/api/bookings', { sessionId: s.id, studentNo: NO.math }), 403, 'FORBIDDEN');
      expect((await post('admin', '/api/bookings', { sessionId: s.id, studentNo: NO.math })).status).toBe(201);
      expectError(await post('operator', '/api/bookings', { sessionId: s.id, studentNo: NO.physics }), 403, 'FORBIDDEN');
      expectError(await post('cashier', '/api/bookings', { sessionId: s.id, studentNo: NO.physics }), 403, 'FORBIDDEN');
      expectError(await post('anonymous', '/api/bookings', { sessionId: s.id, studentNo: NO.physics }), 401, 'UNAUTHENTICATED');
    });
  });

  describe('concurrency (F1, F2, F5)', () => {
    it('a double click (two identical requests at once, no key): one booking; the other answers it with 200', async () => {
      const s = slot('2023-11-03', 'am');
      const [a, b] = await Promise.all([post('physics', '/api/bookings', { sessionId: s.id }), post('physics', '/api/bookings', { sessionId: s.id })]);
      expect([a.status, b.status].sort()).toEqual([200, 201]);
      expect(a.body.id).toBe(b.body.id);
      expect(await activeOf(NO.physics)).toHaveLength(1);
      expect((await sessionRow(s.id)).booked).toBe(1);
    });

    it('two tabs (different sessions at once): exactly one active booking, the other seat not held', async () => {
      const a = slot('2023-11-01', 'am');
      const b = slot('2023-11-02', 'pm');
      const [ra, rb] = await Promise.all([post('physics2', '/api/bookings', { sessionId: a.id }), post('physics2', '/api/bookings', { sessionId: b.id })]);
      expect([ra.status, rb.status]).toEqual([201, 201]); // the later one moved the booking
      const active = await activeOf(NO.physics2);
      expect(active).toHaveLength(1);
      expect((await sessionRow(a.id)).booked + (await sessionRow(b.id)).booked).toBe(1);
      expect((await sessionRow(active[0]!.session_id)).booked).toBe(1);
    });

    it(`${HAMMER} students booking a 5-seat session at once over HTTP: exactly 5 × 201, the rest 409 SESSION_FULL`, async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      expect((await sessionRow(s.id)).capacity).toBe(5);
      const hammerCookies: string[] = [];
      for (let i = 0; i < HAMMER; i++) {
        if (!cookies.has(hammerNo(i))) {
          await createActor(rt.deps, 'student', [], hammerNo(i));
          cookies.set(hammerNo(i), await signIn(hammerNo(i)));
        }
        hammerCookies.push(hammerNo(i));
      }
      const results = await Promise.all(hammerCookies.map((caller) => post(caller, '/api/bookings', { sessionId: s.id })));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((x) => x === 201)).toHaveLength(5);
      expect(statuses.filter((x) => x === 409)).toHaveLength(HAMMER - 5);
      for (const r of results.filter((x) => x.status === 409)) expect(r.body.error?.code).toBe('SESSION_FULL');
      expect((await sessionRow(s.id)).booked).toBe(5);
      expect(await countActive(s.id)).toBe(5);
    }, 60_000);
  });

  describe('Idempotency-Key', () => {
    it('the same key and body replay the first answer (same status and body); one booking', async () => {
      const body = { sessionId: slot('2023-11-01', 'am').id };
      const first = await post('physics', '/api/bookings', body, { key: 'book-1' });
      expect(first.status).toBe(201);
      const [again, third] = await Promise.all([post('physics', '/api/bookings', body, { key: 'book-1' }), post('physics', '/api/bookings', body, { key: 'book-1' })]);
      for (const r of [again, third]) {
        expect(r.status).toBe(201);
        expect(r.text).toBe(first.text);
      }
      expect(await activeOf(NO.physics)).toHaveLength(1);
    });

    it('concurrent first requests with one key: one booking, every answer the same', async () => {
      const body = { sessionId: slot('2023-11-02', 'am').id };
      const answers = await Promise.all(Array.from({ length: 6 }, () => post('physics2', '/api/bookings', body, { key: 'book-race' })));
      for (const a of answers) {
        expect(a.status).toBe(201);
        expect(a.text).toBe(answers[0]!.text);
      }
      expect(await activeOf(NO.physics2)).toHaveLength(1);
    });

    it('the same key with another body is refused with 422 IDEMPOTENCY_KEY_REUSED, and changes nothing', async () => {
      const a = slot('2023-11-01', 'am');
      expect((await post('physics', '/api/bookings', { sessionId: a.id }, { key: 'book-2' })).status).toBe(201);
      expectError(await post('physics', '/api/bookings', { sessionId: slot('2023-11-02', 'am').id }, { key: 'book-2' }), 422, 'IDEMPOTENCY_KEY_REUSED');
      expect((await activeOf(NO.physics))[0]?.session_id).toBe(a.id);
      // The same key on another route is another request too.
      const bookingId = (await activeOf(NO.physics))[0]!.id;
      expectError(await call('physics', `/api/bookings/${bookingId}`, { method: 'DELETE', key: 'book-2' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('a retried cancel replays its answer', async () => {
      const booked = await post('physics', '/api/bookings', { sessionId: slot('2023-11-01', 'pm').id });
      const path = `/api/bookings/${String(booked.body.id)}`;
      const first = await call('physics', path, { method: 'DELETE', key: 'cancel-1' });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'cancelled', session: { booked: 0 } });
      const again = await call('physics', path, { method: 'DELETE', key: 'cancel-1' });
      expect([again.status, again.text]).toEqual([first.status, first.text]);
    });
  });

  describe('cancelBooking and joinWaitlist', () => {
    it('a full session offers a waitlist; a cancellation promotes the first waiting student, who is notified', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      const holders: string[] = [];
      for (let i = 0; i < 5; i++) holders.push(String((await post('admin', '/api/bookings', { sessionId: s.id, studentNo: hammerNo(i) })).body.id));
      const joined = await post('physics', `/api/sessions/${s.id}/waitlist`, {});
      expect(joined.status).toBe(201);
      expect(joined.body).toMatchObject({ booking: null, waitlistEntry: { sessionId: s.id, studentNo: NO.physics, position: 1, status: 'waiting' } });
      expectError(await post('physics', `/api/sessions/${s.id}/waitlist`, {}), 409, 'ALREADY_WAITLISTED');
      expect((await call('physics', '/api/bookings/me')).body).toMatchObject({ booking: null, defaultDay: '2023-11-01', waitlist: [{ position: 1 }] });

      const cancelled = await call('admin', `/api/bookings/${holders[1]}`, { method: 'DELETE' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', session: { booked: 5, waiting: 0 } });
      const me = await call('physics', '/api/bookings/me');
      expect(me.body).toMatchObject({ booking: { sessionId: s.id, status: 'active' }, waitlist: [] });
      const notes = await db().selectFrom('notifications').select(['kind', 'student_id']).execute();
      expect(notes).toEqual([{ kind: 'waitlist.promoted', student_id: (me.body.booking as { studentId: string }).studentId }]);
    });

    it('joining the waitlist of a session with free seats books it (201 with the booking); the body may be omitted', async () => {
      const s = slot('2023-11-02', 'am');
      const res = await call('physics', `/api/sessions/${s.id}/waitlist`, { method: 'POST' });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ waitlistEntry: null, booking: { sessionId: s.id, status: 'active' } });
      const again = await call('physics', `/api/sessions/${s.id}/waitlist`, { method: 'POST' });
      expect(again.status).toBe(200);
    });

    it('cancelling: unknown booking 404, another student’s booking 403, a retried DELETE 200', async () => {
      const own = await post('physics2', '/api/bookings', { sessionId: slot('2023-11-01', 'pm').id });
      expectError(await call('physics', '/api/bookings/no-such-booking', { method: 'DELETE' }), 404, 'BOOKING_NOT_FOUND');
      expectError(await call('physics', `/api/bookings/${String(own.body.id)}`, { method: 'DELETE' }), 403, 'FORBIDDEN');
      expect((await call('secretary', `/api/bookings/${String(own.body.id)}`, { method: 'DELETE' })).status).toBe(200);
      expect((await call('physics2', `/api/bookings/${String(own.body.id)}`, { method: 'DELETE' })).status).toBe(200);
    });
  });

  describe('updateSiteSettings (PUT /api/sites/:site/settings)', () => {
    it('capacity lowered below bookings: 409 with the affected students; then moveAffected moves and notifies them', async () => {
      const am = slot('2023-11-01', 'am');
      for (let i = 0; i < 5; i++) {
        expect((await post('admin', '/api/bookings', { sessionId: am.id, studentNo: hammerNo(i) })).status).toBe(201);
        rt.clock.advance(1000);
      }
      const refused = expectError(await call('admin', '/api/sites/beijing/settings', { method: 'PUT', json: { stations: 1, minutesPerStudent: 50 } }), 409, 'CAPACITY_BELOW_BOOKINGS');
      expect(refused.details).toMatchObject({
        sessions: [{ sessionId: am.id, capacity: 3, booked: 5 }],
        affected: [
          { studentNo: hammerNo(3), sessionId: am.id, date: '2023-11-01', start: '09:30' },
          { studentNo: hammerNo(4), sessionId: am.id, date: '2023-11-01', start: '09:30' },
        ],
      });
      expect((await sessionRow(am.id)).capacity).toBe(300);

      const moved = await call('admin', '/api/sites/beijing/settings', { method: 'PUT', json: { stations: 1, minutesPerStudent: 50, moveAffected: true } });
      expect(moved.status).toBe(200);
      const pm = slot('2023-11-01', 'pm');
      expect(moved.body).toEqual({
        site: 'beijing',
        stations: 1,
        minutesPerStudent: 50,
        moved: [
          { studentNo: hammerNo(3), fromSessionId: am.id, toSessionId: pm.id },
          { studentNo: hammerNo(4), fromSessionId: am.id, toSessionId: pm.id },
        ],
      });
      expect(await sessionRow(am.id)).toMatchObject({ capacity: 3, booked: 3 });
      expect(await sessionRow(pm.id)).toMatchObject({ capacity: 5, booked: 2 });
      expect((await db().selectFrom('notifications').select('kind').execute()).map((n) => n.kind)).toEqual(['booking.moved', 'booking.moved']);
    });

    it('is for admins only; an unknown site or bad numbers are 400', async () => {
      for (const caller of ['secretary', 'operator', 'physics'] as const) {
        expectError(await call(caller, '/api/sites/beijing/settings', { method: 'PUT', json: { stations: 1, minutesPerStudent: 1 } }), 403, 'FORBIDDEN');
      }
      expectError(await call('admin', '/api/sites/mars/settings', { method: 'PUT', json: { stations: 1, minutesPerStudent: 1 } }), 400, 'VALIDATION_FAILED');
      expectError(await call('admin', '/api/sites/beijing/settings', { method: 'PUT', json: { stations: 0, minutesPerStudent: 1 } }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('time (server clock in UTC, times in Asia/Shanghai)', () => {
    it('a session that has started answers 422 SESSION_IN_PAST; the afternoon of the same day is still open', async () => {
      // 09:30 in Shanghai = 01:30 UTC. Moving the clock ends the sign-in sessions: sign in again.
      rt.clock.set('2023-11-01T01:30:00.000Z');
      cookies.set('physics', await signIn(NO.physics));
      expectError(await post('physics', '/api/bookings', { sessionId: slot('2023-11-01', 'am').id }), 422, 'SESSION_IN_PAST');
      expect((await post('physics', '/api/bookings', { sessionId: slot('2023-11-01', 'pm').id })).status).toBe(201);
    });
  });
});
