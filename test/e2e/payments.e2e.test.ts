// Journey: the cashier's payments page (issue 9 section 3, P1). The cashier records two WeChat payments through
// the page (a malformed transaction number is refused with the server's own message; a second payment of a
// student is recorded only as a duplicate to refund), uploads a file that is not a bill (refused, naming the
// line) and then the day's WeChat Pay bill with one of the payments missing and one extra transaction: one
// matched, one recorded-not-in-statement, one in-statement-not-recorded; downloads the XLSX; reads the refund
// list and the day-close (queue counts from check-ins and calls made over the API) and its print layout.
// Screens at 1366×768 and on a phone (390×844); nothing on the page says "cash" (P1).
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alipayTx, wechatBill, wechatTx } from '../support/payment-statements.js';
import { addUsers, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, rosterCsv, screenshot, SCREENS, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
const cashier = { username: 'e2e-cashier', password: 'E2e-cashier-pass-2024', role: 'cashier' as const };
const operator = { username: 'e2e-operator', password: 'E2e-operator-pass-2024', role: 'operator' as const };
// demo roster: 2101001 张三 and 2101002 李四 of 物理学院 must be photographed (E1, E2), in Beijing
const ZHANG = '2101001';
const LI = '2101002';

/** Today in Beijing (the campaign's time zone), as the server dates payments. */
function beijingToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

describe('the cashier’s payments page: record, reconcile a WeChat bill, refunds, day close (P1)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let adminApi: ApiClient;
  let cashierApi: ApiClient;
  let operatorApi: ApiClient;
  const today = beijingToday();

  beforeAll(async () => {
    server = await startServer();
    await addUsers(server.dataDir, [admin, cashier, operator]);
    adminApi = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    cashierApi = await ApiClient.login(server.baseUrl, cashier.username, cashier.password);
    operatorApi = await ApiClient.login(server.baseUrl, operator.username, operator.password);
    const campaign = await adminApi.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    expect((await adminApi.upload('/api/roster/apply', 'roster.csv', rosterCsv(demoRoster(campaign).rows))).status).toBe(200);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, locale: 'zh-CN', acceptDownloads: true });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const noCash = async (p: Page) => expect(await p.locator('body').innerText()).not.toMatch(/现金|\bcash\b/i);

  async function recordThroughPage(studentNo: string, method: 'wechat' | 'alipay', transactionId: string): Promise<void> {
    await page.getByTestId('payment-student').fill(studentNo);
    await page.getByTestId(`payment-method-${method}`).click();
    await page.getByTestId('payment-transaction').fill(transactionId);
    await page.getByTestId('payment-submit').click();
  }

  it('the cashier opens 收款与对账 from the menu; the amount is the campaign price, not typed', async () => {
    await loginInBrowser(page, server.baseUrl, cashier);
    await page.locator('.ant-layout-sider .ant-menu').getByText('收款与对账').click();
    await page.waitForURL((url) => url.pathname === '/payments');
    await page.getByTestId('payments-page').waitFor();
    expect(await page.getByTestId('payment-amount').innerText()).toBe('20.00 元');
    expect(await page.getByTestId('payment-record').locator('input').count()).toBe(4); // student no., two method radios, transaction: no amount field
    await noCash(page);
  });

  it('a malformed transaction number is refused on the page with the server’s own message', async () => {
    const server422 = await cashierApi.request<{ error: { message: string } }>('POST', '/api/payments', { body: { studentNo: ZHANG, method: 'wechat', transactionId: '4200001234', amountFen: 2000 } });
    expect(server422.status).toBe(422);
    await recordThroughPage(ZHANG, 'wechat', '4200001234');
    const explain = page.locator('.ant-form-item-explain-error').filter({ hasText: '微信支付订单号' });
    await explain.waitFor();
    expect(await explain.innerText()).toBe(server422.body.error.message);
    expect(server422.body.error.message).toBe('“微信支付订单号”应为28 位数字，收到“4200001234”（10 位）（P1）');
    expect((await cashierApi.get<{ items: unknown[] }>('/api/payments')).items).toEqual([]);
  });

  it('records two WeChat payments: the list shows masked names, who recorded them, 元 with two decimals and the totals', async () => {
    await recordThroughPage(ZHANG, 'wechat', wechatTx(1));
    await page.getByText(`已登记：学号 ${ZHANG}，微信支付 20.00 元`).waitFor();
    expect(await page.getByTestId('payment-student').inputValue()).toBe('');
    await recordThroughPage(LI, 'wechat', wechatTx(2));
    await page.locator('[data-testid="payments-totals"][data-count="2"]').waitFor();
    const list = page.getByTestId('payments-list');
    expect(await list.getByTestId('payment-name').allInnerTexts()).toEqual(['张*', '李*']);
    const text = await list.innerText();
    for (const s of [wechatTx(1), wechatTx(2), 'e2e-cashier', '20.00', '微信支付']) expect(text).toContain(s);
    expect(await page.getByTestId('payments-sum').innerText()).toBe('40.00');
    expect(await page.getByTestId('payments-totals').innerText()).toContain('合计 2 笔，40.00 元');
    // the amount column is right-aligned
    const align = await list.locator('td.ant-table-cell').filter({ hasText: /^20\.00$/ }).first().evaluate((td) => getComputedStyle(td).textAlign);
    expect(align).toBe('right');
  });

  it('a second payment of a student: ALREADY_PAID, then recorded only when ticked as a duplicate (to refund)', async () => {
    await recordThroughPage(ZHANG, 'alipay', alipayTx(3));
    const error = page.getByTestId('payment-record-error');
    await error.waitFor();
    expect(await error.innerText()).toContain(`学号 ${ZHANG} 已于`);
    expect(await error.innerText()).toContain('重复支付（待退款）');
    await page.getByTestId('payment-duplicate').check();
    await page.getByTestId('payment-submit').click();
    await page.locator('[data-testid="payments-totals"][data-count="3"]').waitFor();
    expect(await page.getByTestId('payments-list').innerText()).toContain('重复支付，待退款');
    await screenshot(page, 'payments-desktop-list');
    await noCash(page);
  });

  it('reconciles: a file that is not a bill is refused naming the line; the WeChat bill gives 1 matched, 1 recorded-not-in-statement, 1 not recorded; XLSX downloads', async () => {
    await page.getByRole('tab', { name: '对账' }).click();
    const input = page.locator('.ant-upload-drag input[type="file"]');
    await input.setInputFiles({ name: '名单.csv', mimeType: 'text/csv', buffer: Buffer.from('学号,姓名\n2101001,张三\n', 'utf8') });
    const error = page.getByTestId('recon-error');
    await error.waitFor();
    expect(await error.innerText()).toBe('对账单第 1 行：不是微信支付交易账单或支付宝业务明细（CSV）（“学号,姓名”）；未导入任何内容');

    // the day's bill: ZHANG's payment and one nobody recorded; LI's payment is missing from it
    const bill = wechatBill([
      { transactionId: wechatTx(1), amount: '20.00', at: `${today} 09:31:05` },
      { transactionId: wechatTx(9), amount: '20.00', at: `${today} 09:40:00` },
    ]);
    await input.setInputFiles({ name: 'All_trade_bill.csv', mimeType: 'text/csv', buffer: bill });
    const result = page.getByTestId('recon-result');
    await result.waitFor();
    expect(await page.getByTestId('recon-method').innerText()).toBe('微信支付');
    const count = async (id: string) => Number(await page.getByTestId(`recon-count-${id}`).innerText());
    expect([await count('matched'), await count('recordedNotInStatement'), await count('inStatementNotRecorded'), await count('amountDiffers'), await count('refunded')]).toEqual([1, 1, 1, 0, 0]);
    expect(await page.getByTestId('recon-recordedNotInStatement').innerText()).toContain(wechatTx(2));
    expect(await page.getByTestId('recon-inStatementNotRecorded').innerText()).toContain(wechatTx(9));
    expect(await page.getByTestId('recon-matched').innerText()).toContain('张*');
    expect(await page.getByTestId('recon-agree').innerText()).toContain('账单汇总行与明细一致');
    await screenshot(page, 'payments-desktop-reconcile');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('recon-download').click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^reconciliation-wechat-${today}-[0-9a-f]{8}\\.xlsx$`));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as unknown as Parameters<typeof wb.xlsx.load>[0]);
    expect(wb.getWorksheet('已核对 Matched')!.rowCount).toBe(2);
    expect(wb.getWorksheet('到账未登记 Not recorded')!.getRow(2).getCell(2).value).toBe(wechatTx(9));
    expect(wb.getWorksheet('已登记未到账 Not in statement')!.getRow(2).getCell(1).value).toBe(LI);

    // the reconciliation stays on reload (its statement is in the address)
    await page.reload();
    await page.locator('[data-testid="recon-result"]').waitFor();
    expect(await count('inStatementNotRecorded')).toBe(1);
    await noCash(page);
  });

  it('the refund list names the duplicate and the payment that counts', async () => {
    await page.getByRole('tab', { name: '待退款' }).click();
    await page.locator('[data-testid="refunds-totals"][data-count="1"]').waitFor();
    const reason = page.getByTestId('refund-reason');
    expect(await reason.getAttribute('data-reason')).toBe('duplicate');
    expect(await reason.innerText()).toContain(`首笔：微信支付 ${wechatTx(1)}`);
    expect(await page.getByTestId('refunds').innerText()).toContain(alipayTx(3));
    await screenshot(page, 'payments-desktop-refunds');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('refunds-download').click()]);
    expect(download.suggestedFilename()).toBe(`refunds-${today}.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as unknown as Parameters<typeof wb.xlsx.load>[0]);
    const sheet = wb.getWorksheet('待退款 To refund')!;
    expect([sheet.getRow(2).getCell(2).value, sheet.getRow(2).getCell(3).value, sheet.getRow(2).getCell(6).value]).toEqual([ZHANG, '张*', alipayTx(3)]);
  });

  it('the day close counts the queue and the payments of the day, and prints alone on A4 with signature lines', async () => {
    // the desk checks both paid students in; stations call them; 李四 does not come when called (skipped)
    for (const [no, code] of [[ZHANG, 'E2E-CODE-ZHANG-0001'], [LI, 'E2E-CODE-LI-0002']] as const) {
      const r = await operatorApi.request('POST', '/api/checkins', { body: { studentNo: no, collectionCode: code, site: 'beijing' } });
      expect(r.status).toBe(201);
    }
    await operatorApi.post('/api/queue/beijing/next', { stationId: 'beijing-1' });
    const li = await operatorApi.post<{ ticket: { id: string }; student: { studentNo: string } }>('/api/queue/beijing/next', { stationId: 'beijing-2' });
    expect(li.student.studentNo).toBe(LI);
    await operatorApi.post(`/api/tickets/${li.ticket.id}/skip`);
    await operatorApi.post('/api/queue/beijing/next', { stationId: 'beijing-1', releasePrevious: true }); // ends 张三's turn, calls 李四 again

    await page.getByRole('tab', { name: '日结' }).click();
    await page.locator(`[data-testid="day-close"][data-site="beijing"][data-date="${today}"]`).waitFor();
    const value = async (id: string) => page.getByTestId(`close-${id}`).getAttribute('data-value');
    expect([await value('issued'), await value('served'), await value('skipped'), await value('removed'), await value('photographed'), await value('confirmed'), await value('payments'), await value('amount')]).toEqual(['2', '1', '1', '0', '0', '0', '3', '60.00']);
    const sheet = await page.getByTestId('close-sheet').innerText();
    for (const s of ['现场采集日结单', '发放排队号', '微信支付', '支付宝', '收款合计', '40.00', '60.00', '其中重复支付（待退款）', '收费员', '图片社负责人', '研究生院']) expect(sheet).toContain(s);
    await screenshot(page, 'payments-desktop-close');
    await noCash(page);

    // print: only the sheet, on A4
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('payments-page').isVisible()).toBe(false);
    expect(await page.locator('.gp-print-root').isVisible()).toBe(true);
    await page.screenshot({ path: `${SCREENS}/payments-close-print.png`, fullPage: true });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
  });

  it('on a phone (390×844): the record form, the list and the day close fit the screen', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' })).newPage();
    await loginInBrowser(phone, server.baseUrl, cashier);
    await phone.goto(`${server.baseUrl}/payments`);
    await phone.getByTestId('payments-page').waitFor();
    await phone.locator('[data-testid="payments-totals"][data-count="3"]').waitFor();
    // one card per payment (the amount visible without scrolling sideways)
    expect(await phone.getByTestId('payment-cards').getByTestId('payment-name').allInnerTexts()).toEqual(['张*', '李*', '张*']);
    await screenshot(phone, 'payments-phone-list');
    expect(await horizontalOverflow(phone)).toBeLessThanOrEqual(0);
    await phone.goto(`${server.baseUrl}/payments?tab=close`);
    await phone.locator('[data-testid="day-close"]').waitFor();
    await screenshot(phone, 'payments-phone-close');
    expect(await horizontalOverflow(phone)).toBeLessThanOrEqual(0);
    await phone.goto(`${server.baseUrl}/payments?tab=reconcile`);
    await phone.getByText('上传商户账单').waitFor();
    expect(await horizontalOverflow(phone)).toBeLessThanOrEqual(0);
    // English
    await phone.getByText('EN', { exact: true }).click();
    await phone.getByText('Upload a merchant statement').waitFor();
    await noCash(phone);
    await screenshot(phone, 'payments-phone-reconcile-en');
    await phone.getByText('中', { exact: true }).click();
  });
});
