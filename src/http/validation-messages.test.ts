// Outside test of the capture day (issue 9), findings 3–5, over real HTTP on both databases: a refused request's
// message is in the caller's language down to the detail (no Zod English inside Chinese), the field named as the
// user knows it; the permission check comes before the schema (401/403, not 400); a date that does not exist is
// refused naming it. Plus the ticket statuses of TICKET_NOT_CALLED in words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { z } from 'zod';
import { AppError, schemaIssues } from '../domain/errors.js';
import { describeValidationIssue, translateAppError, translateError } from '../domain/i18n.js';
import { previewCheckIn } from '../services/board.service.js';

/** Latin words of three letters or more: none may be in a Chinese message (codes like YYYY-MM-DD aside). */
const englishWords = (text: string) => (text.match(/[A-Za-z]{3,}/g) ?? []).filter((w) => !/^[A-Z]+$/.test(w));

describe.each(DIALECTS)('validation messages and the order of checks on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  const cookies = new Map<string, string>();

  const call = async (caller: string | null, method: string, path: string, opts: { json?: unknown; raw?: string; lang?: string } = {}) => {
    const headers: Record<string, string> = {};
    const cookie = caller ? cookies.get(caller) : undefined;
    if (cookie) headers.cookie = cookie;
    if (opts.lang) headers['accept-language'] = opts.lang;
    const body = opts.raw ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json));
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await res.text();
    const error = text ? ErrorBodySchema.safeParse(JSON.parse(text)) : null;
    return { status: res.status, text, error: error?.success ? error.data.error : null };
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    await createActor(rt.deps, 'admin', [], 'vm-admin');
    await createActor(rt.deps, 'operator', [], 'vm-operator');
    await createActor(rt.deps, 'cashier', [], 'vm-cashier');
    await createActor(rt.deps, 'student', [], '2601009999');
    for (const [who, name] of [['admin', 'vm-admin'], ['operator', 'vm-operator'], ['cashier', 'vm-cashier'], ['student', '2601009999']] as const) {
      cookies.set(who, await loginOverHttp(server.url, name));
    }
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('a string over its maximum (the station’s student number): zh without a word of English, en in English, the field without "body."', async () => {
    const json = { studentNo: '2'.repeat(40), collectionCode: 'CODE-1', site: 'beijing' };
    const zh = await call('operator', 'POST', '/api/checkins', { json });
    expect(zh.status).toBe(400);
    expect(zh.error).toMatchObject({ code: 'VALIDATION_FAILED', message: '请求内容不正确：studentNo：最多 32 个字符' });
    expect(englishWords(zh.error!.message.replace('studentNo', ''))).toEqual([]);
    const en = await call('operator', 'POST', '/api/checkins', { json, lang: 'en' });
    expect(en.error!.message).toBe('The request is not valid: studentNo: must be at most 32 characters');
    // the machine-readable list keeps where the problem is, and says what is wrong in the caller's language too
    // (pages list these messages as they are: Zod's English was in them before)
    expect(zh.error!.details).toEqual([{ field: 'body.studentNo', message: '最多 32 个字符' }]);
    expect(en.error!.details).toEqual([{ field: 'body.studentNo', message: 'must be at most 32 characters' }]);
  });

  it('too small (an empty string, a number), wrong type, missing field, a value not in the list: in words, in both languages', async () => {
    const empty = await call('operator', 'POST', '/api/checkins', { json: { studentNo: '', collectionCode: 'C', site: 'beijing' } });
    expect(empty.error!.message).toBe('请求内容不正确：studentNo：不能为空');
    const pageZh = await call('admin', 'GET', '/api/students?pageSize=0');
    expect(pageZh.error!.message).toBe('请求内容不正确：querystring.pageSize：数值应不小于 1');
    const pageEn = await call('admin', 'GET', '/api/students?pageSize=501', { lang: 'en' });
    expect(pageEn.error!.message).toBe('The request is not valid: querystring.pageSize: must be at most 500');
    const pageBigZh = await call('admin', 'GET', '/api/students?pageSize=501');
    expect(pageBigZh.error!.message).toBe('请求内容不正确：querystring.pageSize：数值应不大于 500');

    const typeZh = await call('operator', 'POST', '/api/checkins', { json: { studentNo: 2601000001, collectionCode: 'C', site: 'beijing' } });
    expect(typeZh.error!.message).toBe('请求内容不正确：studentNo：应为文本');
    const typeEn = await call('operator', 'POST', '/api/checkins', { json: { studentNo: 2601000001, collectionCode: 'C', site: 'beijing' }, lang: 'en' });
    expect(typeEn.error!.message).toBe('The request is not valid: studentNo: must be text');

    const missingZh = await call('operator', 'POST', '/api/checkins', { json: { collectionCode: 'C', site: 'beijing' } });
    expect(missingZh.error!.message).toBe('请求内容不正确：studentNo：必须填写（应为文本）');
    const missingEn = await call('operator', 'POST', '/api/checkins', { json: { collectionCode: 'C', site: 'beijing' }, lang: 'en' });
    expect(missingEn.error!.message).toBe('The request is not valid: studentNo: is required (text)');

    const siteZh = await call('operator', 'POST', '/api/checkins', { json: { studentNo: '2601000001', collectionCode: 'C', site: 'mars' } });
    expect(siteZh.error!.message).toBe('请求内容不正确：site：应为以下之一：“beijing”、“shenzhen”');
    const siteEn = await call('operator', 'POST', '/api/checkins', { json: { studentNo: '2601000001', collectionCode: 'C', site: 'mars' }, lang: 'en' });
    expect(siteEn.error!.message).toBe('The request is not valid: site: must be one of "beijing", "shenzhen"');

    // two problems at once: both, joined in the language's way
    const two = await call('operator', 'POST', '/api/checkins', { json: { studentNo: '', site: 'mars' } });
    expect(two.error!.message).toContain('studentNo：不能为空；');
    for (const r of [empty, pageZh, pageBigZh, typeZh, missingZh, siteZh, two]) {
      expect(r.status).toBe(400);
      expect(englishWords(r.error!.message.replace(/studentNo|collectionCode|querystring\.pageSize|site|beijing|shenzhen/g, ''))).toEqual([]);
    }
  });

  it('a body that is not JSON, or empty: said in the caller’s language', async () => {
    const zh = await call('operator', 'POST', '/api/checkins', { raw: '{"studentNo": ' });
    expect(zh.status).toBe(400);
    expect(zh.error!.message).toBe('请求内容不正确：请求内容不是有效的 JSON');
    const en = await call('operator', 'POST', '/api/checkins', { raw: '{"studentNo": ', lang: 'en' });
    expect(en.error!.message).toBe('The request is not valid: the body is not valid JSON');
    const emptyZh = await call('operator', 'POST', '/api/checkins', { raw: '' });
    expect(emptyZh.status).toBe(400);
    expect(emptyZh.error!.message).toBe('请求内容不正确：请求内容为空（应为 JSON）');
  });

  it('finding 5: a day that does not exist (Feb 30, month 13) is refused naming it, a malformed one names the form; a real day is answered', async () => {
    const feb30 = await call('cashier', 'GET', '/api/payments/day-close?site=beijing&date=2026-02-30');
    expect(feb30.status).toBe(400);
    expect(feb30.error).toMatchObject({ code: 'VALIDATION_FAILED', message: '请求内容不正确：querystring.date：“2026-02-30”不是存在的日期（应为 YYYY-MM-DD）' });
    const month13 = await call('cashier', 'GET', '/api/payments/day-close?site=beijing&date=2026-13-01', { lang: 'en' });
    expect(month13.status).toBe(400);
    expect(month13.error!.message).toBe('The request is not valid: querystring.date: "2026-13-01" is not a date that exists (YYYY-MM-DD)');
    const malformed = await call('cashier', 'GET', '/api/payments/day-close?site=beijing&date=2026-2-3');
    expect(malformed.error!.message).toBe('请求内容不正确：querystring.date：格式不正确，应为 YYYY-MM-DD');
    const leap = await call('cashier', 'GET', '/api/payments/day-close?site=beijing&date=2028-02-29');
    expect(leap.status, leap.text).toBe(200);
    const notLeap = await call('cashier', 'GET', '/api/payments/day-close?site=beijing&date=2027-02-29');
    expect(notLeap.status).toBe(400);
  });

  it('finding 4: the permission comes before the schema — anonymous with a bad query 401, a student 403, the cashier 400', async () => {
    const anonymous = await call(null, 'GET', '/api/payments/reconciliation');
    expect(anonymous.status).toBe(401);
    expect(anonymous.error!.code).toBe('UNAUTHENTICATED');
    const student = await call('student', 'GET', '/api/payments/reconciliation');
    expect(student.status).toBe(403);
    expect(student.error!.code).toBe('FORBIDDEN');
    const cashier = await call('cashier', 'GET', '/api/payments/reconciliation');
    expect(cashier.status).toBe(400);
    expect(cashier.error!.message).toBe('请求内容不正确：querystring.statement：必须填写（应为文本）');
    // a bad body too: anonymous 401, not 400
    expect((await call(null, 'POST', '/api/checkins', { json: { studentNo: '' } })).status).toBe(401);
    expect((await call('student', 'POST', '/api/checkins', { json: { studentNo: '' } })).status).toBe(403);
    // a public route still validates
    expect((await call(null, 'GET', '/api/board/beijing')).status).toBe(200);
  });

  it('a schema refusal thrown by a service (not the route) is said in the caller’s language too', async () => {
    const operator = await createActor(rt.deps, 'operator', [], 'vm-operator-2');
    const error = await previewCheckIn(rt.deps, operator, { studentNo: '2'.repeat(40) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(translateAppError(error as AppError, 'zh')).toBe('请求内容不正确：studentNo：最多 32 个字符');
    expect(translateAppError(error as AppError, 'en')).toBe('The request is not valid: studentNo: must be at most 32 characters');
  });
});

