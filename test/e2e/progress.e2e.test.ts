// Journey: progress everywhere (issue 9). The admin's overview shows the progress counts as an ECharts bar
// chart with its table (by day and by department); a department secretary filters their department's list by
// 未预约 and presses 提醒: one reminder mail per student is queued (durable jobs) and the press is audited with
// counts only. Screens of the overview and the department page at 1366×768 and on a phone (390×844): the chart
// stays inside the page.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { addUsers, ApiClient, horizontalOverflow, launchBrowser, loginInBrowser, SCREENS, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const secretary = { username: 'phys-sec', password: 'Phys-secretary-2024', role: 'secretary' as const, departments: ['物理学院'] };

const PHYSICS = '物理学院';
const MATH = '数学科学学院';
const NOT_BOOKED = ['2601001', '2601002', '2601003'];
const BOOKED = '2601004';
const MATH_BOOKED = '2601005';
const MATH_NOT_BOOKED = '2601006';

interface Sessions {
  items: { id: string; site: string; date: string; start: string }[];
}
interface AuditList {
  items: { action: string; details: Record<string, unknown>; targetId: string | null }[];
  total: number;
}

function roster(term: string): string {
  const header = '学号,姓名,院系,层次,证书类型,预计毕业时间,毕业类型,邮箱';
  const row = (no: string, name: string, department: string) => [no, name, department, '硕士', '双证', term, '毕业', `s${no}@example.edu.cn`].join(',');
  return (
    [
      header,
      row(NOT_BOOKED[0]!, '张一', PHYSICS),
      row(NOT_BOOKED[1]!, '王二', PHYSICS),
      row(NOT_BOOKED[2]!, '李三', PHYSICS),
      row(BOOKED, '赵四', PHYSICS),
      row(MATH_BOOKED, '钱五', MATH),
      row(MATH_NOT_BOOKED, '孙六', MATH),
      [`2601007`, '周七', PHYSICS, '硕士', '单证', term, '毕业', ''].join(','),
    ].join('\r\n') + '\r\n'
  );
}

