// Every check-in refusal as the desk's sentence, in Chinese and English (issue 9 section 1).
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import type { CheckInPreview } from '../../../contracts/board.js';
import { en } from '../../i18n/en.js';
import { zh } from '../../i18n/zh.js';
import { refusalSentence } from './refusal.js';

const PREVIEW: CheckInPreview = {
  student: { studentNo: '2101002', name: '李*', nameMasked: true, department: '物理学院', decision: 'required' },
  rule: 'E2',
  site: 'shenzhen',
  paid: false,
  paymentBeforeQueue: true,
  priceFen: 2000,
  photoConfirmed: false,
  codeLast4: 'WXYZ',
  ticket: null,
};

async function translator(lng: 'zh' | 'en') {
  const i18n = i18next.createInstance();
  await i18n.init({ lng, resources: { zh: { translation: zh }, en: { translation: en } } });
  return i18n.t;
}

/** What api/client.ts throws for an error answer (ApiError: status, code, message, details). */
const refused = (code: string, details?: unknown) => Object.assign(new Error(`server: ${code}`), { status: 409, code, details });

describe('the desk’s refusal sentences', () => {
  it.each([
    ['COLLECTION_CODE_IN_USE', undefined, ['另一名学生', '2101002'], ['another student', '2101002']],
    ['COLLECTION_CODE_MISMATCH', undefined, ['2101002', 'WXYZ'], ['2101002', 'WXYZ']],
    ['COLLECTION_CODE_INVALID', { field: 'collectionCode', length: 0, chars: [] }, ['0 个字符', '重新扫描'], ['0 characters', 'again']],
    ['STUDENT_NOT_FOUND', { studentNo: '2101002' }, ['没有学号 2101002'], ['no student 2101002']],
    ['STUDENT_NOT_ELIGIBLE', { decision: 'excluded', rule: 'E6' }, ['E6', '单证'], ['E6', 'Single-certificate']],
    ['PHOTO_ALREADY_CONFIRMED', undefined, ['已经确认', 'C3'], ['confirmed', 'C3']],
    ['WRONG_SITE', { studentSite: 'shenzhen', site: 'beijing' }, ['深圳', '本签到台是北京'], ['Shenzhen', 'this desk is Beijing']],
    ['PAYMENT_REQUIRED', undefined, ['2101002', '尚未缴费'], ['2101002', 'not paid']],
  ] as const)('%s names what the clerk must tell the student', async (code, details, zhWords, enWords) => {
    for (const [lng, words] of [['zh', zhWords], ['en', enWords]] as const) {
      const sentence = refusalSentence(await translator(lng), refused(code, details), { studentNo: '2101002', preview: PREVIEW, deskSite: 'beijing' });
      for (const w of words) expect(sentence, sentence).toContain(w);
      expect(sentence).not.toContain('server:');
    }
  });

  it('an unknown code shows the server’s own message', async () => {
    expect(refusalSentence(await translator('zh'), refused('CONFLICT'), { studentNo: '1', preview: null, deskSite: 'beijing' })).toBe('server: CONFLICT');
  });
});
