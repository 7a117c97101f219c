// Journey: retention and deletion (issue 10 section 5, A3; decision 0027). Over the API: two required students
// photographed at a station (the real photo pipeline), 张三 twice (the second shot confirmed), 李四 once.
// In Chromium: the admin opens 保留与删除 from the menu, sees the safe defaults and the notice's sentences, types
// 5000 days and reads the refusal naming the field, sets the originals to 0 days, previews (3 camera originals and
// the shot not chosen), runs the purge after a confirmation and sees its counts in the runs table, downloads the
// record of processing (a Chinese PDF), then closes the campaign with the typed campaign id (and a reason when
// make-ups are still open) and sees the closing report. Afterwards: the original answers 410 PHOTO_DELETED, a
// check-in is refused CAMPAIGN_CLOSED, and the audit chain verifies. Screens at 1366×768 and 390×844.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, rosterCsv, screenshot, startServer, tablesBeyondCard, type TestServer } from './server.js';
import { sessionCookie as cookieOf, uploadShot } from './photos.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'e2e-operator', password: 'E2e-operator-pass-2024', role: 'operator' as const };
const ZHANG = '2101001';
const LI = '2101002';

/** antd puts data-testid on the <input> of an InputNumber, or on its wrapper: either way, the input. */
function daysInput(page: Page, testId: string) {
  return page.locator(`input[data-testid="${testId}"], [data-testid="${testId}"] input`).first();
}

