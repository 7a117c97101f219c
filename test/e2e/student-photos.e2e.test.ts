// Journey: the admin's view of a student's shots and confirmation (issue 9 section 4; C3). An operator uploads
// a shot for a student over the API and confirms it in the student's presence; the admin opens the student's
// page: the shot (image only on demand — the view is audited), its time in Beijing time, its checks in words,
// the active confirmation (who, when, where, how, code match). The admin voids it: an empty reason is refused
// with the server's message and nothing changes; with a reason the confirmation is voided and the history
// shows it with the reason; the student can then be photographed again. An operator sees the page with the
// masked name and no void button. Screens at 1366×768 and 390×844.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, ROOT, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'e2e-operator', password: 'E2e-operator-pass-2024', role: 'operator' as const };
// 2101001 张三: 物理学院, required (E1).
const STUDENT = '2101001';
const PHOTO = readFileSync(path.join(ROOT, 'test', 'fixtures', 'photos', 'id-blue-12mp.jpg'));
const REASON = '学生反映照片上眼镜反光，经核实同意重拍';

interface Shot {
  id: string;
  accepted: boolean;
  confirmed: boolean;
  confirmations: { method: string | null; stationId: string | null; voided: { reason: string } | null }[];
}

/**
 * Until the modal's opening animation is over (a screenshot taken during it shows a half-transparent dialog).
 * Only animations that end are waited for: a spinner or a loading icon still turning somewhere on the page
 * (Infinity iterations) never would — CI timed out here twice waiting for one.
 */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity));
}

/** The same JPEG with a comment segment, so that its bytes (and SHA-256) differ: a new shot. */
function variant(label: string): Buffer {
  return Buffer.concat([PHOTO.subarray(0, 2), Buffer.from([0xff, 0xfe, 0x00, 2 + label.length]), Buffer.from(label), PHOTO.subarray(2)]);
}

