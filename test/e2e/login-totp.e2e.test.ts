// Sign-in with a one-time code: an admin with two-step verification enabled is asked for the
// 6-digit code only after the password is right (TOTP_REQUIRED); a wrong code shows the server's
// message; the right code signs in. The server's messages follow the language of the page.
import { URI, type TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, addUser, launchBrowser, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'totp-admin', password: 'Totp-admin-pass-2024', role: 'admin' as const };

describe('sign-in with a one-time code', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let totp: TOTP;

  beforeAll(async () => {
    server = await startServer();
    await addUser(server.dataDir, admin);
    const api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const { uri } = await api.post<{ secret: string; uri: string }>('/api/me/totp/setup');
    totp = URI.parse(uri) as TOTP;
    await api.post('/api/me/totp/enable', { code: totp.generate() });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the server’s message for a wrong password, in the page’s language', async () => {
    await page.goto(`${server.baseUrl}/login`);
    await page.locator('#username').fill(admin.username);
    await page.locator('#password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    const zhMessage = await page.getByTestId('login-error').innerText();
    expect(zhMessage).toMatch(/[\u4e00-\u9fff]/);
    await page.getByText('English', { exact: true }).click();
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('login-error').innerText()).resolves.not.toBe(zhMessage);
    expect(await page.getByTestId('login-error').innerText()).toMatch(/[A-Za-z]{3}/);
    await page.getByText('中文', { exact: true }).click();
  });

  it('asks for the code after the right password, refuses a wrong code, accepts the right one', async () => {
    await page.locator('#password').fill(admin.password);
    await page.getByTestId('login-submit').click();
    await page.locator('#totp').waitFor();
    await screenshot(page, 'c1-login-totp');
    const right = totp.generate({ timestamp: Date.now() + 30_000 });
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
    await page.locator('#totp').fill(wrong);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    // The code that enabled TOTP was used once and is refused now (no replay): the next step's code is
    // within the server's ±1-step window and has not been used.
    await page.locator('#totp').fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByTestId('login-submit').click();
    await page.getByTestId('user-menu').waitFor();
    expect(await page.getByTestId('user-menu').innerText()).toContain('管理员');
  });
});
