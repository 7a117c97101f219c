// Journey (f): the photographer's station (issue #4 parts 1, 5 and 8; C3). An operator signs in, picks the
// station (remembered), sets the student by number (masked name, department, decision), uploads a camera
// JPEG through the page, sees the 480×640 photo and its checks report, and the student confirms after being
// asked once more; a second upload for the student is then refused with the C3 message. A student who must
// not be photographed is flagged as soon as they are set. Screens at 1366×768 and on a phone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, ROOT, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'e2e-operator', password: 'E2e-operator-pass-2024', role: 'operator' as const };
// 2101001 张三: 物理学院, required (E1). 2101004 赵六: single certificate (E6), not to be photographed.
const STUDENT = '2101001';
const EXCLUDED = '2101004';
const PHOTO = path.join(ROOT, 'test', 'fixtures', 'photos', 'id-blue-12mp.jpg');
const NO_FACE = path.join(ROOT, 'test', 'fixtures', 'photos', 'fault-no-face.jpg');
// A 1×1 PNG: what a phone's screenshot renamed .jpg looks like to the server (refused: only camera JPEGs)
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const VIEWPORT = { width: 1366, height: 768 };

/** The element is drawn inside the window as it is scrolled now (the operator sees it without scrolling). */
async function inWindow(locator: Locator): Promise<void> {
  await locator.waitFor();
  const box = await locator.boundingBox();
  expect(box, 'drawn').not.toBeNull();
  expect(box!.y, 'below the top of the window').toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height, 'above the bottom of the window').toBeLessThanOrEqual(VIEWPORT.height);
}

interface PhotoList {
  items: { id: string; accepted: boolean; confirmed: boolean; checks: { id: string; status: string }[] }[];
}

