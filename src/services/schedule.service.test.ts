// The admin edits the campaign's days and windows (issue #3, part 1; S1–S4), once per database: every bad
// input is refused with the day, field and value named in Chinese and English; sessions are regenerated
// keeping ids and bookings; bookings that would lose their seat are refused with the students, or moved
// (or cancelled when no seat is left) and notified. Also: getSiteSettings and the purge of idempotency keys.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import type { Session } from '../contracts/booking.js';
import { CapacityRefusalDetailsSchema } from '../contracts/booking.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import type { ScheduleDayInput, ScheduleIssue } from '../domain/schedule-edit.js';
import { checkSeatInvariants, createBooking, getMyBooking } from './booking.service.js';
import { purgeIdempotencyKeys } from './change.js';
import type { CampaignSchedule } from './schedule.service.js';
import { getCampaignSchedule, updateCampaignSchedule } from './schedule.service.js';
import { listSessions } from './session.service.js';
import { getSiteSettings, updateSiteSettings } from './site-settings.service.js';
import type { Actor } from './deps.js';
import { applyRosterImport } from './roster.service.js';
import { expectAppError } from '../../test/support/app-errors.js';

/** 物理学院's day is 2023-11-01 (Wednesday); 2023-11-04/05 are the weekend (S3). */
const physicsNo = (i: number) => `2701${String(i).padStart(6, '0')}`;
const PHYSICS = 8;
const ROSTER: RosterRow[] = Array.from({ length: PHYSICS }, (_, i) => rosterRow(physicsNo(i)));

const toRequest = (schedule: CampaignSchedule): ScheduleDayInput[] => schedule.days.map((d) => ({ date: d.date, departments: [...d.departments], windows: { ...d.windows } }));

