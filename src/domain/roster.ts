import type { CampaignDefinition, SiteId } from './campaign.js';
import type { Text } from './i18n.js';
import { fill } from './i18n.js';
import { maskNationalId, maskNationalIdsIn, validateNationalId } from './national-id.js';
import type { Term } from './term.js';
import { parseTerm } from './term.js';

/** One roster row after validation (docs/rules/roster-format.md). */
export interface RosterStudent {
  studentNo: string;
  name: string;
  department: string;
  level: 'master' | 'doctor';
  certificate: 'dual' | 'single';
  expectedTerm: Term;
  finish: 'graduate' | 'complete';
  employed: boolean;
  studyCity: SiteId | null;
  priorCaptureTerm: Term | null;
  deferredTo: Term | null;
  convertingFromCompletion: boolean;
  nationalId: string | null;
  email: string | null;
  phone: string | null;
}

export type RosterField = keyof RosterStudent;

interface FieldSpec {
  field: RosterField;
  headers: string[];
  required: boolean;
  label: Text;
}

/** Column headers accepted for each field; matched ignoring case and surrounding spaces. */
export const ROSTER_FIELDS: FieldSpec[] = [
  { field: 'studentNo', headers: ['学号', 'student_no'], required: true, label: { zh: '学号', en: 'student_no' } },
  { field: 'name', headers: ['姓名', 'name'], required: true, label: { zh: '姓名', en: 'name' } },
  { field: 'department', headers: ['院系', '学院', 'department'], required: true, label: { zh: '院系', en: 'department' } },
  { field: 'level', headers: ['层次', '培养层次', 'level'], required: true, label: { zh: '层次', en: 'level' } },
  { field: 'certificate', headers: ['证书类型', '双证/单证', 'certificate'], required: true, label: { zh: '证书类型', en: 'certificate' } },
  { field: 'expectedTerm', headers: ['预计毕业时间', 'expected_term'], required: true, label: { zh: '预计毕业时间', en: 'expected_term' } },
  { field: 'finish', headers: ['毕业类型', '毕/结业', 'finish'], required: true, label: { zh: '毕业类型', en: 'finish' } },
  { field: 'employed', headers: ['在职', 'employed'], required: false, label: { zh: '在职', en: 'employed' } },
  { field: 'studyCity', headers: ['学习地点', 'study_city'], required: false, label: { zh: '学习地点', en: 'study_city' } },
  { field: 'priorCaptureTerm', headers: ['已采集时间', 'prior_capture_term'], required: false, label: { zh: '已采集时间', en: 'prior_capture_term' } },
  { field: 'deferredTo', headers: ['确定延期至', 'deferred_to'], required: false, label: { zh: '确定延期至', en: 'deferred_to' } },
  {
    field: 'convertingFromCompletion',
    headers: ['结业换毕业', 'converting_from_completion'],
    required: false,
    label: { zh: '结业换毕业', en: 'converting_from_completion' },
  },
  { field: 'nationalId', headers: ['身份证号', 'national_id'], required: false, label: { zh: '身份证号', en: 'national_id' } },
  { field: 'email', headers: ['邮箱', 'email'], required: false, label: { zh: '邮箱', en: 'email' } },
  { field: 'phone', headers: ['手机', 'phone'], required: false, label: { zh: '手机', en: 'phone' } },
];

