import { describe, expect, it } from 'vitest';
import type { RosterField, RosterIssue, RosterStudent, RowValidationContext } from './roster.js';
import { countKnownHeaders, fieldForHeader, mapHeaders, MAX_SHOWN_VALUE_CHARS, rowIssue, shownValue, validateRosterRow } from './roster.js';

// A few departments of the demo campaign (src/services/demo/campaign-2024.json), copied inline.
const DEPARTMENTS: ReadonlySet<string> = new Set(['物理学院', '深圳研究生院', '法学院', '光华管理学院']);

const ZH_HEADERS = [
  '学号', '姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型', '在职', '学习地点', '已采集时间', '确定延期至', '结业换毕业', '身份证号', '邮箱', '手机',
];
const EN_HEADERS = [
  'student_no', 'name', 'department', 'level', 'certificate', 'expected_term', 'finish', 'employed', 'study_city',
  'prior_capture_term', 'deferred_to', 'converting_from_completion', 'national_id', 'email', 'phone',
];
const FIELDS: RosterField[] = [
  'studentNo', 'name', 'department', 'level', 'certificate', 'expectedTerm', 'finish', 'employed', 'studyCity',
  'priorCaptureTerm', 'deferredTo', 'convertingFromCompletion', 'nationalId', 'email', 'phone',
];

function ctxFor(headers: string[]): RowValidationContext {
  return { departments: DEPARTMENTS, headerText: mapHeaders(headers).headerText };
}
const ZH_CTX = ctxFor(ZH_HEADERS);
const EN_CTX = ctxFor(EN_HEADERS);

/** A valid row as a Chinese spreadsheet writes it. */
function cells(over: Partial<Record<RosterField, string>> = {}): Partial<Record<RosterField, string>> {
  return {
    studentNo: '2101110001',
    name: '张小三',
    department: '物理学院',
    level: '硕士',
    certificate: '双证',
    expectedTerm: '2024-07',
    finish: '毕业',
    ...over,
  };
}

function issuesOf(row: number, c: Partial<Record<RosterField, string>>, ctx = ZH_CTX): RosterIssue[] {
  const r = validateRosterRow(row, c, ctx);
  if (r.ok) throw new Error(`expected row ${row} to be invalid, got ${JSON.stringify(r.student)}`);
  return r.issues;
}

/** A value the same in both languages, as an issue carries it. */
const both = (text: string) => ({ zh: text, en: text });

function studentOf(c: Partial<Record<RosterField, string>>, ctx = ZH_CTX): RosterStudent {
  const r = validateRosterRow(2, c, ctx);
  if (!r.ok) throw new Error(`expected a valid row, got ${JSON.stringify(r.issues.map((i) => i.message.zh))}`);
  return r.student;
}

