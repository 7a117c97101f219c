// The call board across processes (issue 9 section 2; docs/decisions/0021-call-board.md): two real
// `gradphoto serve` processes on one PostgreSQL database. A board stream opened on process A (no sign-in) sees a
// check-in and a call made through process B, carried by NOTIFY (sent inside B's transaction) and A's LISTEN
// connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { BoardSchema } from '../../src/contracts/board.js';
import { demoCampaign, loadCampaign } from '../../src/services/campaign.service.js';
import { SYSTEM } from '../../src/services/deps.js';
import { updatePaymentSettings } from '../../src/services/payment.service.js';
import { applyRosterImport } from '../../src/services/roster.service.js';
import { createUser } from '../../src/services/user.service.js';
import { rosterCsv, rosterRow } from '../support/rosters.js';
import { loginOverHttp, TEST_PASSWORD } from '../support/runtime.js';
import { servePair, type ServePair, type ServeProcess as Server } from '../support/serve-process.js';
import { openSse, type SseStream } from '../support/sse.js';

const STUDENT = '2701000001'; // 物理学院, required (E1), Beijing

describe('the call board across two server processes (PostgreSQL LISTEN/NOTIFY)', () => {
  let pair: ServePair | undefined;
  let a: Server | undefined;
  let b: Server | undefined;
  let stream: SseStream | undefined;

  beforeAll(async () => {
    pair = await servePair(inject('postgresUrl'), 'board', async (deps) => {
      const campaign = demoCampaign(new Date());
      await loadCampaign(deps, SYSTEM, campaign);
      await createUser(deps, SYSTEM, { username: 'board-admin', role: 'admin', departments: [], password: TEST_PASSWORD });
      await applyRosterImport(deps, SYSTEM, { buffer: Buffer.from(rosterCsv([rosterRow(STUDENT, { 预计毕业时间: campaign.targetTerms.at(-1)! })])) }, 'roster.csv', 'zh');
      // this test is about the board, not P1: the student may queue without paying first
      await updatePaymentSettings(deps, SYSTEM, 'beijing', { paymentBeforeQueue: false });
    });
    ({ a, b } = pair);
  }, 180_000);

  afterAll(async () => {
    stream?.close();
    await pair?.close();
  }, 60_000);

  it('a board stream on process A sees a check-in and a call made through process B', async () => {
    stream = await openSse(`${a!.url}/api/board/beijing/stream`);
    expect(stream.status).toBe(200);
    const first = BoardSchema.parse((await stream.next((e) => e.event === 'board')).data);
    expect(first).toMatchObject({ site: 'beijing', calls: [], waiting: 0 });

    const cookieB = await loginOverHttp(b!.url, 'board-admin');
    const post = (url: string, body: unknown) => fetch(`${b!.url}${url}`, { method: 'POST', headers: { cookie: cookieB, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const checkedIn = await post('/api/checkins', { studentNo: STUDENT, collectionCode: 'TWO-PROCESS-CODE-1', site: 'beijing' });
    expect(checkedIn.status, await checkedIn.clone().text()).toBe(201);
    await stream.next((e) => e.event === 'board' && BoardSchema.parse(e.data).waiting === 1);

    const called = await post('/api/queue/beijing/next', { stationId: 'beijing-2' });
    expect(called.status, await called.clone().text()).toBe(200);
    const board = BoardSchema.parse((await stream.next((e) => e.event === 'board' && BoardSchema.parse(e.data).calls.length === 1)).data);
    expect(board.calls[0]).toMatchObject({ number: 'B-001', stationId: 'beijing-2', stationNo: 2, current: true });
    expect(board.waiting).toBe(0);
    // public and across processes: still nothing about the student
    expect(JSON.stringify(stream.events)).not.toContain(STUDENT);
  }, 60_000);
});