/** What each column accepts, for the downloadable template's notes sheet (getRosterTemplate). */
export const ROSTER_FIELD_NOTES: Record<RosterField, Text> = {
  studentNo: { zh: '字母和数字，最多 32 个字符；同一名单中不得重复', en: 'letters and digits, at most 32; unique within the file' },
  name: { zh: '最多 100 个字符；不得含控制字符或文字方向控制符', en: 'at most 100 characters; no control or bidi control characters' },
  department: { zh: '本次采集活动的院系名称，与通知一致', en: "a department of this campaign, as the notice spells it" },
  level: { zh: '硕士 或 博士', en: 'master or doctor (硕士/博士)' },
  certificate: { zh: '双证 或 单证', en: 'dual or single (双证/单证)' },
  expectedTerm: { zh: '年月，如 2024-07、2024年7月、2024.07', en: 'year and month, e.g. 2024-07, 2024年7月, 2024.07' },
  finish: { zh: '毕业 或 结业', en: 'graduate or complete (毕业/结业)' },
  employed: { zh: '是/否（空 = 否）', en: 'yes/no (empty = no)' },
  studyCity: { zh: '北京 或 深圳（空 = 按院系）', en: 'Beijing or Shenzhen (empty = by department)' },
  priorCaptureTerm: { zh: '已采集过图像的年月，没有则留空', en: 'year and month of an earlier capture; empty if none' },
  deferredTo: { zh: '确定延期至的年月，没有则留空', en: 'year and month the graduation is deferred to; empty if none' },
  convertingFromCompletion: { zh: '是/否（空 = 否）', en: 'yes/no (empty = no)' },
  nationalId: { zh: '18 位身份证号（校验位须正确），可留空', en: '18-character national ID number with a correct check digit; may be empty' },
  email: { zh: '邮箱地址，可留空', en: 'e-mail address; may be empty' },
  phone: { zh: '11 位手机号，可留空', en: '11-digit mobile number; may be empty' },
};

