// The cashier's page checks a transaction number as it is typed (src/web/components/payments/RecordPaymentForm.tsx):
// transactionIdProblem must say exactly what the server answers for PAYMENT_TRANSACTION_INVALID, in both languages.
import { describe, expect, it } from 'vitest';
import { isAppError } from '../domain/errors.js';
import { translateError } from '../domain/i18n.js';
import { checkTransactionId } from '../domain/payment.js';
import { transactionIdProblem } from './payment.js';

function serverMessage(method: 'wechat' | 'alipay', value: string, lang: 'zh' | 'en'): string | null {
  try {
    checkTransactionId(method, value.trim());
    return null;
  } catch (e) {
    if (!isAppError(e)) throw e;
    return translateError(e.code, e.params, lang);
  }
}

describe('transactionIdProblem (P1)', () => {
  it.each([
    ['wechat', '4200001234'],
    ['wechat', '42000019000000000000000000011'], // 29 digits
    ['wechat', '4200001900000000000000000A01'],
    ['alipay', '2023110122001412345678901'], // 25 digits
    ['alipay', '2'.repeat(70)],
  ] as const)('%s %s: the server’s message, zh and en', (method, value) => {
    for (const lang of ['zh', 'en'] as const) {
      const problem = transactionIdProblem(method, value, lang);
      expect(problem).not.toBeNull();
      expect(problem).toBe(serverMessage(method, value, lang));
    }
  });

  it('names the field, what it must be and the length', () => {
    expect(transactionIdProblem('wechat', '4200001234', 'zh')).toBe('“微信支付订单号”应为28 位数字，收到“4200001234”（10 位）（P1）');
    expect(transactionIdProblem('alipay', '123', 'en')).toBe('"Alipay transaction number" must be 28 to 32 digits; received "123" (3 characters) (P1)');
  });

  it('a well-formed number (surrounding spaces trimmed, as the server does) is no problem', () => {
    expect(transactionIdProblem('wechat', ` ${'4'.repeat(28)} `, 'zh')).toBeNull();
    expect(transactionIdProblem('alipay', '2'.repeat(32), 'en')).toBeNull();
    expect(transactionIdProblem('alipay', '2'.repeat(28), 'en')).toBeNull();
  });
});
