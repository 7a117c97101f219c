// Journey: the station working from the queue at one student a minute (issue 9 sections 2 and 5; C4, E4–E6).
// Three students are checked in over the API (the site takes no payment first). The operator signs in and
// lands on the station; the focus is in the scan box; N calls the first ticket and its masked student becomes
// the station's student at once; S skips them (back of the queue); N calls the next; the ticket is transferred
// to another station, whose page then shows the student while this one no longer names them. A student who must
// not be photographed is refused with the rule in words; a shortcut letter typed into the box is just a letter.
// Screens at 1366×768 (the essentials without scrolling) and on a phone (390×844, stacked).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, ROOT, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'sq-admin', password: 'Sq-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'sq-operator', password: 'Sq-operator-pass-2024', role: 'operator' as const };
// demoRoster: 2101001 张三, 2101002 李四, 2101006 钱七 must be photographed (E1, E2, E3); 2101004 赵六 is single-certificate (E6)
const QUEUED = ['2101001', '2101002', '2101006'];
const EXCLUDED = '2101004';
const PHOTO = path.join(ROOT, 'test', 'fixtures', 'photos', 'id-blue-12mp.jpg');

interface Station {
  currentStudent: { studentNo: string; name: string } | null;
}

async function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
}

describe('the station works from the queue: N calls, S skips, transfer to another station (issue 9 §2, §5)', () => {
  let server: TestServer;
  let browser: Browser;
  let api: ApiClient;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, operator]);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await api.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    expect((await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows))).status).toBe(200);
    // this site takes payment after the photo: check-in gives a ticket at once
    expect((await api.request('PUT', '/api/sites/beijing/payment-settings', { body: { paymentBeforeQueue: false } })).status).toBe(200);
    for (const [i, studentNo] of QUEUED.entries()) {
      const done = await api.request<{ ticket: { number: string } }>('POST', '/api/checkins', { body: { studentNo, collectionCode: `SQ-CODE-${i}-7788`, site: 'beijing' } });
      expect(done.status).toBe(201);
      expect(done.body.ticket.number).toBe(`B-00${i + 1}`);
    }
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the operator lands on the station after sign-in; the queue of the station’s site shows 3 waiting, masked; the focus is in the scan box', async () => {
    await loginInBrowser(page, server.baseUrl, operator);
    await page.waitForURL((url) => url.pathname === '/station');
    await page.locator('[data-testid="station-page"][data-station="beijing-1"]').waitFor();
    await page.locator('[data-testid="station-queue"][data-site="beijing"]').waitFor();
    await page.locator('[data-testid="station-queue-waiting"][data-count="3"]').waitFor();
    expect(await page.getByTestId('station-call-next').innerText()).toMatch(/叫下一位 \(3\)/);
    const next = await page.getByTestId('station-queue-next').innerText();
    expect(next).toContain('B-001');
    expect(next).toContain('张*');
    expect(next).not.toContain('张三');
    for (const key of ['N', 'Enter', 'C', 'R', 'S']) expect(await page.getByTestId('station-shortcuts').innerText()).toContain(key);
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'station-student-input');
  });

  it('N calls B-001: its masked student is the station’s student at once; the essentials fit 1366×768 without scrolling', async () => {
    await page.keyboard.press('n');
    await page.locator('[data-testid="station-ticket-number"]', { hasText: 'B-001' }).waitFor();
    expect(await page.getByTestId('station-student-name').innerText()).toBe('张*');
    expect(await page.getByTestId('station-student-no').innerText()).toBe('2101001');
    expect((await api.get<Station>('/api/stations/beijing-1')).currentStudent?.studentNo).toBe('2101001');
    await page.locator('[data-testid="station-queue-waiting"][data-count="2"]').waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'station-student-input');
    for (const id of ['station-queue', 'station-current', 'station-shot', 'station-call-next', 'station-student-input']) {
      const box = await page.getByTestId(id).boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.y, id).toBeGreaterThanOrEqual(0);
      expect(box!.y + Math.min(box!.height, 120), `${id} starts within the window`).toBeLessThanOrEqual(768);
    }
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'station-queue-desktop-called', false);
  });

  it('a shortcut letter typed into the box is a letter, not a shortcut', async () => {
    await page.getByTestId('station-student-input').pressSequentially('2n');
    expect(await page.getByTestId('station-student-input').inputValue()).toBe('2n');
    expect(await page.getByTestId('station-ticket-number').innerText()).toBe('B-001');
    await page.getByTestId('station-student-input').fill('');
  });

  it('S skips B-001 (back of the queue, said so); the station no longer names them; N calls B-002', async () => {
    await page.getByTestId('station-student-input').focus();
    await page.keyboard.press('s');
    await page.getByText('B-001 已过号，排到队尾（再过号一次将移出队列）').waitFor();
    await page.getByTestId('station-no-student').waitFor();
    await page.locator('[data-testid="station-called"][data-ticket-id=""]').waitFor();
    await page.locator('[data-testid="station-queue-waiting"][data-count="3"]').waitFor();
    expect(await page.getByTestId('station-queue-next').innerText()).toMatch(/B-002[\s\S]*B-003[\s\S]*B-001/);
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'station-student-input');
    await page.keyboard.press('n');
    await page.locator('[data-testid="station-ticket-number"]', { hasText: 'B-002' }).waitFor();
    await page.locator('[data-testid="station-student-name"]', { hasText: '李*' }).waitFor();
    expect(await page.getByTestId('station-student-no').innerText()).toBe('2101002');
  });

  it('the camera’s shot of B-002 shows beside the queue and the student at 1366×768; N before the student confirmed asks first, and keeps shooting by default', async () => {
    // the hot-folder agent's upload, for the student named at beijing-1
    const form = new FormData();
    form.append('studentNo', '2101002');
    form.append('station', 'beijing-1');
    form.append('file', new Blob([new Uint8Array(readFileSync(PHOTO))]), 'IMG_0001.JPG');
    const login = await fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: operator.username, password: operator.password }) });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const uploaded = await fetch(`${server.baseUrl}/api/photos`, { method: 'POST', headers: { Cookie: cookie }, body: form });
    expect(uploaded.status).toBe(201);
    await page.locator('[data-testid="station-shot"][data-photo-id]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="station-image"]');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    const image = (await page.getByTestId('station-image').boundingBox())!;
    expect(image.y + image.height).toBeLessThanOrEqual(768);
    await screenshot(page, 'station-queue-desktop-shot', false);

    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'station-student-input');
    await page.keyboard.press('n');
    const ask = page.locator('.ant-modal', { hasText: 'B-002 的照片还没有确认' });
    await ask.waitFor();
    // the default button is "keep shooting": Enter does not call the next student
    expect(await page.evaluate(() => document.activeElement?.textContent ?? '')).toMatch(/继续\s*拍摄/);
    await page.keyboard.press('Enter');
    await ask.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'station-student-input');
    expect(await page.getByTestId('station-ticket-number').innerText()).toBe('B-002');
    await page.locator('[data-testid="station-queue-waiting"][data-count="2"]').waitFor();
  });

  it('C asks the student to confirm: it presses the shot’s confirm button (data-shortcut="confirm"); the focus stays in the scan box', async () => {
    const confirmButton = page.locator('[data-shortcut="confirm"]');
    await confirmButton.waitFor();
    expect(await focusedTestId(page)).toBe('station-student-input');
    await page.keyboard.press('c');
    // the shot now waits for the student: its confirm button has done its work and is gone
    await confirmButton.waitFor({ state: 'detached' });
    expect(await focusedTestId(page)).toBe('station-student-input');
    // pressed again with no such button: nothing happens
    await page.keyboard.press('c');
    expect(await page.getByTestId('station-ticket-number').innerText()).toBe('B-002');
  });

  it('transfers B-002 to beijing-2: this station no longer names the student; beijing-2’s page shows them', async () => {
    await page.getByTestId('station-transfer').click();
    const dialog = page.locator('.ant-modal', { hasText: '把 B-002 转到其他机位' });
    await dialog.waitFor();
    // shortcuts do nothing while a dialog is open
    await page.keyboard.press('n');
    // beijing-2 is offered as free; choosing it fills the box
    expect(await page.getByTestId('transfer-option-beijing-2').innerText()).toContain('空闲');
    await page.getByTestId('transfer-option-beijing-2').click();
    expect(await page.getByTestId('transfer-station').inputValue()).toBe('beijing-2');
    await screenshot(page, 'station-queue-desktop-transfer', false);
    await page.getByTestId('transfer-ok').click();
    await page.getByText('B-002 已转到机位 beijing-2').waitFor();
    await page.getByTestId('station-no-student').waitFor();
    await page.locator('[data-testid="station-called"][data-ticket-id=""]').waitFor();
    // the dialog closed: the focus is back in the scan box; N was not taken while it was open
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'station-student-input');
    expect(await focusedTestId(page)).toBe('station-student-input');
    await page.locator('[data-testid="station-queue-waiting"][data-count="2"]').waitFor();
    expect((await api.get<Station>('/api/stations/beijing-1')).currentStudent).toBeNull();
    expect((await api.get<Station>('/api/stations/beijing-2')).currentStudent?.studentNo).toBe('2101002');

    const other = await context.newPage();
    await other.goto(`${server.baseUrl}/station`);
    await other.getByTestId('station-id-input').fill('beijing-2');
    await other.getByTestId('station-id-switch').click();
    await other.locator('[data-testid="station-page"][data-station="beijing-2"]').waitFor();
    await other.locator('[data-testid="station-ticket-number"]', { hasText: 'B-002' }).waitFor();
    expect(await other.getByTestId('station-student-name').innerText()).toBe('李*');
    expect(await other.getByTestId('station-student-no').innerText()).toBe('2101002');
    await screenshot(other, 'station-queue-desktop-transferred', false);
    await other.close();
  });

  it('a student who must not be photographed is not set: the rule is said in words and the typed number stays (E6)', async () => {
    await page.bringToFront();
    await page.getByTestId('station-student-input').fill(EXCLUDED);
    await page.keyboard.press('Enter');
    const error = page.getByTestId('station-student-error');
    await error.waitFor();
    const text = await error.innerText();
    expect(text).toContain('不能设为当前学生');
    expect(text).toContain('E6');
    expect(text).toContain('单证（仅学位）研究生不参加本次学历图像采集。');
    expect(await page.getByTestId('station-student-input').inputValue()).toBe(EXCLUDED);
    await page.getByTestId('station-no-student').waitFor();
    expect((await api.get<Station>('/api/stations/beijing-1')).currentStudent).toBeNull();
    await screenshot(page, 'station-queue-desktop-refused', false);
  });

  it('a station whose id names no site asks for its site once and remembers it with the station', async () => {
    await page.getByTestId('station-id-input').fill('lab-a');
    await page.getByTestId('station-id-switch').click();
    await page.locator('[data-testid="station-page"][data-station="lab-a"]').waitFor();
    await page.locator('[data-testid="station-queue"][data-site=""]').waitFor();
    expect(await page.getByTestId('station-call-next').isDisabled()).toBe(true);
    expect(await page.getByTestId('station-queue').innerText()).toContain('机位编号不以 beijing- 或 shenzhen- 开头');
    await page.getByTestId('station-queue-site').click();
    await page.locator('.ant-select-dropdown').getByText('北京', { exact: true }).click();
    await page.locator('[data-testid="station-queue"][data-site="beijing"]').waitFor();
    await page.locator('[data-testid="station-queue-waiting"][data-count="2"]').waitFor();
    expect(await page.getByTestId('station-call-next').isDisabled()).toBe(false);
    await page.reload();
    await page.locator('[data-testid="station-page"][data-station="lab-a"]').waitFor();
    await page.locator('[data-testid="station-queue"][data-site="beijing"]').waitFor();
  });

  it('on a phone the queue, the student and the shot stack; nothing overflows sideways', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const p = await phone.newPage();
    await loginInBrowser(p, server.baseUrl, operator);
    await p.evaluate(() => localStorage.setItem('gradphoto.station', 'beijing-2'));
    await p.goto(`${server.baseUrl}/station`);
    await p.locator('[data-testid="station-ticket-number"]', { hasText: 'B-002' }).waitFor();
    await p.locator('[data-testid="station-student-name"]', { hasText: '李*' }).waitFor();
    const queue = (await p.getByTestId('station-queue').boundingBox())!;
    const current = (await p.getByTestId('station-current').boundingBox())!;
    const shot = (await p.getByTestId('station-shot').boundingBox())!;
    expect(current.y).toBeGreaterThanOrEqual(queue.y + queue.height - 1);
    expect(shot.y).toBeGreaterThanOrEqual(current.y + current.height - 1);
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    expect((await p.getByTestId('station-call-next').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await screenshot(p, 'station-queue-phone');
    // in English
    await p.evaluate(() => localStorage.setItem('gradphoto.lang', 'en'));
    await p.reload();
    await p.locator('[data-testid="station-ticket-number"]', { hasText: 'B-002' }).waitFor();
    expect(await p.getByTestId('station-call-next').innerText()).toMatch(/Call next \(2\)/);
    expect(await p.getByTestId('station-called').innerText()).toContain('Skip: the student did not come and goes to the back of the queue; a second skip removes the ticket.');
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    await screenshot(p, 'station-queue-phone-en', false);
    await phone.close();
  });
});
