// Journey: live counts (issue #3, part 8). Two browsers: the admin watches the schedule page and the
// department secretary watches the department page; a student books in a third browser, and both pages show
// the new count without a reload (Server-Sent Events). Then the admin changes a day's windows in the editor.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, addUser, addUsers, demoRoster, launchBrowser, loginInBrowser, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'live-admin', password: 'Live-admin-pass-2024', role: 'admin' as const };
const secretary = { username: 'live-secretary', password: 'Live-secretary-2024', role: 'secretary' as const, departments: ['物理学院'] };
const student = { username: '2101001', password: 'Student-pass-2024', role: 'student' as const }; // 物理学院, required (E1)
const cashier = { username: 'live-cashier', password: 'Live-cashier-pass-2024', role: 'cashier' as const };

interface Session {
  id: string;
  site: string;
  date: string;
  start: string;
  capacity: number;
  booked: number;
}

describe('live counts: a booking appears on the staff pages without a reload', () => {
  let server: TestServer;
  let browser: Browser;
  let api: ApiClient;
  const contexts: BrowserContext[] = [];
  let adminPage: Page;
  let secretaryPage: Page;
  let studentPage: Page;
  let target: Session;

  const bookedText = (page: Page, sessionId: string) => page.getByTestId(`session-${sessionId}`).getByTestId('session-booked').innerText();

  beforeAll(async () => {
    server = await startServer();
    await addUser(server.dataDir, admin);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await api.get<{ targetTerms: string[]; retakeBefore: string; departments: { name: string; day: string }[] }>('/api/campaign');
    const applied = await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows));
    expect(applied.status).toBe(200);
    await addUsers(server.dataDir, [secretary, student, cashier]);
    const physicsDay = campaign.departments.find((d) => d.name === '物理学院')!.day;
    const sessions = (await api.get<{ items: Session[] }>('/api/sessions?site=beijing')).items;
    target = sessions.find((s) => s.date === physicsDay && s.start === '09:30')!;

    browser = await launchBrowser();
    const page = async () => {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
      contexts.push(context);
      return context.newPage();
    };
    [adminPage, secretaryPage, studentPage] = [await page(), await page(), await page()];
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('the admin’s schedule page and the secretary’s department page update live when a student books', async () => {
    await loginInBrowser(adminPage, server.baseUrl, admin);
    await adminPage.goto(`${server.baseUrl}/schedule?site=beijing`);
    await adminPage.locator('[data-testid="live-status"][data-status="live"]').waitFor();
    expect(await bookedText(adminPage, target.id)).toContain(`0 / ${target.capacity}`);

    await loginInBrowser(secretaryPage, server.baseUrl, secretary);
    await secretaryPage.goto(`${server.baseUrl}/department?dept=${encodeURIComponent('物理学院')}`);
    await secretaryPage.locator('[data-testid="dept-sessions"] [data-testid="live-status"][data-status="live"]').waitFor();
    expect(await bookedText(secretaryPage, target.id)).toContain(`0 / ${target.capacity}`);

    // No page reloads and no list refetch may explain the change: count the GETs of /api/sessions from now on.
    let refetches = 0;
    for (const p of [adminPage, secretaryPage]) {
      p.on('request', (r) => {
        if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/sessions') refetches++;
      });
    }
    const navigations = { admin: adminPage.url(), secretary: secretaryPage.url() };

    await loginInBrowser(studentPage, server.baseUrl, student);
    await studentPage.waitForURL((url) => url.pathname === '/my');
    await studentPage.getByTestId(`book-${target.id}`).click();
    await studentPage.locator(`[data-testid="my-booking"][data-session-id="${target.id}"]`).waitFor();

    const one = `1 / ${target.capacity}`;
    await adminPage.getByTestId(`session-${target.id}`).getByTestId('session-booked').filter({ hasText: one }).waitFor({ timeout: 10_000 });
    await secretaryPage.getByTestId(`session-${target.id}`).getByTestId('session-booked').filter({ hasText: one }).waitFor({ timeout: 10_000 });
    expect(refetches).toBe(0);
    expect(adminPage.url()).toBe(navigations.admin);
    expect(secretaryPage.url()).toBe(navigations.secretary);
    await screenshot(adminPage, 'live-schedule-admin');
    await screenshot(secretaryPage, 'live-department-secretary');
  });

  it('the admin edits a day’s windows; a bad window is refused naming it, a good one regenerates the sessions live', async () => {
    await adminPage.getByTestId('schedule-edit').click();
    const editor = adminPage.getByTestId('schedule-editor');
    await editor.getByTestId(`edit-day-${target.date}`).waitFor();
    await screenshot(adminPage, 'live-schedule-editor', false);

    // In the editor: 物理学院 added to a second day is refused, naming the department and both days.
    const schedule = await api.get<{ days: { date: string; departments: string[]; windows: Record<string, { start: string; end: string }[]> }[] }>('/api/campaign/schedule');
    const secondDate = schedule.days.find((d) => d.date !== target.date)!.date;
    await editor.getByTestId(`edit-day-${secondDate}`).locator('.ant-select').first().click();
    await adminPage.keyboard.type('物理学院');
    await adminPage.keyboard.press('Enter');
    await adminPage.keyboard.press('Escape');
    await editor.getByTestId('schedule-save').click();
    const problems = editor.getByTestId('schedule-problems');
    await problems.waitFor();
    expect(await problems.innerText()).toContain(`院系“物理学院”同时安排在 ${[target.date, secondDate].sort().join(' 和 ')}`);
    await screenshot(adminPage, 'live-schedule-editor-refused', false);
    // closing the editor drops the edits
    await adminPage.locator('.ant-drawer-close').click();
    await problems.waitFor({ state: 'detached' });
    await adminPage.getByTestId('schedule-edit').click();
    await editor.getByTestId(`edit-day-${target.date}`).waitFor();

    // Through the API, a bad window names its day, field and value (the editor shows the same messages).
    const bad = schedule.days.map((d) => (d.date === target.date ? { ...d, windows: { ...d.windows, beijing: [{ start: '12:00', end: '09:30' }] } } : d));
    const refused = await api.request<{ error: { code: string; message: string } }>('PUT', '/api/campaign/schedule', { body: { days: bad } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain(`${target.date} 北京第 1 个时段：结束时间 09:30 不晚于开始时间 12:00`);

    // In the editor: remove the afternoon window of the Beijing site on the department's day, then save.
    const day = editor.getByTestId(`edit-day-${target.date}`);
    await day.getByTestId('edit-windows-beijing').getByRole('button', { name: /删除该时段/ }).last().click();
    await editor.getByTestId('schedule-save').click();
    await adminPage.locator('.ant-message').getByText('日期与时段已更新').waitFor();
    // The page follows without a reload: that day now has one Beijing session.
    await adminPage.getByTestId(`day-${target.date}`).locator('[data-testid^="session-"][data-window]').nth(0).waitFor();
    await expect.poll(async () => adminPage.getByTestId(`day-${target.date}`).locator('[data-window]').count(), { timeout: 10_000 }).toBe(1);
    expect(await bookedText(adminPage, target.id)).toContain('1 / ');
    await screenshot(adminPage, 'live-schedule-after-edit');
  });

  it('a cashier (no session.live) sees the schedule by polling and never asks for the stream (no refusals in the audit log)', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    contexts.push(context);
    const cashierPage = await context.newPage();
    const streams: string[] = [];
    cashierPage.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/sessions/events') streams.push(r.url());
    });
    await loginInBrowser(cashierPage, server.baseUrl, cashier);
    await cashierPage.goto(`${server.baseUrl}/schedule?site=beijing`);
    await cashierPage.locator('[data-testid="live-status"][data-status="polling"]').waitFor();
    await cashierPage.getByTestId(`session-${target.id}`).waitFor();
    expect(streams).toEqual([]);
    const refusals = await api.get<{ total: number }>(`/api/audit?action=access.denied&targetId=streamSessionCounts`);
    expect(refusals.total).toBe(0);
  });
});
