// The call board, the desk's preview and the student's own ticket, on a real database, once per dialect
// (issue 9 sections 1 and 2; C4; docs/decisions/0021-call-board.md).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectAppError } from '../../test/support/app-errors.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import type { Board } from '../contracts/board.js';
import { stationNumberOf } from '../contracts/board.js';
import * as paymentRepo from '../repositories/payment.repository.js';
import { createBoardHub, getBoard, getMyTicket, previewCheckIn } from './board.service.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor } from './deps.js';
import { callNext, checkIn, recallTicket, skipTicket } from './queue.service.js';
import { applyRosterImport } from './roster.service.js';
import { updateSiteSettings } from './site-settings.service.js';

const NO = { a: '2401000001', b: '2401000002', c: '2401000003', single: '2401000004' } as const;
const NAMES = ['张小三', '欧阳娜娜', '王五'];

describe('stationNumberOf', () => {
  it('reads the number at the end of a station id, or null', () => {
    expect(stationNumberOf('beijing-2')).toBe(2);
    expect(stationNumberOf('room105-12')).toBe(12);
    expect(stationNumberOf('7')).toBe(7);
    expect(stationNumberOf('front-desk')).toBeNull();
    expect(stationNumberOf('beijing-20231')).toBeNull();
  });
});

describe.each(DIALECTS)('call board service on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let operator: Actor;
  let student: Actor;
  let campaignId: string;
  const db = () => rt.deps.db.db;
  const desk = (studentNo: string, code: string) => checkIn(rt.deps, operator, { studentNo, collectionCode: code, site: 'beijing' });

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'board-admin');
    operator = await createActor(rt.deps, 'operator', [], 'board-operator');
    student = await createActor(rt.deps, 'student', [], NO.a);
    await applyRosterImport(
      rt.deps,
      admin,
      { buffer: Buffer.from(rosterCsv([rosterRow(NO.a, { 姓名: NAMES[0]! }), rosterRow(NO.b, { 姓名: NAMES[1]! }), rosterRow(NO.c, { 姓名: NAMES[2]! }), rosterRow(NO.single, { 证书类型: '单证' })])) },
      'roster.csv',
      'zh',
    );
    campaignId = (await getActiveCampaign(rt.deps)).id;
    // four stations in Beijing (the board shows up to 4 号机位; callNext refuses a station the site does not have)
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 4, minutesPerStudent: 1 });
  });
  afterAll(async () => rt?.close());
  beforeEach(async () => {
    await db().deleteFrom('queue_tickets').execute();
    await db().deleteFrom('queue_counters').execute();
    await db().deleteFrom('collection_codes').execute();
    await db().deleteFrom('payments').execute();
    for (const site of ['beijing', 'shenzhen']) await paymentRepo.setPaymentBeforeQueue(db(), campaignId, site, false, '2023-10-20T02:00:00.000Z');
  });

  const noPersonalData = (board: Board) => {
    const text = JSON.stringify(board);
    for (const s of [...NAMES, ...Object.values(NO), '张*三']) expect(text).not.toContain(s);
  };

  it('an empty day: no calls, nobody waiting, the estimate of the site settings', async () => {
    const board = await getBoard(rt.deps, 'beijing');
    expect(board).toMatchObject({ site: 'beijing', date: '2023-10-20', calls: [], waiting: 0 });
    expect(board.etaMinutes).toBeGreaterThan(0);
  });

  it('an unknown site is NOT_FOUND', async () => {
    await expectAppError(getBoard(rt.deps, 'shanghai'), 'NOT_FOUND');
  });

  it('calls newest first with the station number, a recall comes back on top, a skipped ticket leaves the board; no personal data (C4)', async () => {
    await desk(NO.a, 'BOARD-A-0001');
    await desk(NO.b, 'BOARD-B-0002');
    await desk(NO.c, 'BOARD-C-0003');
    expect((await getBoard(rt.deps, 'beijing')).waiting).toBe(3);

    rt.clock.advance(60_000);
    const first = (await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true }))!;
    rt.clock.advance(60_000);
    await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-2', releasePrevious: true });
    let board = await getBoard(rt.deps, 'beijing');
    expect(board.calls.map((c) => [c.number, c.stationNo, c.current])).toEqual([
      ['B-002', 2, true],
      ['B-001', 1, true],
    ]);
    expect(board.waiting).toBe(1);
    noPersonalData(board);

    rt.clock.advance(60_000);
    await recallTicket(rt.deps, operator, first.ticket.id);
    board = await getBoard(rt.deps, 'beijing');
    expect(board.calls[0]).toMatchObject({ number: 'B-001', stationId: 'beijing-1', recalls: 1 });

    // station 1 calls the next: B-001 is served (stays on the board, no longer current), B-003 on top
    rt.clock.advance(60_000);
    const third = (await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true }))!;
    board = await getBoard(rt.deps, 'beijing');
    expect(board.calls.map((c) => [c.number, c.current])).toEqual([
      ['B-003', true],
      ['B-002', true],
      ['B-001', false],
    ]);
    expect(board.waiting).toBe(0);

    await skipTicket(rt.deps, operator, third.ticket.id);
    board = await getBoard(rt.deps, 'beijing');
    expect(board.calls.map((c) => c.number)).toEqual(['B-002', 'B-001']);
    expect(board.waiting).toBe(1);
    noPersonalData(board);
  });

  it('the hub sends a board on connect and a new one after each queue change; refuses beyond its cap', async () => {
    const hub = createBoardHub(rt.deps, { maxClients: 1 });
    const received: Board[] = [];
    const waitFor = async (pred: (b: Board) => boolean) => {
      while (!received.some(pred)) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      const { ready, release } = await hub.connect('beijing', { send: (b) => received.push(b), end: () => {} });
      await ready;
      expect(received).toHaveLength(1);
      expect(received[0]!.waiting).toBe(0);
      await expectAppError(hub.connect('beijing', { send: () => {}, end: () => {} }), 'BOARD_VIEWERS_FULL');
      await expectAppError(hub.connect('nowhere', { send: () => {}, end: () => {} }), 'NOT_FOUND');

      await desk(NO.a, 'HUB-A-0001');
      await waitFor((b) => b.waiting === 1);
      await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-3', releasePrevious: true });
      await waitFor((b) => b.calls[0]?.number === 'B-001' && b.calls[0].stationNo === 3);
      release();
      expect(hub.clientCount()).toBe(0);
    } finally {
      hub.close();
    }
  });

  it('previewCheckIn: masked name for the operator, full for the admin; paid, bound code and ticket; nothing else about the person', async () => {
    let preview = await previewCheckIn(rt.deps, operator, { studentNo: NO.a });
    expect(preview).toMatchObject({
      student: { studentNo: NO.a, name: '张*三', nameMasked: true, decision: 'required' },
      rule: 'E1',
      site: 'beijing',
      paid: false,
      paymentBeforeQueue: false,
      priceFen: 2000,
      photoConfirmed: false,
      codeLast4: null,
      ticket: null,
    });
    expect(JSON.stringify(preview)).not.toContain(NAMES[0]);
    expect((await previewCheckIn(rt.deps, admin, { studentNo: NO.a })).student.name).toBe(NAMES[0]);

    await desk(NO.a, 'PREVIEW-CODE-9876');
    preview = await previewCheckIn(rt.deps, operator, { studentNo: ` ${NO.a} ` });
    expect(preview).toMatchObject({ codeLast4: '9876', ticket: { number: 'B-001', status: 'waiting', position: 1 } });

    const single = await previewCheckIn(rt.deps, operator, { studentNo: NO.single });
    expect(single).toMatchObject({ student: { decision: 'excluded' }, rule: 'E6' });
    await expectAppError(previewCheckIn(rt.deps, operator, { studentNo: '2499999999' }), 'STUDENT_NOT_FOUND');
    await expectAppError(previewCheckIn(rt.deps, operator, { studentNo: '' }), 'VALIDATION_FAILED');
    await expectAppError(previewCheckIn(rt.deps, student, { studentNo: NO.a }), 'FORBIDDEN');
  });

  it('getMyTicket: null before check-in, the waiting ticket with its position, then called at a station', async () => {
    expect(await getMyTicket(rt.deps, student)).toEqual({ ticket: null });
    await desk(NO.b, 'MINE-B-0001');
    await desk(NO.a, 'MINE-A-0002');
    expect((await getMyTicket(rt.deps, student)).ticket).toMatchObject({ number: 'B-002', status: 'waiting', position: 2 });
    await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true });
    await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-2', releasePrevious: true });
    expect((await getMyTicket(rt.deps, student)).ticket).toMatchObject({ number: 'B-002', status: 'called', position: 0, stationId: 'beijing-2' });
    // the operator has no ticket of their own
    expect(await getMyTicket(rt.deps, operator)).toEqual({ ticket: null });
  });
});
