// The station agent's state file (PITFALLS F17) on real files: atomic replacement that survives kill -9 of the
// writer, a damaged file kept aside, one agent per folder (the lock), the records and bindings the agent resumes
// from, and no national ID number written down (A3).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { computeNationalIdCheckChar } from '../../domain/national-id.js';
import { createStateStore, defaultStateFile, readStateFile, takeLock, writeStateFile, type StateRecord } from './state-file.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const NATIONAL_ID = '11010819990101001' + computeNationalIdCheckChar('11010819990101001');

const record = (name: string, extra: Partial<StateRecord> = {}): StateRecord => ({
  name,
  size: 1000,
  mtimeMs: 1_700_000_000_000,
  sha256: `sha-${name}`,
  status: 'uploaded',
  studentId: 'student-1',
  photoId: `photo-${name}`,
  at: '2026-12-03T00:00:00.000Z',
  ...extra,
});

/** A process that has exited: its pid names nobody (a lock left by kill -9). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('station agent: the state file', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-state-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('lives in DIR/.gradphoto; is written whole, private to the agent, and read back', async () => {
    const dir = tempDir();
    const file = defaultStateFile(dir);
    expect(file).toBe(path.join(dir, '.gradphoto', 'state.json'));
    expect(readStateFile(file)).toEqual({ state: { version: 1, files: {} }, damaged: null });
    const state = { version: 1 as const, files: { a: record('IMG_1.jpg') }, bindings: { 'IMG_2.jpg': { studentId: 'student-2', ino: 42, at: '2026-12-03T00:00:00.000Z' } } };
    await writeStateFile(file, state);
    expect(readStateFile(file)).toEqual({ state, damaged: null });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['state.json']);
  });

  it('keeps a damaged file aside and starts afresh', () => {
    const dir = tempDir();
    const file = defaultStateFile(dir);
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '{"version":1,"files":{"IMG');
    const { state, damaged } = readStateFile(file);
    expect(state).toEqual({ version: 1, files: {} });
    expect(damaged).toMatch(/state\.json\.damaged-\d+$/);
    expect(fs.readFileSync(damaged!, 'utf8')).toBe('{"version":1,"files":{"IMG');
    expect(fs.existsSync(file)).toBe(false);
    // valid JSON of another shape is damaged too
    fs.writeFileSync(file, '{"version":2,"files":{}}');
    expect(readStateFile(file).damaged).not.toBeNull();
  });

  it('survives kill -9 of its writer at any moment: the old state or the new one, never half, and resumes', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const file = defaultStateFile(dir);
    // A writer that adds one record per write, as the agent does per file, until it is killed.
    const script = `
      const { createStateStore } = await import(${JSON.stringify(path.join(REPO, 'src/cli/station/state-file.ts'))});
      const store = createStateStore(${JSON.stringify(file)});
      store.load();
      const start = Object.keys(store.snapshot().files).length;
      for (let i = start; ; i++) {
        // a long message makes each write long, so that a kill lands inside a write often
        store.putRecord({ name: 'IMG_' + i + '.jpg', size: i, mtimeMs: i, sha256: 'sha-' + i, status: 'refused', code: 'X', message: 'x'.repeat(1000), at: new Date().toISOString() });
        await store.persist();
        if (i === start + 10) process.stdout.write('written\\n');
      }`;
    let before = 0;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('written') && resolve());
        child.once('exit', () => reject(new Error(`writer exited: ${stderr}`)));
      });
      // While it writes, a reader only ever finds a whole state (the rename replaces the file at once).
      for (let read = 0; read < 100; read++) {
        const text = fs.readFileSync(file, 'utf8');
        expect(() => JSON.parse(text) as unknown, `read ${read} of round ${round}`).not.toThrow();
        await new Promise((r) => setImmediate(r));
      }
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
      const { state, damaged } = readStateFile(file);
      expect(damaged).toBeNull();
      const names = Object.values(state.files).map((r) => r.name);
      // every write it finished is there, in order, none half: the records are IMG_0 … IMG_n-1
      expect(names.length).toBeGreaterThanOrEqual(before + 11);
      expect(names).toEqual(Array.from({ length: names.length }, (_, i) => `IMG_${i}.jpg`));
      before = names.length;
    }
    // the next agent resumes from it
    const store = createStateStore(file);
    expect(store.load()).toEqual({ damaged: null });
    expect(store.findByStat('IMG_3.jpg', 3, 3)).toMatchObject({ status: 'refused', code: 'X' });
  });

  it('lets one agent hold the folder; a lock left by a dead process is taken over', async () => {
    const dir = tempDir();
    const lock = `${defaultStateFile(dir)}.lock`;
    fs.mkdirSync(path.dirname(lock));
    const release = takeLock(lock, 'en');
    expect(fs.readFileSync(lock, 'utf8')).toBe(String(process.pid));
    expect(() => takeLock(lock, 'en')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', params: { detail: expect.stringContaining('another agent') } }));
    expect(() => takeLock(lock, 'zh')).toThrow(expect.objectContaining({ params: { detail: expect.stringContaining('已有另一个上传程序') } }));
    release();
    expect(fs.existsSync(lock)).toBe(false);

    fs.writeFileSync(lock, String(await deadPid()));
    takeLock(lock, 'en')();
    fs.writeFileSync(lock, 'not a pid');
    const again = takeLock(lock, 'en');
    expect(fs.readFileSync(lock, 'utf8')).toBe(String(process.pid));
    again();
  });

  it('finds records by name + size + mtime, finished ones by bytes; never writes an ID number down (A3)', async () => {
    const dir = tempDir();
    const file = defaultStateFile(dir);
    const store = createStateStore(file);
    store.load();
    store.putRecord(record('IMG_1.jpg'));
    store.putRecord(record('IMG_2.jpg', { status: 'in-flight', photoId: undefined }));
    store.putRecord(record(`IMG_${NATIONAL_ID}.jpg`, { sha256: 'sha-id', photoId: 'photo-id' }));
    await store.persist();

    expect(store.findByStat('IMG_1.jpg', 1000, 1_700_000_000_000)).toMatchObject({ photoId: 'photo-IMG_1.jpg' });
    expect(store.findByStat('IMG_1.jpg', 1001, 1_700_000_000_000)).toBeUndefined();
    expect(store.findFinishedBySha('sha-IMG_1.jpg')).toMatchObject({ name: 'IMG_1.jpg' });
    // in flight: maybe never reached the server, so the same bytes under another name are still sent
    expect(store.findByStat('IMG_2.jpg', 1000, 1_700_000_000_000)).toMatchObject({ status: 'in-flight' });
    expect(store.findFinishedBySha('sha-IMG_2.jpg')).toBeUndefined();
    expect(store.findRecord('IMG_2.jpg', 1000, 1_700_000_000_000, 'sha-IMG_2.jpg')).toMatchObject({ status: 'in-flight' });
    // a name stored scrubbed is never matched by its stat alone (the file is read and hashed); by its bytes it is
    expect(store.findByStat(`IMG_${NATIONAL_ID}.jpg`, 1000, 1_700_000_000_000)).toBeUndefined();
    expect(store.findRecord(`IMG_${NATIONAL_ID}.jpg`, 1000, 1_700_000_000_000, 'sha-id')).toMatchObject({ name: 'IMG_[national-id].jpg', photoId: 'photo-id' });
    expect(fs.readFileSync(file, 'utf8')).not.toContain(NATIONAL_ID);

    // a restart reads it all back
    const next = createStateStore(file);
    next.load();
    expect(next.findByStat('IMG_1.jpg', 1000, 1_700_000_000_000)).toMatchObject({ status: 'uploaded' });
    expect(next.findFinishedBySha('sha-IMG_2.jpg')).toBeUndefined();
  });

  it('keeps bindings by stored name until dropped; writes queued together end with everything', async () => {
    const dir = tempDir();
    const file = defaultStateFile(dir);
    const store = createStateStore(file);
    store.load();
    store.keepBinding('IMG_1.jpg', 'student-1', 11);
    store.keepBinding(`IMG_${NATIONAL_ID}.jpg`, 'student-2', 12);
    store.keepBinding('IMG_3.jpg', 'student-3', 13);
    expect(store.findBinding('IMG_1.jpg')).toMatchObject({ studentId: 'student-1', ino: 11 });
    expect(store.findBinding(`IMG_${NATIONAL_ID}.jpg`)).toMatchObject({ studentId: 'student-2', ino: 12 });
    expect(store.dropBinding('IMG_3.jpg')).toBe(true);
    expect(store.dropBinding('IMG_3.jpg')).toBe(false);
    expect(store.dropBindingsExcept(['IMG_1.jpg', `IMG_${NATIONAL_ID}.jpg`])).toBe(false);

    // many writes without waiting (files finishing together): the last one written holds every record
    const writes = Array.from({ length: 30 }, (_, i) => {
      store.putRecord(record(`IMG_${100 + i}.jpg`));
      return store.persist();
    });
    await Promise.all(writes);
    await store.idle();
    const onDisk = readStateFile(file).state;
    expect(Object.keys(onDisk.files)).toHaveLength(30);
    expect(Object.keys(onDisk.bindings ?? {})).toHaveLength(2);
    expect(onDisk.bindings).toEqual(store.snapshot().bindings);
    expect(JSON.stringify(onDisk)).not.toContain(NATIONAL_ID);

    expect(store.dropBindingsExcept(['IMG_1.jpg'])).toBe(true);
    expect(Object.keys(store.snapshot().bindings ?? {})).toEqual(['IMG_1.jpg']);
  });
});
