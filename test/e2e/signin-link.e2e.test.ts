// A student signs in with a link by mail (issue #3 part 6), in Chromium, against `gradphoto serve` with a
// real SMTP server process: the form on /signin answers the same for anyone, the mail arrives with
// PUBLIC_URL/signin/<token>, opening it lands on the student's page, and opening it again is refused.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../support/rosters.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { ApiClient, addUser, freePort, launchBrowser, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'link-admin', password: 'Link-admin-pass-2024', role: 'admin' as const };
const STUDENT = '2401000501';

describe('sign-in link by mail', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    sink = await startSmtpSink();
    const port = await freePort();
    server = await startServer({ port, env: { SMTP_URL: sink.url, MAIL_FROM: 'photo@example.edu.cn', PUBLIC_URL: `http://127.0.0.1:${port}` } });
    await addUser(server.dataDir, admin);
    const api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const applied = await api.upload('/api/roster/apply', 'roster.csv', rosterCsv([rosterRow(STUDENT, { 姓名: '林小雨', 邮箱: 'lin@example.edu.cn' })]));
    expect(applied.status).toBe(200);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })).newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await sink?.close();
  });

  it('from the login page, asks for a link; the mail’s link signs the student in; a second use is refused', async () => {
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId('login-signin-link').click();
    await page.locator('#signin-link-value').fill(STUDENT);
    await page.getByTestId('signin-link-submit').click();
    await page.getByTestId('signin-link-sent').waitFor();
    await screenshot(page, 'f1-signin-link-sent');
    const [mail] = await sink.waitForMessages(1, 20_000);
    expect(mail!.to).toEqual(['lin@example.edu.cn']);
    const link = /http:\/\/127\.0\.0\.1:\d+\/signin\/[A-Za-z0-9_-]{43}/.exec(mail!.text)![0];

    await page.goto(link);
    await page.waitForURL((url) => url.pathname === '/my');
    const me = await page.evaluate(async () => (await fetch('/api/me')).json() as Promise<{ username: string; role: string }>);
    expect(me).toMatchObject({ username: STUDENT, role: 'student' });
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'f2-signin-link-my-page');
    // the token left the address bar and never reached the server's log
    expect(page.url()).not.toContain('/signin/');
    expect(server.log()).not.toContain(link.split('/signin/')[1]!);

    const other = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
    await other.goto(link);
    await other.getByTestId('signin-link-error').waitFor();
    expect(await other.getByTestId('signin-link-error').innerText()).toContain('登录链接无效、已使用或已过期');
    await screenshot(other, 'f3-signin-link-used');
  });
});