export function normaliseHeader(header: string): string {
  return header.replace(/^\uFEFF/, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

const HEADER_TO_FIELD = new Map<string, RosterField>(
  ROSTER_FIELDS.flatMap((spec) => spec.headers.map((h) => [normaliseHeader(h), spec.field] as const)),
);

export function fieldForHeader(header: string): RosterField | undefined {
  return HEADER_TO_FIELD.get(normaliseHeader(header));
}

/** How many cells of a row are accepted headers: used to find the header row below a title row. */
export function countKnownHeaders(cells: string[]): number {
  return cells.filter((c) => fieldForHeader(c) !== undefined).length;
}

export interface HeaderMapping {
  /** column index → field */
  columns: Map<number, RosterField>;
  /** the header text as written in the file, per field, for messages */
  headerText: Map<RosterField, string>;
  unknown: string[];
  missing: RosterField[];
  duplicated: string[];
}

export function mapHeaders(headers: string[]): HeaderMapping {
  const columns = new Map<number, RosterField>();
  const headerText = new Map<RosterField, string>();
  const unknown: string[] = [];
  const duplicated: string[] = [];
  headers.forEach((raw, index) => {
    const text = raw.replace(/^\uFEFF/, '').trim();
    if (text === '') return;
    const field = fieldForHeader(text);
    if (!field) {
      const shown = shownHeader(text);
      if (!unknown.includes(shown)) unknown.push(shown);
      return;
    }
    if (headerText.has(field)) {
      duplicated.push(shownHeader(text));
      return;
    }
    columns.set(index, field);
    headerText.set(field, text);
  });
  const missing = ROSTER_FIELDS.filter((s) => s.required && !headerText.has(s.field)).map((s) => s.field);
  return { columns, headerText, unknown, missing, duplicated };
}

/**
 * A header cell the product does not know, as the preview lists it: like a cell in an error (shownValue) but in
 * one text for both languages — cut after MAX_SHOWN_VALUE_CHARS characters with “…”, unsafe characters written
 * out, ID numbers masked. A header row of a 30,000-character cell lists 101 characters, not the cell.
 */
export function shownHeader(text: string): string {
  const chars = Array.from(maskNationalIdsIn(text));
  const head = showUnsafeChars(chars.slice(0, MAX_SHOWN_VALUE_CHARS).join(''));
  return chars.length > MAX_SHOWN_VALUE_CHARS ? `${head}…` : head;
}

export function fieldLabel(field: RosterField): Text {
  return ROSTER_FIELDS.find((s) => s.field === field)!.label;
}

/** One problem found in a roster, with its row number (as the spreadsheet shows it), column and value. */
export interface RosterIssue {
  row: number | null;
  column: string | null;
  /** the cell as the error shows it, in each language (shownValue): never the raw cell */
  value: Text | null;
  message: Text;
}

const PROBLEMS = {
  required: { zh: '不能为空', en: 'must not be empty' },
  term: { zh: '“{value}” 不是有效的年月', en: '"{value}" is not a valid year-month' },
  level: { zh: '“{value}” 不是有效的层次（应为 硕士 或 博士）', en: '"{value}" is not a valid level (master or doctor)' },
  certificate: {
    zh: '“{value}” 不是有效的证书类型（应为 双证 或 单证）',
    en: '"{value}" is not a valid certificate type (双证 dual or 单证 single)',
  },
  finish: { zh: '“{value}” 不是有效的毕业类型（应为 毕业 或 结业）', en: '"{value}" is not a valid finish (毕业 graduate or 结业 complete)' },
  boolean: { zh: '“{value}” 不是有效的是/否值', en: '"{value}" is not a valid yes/no value' },
  studyCity: { zh: '“{value}” 不是有效的学习地点（应为 北京 或 深圳）', en: '"{value}" is not a valid study city (Beijing or Shenzhen)' },
  department: { zh: '“{value}” 不是本次采集活动的院系', en: '"{value}" is not a department of this campaign' },
  studentNo: { zh: '“{value}” 不是有效的学号（只能包含字母和数字）', en: '"{value}" is not a valid student number (letters and digits only)' },
  nationalIdFormat: { zh: '“{value}” 不是 18 位身份证号', en: '"{value}" is not an 18-character national ID number' },
  nationalIdBirthDate: { zh: '“{value}” 中的出生日期无效', en: '"{value}" holds an invalid date of birth' },
  nationalIdCheckDigit: { zh: '“{value}” 的校验位错误', en: '"{value}" has a wrong check digit' },
  email: { zh: '“{value}” 不是有效的邮箱地址', en: '"{value}" is not a valid e-mail address' },
  phone: { zh: '“{value}” 不是有效的 11 位手机号', en: '"{value}" is not a valid 11-digit mobile number' },
  tooLong: { zh: '内容过长（最多 {max} 个字符）', en: 'is too long (at most {max} characters)' },
  duplicateStudentNo: { zh: '学号 “{value}” 与第 {other} 行重复', en: 'student number "{value}" repeats row {other}' },
  unsafeChars: {
    zh: '“{value}” 含有不允许的字符 {chars}（空字符、控制字符、文字方向控制符或不成对的代理项）',
    en: '"{value}" contains characters that are not allowed: {chars} (NUL, control characters, bidi controls or lone surrogates)',
  },
} satisfies Record<string, Text>;

export type RosterProblem = keyof typeof PROBLEMS;

/**
 * Characters of a cell an error repeats (finding M4): a 40,000-character name printed whole made the
 * error page 42,766 px tall and the API and CLI answers as long. A real value of any column fits.
 */
export const MAX_SHOWN_VALUE_CHARS = 100;

/** 40000 → "40,000", the same in both languages. */
function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A cell as an error shows it, in the value field and in the message alike (finding M4): longer than
 * MAX_SHOWN_VALUE_CHARS characters (code points: a surrogate pair is never cut) it is cut there and its
 * length given — “张张…（共 40,000 个字符）” / “张张… (40,000 characters)”; the characters no cell may
 * hold are written out as ‹U+202E› (issue 8 finding 11), so a message shows them instead of obeying them;
 * anything shaped like an ID number is masked.
 */
export function shownValue(cell: string): Text {
  // an ID number typed into another column (or pasted into a name) is masked too (A3)
  const raw = maskNationalIdsIn(cell);
  let cut = raw.length;
  let total = 0;
  if (raw.length > MAX_SHOWN_VALUE_CHARS) {
    // counted by hand, not with Array.from: a file may hold thousands of 32,767-character cells
    for (let i = 0; i < raw.length; i++, total++) {
      if (total === MAX_SHOWN_VALUE_CHARS) cut = i;
      const c = raw.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < raw.length) {
        const d = raw.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
    }
  }
  const head = showUnsafeChars(raw.slice(0, cut));
  if (total <= MAX_SHOWN_VALUE_CHARS) return { zh: head, en: head };
  const n = groupDigits(total);
  return { zh: `${head}…（共 ${n} 个字符）`, en: `${head}… (${n} characters)` };
}

/**
 * Formats “第 12 行 “预计毕业时间”: “2024-13” 不是有效的年月” in both languages. `value` is the cell as
 * read; it is shown through shownValue (shortened, unsafe characters written out) in the value and the
 * message. An ID number must already be masked by the caller (RowCheck.problem).
 */
export function rowIssue(row: number, column: string, value: string, problem: RosterProblem, extra: Record<string, string | number> = {}): RosterIssue {
  const p = PROBLEMS[problem];
  const shown = shownValue(value);
  return {
    row,
    column,
    value: shown,
    message: {
      zh: `第 ${row} 行 “${column}”: ${fill(p.zh, { value: shown.zh, ...extra })}`,
      en: `Row ${row}, "${column}": ${fill(p.en, { value: shown.en, ...extra })}`,
    },
  };
}

export function fileIssue(message: Text, column: string | null = null): RosterIssue {
  return { row: null, column, value: null, message };
}

const LEVELS: Record<string, RosterStudent['level']> = { 硕士: 'master', master: 'master', 博士: 'doctor', doctor: 'doctor', phd: 'doctor' };
const CERTIFICATES: Record<string, RosterStudent['certificate']> = { 双证: 'dual', dual: 'dual', 单证: 'single', single: 'single' };
const FINISHES: Record<string, RosterStudent['finish']> = { 毕业: 'graduate', graduate: 'graduate', 结业: 'complete', complete: 'complete' };
const BOOLEANS: Record<string, boolean> = { 是: true, 否: false, yes: true, no: false, true: true, false: false, '1': true, '0': false, y: true, n: false };
const CITIES: Record<string, SiteId> = { 北京: 'beijing', beijing: 'beijing', 深圳: 'shenzhen', shenzhen: 'shenzhen' };

const MAX_LENGTH: Partial<Record<RosterField, number>> = { studentNo: 32, name: 100, department: 100, email: 254 };

/**
 * Characters no roster cell may hold (issue 8 finding 11): NUL and the other C0 controls (tab and line
 * breaks are folded into spaces before this check), DEL, the bidi embedding/override/isolate controls
 * U+202A–U+202E and U+2066–U+2069 (they make 张三 display as another name in lists, exports and
 * certificates), and UTF-16 surrogates that are not part of a pair (not text at all; PostgreSQL
 * refuses them).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]|\p{Surrogate}/gu;

/** The code points found, as `U+202E`; empty when the text is clean. */
export function findUnsafeChars(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(UNSAFE_CHARS)) found.add(`U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  return [...found];
}

/** The text with each unsafe character written as ‹U+202E›, so a message shows it instead of obeying it. */
export function showUnsafeChars(text: string): string {
  return text.replace(UNSAFE_CHARS, (c) => `‹U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}›`);
}

function lookup<T>(table: Record<string, T>, raw: string): T | undefined {
  const key = raw.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

export interface RowValidationContext {
  departments: ReadonlySet<string>;
  headerText: Map<RosterField, string>;
}

/**
 * Validates and normalises one row. `cells` maps each field to its raw text (absent column = undefined).
 * Returns the student, or every problem of the row (never only the first).
 */
export function validateRosterRow(
  row: number,
  cells: Partial<Record<RosterField, string>>,
  ctx: RowValidationContext,
): { ok: true; student: RosterStudent } | { ok: false; issues: RosterIssue[] } {
  // Each cell normalised once (runs of white space collapsed, trimmed); hot path of large imports.
  const v = {} as Record<RosterField, string>;
  for (const spec of ROSTER_FIELDS) {
    const raw = cells[spec.field];
    v[spec.field] = raw ? (/\s\s|[\t\n\r]/.test(raw) ? raw.replace(/\s+/g, ' ') : raw).trim() : '';
  }
  const check = new RowCheck(row, v, ctx.headerText);

  for (const spec of ROSTER_FIELDS) {
    const unsafe = v[spec.field] === '' ? [] : findUnsafeChars(v[spec.field]);
    if (unsafe.length > 0) {
      check.problem(spec.field, 'unsafeChars', { chars: unsafe.join(' ') }); // shown as ‹U+202E› by rowIssue
      v[spec.field] = ''; // reported once: no second, garbled message from the field's own check
      continue;
    }
    if (spec.required && v[spec.field] === '') check.problem(spec.field, 'required');
    const max = MAX_LENGTH[spec.field];
    if (max && v[spec.field].length > max) check.problem(spec.field, 'tooLong', { max });
  }

  const studentNo = v.studentNo;
  if (studentNo && !/^[0-9A-Za-z]+$/.test(studentNo)) check.problem('studentNo', 'studentNo');

  const department = v.department;
  if (department && !ctx.departments.has(department)) check.problem('department', 'department');

  const level = check.pick('level', LEVELS, 'level');
  const certificate = check.pick('certificate', CERTIFICATES, 'certificate');
  const finish = check.pick('finish', FINISHES, 'finish');
  const employed = check.pick('employed', BOOLEANS, 'boolean') ?? false;
  const converting = check.pick('convertingFromCompletion', BOOLEANS, 'boolean') ?? false;
  const studyCity = check.pick('studyCity', CITIES, 'studyCity') ?? null;
  const expectedTerm = check.term('expectedTerm');
  const priorCaptureTerm = check.term('priorCaptureTerm');
  const deferredTo = check.term('deferredTo');

  let nationalId: string | null = null;
  if (v.nationalId) {
    const id = validateNationalId(v.nationalId);
    if (id.ok) nationalId = id.value;
    else check.problem('nationalId', id.problem === 'format' ? 'nationalIdFormat' : id.problem === 'birthDate' ? 'nationalIdBirthDate' : 'nationalIdCheckDigit');
  }

  const email = v.email || null;
  if (email && !/^[^\s@<>()'",;]+@[^\s@<>()'",;]+\.[^\s@<>()'",;]+$/.test(email)) check.problem('email', 'email');

  const phone = v.phone.replace(/[\s-]/g, '').replace(/^\+?86/, '') || null;
  if (phone && !/^1[3-9]\d{9}$/.test(phone)) check.problem('phone', 'phone');

  if (check.issues.length > 0) return { ok: false, issues: check.issues };
  return {
    ok: true,
    student: {
      studentNo,
      name: v.name,
      department,
      level: level!,
      certificate: certificate!,
      expectedTerm: expectedTerm!,
      finish: finish!,
      employed,
      studyCity,
      priorCaptureTerm,
      deferredTo,
      convertingFromCompletion: converting,
      nationalId,
      email,
      phone,
    },
  };
}

/** Collects the problems of one row; a class rather than per-row closures keeps large imports fast. */
class RowCheck {
  readonly issues: RosterIssue[] = [];
  constructor(
    private readonly row: number,
    private readonly v: Record<RosterField, string>,
    private readonly headerText: Map<RosterField, string>,
  ) {}

  problem(field: RosterField, p: RosterProblem, extra?: Record<string, string | number>): void {
    // rule A3 (finding M4): an ID number that fails a check is mostly a real one mistyped, so an error
    // shows it masked as everywhere else (11**************30); the row, column and problem say enough.
    const raw = field === 'nationalId' ? maskNationalId(this.v[field]) : this.v[field];
    this.issues.push(rowIssue(this.row, this.headerText.get(field) ?? fieldLabel(field).zh, raw, p, extra));
  }

  pick<T>(field: RosterField, table: Record<string, T>, p: RosterProblem): T | undefined {
    const raw = this.v[field];
    if (raw === '') return undefined;
    const value = lookup(table, raw);
    if (value === undefined) this.problem(field, p);
    return value;
  }

  term(field: RosterField): Term | null {
    const raw = this.v[field];
    if (raw === '') return null;
    const t = parseTerm(raw);
    if (!t) this.problem(field, 'term');
    return t ?? null;
  }
}

export function campaignDepartmentSet(campaign: CampaignDefinition): Set<string> {
  return new Set(campaign.days.flatMap((d) => d.departments));
}
