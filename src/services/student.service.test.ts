// Student lists and exports on a real database, once per dialect: filters, search (LIKE wildcards are
// literal), pagination, the reason of each decision in both languages, and the XLSX export read back.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import type { StudentListQuery } from '../contracts/student.js';
import { AppError } from '../domain/errors.js';
import type { Actor } from './deps.js';
import { applyRosterImport } from './roster.service.js';
import { exportStudentsXlsx, getStudent, listStudents } from './student.service.js';

const NATIONAL_ID = (() => {
  const first17 = '11010819990101001';
  return first17 + computeNationalIdCheckChar(first17);
})();

/** One student per case the filters tell apart; names with LIKE wildcards and formula-like names included. */
const ROSTER = rosterCsv([
  rosterRow('2101110001', { 姓名: '张小三', 身份证号: NATIONAL_ID, 邮箱: 'zhang@stu.example.edu.cn', 手机: '13800138000' }), // E1
  rosterRow('2101110002', { 姓名: '李四', 证书类型: '单证' }), // E6
  rosterRow('2101110003', { 姓名: '王五', 院系: '数学科学学院', 毕业类型: '结业', 预计毕业时间: '2024-01' }), // E2
  rosterRow('2101110004', { 姓名: '赵六', 院系: '数学科学学院', 预计毕业时间: '2022-07' }), // not in campaign
  rosterRow('2101110005', { 姓名: '钱七', 院系: '深圳研究生院', 学习地点: '深圳' }), // E1, Shenzhen (S4)
  rosterRow('2101110006', { 姓名: '孙%八' }), // E1, a literal % in the name
  rosterRow('2101110007', { 姓名: '周_九', 确定延期至: '2025-01' }), // E4
  rosterRow('2101110008', { 姓名: '=HYPERLINK("http://evil.example","点我")', 院系: '化学与分子工程学院' }), // E1, formula-like
  rosterRow('2101110009', { 姓名: '+吴十', 院系: '化学与分子工程学院', 结业换毕业: '是' }), // E5, formula-like
  rosterRow('2201110010', { 姓名: '@郑十一', 院系: '化学与分子工程学院', 已采集时间: '2023-07', 预计毕业时间: '2023-07', 确定延期至: '2024-07' }), // E3
  rosterRow('2201110011', { 姓名: '-冯十二', 院系: '深圳研究生院', 学习地点: '北京' }), // E1, Shenzhen school studying in Beijing
]);

const ALL = 11;

interface Page {
  items: { id: string; studentNo: string; name: string; department: string; decision: string; rule: string | null; site: string; reason: { zh: string; en: string } }[];
  total: number;
  page: number;
  pageSize: number;
}

function query(q: Partial<StudentListQuery> = {}): StudentListQuery {
  return { page: 1, pageSize: 50, ...q };
}

async function readXlsx(body: Buffer): Promise<{ sheetName: string; rows: string[][] }> {
  const wb = new ExcelJS.Workbook();
  // exceljs's own Buffer type predates Node 20's generic Buffer.
  await wb.xlsx.load(body as unknown as Parameters<typeof wb.xlsx.load>[0]);
  const ws = wb.worksheets[0]!;
  const rows: string[][] = [];
  ws.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = [];
    for (let c = 1; c <= ws.columnCount; c++) {
      const v = row.getCell(c).value;
      cells.push(v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    rows.push(cells);
  });
  return { sheetName: ws.name, rows };
}

