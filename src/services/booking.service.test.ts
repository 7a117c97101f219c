// Sessions, bookings and the waitlist on a real database, once per dialect (issue #3, rules S1–S4,
// E1–E7, PITFALLS F1–F5). After every test the seat invariants are read back from the database: each
// session's counter equals its active bookings (F4), no session is over capacity, no student holds two
// bookings (F5).
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import type { Session } from '../contracts/booking.js';
import { AppError } from '../domain/errors.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import * as idempotencyRepo from '../repositories/idempotency.repository.js';
import { cancelBooking, checkSeatInvariants, createBooking, getMyBooking, joinWaitlist } from './booking.service.js';
import { ensureActiveCampaign, getActiveCampaign, repairCampaignSessions } from './campaign.service.js';
import type { IdempotencyInput, IdempotentOutcome } from './change.js';
import { listSessions } from './session.service.js';
import { updateSiteSettings } from './site-settings.service.js';
import { shareByWeight } from '../domain/schedule.js';
import type { Actor } from './deps.js';
import { SYSTEM } from './deps.js';
import { applyRosterImport } from './roster.service.js';
import { expectAppError } from '../../test/support/app-errors.js';

/** Students by what they test. 物理学院's day is 2023-11-01 (Wednesday), 法学院's is 2023-11-04 (Saturday). */
const NO = {
  physics: '2301000001',
  physics2: '2301000002',
  employed: '2301000003', // 在职 (S3)
  law: '2301000004', // 法学院: a weekend department (S3)
  shenzhen: '2301000005', // 深圳研究生院 studying in Shenzhen (S4)
  shenzhenInBeijing: '2301000006', // 深圳研究生院 studying in Beijing (S4)
  single: '2301000007', // 单证 (E6)
  notInCampaign: '2301000008', // finishing 2022-07
  math: '2301000009', // 数学科学学院 (another department than the secretary's)
} as const;

/** Filler students of 物理学院, all required (E1), for full sessions. */
const fillerNo = (i: number) => `2302${String(i).padStart(6, '0')}`;
const FILLERS = 30;

const ROSTER: RosterRow[] = [
  rosterRow(NO.physics),
  rosterRow(NO.physics2),
  rosterRow(NO.employed, { 在职: '是' }),
  rosterRow(NO.law, { 院系: '法学院' }),
  rosterRow(NO.shenzhen, { 院系: '深圳研究生院', 学习地点: '深圳' }),
  rosterRow(NO.shenzhenInBeijing, { 院系: '深圳研究生院', 学习地点: '北京' }),
  rosterRow(NO.single, { 证书类型: '单证' }),
  rosterRow(NO.notInCampaign, { 预计毕业时间: '2022-07' }),
  rosterRow(NO.math, { 院系: '数学科学学院' }),
  ...Array.from({ length: FILLERS }, (_, i) => rosterRow(fillerNo(i))),
];

const SECOND = 1000;

