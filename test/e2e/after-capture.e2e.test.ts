// Journey: after the capture, the whole of issue 10 as one story on one real server (its "Tests and figures": an
// admin exports, imports the registry answer with one 有误, a make-up at a Beijing outlet fixes it, the secretary
// confirms prints received and handed over, retention runs, the audit chain verifies).
//
// The campaign's five days ended last week (loaded with `gradphoto campaign load`, make-up deadlines ahead), so
// make-ups are open on the real clock. Over the API, four required students are photographed at the station
// beijing-1 through the real pipeline (upload, checks, the station asks them, each confirms on their own account,
// C3). In Chromium: the admin builds a registry package on /exports with a public key made by Debian's gpg; the
// package is decrypted here with gpg, unzipped and checked with `sha256sum -c SHA256SUMS` (no ID number anywhere);
// the registry's answer (CSV) marks 李四 有误: he is on the re-take list and on /corrections as voided by the
// registry; the admin adds a Beijing outlet on /makeup; 李四 sees the make-up card on /my (a phone); the operator
// photographs him at makeup-haidian-1 and he confirms on /my; the next package holds exactly his new photo (and
// withdraws the refused one); the agency creates a print batch, the admin receives it and sends 物理学院 its sets,
// the secretary confirms receipt and hands 张三's over, 李四 confirms 我已领取 on /my; the dashboard's exported /
// printed / handed-over counts match; the registry accepts 李四's new photo; the retention page shows nothing due
// on the real clock, then the clock is moved past the policy's 30 days (the retention run in-process on the same
// data directory with a clock 31 days ahead, as src/cli/retention.cli.test.ts seeds with a shifted clock — the
// server itself has no fake clock) and the page shows the run's counts; `gradphoto audit verify` passes at the end.
// Screens test-results/screens/after-capture-*.png at 1366×768 and 390×844.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewRetentionRun, runRetention } from '../../src/services/retention.service.js';
import { cliActor } from '../../src/services/deps.js';
import { openRuntime } from '../../src/services/runtime.js';
import { createGpg, openPackage, type Gpg } from '../support/registry-export.js';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, nationalId, ROOT, rosterCsv, screenshot, startServer, type TestServer } from './server.js';
import { distinctShot as shot, sessionCookie as cookieOf } from './photos.js';
import { campaignEnding, gradphoto } from './campaigns.js';