describe('mapHeaders', () => {
  it.each([
    ['Chinese headers', ZH_HEADERS],
    ['English headers', EN_HEADERS],
    ['mixed-case, padded English headers', EN_HEADERS.map((h, i) => (i % 2 ? `  ${h.toUpperCase()} ` : ` ${h[0]!.toUpperCase()}${h.slice(1)}`))],
    ['alternative Chinese headers', ['学号', '姓名', '学院', '培养层次', '双证/单证', '预计毕业时间', '毕/结业', '在职', '学习地点', '已采集时间', '确定延期至', '结业换毕业', '身份证号', '邮箱', '手机']],
    ['a BOM on the first header', ['\uFEFF学号', ...ZH_HEADERS.slice(1)]],
  ])('%s: every column maps to its field, nothing unknown, missing or duplicated', (_label, headers) => {
    const m = mapHeaders(headers);
    expect([...m.columns.entries()]).toEqual(FIELDS.map((f, i) => [i, f]));
    expect(m.unknown).toEqual([]);
    expect(m.missing).toEqual([]);
    expect(m.duplicated).toEqual([]);
    // the header text is kept as written (trimmed, BOM removed) for messages
    FIELDS.forEach((f, i) => expect(m.headerText.get(f)).toBe(headers[i]!.replace(/^\uFEFF/, '').trim()));
  });

  it('column order is free', () => {
    const m = mapHeaders(['姓名', 'expected_term', '学号', 'Level', '院系', '证书类型', '毕业类型']);
    expect(m.columns.get(0)).toBe('name');
    expect(m.columns.get(1)).toBe('expectedTerm');
    expect(m.columns.get(2)).toBe('studentNo');
    expect(m.columns.get(3)).toBe('level');
    expect(m.headerText.get('level')).toBe('Level');
    expect(m.missing).toEqual([]);
  });

  it('unknown columns are reported and not mapped; empty header cells are ignored', () => {
    const m = mapHeaders([...ZH_HEADERS, '备注', '', '  ', ' Remarks ']);
    expect(m.unknown).toEqual(['备注', 'Remarks']);
    expect(m.columns.size).toBe(15);
    expect(m.missing).toEqual([]);
  });

  it('an unknown header is listed shortened to 100 characters, its unsafe characters written out and ID numbers masked', () => {
    const m = mapHeaders([...ZH_HEADERS, '备'.repeat(30_000), '备注\u202E', '身份证 110105194912310021']);
    expect(m.unknown).toEqual([`${'备'.repeat(100)}…`, '备注‹U+202E›', '身份证 11**************21']);
  });

  it('a duplicated column (same field under two headers) is reported; the first one is used', () => {
    const m = mapHeaders(['学号', '姓名', '院系', '学院', '层次', '证书类型', '预计毕业时间', '毕业类型', 'Name']);
    expect(m.duplicated).toEqual(['学院', 'Name']);
    expect(m.columns.get(2)).toBe('department');
    expect(m.columns.has(3)).toBe(false);
    expect(m.columns.has(8)).toBe(false);
    expect(m.headerText.get('department')).toBe('院系');
    expect(m.headerText.get('name')).toBe('姓名');
  });

  it.each([
    [['姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型'], ['studentNo']],
    [['学号', '姓名'], ['department', 'level', 'certificate', 'expectedTerm', 'finish']],
    [[], ['studentNo', 'name', 'department', 'level', 'certificate', 'expectedTerm', 'finish']],
    [['学号', '姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型'], []],
  ])('headers %j: missing required %j (optional columns never missing)', (headers, missing) => {
    expect(mapHeaders(headers).missing).toEqual(missing);
  });

  it('fieldForHeader and countKnownHeaders find the header row below a title row', () => {
    expect(fieldForHeader(' Student_No ')).toBe('studentNo');
    expect(fieldForHeader('预计毕业时间')).toBe('expectedTerm');
    expect(fieldForHeader('毕业时间')).toBeUndefined();
    expect(countKnownHeaders(['2024年研究生图像采集名单', '', ''])).toBe(0);
    expect(countKnownHeaders(['学号', '姓名', '备注'])).toBe(2);
  });
});

