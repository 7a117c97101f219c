// Journey (f): the campaign notice (issue #3 part 5). Signed out, anyone opens /notice from the login page
// and reads it in Chinese on a desktop and on a phone (no sideways scrolling), downloads its PDF, switches to
// English. A required student's page (/my) shows the date by which to fetch the collection code (C1, counted
// in Asia/Shanghai while the browser is in Los Angeles), and a weekend session (S3) and the other site's
// sessions (S4) as not bookable, with the reason, instead of a button the server would refuse.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-notice-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
// 2101001: 物理学院, dual certificate, graduates in a target term (E1), not employed: no weekend (S3).
const student = { username: '2101001', password: 'Student-pass-2024', role: 'student' as const };

interface Campaign {
  id: string;
  targetTerms: string[];
  retakeBefore: string;
  weekendDays: string[];
  departments: { name: string; day: string; site: string }[];
}
interface Session {
  id: string;
  site: string;
  date: string;
  start: string;
  weekend: boolean;
}

/** `2024-11-03` → `11月3日`, as the pages write a day. */
function chineseDay(date: string): string {
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
}

function minusDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

describe('the notice: public page and PDF; the student’s page', () => {
  let server: TestServer;
  let browser: Browser;
  let api: ApiClient;
  let campaign: Campaign;
  let sessions: Session[];

  beforeAll(async () => {
    server = await startServer();
    await addUser(server.dataDir, admin);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    campaign = await api.get<Campaign>('/api/campaign');
    const applied = await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows));
    expect(applied.status).toBe(200);
    await addUser(server.dataDir, student);
    sessions = (await api.get<{ items: Session[] }>('/api/sessions')).items;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signed out, the login page links to /notice, which shows the notice in Chinese (1366×768)', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId('login-notice-link').click();
    await page.waitForURL((url) => url.pathname === '/notice');
    await page.getByTestId('notice-title').waitFor();
    expect(await page.getByTestId('notice-title').innerText()).toMatch(/^关于.*研究生图像采集的通知$/);
    const facts = await page.getByTestId('notice-facts').innerText();
    for (const words of ['采集日期', '09:30–12:00', '13:00–17:30', '北京时间', '新太阳学生活动中心', '20 元/套', '仅限电子支付']) expect(facts).toContain(words);
    const body = await page.getByTestId('notice').innerText();
    for (const words of ['须参加采集的同学', '双证', '单证', '采集码', '至少提前 3 天', '学信网', '深色正装', '不戴帽子', '图片社北京分店', '其他城市', '在职研究生', '深圳研究生院']) expect(body).toContain(words);
    // the department table, exactly the campaign's days; the physics department on its day
    const physicsDay = campaign.departments.find((d) => d.name === '物理学院')!.day;
    const row = await page.getByTestId(`notice-day-${physicsDay}`).innerText();
    expect(row).toContain('物理学院');
    expect(row).toContain(chineseDay(physicsDay));
    expect(row).toContain(chineseDay(minusDays(physicsDay, 3))); // fetch the code by (C1)
    for (const weekend of campaign.weekendDays) expect(await page.getByTestId(`notice-day-${weekend}`).innerText()).toContain('周末');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    // nobody was sent to the login page, and the PDF link works signed out
    expect(new URL(page.url()).pathname).toBe('/notice');
    const href = await page.getByTestId('notice-pdf').getAttribute('href');
    expect(href).toBe('/api/notice.pdf?lang=zh');
    expect(await page.getByTestId('notice-pdf').innerText()).toContain('下载 PDF');
    const pdf = await page.request.get(`${server.baseUrl}${href}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect(pdf.headers()['content-disposition']).toBe(`inline; filename="notice-${campaign.id}.pdf"`);
    expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await screenshot(page, 'notice-desktop');

    // English, by the language switch
    await page.getByText('English').click();
    await page.getByTestId('notice-title').getByText('Notice:').waitFor();
    expect(await page.getByTestId('notice-pdf').getAttribute('href')).toBe('/api/notice.pdf?lang=en');
    await screenshot(page, 'notice-desktop-en');
    await context.close();
  });

  it('on a phone (390×844) the notice reads without sideways scrolling, one block per day', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/notice`);
    await page.getByTestId('notice-title').waitFor();
    expect(await page.getByTestId('notice-title').innerText()).toContain('通知');
    const physicsDay = campaign.departments.find((d) => d.name === '物理学院')!.day;
    expect(await page.getByTestId(`notice-day-${physicsDay}`).innerText()).toContain('物理学院');
    expect(await page.locator('table').count()).toBe(1); // only the facts; the day table became blocks
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.getByTestId('notice-pdf').waitFor();
    await screenshot(page, 'notice-phone');
    await context.close();
  });

  it('a student’s page: the date to fetch the code by, and the weekend and the other site not bookable, with the reason', async () => {
    // The student's browser is in Los Angeles: the campaign's days and times (Asia/Shanghai) must not move.
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'America/Los_Angeles' });
    const page = await context.newPage();
    await loginInBrowser(page, server.baseUrl, student);
    await page.waitForURL((url) => url.pathname === '/my');
    const physicsDay = campaign.departments.find((d) => d.name === '物理学院')!.day;

    // C1: three days before the department's day, as the server counts it in Asia/Shanghai
    const codeBy = page.getByTestId('my-code-by');
    await codeBy.waitFor();
    await expect(codeBy.getAttribute('data-date')).resolves.toBe(minusDays(physicsDay, 3));
    expect(await codeBy.innerText()).toContain(chineseDay(minusDays(physicsDay, 3)));
    const bring = await page.getByTestId('my-bring').innerText();
    for (const words of ['采集码', '至少提前 3 天', '深色正装', '不戴帽子', '20 元/套', '电子支付']) expect(bring).toContain(words);
    expect(await page.getByTestId('my-notice-link').getAttribute('href')).toBe('/notice');

    // S3: a weekend session of their own site: no button, "不可预约" and the reason
    const weekend = sessions.find((s) => s.site === 'beijing' && s.weekend)!;
    const choice = page.getByTestId(`choice-${weekend.id}`);
    await choice.waitFor();
    await expect(page.getByTestId(`book-${weekend.id}`).count()).resolves.toBe(0);
    await expect(page.getByTestId(`not-bookable-${weekend.id}`).getAttribute('data-reason')).resolves.toBe('WEEKEND_NOT_ALLOWED');
    const text = await choice.innerText();
    expect(text).toContain('不可预约');
    expect(text).toContain('周末时段仅供在职研究生');
    expect(text).toContain('S3');
    // a weekday session still has its button
    const weekday = sessions.find((s) => s.site === 'beijing' && !s.weekend)!;
    await page.getByTestId(`book-${weekday.id}`).waitFor();

    // S4: the Shenzhen sessions, folded, with the reason
    const other = page.getByTestId('my-other-site');
    expect(await other.innerText()).toContain('深圳');
    await other.getByText('深圳').first().click();
    await page.getByTestId('my-other-site-reason-shenzhen').waitFor();
    expect(await page.getByTestId('my-other-site-reason-shenzhen').innerText()).toContain('只能预约本人采集地点（北京）的时段');
    const shenzhen = sessions.find((s) => s.site === 'shenzhen')!;
    await expect(page.getByTestId(`book-${shenzhen.id}`).count()).resolves.toBe(0);
    await page.getByTestId(`choice-${weekend.id}`).scrollIntoViewIfNeeded();
    await screenshot(page, 'notice-my-student');

    // the menu has the notice for students too; it opens the public page with a way back
    await page.locator('.ant-layout-sider .ant-menu').getByText('采集通知').click();
    await page.waitForURL((url) => url.pathname === '/notice');
    await page.getByTestId('notice-back').waitFor();
    await context.close();
  });
});