async function loginCookie(baseUrl: string, account: { username: string; password: string }): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
  if (!res.ok) throw new Error(`login ${account.username}: ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** uploadPhoto as the hot-folder agent sends it: studentNo, station, then the file. */
async function upload(baseUrl: string, cookie: string, bytes: Buffer, name: string): Promise<{ status: number; body: Shot & { error?: { code: string } } }> {
  const form = new FormData();
  form.append('studentNo', STUDENT);
  form.append('station', 'beijing-1');
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), name);
  const res = await fetch(`${baseUrl}/api/photos`, { method: 'POST', headers: { cookie }, body: form });
  return { status: res.status, body: (await res.json()) as Shot & { error?: { code: string } } };
}

describe('the admin sees a student’s shots and confirmation, and voids it with a reason (C3)', () => {
  let server: TestServer;
  let browser: Browser;
  let api: ApiClient;
  let operatorCookie: string;
  let context: BrowserContext;
  let page: Page;
  let studentId: string;
  let photoId: string;

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, operator]);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await api.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    expect((await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows))).status).toBe(200);
    studentId = (await api.get<{ items: { id: string; studentNo: string }[] }>(`/api/students?q=${STUDENT}`)).items.find((s) => s.studentNo === STUDENT)!.id;
    operatorCookie = await loginCookie(server.baseUrl, operator);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an operator uploads a shot over the API and confirms it with the student present', async () => {
    const shot = await upload(server.baseUrl, operatorCookie, PHOTO, 'IMG_0001.JPG');
    expect(shot.status).toBe(201);
    expect(shot.body.accepted).toBe(true);
    photoId = shot.body.id;
    const res = await fetch(`${server.baseUrl}/api/photos/${photoId}/confirm`, {
      method: 'POST',
      headers: { cookie: operatorCookie, 'content-type': 'application/json' },
      body: JSON.stringify({ stationId: 'beijing-1' }),
    });
    expect(res.status).toBe(200);
    const list = await api.get<{ items: Shot[] }>(`/api/students/${studentId}/photos`);
    expect(list.items[0]!.confirmed).toBe(true);
  });

  it('the admin opens the student: the shot with its checks in words, the confirmation (who, when, where, how)', async () => {
    await loginInBrowser(page, server.baseUrl, admin);
    await page.goto(`${server.baseUrl}/students/${studentId}`);
    const card = page.getByTestId('student-photos');
    await card.waitFor();
    await page.locator(`[data-testid="student-shot"][data-photo-id="${photoId}"][data-confirmed="true"]`).waitFor();
    expect(await page.getByTestId('student-shot').count()).toBe(1);
    expect(await page.getByTestId('student-shot-accepted').innerText()).toBe('检测通过');
    expect(await page.getByTestId('student-shot-confirmed').innerText()).toBe('已确认（C3）');
    // Beijing time, as a clock reads
    expect(await page.getByTestId('student-shot-time').innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // every check, in words, with its measured value (no raw keys)
    const checks = await page.getByTestId('checks').innerText();
    for (const label of ['格式（F1）', '构图（F2）', '背景（F3）', '曝光与对比度', '清晰度', '人脸数量', '姿态与倾斜', '通过']) expect(checks).toContain(label);
    expect(checks).toMatch(/面部平均亮度 \d+/);
    expect(checks).not.toMatch(/meanLuma|laplacianVariance|deltaE2000|eyeY/);

    const confirmation = page.getByTestId('student-confirmation');
    await confirmation.waitFor();
    expect(await page.getByTestId('confirmation-by').innerText()).toBe('e2e-operator（图片社操作员）');
    expect(await page.getByTestId('confirmation-at').innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(await page.getByTestId('confirmation-method').innerText()).toBe('操作员在学生本人在场时确认');
    expect(await page.getByTestId('confirmation-where').innerText()).toBe('beijing-1');
    expect(await page.getByTestId('confirmation-code').innerText()).not.toBe('');

    // the image only on demand; the view is an audit event, seen in the history
    expect(await page.getByTestId('student-shot-image').count()).toBe(0);
    await page.getByTestId('student-shot-view').click();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="student-shot-image"]');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    expect(await page.getByTestId('student-shot-image').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([480, 640]);
    await page.locator('[data-testid="history-event"][data-action="photo.viewed"]').waitFor();
    const history = await page.getByTestId('student-history').innerText();
    for (const text of ['查看照片', '确认照片', '上传照片', 'e2e-admin', 'e2e-operator']) expect(history).toContain(text);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'student-photos-desktop');
  });

  it('voiding needs a reason: an empty one is refused with the server’s message and nothing changes', async () => {
    await page.getByTestId('void-open').click();
    const modal = page.locator('.ant-modal').filter({ has: page.getByTestId('void-modal') });
    await modal.waitFor();
    await page.getByTestId('void-submit').click();
    const error = page.getByTestId('void-error');
    await error.waitFor();
    // the server's sentence, in the page's language (it was English inside a Chinese sentence before)
    expect(await error.innerText()).toContain('请填写作废确认的原因（至少 2 个字），确认未作废');
    expect(await modal.innerText()).toContain('请填写作废原因（至少 2 个字）');
    await settled(page);
    await screenshot(page, 'student-photos-void-refused', false);
    expect((await api.get<{ items: Shot[] }>(`/api/students/${studentId}/photos`)).items[0]!.confirmed).toBe(true);
    // one character is not a reason either
    await page.getByTestId('void-reason').fill('错');
    await page.getByTestId('void-submit').click();
    await error.waitFor();
    expect((await api.get<{ items: Shot[] }>(`/api/students/${studentId}/photos`)).items[0]!.confirmed).toBe(true);
  });

  it('with a reason the confirmation is voided, the history shows it with its reason', async () => {
    await page.getByTestId('void-reason').fill(REASON);
    await page.getByTestId('void-submit').click();
    await page.getByTestId('student-no-confirmation').waitFor();
    await page.getByText('已作废确认，学生可以重新拍照。').waitFor();
    await page.getByTestId('void-modal').waitFor({ state: 'hidden' });
    expect(await page.getByTestId('void-open').count()).toBe(0);
    const voided = page.locator('[data-testid="history-event"][data-action="photo.confirmation_voided"]');
    await voided.waitFor();
    expect(await voided.innerText()).toContain('作废照片确认');
    expect(await voided.innerText()).toContain(REASON);
    expect(await voided.innerText()).toContain('e2e-admin');
    expect(await page.getByTestId('student-shot-voided').innerText()).toContain(REASON);
    const list = await api.get<{ items: Shot[] }>(`/api/students/${studentId}/photos`);
    expect(list.items[0]!.confirmed).toBe(false);
    expect(list.items[0]!.confirmations.map((c) => c.voided?.reason)).toEqual([REASON]);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'student-photos-voided');
  });

  it('the student can be photographed again', async () => {
    const retake = await upload(server.baseUrl, operatorCookie, variant('retake'), 'IMG_0002.JPG');
    expect(retake.status).toBe(201);
    await page.reload();
    await page.locator('[data-testid="student-shot"]').nth(1).waitFor();
    expect(await page.getByTestId('student-shot').count()).toBe(2);
    await page.getByTestId('student-no-confirmation').waitFor();
  });

  it('an operator sees the masked name and the shots, without the void button or the audit history', async () => {
    // confirm the retake, so that there is a confirmation the operator could (not) void
    const list = await api.get<{ items: Shot[] }>(`/api/students/${studentId}/photos`);
    const res = await fetch(`${server.baseUrl}/api/photos/${list.items[0]!.id}/confirm`, { method: 'POST', headers: { cookie: operatorCookie, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    const p = await ctx.newPage();
    await loginInBrowser(p, server.baseUrl, operator);
    await p.goto(`${server.baseUrl}/students/${studentId}`);
    await p.getByTestId('student-confirmation').waitFor();
    expect(await p.getByTestId('student-name').innerText()).toBe('张*');
    expect(await p.getByTestId('student-shot').count()).toBe(2);
    expect(await p.getByTestId('void-open').count()).toBe(0);
    expect(await p.getByTestId('student-history').count()).toBe(0);
    await ctx.close();
  });

  it('on a phone (390×844), in Chinese and in English: nothing overflows sideways', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const p = await phone.newPage();
    await loginInBrowser(p, server.baseUrl, admin);
    await p.goto(`${server.baseUrl}/students/${studentId}`);
    await p.getByTestId('student-confirmation').waitFor();
    await p.locator('[data-testid="history-event"][data-action="photo.confirmation_voided"]').waitFor();
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    await screenshot(p, 'student-photos-phone');
    await p.getByTestId('void-open').click();
    await p.getByTestId('void-modal').waitFor();
    await settled(p);
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    await screenshot(p, 'student-photos-phone-void', false);
    await p.keyboard.press('Escape');
    await p.evaluate(() => localStorage.setItem('gradphoto.lang', 'en'));
    await p.reload();
    await p.getByTestId('student-confirmation').waitFor();
    expect(await p.getByTestId('student-photos').innerText()).toContain('Photos and confirmation');
    expect(await p.getByTestId('confirmation-method').innerText()).toBe("by the operator in the student's presence");
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    await screenshot(p, 'student-photos-phone-en');
    await phone.close();
  });
});