const admin = { username: 'ac-admin', password: 'Ac-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'ac-operator', password: 'Ac-operator-pass-2024', role: 'operator' as const };
const secretary = { username: 'ac-physics', password: 'Ac-physics-pass-2024', role: 'secretary' as const, departments: ['物理学院'] };
const ZHANG = '2101001'; // 物理学院, E1
const LI = '2101002'; // 物理学院, E2: the registry's 有误, photographed again at the outlet
const SCRIPT = '2101005'; // 数学科学学院, E1 (a name that is an HTML injection attempt)
const QIAN = '2101006'; // 数学科学学院, E3, has a national ID number on the roster
const CAMPAIGN = { id: 'e2e-after-capture', label: { zh: '采集之后', en: 'after the capture' } };
const CAPTURED = [ZHANG, LI, SCRIPT, QIAN];
const studentAccount = (no: string) => ({ username: no, password: `Ac-student-${no}-pass`, role: 'student' as const });
const QIAN_ID = nationalId('11010519900307123');
const MAKEUP_PHOTO = path.join(ROOT, 'test', 'fixtures', 'photos', 'id-blue-12mp-grain.jpg'); // another sitting, other pixels
interface PackageContents {
  entries: Map<string, Buffer>;
  dir: string;
  sha256sumCheck: string;
}

describe('after the capture: export, the registry’s answer, a make-up, prints and hand-over, retention, the audit chain', () => {
  let server: TestServer;
  let browser: Browser;
  let desk: BrowserContext;
  let page: Page;
  let adminApi: ApiClient;
  let opCookie: string;
  let operatorApi: ApiClient;
  let gpg: Gpg;
  let tmp: string;
  const firstPhoto: Record<string, string> = {};
  let liNewPhoto = '';
  let firstPackage: PackageContents;

  /** Downloads the newest package from /exports, decrypts it with gpg, unzips it and runs `sha256sum -c`. */
  async function downloadAndOpen(name: string): Promise<PackageContents> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').first().click()]);
    expect(download.suggestedFilename()).toMatch(/^registry-.*\.zip\.gpg$/);
    const file = path.join(tmp, `${name}.zip.gpg`);
    await download.saveAs(file);
    const { items } = await adminApi.get<{ items: { sha256: string; bytes: number }[] }>('/api/exports');
    const bytes = readFileSync(file);
    expect(items[0]).toMatchObject({ bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') });
    const { entries } = await openPackage(gpg, file);
    const dir = path.join(tmp, name);
    mkdirSync(dir);
    const zip = path.join(gpg.home, `${name}.zip`);
    gpg.decrypt(file, zip);
    execFileSync('unzip', ['-q', zip, '-d', dir]);
    const sha256sumCheck = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    return { entries, dir, sha256sumCheck };
  }

  async function contextAs(account: { username: string; password: string }, phone = false): Promise<Page> {
    const context = await browser.newContext(
      phone
        ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' }
        : { viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN', acceptDownloads: true },
    );
    const p = await context.newPage();
    await loginInBrowser(p, server.baseUrl, account);
    return p;
  }

  beforeAll(async () => {
    server = await startServer();
    // today is the campaign's last day: the school's station photographs (after it, only outlets do: CAMPAIGN_ENDED)
    const file = path.join(server.dataDir, 'campaign-last-day.json');
    writeFileSync(file, campaignEnding(0, CAMPAIGN));
    const loaded = await gradphoto(['campaign', 'load', file, '--data', server.dataDir]);
    expect(loaded.code, loaded.out).toBe(0);
    await addUsers(server.dataDir, [admin, operator, secretary, ...CAPTURED.map(studentAccount)]);
    adminApi = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await adminApi.get<{ id: string; targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    expect(campaign.id).toBe('e2e-after-capture');
    expect((await adminApi.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows))).status).toBe(200);

    // the capture: at beijing-1 the operator names the student, shoots, asks them; each confirms as themselves (C3)
    operatorApi = await ApiClient.login(server.baseUrl, operator.username, operator.password);
    opCookie = await cookieOf(server.baseUrl, operator.username, operator.password);
    for (const no of CAPTURED) {
      await operatorApi.request('PUT', '/api/stations/beijing-1/current-student', { body: { studentNo: no } }).then((r) => expect(r.status, JSON.stringify(r.body)).toBe(200));
      const form = new FormData();
      form.append('studentNo', no);
      form.append('station', 'beijing-1');
      form.append('file', new Blob([new Uint8Array(shot(`${no}-campaign`))], { type: 'image/jpeg' }), 'IMG.JPG');
      const res = await fetch(`${server.baseUrl}/api/photos`, { method: 'POST', headers: { Cookie: opCookie }, body: form });
      const body = (await res.json()) as { id: string; accepted: boolean };
      expect(res.status, JSON.stringify(body)).toBeLessThan(300);
      expect(body.accepted).toBe(true);
      firstPhoto[no] = body.id;
      const asked = await operatorApi.request('PUT', '/api/stations/beijing-1/review', { body: { photoId: body.id } });
      expect(asked.status, JSON.stringify(asked.body)).toBe(200);
      const me = await ApiClient.login(server.baseUrl, no, studentAccount(no).password);
      const confirmed = await me.request('POST', '/api/me/photo/confirm', { body: { photoId: body.id } });
      expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201);
    }

    // the rest of the story is after the campaign: the same campaign, its days moved to last week
    const past = path.join(server.dataDir, 'campaign-ended.json');
    writeFileSync(past, campaignEnding(-8, CAMPAIGN));
    const reloaded = await gradphoto(['campaign', 'load', past, '--data', server.dataDir]);
    expect(reloaded.code, reloaded.out).toBe(0);

    tmp = mkdtempSync(path.join(os.tmpdir(), 'gradphoto-after-capture-e2e-'));
    gpg = createGpg();
    writeFileSync(path.join(tmp, 'chsi-public.asc'), gpg.generate('registry@chsi.example.org'));
    browser = await launchBrowser();
    desk = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN', acceptDownloads: true });
    page = await desk.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    gpg?.remove();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the admin builds the registry package on /exports; gpg decrypts it, every checksum is OK, no ID number anywhere', async () => {
    await loginInBrowser(page, server.baseUrl, admin);
    await page.locator('.ant-layout-sider .ant-menu').getByText('学信网导出').click();
    await page.waitForURL((url) => url.pathname === '/exports');
    await expect.poll(() => page.getByTestId('export-candidates').innerText(), { timeout: 15_000 }).toContain('4');
    await page.getByTestId('export-new').click();
    await page.locator('.ant-modal').getByText('本批将包含 4 张照片，撤回 0 张').waitFor();
    await page.getByTestId('export-key-upload').locator('xpath=ancestor::span[contains(@class,"ant-upload")]//input[@type="file"]').setInputFiles(path.join(tmp, 'chsi-public.asc'));
    await page.getByTestId('export-key-chosen').getByText('chsi-public.asc').waitFor();
    await page.getByTestId('export-submit').click();
    const progress = page.getByTestId('export-progress');
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 60_000 }).toBe('delivered');
    expect(await page.getByTestId('export-progress-text').innerText()).toMatch(/导出包已生成：4 张照片/);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'after-capture-export-1-1366x768');

    firstPackage = await downloadAndOpen('batch-1');
    const names = [...firstPackage.entries.keys()].sort();
    expect(names).toEqual([...CAPTURED.map((no) => `${no}.jpg`), 'SHA256SUMS', 'manifest.csv'].sort());
    expect(firstPackage.sha256sumCheck.trim().split('\n')).toHaveLength(5);
    expect(firstPackage.sha256sumCheck).not.toMatch(/FAILED/);
    for (const line of firstPackage.sha256sumCheck.trim().split('\n')) expect(line).toMatch(/: OK$/);
    const manifest = firstPackage.entries.get('manifest.csv')!.toString('utf8');
    for (const no of CAPTURED) expect(manifest).toContain(no);
    expect(manifest).not.toContain('钱七'); // masked names only
    for (const [name, content] of firstPackage.entries) {
      expect(name).not.toContain(QIAN_ID);
      expect(content.includes(Buffer.from(QIAN_ID))).toBe(false);
    }
    expect(readdirSync(firstPackage.dir).sort()).toEqual(names);
  });

  it('imports the registry’s answer with one 有误: 李四 is on the re-take list and on /corrections as voided by the registry', async () => {
    await page.getByRole('tab', { name: '学信网反馈' }).click();
    writeFileSync(path.join(tmp, '学信网反馈-1.csv'), ['学号,姓名,校对结果', `${ZHANG},张*,通过`, `${LI},李*,有误`, `${SCRIPT},<*,通过`, `${QIAN},钱*,合格`].join('\r\n'));
    await page.getByTestId('answer-upload').locator('input[type="file"]').setInputFiles(path.join(tmp, '学信网反馈-1.csv'));
    await page.getByTestId('answer-summary').waitFor();
    expect(await page.getByTestId('answer-accepted').innerText()).toContain('3');
    expect(await page.getByTestId('answer-rejected').innerText()).toContain('1');
    expect(await page.getByTestId('answer-voided').innerText()).toContain('1');
    await screenshot(page, 'after-capture-answer-1366x768');

    await page.getByRole('tab', { name: '重拍名单' }).click();
    const retakes = page.getByTestId('retakes-list').locator('.ant-table-tbody tr.ant-table-row');
    await expect.poll(() => retakes.count(), { timeout: 15_000 }).toBe(1);
    expect(await retakes.first().innerText()).toContain(LI);
    expect(await page.getByTestId('retakes-count').innerText()).toBe('共 1 人');

    await page.locator('.ant-layout-sider .ant-menu').getByText('无效与更正').click();
    await page.waitForURL((url) => url.pathname === '/corrections');
    await page.getByRole('tab', { name: '撤销的确认' }).click();
    const voided = page.getByTestId('voided-table').locator('.ant-table-tbody tr.ant-table-row');
    await voided.first().waitFor();
    expect(await voided.count()).toBe(1);
    const row = await voided.first().innerText();
    expect(row).toContain(LI);
    expect(row).toContain('学信网反馈有误');
    expect(row).toContain('尚无（需补采）');
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'after-capture-corrections-voided-1366x768');
  });

  it('after the campaign’s end 李四 sees the make-up card on /my; photographed at a Beijing outlet, he confirms there', async () => {
    // the admin adds the Beijing outlet
    await page.locator('.ant-layout-sider .ant-menu').getByText('补采', { exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/makeup');
    await page.getByTestId('outlet-add').click();
    await page.getByTestId('outlet-id').fill('haidian');
    await page.getByTestId('outlet-name-zh').fill('图片社海淀店');
    await page.getByTestId('outlet-name-en').fill('Agency, Haidian');
    await page.getByTestId('outlet-address').fill('北京市海淀区中关村大街 27 号 2 层');
    await page.getByTestId('outlet-city').fill('北京市');
    await page.getByTestId('outlet-hours').fill('周一至周日 10:00–18:00');
    await page.getByTestId('outlet-save').click();
    await page.locator('[data-testid="outlet-row"][data-outlet="haidian"]').waitFor();
    await expect.poll(() => page.getByTestId('makeup-outstanding').innerText(), { timeout: 15_000 }).toContain(LI);
    expect(await page.getByTestId('makeup-outstanding').innerText()).not.toContain(ZHANG);

    const phone = await contextAs(studentAccount(LI), true);
    await phone.goto(`${server.baseUrl}/my`);
    const card = phone.getByTestId('my-makeup');
    await card.waitFor();
    expect(await card.innerText()).toContain('图片社海淀店');
    expect(await card.innerText()).toContain('北京市海淀区中关村大街 27 号 2 层');
    expect(await horizontalOverflow(phone)).toBeLessThanOrEqual(0);
    await screenshot(phone, 'after-capture-my-makeup-390x844');

    const station = await contextAs(operator);
    await station.evaluate(() => localStorage.setItem('gradphoto.station', 'makeup-haidian-1'));
    await station.goto(`${server.baseUrl}/station`);
    await station.locator('[data-testid="station-page"][data-station="makeup-haidian-1"]').waitFor();
    expect(await station.getByTestId('outlet-station').innerText()).toContain('图片社海淀店');
    await station.getByTestId('station-student-input').fill(LI);
    await station.getByTestId('station-set-student').click();
    await station.locator('[data-testid="station-student"]').waitFor();
    // the station lists the student's shots: before the new one, his campaign shot (the one the registry refused)
    await station.locator(`[data-testid="station-shot"][data-photo-id="${firstPhoto[LI]}"]`).waitFor();
    // That shot's confirmation was voided by the registry's 有误: the station says so instead of offering 请学生确认,
    // and asking him to confirm it again is refused (re-confirmed, it would stand as his photo although the
    // registry refused it, and it was not taken at the outlet). Found by this journey; PHOTO_CONFIRMATION_VOIDED.
    await station.getByTestId('station-shot-voided').waitFor();
    expect(await station.getByTestId('station-request-review').count()).toBe(0);
    await screenshot(station, 'after-capture-makeup-station-before-1366x768');
    const again = await operatorApi.request('PUT', '/api/stations/makeup-haidian-1/review', { body: { photoId: firstPhoto[LI] } });
    expect(again.status).toBe(409);
    expect((again.body as { error: { code: string } }).error.code).toBe('PHOTO_CONFIRMATION_VOIDED');
    await station.getByTestId('station-upload').locator('input[type="file"]').setInputFiles({ name: 'IMG_0201.JPG', mimeType: 'image/jpeg', buffer: shot(`${LI}-makeup`, MAKEUP_PHOTO) });
    const shotCard = station.locator(`[data-testid="station-shot"][data-photo-id]:not([data-photo-id="${firstPhoto[LI]}"])`);
    await shotCard.waitFor({ timeout: 60_000 });
    liNewPhoto = (await shotCard.getAttribute('data-photo-id'))!;
    await station.getByTestId('station-request-review').click();
    await station.locator('[data-testid="station-review-status"][data-status="awaiting"]').waitFor();
    expect(await horizontalOverflow(station)).toBeLessThanOrEqual(0);
    await screenshot(station, 'after-capture-makeup-station-1366x768');
    await station.context().close();

    await phone.reload();
    await phone.getByTestId('my-photo-awaiting').waitFor({ timeout: 15_000 });
    await phone.getByTestId('my-photo-confirm').click();
    await phone.getByTestId('my-photo-done').waitFor();
    await phone.reload();
    await phone.getByTestId('my-photo-done').waitFor();
    await phone.waitForLoadState('networkidle');
    expect(await phone.getByTestId('my-makeup').count()).toBe(0);
    await screenshot(phone, 'after-capture-my-confirmed-390x844');
    await phone.context().close();

    const outlets = await adminApi.get<{ items: { id: string; photos: number; confirmed: number }[] }>('/api/makeup/outlets');
    expect(outlets.items.find((o) => o.id === 'haidian')).toMatchObject({ photos: 1, confirmed: 1 });
    // /corrections: the voided confirmation now has its new photo
    await page.goto(`${server.baseUrl}/corrections?tab=voided`);
    await page.getByRole('tab', { name: '撤销的确认' }).click();
    const voided = page.getByTestId('voided-table').locator('.ant-table-tbody tr.ant-table-row').first();
    await voided.waitFor();
    await expect.poll(() => voided.innerText(), { timeout: 15_000 }).not.toContain('尚无（需补采）');
  });

  it('the next package holds exactly 李四’s new photo and withdraws the refused one', async () => {
    await page.locator('.ant-layout-sider .ant-menu').getByText('学信网导出').click();
    await page.waitForURL((url) => url.pathname === '/exports');
    await page.getByTestId('export-new').click();
    await page.locator('.ant-modal').getByText('本批将包含 1 张照片，撤回 1 张').waitFor();
    await page.getByTestId('export-key-upload').locator('xpath=ancestor::span[contains(@class,"ant-upload")]//input[@type="file"]').setInputFiles(path.join(tmp, 'chsi-public.asc'));
    await page.getByTestId('export-key-chosen').waitFor();
    await page.getByTestId('export-submit').click();
    await expect.poll(() => page.getByTestId('export-progress').getAttribute('data-status'), { timeout: 60_000 }).toBe('delivered');
    await expect.poll(() => page.getByTestId('export-list').locator('.ant-table-tbody tr.ant-table-row').count(), { timeout: 15_000 }).toBe(2);
    await screenshot(page, 'after-capture-export-2-1366x768');

    const second = await downloadAndOpen('batch-2');
    expect([...second.entries.keys()].sort()).toEqual([`${LI}.jpg`, 'SHA256SUMS', 'manifest.csv', 'withdrawn.csv'].sort());
    for (const line of second.sha256sumCheck.trim().split('\n')) expect(line).toMatch(/: OK$/);
    const manifest = second.entries.get('manifest.csv')!.toString('utf8').trim().split(/\r?\n/);
    expect(manifest).toHaveLength(2); // header and 李四
    expect(manifest[1]).toContain(LI);
    expect(manifest[1]).toContain('makeup-haidian-1');
    expect(second.entries.get(`${LI}.jpg`)!.equals(firstPackage.entries.get(`${LI}.jpg`)!)).toBe(false);
    const withdrawn = second.entries.get('withdrawn.csv')!.toString('utf8').trim().split(/\r?\n/);
    expect(withdrawn).toHaveLength(2);
    expect(withdrawn[1]).toContain(LI);
    expect(withdrawn[1]).toContain(crypto.createHash('sha256').update(firstPackage.entries.get(`${LI}.jpg`)!).digest('hex'));
  });

  it('prints: the agency creates a batch, the admin receives it and sends 物理学院 its sets', async () => {
    const agency = await contextAs(operator);
    await agency.locator('.ant-layout-sider .ant-menu').getByText('照片冲印').click();
    await agency.waitForURL((url) => url.pathname === '/prints');
    await expect.poll(() => agency.getByTestId('prints-unprinted').innerText(), { timeout: 15_000 }).toBe('4');
    await agency.getByTestId('prints-create').click();
    await agency.getByText('已创建批次 1（4 套）').waitFor();
    await agency.getByTestId('batch-send').click();
    expect(await agency.getByTestId('count-input').inputValue()).toBe('4');
    await agency.locator('.ant-modal').getByRole('button', { name: /确\s*认/ }).click();
    await expect.poll(() => agency.getByTestId('batch-status').first().innerText(), { timeout: 15_000 }).toBe('已送研究生院');
    await agency.context().close();

    await page.goto(`${server.baseUrl}/prints`);
    await page.getByTestId('batch-receive').click();
    await page.getByTestId('count-input').fill('4');
    await page.locator('.ant-modal').getByRole('button', { name: /确\s*认/ }).click();
    await expect.poll(() => page.getByTestId('batch-status').first().innerText(), { timeout: 15_000 }).toBe('研究生院已签收');
    await page.getByTestId('delivery-send').getByText('物理学院 (2)').click();
    await page.getByText('已向物理学院发放 2 套').waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'after-capture-prints-admin-1366x768');
  });

  it('the secretary of 物理学院 confirms receipt and hands 张三’s prints over; 李四 confirms 我已领取 on /my', async () => {
    const office = await contextAs(secretary);
    await office.locator('.ant-layout-sider .ant-menu').getByText('照片领取').click();
    await office.waitForURL((url) => url.pathname === '/handover');
    await office.getByTestId('delivery-receive').click();
    await office.locator('.ant-modal').getByRole('button', { name: /确\s*认/ }).click();
    await office.getByTestId('handover-incoming').getByText('没有待签收的照片').waitFor();
    await office.getByTestId('handover-input').fill(ZHANG);
    await office.getByTestId('handover-submit').click();
    await office.getByTestId('handover-result').getByText('已登记 1 人领取').waitFor();
    expect(await horizontalOverflow(office)).toBe(0);
    await screenshot(office, 'after-capture-handover-1366x768');

    const phone = await contextAs(studentAccount(LI), true);
    await phone.goto(`${server.baseUrl}/my`);
    await phone.getByTestId('my-prints').waitFor();
    expect(await phone.getByTestId('my-prints-text').innerText()).toBe('您的照片已到物理学院，请到院系领取。');
    await phone.getByTestId('my-prints-confirm').click();
    const ok = phone.locator('.ant-popconfirm').getByRole('button', { name: /确\s*认/ });
    await ok.waitFor();
    // The confirmation's own answer is awaited: a lost click or a refusal then says so, not only "not handed yet"
    // (once, with three journeys at a time, the page never reached data-state="handed").
    const answered = phone.waitForResponse((r) => r.url().endsWith('/api/me/prints/confirm') && r.request().method() === 'POST');
    await ok.click();
    expect((await answered).status()).toBe(201);
    await phone.locator('[data-testid="my-prints"][data-state="handed"]').waitFor();
    expect(await horizontalOverflow(phone)).toBeLessThanOrEqual(0);
    await phone.getByTestId('my-prints').scrollIntoViewIfNeeded();
    await phone.screenshot({ path: path.join(ROOT, 'test-results', 'screens', 'after-capture-my-prints-390x844.png') });
    await phone.context().close();

    await office.reload();
    // polled on its text, so that a failure says what the page showed (once, in a local run of all journeys, the
    // line never reached 已领取 2 within 30 s; it passed alone)
    const counts = office.getByTestId('handover-counts');
    await expect.poll(async () => ((await counts.count()) ? counts.innerText() : '(no counts yet)'), { timeout: 30_000 }).toBe('共 2 人：已领取 2，在院系待领取 0，未送达院系 0，作废 0');
    await office.context().close();
  });

  it('the dashboard’s exported, printed and handed-over counts match what happened', async () => {
    const overview = await adminApi.get<{ totals: Record<string, number> }>('/api/dashboard');
    expect(overview.totals).toMatchObject({ photographed: 4, confirmed: 4, exported: 4, printed: 4, handedOver: 2 });
    await page.locator('.ant-layout-sider .ant-menu').getByText('采集总览').click();
    await page.waitForURL((url) => url.pathname === '/');
    const funnel = page.getByTestId('dashboard-funnel');
    await funnel.getByTestId('dashboard-chart').locator('canvas').first().waitFor();
    await funnel.getByTestId('dashboard-mode').getByText('表格').click();
    const table = funnel.getByTestId('dashboard-table');
    await table.waitFor();
    expect(await table.locator('[data-total="confirmed"]').innerText()).toBe('4');
    expect(await table.locator('[data-total="exported"]').innerText()).toBe('4');
    expect(await table.locator('[data-total="printed"]').innerText()).toBe('4');
    expect(await table.locator('[data-total="handedOver"]').innerText()).toBe('2');
    await funnel.scrollIntoViewIfNeeded();
    await funnel.screenshot({ path: path.join(ROOT, 'test-results', 'screens', 'after-capture-dashboard-1366x768.png') });
  });

  it('retention: nothing due on the real clock; 31 days later the run shreds what is due and the page shows its counts', async () => {
    // the registry accepts 李四's new photo (a new answer row): his standard photo is now served too
    await page.goto(`${server.baseUrl}/exports`);
    await page.getByRole('tab', { name: '学信网反馈' }).click();
    writeFileSync(path.join(tmp, '学信网反馈-2.csv'), ['学号,校对结果', `${LI},通过`].join('\r\n'));
    await page.getByTestId('answer-upload').locator('input[type="file"]').setInputFiles(path.join(tmp, '学信网反馈-2.csv'));
    await page.getByTestId('answer-summary').getByText('学信网反馈-2.csv', { exact: false }).waitFor();
    expect(await page.getByTestId('answer-accepted').innerText()).toContain('1');

    await page.locator('.ant-layout-sider .ant-menu').getByText('保留与删除').click();
    await page.waitForURL((url) => url.pathname === '/retention');
    await page.getByTestId('retention-policy-updated').getByText('默认值（尚未修改）').waitFor();
    await page.getByTestId('retention-preview-originals').getByText('0', { exact: true }).waitFor();
    await page.getByTestId('retention-preview-standards').getByText('0', { exact: true }).waitFor();

    // the clock moves past the policy's 30 days: a run on the same data directory with a clock 31 days ahead
    const later = new Date(Date.now() + 31 * 86_400_000);
    const deps = await openRuntime({ dataDir: server.dataDir, clock: () => later, orphanGraceMinutes: 24 * 60 });
    let counts: { originals: number; standards: number; photos: number };
    try {
      const actor = cliActor('after-capture-e2e');
      const preview = await previewRetentionRun(deps, actor);
      // originals: 5 shots' camera files (four from the campaign, 李四's make-up); standards: 李四's refused shot
      // (not chosen), and 张三's and 李四's new standard photos (accepted by the registry and handed over)
      expect(preview.counts).toMatchObject({ originals: 5, standards: 3, photos: 5 });
      const run = await runRetention(deps, actor, { trigger: 'cli' });
      expect(run?.run).toMatchObject({ status: 'done', trigger: 'cli', counts: preview.counts, filesRemoved: 8 });
      counts = run!.run.counts;
    } finally {
      await deps.close();
    }

    await page.reload();
    const row = page.getByTestId('retention-runs').locator('tr.ant-table-row').first();
    await row.getByText('命令行').waitFor();
    expect(await row.innerText()).toMatch(new RegExp(`完成\\s+原始照片 ${counts.originals} · 标准照片 ${counts.standards}`));
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'after-capture-retention-1366x768');

    const image = (id: string) => fetch(`${server.baseUrl}/api/photos/${id}/image`, { headers: { Cookie: opCookie } });
    expect((await image(firstPhoto[ZHANG]!)).status).toBe(410); // accepted and handed over: shredded
    expect((await image(liNewPhoto)).status).toBe(410);
    expect((await image(firstPhoto[SCRIPT]!)).status).toBe(200); // accepted, prints not handed over yet: kept
    expect((await image(firstPhoto[QIAN]!)).status).toBe(200);

    const phone = await contextAs(admin, true);
    await phone.goto(`${server.baseUrl}/retention`);
    await phone.getByTestId('retention-runs').locator('tr.ant-table-row').first().waitFor();
    expect(await horizontalOverflow(phone)).toBe(0);
    await screenshot(phone, 'after-capture-retention-390x844');
    await phone.context().close();
  });

  it('`gradphoto audit verify` on the same data directory passes at the end', async () => {
    const verify = await gradphoto(['audit', 'verify', '--json', '--data', server.dataDir]);
    expect(verify.code, verify.out).toBe(0);
    expect(JSON.parse(verify.out)).toMatchObject({ ok: true });
    // one event per export, per answer import, per purge (counts only, no student in the purge's details)
    const count = async (action: string) => (await adminApi.get<{ total: number }>(`/api/audit?action=${action}`)).total;
    expect(await count('registry.exported')).toBe(2);
    expect(await count('registry.answer_imported')).toBe(2);
    const purged = await adminApi.get<{ items: { details: unknown }[] }>('/api/audit?action=retention.purged');
    expect(purged.items).toHaveLength(1);
    for (const no of CAPTURED) expect(JSON.stringify(purged.items[0]!.details)).not.toContain(no);
  });
});