describe.each(DIALECTS)('campaign schedule editing on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let original: CampaignSchedule;
  const db = () => rt.deps.db.db;
  const sessionsNow = async () => (await listSessions(rt.deps, admin, { site: 'beijing' })).items;
  const slot = (sessions: Session[], date: string, start: string) => sessions.find((s) => s.date === date && s.start === start);
  const book = (i: number, sessionId: string) => createBooking(rt.deps, admin, { sessionId, studentNo: physicsNo(i) });
  const activeOf = async (i: number) =>
    db()
      .selectFrom('bookings')
      .innerJoin('students', 'students.id', 'bookings.student_id')
      .select(['bookings.id', 'bookings.session_id'])
      .where('students.student_no', '=', physicsNo(i))
      .where('bookings.status', '=', 'active')
      .execute();
  const notifications = () => db().selectFrom('notifications').innerJoin('students', 'students.id', 'notifications.student_id').select(['students.student_no', 'kind', 'payload']).execute();
  const auditActions = async () => (await db().selectFrom('audit_events').select('action').orderBy('seq').execute()).map((r) => r.action);
  /** A day of the request by date. */
  const withDay = (days: ScheduleDayInput[], date: string, change: (d: ScheduleDayInput) => ScheduleDayInput) => days.map((d) => (d.date === date ? change(d) : d));

  async function refusedWith(days: ScheduleDayInput[], expected: Partial<ScheduleIssue>, words: { zh: string; en: string }) {
    const before = { sessions: await sessionsNow(), audit: (await auditActions()).length };
    const zh = await expectAppError(updateCampaignSchedule(rt.deps, admin, { days }), 'VALIDATION_FAILED');
    const issue = (zh.details as ScheduleIssue[]).find((i) => i.field === expected.field);
    expect(issue, JSON.stringify(zh.details)).toMatchObject(expected);
    expect(issue!.message).toContain(words.zh);
    expect(issue!.message).toContain(expected.value);
    const en = await expectAppError(updateCampaignSchedule(rt.deps, admin, { days }, 'en'), 'VALIDATION_FAILED');
    const enIssue = (en.details as ScheduleIssue[]).find((i) => i.field === expected.field)!;
    expect(enIssue.message).toContain(words.en);
    expect(enIssue.message).toContain(expected.value);
    // nothing changed
    expect(await sessionsNow()).toEqual(before.sessions);
    expect((await auditActions()).length).toBe(before.audit);
  }

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'schedule-admin');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
    original = await getCampaignSchedule(rt.deps, admin);
  });
  afterAll(async () => {
    await rt.close();
  });
  afterEach(async () => {
    expect(await checkSeatInvariants(rt.deps)).toEqual({ counterMismatches: 0, sessionsOverCapacity: 0, studentsWithSeveralBookings: 0 });
    await db().deleteFrom('bookings').execute();
    await db().deleteFrom('waitlist_entries').execute();
    await db().deleteFrom('notifications').execute();
    await db().updateTable('schedule_sessions').set({ booked: 0 }).execute();
    rt.clock.set('2023-10-20T02:00:00.000Z');
    await updateCampaignSchedule(rt.deps, admin, { days: toRequest(original) });
    for (const site of ['beijing', 'shenzhen'] as const) await updateSiteSettings(rt.deps, admin, site, { stations: 2, minutesPerStudent: 1 });
  });

  it('reads the days with their departments and each site’s windows (Asia/Shanghai)', () => {
    expect(original.timezone).toBe('Asia/Shanghai');
    expect(original).toMatchObject({ firstDay: '2023-11-01', lastDay: '2023-11-05', sites: ['beijing', 'shenzhen'] });
    expect(original.days.map((d) => [d.date, d.weekend])).toEqual([
      ['2023-11-01', false],
      ['2023-11-02', false],
      ['2023-11-03', false],
      ['2023-11-04', true],
      ['2023-11-05', true],
    ]);
    expect(original.days[0]!.windows).toEqual({ beijing: [{ start: '09:30', end: '12:00' }, { start: '13:00', end: '17:30' }], shenzhen: [{ start: '09:30', end: '12:00' }, { start: '13:00', end: '17:30' }] });
    expect(original.departments).toHaveLength(45);
  });

  describe('bad input, refused with the day, field and value, in Chinese and English; nothing changes', () => {
    it('overlapping windows', async () => {
      const days = withDay(toRequest(original), '2023-11-02', (d) => ({ ...d, windows: { ...d.windows, beijing: [{ start: '09:30', end: '12:00' }, { start: '11:00', end: '13:00' }] } }));
      await refusedWith(days, { day: '2023-11-02', field: 'days[1].windows.beijing[1].start', value: '11:00' }, { zh: '重叠', en: 'overlap' });
    });

    it('a window ending before (or when) it starts', async () => {
      const days = withDay(toRequest(original), '2023-11-03', (d) => ({ ...d, windows: { ...d.windows, shenzhen: [{ start: '14:00', end: '13:00' }] } }));
      await refusedWith(days, { day: '2023-11-03', field: 'days[2].windows.shenzhen[0].end', value: '13:00' }, { zh: '不晚于开始时间 14:00', en: 'is not after the start 14:00' });
      const equal = withDay(toRequest(original), '2023-11-03', (d) => ({ ...d, windows: { ...d.windows, beijing: [{ start: '10:00', end: '10:00' }] } }));
      await refusedWith(equal, { day: '2023-11-03', field: 'days[2].windows.beijing[0].end', value: '10:00' }, { zh: '结束时间', en: 'the end' });
    });

    it('a department on two days', async () => {
      const days = withDay(toRequest(original), '2023-11-02', (d) => ({ ...d, departments: [...d.departments, '物理学院'] }));
      const k = original.days[1]!.departments.length;
      await refusedWith(days, { day: '2023-11-02', field: `days[1].departments[${k}]`, value: '物理学院' }, { zh: '同时安排在 2023-11-01 和 2023-11-02', en: 'both 2023-11-01 and 2023-11-02' });
    });

    it('an unknown department, and a department left without a day', async () => {
      const days = withDay(toRequest(original), '2023-11-01', (d) => ({ ...d, departments: d.departments.map((x) => (x === '物理学院' ? '物理系' : x)) }));
      await refusedWith(days, { day: '2023-11-01', field: 'days[0].departments[1]', value: '物理系' }, { zh: '不在本次采集活动中', en: 'is not a department of this campaign' });
      await refusedWith(days, { day: null, field: 'days', value: '物理学院' }, { zh: '没有安排采集日', en: 'has no day' });
    });

    it('a date outside the campaign, and a date listed twice', async () => {
      const outside = [...toRequest(original), { date: '2023-11-20', departments: [], windows: {} }];
      await refusedWith(outside, { day: '2023-11-20', field: 'days[5].date', value: '2023-11-20' }, { zh: '不在采集活动期间（2023-11-01 至 2023-11-05）', en: 'outside the campaign (2023-11-01 to 2023-11-05)' });
      const twice = [...toRequest(original), { date: '2023-11-02', departments: [], windows: {} }];
      await refusedWith(twice, { day: '2023-11-02', field: 'days[5].date', value: '2023-11-02' }, { zh: '出现了两次', en: 'listed twice' });
    });

    it('is the admin’s: a secretary is refused', async () => {
      const secretary = await createActor(rt.deps, 'secretary', ['物理学院']);
      await expectAppError(updateCampaignSchedule(rt.deps, secretary, { days: toRequest(original) }), 'FORBIDDEN');
    });
  });

  it('kept sessions keep their id and bookings when a window moves; new windows get new sessions; one audit event', async () => {
    const before = await sessionsNow();
    const am = slot(before, '2023-11-01', '09:30')!;
    await book(0, am.id);
    const auditBefore = (await auditActions()).length;
    const days = withDay(toRequest(original), '2023-11-01', (d) => ({
      ...d,
      windows: { ...d.windows, beijing: [{ start: '09:00', end: '11:00' }, { start: '13:00', end: '17:30' }, { start: '18:00', end: '20:00' }] },
    }));
    const result = await updateCampaignSchedule(rt.deps, admin, { days });
    expect(result).toEqual({ sessions: { kept: 20, added: 1, removed: 0 }, moved: [], cancelled: [] });
    const after = await sessionsNow();
    const moved = slot(after, '2023-11-01', '09:00')!;
    expect(moved).toMatchObject({ id: am.id, end: '11:00', capacity: 2 * 120, booked: 1 });
    expect(slot(after, '2023-11-01', '18:00')).toMatchObject({ end: '20:00', capacity: 240, booked: 0 });
    expect((await activeOf(0))[0]!.session_id).toBe(am.id);
    expect((await auditActions()).slice(auditBefore)).toEqual(['campaign.schedule_changed']);
    // the Shenzhen site keeps the campaign's windows
    expect((await listSessions(rt.deps, admin, { site: 'shenzhen', date: '2023-11-01' })).items.map((s) => s.start)).toEqual(['09:30', '13:00']);
  });

  it('lowering a window below its bookings is refused with the students; moveAffected moves and notifies them', async () => {
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 30 }); // 5 seats am, 9 pm
    const sessions = await sessionsNow();
    const am = slot(sessions, '2023-11-01', '09:30')!;
    for (const i of [0, 1, 2]) {
      await book(i, am.id);
      rt.clock.advance(1000); // "the last booked" is told by the time of booking
    }
    // 09:30–10:30: 60 minutes, 2 seats for 3 bookings
    const days = withDay(toRequest(original), '2023-11-01', (d) => ({ ...d, windows: { ...d.windows, beijing: [{ start: '09:30', end: '10:30' }, { start: '13:00', end: '17:30' }] } }));
    const refused = await expectAppError(updateCampaignSchedule(rt.deps, admin, { days }), 'CAPACITY_BELOW_BOOKINGS');
    const details = CapacityRefusalDetailsSchema.parse(refused.details);
    expect(details.sessions).toEqual([{ sessionId: am.id, date: '2023-11-01', start: '09:30', capacity: 2, booked: 3 }]);
    expect(details.affected).toEqual([{ studentNo: physicsNo(2), sessionId: am.id, date: '2023-11-01', start: '09:30' }]);
    expect(slot(await sessionsNow(), '2023-11-01', '09:30')).toMatchObject({ end: '12:00', capacity: 5, booked: 3 });

    const result = await updateCampaignSchedule(rt.deps, admin, { days, moveAffected: true });
    const pm = slot(sessions, '2023-11-01', '13:00')!;
    expect(result.moved).toEqual([{ studentNo: physicsNo(2), fromSessionId: am.id, toSessionId: pm.id }]);
    expect(result.cancelled).toEqual([]);
    const after = await sessionsNow();
    expect(slot(after, '2023-11-01', '09:30')).toMatchObject({ id: am.id, end: '10:30', capacity: 2, booked: 2 });
    expect(slot(after, '2023-11-01', '13:00')).toMatchObject({ booked: 1 });
    expect((await activeOf(2))[0]!.session_id).toBe(pm.id);
    const sent = await notifications();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ student_no: physicsNo(2), kind: 'booking.moved' });
    expect(JSON.parse(sent[0]!.payload)).toMatchObject({ reason: 'schedule', fromSessionId: am.id, toSessionId: pm.id, date: '2023-11-01', start: '13:00' });
  });

  it('removing a day with bookings is refused with its students; moveAffected moves them to the nearest free session, or cancels when none is left', async () => {
    // one seat a window: 150 min ÷ 150 = 1 in the morning, 270 ÷ 150 = 1 in the afternoon
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 150 });
    const sessions = await sessionsNow();
    const weekdays = sessions.filter((s) => !s.weekend);
    expect(weekdays).toHaveLength(6);
    // every weekday seat taken: physics students are not employed, so the weekend is not theirs (S3)
    for (const [i, s] of weekdays.entries()) await book(i, s.id);
    const removedIds = weekdays.filter((s) => s.date === '2023-11-03').map((s) => s.id);
    const third = original.days[2]!;
    const days = toRequest(original)
      .filter((d) => d.date !== '2023-11-03')
      .map((d) => (d.date === '2023-11-02' ? { ...d, departments: [...d.departments, ...third.departments] } : d));

    const refused = await expectAppError(updateCampaignSchedule(rt.deps, admin, { days }), 'CAPACITY_BELOW_BOOKINGS');
    const details = CapacityRefusalDetailsSchema.parse(refused.details);
    expect(details.affected.map((a) => a.sessionId).sort()).toEqual([...removedIds].sort());
    expect(details.affected.map((a) => a.studentNo).sort()).toEqual([physicsNo(4), physicsNo(5)]);

    // Free one seat on 11-02 afternoon: the 11-03 morning booking goes there (nearest), the afternoon one has none left.
    const freed = slot(sessions, '2023-11-02', '13:00')!;
    await db().updateTable('bookings').set({ status: 'cancelled', cancelled_at: '2023-10-20T02:00:00.000Z' }).where('session_id', '=', freed.id).execute();
    await db().updateTable('schedule_sessions').set({ booked: 0 }).where('id', '=', freed.id).execute();
    const result = await updateCampaignSchedule(rt.deps, admin, { days, moveAffected: true });
    expect(result.sessions).toEqual({ kept: 16, added: 0, removed: 4 });
    const amOf3 = slot(sessions, '2023-11-03', '09:30')!;
    const pmOf3 = slot(sessions, '2023-11-03', '13:00')!;
    expect(result.moved).toEqual([{ studentNo: physicsNo(4), fromSessionId: amOf3.id, toSessionId: freed.id }]);
    expect(result.cancelled).toEqual([{ studentNo: physicsNo(5), sessionId: pmOf3.id }]);
    expect(await activeOf(5)).toEqual([]);
    const kinds = (await notifications()).map((n) => [n.student_no, n.kind]).sort();
    expect(kinds).toEqual([
      [physicsNo(4), 'booking.moved'],
      [physicsNo(5), 'booking.cancelled'],
    ]);
    const after = await sessionsNow();
    expect(after.some((s) => s.date === '2023-11-03')).toBe(false);
    expect(after).toHaveLength(8); // Beijing: 4 days × 2 windows
  });

  it('decisions do not change, but each student’s default day follows the new table (S1)', async () => {
    const decisions = () => db().selectFrom('students').select(['student_no', 'decision', 'rule']).orderBy('student_no').execute();
    const before = await decisions();
    expect((await getMyBooking(rt.deps, admin, { studentNo: physicsNo(7) })).defaultDay).toBe('2023-11-01');
    const days = toRequest(original).map((d) => {
      if (d.date === '2023-11-01') return { ...d, departments: d.departments.filter((x) => x !== '物理学院') };
      if (d.date === '2023-11-02') return { ...d, departments: [...d.departments, '物理学院'] };
      return d;
    });
    await updateCampaignSchedule(rt.deps, admin, { days });
    expect((await getMyBooking(rt.deps, admin, { studentNo: physicsNo(7) })).defaultDay).toBe('2023-11-02');
    expect(await decisions()).toEqual(before);
    // the expected load (S1) moved with the department
    const sessions = await sessionsNow();
    expect(slot(sessions, '2023-11-02', '09:30')!.expected + slot(sessions, '2023-11-02', '13:00')!.expected).toBe(PHYSICS);
    expect(slot(sessions, '2023-11-01', '09:30')!.expected + slot(sessions, '2023-11-01', '13:00')!.expected).toBe(0);
  });

  it('getSiteSettings: the defaults until the admin sets them, then the settings', async () => {
    expect(await getSiteSettings(rt.deps, admin, 'shenzhen')).toEqual({ site: 'shenzhen', stations: 2, minutesPerStudent: 1 });
    await updateSiteSettings(rt.deps, admin, 'shenzhen', { stations: 3, minutesPerStudent: 2 });
    expect(await getSiteSettings(rt.deps, admin, 'shenzhen')).toEqual({ site: 'shenzhen', stations: 3, minutesPerStudent: 2 });
    const student = await createActor(rt.deps, 'student', [], physicsNo(0));
    expect(await getSiteSettings(rt.deps, student, 'beijing')).toMatchObject({ site: 'beijing' });
  });

  it('purges Idempotency-Key answers older than 24 hours (fake clock), keeping newer ones', async () => {
    await db().deleteFrom('idempotency_keys').execute();
    const sessions = await sessionsNow();
    const idem = (key: string) => ({ key, fingerprint: key, statusOf: () => 201 });
    await createBooking(rt.deps, admin, { sessionId: sessions[0]!.id, studentNo: physicsNo(0) }, { idempotency: idem('old') });
    rt.clock.advance(20 * 3_600_000);
    await createBooking(rt.deps, admin, { sessionId: sessions[1]!.id, studentNo: physicsNo(1) }, { idempotency: idem('new') });
    rt.clock.advance(5 * 3_600_000); // 'old' is 25 h old, 'new' 5 h
    expect(await purgeIdempotencyKeys(rt.deps)).toEqual({ removed: 1 });
    expect((await db().selectFrom('idempotency_keys').select('key').execute()).map((r) => r.key)).toEqual(['new']);
    expect(await purgeIdempotencyKeys(rt.deps)).toEqual({ removed: 0 });
    rt.clock.set('2023-10-20T02:00:00.000Z');
    expect(await bookingRepo.countActiveBookings(db())).toBe(2);
  });
});

