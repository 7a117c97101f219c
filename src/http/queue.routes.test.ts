// Check-in and the queue over real HTTP, once per database (issue 9 sections 1 and 2; rules C1, C3, C4,
// E4–E6, S4, P1): each refusal answers its status, code and a message naming the value in the caller's
// language; the agency's screens never carry a full name, ID number, phone or e-mail; concurrent requests
// (50 check-ins of one code, 10 stations calling at once) are decided by the database.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { CalledTicketSchema, CheckInResponseSchema, QueueListSchema } from '../contracts/queue.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { updatePaymentSettings } from '../services/payment.service.js';
import type { Actor } from '../services/deps.js';
import { SYSTEM } from '../services/deps.js';
import { checkIn } from '../services/queue.service.js';
import { applyRosterImport } from '../services/roster.service.js';

const ID17 = '11010819990101001';
const NATIONAL_ID = ID17 + computeNationalIdCheckChar(ID17);
const NO = {
  a: '2501000001',
  b: '2501000002',
  single: '2501000003', // 单证 (E6)
  shenzhen: '2501000004', // 深圳研究生院 studying in Shenzhen (S4)
} as const;
const many = (i: number) => `2509${String(i).padStart(6, '0')}`;
const MANY = 500;

const ROSTER: RosterRow[] = [
  rosterRow(NO.a, { 姓名: '张小三', 身份证号: NATIONAL_ID, 邮箱: 'zhang@stu.example.edu.cn', 手机: '13800138000' }),
  rosterRow(NO.b, { 姓名: '欧阳娜娜' }),
  rosterRow(NO.single, { 证书类型: '单证' }),
  rosterRow(NO.shenzhen, { 院系: '深圳研究生院', 学习地点: '深圳' }),
  ...Array.from({ length: MANY }, (_, i) => rosterRow(many(i))),
];

interface CallOptions {
  method?: 'GET' | 'POST';
  json?: unknown;
  lang?: string;
}

