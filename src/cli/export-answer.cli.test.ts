// `gradphoto export answer FILE` and `gradphoto export retakes` as child processes, once per database (issue 10
// section 1, A1; decision 0024): a bad file exits 2 listing every bad row on stderr and stores nothing; a good
// one prints the summary (--json: the import); the re-take list names the 有误 student and writes its XLSX.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster, seedConfirmedPhoto } from '../../test/support/registry-export.js';
import { createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { RegistryAnswerImportSchema } from '../contracts/registry-answer.js';
import { SYSTEM } from '../services/deps.js';
import { createRegistryExport } from '../services/registry-export.service.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'bin', 'gradphoto.js');

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: os.tmpdir(),
      env: { ...process.env, DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_LANG: '', GRADPHOTO_MASTER_KEY: '', GRADPHOTO_PHOTO_KEY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.each(DIALECTS)('gradphoto export answer on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let env: Record<string, string>;
  let studentNos: string[];

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.clock.set(new Date(Date.now() - 60_000).toISOString());
    env = { GRADPHOTO_DATA: rt.dataDir, ...(rt.databaseUrl ? { DATABASE_URL: rt.databaseUrl } : {}) };
    const key = await openpgp.generateKey({ userIDs: [{ name: 'Registry', email: 'registry@chsi.example.org' }], format: 'armored', date: new Date(Date.now() - 120_000) });
    ({ studentNos } = await importRegistryRoster(rt.deps, 3));
    for (const [i, no] of studentNos.slice(0, 2).entries()) await seedConfirmedPhoto(rt.deps, no, i + 1);
    await createRegistryExport(rt.deps, SYSTEM, { recipient: { bytes: Buffer.from(key.publicKey), source: 'registry.asc' }, outDir: path.join(rt.dataDir, 'out') });
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('refuses a bad file (exit 2, every bad row on stderr), then imports a good one and lists the re-take', async () => {
    const [s0, s1, s2] = studentNos as [string, string, string];
    const bad = path.join(rt.dataDir, 'bad.csv');
    fs.writeFileSync(bad, ['学号,状态', `${s0},也许`, `${s2},通过`].join('\n'));
    const refused = await run(['--lang', 'zh', 'export', 'answer', bad], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('学信网反馈文件有 2 处错误，未导入任何数据');
    expect(refused.stderr).toContain(`第 2 行：学号 ${s0} 的状态“也许”无法识别`);
    expect(refused.stderr).toContain(`第 3 行：学号 ${s2} 的照片从未导出给学信网`);
    expect(await rt.deps.db.db.selectFrom('registry_answer_imports').selectAll().execute()).toEqual([]);

    const good = path.join(rt.dataDir, '学信网反馈.csv');
    fs.writeFileSync(good, ['学号,状态', `${s0},通过`, `${s1},有误`].join('\n'));
    const done = await run(['export', 'answer', good, '--json'], env);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(RegistryAnswerImportSchema.parse(JSON.parse(done.stdout))).toMatchObject({ fileName: '学信网反馈.csv', accepted: 1, rejected: 1, voided: 1 });
    const human = await run(['--lang', 'en', 'export', 'answer', good], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('already known: 2');

    const xlsx = path.join(rt.dataDir, 'retakes.xlsx');
    const [list, written, plain] = await Promise.all([run(['export', 'retakes', '--json'], env), run(['export', 'retakes', '--xlsx', xlsx], env), run(['export', 'retakes'], env)]);
    expect(list.code).toBe(0);
    const items = JSON.parse(list.stdout) as { studentNo: string; answeredAt: string }[];
    expect(items).toEqual([expect.objectContaining({ studentNo: s1, name: '欧阳娜娜' })]);
    // for a person: when the answer came, in Beijing time as on the page (the JSON keeps the instant)
    expect(plain.code).toBe(0);
    const beijing = new Date(Date.parse(items[0]!.answeredAt) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect(plain.stdout).toContain(`${s1}  欧阳娜娜`);
    expect(plain.stdout).toContain(beijing);
    expect(plain.stdout).not.toContain(items[0]!.answeredAt);
    expect(written.code).toBe(0);
    expect(fs.readFileSync(xlsx).subarray(0, 2).toString()).toBe('PK');
  });
});