describe.each(DIALECTS)('schedule routes on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  const cookies = new Map<string, string>();
  const call = async (caller: string, method: string, path: string, json?: unknown, lang?: string) => {
    const headers: Record<string, string> = {};
    if (cookies.has(caller)) headers.cookie = cookies.get(caller)!;
    if (json !== undefined) headers['content-type'] = 'application/json';
    if (lang) headers['accept-language'] = lang;
    const res = await fetch(`${server.url}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } } };
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    for (const role of ['admin', 'secretary', 'operator'] as const) {
      await createActor(rt.deps, role, role === 'secretary' ? ['物理学院'] : [], `sched-${role}`);
      cookies.set(role, await loginOverHttp(server.url, `sched-${role}`));
    }
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('GET /api/campaign/schedule and GET /api/sites/{site}/settings for staff; PUT for the admin only', async () => {
    const schedule = await call('secretary', 'GET', '/api/campaign/schedule');
    expect(schedule.status).toBe(200);
    const days = (schedule.body as unknown as CampaignSchedule).days.map((d) => ({ date: d.date, departments: d.departments, windows: d.windows }));
    expect(await call('operator', 'GET', '/api/sites/beijing/settings')).toEqual({ status: 200, body: { site: 'beijing', stations: 2, minutesPerStudent: 1 } });
    expect((await call('admin', 'GET', '/api/sites/hangzhou/settings')).status).toBe(400);
    expect((await call('anonymous', 'GET', '/api/campaign/schedule')).status).toBe(401);
    expect((await call('secretary', 'PUT', '/api/campaign/schedule', { days })).status).toBe(403);
    const ok = await call('admin', 'PUT', '/api/campaign/schedule', { days });
    expect(ok).toEqual({ status: 200, body: { sessions: { kept: 20, added: 0, removed: 0 }, moved: [], cancelled: [] } });
  });

  it('a bad schedule is 400 VALIDATION_FAILED naming the day, field and value in the request’s language', async () => {
    const days = [{ date: '2023-11-01', departments: ['物理学院'], windows: { beijing: [{ start: '12:00', end: '09:30' }] } }];
    const en = await call('admin', 'PUT', '/api/campaign/schedule', { days }, 'en');
    expect(en.status).toBe(400);
    expect(en.body.error!.code).toBe('VALIDATION_FAILED');
    expect(en.body.error!.message).toContain('2023-11-01, Beijing window 1: the end 09:30 is not after the start 12:00');
    expect(en.body.error!.details).toEqual(expect.arrayContaining([{ day: '2023-11-01', field: 'days[0].windows.beijing[0].end', value: '09:30', message: expect.stringContaining('09:30') as string }]));
    const zh = await call('admin', 'PUT', '/api/campaign/schedule', { days });
    expect(zh.body.error!.message).toContain('2023-11-01 北京第 1 个时段：结束时间 09:30 不晚于开始时间 12:00');
    const malformed = await call('admin', 'PUT', '/api/campaign/schedule', { days: [{ date: '2023-11-01', departments: [], windows: { beijing: [{ start: '9:30', end: '12:00' }] } }] });
    expect(malformed.status).toBe(400);
  });
});
