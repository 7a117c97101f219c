// Journey: the cashier's payments page in English (outside test of issue 9, finding 7): "Total 1 payment", not
// "1 payments"; the day close in English has no full-width brackets. Screens: payments-en-list.png and
// payments-en-close.png at 1366×768.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, launchBrowser, loginInBrowser, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const cashier = { username: 'e2e-cashier', password: 'E2e-cashier-pass-2024', role: 'cashier' as const };

describe('the payments page in English: plurals and brackets', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let cashierApi: ApiClient;

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, cashier]);
    const adminApi = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    cashierApi = await ApiClient.login(server.baseUrl, cashier.username, cashier.password);
    const campaign = await adminApi.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    expect((await adminApi.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows))).status).toBe(200);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'en-US' });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('one payment is "Total 1 payment", the day close says "Beijing (…)" with ASCII brackets', async () => {
    await cashierApi.post('/api/payments', { studentNo: '2101001', method: 'wechat', transactionId: '4200002024110112345678900001', amountFen: 2000 });
    await loginInBrowser(page, server.baseUrl, cashier);
    await page.evaluate(() => localStorage.setItem('gradphoto.lang', 'en'));
    await page.goto(`${server.baseUrl}/payments`);
    await page.locator('[data-testid="payments-totals"][data-count="1"]').waitFor();
    const totals = await page.getByTestId('payments-totals').innerText();
    expect(totals).toContain('Total 1 payment, 20.00 yuan');
    expect(totals).not.toContain('1 payments');
    await screenshot(page, 'payments-en-list', false);

    await page.goto(`${server.baseUrl}/payments?tab=close`);
    await page.locator('[data-testid="day-close"][data-site="beijing"]').waitFor();
    const sheet = await page.getByTestId('close-sheet').innerText();
    expect(sheet).toMatch(/Beijing \(.+\)/);
    expect(sheet).not.toMatch(/[（）]/);
    await screenshot(page, 'payments-en-close', false);
  });
});
