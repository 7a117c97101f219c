// Live counts over Server-Sent Events in one server process, once per database (issue #3, part 8):
// who may subscribe, the first snapshot, one event per committed change and none for a refused or
// rolled-back one, a changed schedule, the cap on streams, the heartbeat, and cleanup on disconnect.
// Two processes on one PostgreSQL: test/live/two-process.test.ts.
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { openSse, type SseEvent, type SseStream } from '../../test/support/sse.js';
import { SessionListSchema, type Session } from '../contracts/booking.js';
import type { Principal } from '../domain/permissions.js';
import { getCampaignSchedule, updateCampaignSchedule } from '../services/schedule.service.js';
import { readCurrentSessionCounts } from '../services/session.service.js';
import { updateSiteSettings } from '../services/site-settings.service.js';
import type { Actor } from '../services/deps.js';
import { createLiveHub, type LiveClient, type SessionCounts } from '../services/live.service.js';
import { applyRosterImport } from '../services/roster.service.js';
import { handleError } from './errors.js';
import { eventsRoutes } from './events.routes.js';

const STUDENTS = Array.from({ length: 8 }, (_, i) => `2501${String(i).padStart(6, '0')}`);
const EXCLUDED = '2509000001'; // 单证 (E6): may not book

const isSession = (sessionId: string, booked?: number) => (e: SseEvent) =>
  e.event === 'session' && (e.data as SessionCounts).sessionId === sessionId && (booked === undefined || (e.data as SessionCounts).booked === booked);

