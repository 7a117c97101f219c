// The real `gradphoto` command run as a child process (`node bin/gradphoto.js --data DIR …`) on the
// embedded database: help, eligibility of a roster file, users, roster import, audit verification (and
// what tampering with the database does to it), the demo, and a short `serve` whose log is checked for
// national ID numbers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../domain/campaign.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'bin', 'gradphoto.js');
const CAMPAIGN_2024 = path.join(REPO, 'src', 'services', 'demo', 'campaign-2024.json');
const CLI_TIMEOUT_MS = 60_000;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every output of every run, to check afterwards that no national ID number ever appeared. */
const transcript: string[] = [];

/** Runs the CLI with a clean environment (no DATABASE_URL: the embedded database of `--data`). */
function run(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: os.tmpdir(),
      env: { ...process.env, DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_LANG: '', GRADPHOTO_MASTER_KEY: '', LOG_LEVEL: 'info', ...opts.env },
      timeout: CLI_TIMEOUT_MS,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      transcript.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

function json<T>(r: RunResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

function nationalId(first17: string): string {
  return first17 + computeNationalIdCheckChar(first17);
}

const IDS = [nationalId('11010819990101001'), nationalId('31010419980202002'), nationalId('44030519970303003')];

/** One student per eligibility case of the notice (2024 terms), plus Shenzhen (S4). */
const ELIGIBILITY_ROSTER = rosterCsv([
  rosterRow('2101110001', { 身份证号: IDS[0] }),
  rosterRow('2101110002', { 毕业类型: '结业', 预计毕业时间: '2024-01' }),
  rosterRow('2101110003', { 已采集时间: '2023-07', 预计毕业时间: '2023-07', 确定延期至: '2024-07' }),
  rosterRow('2101110004', { 确定延期至: '2025-01' }),
  rosterRow('2101110005', { 结业换毕业: '是' }),
  rosterRow('2101110006', { 证书类型: '单证' }),
  rosterRow('2101110007', { 预计毕业时间: '2022-07' }),
  rosterRow('2101110008', { 院系: '深圳研究生院', 学习地点: '深圳', 身份证号: IDS[1] }),
  rosterRow('2101110009', { 院系: '深圳研究生院', 学习地点: '北京' }),
]);

const EXPECTED_DECISIONS = [
  { studentNo: '2101110001', decision: 'required', rule: 'E1', site: 'beijing' },
  { studentNo: '2101110002', decision: 'required', rule: 'E2', site: 'beijing' },
  { studentNo: '2101110003', decision: 'required', rule: 'E3', site: 'beijing' },
  { studentNo: '2101110004', decision: 'excluded', rule: 'E4', site: 'beijing' },
  { studentNo: '2101110005', decision: 'excluded', rule: 'E5', site: 'beijing' },
  { studentNo: '2101110006', decision: 'excluded', rule: 'E6', site: 'beijing' },
  { studentNo: '2101110007', decision: 'not-in-campaign', rule: null, site: 'beijing' },
  { studentNo: '2101110008', decision: 'required', rule: 'E1', site: 'shenzhen' },
  { studentNo: '2101110009', decision: 'required', rule: 'E1', site: 'beijing' },
];

/** Four problems on three rows, each reported (not only the first). */
const BAD_ROSTER = rosterCsv([
  rosterRow('2101110011', { 层次: '本科', 证书类型: '三证' }),
  rosterRow('2101110012', { 院系: '不存在学院' }),
  rosterRow('2101110013', { 身份证号: '110108199901010010' }),
  rosterRow('2101110014'),
]);

interface RosterError {
  row: number | null;
  column: string | null;
  value: string | null;
  message: string;
}

describe('gradphoto CLI', { timeout: 120_000 }, () => {
  let tmp: string;
  let data: string;
  let goodFile: string;
  let badFile: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-cli-'));
    data = path.join(tmp, 'data');
    goodFile = path.join(tmp, 'roster.csv');
    badFile = path.join(tmp, 'bad.csv');
    fs.writeFileSync(goodFile, ELIGIBILITY_ROSTER);
    fs.writeFileSync(badFile, BAD_ROSTER);
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('--help lists the commands', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['serve', 'demo', 'eligibility', 'roster', 'users', 'campaign', 'audit']) expect(r.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    expect(r.stdout).toContain('--data <dir>');
    expect(r.stdout).toContain('--lang <lang>');
  });

  it('a usage error is bad input (exit 2); with --json its error body on stdout and no usage text (outside test M7: exit 1, text only)', async () => {
    const [noRecipient, noFile, plain, help] = await Promise.all([
      run(['export', 'registry', '--json']),
      run(['eligibility', '--json']),
      run(['eligibility']),
      run(['users', '--help']),
    ]);
    expect(noRecipient.code).toBe(2);
    expect(JSON.parse(noRecipient.stdout)).toEqual({ error: { code: 'VALIDATION_FAILED', message: "required option '--recipient <key.asc>' not specified" } });
    expect(noRecipient.stderr).toBe('');
    expect(noFile.code).toBe(2);
    expect(JSON.parse(noFile.stdout).error).toMatchObject({ code: 'VALIDATION_FAILED', message: "missing required argument 'file'" });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("error: missing required argument 'file'");
    expect(plain.stderr).toContain('Usage: gradphoto eligibility');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('add [options]');
  });

  // Independent of each other (no data directory is written): the tests of this group run at once.
  describe.concurrent('eligibility FILE', () => {
    it('--json prints {studentNo, decision, rule, site} for each student (E1–E6, not in campaign, Shenzhen) and stores nothing', async () => {
      const r = await run(['--data', data, 'eligibility', goodFile, '--campaign', CAMPAIGN_2024, '--json'], {});
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toEqual(EXPECTED_DECISIONS);
      expect(fs.existsSync(path.join(data, 'gradphoto.sqlite'))).toBe(false);
    });

    it('without --json prints one tab-separated line per student', async () => {
      const r = await run(['eligibility', goodFile, '--campaign', CAMPAIGN_2024]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(EXPECTED_DECISIONS.length);
      expect(lines[7]).toBe('2101110008\trequired\tE1\tshenzhen');
      expect(lines[6]).toBe('2101110007\tnot-in-campaign\t-\tbeijing');
    });

    it('a bad roster exits with status 2 and prints every error as {row, column, value, message}', async () => {
      const r = await run(['eligibility', badFile, '--campaign', CAMPAIGN_2024, '--json']);
      expect(r.code).toBe(2);
      const errors = json<RosterError[]>(r);
      expect(errors.map((e) => [e.row, e.column, e.value])).toEqual([
        [2, '层次', '本科'],
        [2, '证书类型', '三证'],
        [3, '院系', '不存在学院'],
        // masked (rule A3, finding M4): a wrong check digit is mostly a real number mistyped
        [4, '身份证号', '11**************10'],
      ]);
      for (const e of errors) {
        expect(Object.keys(e).sort()).toEqual(['column', 'message', 'row', 'value']);
        expect(e.message).toMatch(new RegExp(`^第 ${e.row} 行 “${e.column}”: `));
      }
    });

    it('a 40,000-character cell is shortened in the --json errors, in Chinese and English (finding M4)', async () => {
      const longFile = path.join(tmp, 'long.csv');
      const rows = Array.from({ length: 7 }, (_, i) => rosterRow(`21011100${20 + i}`));
      rows[6] = rosterRow('2101110026', { 层次: '张'.repeat(40_000) }); // row 8 of the file
      fs.writeFileSync(longFile, rosterCsv(rows));
      const head = '张'.repeat(100);
      const zh = await run(['eligibility', longFile, '--campaign', CAMPAIGN_2024, '--json']);
      expect(zh.code).toBe(2);
      expect(json<RosterError[]>(zh)).toEqual([
        { row: 8, column: '层次', value: `${head}…（共 40,000 个字符）`, message: `第 8 行 “层次”: “${head}…（共 40,000 个字符）” 不是有效的层次（应为 硕士 或 博士）` },
      ]);
      const en = await run(['--lang', 'en', 'eligibility', longFile, '--campaign', CAMPAIGN_2024, '--json']);
      expect(json<RosterError[]>(en)[0]!.value).toBe(`${head}… (40,000 characters)`);
      expect(zh.stdout.length + en.stdout.length).toBeLessThan(2_000);
    });

    it('--lang en gives the messages in English', async () => {
      const r = await run(['--lang', 'en', 'eligibility', badFile, '--campaign', CAMPAIGN_2024, '--json']);
      expect(r.code).toBe(2);
      const errors = json<RosterError[]>(r);
      expect(errors).toHaveLength(4);
      for (const e of errors) expect(e.message).toMatch(new RegExp(`^Row ${e.row}, "${e.column}": `));
      const text = await run(['--lang', 'en', 'eligibility', badFile, '--campaign', CAMPAIGN_2024]);
      expect(text.code).toBe(2);
      expect(text.stderr).toContain('The roster has 4 error(s); nothing was imported');
    });

    it('a missing file is exit status 2 with a clear message', async () => {
      const r = await run(['eligibility', path.join(tmp, 'nope.csv'), '--campaign', CAMPAIGN_2024]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('文件不存在');
    });

    it('a folder instead of a file says it is a folder (it used to say the file does not exist)', async () => {
      const r = await run(['eligibility', tmp, '--campaign', CAMPAIGN_2024]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${tmp} 是文件夹，不是文件`);
      expect(r.stderr).not.toContain('文件不存在');
      const en = await run(['--lang', 'en', 'eligibility', tmp, '--campaign', CAMPAIGN_2024]);
      expect(en.stderr).toContain(`${tmp} is a folder, not a file`);
    });
  });

  describe('on a data directory', () => {
    it('users add reads the password from stdin; users list --json shows the account', async () => {
      const password = 'Secretary-password-2024';
      const add = await run(['--data', data, 'users', 'add', '--username', 'phys-sec', '--role', 'secretary', '--department', '物理学院', '--password-stdin', '--json'], { input: `${password}\n` });
      expect(add.code, add.stderr).toBe(0);
      expect(json(add)).toMatchObject({ username: 'phys-sec', role: 'secretary', departments: ['物理学院'], totpEnabled: false, disabled: false });
      const list = await run(['--data', data, 'users', 'list', '--json']);
      expect(list.code).toBe(0);
      expect(json<unknown[]>(list)).toEqual([expect.objectContaining({ username: 'phys-sec', role: 'secretary', departments: ['物理学院'] })]);
      for (const out of [add.stdout, add.stderr, list.stdout, list.stderr]) expect(out).not.toContain(password);
      const hash = new Database(path.join(data, 'gradphoto.sqlite'), { readonly: true });
      try {
        const row = hash.prepare('select password_hash from users where username = ?').get('phys-sec') as { password_hash: string };
        expect(row.password_hash).toMatch(/^\$argon2id\$/);
      } finally {
        hash.close();
      }
    });

    it('users update switches an account off and on and sets a new password from stdin; an unknown name is exit 3', async () => {
      const off = await run(['--data', data, 'users', 'update', '--username', 'phys-sec', '--disable', '--json']);
      expect(off.code, off.stderr).toBe(0);
      expect(json(off)).toMatchObject({ username: 'phys-sec', disabled: true });
      const reset = await run(['--data', data, 'users', 'update', '--username', 'phys-sec', '--enable', '--password-stdin', '--json'], { input: 'Secretary-new-password-2026\n' });
      expect(reset.code, reset.stderr).toBe(0);
      expect(json(reset)).toMatchObject({ username: 'phys-sec', disabled: false });
      for (const out of [reset.stdout, reset.stderr]) expect(out).not.toContain('Secretary-new-password-2026');
      const [nothing, unknown] = await Promise.all([
        run(['--data', data, 'users', 'update', '--username', 'phys-sec']),
        run(['--data', data, 'users', 'update', '--username', 'nobody-here', '--disable']),
      ]);
      expect(nothing.code).toBe(2);
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toContain('nobody-here');
    });

    it('users add with a short password or without --password-stdin: said in the command\'s language, as the API says it (was Zod\'s English inside a Chinese sentence)', async () => {
      const [zh, en, noStdin] = await Promise.all([
        run(['--data', data, 'users', 'add', '--username', 'weak-one', '--role', 'operator', '--password-stdin', '--json'], { input: 'short\n' }),
        run(['--data', data, '--lang', 'en', 'users', 'add', '--username', 'weak-one', '--role', 'operator', '--password-stdin'], { input: 'short\n' }),
        run(['--data', data, 'users', 'add', '--username', 'weak-one', '--role', 'operator']),
      ]);
      expect(zh.code).toBe(2);
      expect(json<{ error: { code: string; message: string } }>(zh).error).toMatchObject({ code: 'VALIDATION_FAILED', message: '请求内容不正确：password：至少 10 个字符' });
      expect(en.code).toBe(2);
      expect(en.stderr.trim()).toBe('The request is not valid: password: must be at least 10 characters');
      expect(noStdin.code).toBe(2);
      expect(noStdin.stderr.trim()).toBe('请求内容不正确：须使用 --password-stdin 从标准输入读取密码（密码从不作为命令行参数）');
    });

    it('users add for an unknown department fails with a clear message (exit 2), in either language', async () => {
      const [zh, en] = await Promise.all([
        run(['--data', data, 'users', 'add', '--username', 'other-sec', '--role', 'secretary', '--department', '不存在学院', '--password-stdin'], { input: 'Another-password-2024\n' }),
        run(['--data', data, '--lang', 'en', 'users', 'add', '--username', 'other-sec', '--role', 'secretary', '--department', '不存在学院', '--password-stdin', '--json'], {
          input: 'Another-password-2024\n',
        }),
      ]);
      expect(zh.code).toBe(2);
      expect(zh.stderr.trim()).toBe('院系不在本次采集活动中：不存在学院');
      expect(en.code).toBe(2);
      expect(json(en)).toMatchObject({ error: { code: 'DEPARTMENT_UNKNOWN', message: 'Not a department of this campaign: 不存在学院' } });
      const list = await run(['--data', data, 'users', 'list', '--json']);
      expect(json<{ username: string }[]>(list).map((u) => u.username)).toEqual(['phys-sec']);
    });

    it('users add refuses a password given without --password-stdin, and a taken username (exit 5)', async () => {
      const [noStdin, taken] = await Promise.all([
        run(['--data', data, 'users', 'add', '--username', 'operator-1', '--role', 'operator']),
        run(['--data', data, 'users', 'add', '--username', 'phys-sec', '--role', 'operator', '--password-stdin'], { input: 'Operator-password-2024' }),
      ]);
      expect(noStdin.code).toBe(2);
      expect(noStdin.stderr).toContain('--password-stdin');
      expect(taken.code).toBe(5);
      expect(taken.stderr).toContain('用户名已存在：phys-sec');
    });

    it('roster import FILE --yes --json imports, then again changes nothing; a bad file imports nothing', async () => {
      const r = await run(['--data', data, 'roster', 'import', goodFile, '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const out = json<{ preview: { valid: boolean; summary: { rows: number; added: number } }; result: { applied: boolean; summary: { added: number } } }>(r);
      expect(out.preview).toMatchObject({ valid: true, summary: { rows: 9, added: 9 } });
      expect(out.result).toMatchObject({ applied: true, summary: { added: 9 } });
      const again = json<{ result: { applied: boolean; summary: { unchanged: number } } }>(await run(['--data', data, 'roster', 'import', goodFile, '--yes', '--json']));
      expect(again.result).toMatchObject({ applied: false, summary: { unchanged: 9 } });

      const bad = await run(['--data', data, 'roster', 'import', badFile, '--yes', '--json']);
      expect(bad.code).toBe(2);
      expect(json<RosterError[]>(bad)).toHaveLength(4);
      const db = new Database(path.join(data, 'gradphoto.sqlite'), { readonly: true });
      try {
        expect((db.prepare('select count(*) as n from students').get() as { n: number }).n).toBe(9);
        const ids = db.prepare('select national_id_enc, national_id_mask from students where national_id_enc is not null').all() as { national_id_enc: string; national_id_mask: string }[];
        expect(ids).toHaveLength(2);
        // Stored encrypted (A3): the plain number is nowhere in the row.
        for (const row of ids) for (const id of IDS) expect(JSON.stringify(row)).not.toContain(id);
      } finally {
        db.close();
      }
    });

    it('roster import without --yes on a non-terminal imports nothing', async () => {
      const other = path.join(tmp, 'other.csv');
      fs.writeFileSync(other, rosterCsv([rosterRow('2101119999')]));
      const r = await run(['--data', data, 'roster', 'import', other]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--yes');
      const db = new Database(path.join(data, 'gradphoto.sqlite'), { readonly: true });
      try {
        expect((db.prepare("select count(*) as n from students where student_no = '2101119999'").get() as { n: number }).n).toBe(0);
      } finally {
        db.close();
      }
    });

    it('roster import that removes more than 20% of the students needs --confirm-removals with the count (issue 8 finding 13)', async () => {
      const own = path.join(tmp, 'data-removals');
      const all = path.join(tmp, 'ten.csv');
      const fewer = path.join(tmp, 'seven.csv');
      const rows = Array.from({ length: 10 }, (_, i) => rosterRow(String(2109200000 + i)));
      fs.writeFileSync(all, rosterCsv(rows));
      fs.writeFileSync(fewer, rosterCsv(rows.slice(0, 7)));
      expect((await run(['--data', own, 'roster', 'import', all, '--yes'])).code).toBe(0);
      const refused = await run(['--data', own, 'roster', 'import', fewer, '--yes']);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toContain('--confirm-removals 3');
      expect(refused.stderr).toContain('此名单将移除 3 名学生（占现有 10 名的 30%，超过 20%）');
      expect((await run(['--data', own, 'roster', 'import', fewer, '--yes', '--confirm-removals', '2'])).code).toBe(2);
      const confirmed = await run(['--data', own, 'roster', 'import', fewer, '--yes', '--json', '--confirm-removals', '3']);
      expect(confirmed.code, confirmed.stderr).toBe(0);
      expect(json<{ result: { summary: { removed: number } } }>(confirmed).result.summary.removed).toBe(3);
    });

    it('audit verify --json is ok; after an audit row is edited in the file it exits 6 and names the event', async () => {
      const ok = await run(['--data', data, 'audit', 'verify', '--json']);
      expect(ok.code).toBe(0);
      const okResult = json<{ ok: boolean; checked: number; brokenAt: number | null; checkpoints: number }>(ok);
      expect(okResult).toMatchObject({ ok: true, brokenAt: null, problem: null });
      expect(okResult.checked).toBeGreaterThanOrEqual(3);

      // Every command above left a signed checkpoint outside the database at its end (issue 8 finding 4).
      expect(okResult.checkpoints).toBeGreaterThanOrEqual(1);

      const db = new Database(path.join(data, 'gradphoto.sqlite'));
      try {
        // The append-only triggers refuse the edit; someone with the file drops them first.
        expect(() => db.prepare("update audit_events set details = '{}' where seq = 1").run()).toThrow(/append-only/);
        for (const t of ['audit_events_no_update', 'audit_events_no_delete', 'audit_head_forward_only']) db.prepare(`drop trigger ${t}`).run();
        // The last event removed and the head moved back: the chain is whole, but shorter than the checkpoint.
        const last = okResult.checked;
        const prev = db.prepare('select hash from audit_events where seq = ?').get(last - 1) as { hash: string };
        db.prepare('delete from audit_events where seq = ?').run(last);
        db.prepare('update audit_head set seq = ?, hash = ? where id = 1').run(last - 1, prev.hash);
      } finally {
        db.close();
      }
      const truncated = await run(['--data', data, 'audit', 'verify', '--json']);
      expect(truncated.code).toBe(6);
      expect(json(truncated)).toMatchObject({ ok: false, checked: okResult.checked - 1, brokenAt: okResult.checked, problem: expect.stringContaining('events were removed') });

      const db2 = new Database(path.join(data, 'gradphoto.sqlite'));
      try {
        const before = db2.prepare('select details from audit_events where seq = 1').get() as { details: string };
        expect(before.details).not.toBe('{}');
        db2.prepare("update audit_events set details = '{}' where seq = 1").run();
      } finally {
        db2.close();
      }

      const [broken, text] = await Promise.all([run(['--data', data, 'audit', 'verify', '--json']), run(['--data', data, 'audit', 'verify'])]);
      expect(broken.code).toBe(6);
      expect(json(broken)).toEqual({ ok: false, checked: 0, brokenAt: 1, problem: 'event content does not match its hash', checkpoints: okResult.checkpoints, uncovered: 0 });
      expect(text.code).toBe(6);
      expect(text.stdout).toContain('BROKEN at event 1');
    });

    it('no audit row of the data directory holds a national ID number or a password', () => {
      const db = new Database(path.join(data, 'gradphoto.sqlite'), { readonly: true });
      try {
        const dump = JSON.stringify(db.prepare('select * from audit_events').all());
        for (const id of IDS) expect(dump).not.toContain(id);
        expect(dump).not.toMatch(/\b\d{17}[\dX]\b/);
        expect(dump).not.toContain('Secretary-password-2024');
      } finally {
        db.close();
      }
    });
  });

  // Each on its own data directory: the tests of this group run at once.
  describe.concurrent('demo', () => {
    it('demo --students 50 --json imports 50 students into a campaign whose first day is in the future', async () => {
      const dir = path.join(tmp, 'demo');
      const r = await run(['--data', dir, 'demo', '--students', '50', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const out = json<{ campaign: string; firstDay: string; targetTerms: string[]; import: { applied: boolean; summary: { added: number; rows: number } } }>(r);
      expect(out.import).toMatchObject({ applied: true, summary: { rows: 50, added: 50 } });
      expect(out.firstDay > localDate(new Date(), 'Asia/Shanghai')).toBe(true);
      expect(Number(out.targetTerms[0]!.slice(0, 4))).toBeGreaterThan(2024);
      const show = json<{ id: string; days: { date: string }[] }>(await run(['--data', dir, 'campaign', 'show', '--json']));
      expect(show.id).toBe(out.campaign);
      expect(show.days[0]!.date).toBe(out.firstDay);
      // The demo roster's national ID numbers are in no output and no audit row.
      const db = new Database(path.join(dir, 'gradphoto.sqlite'), { readonly: true });
      try {
        expect((db.prepare('select count(*) as n from students').get() as { n: number }).n).toBe(50);
        expect(JSON.stringify(db.prepare('select * from audit_events').all())).not.toMatch(/\b\d{17}[\dX]\b/);
      } finally {
        db.close();
      }
      expect(r.stdout).not.toMatch(/\b\d{17}[\dX]\b/);
    });

    it('demo --as-published --students 0 --json loads the notice’s 2023 dates', async () => {
      const r = await run(['--data', path.join(tmp, 'published'), 'demo', '--as-published', '--students', '0', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toEqual({ campaign: '2024-graduates', firstDay: '2023-11-01', targetTerms: ['2024-01', '2024-07'], import: null });
    });

    it('demo --students with a bad number is exit status 2', async () => {
      const r = await run(['--data', path.join(tmp, 'bad-demo'), 'demo', '--students', 'many']);
      expect(r.code).toBe(2);
    });
  });

  describe('serve', () => {
    it('serves the API; its log holds no national ID number and no session token', async () => {
      const dir = path.join(tmp, 'serve');
      const child = spawn(process.execPath, [BIN, '--data', dir, 'serve', '--port', '0'], {
        cwd: os.tmpdir(),
        env: { ...process.env, DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_MASTER_KEY: '', HOST: '127.0.0.1', LOG_LEVEL: 'info', COOKIE_SECURE: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: CLI_TIMEOUT_MS,
      });
      let log = '';
      let token = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const check = setInterval(() => {
            const m = /is running: (http:\/\/\S+)/.exec(log);
            if (m) {
              clearInterval(check);
              resolve(m[1]!.replace('localhost', '127.0.0.1'));
            } else if (child.exitCode !== null) {
              clearInterval(check);
              reject(new Error(`serve exited:\n${log}`));
            }
          }, 50);
        });
        const password = /password:\s+(\S+)/.exec(log)?.[1];
        expect(password).toBeDefined();

        const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
        expect(login.status).toBe(200);
        const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
        token = cookie.split('=')[1]!;
        expect(token.length).toBeGreaterThan(20);

        const form = new FormData();
        form.append('file', new Blob([Buffer.from(ELIGIBILITY_ROSTER, 'utf8')]), 'roster.csv');
        const applied = await fetch(`${url}/api/roster/apply`, { method: 'POST', body: form, headers: { cookie } });
        expect(applied.status).toBe(200);
        const list = (await (await fetch(`${url}/api/students?q=2101110008`, { headers: { cookie } })).json()) as { items: { id: string }[] };
        const id = list.items[0]!.id;
        expect((await fetch(`${url}/api/students/${id}`, { headers: { cookie } })).status).toBe(200);
        const reveal = await fetch(`${url}/api/students/${id}/national-id`, { method: 'POST', headers: { cookie } });
        expect(await reveal.json()).toEqual({ nationalId: IDS[1] });
        // A bad roster upload: its errors (with the wrong ID number in them) go to the caller, not to the log.
        const badForm = new FormData();
        badForm.append('file', new Blob([Buffer.from(BAD_ROSTER, 'utf8')]), 'bad.csv');
        expect((await fetch(`${url}/api/roster/apply`, { method: 'POST', body: badForm, headers: { cookie } })).status).toBe(422);
        expect((await fetch(`${url}/api/health`)).status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      // The log did record the requests …
      expect(log).toContain('/api/students/');
      expect(log).toContain('/national-id');
      // … but no national ID number (valid or not), no session token and no cookie.
      for (const id of [...IDS, '110108199901010010']) expect(log).not.toContain(id);
      expect(log).not.toMatch(/\b\d{17}[\dX]\b/);
      expect(log).not.toContain(token);
      expect(log).not.toContain('gp_session=');
    });
  });

  it('no CLI output ever held a national ID number of a roster, valid or not', () => {
    expect(transcript.length).toBeGreaterThan(10);
    const all = transcript.join('\n');
    // the invalid one is BAD_ROSTER's: its errors name it masked (finding M4)
    for (const id of [IDS[0]!, IDS[1]!, '110108199901010010']) expect(all).not.toContain(id);
  });
});
