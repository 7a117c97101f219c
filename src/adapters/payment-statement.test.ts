// The merchants' bill files (issue 9 section 3): WeChat Pay 交易账单 and Alipay 业务明细 as downloaded, the
// summary lines compared with the lines, a refund row, and bad input named by line (nothing half-read).
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { alipayStatement, alipayStatementText, alipayTx, wechatBill, wechatTx, WECHAT_HEADER } from '../../test/support/payment-statements.js';
import { AppError } from '../domain/errors.js';
import { translateError } from '../domain/i18n.js';
import { parsePaymentStatement } from './payment-statement.js';

function refusal(bytes: Uint8Array): AppError {
  try {
    parsePaymentStatement(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('PAYMENT_STATEMENT_INVALID');
    return e as AppError;
  }
  throw new Error('expected PAYMENT_STATEMENT_INVALID');
}

describe('WeChat Pay 交易账单', () => {
  const bill = wechatBill([
    { transactionId: wechatTx(1), amount: '20.00', at: '2023-11-01 09:31:05' },
    { transactionId: wechatTx(2), amount: '20.00', at: '2023-11-01 09:32:40' },
    { transactionId: wechatTx(1), amount: '20.00', at: '2023-11-01 10:02:00', refund: true },
  ]);

  it('reads the backtick-prefixed values, a refund row and the 总交易单数 summary (totals agree)', () => {
    const p = parsePaymentStatement(bill);
    expect(p.method).toBe('wechat');
    expect(p.lines).toEqual([
      { lineNo: 2, kind: 'payment', transactionId: wechatTx(1), merchantOrderNo: 'GP000001', amountFen: 2000, tradedAt: '2023-11-01 09:31:05' },
      { lineNo: 3, kind: 'payment', transactionId: wechatTx(2), merchantOrderNo: 'GP000002', amountFen: 2000, tradedAt: '2023-11-01 09:32:40' },
      { lineNo: 4, kind: 'refund', transactionId: wechatTx(1), merchantOrderNo: 'GP000003', amountFen: 2000, tradedAt: '2023-11-01 10:02:00' },
    ]);
    expect(p.totals).toEqual({ file: { payments: 3, paymentFen: 4000, refunds: 1, refundFen: 2000 }, lines: { payments: 3, paymentFen: 4000, refunds: 1, refundFen: 2000 }, agree: true });
    expect(p.period).toEqual({ from: '2023-11-01', to: '2023-11-01' });
  });

  it('reports summary lines that disagree with the lines (not an error: a finding)', () => {
    const p = parsePaymentStatement(wechatBill([{ transactionId: wechatTx(1), amount: '20.00', at: '2023-11-01 09:31:05' }], { summaryCount: 2, summarySettled: '40.00' }));
    expect(p.totals.agree).toBe(false);
    expect(p.totals.file).toMatchObject({ payments: 2, paymentFen: 4000 });
    expect(p.totals.lines).toMatchObject({ payments: 1, paymentFen: 2000 });
  });

  it('refuses a malformed transaction number, amount, status or column count, naming the line', () => {
    const text = wechatBill([
      { transactionId: wechatTx(1), amount: '20.00', at: '2023-11-01 09:31:05' },
      { transactionId: wechatTx(2), amount: '20.00', at: '2023-11-01 09:32:40' },
    ]).toString('utf8');
    const cases: [string, string, number, string][] = [
      ['transaction', text.replace(`\`${wechatTx(2)}`, '`4200001234'), 3, '4200001234'],
      ['amount', text.replace('`20.00,`0.00,`0,', '`20.0x,`0.00,`0,'), 2, '20.0x'],
      ['status', text.replace('`SUCCESS', '`PAYERROR'), 2, 'PAYERROR'],
      ['columns', text.replace('`研究生图像采集', '`研究生,图像采集'), 2, '28 ≠ 27'],
    ];
    for (const [reason, bad, line, value] of cases) {
      const e = refusal(Buffer.from(bad, 'utf8'));
      expect(e.params, reason).toMatchObject({ line, reason: `statement-${reason}`, value });
    }
    const e = refusal(Buffer.from(text.replace('`SUCCESS', '`PAYERROR'), 'utf8'));
    expect(translateError(e.code, e.params, 'zh')).toBe('对账单第 2 行：无法识别的交易状态或业务类型（“PAYERROR”）；未导入任何内容');
    expect(translateError(e.code, e.params, 'en')).toBe('Statement line 2: unknown transaction status or business type ("PAYERROR"); nothing was imported');
  });

  it('refuses a bill without its summary block or with a malformed one', () => {
    const text = wechatBill([{ transactionId: wechatTx(1), amount: '20.00', at: '2023-11-01 09:31:05' }]).toString('utf8');
    expect(refusal(Buffer.from(text.slice(0, text.indexOf('总交易单数')), 'utf8')).params).toMatchObject({ reason: 'statement-summary' });
    expect(refusal(Buffer.from(text.replace('`1,`20.00', '`one,`20.00'), 'utf8')).params).toMatchObject({ reason: 'statement-summary', line: 4, value: 'one' });
  });

  it('refuses a bill with the same payment twice', () => {
    const e = refusal(wechatBill([
      { transactionId: wechatTx(1), merchantOrderNo: 'A', amount: '20.00', at: '2023-11-01 09:31:05' },
      { transactionId: wechatTx(1), merchantOrderNo: 'A', amount: '20.00', at: '2023-11-01 09:31:05' },
    ]));
    expect(e.params).toMatchObject({ line: 3, reason: 'statement-duplicate' });
  });
});

describe('Alipay 业务明细 (GBK)', () => {
  const lines = [
    { transactionId: alipayTx(1), amount: '20.00', at: '2023-11-01 09:31:05' },
    { transactionId: alipayTx(2), amount: '20.00', at: '2023-11-01 09:40:00' },
    { transactionId: alipayTx(3), amount: '20.00', at: '2023-11-01 09:45:00' },
    { transactionId: alipayTx(2), amount: '20.00', at: '2023-11-01 11:00:00', refund: true },
  ];

  it('reads the table between the # comment lines, a refund row (退款) and the 交易合计 / 退款合计 lines', () => {
    const p = parsePaymentStatement(alipayStatement(lines));
    expect(p.method).toBe('alipay');
    expect(p.lines.map((l) => [l.lineNo, l.kind, l.transactionId, l.amountFen])).toEqual([
      [6, 'payment', alipayTx(1), 2000],
      [7, 'payment', alipayTx(2), 2000],
      [8, 'payment', alipayTx(3), 2000],
      [9, 'refund', alipayTx(2), 2000],
    ]);
    expect(p.totals).toEqual({ file: { payments: 3, paymentFen: 6000, refunds: 1, refundFen: 2000 }, lines: { payments: 3, paymentFen: 6000, refunds: 1, refundFen: 2000 }, agree: true });
  });

  it('reads the same file saved as UTF-8 too (recognised by content, not by encoding or name)', () => {
    expect(parsePaymentStatement(Buffer.from(alipayStatementText(lines), 'utf8')).lines).toHaveLength(4);
  });

  it('refuses a malformed 交易合计 line, an unknown 业务类型 and a short transaction number, naming the line', () => {
    const text = alipayStatementText(lines);
    expect(refusal(iconv.encode(text.replace('#交易合计：3笔', '#交易合计：三笔'), 'gbk')).params).toMatchObject({ reason: 'statement-summary', line: 11 });
    expect(refusal(iconv.encode(text.replace('退款\t', '转账\t'), 'gbk')).params).toMatchObject({ reason: 'statement-status', line: 9, value: '转账' });
    expect(refusal(iconv.encode(text.replace(`${alipayTx(3)}\t`, '2023110122\t'), 'gbk')).params).toMatchObject({ reason: 'statement-transaction', line: 8 });
  });
});

describe('bad input', () => {
  it('an empty file, a binary file, a roster or another CSV: named, line 1', () => {
    expect(refusal(new Uint8Array()).params).toMatchObject({ line: 1, reason: 'statement-empty' });
    expect(refusal(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2])).params).toMatchObject({ line: 1, reason: 'statement-encoding' });
    expect(refusal(Buffer.from('学号,姓名,院系\n2301000001,张三,物理学院\n', 'utf8')).params).toMatchObject({ line: 1, reason: 'statement-format', value: '学号,姓名,院系' });
  });

  it('bytes that are neither UTF-8 nor GBK: an encoding error naming the line', () => {
    const good = Buffer.from(`${WECHAT_HEADER}\n`, 'utf8');
    const bad = Buffer.concat([good, Buffer.from([0x81, 0x20, 0xff, 0x0a])]);
    expect(refusal(bad).params).toMatchObject({ line: 2, reason: 'statement-encoding' });
  });

  it('a header without data lines', () => {
    expect(refusal(Buffer.from(`${WECHAT_HEADER}\n总交易单数,应结订单总金额,退款总金额\n\`0,\`0.00,\`0.00\n`, 'utf8')).params).toMatchObject({ reason: 'statement-no-rows', line: 2 });
  });
});
