// Journey: after the capture, the admin's corrections page and dashboards (issue 10 sections 4 and 6). Over the
// API: two 物理学院 students photographed and confirmed at the station, one payment; the admin voids 李四's
// confirmation with a reason; a roster import defers 张三 (E4), which flags their confirmed photo invalid (E7).
// In Chromium: the admin opens 无效与更正 from the menu — the E7 list has the one flagged photo (rule in words,
// confirmed before, never exported), the voided list has 李四 with the reason and no new photo — and downloads the
// XLSX; the overview's dashboards show the chart and, toggled, their tables (the funnel with the right totals,
// the payments per day); the dashboard XLSX downloads. Screens at 1366×768 and on a phone (390×844): nothing
// wider than the window, the charts inside it; the corrections page in English.
import ExcelJS from 'exceljs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, rosterCsv, screenshot, SCREENS, shiftTerm, startServer, type TestServer } from './server.js';
import { sessionCookie as cookieOf, uploadShot } from './photos.js';

/** One card of the page, as it is on screen (the full pages are long). */
async function cardShot(page: Page, testId: string, name: string): Promise<void> {
  await page.getByTestId(testId).screenshot({ path: path.join(SCREENS, `${name}.png`), animations: 'disabled' });
}

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'e2e-operator', password: 'E2e-operator-pass-2024', role: 'operator' as const };
const secretary = { username: 'e2e-secretary-math', password: 'E2e-secretary-pass-2024', role: 'secretary' as const, departments: ['数学科学学院'] };
const ZHANG = '2101001';
const LI = '2101002';
const VOID_REASON = '学生称照片表情不自然，同意重拍';

async function readXlsx(file: string): Promise<Map<string, string[][]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const out = new Map<string, string[][]>();
  for (const ws of wb.worksheets) {
    const rows: string[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))));
    out.set(ws.name, rows);
  }
  return out;
}

