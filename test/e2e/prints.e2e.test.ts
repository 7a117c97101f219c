// Journey: prints and hand-over (issue 10 section 2, A2). Over the API: two 物理学院 students photographed and
// confirmed at a station (the real photo pipeline). In Chromium: the agency's operator opens 照片冲印, creates a
// batch, downloads the 物理学院 sheet (a PDF) and sends the batch with its count; the admin receives it (a wrong count
// is refused with the reason, the right one accepted) and sends 物理学院 its sets; the secretary confirms receipt,
// is refused another department's student, hands 2101001 over; the student 2101002 confirms "我已领取" on /my on a
// phone; the not-received list shrinks to nobody. Screens at 1366×768 and 390×844.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, ROOT, rosterCsv, screenshot, startServer, tablesBeyondCard, type TestServer } from './server.js';
import { sessionCookie as cookieOf, uploadShot } from './photos.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'e2e-operator', password: 'E2e-operator-pass-2024', role: 'operator' as const };
const secretary = { username: 'e2e-physics', password: 'E2e-physics-pass-2024', role: 'secretary' as const, departments: ['物理学院'] };
const ZHANG = '2101001';
const LI = '2101002';
const student = { username: LI, password: 'Prints-student-pass-2024', role: 'student' as const };

describe('prints and hand-over: agency → graduate school → department → student (A2)', () => {
  let server: TestServer;
  let browser: Browser;

  async function desktopAs(account: { username: string; password: string }, width = 1366, height = 768): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, locale: 'zh-CN', acceptDownloads: true });
    const page = await context.newPage();
    await loginInBrowser(page, server.baseUrl, account);
    return page;
  }

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, operator, secretary, student]);
    const adminApi = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const operatorApi = await ApiClient.login(server.baseUrl, operator.username, operator.password);
    const campaign = await adminApi.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    expect((await adminApi.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows))).status).toBe(200);
    const opCookie = await cookieOf(server.baseUrl, operator.username, operator.password);
    for (const no of [ZHANG, LI]) await operatorApi.post(`/api/photos/${await uploadShot(server.baseUrl, opCookie, no)}/confirm`, {});
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the agency creates a batch, downloads the 物理学院 sheet and sends the batch with its count', async () => {
    const page = await desktopAs(operator);
    await page.locator('.ant-layout-sider .ant-menu').getByText('照片冲印').click();
    await page.waitForURL((url) => url.pathname === '/prints');
    await page.getByTestId('prints-page').waitFor();
    await expect.poll(() => page.getByTestId('prints-unprinted').innerText()).toBe('2');
    await page.getByTestId('prints-create').click();
    await page.getByText('已创建批次 1（2 套）').waitFor();
    await expect.poll(() => page.getByTestId('batch-status').first().innerText()).toBe('制作中');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-sheet').first().click()]);
    expect(download.suggestedFilename()).toBe('print-batch-1-物理学院.pdf');
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.getByTestId('batch-send').click();
    await page.getByTestId('count-input').waitFor();
    expect(await page.getByTestId('count-input').inputValue()).toBe('2');
    await page.locator('.ant-modal').getByRole('button', { name: /确\s*认/ }).click();
    await expect.poll(() => page.getByTestId('batch-status').first().innerText()).toBe('已送研究生院');
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'prints-1366x768');
    await page.context().close();
  });

  it('the graduate school receives the batch (a wrong count refused) and sends 物理学院 its sets', async () => {
    const page = await desktopAs(admin);
    await page.goto(`${server.baseUrl}/prints`);
    await page.getByTestId('batch-receive').click();
    await page.getByTestId('count-input').fill('1');
    await page.getByTestId('count-note').waitFor();
    await page.locator('.ant-modal').getByRole('button', { name: /确\s*认/ }).click();
    await page.getByTestId('count-error').getByText('清点数量 1 与送出数量 2 不符；请重新清点，或填写差异说明后再签收').waitFor();
    await page.getByTestId('count-input').fill('2');
    await page.locator('.ant-modal').getByRole('button', { name: /确\s*认/ }).click();
    await expect.poll(() => page.getByTestId('batch-status').first().innerText()).toBe('研究生院已签收');
    await page.getByTestId('delivery-send').getByText('物理学院 (2)').click();
    await page.getByText('已向物理学院发放 2 套').waitFor();
    await page.getByTestId('prints-deliveries').getByText('待院系签收').waitFor();
    await screenshot(page, 'prints-admin-1366x768');
    expect(await tablesBeyondCard(page)).toBe(0);
    await page.getByText('English', { exact: true }).first().click();
    await page.getByTestId('prints-batches').getByText('Received by the graduate school').first().waitFor();
    expect(await tablesBeyondCard(page)).toBe(0);
    await screenshot(page, 'prints-admin-en-1366x768');
    await page.getByText('中文', { exact: true }).first().click();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('prints-batches').getByText('研究生院已签收').waitFor();
    await expect.poll(() => horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'prints-admin-390x844');
    await page.context().close();
  });

  it('the secretary confirms receipt, is refused another department’s student, and hands 2101001 over', async () => {
    const page = await desktopAs(secretary);
    await page.locator('.ant-layout-sider .ant-menu').getByText('照片领取').click();
    await page.waitForURL((url) => url.pathname === '/handover');
    await page.getByTestId('handover-page').waitFor();
    try {
      await page.getByTestId('delivery-receive').click({ timeout: 15_000 });
    } catch (e) {
      await screenshot(page, 'debug-handover');
      throw e;
    }
    await page.locator('.ant-modal').getByRole('button', { name: /确\s*认/ }).click();
    await page.getByTestId('handover-incoming').getByText('没有待签收的照片').waitFor();
    await expect.poll(() => page.getByTestId('handover-state').count()).toBe(2);
    await page.getByTestId('handover-input').fill('2101006');
    await page.getByTestId('handover-submit').click();
    await page.getByTestId('handover-error').getByText('以下学号不能标记为已领取，未做任何更改：2101006（不是本院系的学生）').waitFor();
    await page.getByTestId('handover-input').fill(ZHANG);
    await page.getByTestId('handover-submit').click();
    await page.getByTestId('handover-result').getByText('已登记 1 人领取').waitFor();
    await expect.poll(() => page.getByTestId('handover-state').count()).toBe(1);
    expect(await page.getByTestId('handover-list').innerText()).toContain(LI);
    expect(await page.getByTestId('handover-list').innerText()).toContain('李四');
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'handover-1366x768');
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('handover-pdf').click()]);
    expect(pdf.suggestedFilename()).toBe('照片领取签字表-物理学院.pdf');
    await page.context().close();
  });

  it('the student confirms “我已领取” on /my on a phone; the not-received list is then empty', async () => {
    const phone = await desktopAs(student, 390, 844);
    await phone.goto(`${server.baseUrl}/my`);
    const card = phone.getByTestId('my-prints');
    await card.waitFor();
    expect(await phone.getByTestId('my-prints-text').innerText()).toBe('您的照片已到物理学院，请到院系领取。');
    await phone.getByTestId('my-prints-confirm').click();
    await phone.locator('.ant-popconfirm').getByRole('button', { name: /确\s*认/ }).click();
    await phone.locator('[data-testid="my-prints"][data-state="handed"]').waitFor();
    expect(await horizontalOverflow(phone)).toBe(0);
    await card.scrollIntoViewIfNeeded();
    await phone.screenshot({ path: path.join(ROOT, 'test-results', 'screens', 'my-prints-390x844.png') });
    await phone.context().close();

    const page = await desktopAs(secretary, 390, 844);
    await page.goto(`${server.baseUrl}/handover`);
    await page.getByTestId('handover-counts').getByText('共 2 人：已领取 2，在院系待领取 0，未送达院系 0，作废 0').waitFor();
    expect(await page.getByTestId('handover-state').count()).toBe(0);
    await page.getByTestId('handover-only-not-received').click();
    await expect.poll(() => page.getByTestId('handover-state').count()).toBe(2);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'handover-390x844');
    // in English, at 1366×768
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.getByText('English', { exact: true }).first().click();
    await page.getByTestId('handover-counts').getByText('2 students: 2 collected, 0 waiting at the department, 0 not at the department yet, 0 void').waitFor();
    expect(await page.getByTestId('handover-list').innerText()).toContain('Collected');
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'handover-en-1366x768');
    await page.context().close();
  });
});
