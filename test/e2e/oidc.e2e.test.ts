// Campus sign-on in Chromium: a real `gradphoto serve` configured with OIDC_* against a real OpenID provider
// process. The login page shows the campus button; it leads to the provider; signing in there lands on /my
// signed in as that student (an excluded one reads why). A campus user not on the roster comes back to the
// login page with the message in Chinese. The server's log never holds the callback's code or state.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT_PASSWORD, startOidcProvider, type RunningProvider } from '../support/oidc-provider-process.js';
import { ApiClient, addUser, demoRoster, freePort, launchBrowser, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'oidc-e2e-admin', password: 'Oidc-e2e-admin-pass-2024', role: 'admin' as const };
const CLIENT = { clientId: 'gradphoto-e2e', clientSecret: 'e2e-client-secret-0123456789abcdef' };
const ACCOUNTS = [
  { sub: 'zhang.san', student_no: '2101001', name: '张三' }, // required (E1)
  { sub: 'zhao.liu', student_no: '2101004', name: '赵六' }, // excluded (E6)
  { sub: 'visitor', student_no: '2199999', name: '访客' }, // not on the roster
];

describe('campus sign-on (OIDC) in the browser', () => {
  let server: TestServer;
  let provider: RunningProvider;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({ ...CLIENT, redirectUris: [`${publicUrl}/api/auth/oidc/callback`], accounts: ACCOUNTS });
    server = await startServer({
      port,
      env: {
        PUBLIC_URL: publicUrl,
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: CLIENT.clientId,
        OIDC_CLIENT_SECRET: CLIENT.clientSecret,
        OIDC_ALLOW_HTTP: 'true',
      },
    });
    await addUser(server.dataDir, admin);
    const api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const { rows } = demoRoster(await api.get('/api/campaign'));
    expect((await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(rows))).status).toBe(200);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.stop();
  });

  async function newPage(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN' });
    return { context, page: await context.newPage() };
  }

  /** Clicks the campus button and signs in on the provider's page; returns the callback URLs the browser called. */
  async function signInThroughCampus(page: Page, account: string): Promise<string[]> {
    const callbacks: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/auth/oidc/callback')) callbacks.push(request.url());
    });
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId('login-oidc').click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('#account').fill(account);
    await page.locator('#campus-password').fill(DEFAULT_ACCOUNT_PASSWORD);
    await page.locator('#provider-login').click();
    await page.locator('#provider-allow').click();
    return callbacks;
  }

  it('shows the campus button on the login page (1366×768 and 390×844)', async () => {
    for (const [name, viewport] of [
      ['login-oidc-desktop', { width: 1366, height: 768 }],
      ['login-oidc-mobile', { width: 390, height: 844 }],
    ] as const) {
      const { context, page } = await newPage(viewport);
      await page.goto(`${server.baseUrl}/login`);
      const button = page.getByTestId('login-oidc');
      await button.waitFor();
      expect(await button.innerText()).toContain('统一身份认证登录');
      // the staff form stays below it
      expect(await page.locator('#username').isVisible()).toBe(true);
      await screenshot(page, name);
      await context.close();
    }
  });

  it('leads to the provider and lands on /my signed in as that student; the log holds no code or state', async () => {
    const { context, page } = await newPage({ width: 1366, height: 768 });
    const callbacks = await signInThroughCampus(page, 'zhang.san');
    await page.waitForURL(`${server.baseUrl}/my`);
    await page.getByTestId('my-decision').waitFor();
    await page.getByTestId('user-menu').waitFor();
    const me = (await page.evaluate(async () => (await fetch('/api/me')).json())) as { username: string; role: string };
    expect(me).toMatchObject({ username: '2101001', role: 'student' });
    await screenshot(page, 'login-oidc-landed-my');

    expect(callbacks).toHaveLength(1);
    const query = new URL(callbacks[0]!).searchParams;
    const code = query.get('code')!;
    const state = query.get('state')!;
    expect(code.length).toBeGreaterThan(10);
    expect(server.log()).toContain('/api/auth/oidc/callback');
    expect(server.log()).not.toContain(code);
    expect(server.log()).not.toContain(state);
    await context.close();
  });

  it('lets an excluded student in: /my says why they need not come', async () => {
    const { context, page } = await newPage({ width: 390, height: 844 });
    await signInThroughCampus(page, 'zhao.liu');
    await page.waitForURL(`${server.baseUrl}/my`);
    await page.getByTestId('my-need-not-come').waitFor();
    expect(await page.getByTestId('my-decision').innerText()).toContain('E6');
    await context.close();
  });

  it('brings a campus user who is not on the roster back to the login page with the message, account masked', async () => {
    const { context, page } = await newPage({ width: 1366, height: 768 });
    await signInThroughCampus(page, 'visitor');
    await page.waitForURL((url) => url.pathname === '/login');
    const message = await page.getByTestId('login-oidc-error').innerText();
    expect(message).toContain('统一身份认证账号 21***99 不在本次采集名单中');
    expect(message).not.toContain('2199999');
    await screenshot(page, 'login-oidc-no-student');
    await page.getByText('English', { exact: true }).click();
    expect(await page.getByTestId('login-oidc-error').innerText()).toContain("The campus account 21***99 is not on this campaign's roster");
    await context.close();
  });
});
