// Journey: the whole capture day of one student, through the pages only (issue 9, "Tests and figures"; rules
// C1, C3, C4, P1). The student books on /my (a phone); at /desk the operator types the student number and the
// USB scanner "types" the collection code and Enter; the site takes payment first, so the desk records the
// WeChat payment and the ticket follows without a second scan; a second student presenting the same code is
// refused. At /station the operator presses N: the called student is the station's, and the public board (no
// sign-in) shows the ticket at 1 号机位. The shot is uploaded at the station, the operator presses C, the paired
// review screen (a tablet, no account) shows it, the student presses 确认; the ticket is served, and /my shows
// 已完成采集 without booking buttons. The other journeys (desk-board, station-queue, review-confirm, payments)
// look at each page in detail; this one proves that the pages hand the student to each other.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, launchBrowser, loginInBrowser, ROOT, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'cd-admin', password: 'Cd-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'cd-operator', password: 'Cd-operator-pass-2024', role: 'operator' as const };
// 2101001 张三 and 2101002 李四: 物理学院, required, Beijing (the demo roster); the agency sees 张* and 李*
const STUDENT = '2101001';
const OTHER = '2101002';
const student = { username: STUDENT, password: 'Cd-student-pass-2024', role: 'student' as const };
const CODE = 'XUEXIN-CAPTURE-DAY-5E21-QK7M';
const WECHAT_TX = '4200002024110198765432109876';
const PHOTO = path.join(ROOT, 'test', 'fixtures', 'photos', 'id-blue-12mp.jpg');

interface Session {
  id: string;
  date: string;
  start: string;
  bookable: boolean;
}

