// Live counts across processes (issue #3, part 8): two real `gradphoto serve` processes on one PostgreSQL
// database. A page subscribed to process B sees a booking made through process A, carried by
// NOTIFY (sent inside A's transaction) and B's LISTEN connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SessionListSchema } from '../../src/contracts/booking.js';
import type { SessionCounts } from '../../src/adapters/event-bus.js';
import { demoCampaign, loadCampaign } from '../../src/services/campaign.service.js';
import { SYSTEM } from '../../src/services/deps.js';
import { applyRosterImport } from '../../src/services/roster.service.js';
import { createUser } from '../../src/services/user.service.js';
import { rosterCsv, rosterRow } from '../support/rosters.js';
import { loginOverHttp, TEST_PASSWORD } from '../support/runtime.js';
import { servePair, type ServePair, type ServeProcess as Server } from '../support/serve-process.js';
import { openSse, type SseStream } from '../support/sse.js';

const STUDENT = '2601000001'; // 物理学院, required (E1)

describe('live counts across two server processes (PostgreSQL LISTEN/NOTIFY)', () => {
  let pair: ServePair | undefined;
  let a: Server | undefined;
  let b: Server | undefined;
  let stream: SseStream | undefined;

  beforeAll(async () => {
    // The database as an operator would prepare it: the demo campaign (days in the future), an admin, a roster.
    pair = await servePair(inject('postgresUrl'), 'live', async (deps) => {
      const campaign = demoCampaign(new Date());
      await loadCampaign(deps, SYSTEM, campaign);
      await createUser(deps, SYSTEM, { username: 'live-admin', role: 'admin', departments: [], password: TEST_PASSWORD });
      await applyRosterImport(deps, SYSTEM, { buffer: Buffer.from(rosterCsv([rosterRow(STUDENT, { 预计毕业时间: campaign.targetTerms.at(-1)! })])) }, 'roster.csv', 'zh');
    });
    ({ a, b } = pair);
  }, 180_000);

  afterAll(async () => {
    stream?.close();
    await pair?.close();
  }, 60_000);

  it('a booking made through process A reaches the stream of process B within a few seconds', async () => {
    const cookieA = await loginOverHttp(a!.url, 'live-admin');
    const cookieB = await loginOverHttp(b!.url, 'live-admin');
    stream = await openSse(`${b!.url}/api/sessions/events`, { cookie: cookieB });
    expect(stream.status).toBe(200);
    const snapshot = (await stream.next((e) => e.event === 'snapshot')).data as { items: SessionCounts[] };
    const sessions = SessionListSchema.parse(await (await fetch(`${a!.url}/api/sessions?site=beijing`, { headers: { cookie: cookieA } })).json()).items;
    const target = sessions.find((s) => !s.weekend)!;
    expect(snapshot.items.find((i) => i.sessionId === target.id)).toMatchObject({ booked: 0 });

    const booked = await fetch(`${a!.url}/api/bookings`, {
      method: 'POST',
      headers: { cookie: cookieA, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: target.id, studentNo: STUDENT }),
    });
    expect(booked.status, await booked.clone().text()).toBe(201);

    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`process B sent no event within 5 s; it sent ${JSON.stringify(stream!.events)}`)), 5_000).unref());
    const event = await Promise.race([stream.next((e) => e.event === 'session' && (e.data as SessionCounts).sessionId === target.id), deadline]);
    expect(event.data).toEqual({ sessionId: target.id, booked: 1, capacity: target.capacity, waitlist: 0 });
  }, 60_000);
});