describe.each(DIALECTS)('check-in and queue API on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let admin: Actor;
  let operatorActor: Actor;
  const cookies = new Map<string, string>();
  const db = () => rt.deps.db.db;

  const call = async (caller: string, path: string, opts: CallOptions = {}) => {
    const headers: Record<string, string> = {};
    const cookie = cookies.get(caller);
    if (cookie) headers.cookie = cookie;
    if (opts.lang) headers['accept-language'] = opts.lang;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method: opts.method ?? (opts.json === undefined ? 'GET' : 'POST'), headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    const text = await res.text();
    return { status: res.status, text, body: text ? (JSON.parse(text) as unknown) : null };
  };
  const checkInOverHttp = (studentNo: string, collectionCode: string, site = 'beijing', lang?: string, caller = 'operator') =>
    call(caller, '/api/checkins', { json: { studentNo, collectionCode, site }, lang });
  const errorOf = (body: unknown) => ErrorBodySchema.parse(body).error;
  const setPaymentFirst = async (on: boolean) => {
    for (const site of ['beijing', 'shenzhen']) await updatePaymentSettings(rt.deps, SYSTEM, site, { paymentBeforeQueue: on });
  };
  const nothingPrivate = (text: string) => {
    for (const secret of ['张小三', '欧阳娜娜', NATIONAL_ID, 'zhang@stu.example.edu.cn', '13800138000']) expect(text).not.toContain(secret);
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    admin = await createActor(rt.deps, 'admin', [], 'q-admin');
    operatorActor = await createActor(rt.deps, 'operator', [], 'q-operator');
    await createActor(rt.deps, 'student', [], NO.a);
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');

    cookies.set('admin', await loginOverHttp(server.url, 'q-admin'));
    cookies.set('operator', await loginOverHttp(server.url, 'q-operator'));
    cookies.set('student', await loginOverHttp(server.url, NO.a));
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });
  beforeEach(async () => {
    await db().deleteFrom('queue_tickets').execute();
    await db().deleteFrom('queue_counters').execute();
    await db().deleteFrom('collection_codes').execute();
    await setPaymentFirst(false);
  });

  it('checkIn: 201 with the ticket and the masked student, 200 with the same ticket again; nothing private in the answers', async () => {
    const first = await checkInOverHttp(NO.a, 'HTTP-CODE-0001');
    expect(first.status, first.text).toBe(201);
    const done = CheckInResponseSchema.parse(first.body);
    expect(done).toMatchObject({ ticket: { number: 'B-001', status: 'waiting', position: 1 }, student: { name: '张*三', nameMasked: true, studentNo: NO.a }, codeLast4: '0001' });
    nothingPrivate(first.text);
    const again = await checkInOverHttp(NO.a, ' HTTP-CODE-0001 ');
    expect(again.status).toBe(200);
    expect(CheckInResponseSchema.parse(again.body).ticket.id).toBe(done.ticket.id);
  });

  it.each([
    ['a bidi override in the code', NO.a, 'abc\u202Edef', 'beijing', 422, 'COLLECTION_CODE_INVALID', ['U+202E', '7'], ['U+202E', '7']],
    ['an empty code', NO.a, '  ', 'beijing', 422, 'COLLECTION_CODE_INVALID', ['采集码'], ['collection code']],
    ['a code of 2,049 characters', NO.a, 'x'.repeat(2049), 'beijing', 422, 'COLLECTION_CODE_INVALID', ['2049'], ['2049']],
    ['a student not on the roster', '2599999999', 'C-1', 'beijing', 404, 'STUDENT_NOT_FOUND', ['未找到'], ['not found']],
    ['a single-certificate student (E6)', NO.single, 'C-2', 'beijing', 422, 'STUDENT_NOT_ELIGIBLE', ['E6'], ['E6']],
    ['a Shenzhen student at the Beijing desk (S4)', NO.shenzhen, 'C-3', 'beijing', 422, 'WRONG_SITE', ['深圳'], ['Shenzhen']],
  ] as const)('refuses %s, the message in Chinese and English', async (_, no, code, site, status, errorCode, zh, en) => {
    const inZh = await checkInOverHttp(no, code, site);
    expect(inZh.status, inZh.text).toBe(status);
    expect(errorOf(inZh.body).code).toBe(errorCode);
    for (const word of zh) expect(errorOf(inZh.body).message).toContain(word);
    const inEn = await checkInOverHttp(no, code, site, 'en');
    for (const word of en) expect(errorOf(inEn.body).message).toContain(word);
  });

  it('a code of another student: 409 COLLECTION_CODE_IN_USE naming the student number, no name of either student', async () => {
    expect((await checkInOverHttp(NO.a, 'SHARED')).status).toBe(201);
    const res = await checkInOverHttp(NO.b, 'SHARED', 'beijing', 'en');
    expect(res.status).toBe(409);
    expect(errorOf(res.body)).toMatchObject({ code: 'COLLECTION_CODE_IN_USE' });
    expect(errorOf(res.body).message).toContain(NO.b);
    nothingPrivate(res.text);
    expect(res.text).not.toContain(NO.a);
  });

  it('a second code for the same student: 409 COLLECTION_CODE_MISMATCH with the first code’s last 4', async () => {
    await checkInOverHttp(NO.a, 'FIRST-9876');
    const res = await checkInOverHttp(NO.a, 'SECOND-1234');
    expect(res.status).toBe(409);
    expect(errorOf(res.body)).toMatchObject({ code: 'COLLECTION_CODE_MISMATCH' });
    expect(errorOf(res.body).message).toContain('9876');
  });

  it('payment before queueing (the default): 402 PAYMENT_REQUIRED naming the student (P1)', async () => {
    await setPaymentFirst(true);
    const res = await checkInOverHttp(NO.b, 'UNPAID-CODE', 'beijing', 'en');
    expect(res.status).toBe(402);
    expect(errorOf(res.body)).toMatchObject({ code: 'PAYMENT_REQUIRED' });
    expect(errorOf(res.body).message).toContain(NO.b);
  });

  it('callNext: 200 with the ticket and the masked student, 204 when empty; listQueue masked; a student reads their own ticket', async () => {
    const mine = CheckInResponseSchema.parse((await checkInOverHttp(NO.a, 'Q-A')).body).ticket;
    await checkInOverHttp(NO.b, 'Q-B');
    const listed = await call('operator', '/api/queue/beijing');
    expect(listed.status).toBe(200);
    expect(QueueListSchema.parse(listed.body)).toMatchObject({ waiting: 2, called: 0 });
    nothingPrivate(listed.text);
    const next = await call('operator', '/api/queue/beijing/next', { json: { stationId: 'beijing-1', releasePrevious: true } });
    expect(next.status).toBe(200);
    expect(CalledTicketSchema.parse(next.body)).toMatchObject({ ticket: { id: mine.id, status: 'called', stationId: 'beijing-1' }, student: { name: '张*三', department: '物理学院' } });
    nothingPrivate(next.text);
    const recalled = await call('operator', `/api/tickets/${mine.id}/recall`, { json: {} });
    expect(recalled.status).toBe(200);
    const own = await call('student', `/api/tickets/${mine.id}`);
    expect(own.status).toBe(200);
    expect(CalledTicketSchema.parse(own.body).ticket).toMatchObject({ number: 'B-001', status: 'called' });
    const second = CalledTicketSchema.parse((await call('operator', '/api/queue/beijing/next', { json: { stationId: 'beijing-2', releasePrevious: true } })).body);
    expect((await call('student', `/api/tickets/${second.ticket.id}`)).status).toBe(403);
    const skipped = await call('operator', `/api/tickets/${second.ticket.id}/skip`, { json: {} });
    expect(CalledTicketSchema.parse(skipped.body).ticket).toMatchObject({ status: 'waiting', skips: 1, position: 1 });
    const notCalled = await call('operator', `/api/tickets/${second.ticket.id}/skip`, { json: {}, lang: 'en' });
    expect(notCalled.status).toBe(409);
    expect(errorOf(notCalled.body)).toMatchObject({ code: 'TICKET_NOT_CALLED', message: 'Ticket B-002 is waiting; only a called ticket can be recalled, skipped or transferred' });
    expect((await call('operator', '/api/queue/beijing/next', { json: { stationId: 'beijing-2', releasePrevious: true } })).status).toBe(200);
    const empty = await call('operator', '/api/queue/beijing/next', { json: { stationId: 'studio-3', releasePrevious: true } });
    expect(empty.status).toBe(204);
    expect(empty.text).toBe('');
    expect((await call('operator', '/api/queue/beijing/next', { json: { stationId: 'Not A Station!' } })).status).toBe(400);
  });

  it('transferTicket: 200, the new station names the student and the old one no longer does; refusals name the station in the caller’s language', async () => {
    const a = CheckInResponseSchema.parse((await checkInOverHttp(NO.a, 'TRANSFER-A')).body).ticket;
    const b = CheckInResponseSchema.parse((await checkInOverHttp(NO.b, 'TRANSFER-B')).body).ticket;
    const waiting = await call('operator', `/api/tickets/${a.id}/transfer`, { json: { stationId: 'beijing-2' } });
    expect(waiting.status).toBe(409);
    expect(errorOf(waiting.body)).toMatchObject({ code: 'TICKET_NOT_CALLED', message: '排队号 B-001 当前状态为“等候中”，只有已叫号的排队号可以重呼、过号或转机位' });
    expect((await call('operator', '/api/queue/beijing/next', { json: { stationId: 'beijing-1', releasePrevious: true } })).status).toBe(200);
    const moved = await call('operator', `/api/tickets/${a.id}/transfer`, { json: { stationId: 'beijing-2' } });
    expect(moved.status, moved.text).toBe(200);
    expect(CalledTicketSchema.parse(moved.body)).toMatchObject({ ticket: { id: a.id, status: 'called', stationId: 'beijing-2' }, student: { studentNo: NO.a, name: '张*三' } });
    nothingPrivate(moved.text);
    const stationOf = async (id: string) => ((await call('operator', `/api/stations/${id}`)).body as { currentStudent: { studentNo: string } | null }).currentStudent?.studentNo ?? null;
    expect(await stationOf('beijing-2')).toBe(NO.a);
    expect(await stationOf('beijing-1')).toBeNull();
    // refusals: a malformed id (400, the value named), another site's station (422), a busy station (409)
    const malformed = await call('operator', `/api/tickets/${a.id}/transfer`, { json: { stationId: 'Beijing 1' } });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed.body)).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(errorOf(malformed.body).message).toContain('Beijing 1');
    const unknown = await call('operator', `/api/tickets/${a.id}/transfer`, { json: { stationId: 'shenzhen-1' } });
    expect(unknown.status).toBe(422);
    expect(errorOf(unknown.body)).toMatchObject({ code: 'STATION_UNKNOWN', message: '没有机位“shenzhen-1”：北京的机位是 beijing-1, beijing-2（或已在该站点叫过号的机位）' });
    const unknownEn = await call('operator', `/api/tickets/${a.id}/transfer`, { json: { stationId: 'beijing-7' }, lang: 'en' });
    expect(errorOf(unknownEn.body).message).toBe('There is no station "beijing-7": the stations of Beijing are beijing-1, beijing-2 (or one that has called a ticket there)');
    expect((await call('operator', '/api/queue/beijing/next', { json: { stationId: 'beijing-1', releasePrevious: true } })).status).toBe(200); // B at beijing-1
    const busy = await call('operator', `/api/tickets/${a.id}/transfer`, { json: { stationId: 'beijing-1' } });
    expect(busy.status).toBe(409);
    expect(errorOf(busy.body)).toMatchObject({ code: 'STATION_BUSY', message: '机位 beijing-1 正在为 B-002 号服务，请先在该机位完成或过号后再转过去' });
    expect(await stationOf('beijing-1')).toBe(NO.b);
    expect(await stationOf('beijing-2')).toBe(NO.a);
    // only the queue's roles transfer
    expect((await call('student', `/api/tickets/${b.id}/transfer`, { json: { stationId: 'beijing-2' } })).status).toBe(403);
    expect((await call('anonymous', `/api/tickets/${b.id}/transfer`, { json: { stationId: 'beijing-2' } })).status).toBe(401);
  });

  it('50 concurrent check-ins of ONE code for 50 different students over HTTP: exactly one 201, 49 × 409 COLLECTION_CODE_IN_USE (C1)', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => checkInOverHttp(many(i), 'ONE-CODE-OVER-HTTP')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of results.filter((x) => x.status === 409)) expect(errorOf(r.body).code).toBe('COLLECTION_CODE_IN_USE');
    expect(await db().selectFrom('collection_codes').selectAll().execute()).toHaveLength(1);
    expect(await db().selectFrom('queue_tickets').selectAll().execute()).toHaveLength(1);
  });

  it('10 stations calling next at once over HTTP for 500 tickets: each ticket called exactly once, none lost (C4)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < MANY; i++) ids.push((await checkIn(rt.deps, operatorActor, { studentNo: many(i), collectionCode: `BULK-HTTP-${i}`, site: 'beijing' })).value.ticket.id);
    const calls = new Map<string, number>();
    const station = async (n: number) => {
      for (;;) {
        const res = await call('operator', '/api/queue/beijing/next', { json: { stationId: `http-${n}`, releasePrevious: true } });
        if (res.status === 204) return;
        expect(res.status, res.text).toBe(200);
        const id = CalledTicketSchema.parse(res.body).ticket.id;
        calls.set(id, (calls.get(id) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, n) => station(n + 1)));
    expect(calls.size).toBe(MANY);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(calls.keys())).toEqual(new Set(ids));
    const left = await db().selectFrom('queue_tickets').select('status').where('status', 'in', ['waiting', 'called']).execute();
    expect(left).toHaveLength(0);
  }, 300_000);
});
