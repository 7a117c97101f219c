// `gradphoto export registry` as a child process, once per database (issue 10 section 1, A1): bad inputs are
// named errors (exit 2) that leave nothing behind; a run killed with SIGKILL in the middle of a batch, then a
// second run, give one complete batch without duplicates (decrypted with Debian's gpg, every checksum checked);
// a third run says there is nothing to export and writes nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpg, importRegistryRoster, openPackage, seedConfirmedPhoto, type Gpg } from '../../test/support/registry-export.js';
import { createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { PAUSE_AFTER_ENV } from './export-registry.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'bin', 'gradphoto.js');
const STUDENTS = 30;

function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: os.tmpdir(),
    env: { ...process.env, DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_LANG: '', GRADPHOTO_MASTER_KEY: '', GRADPHOTO_PHOTO_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = start(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function sha256(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

describe.each(DIALECTS)('gradphoto export registry on %s', { timeout: 240_000 }, (dialect) => {
  let rt: TestRuntime;
  let env: Record<string, string>;
  let gpg: Gpg;
  let keyFile: string;
  let out: string;
  let studentNos: string[];
  let nationalIds: string[];

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.clock.set(new Date(Date.now() - 60_000).toISOString());
    env = { GRADPHOTO_DATA: rt.dataDir, ...(rt.databaseUrl ? { DATABASE_URL: rt.databaseUrl } : {}) };
    gpg = createGpg();
    keyFile = path.join(rt.dataDir, 'registry.asc');
    fs.writeFileSync(keyFile, gpg.generate('registry@chsi.example.org'));
    out = path.join(rt.dataDir, 'out');
    ({ studentNos, nationalIds } = await importRegistryRoster(rt.deps, STUDENTS));
    for (const [i, no] of studentNos.entries()) await seedConfirmedPhoto(rt.deps, no, i + 1);
  }, 240_000);
  afterAll(async () => {
    gpg?.remove();
    await rt?.close();
  });

  it('names each bad input (exit 2) and leaves nothing behind', async () => {
    const notKey = path.join(rt.dataDir, 'notes.txt');
    fs.writeFileSync(notKey, 'this is not a key\n');
    const secret = path.join(rt.dataDir, 'secret.asc');
    fs.writeFileSync(secret, gpg.exportSecret('registry@chsi.example.org'));
    // Four independent refusals: the processes run together.
    const [a, b, c, d] = await Promise.all([
      run(['export', 'registry', '--recipient', notKey, '--out', out], env),
      run(['--lang', 'en', 'export', 'registry', '--recipient', secret, '--out', out], env),
      run(['export', 'registry', '--recipient', keyFile, '--out', notKey, '--json'], env),
      run(['export', 'registry', '--recipient', keyFile, '--out', out, '--pattern', '<nationalId>.jpg'], env),
    ]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`“${notKey}”不是 OpenPGP 公钥`);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`"${secret}" is a private key`);
    expect(c.code).toBe(2);
    expect(JSON.parse(c.stdout)).toMatchObject({ error: { code: 'EXPORT_OUT_DIR_UNWRITABLE', message: expect.stringContaining('这是一个文件，不是目录') } });
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('身份证号等其他信息不得写入文件名');
    expect(fs.existsSync(out)).toBe(false);
    expect(await rt.deps.db.db.selectFrom('registry_exports').selectAll().execute()).toEqual([]);
  });

  it('after a kill -9 in the middle of a batch, the next run gives one complete batch without duplicates; then nothing to export', async () => {
    // 1. a run stopped after 10 of the 30 photos, then killed
    const child = start(['export', 'registry', '--recipient', keyFile, '--out', out], { ...env, [PAUSE_AFTER_ENV]: '10' });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('paused after 10 photos')) resolve();
      });
      child.on('close', (code) => reject(new Error(`exited ${code} before pausing: ${stderr}`)));
    });
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.kill('SIGKILL');
    await closed;
    const building = await rt.deps.db.db.selectFrom('registry_exports').selectAll().execute();
    expect(building.map((b) => b.status)).toEqual(['building']);
    expect(building[0]!.progress_done).toBeLessThan(STUDENTS);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.zip.gpg'))).toEqual([]); // only a temporary file, never the final name

    // 2. the next run abandons it and builds the whole batch
    const second = await run(['export', 'registry', '--recipient', keyFile, '--out', out], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`an interrupted batch was abandoned (its files removed) and is rebuilt: ${building[0]!.id}`);
    expect(second.stdout).toContain(`照片 / photos: ${STUDENTS}`);
    const files = fs.readdirSync(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^registry-\d{8}-\d{6}Z-[0-9a-f]{8}\.zip\.gpg$/);
    const rows = await rt.deps.db.db.selectFrom('registry_exports').select(['id', 'status', 'photo_count', 'file_name', 'sha256']).orderBy('created_at').execute();
    expect(rows.map((r) => r.status).sort()).toEqual(['abandoned', 'delivered']);
    const delivered = rows.find((r) => r.status === 'delivered')!;
    expect(delivered).toMatchObject({ photo_count: STUDENTS, file_name: files[0] });
    const items = await rt.deps.db.db.selectFrom('registry_export_items').select('photo_id').where('kind', '=', 'photo').execute();
    expect(items).toHaveLength(STUDENTS);
    expect(new Set(items.map((i) => i.photo_id)).size).toBe(STUDENTS);

    const file = path.join(out, files[0]!);
    expect(sha256(fs.readFileSync(file))).toBe(delivered.sha256);
    const { entries, status } = await openPackage(gpg, file);
    expect(status).toContain('DECRYPTION_OKAY');
    expect([...entries.keys()].filter((n) => n.endsWith('.jpg')).sort()).toEqual(studentNos.map((n) => `${n}.jpg`));
    const sums = entries.get('SHA256SUMS')!.toString('utf8').trim().split('\n');
    expect(sums).toHaveLength(STUDENTS + 1);
    for (const line of sums) {
      const [hash, name] = line.split('  ') as [string, string];
      expect(sha256(entries.get(name)!)).toBe(hash);
    }
    const manifest = entries.get('manifest.csv')!.toString('utf8');
    expect(manifest.trim().split('\r\n')).toHaveLength(STUDENTS + 1);
    for (const id of nationalIds) {
      expect(manifest).not.toContain(id);
      expect([...entries.keys()].join('\n')).not.toContain(id);
    }

    // 3. nothing new: exit 0, says so, writes nothing (three runs at once: none of them opens a batch)
    const elsewhere = path.join(rt.dataDir, 'never-created');
    const [third, human, other] = await Promise.all([
      run(['export', 'registry', '--recipient', keyFile, '--out', out, '--json'], env),
      run(['export', 'registry', '--recipient', keyFile, '--out', out], env),
      run(['export', 'registry', '--recipient', keyFile, '--out', elsewhere], env),
    ]);
    expect(third.code).toBe(0);
    expect(JSON.parse(third.stdout)).toEqual({ export: null, nothingToExport: true, abandoned: [] });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('nothing to export');
    expect(fs.readdirSync(out)).toEqual(files);
    expect(other.code).toBe(0);
    expect(fs.existsSync(elsewhere)).toBe(false);
    expect(await rt.deps.db.db.selectFrom('registry_exports').selectAll().execute()).toHaveLength(2);
  });
});