describe('one student’s capture day through the pages: booking → desk → call → shot → confirmation (C1, C3, C4, P1)', () => {
  let server: TestServer;
  let browser: Browser;
  let api: ApiClient;
  let phone: BrowserContext;
  let my: Page;
  let station: Page;
  let tablet: Page;
  let board: Page;
  let studentId: string;

  const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, operator, student]);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await api.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    expect((await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows))).status).toBe(200);
    studentId = (await api.get<{ items: { id: string; studentNo: string }[] }>(`/api/students?q=${STUDENT}`)).items.find((s) => s.studentNo === STUDENT)!.id;
    // The site takes payment before the ticket: the default, and what this journey goes through.
    expect((await api.get<{ paymentBeforeQueue: boolean }>('/api/sites/beijing/payment-settings')).paymentBeforeQueue).toBe(true);
    browser = await launchBrowser();
    phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    my = await phone.newPage();
    const desktop = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    station = await desktop.newPage();
    tablet = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', hasTouch: true })).newPage();
    board = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the student books a session on /my (phone)', async () => {
    await loginInBrowser(my, server.baseUrl, student);
    await my.goto(`${server.baseUrl}/my`);
    const sessions = (await (await ApiClient.login(server.baseUrl, student.username, student.password)).get<{ items: Session[] }>('/api/me/sessions')).items;
    const first = sessions.find((s) => s.bookable);
    expect(first, 'a bookable session for the student').toBeTruthy();
    await my.getByTestId(`book-${first!.id}`).click();
    await my.getByTestId('my-booking-when').waitFor();
    expect((await api.get<{ booking: { sessionId: string } | null }>(`/api/bookings/me?studentNo=${STUDENT}`)).booking?.sessionId).toBe(first!.id);
  });

  it('at the desk: the number, the scanned code (typed + Enter), the WeChat payment, then the ticket; the same code for another student is refused', async () => {
    const desk = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' })).newPage();
    await loginInBrowser(desk, server.baseUrl, operator);
    await desk.goto(`${server.baseUrl}/desk`);
    await desk.getByTestId('desk-scan').waitFor();
    await expect.poll(() => focusedTestId(desk)).toBe('desk-scan');
    await desk.keyboard.type(STUDENT);
    await desk.keyboard.press('Enter');
    await desk.getByTestId('desk-preview').waitFor();
    expect(await desk.getByTestId('desk-preview-name').innerText()).toBe('张*');
    // the scanner types the code and presses Enter
    await desk.keyboard.type(CODE);
    await desk.keyboard.press('Enter');
    await desk.getByTestId('desk-pay-transaction').waitFor();
    await expect.poll(() => focusedTestId(desk)).toBe('desk-pay-transaction');
    await desk.keyboard.type(WECHAT_TX);
    await desk.keyboard.press('Enter');
    await desk.getByTestId('desk-ticket').waitFor();
    expect(await desk.getByTestId('desk-ticket-number').innerText()).toBe('B-001');
    expect(await desk.getByTestId('desk-ticket-last4').innerText()).toBe('QK7M');

    // C1: one code, one student
    await expect.poll(() => focusedTestId(desk)).toBe('desk-scan');
    await desk.keyboard.type(OTHER);
    await desk.keyboard.press('Enter');
    await desk.getByTestId('desk-preview').waitFor();
    await desk.keyboard.type(CODE);
    await desk.keyboard.press('Enter');
    await desk.getByTestId('desk-refusal').waitFor();
    expect(await desk.getByTestId('desk-refusal').innerText()).toContain(`此采集码已被另一名学生使用，不能用于学号 ${OTHER}`);
    const refusals = await api.get<{ items: { action: string; result: string }[] }>('/api/audit?action=collection_code.refused');
    expect(refusals.items.some((e) => e.action === 'collection_code.refused' && e.result === 'denied')).toBe(true);
    await desk.context().close();
  });

  it('at the station the operator presses N: the student is called there, and the public board shows the call', async () => {
    await board.goto(`${server.baseUrl}/board/beijing`);
    await board.getByTestId('board-empty').waitFor();
    await loginInBrowser(station, server.baseUrl, operator);
    await station.evaluate(() => localStorage.setItem('gradphoto.station', 'beijing-1'));
    await station.goto(`${server.baseUrl}/station`);
    await station.getByTestId('station-call-next').waitFor();
    await station.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'station-student-input');
    await station.keyboard.press('n');
    await station.locator(`[data-testid="station-student"][data-student-id="${studentId}"]`).waitFor();
    expect(await station.getByTestId('station-ticket-number').innerText()).toBe('B-001');
    expect(await station.getByTestId('station-student-name').innerText()).toBe('张*');
    await expect.poll(() => board.getByTestId('board-latest-number').textContent(), { timeout: 10_000 }).toBe('B-001');
    expect(await board.getByTestId('board-latest-station').innerText()).toBe('1 号机位');
    expect(await board.locator('body').innerText()).not.toContain('张');
    // the student's phone says where to go
    await my.goto(`${server.baseUrl}/my`);
    await my.getByTestId('my-ticket-called').waitFor();
    expect(await my.getByTestId('my-ticket-called').innerText()).toContain('请到 1 号机位');
  });

  it('the shot, C, the paired review screen, 确认: the ticket is served and the confirmation records the screen and the code', async () => {
    await station.getByTestId('station-upload').locator('input[type="file"]').setInputFiles({ name: 'IMG_0001.JPG', mimeType: 'image/jpeg', buffer: readFileSync(PHOTO) });
    await station.locator('[data-testid="station-shot"][data-photo-id]').waitFor({ timeout: 60_000 });
    // the review screen is paired from the station with a one-time code in the address's fragment
    await station.getByTestId('review-pair').click();
    const pairingUrl = (await station.getByTestId('review-pairing-url').innerText()).trim();
    await station.getByTestId('review-pairing-close').click();
    await tablet.goto(pairingUrl);
    await tablet.getByTestId('review-screen-idle').waitFor();
    // C asks the student (the scan box has the focus, empty)
    await station.getByTestId('station-student-input').focus();
    await station.keyboard.press('c');
    await station.locator('[data-testid="station-review-status"][data-status="awaiting"]').waitFor();
    await tablet.getByTestId('review-screen-awaiting').waitFor({ timeout: 10_000 });
    expect(await tablet.getByTestId('review-screen-name').innerText()).toBe('张*');
    await tablet.getByTestId('review-screen-confirm').click();
    await tablet.getByTestId('review-screen-thanks').waitFor();
    await station.getByTestId('station-confirmed').waitFor({ timeout: 10_000 });

    const photos = await api.get<{ items: { confirmed: boolean; confirmations: { method: string | null; stationId: string | null; codeMatch: boolean | null }[] }[] }>(`/api/students/${studentId}/photos`);
    expect(photos.items[0]).toMatchObject({ confirmed: true, confirmations: [{ method: 'student_review_screen', stationId: 'beijing-1', codeMatch: true }] });
    const queue = await (await ApiClient.login(server.baseUrl, operator.username, operator.password)).get<{ items: unknown[]; waiting: number; called: number }>('/api/queue/beijing');
    expect(queue).toMatchObject({ waiting: 0, called: 0 });
    await screenshot(station, 'capture-day-station-confirmed', false);
  });

  it('/my shows 已完成采集 with the photo, and no booking buttons', async () => {
    await my.goto(`${server.baseUrl}/my`);
    await my.getByTestId('my-photo-done').waitFor();
    expect(await my.getByTestId('my-photo-done-title').innerText()).toBe('已完成采集');
    expect(await my.locator('[data-testid^="book-"], [data-testid^="waitlist-"], [data-testid="my-sessions"]').count()).toBe(0);
    await screenshot(my, 'capture-day-my-done');
  });
});
