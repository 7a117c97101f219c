// Backup, restore, verify (issue 11 section 2) on both databases: what a backup holds, that a restored installation
// opens every photo to the bytes uploaded and its audit chain verifies, and every refusal (existing file, non-empty
// target, keys kept apart, damaged file, engine mismatch) with nothing written.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, inject, vi } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { runGradphoto } from '../../test/support/gradphoto-cli.js';
import { createScratchDatabase } from '../../test/support/postgres.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { createArchiveWriter, readArchive } from '../adapters/backup-archive.js';
import { openBlob } from '../adapters/envelope-crypto.js';
import { isAppError } from '../domain/errors.js';
import { verifyAuditChain } from './audit.service.js';
import { createBackup, restoreBackup, verifyBackup, type BackupManifest } from './backup.service.js';
import { uploadPhoto } from './photo.service.js';
import { applyRosterImport } from './roster.service.js';
import { openRuntime } from './runtime.js';

vi.setConfig({ testTimeout: 90_000 });

const PORTRAIT = path.resolve('test/fixtures/photos/orientation-1.jpg');
const STUDENTS = ['2401300001', '2401300002', '2401300003'];

function shot(jpeg: Buffer, label: string): Buffer {
  const text = Buffer.from(`gradphoto backup shot ${label}`, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, jpeg.subarray(2)]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isAppError(e)) return e.code;
    throw e;
  }
}

