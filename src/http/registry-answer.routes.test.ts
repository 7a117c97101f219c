// The registry's answer over real HTTP, once per database (issue 10 section 1, A1; decision 0024): the admin
// uploads the answer file (201 with the summary), a bad file answers 422 with every bad row in the caller's
// language and stores nothing, the imports are listed, the re-take list and its XLSX answer each role as it may
// see them (masked for the agency), and other roles are refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster, seedConfirmedPhoto } from '../../test/support/registry-export.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { RegistryAnswerImportListSchema, RegistryAnswerImportSchema, RetakeListSchema } from '../contracts/registry-answer.js';
import { SYSTEM } from '../services/deps.js';
import { createRegistryExport } from '../services/registry-export.service.js';

describe.each(DIALECTS)('registry answer API on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let out: string;
  let studentNos: string[];
  const cookies: Record<string, string> = {};

  const get = (who: string, p: string) => fetch(`${server.url}${p}`, { headers: cookies[who] ? { cookie: cookies[who] } : {} });
  const upload = (who: string, text: string, lang = 'zh', name = 'answer.csv') => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(Buffer.from(text, 'utf8'))]), name);
    return fetch(`${server.url}/api/exports/answers`, { method: 'POST', headers: { ...(cookies[who] ? { cookie: cookies[who] } : {}), 'accept-language': lang }, body: form });
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.clock.set(new Date().toISOString());
    const key = await openpgp.generateKey({ userIDs: [{ name: 'Registry', email: 'registry@chsi.example.org' }], format: 'armored' });
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-answer-api-'));
    ({ studentNos } = await importRegistryRoster(rt.deps, 4));
    for (const [i, no] of studentNos.slice(0, 3).entries()) await seedConfirmedPhoto(rt.deps, no, i + 1);
    await createRegistryExport(rt.deps, SYSTEM, { recipient: { bytes: Buffer.from(key.publicKey), source: 'registry.asc' }, outDir: out });
    server = await startTestServer(rt.deps);
    for (const role of ['admin', 'operator', 'secretary', 'cashier'] as const) {
      await createActor(rt.deps, role, role === 'secretary' ? ['物理学院'] : [], `${role}-answer`);
      cookies[role] = await loginOverHttp(server.url, `${role}-answer`);
    }
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    if (out) fs.rmSync(out, { recursive: true, force: true });
    await rt?.close();
  });

  it('refuses a bad file with 422, every bad row in the caller’s language, and stores nothing', async () => {
    const [s0, , , s3] = studentNos;
    const res = await upload('admin', ['学号,状态', `${s0},待定`, `${s3},通过`].join('\n'), 'en');
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string; details: { errorCount: number; errors: { row: number; message: string }[] } } };
    expect(body.error.code).toBe('REGISTRY_ANSWER_INVALID');
    expect(body.error.message).toBe("The registry's answer file has 2 bad row(s); nothing was imported");
    expect(body.error.details.errors.map((e) => e.message)).toEqual([
      `row 2: status "待定" of ${s0} is not understood (expected 通过/accepted or 有误/rejected)`,
      `row 3: no photo of ${s3} was ever sent to the registry (not in any delivered batch)`,
    ]);
    const noColumn = await upload('admin', '姓名,状态\n张三,通过\n');
    expect(noColumn.status).toBe(422);
    expect(await noColumn.json()).toMatchObject({ error: { code: 'REGISTRY_ANSWER_NO_STUDENT_COLUMN', message: '反馈文件中没有“学号”列（表头为：姓名, 状态）；未导入任何数据' } });
    // not multipart: refused before anything reads it
    const json = await fetch(`${server.url}/api/exports/answers`, { method: 'POST', headers: { cookie: cookies.admin!, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    // F3 finding 4: said in the caller's language (it was English in a Chinese session)
    expect(await json.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: '请求内容不正确：应以 multipart/form-data 上传，文件放在“file”字段中' } });
    const jsonEn = await fetch(`${server.url}/api/exports/answers`, { method: 'POST', headers: { cookie: cookies.admin!, 'content-type': 'application/json', 'accept-language': 'en' }, body: '{}' });
    expect(await jsonEn.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: 'The request is not valid: multipart/form-data with a "file" field expected' } });
    const empty = await upload('admin', '');
    expect(await empty.json()).toMatchObject({ error: { code: 'UNSUPPORTED_FILE', message: '无法读取该文件：文件是空的 (the file is empty)。请上传 .xlsx 或 .csv 格式的学信网反馈文件' } });
    expect(await rt.deps.db.db.selectFrom('registry_answer_imports').selectAll().execute()).toEqual([]);
  });

  it('imports the answer (201 with the summary), lists it, and shows the re-take list and its XLSX per role', async () => {
    const [s0, s1, s2] = studentNos;
    for (const role of ['operator', 'secretary', 'cashier']) expect((await upload(role, `学号,状态\n${s0},通过\n`)).status).toBe(403);
    expect((await upload('anonymous', `学号,状态\n${s0},通过\n`)).status).toBe(401);
    const res = await upload('admin', ['学号,状态', `${s0},通过`, `${s1},有误`, `${s2},合格`].join('\n'));
    expect(res.status).toBe(201);
    const summary = RegistryAnswerImportSchema.parse(await res.json());
    expect(summary).toMatchObject({ rows: 3, accepted: 2, rejected: 1, alreadyKnown: 0, voided: 1, createdBy: 'admin-answer' });
    rt.clock.advance(1000);
    const again = RegistryAnswerImportSchema.parse(await (await upload('admin', ['学号,状态', `${s0},通过`, `${s1},有误`].join('\n'))).json());
    expect(again).toMatchObject({ accepted: 0, rejected: 0, alreadyKnown: 2 });
    const list = RegistryAnswerImportListSchema.parse(await (await get('admin', '/api/exports/answers')).json());
    expect(list.items.map((i) => i.id)).toEqual([again.id, summary.id]);
    expect((await get('operator', '/api/exports/answers')).status).toBe(403);

    const asAdmin = RetakeListSchema.parse(await (await get('admin', '/api/retakes')).json());
    expect(asAdmin.items).toEqual([expect.objectContaining({ studentNo: s1, name: '欧阳娜娜', department: '物理学院' })]);
    const asOperator = RetakeListSchema.parse(await (await get('operator', '/api/retakes')).json());
    expect(asOperator.items.map((i) => i.name)).toEqual(['欧**娜']);
    expect(RetakeListSchema.parse(await (await get('secretary', '/api/retakes')).json()).items).toHaveLength(1);
    expect((await get('cashier', '/api/retakes')).status).toBe(403);
    expect((await get('anonymous', '/api/retakes')).status).toBe(401);

    const xlsx = await get('operator', '/api/retakes.xlsx');
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    expect(xlsx.headers.get('content-disposition')).toContain(encodeURIComponent('重拍名单-'));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    expect(wb.worksheets[0]!.getRow(2).getCell(2).value).toBe('欧**娜');
  });
});
