// Journey: the admin switches off a departing operator and gives a secretary a new password (found by the
// outside test after issue 8: the Users page showed a status nobody could change). The operator's open
// session ends at once; the secretary's old password stops working and the new one works.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, launchBrowser, loginInBrowser, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'users-admin', password: 'Users-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'leaving-operator', password: 'Leaving-operator-2024', role: 'operator' as const };
const secretary = { username: 'forgetful-sec', password: 'Forgetful-sec-2024', role: 'secretary' as const, departments: ['物理学院'] };

describe('the admin manages accounts on the Users page', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, operator, secretary]);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })).newPage();
    await loginInBrowser(page, server.baseUrl, admin);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('switches an operator off (their session ends) and sets a secretary’s new password', async () => {
    const operatorApi = await ApiClient.login(server.baseUrl, operator.username, operator.password);
    expect((await operatorApi.request('GET', '/api/me')).status).toBe(200);

    await page.goto(`${server.baseUrl}/users`);
    await page.getByTestId(`users-toggle-${operator.username}`).click();
    const stop = page.locator('.ant-modal-confirm').getByRole('button', { name: /停\s*用/ });
    await stop.waitFor();
    // The switch-off's own answer is awaited: a lost click or a refusal then says so, not only "no message yet"
    // (CI once saw no 已停用 within 30 s, two journeys running at once).
    const answered = page.waitForResponse((r) => /\/api\/users\/[^/]+$/.test(new URL(r.url()).pathname) && r.request().method() === 'PATCH');
    await stop.click();
    expect((await answered).status()).toBe(200);
    await page.getByText(`已停用 ${operator.username}`).waitFor();
    expect(await page.getByTestId(`users-toggle-${operator.username}`).innerText()).toMatch(/启\s*用/);
    expect((await operatorApi.request('GET', '/api/me')).status).toBe(401);
    await expect(ApiClient.login(server.baseUrl, operator.username, operator.password)).rejects.toThrow(/401/);

    await page.getByTestId(`users-reset-${secretary.username}`).click();
    await page.getByTestId('users-new-password').fill('Forgetful-sec-new-2026');
    await page.locator('.ant-modal').getByRole('button', { name: /确\s*定|确认/ }).click();
    await page.getByText(`已为 ${secretary.username} 设置新密码`).waitFor();
    await expect(ApiClient.login(server.baseUrl, secretary.username, secretary.password)).rejects.toThrow(/401/);
    await ApiClient.login(server.baseUrl, secretary.username, 'Forgetful-sec-new-2026');
    await screenshot(page, 'users-manage');
  });

  it('a user changes their own password from the user menu: a wrong current one is said in the dialog (still signed in), then the new one works', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    const own = await context.newPage();
    await loginInBrowser(own, server.baseUrl, { ...secretary, password: 'Forgetful-sec-new-2026' });
    await own.getByTestId('user-menu').click();
    await own.getByText('修改密码').click();
    await own.getByTestId('password-current').fill('not-my-password');
    await own.getByTestId('password-new').fill('Forgetful-sec-own-2026');
    await own.getByTestId('password-repeat').fill('Forgetful-sec-own-2026');
    await own.locator('.ant-modal').getByRole('button', { name: /确\s*定/ }).click();
    expect(await own.getByTestId('password-error').innerText()).toContain('当前密码不正确');
    expect(new URL(own.url()).pathname).not.toBe('/login');
    await own.getByTestId('password-current').fill('Forgetful-sec-new-2026');
    await own.locator('.ant-modal').getByRole('button', { name: /确\s*定/ }).click();
    await own.getByText('密码已修改').waitFor();
    await screenshot(own, 'password-changed');
    await expect(ApiClient.login(server.baseUrl, secretary.username, 'Forgetful-sec-new-2026')).rejects.toThrow(/401/);
    await ApiClient.login(server.baseUrl, secretary.username, 'Forgetful-sec-own-2026');
    await context.close();
  });
});