function manifestOf(file: string): BackupManifest {
  return JSON.parse(execFileSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8' })) as BackupManifest;
}

describe.each(DIALECTS)('backup and restore on %s', (dialect) => {
  let rt: TestRuntime;
  let dir: string;
  const uploaded: { id: string; sha256: string }[] = [];
  const scratches: { drop(): Promise<void> }[] = [];
  const scratch = async () => {
    const s = await createScratchDatabase(inject('postgresUrl'), 'gp_restore');
    scratches.push(s);
    return s.url;
  };
  const source = () => ({ dataDir: rt.dataDir, databaseUrl: rt.databaseUrl });
  const target = async () => ({ dataDir: path.join(dir, `restored-${crypto.randomBytes(3).toString('hex')}`), databaseUrl: dialect === 'postgres' ? await scratch() : undefined });

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-backup-test-'));
    const admin = await createActor(rt.deps, 'admin');
    const operator = await createActor(rt.deps, 'operator');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(STUDENTS.map((no) => rosterRow(no)))) }, 'roster.csv', 'zh');
    const portrait = fs.readFileSync(PORTRAIT);
    for (const [i, no] of STUDENTS.entries()) {
      const bytes = shot(portrait, `${dialect}-${i}`);
      const { value } = await uploadPhoto(rt.deps, operator, { bytes, studentNo: no }, 'zh');
      uploaded.push({ id: value.id, sha256: crypto.createHash('sha256').update(bytes).digest('hex') });
    }
  }, 180_000);
  afterAll(async () => {
    await rt?.close();
    for (const s of scratches) await s.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('backs up database, blobs, checkpoints and keys as separate parts with a checksum each; restores into an empty place where every photo opens to its bytes and the audit chain verifies', async () => {
    const out = path.join(dir, 'full.tar');
    const r = await createBackup({ ...source(), out });
    expect(r).toMatchObject({ engine: dialect, photos: 3, blobs: 6, blobsNotCopied: [], keysFile: null });
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    // a plain tar: the system's tar lists it
    const names = execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).trim().split('\n');
    expect(names[0]).toBe(dialect === 'sqlite' ? 'db/gradphoto.sqlite' : 'db/gradphoto.pgdump');
    expect(names.filter((n) => n.startsWith('blobs/'))).toHaveLength(6);
    expect(names.filter((n) => n.startsWith('keys/')).sort()).toEqual(['keys/audit.key', 'keys/master.key', 'keys/photo-kek.v1.key']);
    expect(names).toContain('audit/checkpoints.jsonl');
    expect(names.at(-1)).toBe('manifest.json');
    const manifest = manifestOf(out);
    expect(manifest.files.map((f) => f.path).sort()).toEqual(names.filter((n) => n !== 'manifest.json').sort());
    expect(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);

    const v = await verifyBackup({ file: out, all: true, scratchDatabaseUrl: dialect === 'postgres' ? await scratch() : undefined });
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, databaseOpened: true, keys: 'included', blobs: { named: 6, present: 6, missing: 0, decrypted: 6, decryptFailed: 0, originalsMatched: 3 } });
    expect(v.audit?.ok).toBe(true);

    const t = await target();
    const restored = await restoreBackup({ file: out, ...t });
    expect(restored).toMatchObject({ id: r.id, photos: 3, blobs: 6 });
    const rt2 = await openRuntime({ dataDir: t.dataDir, databaseUrl: t.databaseUrl });
    try {
      for (const u of uploaded) {
        const original = await rt2.db.db.selectFrom('photo_blobs').selectAll().where('photo_id', '=', u.id).where('kind', '=', 'original').executeTakeFirstOrThrow();
        const plain = openBlob(rt2.photos!.keyring, original.id, await rt2.photos!.blobs.read(original.id), original.wrapped_key, original.kek_version);
        expect(crypto.createHash('sha256').update(plain).digest('hex')).toBe(u.sha256);
      }
      const audit = await verifyAuditChain(rt2);
      expect(audit).toMatchObject({ ok: true });
      expect(audit.checked).toBeGreaterThanOrEqual(r.auditSeq);
    } finally {
      await rt2.close();
    }
    // the restored keys are private
    for (const f of fs.readdirSync(path.join(t.dataDir, 'keys'))) expect(fs.statSync(path.join(t.dataDir, 'keys', f)).mode & 0o777).toBe(0o600);
  });

  it('keeps the keys apart with --without-keys: a restore without them is refused, with another backup\'s keys too, with its own keys it works', async () => {
    const out = path.join(dir, 'nokeys.tar');
    const keysOut = path.join(dir, 'nokeys.keys.tar');
    const r = await createBackup({ ...source(), out, keysOut });
    expect(r.keysFile).toBe(keysOut);
    expect(execFileSync('tar', ['-tf', out], { encoding: 'utf8' })).not.toContain('keys/');
    expect(execFileSync('tar', ['-tf', keysOut], { encoding: 'utf8' }).trim().split('\n').sort()).toEqual(['keys/audit.key', 'keys/master.key', 'keys/photo-kek.v1.key', 'manifest.json']);

    const t = await target();
    expect(await codeOf(restoreBackup({ file: out, ...t }))).toBe('BACKUP_KEYS_REQUIRED');
    expect(fs.existsSync(t.dataDir)).toBe(false);
    const other = path.join(dir, 'other.tar');
    const otherKeys = path.join(dir, 'other.keys.tar');
    await createBackup({ ...source(), out: other, keysOut: otherKeys });
    expect(await codeOf(restoreBackup({ file: out, keysFile: otherKeys, ...t }))).toBe('BACKUP_KEYS_MISMATCH');
    // verify without the keys: the files check out, but nothing can be decrypted
    const bare = await verifyBackup({ file: out });
    expect(bare.ok).toBe(false);
    expect(bare.problems.join(' ')).toMatch(/no keys/);
    expect((await verifyBackup({ file: out, keysFile: keysOut, scratchDatabaseUrl: dialect === 'postgres' ? await scratch() : undefined })).ok).toBe(true);
    await restoreBackup({ file: out, keysFile: keysOut, ...t });
    const rt2 = await openRuntime({ dataDir: t.dataDir, databaseUrl: t.databaseUrl });
    try {
      expect((await verifyAuditChain(rt2)).ok).toBe(true);
    } finally {
      await rt2.close();
    }
  });

  it('refuses to overwrite a file, to restore over data, and a damaged backup — and leaves nothing behind', async () => {
    const out = path.join(dir, 'refusals.tar');
    await createBackup({ ...source(), out });
    expect(await codeOf(createBackup({ ...source(), out }))).toBe('BACKUP_OUT_EXISTS');
    // a non-empty directory
    const busy = path.join(dir, 'busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'something'), 'x');
    expect(await codeOf(restoreBackup({ file: out, dataDir: busy, databaseUrl: dialect === 'postgres' ? await scratch() : undefined }))).toBe('RESTORE_TARGET_NOT_EMPTY');
    expect(fs.readdirSync(busy)).toEqual(['something']);
    if (dialect === 'postgres') {
      // a database with tables: the source itself
      expect(await codeOf(restoreBackup({ file: out, dataDir: path.join(dir, 'over-source'), databaseUrl: rt.databaseUrl }))).toBe('RESTORE_TARGET_NOT_EMPTY');
      expect(await codeOf(restoreBackup({ file: out, dataDir: path.join(dir, 'no-url') }))).toBe('BACKUP_ENGINE_MISMATCH');
    } else {
      expect(await codeOf(restoreBackup({ file: out, dataDir: path.join(dir, 'with-url'), databaseUrl: 'postgres://nobody@127.0.0.1:1/none' }))).toBe('BACKUP_ENGINE_MISMATCH');
    }
    // one byte of one blob changed
    const damaged = path.join(dir, 'damaged.tar');
    fs.copyFileSync(out, damaged);
    const blobName = manifestOf(out).files.find((f) => f.path.startsWith('blobs/'))!.path;
    let offset = -1;
    for await (const e of readArchive(damaged)) if (e.path === blobName) offset = e.offset + 40;
    const fd = fs.openSync(damaged, 'r+');
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0xff;
    fs.writeSync(fd, b, 0, 1, offset);
    fs.closeSync(fd);
    const v = await verifyBackup({ file: damaged, scratchDatabaseUrl: dialect === 'postgres' ? await scratch() : undefined });
    expect(v.ok).toBe(false);
    expect(v.files.problems).toEqual([`${blobName} does not match its checksum`]);
    const t = await target();
    const err = await restoreBackup({ file: damaged, ...t }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('BACKUP_DAMAGED');
    expect(fs.existsSync(t.dataDir)).toBe(false);
    // cut short: at half its length, and just before its manifest (the last entry): damaged, not "not a backup"
    const whole = fs.readFileSync(out);
    let manifestAt = -1;
    for await (const e of readArchive(out)) if (e.path === 'manifest.json') manifestAt = e.offset;
    for (const [name, length] of [['half', Math.floor(whole.length / 2)], ['before-manifest', manifestAt - 512]] as const) {
      const cut = path.join(dir, `cut-${name}.tar`);
      fs.writeFileSync(cut, whole.subarray(0, length));
      expect(await codeOf(verifyBackup({ file: cut })), name).toBe('BACKUP_DAMAGED');
      const tc = await target();
      expect(await codeOf(restoreBackup({ file: cut, ...tc })), name).toBe('BACKUP_DAMAGED');
      expect(fs.existsSync(tc.dataDir)).toBe(false);
    }
    // not a backup at all
    const junk = path.join(dir, 'junk.tar');
    fs.writeFileSync(junk, crypto.randomBytes(4096));
    expect(await codeOf(verifyBackup({ file: junk }))).toBe('BACKUP_NOT_A_BACKUP');
  });

  it('a restore whose installation does not open (other keys in the environment) removes what it wrote: the retry into the same place works', async () => {
    const out = path.join(dir, 'undo.tar');
    await createBackup({ ...source(), out });
    const t = await target();
    const otherKey = crypto.randomBytes(32).toString('base64');
    // as the CLI does: open the restored installation as serve will, here with another GRADPHOTO_AUDIT_KEY
    const err = await restoreBackup({ file: out, ...t, afterRestore: async () => (await openRuntime({ ...t, auditKey: otherKey })).close() }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/audit key/);
    expect(fs.existsSync(t.dataDir)).toBe(false);
    if (t.databaseUrl) {
      const { countRelations } = await import('../db/backup.js');
      const { openDatabase } = await import('../db/database.js');
      const probe = openDatabase({ dataDir: dir, databaseUrl: t.databaseUrl, poolSize: 1 });
      try {
        expect(await countRelations(probe)).toBe(0);
      } finally {
        await probe.destroy();
      }
    }
    // an empty directory that was there before stays
    fs.mkdirSync(t.dataDir);
    const again = await restoreBackup({ file: out, ...t, afterRestore: async () => (await openRuntime({ ...t, auditKey: otherKey })).close() }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Error);
    expect(fs.readdirSync(t.dataDir)).toEqual([]);
    let opened = 0;
    const r = await restoreBackup({ file: out, ...t, afterRestore: async () => (await openRuntime(t)).close().then(() => void opened++) });
    expect([r.photos, opened]).toEqual([STUDENTS.length, 1]);
  });

  /** A copy of `from` with more entries, each listed in its manifest with its right checksum (as a forger would). */
  const forge = async (from: string, name: string, extra: { path: string; data: Buffer }[], manifestKeys?: string[]) => {
    const file = path.join(dir, name);
    const writer = await createArchiveWriter(file, new Date());
    const manifest = manifestOf(from);
    const files = [];
    for await (const e of readArchive(from)) if (e.path !== 'manifest.json') files.push(await writer.addBuffer(e.path, await e.read()));
    for (const x of extra) files.push(await writer.addBuffer(x.path, x.data));
    await writer.addBuffer('manifest.json', Buffer.from(JSON.stringify({ ...manifest, files, keys: manifestKeys ? { included: true, files: manifestKeys } : manifest.keys })));
    await writer.finish();
    return file;
  };

  it('refuses a backup whose entries leave its layout (../, absolute paths) or repeat, naming the entry; restore --data FILE says it is not a directory', async () => {
    const out = path.join(dir, 'forged-base.tar');
    await createBackup({ ...source(), out });
    const manifest = manifestOf(out);
    const dbEntry = manifest.database;
    let dbData!: Buffer;
    for await (const e of readArchive(out)) if (e.path === dbEntry) dbData = await e.read();
    const x = Buffer.from('escaped\n');
    const cases: [string, string][] = [];
    for (const [i, bad] of ['../../escape', 'blobs/../../../x', '../../etc/x', path.join(dir, 'absolute-escape')].entries()) cases.push([await forge(out, `forged-${i}.tar`, [{ path: bad, data: x }]), bad]);
    cases.push([await forge(out, 'forged-key.tar', [{ path: 'keys/../../escape', data: x }], [...manifest.keys.files, 'keys/../../escape']), 'keys/../../escape']);
    cases.push([await forge(out, 'forged-dup.tar', [{ path: dbEntry, data: dbData }]), dbEntry]);
    for (const [file, bad] of cases) {
      const v = await verifyBackup({ file }).catch((e: unknown) => e);
      expect(isAppError(v) && v.code, bad).toBe('BACKUP_DAMAGED');
      expect(isAppError(v) && (v.params as { reason: string }).reason, bad).toContain(`"${bad}"`);
      const t = await target();
      const r = await restoreBackup({ file, ...t }).catch((e: unknown) => e);
      expect(isAppError(r) && r.code, bad).toBe('BACKUP_DAMAGED');
      expect(fs.existsSync(t.dataDir)).toBe(false);
    }
    expect(fs.existsSync(path.join(dir, 'absolute-escape'))).toBe(false);
    expect(fs.readdirSync(path.dirname(dir)).filter((n) => n === 'escape' || n === 'x')).toEqual([]);
    // a file given as the target directory
    const aFile = path.join(dir, 'a-file');
    fs.writeFileSync(aFile, 'x');
    const notDir = await restoreBackup({ file: out, dataDir: aFile }).catch((e: unknown) => e);
    expect(isAppError(notDir) && notDir.code).toBe('VALIDATION_FAILED');
    expect(isAppError(notDir) && (notDir.params as { detail: string }).detail).toContain('is not a directory');
  });

  // Last in this describe: it removes a blob from the store. Outside test, finding 2: the backup exited 0 with only a
  // warning, `backup verify` then said "backup OK" (PostgreSQL without --scratch-database), and restore counted the
  // blob as restored.
  it('a blob missing from the store: the backup is written but incomplete (exit 7), verify says so, restore does not count it', async () => {
    const row = await rt.deps.db.db.selectFrom('photo_blobs').select('id').where('photo_id', '=', uploaded[0]!.id).where('kind', '=', 'original').executeTakeFirstOrThrow();
    await rt.deps.photos.blobs.remove(row.id);
    const out = path.join(dir, `incomplete-${dialect}.tar`);
    const env = { GRADPHOTO_DATA: rt.dataDir, DATABASE_URL: rt.databaseUrl ?? '', GRADPHOTO_MASTER_KEY: '', GRADPHOTO_AUDIT_KEY: '', GRADPHOTO_PHOTO_KEY: '', BLOB_STORE_URL: '' };
    const made = await runGradphoto(['backup', '--out', out], env, 120_000);
    expect(made.code, made.stderr).toBe(7);
    expect(made.stdout).toMatch(/备份不完整 \/ INCOMPLETE: 1 /);
    expect(manifestOf(out).blobsNotCopied).toEqual([{ id: row.id, reason: 'missing' }]);

    const verified = await verifyBackup({ file: out });
    expect(verified.ok).toBe(false);
    expect(verified.blobs.missing).toBe(1);
    const cliVerify = await runGradphoto(['backup', 'verify', out], env, 120_000);
    expect(cliVerify.code, cliVerify.stdout).toBe(7);

    const restored = await restoreBackup({ file: out, ...(await target()) });
    expect(restored.blobs).toBe(uploaded.length * 2 - 1);
    expect(restored.blobsMissing).toBe(1);
  });
});
