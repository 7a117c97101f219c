// exportStudents over real HTTP, once per database (issue 8 finding 10): a department whose name Excel does
// not accept as a sheet name (' \ / * ? : [ ], longer than 31, "History") used to make the export a 500; a
// department that is not the campaign's is refused with DEPARTMENT_UNKNOWN naming it.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { loadCampaign, readPublishedDemoCampaign } from '../services/campaign.service.js';
import { SYSTEM } from '../services/deps.js';
import { applyRosterImport } from '../services/roster.service.js';

/** One department per character Excel refuses in a sheet name, and the other rules. */
const AWKWARD_DEPARTMENTS = [
  "'引号学院'",
  "O'Neil 学院",
  '文学\\艺术学院',
  '建筑/规划学院',
  '星号*学院',
  '问号?学院',
  '冒号:学院',
  '[方括号学院',
  '方括号]学院',
  'History',
  '一个名字很长很长很长很长很长很长很长很长很长很长很长很长的院系：超过三十一个字符',
];

async function readWorkbook(body: ArrayBuffer): Promise<{ sheetName: string; departments: string[] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body);
  const ws = wb.worksheets[0]!;
  const departments: string[] = [];
  ws.eachRow((row, n) => {
    if (n > 1) departments.push(String(row.getCell(3).value));
  });
  return { sheetName: ws.name, departments };
}

describe.each(DIALECTS)('exportStudents over HTTP on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let admin: string;
  let secretary: string;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect, { loadDemoCampaign: false });
    const campaign = readPublishedDemoCampaign();
    campaign.days[0]!.departments.push(...AWKWARD_DEPARTMENTS);
    await loadCampaign(rt.deps, SYSTEM, campaign);
    const actor = await createActor(rt.deps, 'admin', [], 'export-admin');
    await createActor(rt.deps, 'secretary', ['物理学院'], 'export-secretary');
    const rows = AWKWARD_DEPARTMENTS.map((department, i) => rosterRow(`2601${String(i).padStart(6, '0')}`, { 院系: department }));
    const result = await applyRosterImport(rt.deps, actor, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
    expect(result).toMatchObject({ applied: true, summary: { added: AWKWARD_DEPARTMENTS.length } });
    server = await startTestServer(rt.deps);
    admin = await loginOverHttp(server.url, 'export-admin');
    secretary = await loginOverHttp(server.url, 'export-secretary');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  const exportXlsx = (department: string | undefined, cookie = admin, lang = 'zh') =>
    fetch(`${server.url}/api/students/export.xlsx${department === undefined ? '' : `?department=${encodeURIComponent(department)}`}`, { headers: { cookie, 'accept-language': lang } });

  it.each(AWKWARD_DEPARTMENTS)('exports the department %s: a valid sheet name, the department unchanged in the cells', async (department) => {
    const res = await exportXlsx(department);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const { sheetName, departments } = await readWorkbook(await res.arrayBuffer());
    expect(departments).toEqual([department]);
    expect(sheetName.length).toBeGreaterThan(0);
    expect(sheetName.length).toBeLessThanOrEqual(31);
    expect(sheetName).not.toMatch(/[\\/*?:[\]]|^'|'$/);
    expect(sheetName.toLowerCase()).not.toBe('history');
  });

  it('refuses a department that is not the campaign’s with 422 DEPARTMENT_UNKNOWN naming it (zh/en), for an admin and a secretary', async () => {
    for (const [lang, message] of [
      ['zh', '院系不在本次采集活动中：不存在的学院]'],
      ['en', 'Not a department of this campaign: 不存在的学院]'],
    ] as const) {
      const res = await exportXlsx('不存在的学院]', admin, lang);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ error: { code: 'DEPARTMENT_UNKNOWN', message } });
    }
    const res = await exportXlsx('不存在的学院', secretary);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('DEPARTMENT_UNKNOWN');
    // A department of the campaign outside the secretary's own stays 403.
    expect((await exportXlsx('建筑/规划学院', secretary)).status).toBe(403);
    expect((await exportXlsx('物理学院', secretary)).status).toBe(200);
  });

  it('without a department: every student, one sheet', async () => {
    const res = await exportXlsx(undefined);
    expect(res.status).toBe(200);
    const { sheetName, departments } = await readWorkbook(await res.arrayBuffer());
    expect(sheetName).toBe('学生名单');
    expect(departments.sort()).toEqual([...AWKWARD_DEPARTMENTS].sort());
  });
});
