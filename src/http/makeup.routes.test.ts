// Make-up captures over real HTTP, once per database (issue 10 section 3, S6): each refusal answers its status,
// code and a message naming the value in the caller's language; the student's card; the outstanding list as
// XLSX (audited), with no ID number, phone or e-mail; an operator reads the outlets but may not change them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { MyMakeUpSchema, OutletListSchema, OutletSchema, OutstandingMakeUpListSchema } from '../contracts/makeup.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { applyRosterImport } from '../services/roster.service.js';

const ID17 = '11010819990101001';
const NATIONAL_ID = ID17 + computeNationalIdCheckChar(ID17);
const NO = { a: '2901000001', b: '2901000002' } as const;
const OUTLET = { id: 'wudaokou', nameZh: '图片社五道口店', nameEn: 'Agency, Wudaokou', address: '北京市海淀区成府路 1 号', city: 'Beijing', hours: '9:00–17:00' };

describe.each(DIALECTS)('make-up API on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  const cookies = new Map<string, string>();
  const call = async (caller: string, path: string, opts: { method?: string; json?: unknown; lang?: string } = {}) => {
    const headers: Record<string, string> = {};
    const cookie = cookies.get(caller);
    if (cookie) headers.cookie = cookie;
    if (opts.lang) headers['accept-language'] = opts.lang;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method: opts.method ?? (opts.json === undefined ? 'GET' : 'POST'), headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    const buffer = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, buffer, body: type.includes('json') && buffer.length > 0 ? (JSON.parse(buffer.toString('utf8')) as unknown) : null };
  };
  const errorOf = (body: unknown) => ErrorBodySchema.parse(body).error;
  const beijing = (local: string) => rt.clock.set(new Date(`${local}+08:00`).toISOString());

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    const admin = await createActor(rt.deps, 'admin', [], 'mh-admin');
    await createActor(rt.deps, 'operator', [], 'mh-operator');
    await createActor(rt.deps, 'student', [], NO.a);
    await applyRosterImport(
      rt.deps,
      admin,
      { buffer: Buffer.from(rosterCsv([rosterRow(NO.a, { 姓名: '张小三', 预计毕业时间: '2024-01', 身份证号: NATIONAL_ID, 邮箱: 'zhang@stu.example.edu.cn', 手机: '13800138000' }), rosterRow(NO.b)])) },
      'roster.csv',
      'zh',
    );
    server = await startTestServer(rt.deps);
    beijing('2023-11-02T10:00:00');
    for (const who of ['mh-admin', 'mh-operator', NO.a]) cookies.set(who, await loginOverHttp(server.url, who));
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('outlets: Shanghai refused (422) naming both cities in zh and en; Beijing created (201); the operator reads but may not write', async () => {
    const zh = await call('mh-admin', '/api/makeup/outlets', { json: { ...OUTLET, id: 'xujiahui', city: 'Shanghai' } });
    expect(zh.status).toBe(422);
    expect(errorOf(zh.body)).toMatchObject({ code: 'OUTLET_CITY_NOT_ALLOWED', message: '门店所在城市“Shanghai”不是补采城市：补采只能在北京的门店进行，其他城市门店拍摄的照片无效（S6）' });
    const en = await call('mh-admin', '/api/makeup/outlets', { json: { ...OUTLET, id: 'xujiahui', city: '上海' }, lang: 'en' });
    expect(errorOf(en.body).message).toBe('The outlet\'s city "上海" is not the make-up city: make-ups are taken only at outlets in Beijing; photos taken at outlets in other cities are invalid (S6)');
    const bad = await call('mh-admin', '/api/makeup/outlets', { json: { ...OUTLET, id: 'Has Space' }, lang: 'en' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).message).toContain('id');
    const created = await call('mh-admin', '/api/makeup/outlets', { json: OUTLET });
    expect(created.status).toBe(201);
    expect(OutletSchema.parse(created.body)).toMatchObject({ id: 'wudaokou', usable: true, stationIds: ['makeup-wudaokou-1'] });
    const again = await call('mh-admin', '/api/makeup/outlets', { json: OUTLET });
    expect([again.status, errorOf(again.body).code]).toEqual([409, 'OUTLET_EXISTS']);
    const list = await call('mh-operator', '/api/makeup/outlets');
    expect(OutletListSchema.parse(list.body).items.map((o) => o.id)).toEqual(['wudaokou']);
    expect((await call('mh-operator', '/api/makeup/outlets/wudaokou', { method: 'PATCH', json: { active: false } })).status).toBe(403);
    const moved = await call('mh-admin', '/api/makeup/outlets/wudaokou', { method: 'PATCH', json: { city: '上海市' } });
    expect([moved.status, errorOf(moved.body).code]).toEqual([422, 'OUTLET_CITY_NOT_ALLOWED']);
  });

  it('settings: a term that is not a target term or a date that does not exist is refused naming it; the notice’s dates are the default', async () => {
    const settings = await call('mh-admin', '/api/makeup/settings');
    expect(settings.body).toMatchObject({ deadlines: { '2024-01': '2023-11-30', '2024-07': '2024-04-30' }, opensOn: '2023-11-06' });
    const wrongTerm = await call('mh-admin', '/api/makeup/settings', { method: 'PUT', json: { deadlines: { '2025-01': '2024-11-30' } } });
    expect([wrongTerm.status, errorOf(wrongTerm.body).code]).toEqual([422, 'MAKEUP_DEADLINE_TERM_UNKNOWN']);
    expect(errorOf(wrongTerm.body).message).toBe('补采截止日期：2025-01 不是本次采集的毕业时间（2024-01、2024-07）');
    const wrongDate = await call('mh-admin', '/api/makeup/settings', { method: 'PUT', json: { deadlines: { '2024-01': '2023-02-30' } } });
    expect([wrongDate.status, errorOf(wrongDate.body).code]).toEqual([422, 'MAKEUP_DEADLINE_NOT_A_DATE']);
    expect(errorOf(wrongDate.body).message).toBe('2024-01 毕（结）业学生的补采截止日期“2023-02-30”不是有效日期（格式为 YYYY-MM-DD，如 2023-11-30）');
    const inEnglish = await call('mh-admin', '/api/makeup/settings', { method: 'PUT', json: { deadlines: { '2024-01': '2027-13-40' } }, lang: 'en' });
    expect(errorOf(inEnglish.body).message).toBe('The make-up deadline for students finishing in 2024-01, "2027-13-40", is not a date (YYYY-MM-DD, e.g. 2023-11-30)');
    const early = await call('mh-admin', '/api/makeup/settings', { method: 'PUT', json: { deadlines: { '2024-01': '2023-11-01' } } });
    expect([early.status, errorOf(early.body).code]).toEqual([422, 'MAKEUP_DEADLINE_BEFORE_OPENING']);
    expect(errorOf(early.body).message).toBe('2024-01 毕（结）业学生的补采截止日期 2023-11-01 早于补采开始日期 2023-11-06（学校的集中采集到 2023-11-05 结束）');
    expect(errorOf(early.body).details).toEqual([{ field: 'deadlines.2024-01', code: 'MAKEUP_DEADLINE_BEFORE_OPENING', value: '2023-11-01' }]);
  });

  it('recording: before make-ups open 409 MAKEUP_NOT_YET_OPEN with the date; after the deadline 409 MAKEUP_DEADLINE_PASSED with the date; in between the student is set', async () => {
    const early = await call('mh-operator', '/api/stations/makeup-wudaokou-1/current-student', { method: 'PUT', json: { studentNo: NO.a }, lang: 'en' });
    expect(early.status).toBe(409);
    expect(errorOf(early.body)).toMatchObject({ code: 'MAKEUP_NOT_YET_OPEN', message: "Make-ups have not started: the school's campaign runs until 2023-11-05; make-ups open on 2023-11-06" });
    const my = MyMakeUpSchema.parse((await call(NO.a, '/api/me/makeup')).body);
    expect(my.state).toBe('campaign');

    beijing('2023-12-01T00:00:00');
    // a month later: sessions have expired, sign in again
    for (const who of ['mh-operator', NO.a]) cookies.set(who, await loginOverHttp(server.url, who));
    const late = await call('mh-operator', '/api/stations/makeup-wudaokou-1/current-student', { method: 'PUT', json: { studentNo: NO.a } });
    expect(late.status).toBe(409);
    expect(errorOf(late.body)).toMatchObject({ code: 'MAKEUP_DEADLINE_PASSED', message: '已过补采截止日期：2024-01 毕（结）业学生的补采截止日期为 2023-11-30' });
    expect(MyMakeUpSchema.parse((await call(NO.a, '/api/me/makeup')).body)).toMatchObject({ state: 'deadline-passed', deadline: '2023-11-30' });

    beijing('2023-11-30T23:59:00');
    cookies.set('mh-operator', await loginOverHttp(server.url, 'mh-operator'));
    cookies.set(NO.a, await loginOverHttp(server.url, NO.a));
    const ok = await call('mh-operator', '/api/stations/makeup-wudaokou-1/current-student', { method: 'PUT', json: { studentNo: NO.a } });
    expect(ok.status).toBe(200);
    const unknown = await call('mh-operator', '/api/stations/makeup-nowhere-1/current-student', { method: 'PUT', json: { studentNo: NO.a } });
    expect([unknown.status, errorOf(unknown.body).code]).toEqual([404, 'OUTLET_NOT_FOUND']);
    const card = MyMakeUpSchema.parse((await call(NO.a, '/api/me/makeup')).body);
    expect(card).toMatchObject({ state: 'open', deadline: '2023-11-30', outlets: [{ id: 'wudaokou', address: OUTLET.address, hours: OUTLET.hours }] });
  });

  it('the outstanding list and its XLSX (audited): names for the admin, no ID number, phone or e-mail', async () => {
    cookies.set('mh-admin', await loginOverHttp(server.url, 'mh-admin'));
    const list = OutstandingMakeUpListSchema.parse((await call('mh-admin', '/api/makeup/outstanding')).body);
    expect(list).toMatchObject({ campaignEnded: true, total: 2 });
    expect(list.items.find((i) => i.studentNo === NO.a)).toMatchObject({ name: '张小三', deadline: '2023-11-30', deadlinePassed: false });
    const xlsx = await call('mh-admin', '/api/makeup/outstanding.xlsx');
    expect(xlsx.status).toBe(200);
    expect(xlsx.type).toContain('spreadsheetml');
    expect(xlsx.buffer.subarray(0, 2).toString('latin1')).toBe('PK');
    const text = JSON.stringify(list);
    for (const secret of [NATIONAL_ID, 'zhang@stu.example.edu.cn', '13800138000']) expect(text).not.toContain(secret);
    const audited = await rt.deps.db.db.selectFrom('audit_events').select('details').where('action', '=', 'makeups.exported').execute();
    expect(audited).toHaveLength(1);
  });
});
