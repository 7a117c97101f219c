// Invalid photos (E7) and corrections: why a photo is flagged in words, and what the registry package did.
import { describe, expect, it } from 'vitest';
import { invalidReasonText, registryStatusOf, registryStatusText } from './corrections.js';

describe('corrections texts', () => {
  it('names each rule in Chinese and English, and an unknown reason as it is', () => {
    expect(invalidReasonText('E4', 'zh')).toMatch(/^E4：已确定延期/);
    expect(invalidReasonText('E6', 'en')).toMatch(/^E6: single certificate/);
    expect(invalidReasonText('removed', 'en')).toBe('The student was removed from the roster');
    expect(invalidReasonText('X9', 'zh')).toBe('不再需要采集（X9）');
  });

  it('says never exported, withdrawn in which batch, or to be withdrawn by the next one', () => {
    expect(registryStatusOf(null, null)).toEqual({ kind: 'never' });
    expect(registryStatusText(registryStatusOf(null, null), 'en')).toBe('Never exported');
    const withdrawn = registryStatusOf('b1.zip.gpg', 'b2.zip.gpg');
    expect(withdrawn).toEqual({ kind: 'withdrawn', exportedIn: 'b1.zip.gpg', withdrawnIn: 'b2.zip.gpg' });
    expect(registryStatusText(withdrawn, 'zh')).toBe('曾随 b1.zip.gpg 上传；已列入 b2.zip.gpg 的 withdrawn.csv（撤回）');
    expect(registryStatusText(registryStatusOf('b1.zip.gpg', null), 'en')).toBe('Exported in b1.zip.gpg; the next batch lists it in withdrawn.csv');
  });
});