describe.each(DIALECTS)('live session counts (SSE) on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let admin: Actor;
  let sessions: Session[];
  const cookies = new Map<string, string>();
  const streams: SseStream[] = [];

  const subscribe = async (caller: string) => {
    const cookie = cookies.get(caller);
    const s = await openSse(`${server.url}/api/sessions/events`, cookie ? { cookie } : {});
    streams.push(s);
    return s;
  };
  const book = (studentNo: string, sessionId: string) =>
    fetch(`${server.url}/api/bookings`, {
      method: 'POST',
      headers: { cookie: cookies.get('admin')!, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId, studentNo }),
    });
  const slot = (date: string, start: string) => sessions.find((s) => s.site === 'beijing' && s.date === date && s.start === start)!;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    admin = await createActor(rt.deps, 'admin', [], 'live-admin');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv([...STUDENTS.map((no) => rosterRow(no)), rosterRow(EXCLUDED, { 证书类型: '单证' })])) }, 'roster.csv', 'zh');
    for (const role of ['secretary', 'operator', 'cashier'] as const) await createActor(rt.deps, role, role === 'secretary' ? ['物理学院'] : [], `live-${role}`);
    await createActor(rt.deps, 'student', [], STUDENTS[0]!);
    for (const role of ['admin', 'secretary', 'operator', 'cashier'] as const) cookies.set(role, await loginOverHttp(server.url, `live-${role}`));
    cookies.set('student', await loginOverHttp(server.url, STUDENTS[0]!));
    const res = await fetch(`${server.url}/api/sessions`, { headers: { cookie: cookies.get('admin')! } });
    sessions = SessionListSchema.parse(await res.json()).items;
  }, 60_000);
  afterAll(async () => {
    for (const s of streams) s.close();
    await server?.close();
    await rt?.close();
  });

  it('is for the admin, secretary and operator; others get a JSON error, not a stream', async () => {
    for (const caller of ['admin', 'secretary', 'operator']) {
      const s = await subscribe(caller);
      expect(s.status, caller).toBe(200);
      expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // helmet's headers are kept on the hijacked response
      expect(s.headers.get('x-content-type-options')).toBe('nosniff');
      expect(s.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(s.headers.get('cache-control')).toBe('no-store');
      s.close();
    }
    for (const [caller, status, code] of [
      ['anonymous', 401, 'UNAUTHENTICATED'],
      ['cashier', 403, 'FORBIDDEN'],
      ['student', 403, 'FORBIDDEN'],
    ] as const) {
      const cookie = cookies.get(caller);
      const res = await fetch(`${server.url}/api/sessions/events`, { headers: cookie ? { cookie } : {} });
      expect(res.status, caller).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it('sends every session first, then one event per committed booking, and none for a refused one', async () => {
    const s = await subscribe('secretary');
    const first = await s.next((e) => e.event === 'snapshot');
    const snapshot = first.data as { items: SessionCounts[]; reason: string };
    expect(snapshot.reason).toBe('connected');
    expect(snapshot.items.map((i) => i.sessionId).sort()).toEqual(sessions.map((x) => x.id).sort());
    const am = slot('2023-11-01', '09:30');
    expect(snapshot.items.find((i) => i.sessionId === am.id)).toEqual({ sessionId: am.id, booked: 0, capacity: 300, waitlist: 0 });

    expect((await book(STUDENTS[1]!, am.id)).status).toBe(201);
    expect((await s.next(isSession(am.id))).data).toEqual({ sessionId: am.id, booked: 1, capacity: 300, waitlist: 0 });

    // Refused: an excluded student (E6), then an unknown session. Then a booking that succeeds, as a marker:
    // events come in commit order, so anything the refusals had sent would come before it.
    const mark = s.events.length;
    expect((await book(EXCLUDED, am.id)).status).toBe(422);
    expect((await book(STUDENTS[2]!, 'no-such-session')).status).toBe(404);
    const pm = slot('2023-11-01', '13:00');
    expect((await book(STUDENTS[3]!, pm.id)).status).toBe(201);
    await s.next(isSession(pm.id, 1), mark);
    expect(s.events.slice(mark).filter((e) => e.event === 'session').map((e) => e.data)).toEqual([{ sessionId: pm.id, booked: 1, capacity: 540, waitlist: 0 }]);
    s.close();
  });

  it('a booking that loses the last seat inside its transaction (rolled back) sends nothing; the winner one event', async () => {
    // 1 station, 120 minutes a student: one seat in 09:30–12:00
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 120, moveAffected: true });
    const s = await subscribe('operator');
    await s.next((e) => e.event === 'snapshot');
    const day = slot('2023-11-02', '09:30');
    const mark = s.events.length;
    const results = await Promise.all([book(STUDENTS[4]!, day.id), book(STUDENTS[5]!, day.id)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const marker = slot('2023-11-02', '13:00');
    expect((await book(STUDENTS[2]!, marker.id)).status).toBe(201);
    await s.next(isSession(marker.id, 1), mark);
    const forDay = s.events.slice(mark).filter((e) => isSession(day.id)(e));
    expect(forDay.map((e) => e.data)).toEqual([{ sessionId: day.id, booked: 1, capacity: 1, waitlist: 0 }]);
    s.close();
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 2, minutesPerStudent: 1 });
  });

  it('a changed schedule sends everyone a fresh snapshot with the new sessions', async () => {
    const s = await subscribe('admin');
    await s.next((e) => e.event === 'snapshot');
    const schedule = await getCampaignSchedule(rt.deps, admin);
    const days = schedule.days.map((d) => ({ date: d.date, departments: d.departments, windows: d.windows }));
    days[4] = { ...days[4]!, windows: { ...days[4]!.windows, beijing: [{ start: '09:00', end: '11:00' }, { start: '11:30', end: '12:30' }, { start: '14:00', end: '16:00' }] } };
    const mark = s.events.length;
    await updateCampaignSchedule(rt.deps, admin, { days });
    const fresh = (await s.next((e) => e.event === 'snapshot', mark)).data as { items: SessionCounts[]; reason: string };
    expect(fresh.reason).toBe('schedule');
    expect(fresh.items).toHaveLength(sessions.length + 1);
    // back to the notice's windows
    await updateCampaignSchedule(rt.deps, admin, { days: schedule.days.map((d) => ({ date: d.date, departments: d.departments, windows: d.windows })) });
    s.close();
  });

  it('lets go of a stream when the browser disconnects (no subscriber left on the bus)', async () => {
    const bus = rt.deps.events!;
    await vi.waitFor(() => expect(bus.subscriberCount()).toBe(0), { timeout: 10_000 });
    const a = await subscribe('admin');
    const b = await subscribe('operator');
    await a.next((e) => e.event === 'snapshot');
    await b.next((e) => e.event === 'snapshot');
    expect(bus.subscriberCount()).toBe(1); // one per process, however many streams
    a.close();
    b.close();
    await vi.waitFor(() => expect(bus.subscriberCount()).toBe(0), { timeout: 10_000 });
  });

  it('caps the streams of a process (503 TOO_MANY_CONNECTIONS) and sends a heartbeat comment', async () => {
    const principal: Principal = { userId: admin.principal!.userId, username: 'live-admin', role: 'admin', departments: [], studentNo: null };
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.decorate('deps', rt.deps);
    app.decorateRequest('lang', 'en');
    app.decorateRequest('principal', null);
    app.addHook('preHandler', async (request) => {
      request.principal = principal;
    });
    app.setErrorHandler(handleError);
    await app.register(eventsRoutes, { maxConnections: 1, heartbeatMs: 50 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/sessions/events`;
    try {
      const first = await openSse(url);
      streams.push(first);
      expect(first.status).toBe(200);
      expect(await first.nextComment()).toBe('heartbeat');
      const second = await fetch(url);
      expect(second.status).toBe(503);
      const body = (await second.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('TOO_MANY_CONNECTIONS');
      expect(body.error.message).toContain('limit 1');
      first.close();
      // the seat of a closed stream is free again
      await vi.waitFor(async () => {
        const again = await openSse(url);
        streams.push(again);
        again.close();
        expect(again.status).toBe(200);
      });
    } finally {
      await app.close();
    }
  });

  describe('a booking committed while a snapshot is read (its event arrives before the snapshot is sent)', () => {
    /** Books over HTTP and waits until the bus has delivered the booking's event (to the hub, subscribed earlier). */
    const bookAndAwaitEvent = async (studentNo: string, sessionId: string) => {
      const bus = rt.deps.events!;
      let off = () => {};
      const delivered = new Promise<void>((resolve) => {
        off = bus.subscribe((m) => {
          if (m.type === 'counts' && m.items.some((i) => i.sessionId === sessionId)) resolve();
        });
      });
      try {
        expect((await book(studentNo, sessionId)).status).toBe(201);
        await delivered;
      } finally {
        off();
      }
    };
    /** A client that records what it is sent, and the figures a browser ends up showing (applied in order). */
    const recorder = () => {
      const received: { event: string; data: unknown }[] = [];
      const client: LiveClient = { send: (event, data) => void received.push({ event, data }), end: () => {} };
      const shown = () => {
        const figures = new Map<string, SessionCounts>();
        for (const e of received) {
          const items = e.event === 'snapshot' ? (e.data as { items: SessionCounts[] }).items : [e.data as SessionCounts];
          for (const i of items) figures.set(i.sessionId, i);
        }
        return figures;
      };
      return { client, received, shown };
    };
    /** A hub whose snapshot read, once armed, lets a booking commit (and its event arrive) after reading. */
    const hubWithSlowRead = () => {
      let during: (() => Promise<void>) | null = null;
      const hub = createLiveHub(rt.deps, {
        readCounts: async (deps) => {
          const items = await readCurrentSessionCounts(deps);
          const interleave = during;
          during = null;
          await interleave?.();
          return items;
        },
      });
      return { hub, arm: (f: () => Promise<void>) => void (during = f) };
    };

    it('on connecting: the newer figures are sent after the snapshot, and are what the client shows', async () => {
      const am = slot('2023-11-01', '09:30');
      const before = (await readCurrentSessionCounts(rt.deps)).find((i) => i.sessionId === am.id)!;
      const { hub, arm } = hubWithSlowRead();
      const r = recorder();
      arm(() => bookAndAwaitEvent(STUDENTS[6]!, am.id));
      const { ready, release } = hub.connect(admin, r.client);
      try {
        await ready;
        const snapshot = r.received.find((e) => e.event === 'snapshot')!.data as { items: SessionCounts[] };
        expect(snapshot.items.find((i) => i.sessionId === am.id)).toEqual(before);
        expect(r.shown().get(am.id)).toEqual({ ...before, booked: before.booked + 1 });
        expect(r.received.map((e) => e.event)).toEqual(['snapshot', 'session']);
      } finally {
        release();
        hub.close();
      }
    });

    it('on a resync: the same, for every client already connected', async () => {
      const am = slot('2023-11-01', '09:30');
      const { hub, arm } = hubWithSlowRead();
      const r = recorder();
      const { ready, release } = hub.connect(admin, r.client);
      try {
        await ready;
        const before = r.shown().get(am.id)!;
        const mark = r.received.length;
        arm(() => bookAndAwaitEvent(STUDENTS[7]!, am.id));
        await rt.deps.events!.publish({ type: 'resync', reason: 'reconnected' });
        await vi.waitFor(
          () => {
            const after = r.received.slice(mark);
            expect(after.some((e) => e.event === 'snapshot' && (e.data as { reason: string }).reason === 'reconnected')).toBe(true);
            expect(after.some((e) => e.event === 'session' && (e.data as SessionCounts).sessionId === am.id)).toBe(true);
          },
          { timeout: 10_000 },
        );
        expect(r.shown().get(am.id)).toEqual({ ...before, booked: before.booked + 1 });
        expect(r.received.slice(mark).map((e) => e.event)).toEqual(['snapshot', 'session']);
      } finally {
        release();
        hub.close();
      }
    });
  });

  it('the hub refuses a subscriber beyond its cap and one without the permission', () => {
    const hub = createLiveHub(rt.deps, { maxClients: 1 });
    const client = { send: () => {}, end: () => {} };
    const { release, ready } = hub.connect(admin, client);
    void ready.catch(() => {});
    expect(() => hub.connect(admin, client)).toThrow(expect.objectContaining({ code: 'TOO_MANY_CONNECTIONS' }) as Error);
    release();
    expect(hub.clientCount()).toBe(0);
    const cashier: Actor = { principal: { userId: 'x', username: 'c', role: 'cashier', departments: [], studentNo: null }, ip: null };
    expect(() => hub.connect(cashier, client)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    hub.close();
  });
});