describe.each(DIALECTS)('booking service on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let sessions: Session[];
  /** A session by site, date and window (am = 09:30–12:00, pm = 13:00–17:30). */
  const slot = (date: string, half: 'am' | 'pm', site: 'beijing' | 'shenzhen' = 'beijing') =>
    sessions.find((s) => s.site === site && s.date === date && s.start === (half === 'am' ? '09:30' : '13:00'))!;
  const db = () => rt.deps.db.db;
  const events = () => db().selectFrom('audit_events').select(['seq', 'action', 'target_id', 'details']).orderBy('seq').execute();
  const book = (studentNo: string, sessionId: string, actor: Actor = admin) => createBooking(rt.deps, actor, { sessionId, studentNo });
  const sessionRow = async (id: string) => (await bookingRepo.findSession(db(), id))!;
  const activeOf = async (studentNo: string) =>
    db()
      .selectFrom('bookings')
      .innerJoin('students', 'students.id', 'bookings.student_id')
      .select(['bookings.id', 'bookings.session_id'])
      .where('students.student_no', '=', studentNo)
      .where('bookings.status', '=', 'active')
      .execute();
  /** PostgreSQL: how many backends of this database wait for a lock now. */
  const lockWaits = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = current_database()`.execute(db())).rows[0]!.n;
  /** Runs `work` and returns the audit events it appended. */
  async function newEvents(work: () => Promise<unknown>) {
    const before = (await events()).length;
    await work();
    return (await events()).slice(before);
  }
  /** Empties every session and resets the sites to the default settings, so that tests do not depend on each other. */
  async function resetSeats() {
    await db().deleteFrom('bookings').execute();
    await db().deleteFrom('waitlist_entries').execute();
    await db().deleteFrom('notifications').execute();
    await db().deleteFrom('idempotency_keys').execute();
    await db().updateTable('schedule_sessions').set({ booked: 0 }).execute();
    for (const site of ['beijing', 'shenzhen'] as const) await updateSiteSettings(rt.deps, admin, site, { stations: 2, minutesPerStudent: 1 });
    rt.clock.set('2023-10-20T02:00:00.000Z');
  }
  /** Beijing sessions of 5 seats in the morning window (150 min) and 9 in the afternoon (270 min). */
  const smallBeijing = () => updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 30 });

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'booking-admin');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
    sessions = (await listSessions(rt.deps, admin, {})).items;
  });
  afterAll(async () => {
    await rt.close();
  });
  afterEach(async () => {
    // F4 / F5: whatever a test did, the stored counters and the bookings agree, and no seat is oversold.
    expect(await checkSeatInvariants(rt.deps)).toEqual({ counterMismatches: 0, sessionsOverCapacity: 0, studentsWithSeveralBookings: 0 });
    await resetSeats();
  });

  describe('sessions (S1, S4)', () => {
    it('are every (site, day, window) of the campaign: 2 sites × 5 days × 2 windows, 300 and 540 seats by default', async () => {
      expect(sessions).toHaveLength(20);
      expect(new Set(sessions.map((s) => s.id)).size).toBe(20);
      expect(slot('2023-11-01', 'am')).toMatchObject({ site: 'beijing', date: '2023-11-01', start: '09:30', end: '12:00', capacity: 300, booked: 0, weekend: false, waiting: 0 });
      expect(slot('2023-11-01', 'pm')).toMatchObject({ start: '13:00', end: '17:30', capacity: 540 });
      expect(slot('2023-11-04', 'am', 'shenzhen')).toMatchObject({ weekend: true, capacity: 300 });
    });

    it('are written with the campaign (never on a read), and a missing one is put back at start-up with one sessions.generated event', async () => {
      expect((await db().selectFrom('schedule_sessions').select('id').execute()).length).toBe(20);
      const loaded = (await events()).filter((e) => e.action === 'campaign.loaded');
      // every session in the table was made by loading a campaign
      expect(loaded.reduce((n, e) => n + (JSON.parse(e.details) as { sessionsCreated: number }).sessionsCreated, 0)).toBe(20);
      expect((await events()).filter((e) => e.action === 'sessions.generated')).toHaveLength(0);
      // A lost row is not made by a read; the start-up repair puts it back and leaves the others as they are.
      const lost = slot('2023-11-05', 'pm', 'shenzhen');
      await db().deleteFrom('schedule_sessions').where('id', '=', lost.id).execute();
      expect((await listSessions(rt.deps, admin, {})).items).toHaveLength(19);
      expect(await ensureActiveCampaign(rt.deps, SYSTEM)).toMatchObject({ created: false });
      expect((await events()).filter((e) => e.action === 'sessions.generated')).toHaveLength(1);
      expect(await repairCampaignSessions(rt.deps, SYSTEM, await getActiveCampaign(rt.deps))).toEqual({ created: 0 });
      expect((await events()).filter((e) => e.action === 'sessions.generated')).toHaveLength(1);
      sessions = (await listSessions(rt.deps, admin, {})).items;
      expect(sessions).toHaveLength(20);
    });

    it('show the expected load (S1): required students of the day’s departments without a booking, shared over the windows by length', async () => {
      // 物理学院 (2023-11-01, Beijing): physics, physics2, employed and 30 fillers = 33 required; 数学科学学院: 1 more.
      // 34 over 150 and 270 minutes: 12.14 → 12, 21.86 → 22.
      let list = (await listSessions(rt.deps, admin, { site: 'beijing', date: '2023-11-01' })).items;
      expect(list.map((s) => s.expected)).toEqual([12, 22]);
      await book(NO.physics, slot('2023-11-02', 'am').id);
      list = (await listSessions(rt.deps, admin, { site: 'beijing', date: '2023-11-01' })).items;
      expect(list.map((s) => s.expected)).toEqual([12, 21]);
      // 深圳研究生院's day is 2023-11-02: one student in Shenzhen, one in Beijing (S4).
      const shenzhen = (await listSessions(rt.deps, admin, { site: 'shenzhen', date: '2023-11-02' })).items;
      expect(shenzhen.reduce((a, s) => a + s.expected, 0)).toBe(1);
    });

    it('shareByWeight splits a count over windows without losing anyone', () => {
      expect(shareByWeight(10, [150, 270])).toEqual([4, 6]);
      expect(shareByWeight(0, [150, 270])).toEqual([0, 0]);
      expect(shareByWeight(1, [150, 270])).toEqual([0, 1]);
      expect(shareByWeight(7, [1, 1, 1])).toEqual([3, 2, 2]);
    });

    it('may be listed by every signed-in role; operators and cashiers may do nothing else (permissions)', async () => {
      const operator = await createActor(rt.deps, 'operator');
      const cashier = await createActor(rt.deps, 'cashier');
      expect((await listSessions(rt.deps, operator, {})).items).toHaveLength(20);
      expect((await listSessions(rt.deps, cashier, { site: 'shenzhen' })).items).toHaveLength(10);
      await expectAppError(book(NO.physics, slot('2023-11-01', 'am').id, operator), 'FORBIDDEN');
      await expectAppError(getMyBooking(rt.deps, cashier, { studentNo: NO.physics }), 'FORBIDDEN');
      await expectAppError(listSessions(rt.deps, { principal: null, ip: null }, {}), 'UNAUTHENTICATED');
    });
  });

  describe('bookings (S2–S4, E1–E7)', () => {
    it('a required student books any listed session of their site (S2); the seat counter follows; one booking.created event', async () => {
      const session = slot('2023-11-02', 'pm'); // not 物理学院's day: any listed time (S2)
      const evts = await newEvents(async () => {
        const done = await book(NO.physics, session.id);
        expect(done.created).toBe(true);
        expect(done.value).toMatchObject({ sessionId: session.id, studentNo: NO.physics, status: 'active', session: { id: session.id, booked: 1, capacity: 540 } });
      });
      expect(evts.map((e) => e.action)).toEqual(['booking.created']);
      expect((await sessionRow(session.id)).booked).toBe(1);
      const mine = await getMyBooking(rt.deps, admin, { studentNo: NO.physics });
      expect(mine).toMatchObject({ booking: { sessionId: session.id }, defaultDay: null, waitlist: [] });
    });

    it('without a booking, a required student is expected on their department’s day (S1)', async () => {
      expect(await getMyBooking(rt.deps, admin, { studentNo: NO.physics })).toEqual({ booking: null, defaultDay: '2023-11-01', waitlist: [] });
      expect((await getMyBooking(rt.deps, admin, { studentNo: NO.law })).defaultDay).toBe('2023-11-04');
      expect((await getMyBooking(rt.deps, admin, { studentNo: NO.single })).defaultDay).toBeNull();
    });

    it('an excluded student (E6) is refused with their rule, a student not in the campaign too', async () => {
      const e6 = await expectAppError(book(NO.single, slot('2023-11-01', 'am').id), 'STUDENT_NOT_ELIGIBLE');
      expect(e6.params).toEqual({ rule: 'E6' });
      expect(e6.details).toEqual({ decision: 'excluded', rule: 'E6' });
      const none = await expectAppError(book(NO.notInCampaign, slot('2023-11-01', 'am').id), 'STUDENT_NOT_ELIGIBLE');
      expect(none.params).toEqual({ rule: 'not-in-campaign' });
      expect(await bookingRepo.countActiveBookings(db())).toBe(0);
    });

    it('weekend sessions (S3): refused to a non-employed student, allowed to an employed one and to a weekend department', async () => {
      const saturday = slot('2023-11-04', 'am');
      await expectAppError(book(NO.physics, saturday.id), 'WEEKEND_NOT_ALLOWED');
      expect((await book(NO.employed, saturday.id)).created).toBe(true);
      expect((await book(NO.law, slot('2023-11-05', 'pm').id)).created).toBe(true);
    });

    it('own site only (S4): a Shenzhen student cannot choose Beijing; a Shenzhen-school student studying in Beijing books Beijing', async () => {
      const wrong = await expectAppError(book(NO.shenzhen, slot('2023-11-02', 'am').id), 'WRONG_SITE');
      expect(wrong.params).toEqual({ site: 'shenzhen' });
      expect((await book(NO.shenzhen, slot('2023-11-02', 'am', 'shenzhen').id)).created).toBe(true);
      expect((await book(NO.shenzhenInBeijing, slot('2023-11-02', 'am').id)).created).toBe(true);
      await expectAppError(book(NO.shenzhenInBeijing, slot('2023-11-02', 'pm', 'shenzhen').id), 'WRONG_SITE');
    });

    it('a session that has started cannot be booked, with the server clock in UTC and times in Asia/Shanghai', async () => {
      // 2023-11-01 09:30 in Shanghai is 01:30 UTC.
      rt.clock.set('2023-11-01T01:29:00.000Z');
      const booked = await book(NO.physics, slot('2023-11-01', 'am').id);
      rt.clock.set('2023-11-01T01:30:00.000Z');
      await expectAppError(book(NO.physics2, slot('2023-11-01', 'am').id), 'SESSION_IN_PAST');
      expect((await book(NO.physics2, slot('2023-11-01', 'pm').id)).created).toBe(true);
      // Nor can a started session's booking be cancelled: its seat can go to no one.
      await expectAppError(cancelBooking(rt.deps, admin, booked.value.id), 'SESSION_IN_PAST');
    });

    it('unknown sessions and students are refused cleanly', async () => {
      await expectAppError(book(NO.physics, 'no-such-session'), 'SESSION_NOT_FOUND');
      await expectAppError(book('9999999999', slot('2023-11-01', 'am').id), 'STUDENT_NOT_FOUND');
      await expectAppError(createBooking(rt.deps, admin, { sessionId: slot('2023-11-01', 'am').id }), 'VALIDATION_FAILED');
      await expectAppError(cancelBooking(rt.deps, admin, 'no-such-booking'), 'BOOKING_NOT_FOUND');
    });

    it('a student books for themself only; a secretary for their departments; each refused look is recorded', async () => {
      const student = await createActor(rt.deps, 'student', [], NO.physics);
      const secretary = await createActor(rt.deps, 'secretary', ['物理学院']);
      const own = await createBooking(rt.deps, student, { sessionId: slot('2023-11-01', 'am').id });
      expect(own.value.studentNo).toBe(NO.physics);
      await expectAppError(createBooking(rt.deps, student, { sessionId: slot('2023-11-01', 'am').id, studentNo: NO.physics2 }), 'FORBIDDEN');
      expect((await book(NO.physics2, slot('2023-11-01', 'pm').id, secretary)).created).toBe(true);
      const denied = await newEvents(() => expectAppError(book(NO.math, slot('2023-11-01', 'pm').id, secretary), 'FORBIDDEN'));
      expect(denied.map((e) => e.action)).toEqual(['student.access_denied']);
      await expectAppError(cancelBooking(rt.deps, student, (await activeOf(NO.physics2))[0]!.id), 'FORBIDDEN');
      await expectAppError(updateSiteSettings(rt.deps, secretary, 'beijing', { stations: 3, minutesPerStudent: 1 }), 'FORBIDDEN');
      expect((await getMyBooking(rt.deps, student, {})).booking?.id).toBe(own.value.id);
    });
  });

  describe('one booking per student (F5)', () => {
    it('booking again moves the booking in one step: old seat freed, new seat taken, one booking.moved event', async () => {
      const a = slot('2023-11-01', 'am');
      const b = slot('2023-11-02', 'pm');
      const first = await book(NO.physics, a.id);
      const evts = await newEvents(async () => {
        const moved = await book(NO.physics, b.id);
        expect(moved.created).toBe(true);
        expect(moved.value.sessionId).toBe(b.id);
      });
      expect(evts.map((e) => e.action)).toEqual(['booking.moved']);
      expect(JSON.parse(evts[0]!.details)).toMatchObject({ fromBookingId: first.value.id, fromSessionId: a.id, sessionId: b.id });
      expect((await sessionRow(a.id)).booked).toBe(0);
      expect((await sessionRow(b.id)).booked).toBe(1);
      expect(await activeOf(NO.physics)).toEqual([{ id: expect.any(String), session_id: b.id }]);
    });

    it('moving to a full session changes nothing', async () => {
      await smallBeijing();
      const full = slot('2023-11-01', 'am');
      for (let i = 0; i < 5; i++) await book(fillerNo(i), full.id);
      const other = slot('2023-11-02', 'am');
      await book(NO.physics, other.id);
      await expectAppError(book(NO.physics, full.id), 'SESSION_FULL');
      expect(await activeOf(NO.physics)).toEqual([{ id: expect.any(String), session_id: other.id }]);
      expect((await sessionRow(other.id)).booked).toBe(1);
      expect((await sessionRow(full.id)).booked).toBe(5);
    });

    it('booking the session one holds changes nothing: same booking, no event (a double click)', async () => {
      const s = slot('2023-11-01', 'am');
      const first = await book(NO.physics, s.id);
      const evts = await newEvents(async () => {
        const again = await book(NO.physics, s.id);
        expect(again).toEqual({ created: false, value: first.value });
      });
      expect(evts).toEqual([]);
    });

    it('the holder of the last seat of a full session who books it again gets their booking, not SESSION_FULL', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      for (let i = 0; i < 4; i++) await book(fillerNo(i), s.id);
      const last = await book(NO.physics, s.id);
      expect((await sessionRow(s.id)).booked).toBe(5);
      expect(await book(NO.physics, s.id)).toEqual({ created: false, value: last.value });
      expect((await joinWaitlist(rt.deps, admin, s.id, { studentNo: NO.physics })).value).toEqual({ booking: last.value, waitlistEntry: null });
    });

    it('a double click (two identical concurrent calls) gives one booking; the other call answers the same booking', async () => {
      const s = slot('2023-11-03', 'am');
      const [x, y] = await Promise.all([book(NO.physics, s.id), book(NO.physics, s.id)]);
      expect([x.created, y.created].sort()).toEqual([false, true]);
      expect(x.value.id).toBe(y.value.id);
      expect((await sessionRow(s.id)).booked).toBe(1);
      expect(await activeOf(NO.physics)).toHaveLength(1);
    });

    it('two tabs (two concurrent calls for different sessions) leave exactly one active booking, counters consistent', async () => {
      const tabs = [slot('2023-11-01', 'am'), slot('2023-11-02', 'am'), slot('2023-11-03', 'pm')];
      for (let round = 0; round < 3; round++) {
        const results = await Promise.allSettled(tabs.map((t) => book(NO.physics2, t.id)));
        expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
        const active = await activeOf(NO.physics2);
        expect(active).toHaveLength(1);
        const booked = await Promise.all(tabs.map(async (t) => (await sessionRow(t.id)).booked));
        expect(booked.reduce((a, b) => a + b, 0)).toBe(1);
        expect(booked[tabs.findIndex((t) => t.id === active[0]!.session_id)]).toBe(1);
      }
    });

    // PostgreSQL only: SQLite has no row locks (one writer at a time, BEGIN IMMEDIATE).
    if (dialect === 'postgres') {
      it('a move (and a waitlist join that books) does not wait for an uncommitted booking of the new session: no lock upgrade deadlock (PostgreSQL)', async () => {
        // Every booking's insert checks its foreign key with FOR KEY SHARE on the session row and holds it to its
        // commit. A move that then locked that row FOR UPDATE waited for every such booking, and two moves into
        // one session (each holding KEY SHARE, each wanting FOR UPDATE) deadlocked: the reliability run's T1
        // crawled from one detected deadlock (deadlock_timeout, 1 s) to the next, 163 in its first minute.
        const from = slot('2023-11-01', 'am');
        const to = slot('2023-11-02', 'am');
        await book(NO.physics, from.id);
        await book(fillerNo(0), from.id);
        const campaignId = (await sessionRow(to.id)).campaign_id;
        const studentId = async (no: string) => (await db().selectFrom('students').select('id').where('student_no', '=', no).executeTakeFirstOrThrow()).id;
        /** Whichever comes first: `work` done, or a backend of this database waiting for a lock. */
        const firstOf = async (work: Promise<unknown>) => {
          let finished = false;
          const done = work.then(() => {
            finished = true;
            return 'done';
          });
          const waited = (async () => {
            while (!finished) {
              if ((await lockWaits()) > 0) return 'waited for a lock';
              await new Promise((r) => setTimeout(r, 10));
            }
            return 'done';
          })();
          return Promise.race([done, waited]);
        };
        for (const [no, attempt] of [
          [NO.physics, () => book(NO.physics, to.id)],
          [fillerNo(0), () => joinWaitlist(rt.deps, admin, to.id, { studentNo: fillerNo(0) })],
        ] as const) {
          // another student's booking of `to`, inserted and not yet committed
          const other = await db().startTransaction().execute();
          let work: Promise<unknown> | undefined;
          try {
            const now = rt.clock.now().toISOString();
            const otherNo = no === NO.physics ? NO.physics2 : fillerNo(1);
            expect(await bookingRepo.insertActiveBooking(other, { id: crypto.randomUUID(), campaign_id: campaignId, session_id: to.id, student_id: await studentId(otherNo), created_by: null, created_at: now })).toBe(true);
            work = attempt();
            expect(await firstOf(work)).toBe('done');
          } finally {
            await other.rollback().execute();
            await work;
          }
          expect(await activeOf(no)).toEqual([{ id: expect.any(String), session_id: to.id }]);
        }
        expect((await sessionRow(from.id)).booked).toBe(0);
        expect((await sessionRow(to.id)).booked).toBe(2);
      });
    }
  });

  describe('capacity (F1)', () => {
    it('a full session refuses with SESSION_FULL', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      expect((await sessionRow(s.id)).capacity).toBe(5);
      for (let i = 0; i < 5; i++) await book(fillerNo(i), s.id);
      const full = await expectAppError(book(fillerNo(5), s.id), 'SESSION_FULL');
      expect(full.details).toEqual({ sessionId: s.id });
      expect((await sessionRow(s.id)).booked).toBe(5);
    });

    it('30 concurrent bookings for 5 seats: exactly 5 succeed, the others get SESSION_FULL', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      const results = await Promise.allSettled(Array.from({ length: FILLERS }, (_, i) => book(fillerNo(i), s.id)));
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(5);
      expect(refused.map((r) => (r.reason as AppError).code)).toEqual(Array(FILLERS - 5).fill('SESSION_FULL'));
      expect((await sessionRow(s.id)).booked).toBe(5);
      expect(await bookingRepo.countActiveBookings(db(), s.id)).toBe(5);
    });

    it('the conditional UPDATE alone refuses a seat in a full session, whatever the caller read before', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      for (let i = 0; i < 5; i++) await book(fillerNo(i), s.id);
      expect(await bookingRepo.takeSeat(db(), s.id, '2023-10-20T02:00:00.000Z')).toBe(false);
      expect(await bookingRepo.takeSeatReturning(db(), s.id, '2023-10-20T02:00:00.000Z')).toBeUndefined();
      expect((await sessionRow(s.id)).booked).toBe(5);
    });

    it('the database refuses a seat counter above capacity even if code tried (CHECK backstop)', async () => {
      const s = slot('2023-11-01', 'am');
      await expect(db().updateTable('schedule_sessions').set({ booked: 301 }).where('id', '=', s.id).execute()).rejects.toThrow();
      await expect(
        db()
          .insertInto('bookings')
          .values([
            { id: 'x1', campaign_id: '2024-graduates', session_id: s.id, student_id: (await bookingRepo.findBookableStudentByNo(db(), '2024-graduates', NO.physics))!.id, status: 'active', created_by: null, created_at: 'now', cancelled_at: null },
            { id: 'x2', campaign_id: '2024-graduates', session_id: s.id, student_id: (await bookingRepo.findBookableStudentByNo(db(), '2024-graduates', NO.physics))!.id, status: 'active', created_by: null, created_at: 'now', cancelled_at: null },
          ])
          .execute(),
      ).rejects.toThrow();
    });
  });

  describe('cancelling and the waitlist', () => {
    it('cancelling frees the seat; cancelling again changes nothing; one booking.cancelled event', async () => {
      const s = slot('2023-11-01', 'pm');
      const b = await book(NO.physics, s.id);
      const evts = await newEvents(async () => {
        const c = await cancelBooking(rt.deps, admin, b.value.id);
        expect(c.value).toMatchObject({ id: b.value.id, status: 'cancelled', session: { booked: 0 } });
        const again = await cancelBooking(rt.deps, admin, b.value.id);
        expect(again.value.status).toBe('cancelled');
      });
      expect(evts.map((e) => e.action)).toEqual(['booking.cancelled']);
      expect((await sessionRow(s.id)).booked).toBe(0);
      expect((await getMyBooking(rt.deps, admin, { studentNo: NO.physics })).booking).toBeNull();
    });

    // PostgreSQL only: SQLite has no row locks (one writer at a time, BEGIN IMMEDIATE).
    if (dialect === 'postgres') {
      it('a waitlist join that books a free seat locks the session it leaves and the one it joins in id order, as a move does (PostgreSQL)', async () => {
        // Joined first and left later, a move between the two sessions (left first in id order) and this join
        // each held one and waited for the other: a deadlock.
        const [left, joined] = [slot('2023-11-01', 'am'), slot('2023-11-02', 'am')].sort((a, b) => (a.id < b.id ? -1 : 1));
        await book(NO.physics, left!.id);
        // a move that holds the left session's row
        const move = await db().startTransaction().execute();
        let work: Promise<unknown> | undefined;
        try {
          await move.selectFrom('schedule_sessions').select('id').where('id', '=', left!.id).forNoKeyUpdate().execute();
          work = joinWaitlist(rt.deps, admin, joined!.id, { studentNo: NO.physics });
          while ((await lockWaits()) === 0) await new Promise((r) => setTimeout(r, 10));
          // the join waits for the left session: it must not hold the joined one meanwhile (NOWAIT: refused if it does)
          const joinedLock = await move.selectFrom('schedule_sessions').select('id').where('id', '=', joined!.id).forNoKeyUpdate().noWait().execute().then(
            () => 'free',
            (e: { code?: string }) => `held by the join (${e.code})`,
          );
          expect(joinedLock).toBe('free');
        } finally {
          await move.rollback().execute();
          await work;
        }
        expect(await activeOf(NO.physics)).toEqual([{ id: expect.any(String), session_id: joined!.id }]);
      });
    }

    it('joining the waitlist of a session with a free seat books the seat', async () => {
      const s = slot('2023-11-01', 'pm');
      const done = await joinWaitlist(rt.deps, admin, s.id, { studentNo: NO.physics });
      expect(done.created).toBe(true);
      expect(done.value.waitlistEntry).toBeNull();
      expect(done.value.booking).toMatchObject({ sessionId: s.id, status: 'active' });
    });

    it('a freed seat goes to the first waiting student in the same transaction, who is notified', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      const holders: Awaited<ReturnType<typeof book>>[] = [];
      for (let i = 0; i < 5; i++) holders.push(await book(fillerNo(i), s.id));
      await expectAppError(book(NO.physics, s.id), 'SESSION_FULL');

      const first = await joinWaitlist(rt.deps, admin, s.id, { studentNo: NO.physics });
      expect(first.value).toMatchObject({ booking: null, waitlistEntry: { sessionId: s.id, studentNo: NO.physics, position: 1, status: 'waiting' } });
      rt.clock.advance(SECOND);
      const second = await joinWaitlist(rt.deps, admin, s.id, { studentNo: NO.physics2 });
      expect(second.value.waitlistEntry?.position).toBe(2);
      await expectAppError(joinWaitlist(rt.deps, admin, s.id, { studentNo: NO.physics2 }), 'ALREADY_WAITLISTED');
      expect((await listSessions(rt.deps, admin, { date: '2023-11-01', site: 'beijing' })).items[0]!.waiting).toBe(2);

      const evts = await newEvents(() => cancelBooking(rt.deps, admin, holders[2]!.value.id));
      expect(evts.map((e) => e.action)).toEqual(['booking.cancelled']);
      expect(JSON.parse(evts[0]!.details).promoted).toHaveLength(1);

      const promoted = await getMyBooking(rt.deps, admin, { studentNo: NO.physics });
      expect(promoted.booking).toMatchObject({ sessionId: s.id, status: 'active' });
      expect(promoted.waitlist).toEqual([]);
      const entry = await db().selectFrom('waitlist_entries').selectAll().where('id', '=', first.value.waitlistEntry!.id).executeTakeFirstOrThrow();
      expect(entry.status).toBe('promoted');
      const notes = await db().selectFrom('notifications').selectAll().execute();
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({ kind: 'waitlist.promoted', sent_at: null, student_id: promoted.booking!.studentId });
      expect(JSON.parse(notes[0]!.payload)).toMatchObject({ sessionId: s.id, date: '2023-11-01', start: '09:30', bookingId: promoted.booking!.id });
      // The second in line is now first.
      expect((await getMyBooking(rt.deps, admin, { studentNo: NO.physics2 })).waitlist).toEqual([expect.objectContaining({ position: 1, status: 'waiting' })]);
      expect((await sessionRow(s.id)).booked).toBe(5);
    });

    it('a seat freed by a move goes to the waitlist too; a waiting student who holds another booking is passed over', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      for (let i = 0; i < 5; i++) await book(fillerNo(i), s.id);
      await book(NO.physics, slot('2023-11-02', 'am').id); // holds a booking elsewhere
      await joinWaitlist(rt.deps, admin, s.id, { studentNo: NO.physics });
      rt.clock.advance(SECOND);
      await joinWaitlist(rt.deps, admin, s.id, { studentNo: NO.physics2 });
      const moved = await newEvents(() => book(fillerNo(0), slot('2023-11-03', 'am').id));
      expect(moved.map((e) => e.action)).toEqual(['booking.moved']);
      expect((await activeOf(NO.physics2))[0]?.session_id).toBe(s.id);
      expect((await activeOf(NO.physics))[0]?.session_id).toBe(slot('2023-11-02', 'am').id);
      expect((await getMyBooking(rt.deps, admin, { studentNo: NO.physics })).waitlist).toEqual([expect.objectContaining({ position: 1 })]);
    });

    it('a student refused by the rules cannot join a waitlist either (S3)', async () => {
      await expectAppError(joinWaitlist(rt.deps, admin, slot('2023-11-04', 'am').id, { studentNo: NO.physics }), 'WEEKEND_NOT_ALLOWED');
    });
  });

  describe('Idempotency-Key', () => {
    const statusOf = (o: IdempotentOutcome) => (o.ok ? (o.created ? 201 : 200) : o.code === 'SESSION_FULL' ? 409 : 422);
    const key = (k: string, fingerprint = 'request-a'): { idempotency: IdempotencyInput } => ({ idempotency: { key: k, fingerprint, statusOf } });

    it('a retry with the same key and request gets the first answer; one booking, one event', async () => {
      const s = slot('2023-11-01', 'am');
      const evts = await newEvents(async () => {
        const first = await createBooking(rt.deps, admin, { sessionId: s.id, studentNo: NO.physics }, key('k1'));
        const retry = await createBooking(rt.deps, admin, { sessionId: s.id, studentNo: NO.physics }, key('k1'));
        expect(retry).toEqual(first);
        expect(first.created).toBe(true);
      });
      expect(evts.map((e) => e.action)).toEqual(['booking.created']);
      const stored = await idempotencyRepo.findIdempotencyKey(db(), admin.principal!.userId, 'k1');
      expect(stored).toMatchObject({ state: 'done', status_code: 201, request_hash: 'request-a' });
    });

    it('concurrent retries with the same key give one booking and the same answer', async () => {
      const s = slot('2023-11-01', 'am');
      const answers = await Promise.all(Array.from({ length: 5 }, () => createBooking(rt.deps, admin, { sessionId: s.id, studentNo: NO.physics2 }, key('k-concurrent'))));
      for (const a of answers) expect(a).toEqual(answers[0]);
      expect(await activeOf(NO.physics2)).toHaveLength(1);
    });

    it('the same key with another request is refused (IDEMPOTENCY_KEY_REUSED) and changes nothing', async () => {
      await createBooking(rt.deps, admin, { sessionId: slot('2023-11-01', 'am').id, studentNo: NO.physics }, key('k2'));
      await expectAppError(createBooking(rt.deps, admin, { sessionId: slot('2023-11-02', 'am').id, studentNo: NO.physics }, key('k2', 'request-b')), 'IDEMPOTENCY_KEY_REUSED');
      expect((await activeOf(NO.physics))[0]?.session_id).toBe(slot('2023-11-01', 'am').id);
    });

    it('a refusal is an answer too: its retry gets the same refusal even after a seat freed', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      const holders: Awaited<ReturnType<typeof book>>[] = [];
      for (let i = 0; i < 5; i++) holders.push(await book(fillerNo(i), s.id));
      await expectAppError(createBooking(rt.deps, admin, { sessionId: s.id, studentNo: NO.physics }, key('k3')), 'SESSION_FULL');
      await cancelBooking(rt.deps, admin, holders[0]!.value.id);
      await expectAppError(createBooking(rt.deps, admin, { sessionId: s.id, studentNo: NO.physics }, key('k3')), 'SESSION_FULL');
      expect(await idempotencyRepo.findIdempotencyKey(db(), admin.principal!.userId, 'k3')).toMatchObject({ state: 'done', status_code: 409 });
      expect((await book(NO.physics, s.id)).created).toBe(true); // a new request (no key) is a new attempt
    });

    it('keys belong to their user: another user may use the same key', async () => {
      const other = await createActor(rt.deps, 'admin');
      await createBooking(rt.deps, admin, { sessionId: slot('2023-11-01', 'am').id, studentNo: NO.physics }, key('shared'));
      const theirs = await createBooking(rt.deps, other, { sessionId: slot('2023-11-01', 'am').id, studentNo: NO.physics2 }, key('shared'));
      expect(theirs.value.studentNo).toBe(NO.physics2);
    });
  });

  describe('site settings (capacity lowered below bookings)', () => {
    /** Books `n` fillers into a session one second apart (so that "last booked" is well defined). */
    async function fill(sessionId: string, from: number, n: number) {
      for (let i = from; i < from + n; i++) {
        await book(fillerNo(i), sessionId);
        rt.clock.advance(SECOND);
      }
    }

    it('recomputes capacities: stations × window minutes ÷ minutes per student; one site_settings.changed event', async () => {
      const evts = await newEvents(() => updateSiteSettings(rt.deps, admin, 'beijing', { stations: 3, minutesPerStudent: 2 }));
      expect(evts.map((e) => e.action)).toEqual(['site_settings.changed']);
      expect((await sessionRow(slot('2023-11-01', 'am').id)).capacity).toBe(225);
      expect((await sessionRow(slot('2023-11-01', 'pm').id)).capacity).toBe(405);
      expect((await sessionRow(slot('2023-11-01', 'am', 'shenzhen').id)).capacity).toBe(300);
    });

    it('is refused with the affected students (the last booked) when a session would hold more bookings than seats', async () => {
      const am = slot('2023-11-01', 'am');
      await fill(am.id, 0, 5);
      // 1 station × 150 min ÷ 50 min = 3 seats for 5 bookings: the last 2 booked are affected.
      const e = await expectAppError(updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 50 }), 'CAPACITY_BELOW_BOOKINGS');
      expect(e.params).toEqual({ count: 1 });
      const details = e.details as { sessions: { sessionId: string; capacity: number; booked: number }[]; affected: { studentNo: string; sessionId: string }[] };
      expect(details.sessions).toEqual([expect.objectContaining({ sessionId: am.id, capacity: 3, booked: 5 })]);
      expect(details.affected.map((a) => a.studentNo)).toEqual([fillerNo(3), fillerNo(4)]);
      expect(details.affected.every((a) => a.sessionId === am.id)).toBe(true);
      // Nothing changed.
      expect((await sessionRow(am.id)).capacity).toBe(300);
      expect((await bookingRepo.listSiteSettings(db(), '2024-graduates')).find((r) => r.site === 'beijing')).toMatchObject({ stations: 2, minutes_per_student: 1 });
    });

    it('with moveAffected, moves them to the nearest later session with seats, notifies each, in one transaction', async () => {
      const am = slot('2023-11-01', 'am');
      const pm = slot('2023-11-01', 'pm');
      await fill(am.id, 0, 5);
      await fill(pm.id, 5, 4);
      // 1 × 150 ÷ 50 = 3 seats in the morning; 1 × 270 ÷ 50 = 5 in the afternoon (4 taken): one fits there,
      // the next goes to the following day's morning.
      const evts = await newEvents(async () => {
        const r = await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 50, moveAffected: true });
        expect(r).toEqual({
          site: 'beijing',
          stations: 1,
          minutesPerStudent: 50,
          moved: [
            { studentNo: fillerNo(3), fromSessionId: am.id, toSessionId: pm.id },
            { studentNo: fillerNo(4), fromSessionId: am.id, toSessionId: slot('2023-11-02', 'am').id },
          ],
        });
      });
      expect(evts.map((e) => e.action)).toEqual(['site_settings.changed']);
      expect(await sessionRow(am.id)).toMatchObject({ capacity: 3, booked: 3 });
      expect(await sessionRow(pm.id)).toMatchObject({ capacity: 5, booked: 5 });
      const notes = await db().selectFrom('notifications').innerJoin('students', 'students.id', 'notifications.student_id').select(['students.student_no', 'kind', 'payload']).orderBy('students.student_no').execute();
      expect(notes.map((n) => [n.student_no, n.kind])).toEqual([
        [fillerNo(3), 'booking.moved'],
        [fillerNo(4), 'booking.moved'],
      ]);
      expect(JSON.parse(notes[0]!.payload)).toMatchObject({ fromSessionId: am.id, toSessionId: pm.id, date: '2023-11-01', start: '13:00' });
    });

    it('with moveAffected, is still refused when a student has nowhere to go (no later weekday seat, S3)', async () => {
      const friPm = slot('2023-11-03', 'pm');
      await fill(friPm.id, 0, 10);
      // Friday afternoon is the last weekday; weekend sessions are not for these students (S3).
      const e = await expectAppError(updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 30, moveAffected: true }), 'CAPACITY_BELOW_BOOKINGS');
      expect((e.details as { affected: { studentNo: string }[] }).affected.map((a) => a.studentNo)).toEqual([fillerNo(9)]);
      expect((await sessionRow(friPm.id)).capacity).toBe(540);
      expect(await db().selectFrom('notifications').selectAll().execute()).toEqual([]);
    });

    it('more seats go to the waitlist', async () => {
      await smallBeijing();
      const s = slot('2023-11-01', 'am');
      await fill(s.id, 0, 5);
      await joinWaitlist(rt.deps, admin, s.id, { studentNo: NO.physics });
      await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 2, minutesPerStudent: 30 });
      expect(await sessionRow(s.id)).toMatchObject({ capacity: 10, booked: 6 });
      expect((await activeOf(NO.physics))[0]?.session_id).toBe(s.id);
    });

    it('refuses an unknown site and non-admins', async () => {
      await expectAppError(updateSiteSettings(rt.deps, admin, 'nowhere' as 'beijing', { stations: 1, minutesPerStudent: 1 }), 'NOT_FOUND');
      const student = await createActor(rt.deps, 'student', [], NO.physics2);
      await expectAppError(updateSiteSettings(rt.deps, student, 'beijing', { stations: 1, minutesPerStudent: 1 }), 'FORBIDDEN');
      // The system actor (CLI) may.
      expect((await updateSiteSettings(rt.deps, SYSTEM, 'shenzhen', { stations: 2, minutesPerStudent: 1 })).moved).toEqual([]);
    });
  });
});
