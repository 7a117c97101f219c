// Journey (b): a department secretary sees only their own department: the student list, the
// department filter and the department view are limited to 物理学院, and another department's
// student opened by URL answers "not allowed" without showing the data.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, launchBrowser, loginInBrowser, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const secretary = { username: 'phys-sec', password: 'Phys-secretary-2024', role: 'secretary' as const, departments: ['物理学院'] };

interface StudentList {
  items: { id: string; studentNo: string; name: string; department: string }[];
  total: number;
}

describe('secretary sees only their department', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let physics: StudentList;
  let mathStudent: StudentList['items'][number];

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, secretary]);
    const api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await api.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    const applied = await api.upload<{ applied: boolean }>('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows));
    expect(applied.status).toBe(200);
    physics = await api.get<StudentList>(`/api/students?department=${encodeURIComponent('物理学院')}`);
    const math = await api.get<StudentList>(`/api/students?department=${encodeURIComponent('数学科学学院')}`);
    expect(physics.total).toBeGreaterThan(0);
    mathStudent = math.items[0]!;
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })).newPage();
    await loginInBrowser(page, server.baseUrl, secretary);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists only 物理学院 students, and the department filter offers only 物理学院', async () => {
    await page.goto(`${server.baseUrl}/students`);
    const rows = page.getByTestId('student-table').locator('tbody tr.ant-table-row');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(physics.total);
    const text = await page.getByTestId('student-table').locator('tbody').innerText();
    expect(text).toContain('物理学院');
    expect(text).not.toContain('数学科学学院');
    expect(text).not.toContain(mathStudent.studentNo);

    await page.getByTestId('filter-department').click();
    const options = page.locator('.ant-select-dropdown:visible .ant-select-item-option');
    await options.first().waitFor();
    // read again until the opening dropdown has settled (its list can re-render once while it opens)
    await expect.poll(() => options.allInnerTexts(), { timeout: 10_000 }).toEqual(['物理学院']);
    await screenshot(page, 'b1-secretary-students');
    await page.keyboard.press('Escape');
  });

  it('shows the department view of 物理学院 with its counts and list', async () => {
    await page.goto(`${server.baseUrl}/department`);
    await page.getByText('院系视图：物理学院').waitFor();
    const rows = page.getByTestId('student-table').locator('tbody tr.ant-table-row');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(physics.total);
    expect(await page.getByTestId('dept-total').innerText()).toContain(String(physics.total));
    await screenshot(page, 'b2-secretary-department');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const file = await download.path();
    const head = readFileSync(file).subarray(0, 2).toString('latin1');
    expect(head).toBe('PK'); // an xlsx is a zip
  });

  it('refuses another department’s student opened by URL, without showing the data', async () => {
    await page.goto(`${server.baseUrl}/students/${encodeURIComponent(mathStudent.id)}`);
    await page.getByTestId('forbidden').waitFor();
    const body = await page.locator('body').innerText();
    expect(body).toContain('无权');
    expect(body).not.toContain(mathStudent.name);
    await expect(page.getByTestId('decision-alert').count()).resolves.toBe(0);
    await screenshot(page, 'b3-secretary-forbidden');
  });

  it('goes to the sign-in page when the session is gone (any 401), and back after signing in', async () => {
    // Start on the student list (no background requests: the department page keeps a live-counts stream,
    // whose own 401 would race the click), lose the session, then open the department view.
    await page.goto(`${server.baseUrl}/students`);
    await page.getByTestId('student-table').waitFor();
    await page.context().clearCookies();
    await page.getByRole('menuitem', { name: '院系视图' }).click();
    await page.waitForURL(`${server.baseUrl}/login`);
    await page.locator('#username').fill(secretary.username);
    await page.locator('#password').fill(secretary.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((url) => url.pathname === '/department');
  });

  it('signs out', async () => {
    await page.getByTestId('logout').click();
    await page.waitForURL(`${server.baseUrl}/login`);
    await page.goto(`${server.baseUrl}/students`);
    await page.waitForURL(`${server.baseUrl}/login`);
  });

  it('a student opening another student by URL is refused without the secretary\'s wording (outside test L8)', async () => {
    const own = physics.items[0]!;
    const student = { username: own.studentNo, password: 'Student-pass-2024-x', role: 'student' as const };
    await addUsers(server.dataDir, [student]);
    await page.context().clearCookies();
    await loginInBrowser(page, server.baseUrl, student);
    await page.goto(`${server.baseUrl}/students/${encodeURIComponent(mathStudent.id)}`);
    await page.getByTestId('forbidden').waitFor();
    const body = await page.locator('body').innerText();
    expect(body).toContain('您无权查看该学生的信息。');
    expect(body).not.toContain('负责院系');
    expect(body).not.toContain(mathStudent.name);
  });
});