describe('retention and deletion on the admin page (A3)', () => {
  let server: TestServer;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let adminApi: ApiClient;
  let opCookie: string;
  let zhangChosen: string;
  let zhangFirst: string;
  let tmp: string;

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, operator]);
    adminApi = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const operatorApi = await ApiClient.login(server.baseUrl, operator.username, operator.password);
    const campaign = await adminApi.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    const { rows } = demoRoster(campaign);
    expect((await adminApi.upload('/api/roster/apply', 'roster.csv', rosterCsv(rows))).status).toBe(200);
    opCookie = await cookieOf(server.baseUrl, operator.username, operator.password);
    zhangFirst = await uploadShot(server.baseUrl, opCookie, ZHANG, { label: 'zhang-1', mayFail: true });
    zhangChosen = await uploadShot(server.baseUrl, opCookie, ZHANG, { label: 'zhang-2', mayFail: true });
    await operatorApi.post(`/api/photos/${zhangChosen}/confirm`, {});
    const li = await uploadShot(server.baseUrl, opCookie, LI, { label: 'li-1', mayFail: true });
    await operatorApi.post(`/api/photos/${li}/confirm`, {});
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gradphoto-retention-e2e-'));
    browser = await launchBrowser();
    desktop = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN', acceptDownloads: true });
    page = await desktop.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the admin opens 保留与删除: safe defaults, the notice’s sentences, nothing due yet', async () => {
    await loginInBrowser(page, server.baseUrl, admin);
    await page.locator('.ant-layout-sider .ant-menu').getByText('保留与删除').click();
    await page.waitForURL((url) => url.pathname === '/retention');
    await page.getByTestId('retention-page').waitFor();
    await page.getByTestId('retention-policy-updated').getByText('默认值（尚未修改）').waitFor();
    expect(await daysInput(page, 'retention-originals-days').inputValue()).toBe('30');
    expect(await page.getByTestId('retention-sentences').innerText()).toContain('相机原始照片（及未选用的照片）在本人确认照片 30 天后删除。');
    await page.getByTestId('retention-preview-originals').getByText('0', { exact: true }).waitFor();
  });

  it('a policy beyond 3650 days is refused naming the field; 0 days is saved and the preview shows what would go', async () => {
    const originals = daysInput(page, 'retention-originals-days');
    await originals.fill('5000');
    await page.getByTestId('retention-policy-save').click();
    const error = page.getByTestId('retention-policy-error');
    await error.waitFor();
    expect(await error.innerText()).toContain('保留策略的“原始照片保留天数（originalsDays）”必须是 0 到 3650 之间的整数天数，收到的是“5000”');
    await originals.fill('0');
    await page.getByTestId('retention-policy-save').click();
    await page.getByTestId('retention-policy-updated').getByText(/e2e-admin 于/).waitFor();
    await page.getByTestId('retention-sentences').getByText('相机原始照片（及未选用的照片）在本人确认照片 0 天后删除。').waitFor();
    await page.getByTestId('retention-preview-refresh').click();
    // 张三's two originals and his shot not chosen (its standard image), 李四's original
    await page.getByTestId('retention-preview-originals').getByText('3', { exact: true }).waitFor();
    await page.getByTestId('retention-preview-standards').getByText('1', { exact: true }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'retention-preview');
  });

  it('runs the purge after a confirmation and sees its counts; the shot not chosen answers 410 PHOTO_DELETED', async () => {
    await page.getByTestId('retention-run').click();
    await page.locator('.ant-modal-confirm-title').getByText('立即按保留策略删除？').waitFor();
    await page.getByTestId('retention-run-ok').click();
    await page.getByText(/已删除：原始照片 3 个，标准照片 1 个/).waitFor();
    const row = page.getByTestId('retention-runs').locator('tr.ant-table-row').first();
    await row.getByText('页面').waitFor();
    expect(await row.innerText()).toMatch(/完成\s+原始照片 3 · \S+ 1/);
    await page.getByTestId('retention-preview-originals').getByText('0', { exact: true }).waitFor();
    await screenshot(page, 'retention-run');
    // the confirmed standard photo stays; the shot not chosen is gone, and says so
    const kept = await fetch(`${server.baseUrl}/api/photos/${zhangChosen}/image`, { headers: { Cookie: opCookie } });
    expect(kept.status).toBe(200);
    const gone = await fetch(`${server.baseUrl}/api/photos/${zhangFirst}/image`, { headers: { Cookie: opCookie } });
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { message: string } }).error.message).toMatch(/^标准照片已按保留策略删除（\d{4}-\d\d-\d\d），无法再查看$/);
    const verify = await adminApi.get<{ ok: boolean }>('/api/audit/verify');
    expect(verify.ok).toBe(true);
  });

  it('downloads the record of processing: a Chinese PDF', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('retention-record-pdf').click()]);
    const file = path.join(tmp, 'record.pdf');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/^个人信息处理活动记录-.*\.pdf$/);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const words of ['个人信息处理活动记录', '人脸图像', '学信网', '0 天后删除', '安全措施']) expect(text).toContain(words);
  });

  it('closes the campaign with the typed id and sees the closing report; then check-ins are refused', async () => {
    await page.getByRole('tab', { name: '关闭采集活动' }).click();
    const panel = page.locator('[data-testid="retention-close"][data-closed="false"]');
    await panel.waitFor();
    expect(await page.getByTestId('retention-would-purge').innerText()).toMatch(/关闭将删除：身份信息 \d+ 人/);
    const button = page.getByTestId('retention-close-button');
    await page.getByTestId('retention-close-confirm').fill('wrong-id');
    expect(await button.isDisabled()).toBe(true);
    const campaignId = (await adminApi.get<{ id: string }>('/api/campaign')).id;
    await page.getByTestId('retention-close-confirm').fill(campaignId);
    if (await page.getByTestId('retention-close-force').count()) {
      // students without a photo may still have a make-up: closing anyway needs a reason
      expect(await page.getByTestId('retention-close-blockers').innerText()).toContain('名学生仍可补采');
      expect(await button.isDisabled()).toBe(true);
      await page.getByTestId('retention-close-force').click();
      await page.getByTestId('retention-close-reason').fill('补采已结束，其余学生不再参加');
    }
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'retention-close-confirm');
    await button.click();
    await page.locator('[data-testid="retention-close"][data-closed="true"]').waitFor();
    await page.getByTestId('closing-purged').getByText(/已删除：身份信息 \d+ 人/).waitFor();
    await page.getByTestId('closing-report').getByText('合计').waitFor();
    await screenshot(page, 'retention-closed');
    const checkIn = await fetch(`${server.baseUrl}/api/checkins`, { method: 'POST', headers: { Cookie: opCookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ studentNo: '2101003', collectionCode: 'ABCD1234', site: 'beijing' }) });
    const body = (await checkIn.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('CAMPAIGN_CLOSED');
    expect(body.error.message).toMatch(/^采集活动已于 \d{4}-\d\d-\d\d 关闭/);
    expect((await adminApi.get<{ ok: boolean }>('/api/audit/verify')).ok).toBe(true);
  });

  it('in English: the policy, the runs and the closing report', async () => {
    const en = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'en-US' });
    try {
      const p = await en.newPage();
      await loginInBrowser(p, server.baseUrl, admin);
      await p.evaluate(() => localStorage.setItem('gradphoto.lang', 'en'));
      await p.goto(`${server.baseUrl}/retention`);
      await p.getByTestId('retention-sentences').getByText('Camera originals (and the shots not chosen) are deleted 0 days after you confirm your photo.').waitFor();
      await p.getByTestId('retention-runs').getByText('campaign close').waitFor();
      await screenshot(p, 'retention-en', false);
      expect(await tablesBeyondCard(p)).toBe(0);
      await p.goto(`${server.baseUrl}/retention?tab=close`);
      await p.locator('[data-testid="retention-close"][data-closed="true"]').getByText('The campaign is closed').waitFor();
      await p.getByTestId('closing-report').getByText('Handed over').first().waitFor();
      expect(await horizontalOverflow(p)).toBe(0);
      await screenshot(p, 'retention-closed-en', false);
    } finally {
      await en.close();
    }
  });

  it('on a phone (390×844): the page and the closing report fit the width', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    try {
      const p = await phone.newPage();
      await loginInBrowser(p, server.baseUrl, admin);
      await p.goto(`${server.baseUrl}/retention`);
      await p.getByTestId('retention-policy').waitFor();
      expect(await horizontalOverflow(p)).toBe(0);
      await screenshot(p, 'retention-390x844');
      await p.goto(`${server.baseUrl}/retention?tab=close`);
      await p.locator('[data-testid="retention-close"][data-closed="true"]').waitFor();
      expect(await horizontalOverflow(p)).toBe(0);
      await screenshot(p, 'retention-closed-390x844');
    } finally {
      await phone.close();
    }
  });
});
