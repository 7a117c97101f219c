// Progress over real HTTP, once per database (issue 9, "Progress everywhere"): getProgress and the progress
// column and filter of listStudents answer what their contracts say; bad input is refused naming the field or
// value in the caller's language; a secretary stays within their departments; remindStudents queues mails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { ProgressSchema, RemindStudentsResponseSchema } from '../contracts/progress.js';
import { StudentListSchema } from '../contracts/student.js';
import { applyRosterImport } from '../services/roster.service.js';

const PHYSICS = '物理学院';
const MATH = '数学科学学院';
const ROSTER = rosterCsv([
  rosterRow('2602000001', { 姓名: '张小三', 邮箱: 'a@stu.example.edu.cn' }),
  rosterRow('2602000002', { 证书类型: '单证' }),
  rosterRow('2602000003', { 院系: MATH, 邮箱: 'c@stu.example.edu.cn' }),
]);

describe.each(DIALECTS)('progress API on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  const cookies = new Map<string, string>();
  const call = async (caller: string, path: string, opts: { json?: unknown; lang?: string } = {}) => {
    const headers: Record<string, string> = { cookie: cookies.get(caller)! };
    if (opts.lang) headers['accept-language'] = opts.lang;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method: opts.json === undefined ? 'GET' : 'POST', headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    const text = await res.text();
    return { status: res.status, text, body: text ? (JSON.parse(text) as unknown) : null, headers: res.headers };
  };
  const errorOf = (body: unknown) => ErrorBodySchema.parse(body).error;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    const admin = await createActor(rt.deps, 'admin', [], 'pr-admin');
    await createActor(rt.deps, 'secretary', [PHYSICS], 'pr-secretary');
    await createActor(rt.deps, 'operator', [], 'pr-operator');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(ROSTER) }, 'roster.csv', 'zh');
    for (const who of ['admin', 'secretary', 'operator']) cookies.set(who, await loginOverHttp(server.url, `pr-${who}`));
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('getProgress answers its contract, not cached; the agency sees counts only', async () => {
    const res = await call('admin', '/api/progress');
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const p = ProgressSchema.parse(res.body);
    expect(p.totals).toEqual({ required: 2, booked: 0, checkedIn: 0, photographed: 0, confirmed: 0, paid: 0 });
    const operator = await call('operator', `/api/progress?department=${encodeURIComponent(PHYSICS)}`);
    expect(operator.status).toBe(200);
    expect(operator.text).not.toContain('张小三');
    expect(operator.text).not.toContain('2602000001');
  });

  it('a secretary gets their department; another is 403 in Chinese and English; an unknown one is 422 naming it', async () => {
    const own = ProgressSchema.parse((await call('secretary', '/api/progress')).body);
    expect(own.departments.map((d) => d.department)).toEqual([PHYSICS]);
    const other = await call('secretary', `/api/progress?department=${encodeURIComponent(MATH)}`);
    expect(other.status).toBe(403);
    expect(errorOf(other.body)).toMatchObject({ code: 'FORBIDDEN', message: '无权访问' });
    const unknown = await call('admin', `/api/progress?department=${encodeURIComponent('火星学院')}`, { lang: 'en' });
    expect(unknown.status).toBe(422);
    expect(errorOf(unknown.body).message).toContain('火星学院');
    const zh = await call('admin', `/api/progress?department=${encodeURIComponent('火星学院')}`);
    expect(errorOf(zh.body).message).toBe('院系不在本次采集活动中：火星学院');
    const badSite = await call('admin', '/api/progress?site=mars');
    expect(badSite.status).toBe(400);
    expect(errorOf(badSite.body).message).toContain('site');
  });

  it('listStudents carries progress and filters by it; a bad filter value is refused naming the field', async () => {
    const all = StudentListSchema.parse((await call('admin', '/api/students')).body);
    expect(Object.fromEntries(all.items.map((s) => [s.studentNo, s.progress]))).toEqual({ '2602000001': 'not-booked', '2602000002': null, '2602000003': 'not-booked' });
    const notBooked = StudentListSchema.parse((await call('secretary', '/api/students?progress=not-booked&paid=false')).body);
    expect(notBooked.items.map((s) => s.studentNo)).toEqual(['2602000001']);
    const bad = await call('admin', '/api/students?progress=lost', { lang: 'en' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).message).toContain('progress');
  });

  it('remindStudents: the secretary’s department queues its mail (200 with the counts); another department is 403; a bad `which` is 400', async () => {
    const res = await call('secretary', '/api/progress/reminders', { json: { department: PHYSICS, which: 'not-booked' } });
    expect(res.status, res.text).toBe(200);
    expect(RemindStudentsResponseSchema.parse(res.body)).toEqual({ queued: 1, skipped: 0, recentlyReminded: 0, noAddress: 0, invalidAddress: 0 });
    const again = RemindStudentsResponseSchema.parse((await call('secretary', '/api/progress/reminders', { json: { department: PHYSICS, which: 'not-booked' } })).body);
    expect(again).toMatchObject({ queued: 0, skipped: 1, recentlyReminded: 1 });
    const other = await call('secretary', '/api/progress/reminders', { json: { department: MATH, which: 'not-booked' }, lang: 'en' });
    expect(other.status).toBe(403);
    expect(errorOf(other.body)).toMatchObject({ code: 'FORBIDDEN', message: 'You are not allowed to do this' });
    const operator = await call('operator', '/api/progress/reminders', { json: { department: PHYSICS, which: 'not-booked' } });
    expect(operator.status).toBe(403);
    const bad = await call('admin', '/api/progress/reminders', { json: { department: PHYSICS, which: 'everyone' } });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).message).toContain('which');
  });
});