describe('after the capture: the corrections page and the dashboards (E7, voided confirmations, section 6)', () => {
  let server: TestServer;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let adminApi: ApiClient;

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, operator, secretary]);
    adminApi = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const operatorApi = await ApiClient.login(server.baseUrl, operator.username, operator.password);
    const campaign = await adminApi.get<{ targetTerms: string[]; retakeBefore: string; price: { amount: number } }>('/api/campaign');
    const { rows } = demoRoster(campaign);
    expect((await adminApi.upload('/api/roster/apply', 'roster.csv', rosterCsv(rows))).status).toBe(200);

    const opCookie = await cookieOf(server.baseUrl, operator.username, operator.password);
    const photos: Record<string, string> = {};
    for (const no of [ZHANG, LI]) {
      photos[no] = await uploadShot(server.baseUrl, opCookie, no);
      await operatorApi.post(`/api/photos/${photos[no]}/confirm`, {});
    }
    await operatorApi.post('/api/payments', { studentNo: LI, method: 'wechat', transactionId: '4200001901202312030000000042', amountFen: campaign.price.amount * 100 });
    await adminApi.post(`/api/photos/${photos[LI]}/void-confirmation`, { reason: VOID_REASON });
    // 张三 is now known to be deferred beyond the campaign (E4): their confirmed photo is flagged (E7)
    const later = shiftTerm(campaign.targetTerms[campaign.targetTerms.length - 1]!, 1);
    const deferred = rows.map((r) => (r.学号 === ZHANG ? { ...r, 确定延期至: later } : r));
    expect((await adminApi.upload('/api/roster/apply', 'roster-2.csv', rosterCsv(deferred))).status).toBe(200);

    browser = await launchBrowser();
    desktop = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN', acceptDownloads: true });
    page = await desktop.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the admin opens 无效与更正: one E7 photo, the rule in words, confirmed before, never exported', async () => {
    await loginInBrowser(page, server.baseUrl, admin);
    await page.locator('.ant-layout-sider .ant-menu').getByText('无效与更正').click();
    await page.waitForURL((url) => url.pathname === '/corrections');
    const table = page.getByTestId('invalid-table');
    const rows = table.locator('.ant-table-tbody tr.ant-table-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    const row = await rows.first().innerText();
    expect(row).toContain(ZHANG);
    expect(row).toContain('张三');
    expect(row).toContain('E4');
    expect(row).toContain('延期');
    expect(row).toContain('已于');
    expect(await rows.first().locator('[data-registry]').getAttribute('data-registry')).toBe('never');
    expect(row).toContain('从未上传');
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'corrections-invalid-1366x768');
  });

  it('downloads the E7 list as XLSX', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-invalid').click()]);
    expect(download.suggestedFilename()).toMatch(/^corrections-\d{4}-\d\d-\d\d\.xlsx$/);
    const file = await download.path();
    const sheets = await readXlsx(file);
    const invalid = sheets.get('无效照片 Invalid photos (E7)')!;
    expect(invalid).toHaveLength(2);
    expect(invalid[1]!.slice(0, 4)).toEqual([ZHANG, '张三', '物理学院', 'E4']);
    expect(invalid[1]![8]).toBe('从未上传');
  });

  it('the voided list has 李四 with the admin’s reason, and no new photo yet', async () => {
    await page.getByRole('tab', { name: '撤销的确认' }).click();
    const rows = page.getByTestId('voided-table').locator('.ant-table-tbody tr.ant-table-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    const row = await rows.first().innerText();
    expect(row).toContain(LI);
    expect(row).toContain('李四');
    expect(await rows.first().getByTestId('void-reason').innerText()).toBe(VOID_REASON);
    expect(row).toContain('管理员');
    expect(row).toContain(admin.username);
    expect(row).toContain('尚无（需补采）');
    await screenshot(page, 'corrections-voided-1366x768');
  });

  it('the overview shows the dashboards: the chart, then its table with the right totals; payments per day', async () => {
    await page.locator('.ant-layout-sider .ant-menu').getByText('采集总览').click();
    await page.waitForURL((url) => url.pathname === '/');
    const funnel = page.getByTestId('dashboard-funnel');
    await funnel.waitFor();
    await funnel.getByTestId('dashboard-chart').locator('canvas').first().waitFor();
    await screenshot(page, 'dashboard-chart-1366x768');
    await cardShot(page, 'dashboard-funnel', 'dashboard-funnel-chart-1366x768');
    await funnel.getByTestId('dashboard-mode').getByText('表格').click();
    const table = funnel.getByTestId('dashboard-table');
    await table.waitFor();
    // required now: 李四 and the demo roster's other required students (张三 is deferred: no longer required)
    const overview = await adminApi.get<{ totals: { required: number; confirmed: number; photographed: number; exported: number } }>('/api/dashboard');
    expect(overview.totals).toMatchObject({ confirmed: 0, photographed: 1, exported: 0 });
    expect(await table.locator('[data-total="required"]').innerText()).toBe(String(overview.totals.required));
    expect(await table.locator('[data-total="photographed"]').innerText()).toBe('1');
    expect(await table.locator('[data-total="confirmed"]').innerText()).toBe('0');
    await funnel.getByTestId('dashboard-view').getByText('按院系').click();
    expect(await table.locator('[data-row="物理学院"]').count()).toBe(1);
    const payments = page.getByTestId('dashboard-payments');
    await payments.getByTestId('payments-chart').locator('canvas').first().waitFor();
    await payments.getByTestId('payments-mode').getByText('表格').click();
    expect(await payments.getByTestId('payments-table').locator('.ant-table-summary').innerText()).toMatch(/合计\s+1\s+20\.00/);
    await page.getByTestId('dashboard-funnel').scrollIntoViewIfNeeded();
    await screenshot(page, 'dashboard-table-1366x768');
    await cardShot(page, 'dashboard-funnel', 'dashboard-funnel-table-1366x768');
    await cardShot(page, 'dashboard-payments', 'dashboard-payments-table-1366x768');
  });

  it('downloads the dashboard as XLSX', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('dashboard-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^dashboard-\d{4}-\d\d-\d\d\.xlsx$/);
    const sheets = await readXlsx(await download.path());
    expect([...sheets.keys()]).toEqual(['按院系 By department', '按日期 By day', '收款 Payments']);
    const physics = sheets.get('按院系 By department')!.find((r) => r[0] === '物理学院')!;
    expect(physics.slice(5, 7)).toEqual(['1', '0']); // photographed 1 (李四's shot), confirmed 0
    expect(sheets.get('收款 Payments')!.at(-1)!.slice(0, 3)).toEqual(['合计 Total', '1', '20.00']);
  });

  it('in English: the page, the rule and the registry status in words (the server answers in the new language)', async () => {
    await page.locator('.ant-layout-sider .ant-menu').getByText('无效与更正').click();
    await page.waitForURL((url) => url.pathname === '/corrections');
    await page.getByText('English', { exact: true }).first().click();
    await page.getByText('Invalid photos and corrections', { exact: true }).first().waitFor();
    const row = page.getByTestId('invalid-table').locator('.ant-table-tbody tr.ant-table-row').first();
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toContain('E4: deferred beyond this campaign');
    expect(await row.innerText()).toContain('Never exported');
    await screenshot(page, 'corrections-en-1366x768');
    await page.getByRole('tab', { name: 'Voided confirmations' }).click();
    const voided = page.getByTestId('voided-table').locator('.ant-table-tbody tr.ant-table-row').first();
    await voided.waitFor();
    expect(await voided.innerText()).toContain('None yet (make-up needed)');
    await page.getByText('中文', { exact: true }).first().click();
    await page.getByText('无效照片与更正', { exact: true }).first().waitFor();
  });

  it('a secretary of 数学科学学院 sees their department only: no E7 photo, no voided confirmation; the department page has the dashboards without payments', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    const p = await context.newPage();
    await loginInBrowser(p, server.baseUrl, secretary);
    await p.locator('.ant-layout-sider .ant-menu').getByText('无效与更正').click();
    await p.waitForURL((url) => url.pathname === '/corrections');
    await p.getByTestId('invalid-table').getByText('没有被标记无效的照片。').waitFor();
    await p.getByRole('tab', { name: '撤销的确认' }).click();
    await p.getByTestId('voided-table').getByText('没有被撤销的确认。').waitFor();
    await p.goto(`${server.baseUrl}/department`);
    const funnel = p.getByTestId('dashboard-funnel');
    await funnel.waitFor();
    await funnel.getByTestId('dashboard-mode').getByText('表格').click();
    const required = await funnel.getByTestId('dashboard-table').locator('[data-total="required"]').innerText();
    const own = await adminApi.get<{ totals: { required: number } }>(`/api/dashboard?department=${encodeURIComponent('数学科学学院')}`);
    expect(required).toBe(String(own.totals.required));
    expect(await p.getByTestId('dashboard-payments').count()).toBe(0);
    await screenshot(p, 'dashboard-secretary-department-1366x768');
    await context.close();
  });

  it('on a phone (390×844): the dashboards and the corrections page fit the window, the charts inside it', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const p = await phone.newPage();
    await loginInBrowser(p, server.baseUrl, admin);
    await p.goto(`${server.baseUrl}/`);
    const chart = p.getByTestId('dashboard-chart');
    await chart.locator('canvas').first().waitFor();
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    const pay = await p.getByTestId('payments-chart').boundingBox();
    expect(pay!.x + pay!.width).toBeLessThanOrEqual(390);
    expect(await horizontalOverflow(p)).toBe(0);
    await screenshot(p, 'dashboard-390x844');
    await cardShot(p, 'dashboard-funnel', 'dashboard-funnel-390x844');
    await cardShot(p, 'dashboard-payments', 'dashboard-payments-390x844');
    await p.getByTestId('dashboard-mode').getByText('表格').click();
    await p.getByTestId('dashboard-table').waitFor();
    expect(await horizontalOverflow(p)).toBe(0);
    await cardShot(p, 'dashboard-funnel', 'dashboard-funnel-table-390x844');
    await p.goto(`${server.baseUrl}/corrections`);
    await p.getByTestId('invalid-table').locator('.ant-table-tbody tr.ant-table-row').first().waitFor();
    expect(await horizontalOverflow(p)).toBe(0);
    await screenshot(p, 'corrections-390x844', false);
    await phone.close();
  });
});