describe.each(DIALECTS)('students on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let secretary: Actor;
  let operator: Actor;

  const numbers = (page: Page) => page.items.map((s) => s.studentNo);
  const list = async (q: Partial<StudentListQuery>, actor: Actor = admin) => (await listStudents(rt.deps, actor, query(q))) as Page;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin');
    secretary = await createActor(rt.deps, 'secretary', ['物理学院']);
    operator = await createActor(rt.deps, 'operator');
    const result = await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(ROSTER, 'utf8') }, 'roster.csv', 'zh');
    expect(result).toMatchObject({ applied: true, summary: { added: ALL } });
  });
  afterAll(async () => {
    await rt?.close();
  });

  describe('listStudents filters', () => {
    it('without filters: every student, ordered by department then student number', async () => {
      const all = await list({});
      expect(all.total).toBe(ALL);
      const keys = all.items.map((s) => `${s.department}\u0000${s.studentNo}`);
      expect(keys).toEqual([...keys].sort());
    });

    it('by department', async () => {
      expect(numbers(await list({ department: '数学科学学院' }))).toEqual(['2101110003', '2101110004']);
      expect((await list({ department: '物理学院' })).total).toBe(4);
      expect((await list({ department: '不存在学院' })).total).toBe(0);
    });

    it('by decision', async () => {
      expect((await list({ decision: 'required' })).total).toBe(7);
      expect(numbers(await list({ decision: 'excluded' })).sort()).toEqual(['2101110002', '2101110007', '2101110009']);
      expect(numbers(await list({ decision: 'not-in-campaign' }))).toEqual(['2101110004']);
    });

    it('by rule (E1–E6)', async () => {
      const byRule = async (rule: StudentListQuery['rule']) => numbers(await list({ rule })).sort();
      expect(await byRule('E1')).toEqual(['2101110001', '2101110005', '2101110006', '2101110008', '2201110011']);
      expect(await byRule('E2')).toEqual(['2101110003']);
      expect(await byRule('E3')).toEqual(['2201110010']);
      expect(await byRule('E4')).toEqual(['2101110007']);
      expect(await byRule('E5')).toEqual(['2101110009']);
      expect(await byRule('E6')).toEqual(['2101110002']);
    });

    it('by site (S4: Shenzhen students studying in Shenzhen only)', async () => {
      expect(numbers(await list({ site: 'shenzhen' }))).toEqual(['2101110005']);
      expect((await list({ site: 'beijing' })).total).toBe(ALL - 1);
    });

    it('combines filters', async () => {
      expect(numbers(await list({ department: '物理学院', decision: 'required' })).sort()).toEqual(['2101110001', '2101110006']);
      expect((await list({ department: '深圳研究生院', site: 'beijing' })).items.map((s) => s.studentNo)).toEqual(['2201110011']);
    });

    it('q searches student numbers and names (substring)', async () => {
      expect(numbers(await list({ q: '2201' })).sort()).toEqual(['2201110010', '2201110011']);
      expect(numbers(await list({ q: '110005' }))).toEqual(['2101110005']);
      expect(numbers(await list({ q: '小三' }))).toEqual(['2101110001']);
      expect(numbers(await list({ q: '李' }))).toEqual(['2101110002']);
      expect((await list({ q: '不存在的名字' })).total).toBe(0);
      // Latin letters match whatever their case, on SQLite and PostgreSQL alike.
      expect(numbers(await list({ q: 'hyperlink' }))).toEqual(['2101110008']);
      expect(numbers(await list({ q: 'HyperLink' }))).toEqual(['2101110008']);
    });

    it('q matches only student numbers for the agency: a full name cannot be confirmed by searching it', async () => {
      expect((await list({ q: '小三' }, operator)).total).toBe(0);
      expect(numbers(await list({ q: '2101110001' }, operator))).toEqual(['2101110001']);
    });

    it('q takes LIKE wildcards % and _ literally', async () => {
      expect(numbers(await list({ q: '%' }))).toEqual(['2101110006']);
      expect(numbers(await list({ q: '_' }))).toEqual(['2101110007']);
      expect(numbers(await list({ q: '孙%八' }))).toEqual(['2101110006']);
      expect((await list({ q: '张%三' })).total).toBe(0);
      expect((await list({ q: '周%' })).total).toBe(0);
      expect((await list({ q: '2101_1' })).total).toBe(0);
      expect((await list({ q: '\\' })).total).toBe(0);
    });
  });

  it('paginates with the full total on every page', async () => {
    const pages = await Promise.all([1, 2, 3].map((page) => list({ page, pageSize: 4 })));
    expect(pages.map((p) => [p.total, p.page, p.pageSize, p.items.length])).toEqual([
      [ALL, 1, 4, 4],
      [ALL, 2, 4, 4],
      [ALL, 3, 4, 3],
    ]);
    const seen = pages.flatMap(numbers);
    expect(new Set(seen).size).toBe(ALL);
    expect(seen).toEqual(numbers(await list({})));
    const beyond = await list({ page: 9, pageSize: 4 });
    expect(beyond).toMatchObject({ items: [], total: ALL, page: 9 });
    expect((await list({ decision: 'required', page: 2, pageSize: 5 })).items).toHaveLength(2);
  });

  it('gives every decision its reason, in Chinese and in English', async () => {
    const all = await list({});
    const byNo = new Map(all.items.map((s) => [s.studentNo, s]));
    const reason = (no: string) => byNo.get(no)!.reason;
    expect(reason('2101110001')).toEqual({
      zh: '您是双证（学历+学位）研究生，预计于 2024-07 毕业，属于本次采集对象，须参加图像采集。',
      en: 'You are a dual-certificate (diploma and degree) student expected to graduate in 2024-07: you must be photographed in this campaign.',
    });
    expect(reason('2101110003').zh).toContain('2024-01 结业');
    expect(reason('2101110003').en).toContain('complete (结业) in 2024-01');
    expect(reason('2201110010').zh).toBe('您曾于 2023-07 采集过图像，之后延期至 2024-07，原照片已不能使用，须重新采集。');
    expect(reason('2101110007').en).toContain('deferred to 2025-01');
    expect(reason('2101110009').zh).toContain('结业换毕业');
    expect(reason('2101110002').en).toBe('You are a single-certificate (degree only) student: you do not take part in this campaign.');
    expect(reason('2101110004')).toEqual({
      zh: '您预计于 2022-07 毕/结业，不在本次采集范围（2024-01, 2024-07）内。',
      en: 'You are expected to finish in 2022-07, which is not a term of this campaign (2024-01, 2024-07).',
    });
    // The same sentence for every role that sees the student.
    const seenBySecretary = (await list({}, secretary)).items.find((s) => s.studentNo === '2101110001')!;
    expect(seenBySecretary.reason).toEqual(reason('2101110001'));
    const detail = await getStudent(rt.deps, operator, byNo.get('2101110001')!.id);
    expect(detail.reason).toEqual(reason('2101110001'));
  });

  it('scopes a secretary to their departments, whatever the filter asks', async () => {
    expect((await list({}, secretary)).total).toBe(4);
    expect((await list({ department: '数学科学学院' }, secretary)).total).toBe(0);
    expect((await list({ q: '2101110003' }, secretary)).total).toBe(0);
    await expect(listStudents(rt.deps, { principal: null, ip: null }, query())).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  describe('exportStudentsXlsx', () => {
    const HEADER = ['学号', '姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型', '采集资格', '依据', '说明', '院系采集日', '采集进度', '预约日期', '已缴费', '邮箱', '手机'];

    it('writes a Chinese header row and one row per student, read back with exceljs', async () => {
      const file = await exportStudentsXlsx(rt.deps, admin, {});
      expect(file.rows).toBe(ALL);
      const { rows } = await readXlsx(file.body);
      expect(rows[0]).toEqual(HEADER);
      expect(rows).toHaveLength(ALL + 1);
      const zhang = rows.find((r) => r[0] === '2101110001')!;
      expect(zhang).toEqual([
        '2101110001',
        '张小三',
        '物理学院',
        '硕士',
        '双证',
        '2024-07',
        '毕业',
        '须采集',
        'E1',
        '您是双证（学历+学位）研究生，预计于 2024-07 毕业，属于本次采集对象，须参加图像采集。',
        '2023-11-01',
        '未预约',
        '',
        '否',
        'zhang@stu.example.edu.cn',
        '13800138000',
      ]);
      expect(rows.find((r) => r[0] === '2101110004')!.slice(7, 9)).toEqual(['非本批次', '']);
      expect(rows.find((r) => r[0] === '2101110002')!.slice(7, 9)).toEqual(['不参加', 'E6']);
    });

    it('neutralises formula-like names with a leading apostrophe, so no cell is a formula', async () => {
      const file = await exportStudentsXlsx(rt.deps, admin, { department: '化学与分子工程学院' });
      const { rows } = await readXlsx(file.body);
      const names = Object.fromEntries(rows.slice(1).map((r) => [r[0], r[1]]));
      expect(names).toEqual({
        '2101110008': `'=HYPERLINK("http://evil.example","点我")`,
        '2101110009': "'+吴十",
        '2201110010': "'@郑十一",
      });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(file.body as unknown as Parameters<typeof wb.xlsx.load>[0]);
      wb.worksheets[0]!.eachRow((row) =>
        row.eachCell((cell) => {
          expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
          expect(typeof cell.value === 'string' || typeof cell.value === 'number' || cell.value === null).toBe(true);
        }),
      );
      const shenzhen = await readXlsx((await exportStudentsXlsx(rt.deps, admin, { department: '深圳研究生院' })).body);
      expect(shenzhen.rows.find((r) => r[0] === '2201110011')![1]).toBe("'-冯十二");
    });

    it('names the file by date only, with no personal data; the export is an audit event', async () => {
      const file = await exportStudentsXlsx(rt.deps, admin, { department: '物理学院' });
      expect(file.fileName).toBe(`students-${rt.clock.now().toISOString().slice(0, 10)}.xlsx`);
      for (const personal of ['2101110001', '张小三', '物理学院', NATIONAL_ID]) expect(file.fileName).not.toContain(personal);
      const { sheetName, rows } = await readXlsx(file.body);
      expect(sheetName).toBe('物理学院');
      expect(rows).toHaveLength(5);
      // National ID numbers are never exported, not even masked.
      const text = JSON.stringify(rows);
      expect(text).not.toContain(NATIONAL_ID);
      expect(text).not.toContain(NATIONAL_ID.slice(-6));
      const events = await rt.deps.db.db.selectFrom('audit_events').selectAll().where('action', '=', 'students.exported').orderBy('seq', 'desc').execute();
      expect(events[0]).toMatchObject({ target_type: 'department', target_id: '物理学院', actor_role: 'admin', result: 'ok' });
      expect(JSON.parse(events[0]!.details)).toEqual({ rows: 4 });
    });

    it('gives a secretary their department only, and refuses another department (403, audited)', async () => {
      const own = await exportStudentsXlsx(rt.deps, secretary, {});
      const { rows } = await readXlsx(own.body);
      expect(rows.slice(1).map((r) => r[2])).toEqual(['物理学院', '物理学院', '物理学院', '物理学院']);
      expect(rows.slice(1).map((r) => r[1])).toContain('张小三');
      const e = await exportStudentsXlsx(rt.deps, secretary, { department: '数学科学学院' }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('FORBIDDEN');
      const denied = await rt.deps.db.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'student.access_denied')
        .where('target_id', '=', '数学科学学院')
        .execute();
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatchObject({ result: 'denied', actor_role: 'secretary' });
    });

    it('is refused to the agency’s roles', async () => {
      await expect(exportStudentsXlsx(rt.deps, operator, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(exportStudentsXlsx(rt.deps, await createActor(rt.deps, 'cashier'), {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });
  });
});
