// The registry's answer to a package (issue 10 section 1, A1; docs/decisions/0024-registry-answer.md): which
// column holds the student number and which the status, in the wordings the registry (学信网) and people use,
// and what each row means. Pure: the file is read by the roster reader (src/adapters/roster-file.ts).

export type RegistryAnswerStatus = 'accepted' | 'rejected';

/** Lower-cased, without spaces, underscores, hyphens, dots, brackets and a BOM: how a header or a status is compared. */
export function normaliseWord(s: string): string {
  return s
    .replace(/^\uFEFF/, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.:：()（）[\]【】]/g, '');
}

const STUDENT_NO_HEADERS = ['学号', '学生学号', '学籍号', '考生学号', 'xh', 'studentno', 'studentnumber', 'studentid'];
const STATUS_HEADERS = ['状态', '结果', '校对结果', '审核结果', '审核状态', '核对结果', '比对结果', '处理结果', '照片状态', '图像状态', '上传结果', '校验结果', 'status', 'result', 'answer', 'outcome'];

/** Where the student number and the status are in a header row (-1: not there). */
export function findAnswerColumns(headers: readonly string[]): { studentNo: number; status: number } {
  const norm = headers.map(normaliseWord);
  return {
    studentNo: norm.findIndex((h) => STUDENT_NO_HEADERS.includes(h)),
    status: norm.findIndex((h) => STATUS_HEADERS.includes(h)),
  };
}

/** The words the registry and people write for each answer (compared normalised). */
export const STATUS_WORDS: Record<RegistryAnswerStatus, readonly string[]> = {
  accepted: ['通过', '已通过', '审核通过', '审核已通过', '校对通过', '校对已通过', '合格', '正确', '无误', '已接收', '接收', 'accepted', 'accept', 'ok', 'pass', 'passed', 'approved'],
  rejected: ['有误', '有错误', '错误', '不合格', '不通过', '未通过', '审核不通过', '审核未通过', '校对不通过', '校对未通过', '退回', '驳回', '需重拍', '重拍', 'rejected', 'reject', 'error', 'wrong', 'failed', 'fail'],
};

/** What the word is about, written before it ("照片有误", "图像不合格", "照片审核通过"): dropped before matching. */
const SUBJECT_PREFIX = /^(照片|图像|相片|图片|证件照)/u;

/** A whole word of the lists (never a part of one: 不通过 is not 通过), after the subject prefix is dropped. */
export function parseAnswerStatus(word: string): RegistryAnswerStatus | null {
  const full = normaliseWord(word);
  if (full === '') return null;
  for (const w of [full, full.replace(SUBJECT_PREFIX, '')]) {
    if (w === '') continue;
    for (const status of ['accepted', 'rejected'] as const) if (STATUS_WORDS[status].some((s) => normaliseWord(s) === w)) return status;
  }
  return null;
}

/** A student number as typed in a sheet: trimmed, full-width digits made ASCII, Excel's "2601000001.0" undone. */
export function normaliseStudentNo(s: string): string {
  const t = s.normalize('NFKC').trim().replace(/^'/, '');
  return /^\d+\.0+$/.test(t) ? t.replace(/\.0+$/, '') : t;
}

/** What is wrong with one row of an answer file; each names the row and the value in the message. */
export type AnswerProblem =
  | 'student-no-missing'
  | 'status-unknown'
  | 'not-on-roster'
  | 'never-exported'
  | 'conflicting-rows'
  | 'already-answered-differently';

export interface AnswerRowProblem {
  /** 1-based row as the spreadsheet shows it */
  row: number;
  studentNo: string;
  value: string;
  problem: AnswerProblem;
  /** the other row (conflicting-rows) or the earlier answer's date (already-answered-differently) */
  other?: string;
}

const STATUS_TEXT: Record<RegistryAnswerStatus, { zh: string; en: string }> = {
  accepted: { zh: '通过', en: 'accepted' },
  rejected: { zh: '有误', en: 'rejected (有误)' },
};

export function statusText(status: RegistryAnswerStatus, lang: 'zh' | 'en'): string {
  return STATUS_TEXT[status][lang];
}

/** One bad row in the user's language, naming the row and the value. */
export function describeAnswerProblem(p: AnswerRowProblem, lang: 'zh' | 'en'): string {
  const v = p.value;
  const no = p.studentNo;
  switch (p.problem) {
    case 'student-no-missing':
      return lang === 'en' ? `row ${p.row}: the student number is empty` : `第 ${p.row} 行：学号为空`;
    case 'status-unknown':
      return lang === 'en'
        ? `row ${p.row}: status "${v}" of ${no} is not understood (expected 通过/accepted or 有误/rejected)`
        : `第 ${p.row} 行：学号 ${no} 的状态“${v}”无法识别（应为“通过”或“有误”）`;
    case 'not-on-roster':
      return lang === 'en' ? `row ${p.row}: student number ${no} is not on the roster` : `第 ${p.row} 行：学号 ${no} 不在名单中`;
    case 'never-exported':
      return lang === 'en' ? `row ${p.row}: no photo of ${no} was ever sent to the registry (not in any delivered batch)` : `第 ${p.row} 行：学号 ${no} 的照片从未导出给学信网（不在任何已生成的上传包中）`;
    case 'conflicting-rows':
      return lang === 'en' ? `row ${p.row}: ${no} is "${v}" here but differs on row ${p.other ?? '?'}` : `第 ${p.row} 行：学号 ${no} 此处为“${v}”，与第 ${p.other ?? '?'} 行的状态不同`;
    case 'already-answered-differently':
      return lang === 'en'
        ? `row ${p.row}: ${no} is "${v}" here, but the registry's answer about the same photo imported on ${p.other ?? '?'} says otherwise`
        : `第 ${p.row} 行：学号 ${no} 此处为“${v}”，但 ${p.other ?? '?'} 导入的学信网反馈对同一张照片的结论不同`;
  }
}

/** The reason written on a confirmation a 有误 answer voids (both languages: it is stored once and read by all). */
export const REGISTRY_VOID_REASON = '学信网反馈有误 / registry answer: rejected';
