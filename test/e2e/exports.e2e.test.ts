// Journey: the registry package and the registry's answer (issue 10 section 1, A1; decisions 0023 and 0024).
// Over the API: three required students photographed and confirmed at a station (the real photo pipeline).
// In Chromium: the admin opens 学信网导出 from the menu, sees 3 photos ready, opens 新建导出包, uploads the
// registry's .asc public key, changes the file name pattern and sees the live preview, starts the batch, follows
// the progress bar to delivered and downloads the package (decrypted here with the private key: a ZIP). Then the
// registry's answer: a file with bad rows is refused with every bad row in a table; the right file (one 有误)
// gives its summary; 李四 is on the re-take list, whose XLSX downloads; the agency's operator reads it, masked, on
// /retakes. Screens at 1366×768 and 390×844.
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import * as openpgp from 'openpgp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, rosterCsv, screenshot, startServer, type TestServer } from './server.js';
import { sessionCookie as cookieOf, uploadShot } from './photos.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'e2e-operator', password: 'E2e-operator-pass-2024', role: 'operator' as const };
const ZHANG = '2101001';
const LI = '2101002';
const SCRIPT_NAME_NO = '2101005';

describe('the registry package and the registry’s answer on the admin page (A1)', () => {
  let server: TestServer;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let adminApi: ApiClient;
  let tmp: string;
  let privateKey: string;

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, operator]);
    adminApi = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const operatorApi = await ApiClient.login(server.baseUrl, operator.username, operator.password);
    const campaign = await adminApi.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    const { rows } = demoRoster(campaign);
    expect((await adminApi.upload('/api/roster/apply', 'roster.csv', rosterCsv(rows))).status).toBe(200);
    const opCookie = await cookieOf(server.baseUrl, operator.username, operator.password);
    for (const no of [ZHANG, LI, SCRIPT_NAME_NO]) {
      const id = await uploadShot(server.baseUrl, opCookie, no);
      await operatorApi.post(`/api/photos/${id}/confirm`, {});
    }
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gradphoto-exports-e2e-'));
    const key = await openpgp.generateKey({ userIDs: [{ name: '学信网 Registry', email: 'registry@chsi.example.org' }], date: new Date(Date.now() - 60_000), format: 'armored' });
    privateKey = key.privateKey;
    writeFileSync(path.join(tmp, 'chsi-public.asc'), key.publicKey);

    browser = await launchBrowser();
    desktop = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN', acceptDownloads: true });
    page = await desktop.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the admin opens 学信网导出 from the menu: 3 photos ready; the new-batch form previews a file name', async () => {
    await loginInBrowser(page, server.baseUrl, admin);
    await page.locator('.ant-layout-sider .ant-menu').getByText('学信网导出').click();
    await page.waitForURL((url) => url.pathname === '/exports');
    await expect.poll(() => page.getByTestId('export-candidates').innerText()).toContain('3');
    await page.getByTestId('export-new').click();
    const modal = page.locator('.ant-modal');
    await modal.getByText('本批将包含 3 张照片，撤回 0 张').waitFor();
    // no key in the data directory: the upload is chosen, and starting without a key is refused on the form
    await modal.getByText('数据目录中没有公钥（keys/registry-recipient.asc）').waitFor();
    await page.getByTestId('export-submit').click();
    await modal.getByText('请上传学信网提供的公钥文件').waitFor();
    await page.getByTestId('export-key-upload').locator('xpath=ancestor::span[contains(@class,"ant-upload")]//input[@type="file"]').setInputFiles(path.join(tmp, 'chsi-public.asc'));
    await page.getByTestId('export-key-chosen').getByText('chsi-public.asc').waitFor();
    // the pattern: a bad one names the problem, a good one shows a real student's file name
    await page.getByTestId('export-pattern').fill('<department>/<studentNo>.jpg');
    await modal.getByText('不能含有 / 、\\ 或“..”').waitFor();
    await page.getByTestId('export-pattern').fill('<department>_<studentNo>.jpg');
    await expect.poll(() => page.getByTestId('export-pattern-preview').innerText()).toMatch(/示例文件名：(物理学院|数学科学学院)_21010\d\d\.jpg/);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'exports-new-1366x768', false);
  });

  it('starts the batch, follows the progress bar to delivered and downloads the package (decrypts to a ZIP)', async () => {
    await page.getByTestId('export-submit').click();
    const progress = page.getByTestId('export-progress');
    await progress.waitFor();
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 60_000 }).toBe('delivered');
    expect(await page.getByTestId('export-progress-text').innerText()).toMatch(/导出包已生成：3 张照片，\d+ KB/);
    expect(await progress.locator('.ant-progress').getAttribute('aria-valuenow')).toBe('100');
    const row = page.getByTestId('export-list').locator('.ant-table-tbody tr.ant-table-row').first();
    await expect.poll(() => row.innerText()).toContain('已生成');
    expect(await row.innerText()).toContain(admin.username);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'exports-1366x768');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').first().click()]);
    expect(download.suggestedFilename()).toMatch(/^registry-.*\.zip\.gpg$/);
    const bytes = readFileSync((await download.path())!);
    const { items } = await adminApi.get<{ items: { sha256: string; bytes: number; photoCount: number }[] }>('/api/exports');
    expect(items[0]).toMatchObject({ photoCount: 3, bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') });
    const message = await openpgp.readMessage({ binaryMessage: bytes });
    const { data } = await openpgp.decrypt({ message, decryptionKeys: await openpgp.readPrivateKey({ armoredKey: privateKey }), format: 'binary' });
    expect(Buffer.from(data as Uint8Array).subarray(0, 2).toString('latin1')).toBe('PK');
    // again: nothing to export, said as information
    await page.getByTestId('export-new').click();
    await page.locator('.ant-modal').getByText('本批将包含 0 张照片，撤回 0 张').waitFor();
    await page.getByTestId('export-key-upload').locator('xpath=ancestor::span[contains(@class,"ant-upload")]//input[@type="file"]').setInputFiles(path.join(tmp, 'chsi-public.asc'));
    await page.getByTestId('export-key-chosen').waitFor();
    await page.getByTestId('export-submit').click();
    await page.getByTestId('export-nothing').getByText('没有需要导出的新照片：未生成任何文件').waitFor();
    expect(await page.locator('.ant-alert-error').count()).toBe(0);
    expect((await adminApi.get<{ items: unknown[] }>('/api/exports')).items).toHaveLength(1);
  });

  it('imports the registry’s answer: a bad file lists every bad row; the right one (one 有误) gives its summary', async () => {
    await page.getByRole('tab', { name: '学信网反馈' }).click();
    const input = page.getByTestId('answer-upload').locator('input[type="file"]');
    writeFileSync(path.join(tmp, 'bad.csv'), ['学号,姓名,状态', `${ZHANG},张三,通过`, `${LI},李四,待定`, '2109999,无名,有误'].join('\r\n'));
    await input.setInputFiles(path.join(tmp, 'bad.csv'));
    const refused = page.getByTestId('answer-refused');
    await refused.getByText('学信网反馈文件有 2 处错误，未导入任何数据').waitFor();
    const bad = page.getByTestId('answer-bad-rows').locator('.ant-table-tbody tr.ant-table-row');
    await expect.poll(() => bad.count()).toBe(2);
    expect(await bad.nth(0).innerText()).toContain(`第 3 行：学号 ${LI} 的状态“待定”无法识别`);
    expect(await bad.nth(1).innerText()).toContain('第 4 行：学号 2109999 不在名单中');
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'exports-answer-refused-1366x768');

    writeFileSync(path.join(tmp, '学信网反馈.csv'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(['学号,姓名,校对结果', `${ZHANG},张*,通过`, `${LI},李*,有误`, `${SCRIPT_NAME_NO},<*,合格`].join('\r\n'), 'utf8')]));
    await input.setInputFiles(path.join(tmp, '学信网反馈.csv'));
    const summary = page.getByTestId('answer-summary');
    await summary.waitFor();
    expect(await summary.innerText()).toContain('已导入 学信网反馈.csv');
    expect(await page.getByTestId('answer-accepted').innerText()).toContain('2');
    expect(await page.getByTestId('answer-rejected').innerText()).toContain('1');
    expect(await page.getByTestId('answer-voided').innerText()).toContain('1');
    expect(await refused.count()).toBe(0);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'exports-answer-1366x768');
  });

  it('shows 李四 on the re-take list and downloads it as XLSX', async () => {
    await page.getByRole('tab', { name: '重拍名单' }).click();
    const rows = page.getByTestId('retakes-list').locator('.ant-table-tbody tr.ant-table-row');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain(LI);
    expect(await rows.first().innerText()).toContain('李四');
    expect(await page.getByTestId('retakes-count').innerText()).toBe('共 1 人');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('retakes-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^重拍名单-\d{8}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await download.path())!);
    expect(wb.worksheets[0]!.getRow(2).getCell(1).value).toBe(LI);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'exports-retakes-1366x768');
  });

  it('the agency’s operator opens 重拍名单 from their menu: 李*, masked, and the XLSX masked too; the admin’s menu has it under 学信网导出 only', async () => {
    const adminMenu = await page.locator('.ant-layout-sider .ant-menu').innerText();
    expect(adminMenu).toContain('学信网导出');
    expect(adminMenu).not.toContain('重拍名单');
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN', acceptDownloads: true });
    const op = await context.newPage();
    await loginInBrowser(op, server.baseUrl, operator);
    const menu = op.locator('.ant-layout-sider .ant-menu');
    expect(await menu.innerText()).not.toContain('学信网导出');
    await menu.getByText('重拍名单').click();
    await op.waitForURL((url) => url.pathname === '/retakes');
    const rows = op.getByTestId('retakes-list').locator('.ant-table-tbody tr.ant-table-row');
    await expect.poll(() => rows.count()).toBe(1);
    const row = await rows.first().innerText();
    expect(row).toContain(LI);
    expect(row).toContain('李*');
    expect(row).not.toContain('李四');
    expect(await op.getByTestId('retakes-count').innerText()).toBe('共 1 人');
    const [download] = await Promise.all([op.waitForEvent('download'), op.getByTestId('retakes-download').click()]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await download.path())!);
    const cells = (wb.worksheets[0]!.getRow(2).values as unknown[]).map(String);
    expect(cells).toContain(LI);
    expect(cells.join(' ')).not.toContain('李四');
    expect(await horizontalOverflow(op)).toBe(0);
    await screenshot(op, 'retakes-operator-1366x768');
    // the registry package stays the admin's
    await op.goto(`${server.baseUrl}/exports`);
    await op.locator('.ant-result-403').waitFor();
    expect(await op.getByTestId('exports-page').count()).toBe(0);
    await context.close();
  });

  it('works on a phone (390×844): nothing wider than the screen, in zh', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const mobile = await phone.newPage();
    await loginInBrowser(mobile, server.baseUrl, admin);
    await mobile.goto(`${server.baseUrl}/exports`);
    await mobile.getByTestId('export-list').locator('.ant-table-tbody tr.ant-table-row').first().waitFor();
    expect(await horizontalOverflow(mobile)).toBe(0);
    await screenshot(mobile, 'exports-390x844');
    await mobile.goto(`${server.baseUrl}/exports?tab=retakes`);
    await mobile.getByTestId('retakes-list').locator('.ant-table-tbody tr.ant-table-row').first().waitFor();
    expect(await horizontalOverflow(mobile)).toBe(0);
    await screenshot(mobile, 'exports-retakes-390x844');
    await phone.close();
  });
});
