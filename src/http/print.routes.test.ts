// Prints and hand-over over real HTTP, once per database (issue 10 section 2, A2): the agency creates a batch and
// downloads a department's sheet (application/pdf), sends it; the admin receives it (a second receipt and a wrong
// count are refused with a sentence in the caller's language naming the values), sends 物理学院 its sets; the
// secretary receives them and hands one student over (another department's student refused); the student confirms
// another on /api/me/prints; the not-received list shrinks; its XLSX and the hand-over PDF download.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster, seedConfirmedPhoto } from '../../test/support/registry-export.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { HandoverListSchema, MyPrintsSchema, PrintBatchListSchema, PrintBatchSchema, PrintDeliveryListSchema, PrintDeliverySchema } from '../contracts/print.js';

describe.each(DIALECTS)('prints API on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let nos: string[];
  const cookies = new Map<string, string>();

  const call = async (caller: string, p: string, opts: { json?: unknown; lang?: string; post?: boolean } = {}) => {
    const headers: Record<string, string> = {};
    const cookie = cookies.get(caller);
    if (cookie) headers.cookie = cookie;
    if (opts.lang) headers['accept-language'] = opts.lang;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${p}`, { method: opts.json === undefined && !opts.post ? 'GET' : 'POST', headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    const bytes = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, bytes, body: type.includes('json') ? (JSON.parse(bytes.toString('utf8')) as { error?: { code: string; message: string } } & Record<string, unknown>) : null };
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    ({ studentNos: nos } = await importRegistryRoster(rt.deps, 4, { 3: { 院系: '数学科学学院' } }));
    for (const [i, no] of nos.entries()) await seedConfirmedPhoto(rt.deps, no, i + 1);
    server = await startTestServer(rt.deps);
    for (const role of ['admin', 'operator', 'secretary'] as const) {
      await createActor(rt.deps, role, role === 'secretary' ? ['物理学院'] : [], `${role}-prints`);
      cookies.set(role, await loginOverHttp(server.url, `${role}-prints`));
    }
    await createActor(rt.deps, 'secretary', ['物理学院', '数学科学学院'], 'secretary2-prints');
    cookies.set('secretary2', await loginOverHttp(server.url, 'secretary2-prints'));
    for (const no of [nos[1]!, nos[2]!]) {
      await createActor(rt.deps, 'student', [], no);
      cookies.set(no, await loginOverHttp(server.url, no));
    }
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('the chain over HTTP, with each refusal in the caller’s language', async () => {
    const bad = await call('operator', '/api/prints/batches', { json: { copies: 9 } });
    expect(bad.status).toBe(400);
    const created = await call('operator', '/api/prints/batches', { json: { department: '物理学院' } });
    expect(created.status).toBe(201);
    const batch = PrintBatchSchema.parse(created.body);
    expect(batch).toMatchObject({ number: 1, copies: 4, sets: 3 });
    const again = await call('operator', '/api/prints/batches', { json: { department: '物理学院' }, lang: 'en' });
    expect(again.status).toBe(409);
    expect(again.body?.error).toMatchObject({ code: 'PRINT_NOTHING_TO_PRINT', message: expect.stringContaining('物理学院') });
    expect(PrintBatchListSchema.parse((await call('operator', '/api/prints/batches')).body).unprinted).toEqual([{ department: '数学科学学院', count: 1 }]);

    const sheet = await call('operator', `/api/prints/batches/${batch.id}/sheet?department=${encodeURIComponent('物理学院')}`);
    expect(sheet.status).toBe(200);
    expect(sheet.headers.get('content-type')).toBe('application/pdf');
    expect(sheet.headers.get('content-disposition')).toContain(encodeURIComponent('物理学院'));
    expect(sheet.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const noDept = await call('operator', `/api/prints/batches/${batch.id}/sheet?department=${encodeURIComponent('数学科学学院')}`);
    expect(noDept.body?.error).toMatchObject({ code: 'PRINT_DEPARTMENT_NOT_IN_BATCH', message: '打印批次 1 中没有“数学科学学院”的照片' });

    const wrongSend = await call('operator', `/api/prints/batches/${batch.id}/send`, { json: { count: 2 } });
    expect(wrongSend.status).toBe(409);
    expect(wrongSend.body?.error?.message).toBe('送出数量 2 与批次中的 3 套不符；请重新清点后再送出');
    expect((await call('operator', `/api/prints/batches/${batch.id}/send`, { json: { count: 3 } })).status).toBe(200);
    expect((await call('operator', `/api/prints/batches/${batch.id}/receive`, { json: { count: 3 } })).status).toBe(403);
    const wrong = await call('admin', `/api/prints/batches/${batch.id}/receive`, { json: { count: 2 }, lang: 'en' });
    expect(wrong.status).toBe(409);
    expect(wrong.body?.error).toEqual({ code: 'PRINT_COUNT_MISMATCH', message: 'The counted 2 does not match the 3 sent; count again, or enter a note on the difference to receive them' });
    expect(PrintBatchSchema.parse((await call('admin', `/api/prints/batches/${batch.id}/receive`, { json: { count: 3 } })).body)).toMatchObject({ status: 'received', receivedCount: 3 });
    const twice = await call('admin', `/api/prints/batches/${batch.id}/receive`, { json: { count: 3 } });
    expect(twice.status).toBe(409);
    expect(twice.body?.error).toMatchObject({ code: 'PRINT_BATCH_ALREADY_RECEIVED', message: expect.stringContaining('admin-prints') });

    expect((await call('secretary', '/api/prints/deliveries', { json: { department: '物理学院' } })).status).toBe(403);
    const sent = await call('admin', '/api/prints/deliveries', { json: { department: '物理学院' } });
    expect(sent.status).toBe(201);
    const delivery = PrintDeliverySchema.parse(sent.body);
    expect(delivery.sentCount).toBe(3);
    const incoming = await call('secretary', '/api/prints/deliveries');
    expect(incoming.status).toBe(200);
    expect(PrintDeliveryListSchema.parse(incoming.body).items.map((d) => [d.id, d.receivedAt])).toEqual([[delivery.id, null]]);
    expect((await call('secretary', `/api/prints/deliveries/${delivery.id}/receive`, { json: { count: 3 } })).status).toBe(200);

    const mine = await call(nos[1]!, '/api/me/prints');
    expect(MyPrintsSchema.parse(mine.body)).toMatchObject({ state: 'at_department', canConfirm: true, department: '物理学院' });
    const other = await call('secretary', '/api/prints/handover', { json: { department: '物理学院', studentNos: [nos[3]!] } });
    expect(other.status).toBe(409);
    expect(other.body?.error?.message).toBe(`以下学号不能标记为已领取，未做任何更改：${nos[3]}（不是本院系的学生）`);
    const notMine = await call('secretary', '/api/prints/handover', { json: { department: '数学科学学院', studentNos: [nos[3]!] }, lang: 'en' });
    expect(notMine.status).toBe(403);
    expect(notMine.body?.error?.message).toBe('"数学科学学院" is not one of your departments; you cannot hand over its prints');
    expect((await call('secretary', '/api/prints/handover', { json: { department: '物理学院', studentNos: [nos[0]!] } })).body).toEqual({ handed: [nos[0]], alreadyHanded: [] });
    const confirmed = await call(nos[1]!, '/api/me/prints/confirm', { post: true });
    expect(confirmed.status).toBe(201);
    expect(MyPrintsSchema.parse(confirmed.body).state).toBe('handed');
    expect((await call(nos[1]!, '/api/me/prints/confirm', { post: true })).status).toBe(200);

    const list = HandoverListSchema.parse((await call('secretary', `/api/prints/handover?department=${encodeURIComponent('物理学院')}&notReceived=true`)).body);
    expect(list.items.map((r) => r.studentNo)).toEqual([nos[2]]);
    expect(list.counts).toMatchObject({ total: 3, handed: 2, atDepartment: 1 });
    const xlsx = await call('secretary', `/api/prints/handover/not-received.xlsx?department=${encodeURIComponent('物理学院')}`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.bytes.subarray(0, 2).toString()).toBe('PK');
    const pdf = await call('secretary', `/api/prints/handover/list.pdf?department=${encodeURIComponent('物理学院')}`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect((await call('secretary', `/api/prints/handover/list.pdf?department=${encodeURIComponent('数学科学学院')}`)).status).toBe(403);
  });

  it('a secretary of one department needs no ?department=; one of several is told the choices (400)', async () => {
    const list = await call('secretary', '/api/prints/handover');
    expect(list.status).toBe(200);
    expect(HandoverListSchema.parse(list.body).department).toBe('物理学院');
    const xlsx = await call('secretary', '/api/prints/handover/not-received.xlsx');
    expect(xlsx.status).toBe(200);
    expect(xlsx.bytes.subarray(0, 2).toString()).toBe('PK');
    const pdf = await call('secretary', '/api/prints/handover/list.pdf');
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    for (const p of ['/api/prints/handover', '/api/prints/handover/not-received.xlsx', '/api/prints/handover/list.pdf']) {
      const zh = await call('secretary2', p);
      expect(zh.status).toBe(400);
      expect(zh.body?.error).toMatchObject({ code: 'PRINT_DEPARTMENT_REQUIRED', message: '请选择院系：数学科学学院、物理学院' });
      const en = await call('secretary2', p, { lang: 'en' });
      expect(en.body?.error?.message).toBe('Choose a department: 数学科学学院, 物理学院');
    }
    expect((await call('admin', '/api/prints/handover')).status).toBe(400);
  });
});
