// Invalid photos (E7) and corrections (issue 10 section 4): why a photo is flagged, in words, and what the
// registry package did with it. Pure.
import type { Lang } from './i18n.js';

/**
 * Why a photo is invalid (photos.invalid_reason, set by src/services/photo-validity.ts): the rule that now
 * excludes the student (E4–E6), `removed` (no longer on the roster), or a decision without a rule.
 */
export function invalidReasonText(reason: string, lang: Lang): string {
  const zh: Record<string, string> = {
    E4: 'E4：已确定延期至本次采集之后，现在拍摄的照片无效',
    E5: 'E5：结业后换发毕业证书，沿用结业时的照片',
    E6: 'E6：单证（仅学位证书），不参加本次学历证书图像采集',
    removed: '学生已从名单中移除',
    excluded: '学生现在不需要采集',
    'not-in-campaign': '学生不在本次采集范围内（预计毕业时间不在目标学期）',
  };
  const en: Record<string, string> = {
    E4: 'E4: deferred beyond this campaign; a photo taken now is invalid',
    E5: 'E5: converts from completion to graduation; the photo of the completion is used',
    E6: 'E6: single certificate (degree only); not part of this diploma campaign',
    removed: 'The student was removed from the roster',
    excluded: 'The student no longer needs to be photographed',
    'not-in-campaign': 'The student is not in this campaign (expected term outside the target terms)',
  };
  const table = lang === 'en' ? en : zh;
  return table[reason] ?? (lang === 'en' ? `No longer required (${reason})` : `不再需要采集（${reason}）`);
}

/**
 * What the registry package did with a flagged or voided photo: never exported (never will be); exported in a
 * batch and withdrawn in a later one (withdrawn.csv); or exported and to be withdrawn by the next batch.
 */
export type RegistryStatus = { kind: 'never' } | { kind: 'withdrawn'; exportedIn: string; withdrawnIn: string } | { kind: 'to-withdraw'; exportedIn: string };

export function registryStatusOf(exportedIn: string | null, withdrawnIn: string | null): RegistryStatus {
  if (!exportedIn) return { kind: 'never' };
  if (withdrawnIn) return { kind: 'withdrawn', exportedIn, withdrawnIn };
  return { kind: 'to-withdraw', exportedIn };
}

export function registryStatusText(s: RegistryStatus, lang: Lang): string {
  if (lang === 'en') {
    if (s.kind === 'never') return 'Never exported';
    if (s.kind === 'withdrawn') return `Exported in ${s.exportedIn}; listed in withdrawn.csv of ${s.withdrawnIn}`;
    return `Exported in ${s.exportedIn}; the next batch lists it in withdrawn.csv`;
  }
  if (s.kind === 'never') return '从未上传';
  if (s.kind === 'withdrawn') return `曾随 ${s.exportedIn} 上传；已列入 ${s.withdrawnIn} 的 withdrawn.csv（撤回）`;
  return `曾随 ${s.exportedIn} 上传；下一批上传包将在 withdrawn.csv 中撤回`;
}
