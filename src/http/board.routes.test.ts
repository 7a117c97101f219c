// The call board, the desk's preview and the student's own ticket over real HTTP, once per database (issue 9
// sections 1 and 2; C4): the board is public and carries no personal data; its stream sends a new board after
// a call; the desk's preview is masked for the agency.
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { openSse } from '../../test/support/sse.js';
import { BoardSchema, CheckInPreviewSchema, MyTicketSchema } from '../contracts/board.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { updatePaymentSettings } from '../services/payment.service.js';
import { SYSTEM } from '../services/deps.js';
import { updateSiteSettings } from '../services/site-settings.service.js';
import { applyRosterImport } from '../services/roster.service.js';
import { boardRoutes } from './board.routes.js';
import { handleError } from './errors.js';

const ID17 = '11010819990101001';
const NATIONAL_ID = ID17 + computeNationalIdCheckChar(ID17);
const NO = { a: '2601000001', b: '2601000002' } as const;
const SECRETS = ['张小三', '欧阳娜娜', NATIONAL_ID, 'zhang@stu.example.edu.cn', '13800138000'];

describe.each(DIALECTS)('call board API on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  const cookies = new Map<string, string>();

  const call = async (caller: string | null, path: string, opts: { json?: unknown; lang?: string } = {}) => {
    const headers: Record<string, string> = {};
    const cookie = caller ? cookies.get(caller) : undefined;
    if (cookie) headers.cookie = cookie;
    if (opts.lang) headers['accept-language'] = opts.lang;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method: opts.json === undefined ? 'GET' : 'POST', headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    const text = await res.text();
    return { status: res.status, text, body: text ? (JSON.parse(text) as unknown) : null };
  };
  const checkIn = (studentNo: string, collectionCode: string) => call('operator', '/api/checkins', { json: { studentNo, collectionCode, site: 'beijing' } });
  const callNext = (stationId: string) => call('operator', '/api/queue/beijing/next', { json: { stationId, releasePrevious: true } });
  const nothingPersonal = (text: string) => {
    for (const s of [...SECRETS, NO.a, NO.b, '张*三', '欧*娜']) expect(text).not.toContain(s);
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    const admin = await createActor(rt.deps, 'admin', [], 'b-admin');
    await createActor(rt.deps, 'operator', [], 'b-operator');
    await createActor(rt.deps, 'student', [], NO.a);
    await applyRosterImport(
      rt.deps,
      admin,
      { buffer: Buffer.from(rosterCsv([rosterRow(NO.a, { 姓名: '张小三', 身份证号: NATIONAL_ID, 邮箱: 'zhang@stu.example.edu.cn', 手机: '13800138000' }), rosterRow(NO.b, { 姓名: '欧阳娜娜' })])) },
      'roster.csv',
      'zh',
    );
    cookies.set('admin', await loginOverHttp(server.url, 'b-admin'));
    cookies.set('operator', await loginOverHttp(server.url, 'b-operator'));
    cookies.set('student', await loginOverHttp(server.url, NO.a));
    // four stations in Beijing (callNext refuses a station the site does not have)
    await updateSiteSettings(rt.deps, SYSTEM, 'beijing', { stations: 4, minutesPerStudent: 1 });
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });
  beforeEach(async () => {
    const db = rt.deps.db.db;
    await db.deleteFrom('queue_tickets').execute();
    await db.deleteFrom('queue_counters').execute();
    await db.deleteFrom('collection_codes').execute();
    for (const site of ['beijing', 'shenzhen']) await updatePaymentSettings(rt.deps, SYSTEM, site, { paymentBeforeQueue: false });
  });

  it('getBoard needs no sign-in and carries ticket numbers and stations only', async () => {
    await checkIn(NO.a, 'BOARD-HTTP-0001');
    await checkIn(NO.b, 'BOARD-HTTP-0002');
    await callNext('beijing-2');
    const res = await call(null, '/api/board/beijing');
    expect(res.status, res.text).toBe(200);
    const board = BoardSchema.parse(res.body);
    expect(board).toMatchObject({ site: 'beijing', waiting: 1, calls: [{ number: 'B-001', stationId: 'beijing-2', stationNo: 2, current: true }] });
    nothingPersonal(res.text);
  });

  it('an unknown site: 404 for the board and its stream, in the caller’s language', async () => {
    const board = await call(null, '/api/board/atlantis', { lang: 'en' });
    expect(board.status).toBe(404);
    expect(ErrorBodySchema.parse(board.body).error.code).toBe('NOT_FOUND');
    const stream = await openSse(`${server.url}/api/board/atlantis/stream`);
    expect(stream.status).toBe(404);
    stream.close();
  });

  it('streamBoard (no sign-in): a board on connect, a new board after a check-in and after callNext; no personal data', async () => {
    const stream = await openSse(`${server.url}/api/board/beijing/stream`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      const first = BoardSchema.parse((await stream.next((e) => e.event === 'board')).data);
      expect(first.calls).toEqual([]);
      await checkIn(NO.a, 'STREAM-0001');
      await stream.next((e) => e.event === 'board' && BoardSchema.parse(e.data).waiting === 1);
      const called = await callNext('beijing-4');
      expect(called.status).toBe(200);
      const after = BoardSchema.parse((await stream.next((e) => e.event === 'board' && BoardSchema.parse(e.data).calls.length === 1)).data);
      expect(after.calls[0]).toMatchObject({ number: 'B-001', stationNo: 4, current: true });
      expect(after.waiting).toBe(0);
      nothingPersonal(JSON.stringify(stream.events));
    } finally {
      stream.close();
    }
  });

  it('streamBoard: heartbeat comments; beyond the process’s cap 429 BOARD_VIEWERS_FULL naming the limit; a closed stream frees its seat', async () => {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.decorate('deps', rt.deps);
    app.decorateRequest('lang', 'en');
    app.decorateRequest('principal', null);
    app.setErrorHandler(handleError);
    await app.register(boardRoutes, { maxBoardStreams: 1, heartbeatMs: 50 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/board/beijing/stream`;
    try {
      const first = await openSse(url);
      expect(first.status).toBe(200);
      expect(await first.nextComment()).toBe('heartbeat');
      const second = await fetch(url);
      expect(second.status).toBe(429);
      const body = ErrorBodySchema.parse(await second.json());
      expect(body.error.code).toBe('BOARD_VIEWERS_FULL');
      expect(body.error.message).toContain('limit 1');
      first.close();
      await vi.waitFor(async () => {
        const again = await openSse(url);
        again.close();
        expect(again.status).toBe(200);
      });
    } finally {
      await app.close();
    }
  });

  it('streamBoard: one client address holds at most its cap of streams (429 BOARD_STREAMS_PER_ADDRESS naming it, zh and en); other addresses are still served; a closed stream frees its place', async () => {
    // one proxy hop trusted, as with TRUST_PROXY_HOPS=1: the address is the one X-Forwarded-For names
    const app = Fastify({ trustProxy: (_address: string, hop: number) => hop < 1 });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.decorate('deps', rt.deps);
    app.decorateRequest('lang', 'zh');
    app.addHook('onRequest', async (request) => {
      request.lang = request.headers['accept-language'] === 'en' ? 'en' : 'zh';
    });
    app.decorateRequest('principal', null);
    app.setErrorHandler(handleError);
    await app.register(boardRoutes, { maxBoardStreams: 100, maxBoardStreamsPerAddress: 3, heartbeatMs: 1000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/board/beijing/stream`;
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const open: Awaited<ReturnType<typeof openSse>>[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const s = await openSse(url, from('203.0.113.7'));
        open.push(s);
        expect(s.status).toBe(200);
      }
      const zh = await fetch(url, { headers: from('203.0.113.7') });
      expect(zh.status).toBe(429);
      const zhBody = ErrorBodySchema.parse(await zh.json());
      expect(zhBody.error.code).toBe('BOARD_STREAMS_PER_ADDRESS');
      expect(zhBody.error.message).toContain('同一网络地址最多同时打开 3 个');
      const en = await fetch(url, { headers: { ...from('203.0.113.7'), 'accept-language': 'en' } });
      expect(en.status).toBe(429);
      expect(ErrorBodySchema.parse(await en.json()).error.message).toContain('at most 3 live call boards');
      // another address (a TV in the other hall) is still served, up to its own cap
      for (let i = 0; i < 3; i++) {
        const s = await openSse(url, from('198.51.100.2'));
        open.push(s);
        expect(s.status).toBe(200);
        BoardSchema.parse((await s.next((e) => e.event === 'board')).data);
      }
      // closing one stream of the first address gives it its place back
      open.shift()!.close();
      await vi.waitFor(async () => {
        const again = await openSse(url, from('203.0.113.7'));
        expect(again.status).toBe(200);
        open.push(again);
      });
      expect((await fetch(url, { headers: from('203.0.113.7') })).status).toBe(429);
    } finally {
      for (const s of open) s.close();
      await app.close();
    }
  });

  it('previewCheckIn: masked for the operator, nothing private; 404 naming the student number in zh and en', async () => {
    const res = await call('operator', `/api/checkins/preview?studentNo=${NO.a}`);
    expect(res.status, res.text).toBe(200);
    expect(CheckInPreviewSchema.parse(res.body)).toMatchObject({ student: { name: '张*三', nameMasked: true, department: '物理学院' }, paid: false, ticket: null, site: 'beijing' });
    for (const s of SECRETS) expect(res.text).not.toContain(s);
    const admin = await call('admin', `/api/checkins/preview?studentNo=${NO.a}`);
    expect(CheckInPreviewSchema.parse(admin.body).student.name).toBe('张小三');
    expect(admin.text).not.toContain(NATIONAL_ID);

    const zh = await call('operator', '/api/checkins/preview?studentNo=2699999999');
    expect(zh.status).toBe(404);
    expect(ErrorBodySchema.parse(zh.body).error).toMatchObject({ code: 'STUDENT_NOT_FOUND' });
    const en = await call('operator', '/api/checkins/preview?studentNo=2699999999', { lang: 'en' });
    expect(ErrorBodySchema.parse(en.body).error.message.toLowerCase()).toContain('not found');
    expect((await call('student', `/api/checkins/preview?studentNo=${NO.a}`)).status).toBe(403);
  });

  it('getMyTicket: null, then the waiting ticket, then called at station 3', async () => {
    expect(MyTicketSchema.parse((await call('student', '/api/me/ticket')).body)).toEqual({ ticket: null });
    await checkIn(NO.b, 'MINE-HTTP-0001');
    await checkIn(NO.a, 'MINE-HTTP-0002');
    expect(MyTicketSchema.parse((await call('student', '/api/me/ticket')).body).ticket).toMatchObject({ number: 'B-002', position: 2, status: 'waiting' });
    await callNext('beijing-1');
    await callNext('beijing-3');
    expect(MyTicketSchema.parse((await call('student', '/api/me/ticket')).body).ticket).toMatchObject({ number: 'B-002', status: 'called', stationId: 'beijing-3' });
    expect((await call(null, '/api/me/ticket')).status).toBe(401);
  });
});
