// Journey: make-up captures after the campaign (issue 10 section 3, rule S6). The server runs a campaign whose
// days are in the past (loaded with `gradphoto campaign load`, its deadlines ahead). The admin opens 补采, sees an
// outlet in Shanghai refused with the reason on the city field, adds a Beijing outlet; a student who missed the
// campaign sees on /my (a phone) where and by when to go; the outlet's operator sets them at the outlet's station
// makeup-<outlet>-1, uploads the shot, asks them and records the make-up fee; the student confirms on /my; the admin's list empties for
// them. Screens at 1366×768 and 390×844, in zh and en.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, ROOT, rosterCsv, screenshot, startServer, type TestServer } from './server.js';
import { beijingDate, campaignEnding, gradphoto } from './campaigns.js';

const admin = { username: 'mk-admin', password: 'Mk-admin-pass-2024', role: 'admin' as const };
const operator = { username: 'mk-operator', password: 'Mk-operator-pass-2024', role: 'operator' as const };
// 2101001 张三: 物理学院, required (E1), never came to the campaign
const STUDENT = '2101001';
const student = { username: STUDENT, password: 'Mk-student-pass-2024', role: 'student' as const };
// 2101002 李四: 物理学院, required (E2), finishes in the second term; their deadline is moved to yesterday
const LATE = '2101002';
const late = { username: LATE, password: 'Mk-late-pass-2024', role: 'student' as const };
const PHOTO = path.join(ROOT, 'test', 'fixtures', 'photos', 'id-blue-12mp.jpg');
describe('make-up captures at a Beijing outlet after the campaign (S6)', () => {
  let server: TestServer;
  let browser: Browser;
  let api: ApiClient;
  let desk: Page;
  let phone: Page;
  let deadline: string;

  beforeAll(async () => {
    server = await startServer();
    const file = path.join(server.dataDir, 'past-campaign.json');
    writeFileSync(file, campaignEnding(-8, { id: 'e2e-makeup', label: { zh: '补采演示', en: 'make-up demo' } }));
    const loaded = await gradphoto(['campaign', 'load', file, '--data', server.dataDir]);
    expect(loaded.code, loaded.out).toBe(0);
    await addUsers(server.dataDir, [admin, operator, student, late]);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await api.get<{ id: string; targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    expect(campaign.id).toBe('e2e-makeup');
    expect((await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows))).status).toBe(200);
    deadline = beijingDate(20);
    browser = await launchBrowser();
    desk = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN' })).newPage();
    phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the admin opens 补采: an outlet in Shanghai is refused with the reason on the city, a Beijing outlet is added', async () => {
    await loginInBrowser(desk, server.baseUrl, admin);
    await desk.locator('.ant-layout-sider .ant-menu').getByText('补采', { exact: true }).click();
    await desk.waitForURL((url) => url.pathname === '/makeup');
    await desk.getByTestId('makeup-page').waitFor();
    await desk.getByTestId('outlet-add').click();
    await desk.getByTestId('outlet-id').fill('pudong');
    await desk.getByTestId('outlet-name-zh').fill('图片社浦东店');
    await desk.getByTestId('outlet-name-en').fill('Agency, Pudong');
    await desk.getByTestId('outlet-address').fill('上海市浦东新区世纪大道 100 号');
    await desk.getByTestId('outlet-city').fill('上海');
    await desk.getByTestId('outlet-hours').fill('周一至周日 10:00–18:00');
    await desk.getByTestId('outlet-save').click();
    await desk.getByText('门店所在城市“上海”不是补采城市：补采只能在北京的门店进行，其他城市门店拍摄的照片无效（S6）').waitFor();
    await screenshot(desk, 'makeup-outlet-refused', false);
    expect((await api.get<{ items: unknown[] }>('/api/makeup/outlets')).items).toHaveLength(0);
    // the same outlet in Beijing
    await desk.getByTestId('outlet-id').fill('haidian');
    await desk.getByTestId('outlet-name-zh').fill('图片社海淀店');
    await desk.getByTestId('outlet-name-en').fill('Agency, Haidian');
    await desk.getByTestId('outlet-address').fill('北京市海淀区中关村大街 27 号 2 层');
    await desk.getByTestId('outlet-city').fill('北京市');
    await desk.getByTestId('outlet-save').click();
    await desk.locator('[data-testid="outlet-row"][data-outlet="haidian"]').waitFor();
    expect(await desk.getByTestId('makeup-outlets').innerText()).toContain('makeup-haidian-1');
    await desk.getByTestId('makeup-outstanding-total').getByText(/共 \d+ 人/).waitFor();
    expect(await desk.getByTestId('makeup-outstanding').innerText()).toContain(STUDENT);
    expect(await horizontalOverflow(desk)).toBeLessThanOrEqual(0);
    await screenshot(desk, 'makeup-admin-desktop');
  });

  it('the student who missed the campaign sees on /my where and by when to go (a phone, zh and en)', async () => {
    await loginInBrowser(phone, server.baseUrl, student);
    await phone.goto(`${server.baseUrl}/my`);
    const card = phone.getByTestId('my-makeup');
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('您尚未完成图像采集，请到图片社北京门店补采');
    expect(text).toContain('图片社海淀店');
    expect(text).toContain('北京市海淀区中关村大街 27 号 2 层');
    expect(text).toContain('周一至周日 10:00–18:00');
    const [y, m, d] = deadline.split('-').map(Number);
    expect(await phone.getByTestId('my-makeup-deadline').innerText()).toContain(`${y}年${m}月${d}日`);
    // the campaign is over: no list of its ended sessions, nothing to book (the card says where and by when)
    await phone.getByTestId('my-notice-link').waitFor();
    expect(await phone.getByTestId('my-sessions').count()).toBe(0);
    expect(await phone.getByTestId('my-time').count()).toBe(0);
    expect(await horizontalOverflow(phone)).toBeLessThanOrEqual(0);
    await screenshot(phone, 'makeup-my-phone');
    await phone.evaluate(() => localStorage.setItem('gradphoto.lang', 'en'));
    await phone.reload();
    await phone.getByTestId('my-makeup').waitFor();
    expect(await phone.getByTestId('my-makeup-title').innerText()).toBe("You have no photo yet: go to one of the agency's Beijing outlets");
    expect(await horizontalOverflow(phone)).toBeLessThanOrEqual(0);
    await screenshot(phone, 'makeup-my-phone-en');
    await phone.evaluate(() => localStorage.setItem('gradphoto.lang', 'zh'));
  });

  it('the outlet’s operator sets the student at makeup-haidian-1 and uploads the shot; the student confirms on /my', async () => {
    await desk.context().clearCookies();
    await loginInBrowser(desk, server.baseUrl, operator);
    await desk.evaluate(() => localStorage.setItem('gradphoto.station', 'makeup-haidian-1'));
    await desk.goto(`${server.baseUrl}/station`);
    await desk.locator('[data-testid="station-page"][data-station="makeup-haidian-1"]').waitFor();
    expect(await desk.getByTestId('outlet-station').innerText()).toContain('补采机位 · 图片社海淀店');
    await desk.getByTestId('station-student-input').fill(STUDENT);
    await desk.getByTestId('station-set-student').click();
    await desk.locator('[data-testid="station-student"]').waitFor();
    await desk.getByTestId('station-upload').locator('input[type="file"]').setInputFiles({ name: 'IMG_0101.JPG', mimeType: 'image/jpeg', buffer: readFileSync(PHOTO) });
    await desk.locator('[data-testid="station-shot"][data-photo-id]').waitFor({ timeout: 60_000 });
    await desk.getByTestId('station-request-review').click();
    await desk.locator('[data-testid="station-review-status"][data-status="awaiting"]').waitFor();
    // the make-up fee, recorded at the outlet's station (WeChat Pay, the fee as the amount)
    await desk.getByTestId('outlet-fee-tx').fill('12345');
    await desk.getByTestId('outlet-fee-record').click();
    await desk.getByTestId('outlet-fee').getByText(/28/).first().waitFor();
    await desk.getByTestId('outlet-fee-tx').fill('4200001901202612030000000001');
    await desk.getByTestId('outlet-fee-record').click();
    await desk.getByText(`已记录补采费：微信支付 20 元（学号 ${STUDENT}）`).waitFor();
    const payments = await api.get<{ items: { studentNo: string; amountFen: number }[] }>(`/api/payments?date=${beijingDate(0)}`);
    expect(payments.items.filter((p) => p.studentNo === STUDENT).map((p) => p.amountFen)).toEqual([2000]);
    expect(await horizontalOverflow(desk)).toBeLessThanOrEqual(0);
    await screenshot(desk, 'makeup-station-desktop');

    await phone.reload();
    await phone.getByTestId('my-photo-awaiting').waitFor({ timeout: 15_000 });
    await phone.getByTestId('my-photo-confirm').click();
    await phone.getByTestId('my-photo-done').waitFor();
    await phone.getByTestId('my-makeup').waitFor({ state: 'detached', timeout: 35_000 });
    expect(await horizontalOverflow(phone)).toBeLessThanOrEqual(0);
    await screenshot(phone, 'makeup-my-phone-confirmed');

    const outlets = await api.get<{ items: { id: string; photos: number; confirmed: number }[] }>('/api/makeup/outlets');
    expect(outlets.items.find((o) => o.id === 'haidian')).toMatchObject({ photos: 1, confirmed: 1 });
    const outstanding = await api.get<{ items: { studentNo: string }[] }>('/api/makeup/outstanding');
    expect(outstanding.items.map((i) => i.studentNo)).not.toContain(STUDENT);
  });

  it('the admin’s 日结 offers the outlet: its make-up fee, photo and confirmation are there, not in 北京’s day-close', async () => {
    await desk.context().clearCookies();
    await loginInBrowser(desk, server.baseUrl, admin);
    await desk.goto(`${server.baseUrl}/payments?tab=close`);
    await desk.locator('[data-testid="day-close"][data-site="beijing"]').waitFor();
    expect(await desk.getByTestId('close-payments').getAttribute('data-value')).toBe('0');
    expect(await desk.getByTestId('close-sheet').innerText()).toContain('不含活动结束后在图片社门店的补采（S6）');
    await desk.getByTestId('payments-site').click();
    await desk.locator('.ant-select-dropdown').getByText('补采门店（S6）').waitFor();
    await desk.locator('.ant-select-item-option').filter({ hasText: '图片社海淀店' }).click();
    await desk.locator('[data-testid="day-close"][data-outlet="haidian"]').waitFor();
    expect(new URL(desk.url()).searchParams.get('outlet')).toBe('haidian');
    const value = async (id: string) => desk.getByTestId(`close-${id}`).getAttribute('data-value');
    expect([await value('payments'), await value('amount'), await value('photographed'), await value('confirmed')]).toEqual(['1', '20.00', '1', '1']);
    expect(await desk.getByTestId('close-issued').count()).toBe(0); // an outlet has no queue
    const sheet = await desk.getByTestId('close-sheet').innerText();
    expect(sheet).toContain('补采门店日结单');
    expect(sheet).toContain('图片社补采门店：图片社海淀店');
    expect(sheet).not.toContain('发放排队号');
    expect(await horizontalOverflow(desk)).toBeLessThanOrEqual(0);
    await screenshot(desk, 'payments-close-outlet-desktop');
  });

  it('after their term’s deadline a student reads 已过补采截止日期 with the date and what to do (phone, zh and en)', async () => {
    const campaign = await api.get<{ targetTerms: string[] }>('/api/campaign');
    const [first, second] = campaign.targetTerms as [string, string];
    const saved = await api.request('PUT', '/api/makeup/settings', { body: { deadlines: { [first]: deadline, [second]: beijingDate(-1) } } });
    expect(saved.status).toBe(200);
    const p = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' })).newPage();
    await loginInBrowser(p, server.baseUrl, late);
    await p.goto(`${server.baseUrl}/my`);
    const passed = p.getByTestId('my-makeup-passed');
    await passed.waitFor();
    const [y, m, d] = beijingDate(-1).split('-').map(Number);
    expect(await passed.innerText()).toContain(`已过补采截止日期 ${y}年${m}月${d}日`);
    expect(await passed.innerText()).toContain('请尽快联系研究生院');
    expect(await p.getByTestId('my-makeup').count()).toBe(0);
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    await screenshot(p, 'makeup-my-phone-passed');
    await p.evaluate(() => localStorage.setItem('gradphoto.lang', 'en'));
    await p.reload();
    await p.getByTestId('my-makeup-passed').getByText(/The make-up deadline \(.+\) has passed/).waitFor();
    await screenshot(p, 'makeup-my-phone-passed-en');
  });

  it('the admin page on a phone: outlets, deadlines and the list fit the screen', async () => {
    const admins = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' })).newPage();
    await loginInBrowser(admins, server.baseUrl, admin);
    await admins.goto(`${server.baseUrl}/makeup`);
    await admins.locator('[data-testid="outlet-row"][data-outlet="haidian"]').waitFor();
    await admins.getByTestId('makeup-deadlines').getByTestId('deadline-save').waitFor();
    expect(await horizontalOverflow(admins)).toBeLessThanOrEqual(0);
    await screenshot(admins, 'makeup-admin-phone');
  });

  it('once the campaign is closed, a student without a photo is told so and to contact the graduate school: no outlets, no deadline, no sessions (phone)', async () => {
    const closed = await api.request('POST', '/api/campaign/close', { body: { confirm: 'e2e-makeup', force: true, reason: '毕业审核已结束' } });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const p = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' })).newPage();
    await loginInBrowser(p, server.baseUrl, late);
    await p.goto(`${server.baseUrl}/my`);
    const card = p.getByTestId('my-makeup-closed');
    await card.waitFor();
    expect(await card.innerText()).toContain('采集活动已于');
    expect(await card.innerText()).toContain('请联系研究生院');
    expect(await p.getByTestId('my-decision').innerText()).toContain('您未完成本次图像采集');
    expect(await p.getByTestId('my-makeup').count()).toBe(0);
    expect(await p.getByTestId('my-makeup-passed').count()).toBe(0);
    expect(await p.getByText('您须参加本次图像采集').count()).toBe(0);
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    await screenshot(p, 'makeup-my-phone-closed');
  });
});