describe('validateRosterRow: a valid row normalises every field', () => {
  it('a full Chinese row', () => {
    expect(
      studentOf(
        cells({
          studentNo: ' 2101110001 ',
          name: ' 张小三 ',
          employed: '是',
          studyCity: '深圳',
          department: '深圳研究生院',
          priorCaptureTerm: '2023年7月',
          deferredTo: '2024.01',
          convertingFromCompletion: '否',
          nationalId: '11010519491231002x',
          email: 'zhang@example.edu.cn',
          phone: '+86 138 0013 8000',
          finish: '结业',
          level: '博士',
        }),
      ),
    ).toEqual({
      studentNo: '2101110001',
      name: '张小三',
      department: '深圳研究生院',
      level: 'doctor',
      certificate: 'dual',
      expectedTerm: '2024-07',
      finish: 'complete',
      employed: true,
      studyCity: 'shenzhen',
      priorCaptureTerm: '2023-07',
      deferredTo: '2024-01',
      convertingFromCompletion: false,
      nationalId: '11010519491231002X',
      email: 'zhang@example.edu.cn',
      phone: '13800138000',
    });
  });

  it('a minimal row: optional fields empty or absent get their defaults', () => {
    expect(studentOf(cells({ employed: '', studyCity: '  ', priorCaptureTerm: '' }))).toEqual({
      studentNo: '2101110001',
      name: '张小三',
      department: '物理学院',
      level: 'master',
      certificate: 'dual',
      expectedTerm: '2024-07',
      finish: 'graduate',
      employed: false,
      studyCity: null,
      priorCaptureTerm: null,
      deferredTo: null,
      convertingFromCompletion: false,
      nationalId: null,
      email: null,
      phone: null,
    });
  });

  it.each([
    ['level', '硕士', 'master'],
    ['level', '博士', 'doctor'],
    ['level', 'Master', 'master'],
    ['level', ' DOCTOR ', 'doctor'],
    ['level', 'PhD', 'doctor'],
    ['certificate', '双证', 'dual'],
    ['certificate', '单证', 'single'],
    ['certificate', 'Dual', 'dual'],
    ['certificate', 'single', 'single'],
    ['finish', '毕业', 'graduate'],
    ['finish', '结业', 'complete'],
    ['finish', 'Complete', 'complete'],
    ['finish', 'graduate', 'graduate'],
    ['expectedTerm', '2024年1月', '2024-01'],
    ['expectedTerm', '2024/1', '2024-01'],
    ['expectedTerm', '202407', '2024-07'],
    ['employed', '是', true],
    ['employed', '否', false],
    ['employed', 'yes', true],
    ['employed', 'No', false],
    ['employed', 'TRUE', true],
    ['employed', 'false', false],
    ['employed', '1', true],
    ['employed', '0', false],
    ['employed', '', false],
    ['convertingFromCompletion', '是', true],
    ['convertingFromCompletion', '0', false],
    ['convertingFromCompletion', '', false],
    ['studyCity', '北京', 'beijing'],
    ['studyCity', '深圳', 'shenzhen'],
    ['studyCity', 'Beijing', 'beijing'],
    ['studyCity', 'SHENZHEN', 'shenzhen'],
    ['studyCity', '', null],
    ['priorCaptureTerm', '2023-7', '2023-07'],
    ['deferredTo', '2025年01月', '2025-01'],
    ['nationalId', ' 11010519491231002x ', '11010519491231002X'],
    ['phone', '13800138000', '13800138000'],
    ['phone', '+86 138 0013 8000', '13800138000'],
    ['phone', '+8613800138000', '13800138000'],
    ['phone', '138-0013-8000', '13800138000'],
    ['phone', '86 138 0013 8000', '13800138000'],
    ['phone', ' 138 0013 8000 ', '13800138000'],
    ['phone', '', null],
    ['email', ' a.b@example.com ', 'a.b@example.com'],
    ['name', '  张   小三 ', '张 小三'],
  ] as Array<[RosterField, string, unknown]>)('%s %j → %j', (field, raw, value) => {
    expect(studentOf(cells({ [field]: raw }))[field]).toEqual(value);
  });

  it.each([['<script>alert(1)</script>'], ["' OR 1=1 --"], ['=HYPERLINK("x")'], ['Robert"); DROP TABLE students;--'], ['阿依古丽·买买提']])(
    'name %j is accepted unchanged as data (escaped on output elsewhere)',
    (name) => {
      expect(studentOf(cells({ name })).name).toBe(name);
    },
  );
});

