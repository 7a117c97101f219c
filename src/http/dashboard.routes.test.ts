// The dashboards and the corrections lists over real HTTP, once per database (issue 10 sections 4 and 6), on
// the campaign of test/support/corrections-dashboard.ts: contracts, no caching, the secretary's scope (another
// department: 403 in the caller's language), unknown departments and bad filters named, the XLSX downloads.
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorrectionsFixture, MATH, NO, PHYSICS, type CorrectionsFixture } from '../../test/support/corrections-dashboard.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { InvalidPhotoListSchema, VoidedConfirmationListSchema } from '../contracts/corrections.js';
import { DashboardSchema } from '../contracts/dashboard.js';
import { XLSX_TYPE } from './downloads.js';

describe.each(DIALECTS)('dashboard and corrections API on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let fixture: CorrectionsFixture;
  const cookies = new Map<string, string>();
  const call = async (caller: string, path: string, lang?: string) => {
    const headers: Record<string, string> = { cookie: cookies.get(caller)! };
    if (lang) headers['accept-language'] = lang;
    const res = await fetch(`${server.url}${path}`, { headers });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    const json = res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : null;
    return { status: res.status, text, body: json, bytes, headers: res.headers };
  };
  const errorOf = (body: unknown) => ErrorBodySchema.parse(body).error;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    const admin = await createActor(rt.deps, 'admin', [], 'dr-admin');
    const operator = await createActor(rt.deps, 'operator', [], 'dr-operator');
    await createActor(rt.deps, 'secretary', [PHYSICS], 'dr-secretary');
    await createActor(rt.deps, 'cashier', [], 'dr-cashier');
    fixture = await buildCorrectionsFixture(rt.deps, rt.clock, admin, operator);
    for (const who of ['admin', 'secretary', 'operator', 'cashier']) cookies.set(who, await loginOverHttp(server.url, `dr-${who}`));
  }, 120_000);
  afterAll(async () => {
    if (fixture) fs.rmSync(fixture.outDir, { recursive: true, force: true });
    await server?.close();
    await rt?.close();
  });

  it('getDashboard answers its contract, not cached; the secretary sees their department, no payments', async () => {
    const res = await call('admin', '/api/dashboard');
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const d = DashboardSchema.parse(res.body);
    expect(d.totals).toMatchObject({ required: 5, confirmed: 2, exported: 1, handedOver: 1 });
    expect(d.payments!.totals).toMatchObject({ count: 2, amountFen: 4000 });
    const own = DashboardSchema.parse((await call('secretary', '/api/dashboard')).body);
    expect(own.departments.map((r) => r.department)).toEqual([PHYSICS]);
    expect(own.payments).toBeNull();
    expect(res.text).not.toContain('张小三');
  });

  it('refuses another department (403, zh and en), an unknown one (422 naming it), a bad site (400 naming the field)', async () => {
    const other = await call('secretary', `/api/dashboard?department=${encodeURIComponent(MATH)}`);
    expect(other.status).toBe(403);
    expect(errorOf(other.body)).toMatchObject({ code: 'FORBIDDEN', message: '无权访问' });
    const otherEn = await call('secretary', `/api/corrections/invalid-photos?department=${encodeURIComponent(MATH)}`, 'en');
    expect(errorOf(otherEn.body)).toMatchObject({ code: 'FORBIDDEN', message: 'You are not allowed to do this' });
    const unknown = await call('admin', `/api/corrections/voided-confirmations?department=${encodeURIComponent('火星学院')}`);
    expect(unknown.status).toBe(422);
    expect(errorOf(unknown.body).message).toBe('院系不在本次采集活动中：火星学院');
    const badSite = await call('admin', '/api/dashboard?site=mars', 'en');
    expect(badSite.status).toBe(400);
    expect(errorOf(badSite.body).message).toContain('site');
    const badKind = await call('admin', '/api/corrections/voided-confirmations?kind=everything', 'en');
    expect(badKind.status).toBe(400);
    expect(errorOf(badKind.body).message).toContain('kind');
    expect((await call('cashier', '/api/corrections/invalid-photos')).status).toBe(403);
    expect((await call('operator', '/api/dashboard')).status).toBe(403);
  });

  it('the corrections lists answer their contracts in the caller’s language', async () => {
    const zh = InvalidPhotoListSchema.parse((await call('admin', '/api/corrections/invalid-photos')).body);
    expect(zh.items.map((i) => i.studentNo).sort()).toEqual([NO.E, NO.F]);
    expect(zh.items.find((i) => i.studentNo === NO.F)!.registry.text).toBe('从未上传');
    const en = InvalidPhotoListSchema.parse((await call('admin', '/api/corrections/invalid-photos?reason=E4', 'en')).body);
    expect(en.items.find((i) => i.studentNo === NO.F)!.registry.text).toBe('Never exported');
    const voided = VoidedConfirmationListSchema.parse((await call('secretary', '/api/corrections/voided-confirmations?kind=manual&open=true')).body);
    expect(voided.items.map((i) => [i.studentNo, i.kind, i.newConfirmedAt])).toEqual([[NO.D, 'manual', null]]);
  });

  it('downloads both XLSX files with a safe file name, not cached', async () => {
    for (const [path, name] of [
      ['/api/dashboard/export.xlsx', 'dashboard-2023-11-01.xlsx'],
      ['/api/corrections/export.xlsx?list=voided', 'corrections-2023-11-01.xlsx'],
    ] as const) {
      const res = await call('admin', path);
      expect(res.status, res.text.slice(0, 200)).toBe(200);
      expect(res.headers.get('content-type')).toBe(XLSX_TYPE);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-disposition')).toContain(name);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.bytes as unknown as ArrayBuffer);
      expect(wb.worksheets.length).toBeGreaterThan(0);
    }
    const secretary = await call('secretary', `/api/corrections/export.xlsx?department=${encodeURIComponent(PHYSICS)}`);
    expect(secretary.status).toBe(200);
    const other = await call('secretary', `/api/dashboard/export.xlsx?department=${encodeURIComponent(MATH)}`);
    expect(other.status).toBe(403);
  });
});
