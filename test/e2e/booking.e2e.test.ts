// Journey (d): bookings (issue #3, rules S1–S4, E1–E7, C2, P1). A required student signs in, lands on
// their own page, reads 须采集 and the reason, books a session, moves it, cancels it; a full session
// offers the waitlist; the admin changes a site's capacity below its bookings (refused with the affected
// students, then "move them"), and cancels a booking on a student's behalf so the seat goes to the waiting
// student; an excluded (E6) student reads that they need not come, and a booking for them is refused with
// the server's message. The student's browser runs in another time zone: times stay the campaign's.
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
// 2101001: 物理学院, dual certificate, graduates in a target term (E1). 2101004: single certificate (E6).
const student = { username: '2101001', password: 'Student-pass-2024', role: 'student' as const };
const excluded = { username: '2101004', password: 'Student-pass-2024', role: 'student' as const };

interface Campaign {
  targetTerms: string[];
  retakeBefore: string;
  timezone: string;
  weekendDays: string[];
  departments: { name: string; day: string; site: string }[];
}
interface Session {
  id: string;
  site: string;
  date: string;
  start: string;
  end: string;
  capacity: number;
  booked: number;
  expected: number;
  waiting: number;
  weekend: boolean;
}
interface MyBooking {
  booking: { id: string; sessionId: string; status: string } | null;
  defaultDay: string | null;
  waitlist: { sessionId: string; position: number; status: string }[];
}
interface StudentList {
  items: { id: string; studentNo: string }[];
}
interface ErrorBody {
  error: { code: string; message: string };
}

/** `2024-11-03` → `11月3日`, as the pages write a day. */
function chineseDay(date: string): string {
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
}

