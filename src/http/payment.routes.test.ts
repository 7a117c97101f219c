// The payment API over real HTTP, once per database (issue 9 section 3, P1): statuses and error bodies in the
// caller's language, 20 concurrent requests for one transaction from different students (exactly one 201),
// the idempotent repeat, masked names for the cashier, and a merchant bill uploaded as multipart `file` with
// one payment missing and one extra, read back through getReconciliation.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alipayStatement, alipayTx, wechatBill, wechatTx } from '../../test/support/payment-statements.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { DayCloseSchema, PaymentListSchema, PaymentSchema, ReconciliationSchema, RefundListSchema } from '../contracts/payment.js';
import { applyRosterImport } from '../services/roster.service.js';

const fillerNo = (i: number) => `2502${String(i).padStart(6, '0')}`;
const A = '2501000001';
const B = '2501000002';
const ROSTER = rosterCsv([rosterRow(A, { 姓名: '欧阳娜娜' }), rosterRow(B), ...Array.from({ length: 20 }, (_, i) => rosterRow(fillerNo(i)))]);
const TODAY = '2023-10-20';

describe.each(DIALECTS)('payment API on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  const cookies: Record<string, string> = {};

  const post = (who: string, path: string, json: unknown, lang = 'zh') =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { cookie: cookies[who]!, 'content-type': 'application/json', 'accept-language': lang }, body: JSON.stringify(json) });
  const get = (who: string, path: string) => fetch(`${server.url}${path}`, { headers: { cookie: cookies[who]! } });
  const upload = (who: string, bytes: Buffer, name = 'bill.csv') => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), name);
    return fetch(`${server.url}/api/payments/statements`, { method: 'POST', headers: { cookie: cookies[who]! }, body: form });
  };
  const payment = (studentNo: string, transactionId: string, method = 'wechat') => ({ studentNo, method, transactionId, amountFen: 2000 });

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    const admin = await createActor(rt.deps, 'admin', [], 'payapi-admin');
    await createActor(rt.deps, 'cashier', [], 'payapi-cashier');
    await createActor(rt.deps, 'operator', [], 'payapi-operator');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(ROSTER) }, 'roster.csv', 'zh');
    for (const who of ['payapi-admin', 'payapi-cashier', 'payapi-operator']) cookies[who] = await loginOverHttp(server.url, who);
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('records a payment (201), the same again (200), and answers a wrong amount and a wrong number in the caller’s language', async () => {
    const first = await post('payapi-operator', '/api/payments', payment(A, wechatTx(1)));
    expect(first.status).toBe(201);
    const body = PaymentSchema.parse(await first.json());
    expect(body).toMatchObject({ studentNo: A, name: '欧**娜', nameMasked: true, method: 'wechat', amountFen: 2000, date: TODAY });
    const again = await post('payapi-operator', '/api/payments', payment(A, wechatTx(1)));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(body.id);

    const amount = await post('payapi-cashier', '/api/payments', { ...payment(B, wechatTx(2)), amountFen: 1000 }, 'en');
    expect(amount.status).toBe(422);
    expect(ErrorBodySchema.parse(await amount.json()).error).toMatchObject({ code: 'PAYMENT_AMOUNT_MISMATCH', message: 'The amount must be 20.00 yuan (2000 fen); received 10.00 yuan (1000 fen) (P1)' });
    const number = await post('payapi-cashier', '/api/payments', payment(B, '2023110122001412345678901', 'alipay'));
    expect(number.status).toBe(422);
    expect(ErrorBodySchema.parse(await number.json()).error.message).toBe('“支付宝交易号”应为28–32 位数字，收到“2023110122001412345678901”（25 位）（P1）');
    const cash = await post('payapi-cashier', '/api/payments', payment(B, wechatTx(2), 'cash'));
    expect(cash.status).toBe(400);
  });

  it('20 concurrent requests for one transaction from 20 students: exactly one 201, 19 × 409 PAYMENT_REFERENCE_IN_USE', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? 'payapi-cashier' : 'payapi-operator', '/api/payments', payment(fillerNo(i), wechatTx(3)))));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    const codes = await Promise.all(answers.filter((r) => r.status === 409).map(async (r) => ErrorBodySchema.parse(await r.json()).error.code));
    expect(new Set(codes)).toEqual(new Set(['PAYMENT_REFERENCE_IN_USE']));
    const refused = await rt.deps.db.db.selectFrom('audit_events').select('result').where('action', '=', 'payment.refused').execute();
    expect(refused.length).toBeGreaterThanOrEqual(19);
  });

  it('a second payment of a student: 409 ALREADY_PAID; recorded with duplicate: true it is on the refund list', async () => {
    const r = await post('payapi-cashier', '/api/payments', payment(A, wechatTx(4)));
    expect(r.status).toBe(409);
    expect(ErrorBodySchema.parse(await r.json()).error.code).toBe('ALREADY_PAID');
    expect((await post('payapi-cashier', '/api/payments', { ...payment(A, wechatTx(4)), duplicate: true })).status).toBe(201);
    const list = PaymentListSchema.parse(await (await get('payapi-cashier', '/api/payments?refundDue=true')).json());
    expect(list.items.map((p) => [p.studentNo, p.refundDue, p.nameMasked])).toEqual([[A, 'duplicate', true]]);
    const byMethod = PaymentListSchema.parse(await (await get('payapi-admin', `/api/payments?method=wechat&date=${TODAY}&site=beijing`)).json());
    expect(byMethod.items.find((p) => p.studentNo === A)?.name).toBe('欧阳娜娜');
  });

  it('reconciles a WeChat bill uploaded as multipart: one missing, one extra; the same file again: 200; getReconciliation reads it back', async () => {
    await post('payapi-cashier', '/api/payments', payment(B, alipayTx(5), 'alipay'));
    // recorded: A (wechatTx 1), the winner of wechatTx 3, A's duplicate (wechatTx 4), B by Alipay
    const bill = wechatBill([
      { transactionId: wechatTx(1), amount: '20.00', at: `${TODAY} 09:00:00` },
      { transactionId: wechatTx(3), amount: '20.00', at: `${TODAY} 09:05:00` },
      { transactionId: wechatTx(99), amount: '20.00', at: `${TODAY} 09:10:00` },
    ]);
    const res = await upload('payapi-cashier', bill);
    expect(res.status).toBe(201);
    const r = ReconciliationSchema.parse(await res.json());
    expect(r.matched).toHaveLength(2);
    expect(r.inStatementNotRecorded.map((l) => [l.line, l.transactionId])).toEqual([[4, wechatTx(99)]]);
    expect(r.recordedNotInStatement.map((p) => p.transactionId)).toEqual([wechatTx(4)]);
    expect(r.refunds.map((p) => p.transactionId)).toEqual([wechatTx(4)]);
    expect(r.totals).toMatchObject({ agree: true, file: { payments: 3, paymentFen: 6000 } });
    expect((await upload('payapi-admin', bill)).status).toBe(200);
    const read = await get('payapi-admin', `/api/payments/reconciliation?statement=${r.statement.id}`);
    expect(read.status).toBe(200);
    expect(ReconciliationSchema.parse(await read.json()).statement.id).toBe(r.statement.id);
    // the same as XLSX: a summary sheet and one sheet per list; the cashier's copy has masked names
    const xlsx = await get('payapi-cashier', `/api/payments/reconciliation.xlsx?statement=${r.statement.id}`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-disposition')).toMatch(/^attachment; filename="reconciliation-wechat-2023-10-20-[0-9a-f]{8}\.xlsx"; filename\*=UTF-8''reconciliation-wechat-2023-10-20-[0-9a-f]{8}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    expect(wb.worksheets.map((s) => s.name)).toEqual(['汇总 Summary', '已核对 Matched', '已登记未到账 Not in statement', '到账未登记 Not recorded', '金额不符 Amount differs', '已退款 Refunded', '待退款 To refund']);
    const notRecorded = wb.getWorksheet('到账未登记 Not recorded')!;
    expect(notRecorded.getRow(2).values).toEqual([undefined, 4, wechatTx(99), 'GP000003', '20.00', `${TODAY} 09:10:00`]);
    const matchedNames = wb.getWorksheet('已核对 Matched')!.getColumn(2).values.slice(2);
    expect(matchedNames).toContain('欧**娜');
    const exported = await rt.deps.db.db.selectFrom('audit_events').select('target_id').where('action', '=', 'payments.exported').execute();
    expect(exported).toEqual([{ target_id: r.statement.id }]);

    const alipay = await upload('payapi-cashier', alipayStatement([{ transactionId: alipayTx(5), amount: '20.00', at: `${TODAY} 10:00:00` }]), 'alipay.csv');
    expect(alipay.status).toBe(201);
    expect(ReconciliationSchema.parse(await alipay.json()).matched.map((m) => m.payment.studentNo)).toEqual([B]);
  });

  it('a bad bill: 422 naming the line, nothing stored; the operator may not upload (403 before the body is read)', async () => {
    const before = await rt.deps.db.db.selectFrom('payment_statements').select('id').execute();
    const text = wechatBill([{ transactionId: wechatTx(7), amount: '20.00', at: `${TODAY} 09:00:00` }]).toString('utf8').replace('`20.00,`0.00', '`twenty,`0.00');
    const res = await upload('payapi-cashier', Buffer.from(text, 'utf8'));
    expect(res.status).toBe(422);
    expect(ErrorBodySchema.parse(await res.json()).error).toMatchObject({ code: 'PAYMENT_STATEMENT_INVALID', message: '对账单第 2 行：金额不是有效的元金额（“twenty”）；未导入任何内容', details: { line: 2 } });
    expect(await rt.deps.db.db.selectFrom('payment_statements').select('id').execute()).toHaveLength(before.length);
    expect((await upload('payapi-operator', Buffer.from(text))).status).toBe(403);
  });
  it('listRefunds and getDayClose over HTTP: the cashier reads them (masked), the operator may not, a bad date is 400 in the caller’s language', async () => {
    const refunds = await get('payapi-cashier', '/api/payments/refunds');
    expect(refunds.status).toBe(200);
    const list = RefundListSchema.parse(await refunds.json());
    expect(list.items.map((r) => [r.payment.studentNo, r.reason, r.payment.nameMasked, r.firstPayment?.transactionId])).toEqual([[A, 'duplicate', true, wechatTx(1)]]);
    expect(list.totals).toMatchObject({ count: 1, amountFen: 2000, duplicate: { count: 1, amountFen: 2000 } });
    expect((await get('payapi-operator', '/api/payments/refunds')).status).toBe(403);
    // the same as XLSX: masked for the cashier, audited, no personal data in the file name
    const xlsx = await get('payapi-cashier', '/api/payments/refunds.xlsx');
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-disposition')).toMatch(/^attachment; filename="refunds-\d{4}-\d{2}-\d{2}\.xlsx"; filename\*=UTF-8''refunds-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    const sheet = wb.getWorksheet('待退款 To refund')!;
    expect(sheet.getRow(2).getCell(2).value).toBe(A);
    expect(sheet.getRow(2).getCell(3).value).toBe('欧**娜');
    expect(String(sheet.getRow(2).getCell(8).value)).toContain(wechatTx(1));
    expect(sheet.getRow(3).getCell(7).value).toBe('20.00');
    const exported = await rt.deps.db.db.selectFrom('audit_events').select(['target_type', 'details']).where('action', '=', 'payments.exported').where('target_type', '=', 'refund_list').execute();
    expect(exported).toHaveLength(1);
    expect((await get('payapi-operator', '/api/payments/refunds.xlsx')).status).toBe(403);

    const close = await get('payapi-cashier', `/api/payments/day-close?site=beijing&date=${TODAY}`);
    expect(close.status).toBe(200);
    const body = DayCloseSchema.parse(await close.json());
    expect(body).toMatchObject({ site: 'beijing', date: TODAY, tickets: { issued: 0 }, payments: { duplicates: { count: 1, amountFen: 2000 } } });
    expect(body.payments.byMethod.map((m) => m.method)).toEqual(['wechat', 'alipay']);
    expect(body.payments.count).toBe(body.payments.byMethod.reduce((s, m) => s + m.count, 0));
    expect(JSON.stringify(body)).not.toMatch(/欧|studentNo|name/); // no personal data on the closing sheet
    expect((await get('payapi-operator', '/api/payments/day-close?site=beijing')).status).toBe(403);
    const bad = await fetch(`${server.url}/api/payments/day-close?site=beijing&date=11-01`, { headers: { cookie: cookies['payapi-cashier']!, 'accept-language': 'en' } });
    expect(bad.status).toBe(400);
    expect(ErrorBodySchema.parse(await bad.json()).error.message).toContain('date');
  });
});
