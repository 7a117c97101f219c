// Rule P1: 20 元 by WeChat Pay or Alipay only; transaction numbers per method; reconciliation (issue 9 section 3).
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { translateError } from './i18n.js';
import { checkAmount, checkTransactionId, formatYuan, parseYuan, PAYMENT_METHODS, priceFen, reconcile, refundReason } from './payment.js';

const campaign = { price: { amount: 20, currency: 'CNY', unit: 'set', methods: ['electronic'] } };

function errorOf(f: () => void): AppError {
  try {
    f();
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected an AppError');
}

describe('payment rules (P1)', () => {
  it('knows WeChat Pay and Alipay only: there is no cash', () => {
    expect(PAYMENT_METHODS).toEqual(['wechat', 'alipay']);
  });

  it.each([
    ['wechat', '4200001901202311011234567890', true],
    ['wechat', '420000190120231101123456789', false], // 27
    ['wechat', '42000019012023110112345678901', false], // 29
    ['wechat', '42000019012023110112345678a0', false],
    ['alipay', '2023110122001412345678901234', true], // 28
    ['alipay', '20231101220014123456789012345678', true], // 32
    ['alipay', '202311012200141234567890123', false], // 27
    ['alipay', '202311012200141234567890123456789', false], // 33
    ['alipay', '2023110122001412345678901 34', false],
  ] as const)('%s transaction %s → valid %s', (method, tx, ok) => {
    if (ok) expect(() => checkTransactionId(method, tx)).not.toThrow();
    else expect(errorOf(() => checkTransactionId(method, tx)).code).toBe('PAYMENT_TRANSACTION_INVALID');
  });

  it('names the field, what it must be and the value, in Chinese and English', () => {
    const e = errorOf(() => checkTransactionId('wechat', '12345'));
    expect(translateError(e.code, e.params, 'zh')).toBe('“微信支付订单号”应为28 位数字，收到“12345”（5 位）（P1）');
    expect(translateError(e.code, e.params, 'en')).toBe('"WeChat Pay transaction number" must be 28 digits; received "12345" (5 characters) (P1)');
  });

  it('the amount is the campaign price in fen; another amount names both', () => {
    expect(priceFen(campaign)).toBe(2000);
    expect(() => checkAmount(campaign, 2000)).not.toThrow();
    const e = errorOf(() => checkAmount(campaign, 20));
    expect(e.code).toBe('PAYMENT_AMOUNT_MISMATCH');
    expect(translateError(e.code, e.params, 'zh')).toBe('金额应为 20.00 元（2000 分），收到 0.20 元（20 分）（P1）');
  });

  it('reads and writes yuan exactly', () => {
    expect(parseYuan('20')).toBe(2000);
    expect(parseYuan('20.5')).toBe(2050);
    expect(parseYuan('-0.12')).toBe(-12);
    expect(parseYuan('20.001')).toBeUndefined();
    expect(parseYuan('1e3')).toBeUndefined();
    expect(formatYuan(-1205)).toBe('-12.05');
  });

  it('reconciles: matched, amount differs, refunded, in the statement only, recorded only (days the statement covers)', () => {
    const p = (id: string, tx: string, amountFen = 2000, date = '2023-11-01') => ({ id, method: 'wechat' as const, transactionId: tx, amountFen, date });
    const line = (lineNo: number, tx: string, kind: 'payment' | 'refund' = 'payment', amountFen = 2000) => ({ lineNo, kind, transactionId: tx, merchantOrderNo: null, amountFen, tradedAt: '2023-11-01 10:00:00' });
    const out = reconcile('wechat', { from: '2023-11-01', to: '2023-11-01' }, [p('a', 'T1'), p('b', 'T2', 1000), p('c', 'T3'), p('d', 'T4', 2000, '2023-11-02'), { ...p('e', 'T5'), method: 'alipay' as const }], [line(2, 'T1'), line(3, 'T2'), line(4, 'T9'), line(5, 'T1', 'refund')]);
    expect(out.matched.map((m) => m.payment.id)).toEqual(['a']);
    expect(out.amountDiffers.map((m) => m.payment.id)).toEqual(['b']);
    expect(out.inStatementNotRecorded.map((l) => l.lineNo)).toEqual([4]);
    expect(out.recordedNotInStatement.map((x) => x.id)).toEqual(['c']);
    expect(out.refunded.map((r) => r.payment?.id)).toEqual(['a']);
  });

  it('a payment is to be refunded when it is a second one, or the student is no longer required (E7)', () => {
    expect(refundReason({ duplicateOf: 'x', decision: 'required', removed: false })).toBe('duplicate');
    expect(refundReason({ duplicateOf: null, decision: 'excluded', removed: false })).toBe('not-required');
    expect(refundReason({ duplicateOf: null, decision: 'required', removed: true })).toBe('not-required');
    expect(refundReason({ duplicateOf: null, decision: 'required', removed: false })).toBeNull();
  });
});