describe('bookings: a student books, moves, cancels; the admin manages capacity', () => {
  let server: TestServer;
  let browser: Browser;
  let api: ApiClient;
  let campaign: Campaign;
  let sessions: Session[];
  /** the physics department's day, morning and afternoon (S1) */
  let dayAm: Session;
  let dayPm: Session;
  /** the next working day's morning and afternoon */
  let nextAm: Session;
  let nextPm: Session;
  const ids: Record<string, string> = {};
  let studentContext: BrowserContext;
  let studentPage: Page;
  let adminContext: BrowserContext;
  let adminPage: Page;
  const dialogs: string[] = [];

  const session = (id: string) => sessions.find((s) => s.id === id)!;
  const beijing = async () => (await api.get<{ items: Session[] }>('/api/sessions?site=beijing')).items;
  const bookingOf = (studentNo: string) => api.get<MyBooking>(`/api/bookings/me?studentNo=${studentNo}`);

  beforeAll(async () => {
    server = await startServer();
    await addUser(server.dataDir, admin);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    campaign = await api.get<Campaign>('/api/campaign');
    const { rows } = demoRoster(campaign);
    const applied = await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(rows));
    expect(applied.status).toBe(200);
    await addUsers(server.dataDir, [student, excluded]);
    for (const no of ['2101001', '2101002', '2101004', '2101005', '2101006']) {
      ids[no] = (await api.get<StudentList>(`/api/students?q=${no}`)).items.find((s) => s.studentNo === no)!.id;
    }

    sessions = await beijing();
    const physicsDay = campaign.departments.find((d) => d.name === '物理学院')!.day;
    const sorted = [...sessions].sort((a, b) => (a.date + a.start).localeCompare(b.date + b.start));
    dayAm = sorted.find((s) => s.date === physicsDay && s.start === '09:30')!;
    dayPm = sorted.find((s) => s.date === physicsDay && s.start === '13:00')!;
    nextAm = sorted.find((s) => s.date > physicsDay && !s.weekend && s.start === '09:30')!;
    nextPm = sorted.find((s) => s.date === nextAm.date && s.start === '13:00')!;
    expect(dayAm && dayPm && nextAm && nextPm).toBeTruthy();

    browser = await launchBrowser();
    // The student's browser is in Los Angeles: the campaign's times (Asia/Shanghai) must not move.
    studentContext = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'America/Los_Angeles' });
    studentPage = await studentContext.newPage();
    adminContext = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    adminPage = await adminContext.newPage();
    for (const page of [studentPage, adminPage]) {
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a required student lands on their page: 须采集, the reason, their department’s day, what to bring', async () => {
    await loginInBrowser(studentPage, server.baseUrl, student);
    await studentPage.waitForURL((url) => url.pathname === '/my');
    const decision = studentPage.getByTestId('my-decision');
    await decision.waitFor();
    const detail = await api.get<{ reason: { zh: string } }>(`/api/students/${ids['2101001']}`);
    const text = await decision.innerText();
    expect(text).toContain('须采集');
    expect(text).toContain('E1');
    expect(await studentPage.getByTestId('my-reason').innerText()).toBe(detail.reason.zh);

    // the student's menu: their page, no staff overview
    const menu = await studentPage.locator('.ant-layout-sider .ant-menu').innerText();
    expect(menu).toContain('我的采集');
    expect(menu).not.toContain('采集总览');
    expect(menu).not.toContain('采集日程');

    // no booking yet: the department's day (S1)
    await expect(studentPage.getByTestId('my-default-day').getAttribute('data-date')).resolves.toBe(dayAm.date);
    // sessions of the own site, with the campaign's wall-clock windows
    await studentPage.getByTestId(`choice-${dayAm.id}`).waitFor();
    await expect(studentPage.getByTestId(`choice-${dayAm.id}`).getAttribute('data-window')).resolves.toBe('09:30–12:00');
    expect(await studentPage.getByTestId(`choice-${dayAm.id}`).innerText()).toContain('09:30–12:00');

    const bring = await studentPage.getByTestId('my-bring').innerText();
    for (const words of ['采集码', '学信网', '学信档案', '图像校对', '至少提前 3 天', '深色正装', '不戴帽子', '蓝色背景', '20 元/套', '电子支付', '不收现金', '新太阳学生活动中心105、106']) {
      expect(bring).toContain(words);
    }
    await screenshot(studentPage, 'd1-my-default-day');
  });

  it('books with one request on a double click (Idempotency-Key), moves, and cancels', async () => {
    const posts: Request[] = [];
    const onRequest = (request: Request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/bookings') posts.push(request);
    };
    studentPage.on('request', onRequest);
    await studentPage.getByTestId(`book-${dayAm.id}`).dblclick();
    await studentPage.locator(`[data-testid="my-booking"][data-session-id="${dayAm.id}"]`).waitFor();
    studentPage.off('request', onRequest);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(await studentPage.getByTestId('my-booking-when').innerText()).toContain('09:30–12:00');
    expect((await bookingOf('2101001')).booking?.sessionId).toBe(dayAm.id);
    sessions = await beijing();
    expect(session(dayAm.id).booked).toBe(1);
    await screenshot(studentPage, 'd2-my-booked');

    // booking another session moves the booking (one step)
    const move = studentPage.getByTestId(`book-${dayPm.id}`);
    expect(await move.innerText()).toContain('改约');
    await move.click();
    await studentPage.locator(`[data-testid="my-booking"][data-session-id="${dayPm.id}"]`).waitFor();
    expect(await studentPage.getByTestId('my-booking-when').innerText()).toContain('13:00–17:30');
    expect((await bookingOf('2101001')).booking?.sessionId).toBe(dayPm.id);
    sessions = await beijing();
    expect([session(dayAm.id).booked, session(dayPm.id).booked]).toEqual([0, 1]);

    // cancel: back to the department's day
    await studentPage.getByTestId('my-cancel').click();
    await studentPage.locator('.ant-popconfirm').getByRole('button', { name: '取消预约' }).click();
    await studentPage.getByTestId('my-default-day').waitFor();
    expect((await bookingOf('2101001')).booking).toBeNull();
    sessions = await beijing();
    expect(session(dayPm.id).booked).toBe(0);
  });

  it('the admin sees the schedule; lowering capacity below bookings lists the affected students, then moves them', async () => {
    // three students book the morning of the physics day (on their behalf, as the admin)
    for (const no of ['2101002', '2101005', '2101006']) {
      const done = await api.request<{ sessionId: string }>('POST', '/api/bookings', { body: { sessionId: dayAm.id, studentNo: no }, headers: { 'Idempotency-Key': crypto.randomUUID() } });
      expect(done.status, JSON.stringify(done.body)).toBe(201);
    }

    await loginInBrowser(adminPage, server.baseUrl, admin);
    await adminPage.goto(`${server.baseUrl}/schedule`);
    const am = adminPage.getByTestId(`session-${dayAm.id}`);
    await am.waitFor();
    expect(await am.getByTestId('session-booked').innerText()).toMatch(/3\s*\/\s*300/);
    await expect(am.getAttribute('data-window')).resolves.toBe('09:30–12:00');
    // the day with its weekday; weekend days marked
    const dayCard = await adminPage.getByTestId(`day-${dayAm.date}`).innerText();
    expect(dayCard).toMatch(/（周[一二三四五六日]）/);
    expect(dayCard).toContain('物理学院');
    for (const weekend of campaign.weekendDays) expect(await adminPage.getByTestId(`day-${weekend}`).innerText()).toContain('周末');
    expect(await adminPage.locator('.ant-layout-sider .ant-menu').innerText()).toContain('采集日程');
    await screenshot(adminPage, 'd3-schedule');
    // the Shenzhen site has its own sessions (S4)
    await adminPage.getByTestId('site-tab-shenzhen').click();
    await adminPage.getByTestId('settings-shenzhen').waitFor();
    expect(await adminPage.locator('[data-testid^="day-"]').count()).toBeGreaterThan(0);
    await screenshot(adminPage, 'd3-schedule-shenzhen');
    await adminPage.getByTestId('site-tab-beijing').click();
    await adminPage.getByTestId('settings-beijing').waitFor();

    // 1 station, 120 minutes per student: 1 seat in the morning, 2 in the afternoon
    await adminPage.getByTestId('settings-stations').fill('1');
    await adminPage.getByTestId('settings-minutes').fill('120');
    await adminPage.getByTestId('settings-resulting').getByText(/09:30–12:00 共 1 位，13:00–17:30 共 2 位/).waitFor();
    await adminPage.getByTestId('settings-save').click();
    const refusal = adminPage.getByTestId('capacity-refusal');
    await refusal.waitFor();
    const refusalText = await refusal.innerText();
    expect(refusalText).toContain('超过容量');
    const affected = refusal.getByTestId('affected-students').locator('tbody tr.ant-table-row');
    await expect(affected.count()).resolves.toBe(2);
    expect(await refusal.getByTestId('affected-students').innerText()).toContain('2101006');
    // nothing changed yet
    sessions = await beijing();
    expect(session(dayAm.id).capacity).toBe(300);
    await screenshot(adminPage, 'd4-capacity-refused');

    await adminPage.getByTestId('move-affected').click();
    await refusal.waitFor({ state: 'detached' });
    await adminPage.locator('.ant-message').getByText(/已为 2 名学生改约/).waitFor();
    sessions = await beijing();
    expect([session(dayAm.id).capacity, session(dayAm.id).booked]).toEqual([1, 1]);
    expect([session(dayPm.id).capacity, session(dayPm.id).booked]).toEqual([2, 2]);
    await adminPage.locator(`[data-testid="session-${dayAm.id}"] [data-testid="session-booked"]`).getByText(/1\s*\/\s*1/).waitFor();
    // the saved settings are shown again after a reload
    await adminPage.reload();
    await adminPage.getByTestId(`session-${dayAm.id}`).waitFor();
    await expect(adminPage.getByTestId('settings-stations').inputValue()).resolves.toBe('1');
    await expect(adminPage.getByTestId('settings-minutes').inputValue()).resolves.toBe('120');
  });

  it('a full session (SESSION_FULL) offers the waitlist, with the place shown', async () => {
    // the student's page still shows the morning as free: the server answers SESSION_FULL
    await studentPage.getByTestId(`book-${dayAm.id}`).click();
    const error = studentPage.getByTestId('booking-error');
    await error.waitFor();
    expect(await error.innerText()).toContain('该时段已约满');
    await studentPage.getByTestId('offer-waitlist').click();
    await studentPage.getByTestId('my-waitlist-entry').waitFor();
    await expect(studentPage.getByTestId('my-waitlist-entry').getAttribute('data-position')).resolves.toBe('1');
    expect(await studentPage.getByTestId('my-waitlist').innerText()).toContain('候补第 1 位');
    const mine = await bookingOf('2101001');
    expect(mine.waitlist.filter((w) => w.status === 'waiting')).toEqual([expect.objectContaining({ sessionId: dayAm.id, position: 1 })]);
    await screenshot(studentPage, 'd5-my-waitlist');
  });

  it('the admin cancels a booking on a student’s behalf: the seat goes to the waiting student; then books another', async () => {
    const holder = (await Promise.all(['2101002', '2101005', '2101006'].map(async (no) => ({ no, mine: await bookingOf(no) })))).find((x) => x.mine.booking?.sessionId === dayAm.id)!;
    await adminPage.goto(`${server.baseUrl}/students/${ids[holder.no]}`);
    const card = adminPage.getByTestId('staff-booking-card');
    await card.locator(`[data-testid="staff-booking"][data-session-id="${dayAm.id}"]`).waitFor();
    await screenshot(adminPage, 'd6-staff-booking-card');
    await card.getByTestId('staff-cancel').click();
    await adminPage.locator('.ant-popconfirm').getByRole('button', { name: '取消预约' }).click();
    await card.getByTestId('staff-booking-none').waitFor();
    // the freed seat went to the first waiting student
    expect((await bookingOf('2101001')).booking?.sessionId).toBe(dayAm.id);
    await studentPage.reload();
    await studentPage.locator(`[data-testid="my-booking"][data-session-id="${dayAm.id}"]`).waitFor();
    await expect(studentPage.getByTestId('my-waitlist').count()).resolves.toBe(0);

    // book the next working morning for them through the session picker
    await card.getByTestId('staff-session-select').click();
    await adminPage.locator('.ant-select-item-option').filter({ hasText: `09:30–12:00` }).filter({ hasText: chineseDay(nextAm.date) }).first().click();
    await card.getByTestId('staff-book').click();
    await card.locator(`[data-testid="staff-booking"][data-session-id="${nextAm.id}"]`).waitFor();
    expect((await bookingOf(holder.no)).booking?.sessionId).toBe(nextAm.id);
  });

  it('an excluded (E6) student reads that they need not come; a booking for them is refused with the server’s message', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await loginInBrowser(page, server.baseUrl, excluded);
    await page.waitForURL((url) => url.pathname === '/my');
    const decision = page.getByTestId('my-decision');
    await decision.waitFor();
    const text = await decision.innerText();
    expect(text).toContain('您无需参加本次图像采集');
    expect(text).toContain('E6');
    await page.getByTestId('my-need-not-come').waitFor();
    await expect(page.getByTestId('my-sessions').count()).resolves.toBe(0);
    await screenshot(page, 'd7-my-excluded');

    // the server refuses the student's own booking, with the rule, in the asked language
    const self = await ApiClient.login(server.baseUrl, excluded.username, excluded.password);
    const refused = await self.request<ErrorBody>('POST', '/api/bookings', { body: { sessionId: nextPm.id }, headers: { 'Idempotency-Key': crypto.randomUUID() } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('STUDENT_NOT_ELIGIBLE');
    expect(refused.body.error.message).toContain('E6');
    await context.close();

    // the admin trying on their behalf sees the same refusal in the card
    await adminPage.goto(`${server.baseUrl}/students/${ids['2101004']}`);
    const card = adminPage.getByTestId('staff-booking-card');
    await card.getByTestId('staff-booking-none').waitFor();
    await card.getByTestId('staff-session-select').click();
    await adminPage.locator('.ant-select-item-option').filter({ hasText: chineseDay(nextPm.date) }).filter({ hasText: '13:00–17:30' }).first().click();
    await card.getByTestId('staff-book').click();
    const error = card.getByTestId('staff-booking-error');
    await error.waitFor();
    expect(await error.innerText()).toContain(refused.body.error.message);
    expect((await bookingOf('2101004')).booking).toBeNull();
    await screenshot(adminPage, 'd8-staff-refused');
    expect(dialogs).toEqual([]);
  });

  it('phone size (375×812): the student page and the schedule fit the screen', async () => {
    const phone = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' };
    const studentPhone = await (await browser.newContext({ ...phone, timezoneId: 'America/Los_Angeles' })).newPage();
    await loginInBrowser(studentPhone, server.baseUrl, student);
    await studentPhone.waitForURL((url) => url.pathname === '/my');
    await studentPhone.locator(`[data-testid="my-booking"][data-session-id="${dayAm.id}"]`).waitFor();
    await studentPhone.getByTestId(`choice-${nextAm.id}`).waitFor();
    await screenshot(studentPhone, 'd9-phone-my');
    expect(await horizontalOverflow(studentPhone)).toBeLessThanOrEqual(0);
    // English: the same page, the server's reason in English
    await studentPhone.getByText('EN', { exact: true }).click();
    await studentPhone.getByTestId('my-decision').getByText('You must take part in this photo campaign').waitFor();
    expect(await studentPhone.getByTestId('my-reason').innerText()).toMatch(/dual-certificate/);
    await screenshot(studentPhone, 'd9-phone-my-en');
    expect(await horizontalOverflow(studentPhone)).toBeLessThanOrEqual(0);
    await studentPhone.getByText('中', { exact: true }).click();

    const adminPhone = await (await browser.newContext(phone)).newPage();
    await loginInBrowser(adminPhone, server.baseUrl, admin);
    await adminPhone.goto(`${server.baseUrl}/schedule`);
    await adminPhone.getByTestId(`session-${dayAm.id}`).waitFor();
    await screenshot(adminPhone, 'd9-phone-schedule');
    expect(await horizontalOverflow(adminPhone)).toBeLessThanOrEqual(0);
    await adminPhone.getByText('EN', { exact: true }).click();
    await adminPhone.getByText('Schedule and bookings').waitFor();
    await screenshot(adminPhone, 'd9-phone-schedule-en');
    expect(await horizontalOverflow(adminPhone)).toBeLessThanOrEqual(0);
  });
});
