// English plurals and brackets of the cashier's pages (outside test of issue 9, finding 7): "1 payment", not
// "1 payments"; no full-width brackets in English texts of the payments section.
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { zh } from './zh.js';

async function translator(lang: 'zh' | 'en') {
  const i18n = i18next.createInstance();
  await i18n.init({ lng: lang, resources: { zh: { translation: zh }, en: { translation: en } }, interpolation: { escapeValue: false } });
  return i18n.t.bind(i18n);
}

/** every text of an object, with its key */
function texts(node: unknown, prefix = ''): [string, string][] {
  if (typeof node === 'string') return [[prefix, node]];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => texts(v, prefix ? `${prefix}.${k}` : k));
}

describe('English plurals of the payments pages', () => {
  it('one payment, two payments; Chinese unchanged', async () => {
    const t = await translator('en');
    expect(t('payments.totals', { count: 1, amount: '20.00' })).toBe('Total 1 payment, 20.00 yuan');
    expect(t('payments.totals', { count: 2, amount: '40.00' })).toBe('Total 2 payments, 40.00 yuan');
    expect(t('payments.totals', { count: 0, amount: '0.00' })).toBe('Total 0 payments, 0.00 yuan');
    expect(t('payments.refunds.totals', { count: 1, amount: '20.00', dupCount: 1, nrCount: 0 })).toBe('1 payment, 20.00 yuan (1 paid twice, 0 no longer required)');
    const zhT = await translator('zh');
    expect(zhT('payments.totals', { count: 1, amount: '20.00' })).toBe(zhT('payments.totals', { count: 2, amount: '20.00' }).replace('2', '1'));
  });

  it('no full-width brackets or Chinese punctuation in the English payments texts', () => {
    for (const [key, text] of texts(en.payments)) expect(text, `payments.${key}`).not.toMatch(/[（）：，。]/);
  });
});