describe('validation phrases and ticket statuses in words (pure)', () => {
  it('arrays count 项 / items, unknown fields are named, an unknown format is not Zod’s English in zh', () => {
    const arr = { path: ['studentNos'], code: 'too_big', params: { origin: 'array', maximum: 500, inclusive: true } };
    expect(describeValidationIssue(arr, 'zh')).toBe('最多 500 项');
    expect(describeValidationIssue(arr, 'en')).toBe('must be at most 500 items');
    const few = { path: ['studentNos'], code: 'too_small', params: { origin: 'array', minimum: 2, inclusive: true } };
    expect(describeValidationIssue(few, 'zh')).toBe('至少 2 项');
    const keys = { path: [], code: 'unrecognized_keys', params: { keys: ['cash', 'note'] } };
    expect(describeValidationIssue(keys, 'zh')).toBe('含有不认识的字段：cash、note');
    expect(describeValidationIssue(keys, 'en')).toBe('has unknown fields: cash, note');
    const pattern = { path: ['stationId'], code: 'invalid_format', params: { format: 'regex' }, message: 'lowercase letters, digits and -, at most 32' };
    expect(describeValidationIssue(pattern, 'zh')).toBe('格式不正确');
    expect(describeValidationIssue(pattern, 'en')).toBe('is malformed (lowercase letters, digits and -, at most 32)');
    const date = { path: ['from'], code: 'invalid_format', params: { format: 'date' } };
    expect(describeValidationIssue(date, 'zh')).toBe('格式不正确，应为日期（YYYY-MM-DD）');
    const exact = { path: ['code'], code: 'too_small', params: { origin: 'string', minimum: 6, exact: true } };
    expect(describeValidationIssue(exact, 'zh')).toBe('应为 6 个字符');
  });

  it('schemaIssues turns Zod issues into phrases: nested paths kept, several problems joined', () => {
    const schema = z.object({ items: z.array(z.object({ name: z.string().max(3) })).max(2), method: z.enum(['wechat', 'alipay']) });
    const parsed = schema.safeParse({ items: [{ name: 'ok' }, { name: 'toolong' }], method: 'cash' });
    expect(parsed.success).toBe(false);
    const error = new AppError('VALIDATION_FAILED', { params: { detail: 'English fallback' }, issues: schemaIssues(parsed.error!.issues) });
    const zh = translateAppError(error, 'zh');
    expect(zh).toContain('items.1.name：最多 3 个字符');
    expect(zh).toContain('method：应为以下之一：“wechat”、“alipay”');
    expect(zh).not.toContain('English fallback');
    expect(translateAppError(error, 'en')).toContain('items.1.name: must be at most 3 characters; method: must be one of "wechat", "alipay"');
    const tooMany = schema.safeParse({ items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], method: 'wechat' });
    expect(translateAppError(new AppError('VALIDATION_FAILED', { issues: schemaIssues(tooMany.error!.issues) }), 'zh')).toBe('请求内容不正确：items：最多 2 项');
    // without issues the message is the one the params make
    expect(translateAppError(new AppError('VALIDATION_FAILED', { params: { detail: 'x' } }), 'en')).toBe('The request is not valid: x');
  });

  it('TICKET_NOT_CALLED names the status in words: 已完成 / served, 已移出 / removed from the queue, 等候中 / waiting', () => {
    expect(translateError('TICKET_NOT_CALLED', { number: 'B-003', status: 'served' }, 'zh')).toBe('排队号 B-003 当前状态为“已完成”，只有已叫号的排队号可以重呼、过号或转机位');
    expect(translateError('TICKET_NOT_CALLED', { number: 'B-003', status: 'removed' }, 'en')).toBe(
      'Ticket B-003 is removed from the queue; only a called ticket can be recalled, skipped or transferred',
    );
    expect(translateError('TICKET_NOT_CALLED', { number: 'B-004', status: 'waiting' }, 'zh')).toContain('“等候中”');
    expect(translateError('TICKET_NOT_CALLED', { number: 'B-004', status: 'called' }, 'zh')).toContain('“已叫号”');
    expect(translateError('TICKET_NOT_CALLED', { number: 'B-004', status: 'waiting' }, 'en')).toContain('is waiting;');
  });
});
