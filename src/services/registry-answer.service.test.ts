// The registry's answer (issue 10 section 1, A1; decision 0024) on both databases: the wordings and encodings
// accepted (zh/en headers, UTF-8 with BOM, GB18030, XLSX, a title row), every kind of bad file refused whole
// with each bad row named in zh and en and nothing stored, 有误 voiding the confirmation it is about (one audit
// event), the same answer again stored once, a later answer about a newer exported photo stored as a new row,
// and the re-take list (and its XLSX) as each role may see it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderedXlsx, PNG_BYTES, rosterXlsxBuffer } from '../../test/fixtures/make-roster-fixtures.js';
import { importRegistryRoster, seedConfirmedPhoto } from '../../test/support/registry-export.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { AppError } from '../domain/errors.js';
import { translateError } from '../domain/i18n.js';
import { REGISTRY_VOID_REASON } from '../domain/registry-answer.js';
import type { Actor } from './deps.js';
import { SYSTEM } from './deps.js';
import { createRegistryExport } from './registry-export.service.js';
import { exportRetakes, importRegistryAnswer, listRegistryAnswerImports, listRetakes } from './registry-answer.service.js';

async function refusal(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

const csv = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe.each(DIALECTS)('registry answer on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let out: string;
  let recipient: Buffer;
  let admin: Actor;
  let studentNos: string[];
  const photoOf: Record<string, string> = {};

  const counts = async () => ({
    answers: Number((await rt.deps.db.db.selectFrom('registry_answers').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    imports: Number((await rt.deps.db.db.selectFrom('registry_answer_imports').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    voided: Number((await rt.deps.db.db.selectFrom('photo_confirmations').select((e) => e.fn.countAll().as('n')).where('voided_at', 'is not', null).executeTakeFirstOrThrow()).n),
  });
  const exportNow = () => createRegistryExport(rt.deps, SYSTEM, { recipient: { bytes: recipient, source: 'registry.asc' }, outDir: out });
  const importCsv = (lines: string[], name = 'answer.csv', lang: 'zh' | 'en' = 'zh') => importRegistryAnswer(rt.deps, admin, { buffer: csv(lines), fileName: name }, lang);

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    const key = await openpgp.generateKey({ userIDs: [{ name: 'Registry', email: 'registry@chsi.example.org' }], format: 'armored' });
    recipient = Buffer.from(key.publicKey);
    // after the key: a clock a moment before the key's creation finds it not yet valid (EXPORT_KEY_UNUSABLE)
    rt.clock.set(new Date().toISOString());
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-answer-out-'));
    // 9 students of 物理学院: 0–5 exported in batch 1, 6 confirmed after it (never exported), 7 and 8 without a photo
    ({ studentNos } = await importRegistryRoster(rt.deps, 9));
    for (const [i, no] of studentNos.slice(0, 6).entries()) photoOf[no] = await seedConfirmedPhoto(rt.deps, no, i + 1);
    const batch = await exportNow();
    expect(batch.export?.photoCount).toBe(6);
    rt.clock.advance(60_000);
    photoOf[studentNos[6]!] = await seedConfirmedPhoto(rt.deps, studentNos[6]!, 7);
    admin = await createActor(rt.deps, 'admin');
  }, 120_000);
  afterAll(async () => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
    await rt?.close();
  });

  it('refuses bad files whole, naming every bad row and its value in zh and en; nothing is stored', async () => {
    const [s0, s1, s2, , , , s6, s7] = studentNos;
    const empty = await refusal(importRegistryAnswer(rt.deps, admin, { buffer: Buffer.alloc(0), fileName: 'empty.csv' }, 'zh'), 'UNSUPPORTED_FILE');
    // F3 finding 4: the answer file is called the answer file, never a roster (名单)
    expect(translateError(empty.code, empty.params, 'zh')).toBe('无法读取该文件：文件是空的 (the file is empty)。请上传 .xlsx 或 .csv 格式的学信网反馈文件');
    expect(translateError(empty.code, empty.params, 'en')).toBe('This file cannot be read: 文件是空的 (the file is empty). Upload the registry answer file as .xlsx or .csv');
    const png = await refusal(importRegistryAnswer(rt.deps, admin, { buffer: PNG_BYTES, fileName: 'answer.csv' }, 'zh'), 'UNSUPPORTED_FILE');
    expect(translateError(png.code, png.params, 'zh')).toContain('PNG');
    const noNo = await refusal(importCsv(['姓名,状态', '张小三,通过']), 'REGISTRY_ANSWER_NO_STUDENT_COLUMN');
    expect(translateError(noNo.code, noNo.params, 'zh')).toBe('反馈文件中没有“学号”列（表头为：姓名, 状态）；未导入任何数据');
    expect(translateError(noNo.code, noNo.params, 'en')).toContain('its header reads: 姓名, 状态');
    await refusal(importCsv(['学号,姓名', `${s0},张小三`]), 'REGISTRY_ANSWER_NO_STATUS_COLUMN');
    await refusal(importCsv(['学号,状态']), 'REGISTRY_ANSWER_EMPTY');
    const tooBig = await refusal(importRegistryAnswer(rt.deps, admin, { buffer: Buffer.alloc(21 * 1024 * 1024, 0x41), fileName: 'big.csv' }, 'en'), 'FILE_TOO_LARGE');
    expect(translateError(tooBig.code, tooBig.params, 'en')).toBe('The file is too large (limit 20 MB)');
    // an XLSX that unpacks like a bomb: stopped while inflating
    const bomb = await orderedXlsx([], 'workbook-first', { extraSheetXml: Array.from({ length: 70 }, () => '<row/>'.repeat(100_000)) });
    const tooComplex = await refusal(importRegistryAnswer(rt.deps, admin, { buffer: bomb, fileName: 'answer.xlsx' }, 'en'), 'ROSTER_TOO_COMPLEX');
    expect(tooComplex.params.limit).toBe('xlsx-compression-ratio');
    expect(translateError(tooComplex.code, tooComplex.params, 'zh')).toMatch(/^学信网反馈文件超出可处理的范围：压缩比为/);
    expect(translateError(tooComplex.code, tooComplex.params, 'en')).toMatch(/^The registry answer file is beyond what can be processed: the compression ratio is/);
    for (const e of [empty, png, tooComplex]) expect(translateError(e.code, e.params, 'zh')).not.toContain('名单');

    const lines = ['学号,状态', `${s0},通过`, `${s1},也许`, '2699999999,有误', `${s6},有误`, `${s7},通过`, `${s2},通过`, `${s2},有误`, ',通过'];
    const zh = await refusal(importCsv(lines), 'REGISTRY_ANSWER_INVALID');
    expect(zh.params).toEqual({ count: 6 });
    const errors = (zh.details as { errors: { row: number; problem: string; message: string }[] }).errors;
    expect(errors.map((e) => [e.row, e.problem])).toEqual([
      [3, 'status-unknown'],
      [4, 'not-on-roster'],
      [5, 'never-exported'],
      [6, 'never-exported'],
      [8, 'conflicting-rows'],
      [9, 'student-no-missing'],
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      `第 3 行：学号 ${s1} 的状态“也许”无法识别（应为“通过”或“有误”）`,
      '第 4 行：学号 2699999999 不在名单中',
      `第 5 行：学号 ${s6} 的照片从未导出给学信网（不在任何已生成的上传包中）`,
      `第 6 行：学号 ${s7} 的照片从未导出给学信网（不在任何已生成的上传包中）`,
      `第 8 行：学号 ${s2} 此处为“有误”，与第 7 行的状态不同`,
      '第 9 行：学号为空',
    ]);
    expect(translateError(zh.code, zh.params, 'zh')).toBe('学信网反馈文件有 6 处错误，未导入任何数据');
    const en = await refusal(importCsv(lines, 'answer.csv', 'en'), 'REGISTRY_ANSWER_INVALID');
    expect((en.details as { errors: { message: string }[] }).errors[0]!.message).toBe(`row 3: status "也许" of ${s1} is not understood (expected 通过/accepted or 有误/rejected)`);
    expect(translateError(en.code, en.params, 'en')).toBe("The registry's answer file has 6 bad row(s); nothing was imported");
    expect(await counts()).toEqual({ answers: 0, imports: 0, voided: 0 });
  });

  it('imports an answer (UTF-8 with BOM, a title row, the registry wordings): 有误 voids that confirmation, one audit event; the same file again stores nothing', async () => {
    const [s0, s1, s2, s3] = studentNos;
    const before = Number((await rt.deps.db.db.selectFrom('audit_events').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const lines = ['学信网图像校对结果', '序号,学号,姓名,校对结果', `1,${s0},张*三,通过`, `2,${s1},欧*娜,已通过`, `3,${s2},张*三,有误`, `4,${s3},欧*娜,合格`, `5,${s3},欧*娜,OK`];
    const buffer = Buffer.concat([BOM, csv(lines)]);
    const first = await importRegistryAnswer(rt.deps, admin, { buffer, fileName: '校对结果.csv' }, 'zh');
    expect(first).toMatchObject({ fileName: '校对结果.csv', rows: 5, accepted: 3, rejected: 1, alreadyKnown: 0, voided: 1 });
    const events = await rt.deps.db.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ action: 'registry.answer_imported', target_id: first.id });
    const confirmation = await rt.deps.db.db.selectFrom('photo_confirmations').selectAll().where('photo_id', '=', photoOf[s2!]!).executeTakeFirstOrThrow();
    expect(confirmation.voided_at).not.toBeNull();
    expect(confirmation.void_reason).toBe(REGISTRY_VOID_REASON);
    const retakes = await listRetakes(rt.deps, admin);
    expect(retakes.items).toEqual([{ studentNo: s2, name: '张小三', department: '物理学院', answeredAt: first.createdAt, bookedAt: null, rephotographedAt: null }]);

    rt.clock.advance(1000);
    // again, as GB18030 and in English words: nothing new, every row already known
    const again = await importRegistryAnswer(rt.deps, admin, { buffer: iconv.encode(['student no,result', `${s0},accepted`, `${s1},OK`, `${s2},rejected`, `${s3},pass`].join('\r\n'), 'gb18030'), fileName: 'answer-gbk.csv' }, 'en');
    expect(again).toMatchObject({ rows: 4, accepted: 0, rejected: 0, alreadyKnown: 4, voided: 0 });
    expect(await counts()).toEqual({ answers: 4, imports: 2, voided: 1 });
    // an answer contradicting a stored one about the same photo is refused, naming the date of the earlier one
    const contra = await refusal(importCsv(['学号,状态', `${s0},不合格`]), 'REGISTRY_ANSWER_INVALID');
    expect((contra.details as { errors: { problem: string; message: string }[] }).errors[0]).toMatchObject({ problem: 'already-answered-differently', message: expect.stringContaining(first.createdAt.slice(0, 10)) });
    expect((await listRegistryAnswerImports(rt.deps, admin)).items.map((i) => i.id)).toEqual([again.id, first.id]);
  });

  it('a newer photo of a 有误 student goes in the next batch, and its answer (XLSX, English header) is a new row', async () => {
    const s2 = studentNos[2]!;
    const s4 = studentNos[4]!;
    // re-photographed (not confirmed yet): still on the re-take list, shown as re-photographed
    rt.clock.advance(60_000);
    const retake = await seedConfirmedPhoto(rt.deps, s2, 20);
    await rt.deps.db.db.deleteFrom('photo_confirmations').where('photo_id', '=', retake).execute();
    const shown = (await listRetakes(rt.deps, admin)).items;
    expect(shown).toHaveLength(1);
    expect(shown[0]!.rephotographedAt).not.toBeNull();
    // then a confirmed make-up: off the list; exported with student 6 in batch 2 (the 有误 photo withdrawn)
    rt.clock.advance(60_000);
    const makeUp = await seedConfirmedPhoto(rt.deps, s2, 21);
    expect((await listRetakes(rt.deps, admin)).items).toEqual([]);
    const batch2 = await exportNow();
    expect(batch2.export).toMatchObject({ photoCount: 2, withdrawnCount: 1 });
    rt.clock.advance(60_000);
    const xlsx = await rosterXlsxBuffer({ headers: ['Student No.', 'Name', 'Status'], rows: [[Number(s2), 'x', 'Accepted'], [s4, 'y', 'rejected']] });
    const r = await importRegistryAnswer(rt.deps, admin, { buffer: xlsx, fileName: 'answer.xlsx' }, 'en');
    expect(r).toMatchObject({ rows: 2, accepted: 1, rejected: 1, alreadyKnown: 0, voided: 1 });
    const answers = await rt.deps.db.db.selectFrom('registry_answers').select(['photo_id', 'status']).where('student_id', '=', (await rt.deps.db.db.selectFrom('students').select('id').where('student_no', '=', s2).executeTakeFirstOrThrow()).id).orderBy('created_at').execute();
    expect(answers).toEqual([
      { photo_id: photoOf[s2], status: 'rejected' },
      { photo_id: makeUp, status: 'accepted' },
    ]);
    expect((await listRetakes(rt.deps, admin)).items.map((i) => i.studentNo)).toEqual([s4]);
  });

  it('shows the re-take list per role: full names for the school, masked for the agency, a secretary their departments only, never a student; the XLSX too', async () => {
    const s4 = studentNos[4]!;
    const operator = await createActor(rt.deps, 'operator');
    expect((await listRetakes(rt.deps, operator)).items).toEqual([expect.objectContaining({ studentNo: s4, name: '张*三' })]);
    const physics = await createActor(rt.deps, 'secretary', ['物理学院']);
    expect((await listRetakes(rt.deps, physics)).items.map((i) => i.name)).toEqual(['张小三']);
    const math = await createActor(rt.deps, 'secretary', ['数学科学学院']);
    expect((await listRetakes(rt.deps, math)).items).toEqual([]);
    await refusal(listRetakes(rt.deps, await createActor(rt.deps, 'student', [], s4)), 'FORBIDDEN');
    await refusal(listRetakes(rt.deps, await createActor(rt.deps, 'cashier')), 'FORBIDDEN');
    await refusal(importRegistryAnswer(rt.deps, operator, { buffer: csv(['学号,状态', `${s4},通过`]), fileName: 'a.csv' }, 'zh'), 'FORBIDDEN');

    // 23:30 UTC is 07:30 the next morning in Beijing: the file is named by the campaign's day, not UTC's
    const late = new Date(Date.now() + 86_400_000);
    late.setUTCHours(23, 30, 0, 0);
    rt.clock.set(late.toISOString());
    const beijingDay = new Date(late.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
    const file = await exportRetakes(rt.deps, operator);
    expect(file.fileName).toBe(`重拍名单-${beijingDay}.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(2).getCell(1).value).toBe(s4);
    expect(sheet.getRow(2).getCell(2).value).toBe('张*三');
    // F3 finding 5: when the answer came, as the campaign's wall clock (not a UTC ISO string)
    expect(sheet.getRow(2).getCell(4).value).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    const last = await rt.deps.db.db.selectFrom('audit_events').selectAll().orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(last.action).toBe('registry.retakes_exported');
  });
});