describe('validateRosterRow: every bad value yields an issue with row, column as written, value and messages', () => {
  it('第 12 行 “预计毕业时间”: “2024-13” 不是有效的年月 (exact format, both languages)', () => {
    expect(issuesOf(12, cells({ expectedTerm: '2024-13' }))).toEqual([
      {
        row: 12,
        column: '预计毕业时间',
        value: both('2024-13'),
        message: { zh: '第 12 行 “预计毕业时间”: “2024-13” 不是有效的年月', en: 'Row 12, "预计毕业时间": "2024-13" is not a valid year-month' },
      },
    ]);
  });

  it('the column is the header text as written in the file (English header)', () => {
    const ctx = ctxFor(['Student_No', 'Name', 'Department', 'Level', 'Certificate', ' Expected_Term ', 'Finish']);
    expect(issuesOf(7, cells({ expectedTerm: '2024-00' }), ctx)).toEqual([
      {
        row: 7,
        column: 'Expected_Term',
        value: both('2024-00'),
        message: { zh: '第 7 行 “Expected_Term”: “2024-00” 不是有效的年月', en: 'Row 7, "Expected_Term": "2024-00" is not a valid year-month' },
      },
    ]);
  });

  it.each([
    // field, raw value, expected zh message after the column, English message after the value
    ['expectedTerm', '2024-13', '“2024-13” 不是有效的年月', 'is not a valid year-month'],
    ['expectedTerm', 'abc', '“abc” 不是有效的年月', 'is not a valid year-month'],
    ['priorCaptureTerm', '2023-00', '“2023-00” 不是有效的年月', 'is not a valid year-month'],
    ['deferredTo', '明年', '“明年” 不是有效的年月', 'is not a valid year-month'],
    ['level', '本科', '“本科” 不是有效的层次（应为 硕士 或 博士）', 'is not a valid level (master or doctor)'],
    ['certificate', '双正', '“双正” 不是有效的证书类型（应为 双证 或 单证）', 'is not a valid certificate type (双证 dual or 单证 single)'],
    ['certificate', '三证', '“三证” 不是有效的证书类型（应为 双证 或 单证）', 'is not a valid certificate type (双证 dual or 单证 single)'],
    ['finish', '肄业', '“肄业” 不是有效的毕业类型（应为 毕业 或 结业）', 'is not a valid finish (毕业 graduate or 结业 complete)'],
    ['employed', '也许', '“也许” 不是有效的是/否值', 'is not a valid yes/no value'],
    ['convertingFromCompletion', 'maybe', '“maybe” 不是有效的是/否值', 'is not a valid yes/no value'],
    ['studyCity', '上海', '“上海” 不是有效的学习地点（应为 北京 或 深圳）', 'is not a valid study city (Beijing or Shenzhen)'],
    ['department', '不存在学院', '“不存在学院” 不是本次采集活动的院系', 'is not a department of this campaign'],
    ['department', '物理', '“物理” 不是本次采集活动的院系', 'is not a department of this campaign'],
    ['studentNo', '2101-110001', '“2101-110001” 不是有效的学号（只能包含字母和数字）', 'is not a valid student number (letters and digits only)'],
    ['email', 'zhang@', '“zhang@” 不是有效的邮箱地址', 'is not a valid e-mail address'],
    ['email', 'a b@example.com', '“a b@example.com” 不是有效的邮箱地址', 'is not a valid e-mail address'],
    ['phone', '1380013800', '“1380013800” 不是有效的 11 位手机号', 'is not a valid 11-digit mobile number'],
    ['phone', '12800138000', '“12800138000” 不是有效的 11 位手机号', 'is not a valid 11-digit mobile number'],
    ['phone', '010-62751234', '“010-62751234” 不是有效的 11 位手机号', 'is not a valid 11-digit mobile number'],
  ] as Array<[RosterField, string, string, string]>)('%s %j → one issue “%s”', (field, raw, zhTail, enTail) => {
    const header = ZH_HEADERS[FIELDS.indexOf(field)]!;
    const issues = issuesOf(12, cells({ [field]: raw }));
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    expect(issue!.row).toBe(12);
    expect(issue!.column).toBe(header);
    expect(issue!.value).toEqual(both(raw));
    expect(issue!.message.zh).toBe(`第 12 行 “${header}”: ${zhTail}`);
    expect(issue!.message.en).toBe(`Row 12, "${header}": "${raw}" ${enTail}`);
  });

  it.each([['studentNo'], ['name'], ['department'], ['level'], ['certificate'], ['expectedTerm'], ['finish']] as Array<[RosterField]>)(
    'required %s empty → “不能为空”',
    (field) => {
      const header = ZH_HEADERS[FIELDS.indexOf(field)]!;
      for (const empty of ['', '   ', undefined]) {
        const c = cells();
        if (empty === undefined) delete c[field];
        else c[field] = empty;
        expect(issuesOf(5, c)).toEqual([
          { row: 5, column: header, value: both(''), message: { zh: `第 5 行 “${header}”: 不能为空`, en: `Row 5, "${header}": must not be empty` } },
        ]);
      }
    },
  );

  it('too long values are reported with the limit', () => {
    const issues = issuesOf(3, cells({ name: '张'.repeat(101) }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message.zh).toBe('第 3 行 “姓名”: 内容过长（最多 100 个字符）');
    expect(issues[0]!.message.en).toBe('Row 3, "姓名": is too long (at most 100 characters)');
    expect(studentOf(cells({ name: '张'.repeat(100) })).name).toHaveLength(100);
  });

  it('multiple problems in one row are all reported, not only the first', () => {
    const issues = issuesOf(
      9,
      cells({
        studentNo: '',
        department: '不存在学院',
        level: '本科',
        certificate: '双正',
        expectedTerm: '2024-13',
        finish: '',
        employed: '也许',
        nationalId: '110105194912310021',
        phone: '123',
      }),
    );
    expect(issues.map((i) => [i.column, i.value?.zh])).toEqual(
      expect.arrayContaining([
        ['学号', ''],
        ['院系', '不存在学院'],
        ['层次', '本科'],
        ['证书类型', '双正'],
        ['预计毕业时间', '2024-13'],
        ['毕业类型', ''],
        ['在职', '也许'],
        ['身份证号', '11**************21'],
        ['手机', '123'],
      ]),
    );
    expect(issues).toHaveLength(9);
    for (const i of issues) {
      expect(i.row).toBe(9);
      expect(i.message.zh.startsWith(`第 9 行 “${i.column}”: `)).toBe(true);
      expect(i.message.en.startsWith(`Row 9, "${i.column}": `)).toBe(true);
    }
  });

  it('English headers: the English column name appears in both messages', () => {
    const [issue] = issuesOf(12, cells({ expectedTerm: '2024-13' }), EN_CTX);
    expect(issue!.column).toBe('expected_term');
    expect(issue!.message.zh).toBe('第 12 行 “expected_term”: “2024-13” 不是有效的年月');
    expect(issue!.message.en).toBe('Row 12, "expected_term": "2024-13" is not a valid year-month');
  });

  it('without a header for a field the Chinese label is used as the column', () => {
    const ctx: RowValidationContext = { departments: DEPARTMENTS, headerText: new Map() };
    const [issue] = issuesOf(4, cells({ phone: '123' }), ctx);
    expect(issue!.column).toBe('手机');
  });
});

describe('validateRosterRow: an ID number in an error is masked as everywhere else (finding M4, rule A3)', () => {
  it.each([
    // a real ID with one digit mistyped is the real ID: the error names row, column and problem, not the number
    ['110105194912310021', '11**************21', '的校验位错误', 'has a wrong check digit'],
    ['110105199902301237', '11**************37', '中的出生日期无效', 'holds an invalid date of birth'],
    ['11010519491231002', '11*************02', '不是 18 位身份证号', 'is not an 18-character national ID number'],
    ['11010', '*****', '不是 18 位身份证号', 'is not an 18-character national ID number'],
  ])('%j → %j', (raw, masked, zhTail, enTail) => {
    const issues = issuesOf(6, cells({ nationalId: raw }));
    expect(issues).toEqual([
      {
        row: 6,
        column: '身份证号',
        value: both(masked),
        message: { zh: `第 6 行 “身份证号”: “${masked}” ${zhTail}`, en: `Row 6, "身份证号": "${masked}" ${enTail}` },
      },
    ]);
    expect(JSON.stringify(issues)).not.toContain(raw);
  });

  it('masks it under an English header too, and with a character no cell may hold (written out, not obeyed)', () => {
    const [en] = issuesOf(4, cells({ nationalId: '110105194912310021' }), EN_CTX);
    expect(en!.column).toBe('national_id');
    expect(en!.message.en).toBe('Row 4, "national_id": "11**************21" has a wrong check digit');
    const issues = issuesOf(4, cells({ nationalId: '\u202E110105194912310021' }));
    expect(issues.map((i) => i.value)).toEqual([both(`‹U+202E›1${'*'.repeat(15)}21`)]);
    expect(issues[0]!.message.zh).toContain('含有不允许的字符 U+202E');
    expect(JSON.stringify(issues)).not.toContain('110105194912310021');
  });

  it('an ID number typed into another column is masked in that column\'s error too', () => {
    const issues = issuesOf(5, cells({ expectedTerm: '110105194912310021' }));
    expect(issues.map((i) => i.column)).toEqual(['预计毕业时间']);
    expect(issues[0]!.value).toEqual(both('11**************21'));
    expect(JSON.stringify(issues)).not.toContain('110105194912310021');
  });

  it('a huge cell in the ID column is masked, then shortened', () => {
    const [issue] = issuesOf(8, cells({ nationalId: '1'.repeat(40_000) }));
    expect(issue!.value).toEqual({ zh: `11${'*'.repeat(98)}…（共 40,000 个字符）`, en: `11${'*'.repeat(98)}… (40,000 characters)` });
  });
});

describe('validateRosterRow: a long cell is shortened wherever an error names it (finding M4)', () => {
  const HUGE = '张'.repeat(40_000);
  const HEAD = '张'.repeat(MAX_SHOWN_VALUE_CHARS);

  it('a 40,000-character name: the value is its first 100 characters and its length, in each language', () => {
    const issues = issuesOf(8, cells({ name: HUGE }));
    expect(issues).toEqual([
      {
        row: 8,
        column: '姓名',
        value: { zh: `${HEAD}…（共 40,000 个字符）`, en: `${HEAD}… (40,000 characters)` },
        message: { zh: '第 8 行 “姓名”: 内容过长（最多 100 个字符）', en: 'Row 8, "姓名": is too long (at most 100 characters)' },
      },
    ]);
  });

  it('a message that repeats the value repeats it shortened', () => {
    const [issue] = issuesOf(8, cells({ department: HUGE }));
    expect(issue!.message).toEqual({
      zh: `第 8 行 “院系”: 内容过长（最多 100 个字符）`,
      en: 'Row 8, "院系": is too long (at most 100 characters)',
    });
    const [level] = issuesOf(8, cells({ level: HUGE }));
    expect(level!.message).toEqual({
      zh: `第 8 行 “层次”: “${HEAD}…（共 40,000 个字符）” 不是有效的层次（应为 硕士 或 博士）`,
      en: `Row 8, "层次": "${HEAD}… (40,000 characters)" is not a valid level (master or doctor)`,
    });
    // every issue of every column stays short
    const all = issuesOf(8, cells({ studentNo: 'A'.repeat(40_000), name: HUGE, department: HUGE, level: HUGE, expectedTerm: HUGE, email: HUGE, phone: HUGE }));
    expect(all.length).toBeGreaterThanOrEqual(7);
    for (const i of all) expect(JSON.stringify(i).length).toBeLessThan(1_000);
  });

  it('a long value with a character no cell may hold: the head is written out, the length is the cell’s', () => {
    const [issue] = issuesOf(3, cells({ name: `\u202E${'x'.repeat(39_999)}` }));
    expect(issue!.value).toEqual({ zh: `‹U+202E›${'x'.repeat(99)}…（共 40,000 个字符）`, en: `‹U+202E›${'x'.repeat(99)}… (40,000 characters)` });
    expect(issue!.message.en).toBe(
      `Row 3, "姓名": "‹U+202E›${'x'.repeat(99)}… (40,000 characters)" contains characters that are not allowed: U+202E (NUL, control characters, bidi controls or lone surrogates)`,
    );
  });
});

describe('shownValue', () => {
  it('keeps a value of up to 100 characters as it is', () => {
    expect(shownValue('')).toEqual(both(''));
    expect(shownValue('a'.repeat(100))).toEqual(both('a'.repeat(100)));
  });

  it('cuts a longer one after 100 characters and gives its length, grouped by thousands', () => {
    expect(shownValue('a'.repeat(101))).toEqual({ zh: `${'a'.repeat(100)}…（共 101 个字符）`, en: `${'a'.repeat(100)}… (101 characters)` });
    expect(shownValue('b'.repeat(1_234_567)).en).toBe(`${'b'.repeat(100)}… (1,234,567 characters)`);
  });

  it('counts a surrogate pair as one character and never cuts one in two', () => {
    expect(shownValue('𠮷'.repeat(100))).toEqual(both('𠮷'.repeat(100))); // 200 UTF-16 units, 100 characters
    expect(shownValue(`a${'𠮷'.repeat(100)}`)).toEqual({ zh: `a${'𠮷'.repeat(99)}…（共 101 个字符）`, en: `a${'𠮷'.repeat(99)}… (101 characters)` });
  });

  it('writes out the characters no cell may hold', () => {
    expect(shownValue('张\u0000三')).toEqual(both('张‹U+0000›三'));
  });
});

describe('rowIssue', () => {
  it('formats extra parameters', () => {
    expect(rowIssue(14, '学号', '2101110001', 'duplicateStudentNo', { other: 3 })).toEqual({
      row: 14,
      column: '学号',
      value: both('2101110001'),
      message: {
        zh: '第 14 行 “学号”: 学号 “2101110001” 与第 3 行重复',
        en: 'Row 14, "学号": student number "2101110001" repeats row 3',
      },
    });
  });
});

describe('rowIssue: a long repeated student number (finding M4)', () => {
  it('is shortened in the value and in the message', () => {
    const no = '7'.repeat(5_000);
    const issue = rowIssue(9, '学号', no, 'duplicateStudentNo', { other: 2 });
    expect(issue.value).toEqual({ zh: `${'7'.repeat(100)}…（共 5,000 个字符）`, en: `${'7'.repeat(100)}… (5,000 characters)` });
    expect(issue.message.zh).toBe(`第 9 行 “学号”: 学号 “${'7'.repeat(100)}…（共 5,000 个字符）” 与第 2 行重复`);
    expect(issue.message.en).toBe(`Row 9, "学号": student number "${'7'.repeat(100)}… (5,000 characters)" repeats row 2`);
  });
});

describe('validateRosterRow: characters no cell may hold (issue 8 finding 11)', () => {
  it.each([
    ['NUL', '张\u0000三', 'U+0000', '张‹U+0000›三'],
    ['a C0 control (BEL)', '张\u0007三', 'U+0007', '张‹U+0007›三'],
    ['RIGHT-TO-LEFT OVERRIDE', '\u202E三张', 'U+202E', '‹U+202E›三张'],
    ['LEFT-TO-RIGHT EMBEDDING', '张\u202A三', 'U+202A', '张‹U+202A›三'],
    ['RIGHT-TO-LEFT ISOLATE … POP DIRECTIONAL ISOLATE', '\u2067张三\u2069', 'U+2067 U+2069', '‹U+2067›张三‹U+2069›'],
    ['a lone high surrogate', '张\uD842三', 'U+D842', '张‹U+D842›三'],
    ['a lone low surrogate', '\uDFB7张三', 'U+DFB7', '‹U+DFB7›张三'],
  ])('refuses a name with %s, naming the row, the column and the characters', (_label, name, chars, shown) => {
    const issues = issuesOf(7, cells({ name }));
    expect(issues).toEqual([
      {
        row: 7,
        column: '姓名',
        value: both(shown),
        message: {
          zh: `第 7 行 “姓名”: “${shown}” 含有不允许的字符 ${chars}（空字符、控制字符、文字方向控制符或不成对的代理项）`,
          en: `Row 7, "姓名": "${shown}" contains characters that are not allowed: ${chars} (NUL, control characters, bidi controls or lone surrogates)`,
        },
      },
    ]);
  });

  it('refuses them in any column, once per cell', () => {
    const issues = issuesOf(3, cells({ department: '物理\u202E学院', email: 'a\u0000@pku.edu.cn' }));
    expect(issues.map((i) => [i.column, i.value?.en])).toEqual([
      ['院系', '物理‹U+202E›学院'],
      ['邮箱', 'a‹U+0000›@pku.edu.cn'],
    ]);
  });

  it('accepts names outside the Basic Multilingual Plane (a surrogate pair is one character) and tabs folded to spaces', () => {
    expect(studentOf(cells({ name: '𠮷野家\t太郎' })).name).toBe('𠮷野家 太郎');
    expect(studentOf(cells({ name: '司马晨曦' })).name).toBe('司马晨曦');
  });
});