describe('progress everywhere: the overview’s chart and table, the secretary’s reminder', () => {
  let server: TestServer;
  let browser: Browser;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, secretary]);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await api.get<{ targetTerms: string[] }>('/api/campaign');
    const applied = await api.upload('/api/roster/apply', 'roster.csv', roster(campaign.targetTerms[0]!));
    expect(applied.status).toBe(200);
    const sessions = (await api.get<Sessions>('/api/sessions?site=beijing')).items;
    await api.post('/api/bookings', { sessionId: sessions[0]!.id, studentNo: BOOKED });
    await api.post('/api/bookings', { sessionId: sessions[1]!.id, studentNo: MATH_BOOKED });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const open = async (viewport: { width: number; height: number }, account: { username: string; password: string }): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'zh-CN' });
    const page = await context.newPage();
    await loginInBrowser(page, server.baseUrl, account);
    return { context, page };
  };
  const chartDrawn = (page: Page) =>
    page.waitForFunction(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="progress-chart"] canvas');
      return canvas !== null && canvas.width > 0 && canvas.height > 0;
    });

  it('the admin’s overview shows the progress chart and its table, by day and by department', async () => {
    const { context, page } = await open({ width: 1366, height: 768 }, admin);
    await page.goto(`${server.baseUrl}/`);
    await page.getByTestId('progress-card').waitFor();
    await chartDrawn(page);
    const table = page.getByTestId('progress-table');
    // totals: 6 required (the single-certificate student is not), 2 booked
    await expect.poll(() => table.locator('[data-total="required"]').innerText()).toBe('6');
    expect(await table.locator('[data-total="booked"]').innerText()).toBe('2');
    expect(await table.locator('[data-total="confirmed"]').innerText()).toBe('0');
    expect(await table.innerText()).toContain('无预约或签到日期');
    await screenshot(page, 'progress-overview-desktop');

    await page.getByTestId('progress-view').getByText('按院系').click();
    await table.locator(`[data-row="${PHYSICS}"]`).waitFor();
    const physicsRow = table.locator('tr', { has: page.locator(`[data-row="${PHYSICS}"]`) });
    expect(await physicsRow.innerText()).toMatch(/物理学院\s+4\s+1/);
    await chartDrawn(page);
    await page.getByTestId('progress-card').screenshot({ path: path.join(SCREENS, 'progress-overview-by-department.png') });
    await context.close();
  });

  it('on a phone the overview’s chart and table stay inside the page', async () => {
    const { context, page } = await open({ width: 390, height: 844 }, admin);
    await page.goto(`${server.baseUrl}/`);
    await page.getByTestId('progress-card').waitFor();
    await chartDrawn(page);
    const box = await page.getByTestId('progress-chart').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(await horizontalOverflow(page)).toBe(0);
    await page.getByTestId('progress-card').scrollIntoViewIfNeeded();
    await screenshot(page, 'progress-overview-phone');
    await context.close();
  });

  it('the secretary filters 物理学院 by 未预约 and presses 提醒: one mail per student is queued, audited with counts', async () => {
    const { context, page } = await open({ width: 1366, height: 768 }, secretary);
    await page.goto(`${server.baseUrl}/department`);
    await page.getByTestId('progress-card').waitFor();
    await chartDrawn(page);
    // the department's counts only
    await expect.poll(() => page.getByTestId('progress-table').locator('[data-total="required"]').innerText()).toBe('4');
    await expect.poll(() => page.getByTestId('remind-not-booked').innerText()).toContain('3');

    await page.getByTestId('filter-progress').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').getByText('未预约', { exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('progress') === 'not-booked');
    const rows = page.getByTestId('student-table').locator('tbody tr.ant-table-row');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3);
    const text = await page.getByTestId('student-table').locator('tbody').innerText();
    for (const no of NOT_BOOKED) expect(text).toContain(no);
    expect(text).not.toContain(BOOKED);
    expect(await page.getByTestId('progress-cell').first().getAttribute('data-progress')).toBe('not-booked');
    await screenshot(page, 'progress-department-desktop');

    await page.getByTestId('remind').click();
    await page.locator('.ant-popconfirm').getByText(`向 ${PHYSICS} 未预约的学生发送提醒邮件？`).waitFor();
    await page.locator('.ant-popconfirm').getByRole('button', { name: /发\s*送/ }).click();
    const done = page.locator('.ant-message-notice').getByText(/已加入发送队列 3 封/);
    await done.waitFor();
    expect(await done.innerText()).toContain('跳过 0 人');

    const events = await api.get<AuditList>('/api/audit?action=students.reminded');
    expect(events.total).toBe(1);
    expect(events.items[0]).toMatchObject({ targetId: PHYSICS, details: { which: 'not-booked', queued: 3 } });
    expect(JSON.stringify(events.items[0])).not.toContain('@');

    // pressed again: nobody is mailed twice within 24 hours
    await page.getByTestId('remind').click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: /发\s*送/ }).click();
    await page.locator('.ant-message-notice').getByText(/已加入发送队列 0 封；跳过 3 人（24 小时内已提醒 3 人/).waitFor();
    await context.close();
  });

  it('a secretary may not remind another department (403)', async () => {
    const sec = await ApiClient.login(server.baseUrl, secretary.username, secretary.password);
    const refused = await sec.request('POST', '/api/progress/reminders', { body: { department: MATH, which: 'not-booked' } });
    expect(refused.status).toBe(403);
  });

  it('on a phone the department page shows the chart, the counts and the reminder inside the page', async () => {
    const { context, page } = await open({ width: 390, height: 844 }, secretary);
    await page.goto(`${server.baseUrl}/department?progress=not-booked`);
    await page.getByTestId('progress-card').waitFor();
    await chartDrawn(page);
    await page.getByTestId('remind-card').waitFor();
    const box = await page.getByTestId('progress-chart').boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'progress-department-phone');
    await context.close();
  });
});