describe('the photographer’s station: set the student, see the shot and its checks, the student confirms (C3)', () => {
  let server: TestServer;
  let browser: Browser;
  let api: ApiClient;
  let context: BrowserContext;
  let page: Page;
  let studentId: string;
  let noFaceId: string;

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, operator]);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await api.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    const applied = await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows));
    expect(applied.status).toBe(200);
    studentId = (await api.get<{ items: { id: string; studentNo: string }[] }>(`/api/students?q=${STUDENT}`)).items.find((s) => s.studentNo === STUDENT)!.id;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'zh-CN' });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the operator opens the station from the menu and picks a station, which is remembered', async () => {
    await loginInBrowser(page, server.baseUrl, operator);
    await page.locator('.ant-layout-sider .ant-menu').getByText('拍摄工位').click();
    await page.waitForURL((url) => url.pathname === '/station');
    await page.getByTestId('station-page').waitFor();
    // a bad station id is refused on the page, with the reason
    await page.getByTestId('station-id-input').fill('Beijing 2');
    await page.getByTestId('station-id-switch').click();
    await page.getByText('工位编号只能包含小写字母、数字和 -，最多 32 个字符').waitFor();
    await page.getByTestId('station-id-input').fill('beijing-2');
    await page.getByTestId('station-id-switch').click();
    await page.locator('[data-testid="station-page"][data-station="beijing-2"]').waitFor();
    await page.getByTestId('station-no-student').waitFor();
    await page.reload();
    await page.locator('[data-testid="station-page"][data-station="beijing-2"]').waitFor();
  });

  it('a student who must not be photographed is not set: the rule is said at once (E6)', async () => {
    await page.getByTestId('station-student-input').fill(EXCLUDED);
    await page.getByTestId('station-set-student').click();
    const refused = page.getByTestId('station-student-error');
    await refused.waitFor();
    expect(await refused.innerText()).toContain('E6');
    expect(await refused.innerText()).toContain('单证（仅学位）研究生不参加本次学历图像采集。');
    // an unknown number: the server's message, the station unchanged (still empty)
    await page.getByTestId('station-student-input').fill('2109999');
    await page.getByTestId('station-set-student').click();
    await page.getByTestId('station-student-error').getByText('未找到该学生').waitFor();
    await page.getByTestId('station-no-student').waitFor();
  });

  it('sets the student: masked name, number, department and decision; the live area waits for a photo', async () => {
    await page.getByTestId('station-student-input').fill(STUDENT);
    await page.getByTestId('station-set-student').click();
    await page.locator(`[data-testid="station-student"][data-student-id="${studentId}"]`).waitFor();
    // an operator sees 张*, never the full name (docs/rules/campaign-rules.md: who uses the product)
    expect(await page.getByTestId('station-student-name').innerText()).toBe('张*');
    expect(await page.getByTestId('station-student-decision').innerText()).toBe('须采集');
    expect(await page.getByTestId('station-current').innerText()).toContain('物理学院');
    await page.getByTestId('station-waiting').waitFor();
    const station = await api.get<{ currentStudent: { studentNo: string; name: string } | null }>('/api/stations/beijing-2');
    expect(station.currentStudent?.studentNo).toBe(STUDENT);
    await screenshot(page, 'station-desktop-waiting');
  });

  it('a shot without a face: the face count is 未通过, the checks that could not be run are 未检查, not 未通过 (L4)', async () => {
    await page.getByTestId('station-upload').locator('input[type="file"]').setInputFiles({ name: 'IMG_0000.JPG', mimeType: 'image/jpeg', buffer: readFileSync(NO_FACE) });
    const shot = page.locator('[data-testid="station-shot"][data-photo-id]');
    await shot.waitFor({ timeout: 60_000 });
    noFaceId = (await shot.getAttribute('data-photo-id'))!;
    const faces = page.getByTestId('check-faces');
    expect([await faces.getAttribute('data-status'), await faces.getAttribute('data-measured')]).toEqual(['fail', 'true']);
    expect(await faces.innerText()).toContain('未通过');
    for (const id of ['format', 'geometry', 'background', 'exposure', 'sharpness', 'pose']) {
      const row = page.getByTestId(`check-${id}`);
      expect(await row.getAttribute('data-measured')).toBe('false');
      expect(await row.locator('.ant-tag').innerText()).toBe('未检查');
    }
    // the failed measurement comes first
    expect(await page.getByTestId('checks').locator('li').first().getAttribute('data-testid')).toBe('check-faces');
    expect(await page.getByTestId('station-verdict').innerText()).not.toBe('检测通过');
    await screenshot(page, 'station-desktop-no-face');
  });

  it('uploads a camera JPEG through the page and shows the 480×640 photo with its checks report', async () => {
    await page.getByTestId('station-upload').locator('input[type="file"]').setInputFiles({ name: 'IMG_0001.JPG', mimeType: 'image/jpeg', buffer: readFileSync(PHOTO) });
    const shot = page.locator('[data-testid="station-shot"][data-photo-id]');
    await expect.poll(() => shot.getAttribute('data-photo-id'), { timeout: 60_000 }).not.toBe(noFaceId);
    const photoId = await shot.getAttribute('data-photo-id');
    const list = await api.get<PhotoList>(`/api/students/${studentId}/photos`);
    expect(list.items.map((p) => p.id)).toEqual([photoId, noFaceId]);
    const report = list.items[0]!;
    expect(report.accepted).toBe(true);

    // the image came from getPhotoImage at its standard size
    const image = page.getByTestId('station-image');
    await image.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="station-image"]');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    expect(await image.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([480, 640]);

    // one row per check, with the status the server gave
    for (const check of report.checks) {
      await expect(page.getByTestId(`check-${check.id}`).getAttribute('data-status')).resolves.toBe(check.status);
    }
    expect(await page.getByTestId('checks').locator('li').count()).toBe(7);
    const checksText = await page.getByTestId('checks').innerText();
    for (const label of ['格式（F1）', '构图（F2）', '背景（F3）', '曝光与对比度', '清晰度', '人脸数量', '姿态与倾斜', '测得', '标准']) expect(checksText).toContain(label);
    expect(await page.getByTestId('station-verdict').innerText()).toBe('检测通过');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'station-desktop-report');
  });

  it('a refused upload is said where the operator looks (a toast and the latest-photo panel), naming the file; the last shot stays (M6)', async () => {
    const shot = page.locator('[data-testid="station-shot"][data-photo-id]');
    const previous = await shot.getAttribute('data-photo-id');
    const upload = async (name: string) => {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.getByTestId('station-upload').locator('input[type="file"]').setInputFiles({ name, mimeType: 'image/jpeg', buffer: PNG });
    };
    await upload('IMG_0003.JPG');
    // the toast, wherever the page is scrolled to
    const toast = page.locator('.ant-message-notice', { hasText: 'IMG_0003.JPG' });
    await inWindow(toast);
    expect(await toast.innerText()).toContain('不支持的照片格式：PNG');
    // the latest-photo panel says it too, above the shot it still shows (the previous one)
    await page.evaluate(() => window.scrollTo(0, 0));
    const notice = page.getByTestId('station-shot-refused');
    await inWindow(notice);
    const text = await notice.innerText();
    expect(text).toContain('照片被拒收：IMG_0003.JPG');
    expect(text).toContain('不支持的照片格式：PNG');
    expect(text).toContain('下面仍是上一张照片');
    expect(await shot.getAttribute('data-photo-id')).toBe(previous);
    expect((await api.get<PhotoList>(`/api/students/${studentId}/photos`)).items.map((p) => p.id)).toEqual([previous, noFaceId]);
    // the upload card keeps its own note (further down)
    expect(await page.getByTestId('station-upload-error').innerText()).toContain('IMG_0003.JPG');
    await screenshot(page, 'station-desktop-upload-refused', false);

    // in English: the server's reason and the page's words (the language set as the switch sets it: the toast
    // may cover the switch)
    await page.evaluate(() => localStorage.setItem('gradphoto.lang', 'en'));
    await page.reload();
    await shot.waitFor();
    await page.getByText('Newest photo', { exact: true }).waitFor();
    await upload('IMG_0004.JPG');
    const toastEn = page.locator('.ant-message-notice', { hasText: 'IMG_0004.JPG' });
    await inWindow(toastEn);
    await page.evaluate(() => window.scrollTo(0, 0));
    await inWindow(notice);
    await expect.poll(() => notice.innerText()).toContain('Photo refused: IMG_0004.JPG');
    expect(await notice.innerText()).toContain('Unsupported photo format: PNG');
    expect(await notice.innerText()).toContain('the photo below is the previous one');
    await screenshot(page, 'station-desktop-upload-refused-en', false);
    // dismissed by the operator
    await notice.locator('.ant-alert-close-icon').click();
    await notice.waitFor({ state: 'detached' });
    await page.evaluate(() => localStorage.setItem('gradphoto.lang', 'zh'));
    await page.reload();
    await page.getByText('最新照片', { exact: true }).waitFor();
  });

  it('the operator confirms in the student’s presence after being asked once more (C3); the shot is locked', async () => {
    // the student without a phone: the operator's own button opens a panel beside the photo (issue 9 section 4)
    await page.getByTestId('station-confirm').click();
    const panel = page.getByTestId('station-confirm-panel');
    await panel.waitFor();
    expect(await panel.innerText()).toContain('确认后不可重拍或修改（C3）');
    // "look again" changes nothing
    await panel.getByTestId('station-confirm-cancel').click();
    await panel.waitFor({ state: 'detached' });
    expect((await api.get<PhotoList>(`/api/students/${studentId}/photos`)).items[0]!.confirmed).toBe(false);

    await page.getByTestId('station-confirm').click();
    await page.getByTestId('station-confirm-ok').click();
    await page.getByTestId('station-confirmed').waitFor();
    expect((await api.get<PhotoList>(`/api/students/${studentId}/photos`)).items[0]!.confirmed).toBe(true);
    expect(await page.getByTestId('station-confirm').count()).toBe(0);
    await screenshot(page, 'station-desktop-confirmed');
  });

  it('a second upload for the confirmed student is refused with the C3 message', async () => {
    const second = Buffer.concat([readFileSync(PHOTO).subarray(0, 2), Buffer.from([0xff, 0xfe, 0x00, 0x08]), Buffer.from('retake'), readFileSync(PHOTO).subarray(2)]);
    await page.getByTestId('station-upload').locator('input[type="file"]').setInputFiles({ name: 'IMG_0002.JPG', mimeType: 'image/jpeg', buffer: second });
    const error = page.getByTestId('station-upload-error');
    await error.waitFor({ timeout: 60_000 });
    const text = await error.innerText();
    expect(text).toContain('照片被拒收');
    expect(text).toContain('该学生已确认照片，不能再拍摄或修改（C3）');
    expect((await api.get<PhotoList>(`/api/students/${studentId}/photos`)).items).toHaveLength(2);
    await page.evaluate(() => window.scrollTo(0, 0));
    await inWindow(page.getByTestId('station-shot-refused'));
    expect(await page.getByTestId('station-shot-refused').innerText()).toContain('该学生已确认照片，不能再拍摄或修改（C3）');
    await screenshot(page, 'station-desktop-refused');
  });

  it('works on a phone: nothing overflows sideways, the buttons are big', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const p = await phone.newPage();
    await loginInBrowser(p, server.baseUrl, operator);
    await p.evaluate(() => localStorage.setItem('gradphoto.station', 'beijing-2'));
    await p.goto(`${server.baseUrl}/station`);
    await p.getByTestId('station-confirmed').waitFor();
    await p.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="station-image"]');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    const button = await p.getByTestId('station-set-student').boundingBox();
    expect(button!.height).toBeGreaterThanOrEqual(44);
    await screenshot(p, 'station-phone');
    // in English
    await p.evaluate(() => localStorage.setItem('gradphoto.lang', 'en'));
    await p.reload();
    await p.getByTestId('station-confirmed').waitFor();
    expect(await p.getByTestId('station-confirmed').innerText()).toBe('Confirmed (C3)');
    expect(await p.getByTestId('checks').innerText()).toContain('Background (F3)');
    // F3 finding 4: "measured: …" with an English colon, never the Chinese "："
    const checksEn = await p.getByTestId('checks').innerText();
    expect(checksEn).toContain('measured: ');
    expect(checksEn).not.toContain('：');
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    await screenshot(p, 'station-phone-en');
    // the next student: the station empties
    await p.getByTestId('station-clear-student').click();
    await p.getByTestId('station-no-student').waitFor();
    await screenshot(p, 'station-phone-next');
    await phone.close();
  });
});
