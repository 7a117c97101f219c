// The blob store (issue #4 part 7): durable writes under random names, no temporary file left behind,
// and a listing that shows leftovers of interrupted writes to the orphan sweep.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBlobStore } from './blob-store.js';
import { writeFileDurably } from './durable-file.js';

describe('blob store', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-blobs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a blob under blobs/ab/cdef… with mode 0600 and reads it back; no temporary file remains', async () => {
    const store = createBlobStore(path.join(dir, 'blobs'));
    const id = store.newId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await store.write(id, Buffer.from('sealed bytes'));
    const file = path.join(dir, 'blobs', id.slice(0, 2), id.slice(2));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await store.read(id)).toString()).toBe('sealed bytes');
    expect(await store.exists(id)).toBe(true);
    const listed = [];
    for await (const e of store.list()) listed.push(e);
    expect(listed.map((e) => e.id)).toEqual([id]);
    await store.remove(id);
    expect(await store.exists(id)).toBe(false);
  });

  it('lists a temporary file of an interrupted write with no id, and removes only files inside the store', async () => {
    const store = createBlobStore(path.join(dir, 'blobs'));
    const id = store.newId();
    fs.mkdirSync(path.join(dir, 'blobs', id.slice(0, 2)), { recursive: true });
    const tmp = path.join(dir, 'blobs', id.slice(0, 2), `${id.slice(2)}.123.abcd.tmp`);
    fs.writeFileSync(tmp, 'half');
    const listed = [];
    for await (const e of store.list()) listed.push(e);
    expect(listed).toEqual([{ id: null, file: tmp, mtimeMs: expect.any(Number) }]);
    await store.removeFile(tmp);
    expect(fs.existsSync(tmp)).toBe(false);
    await expect(store.removeFile(path.join(dir, 'elsewhere'))).rejects.toThrow(/outside/);
  });

  it('refuses a name that is not a blob id (no path tricks)', async () => {
    const store = createBlobStore(path.join(dir, 'blobs'));
    await expect(store.write('../../etc/passwd', Buffer.from('x'))).rejects.toThrow(/not a blob id/);
    await expect(store.read('2401000001')).rejects.toThrow(/not a blob id/);
  });

  it('the durable write shared with the keyring: replaces by default, never replaces when exclusive, leaves no temporary file', async () => {
    const file = path.join(dir, 'photo-kek.v1.key');
    expect(await writeFileDurably(file, 'first\n', { mode: 0o600, exclusive: true })).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await writeFileDurably(file, 'second\n', { exclusive: true })).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('first\n');
    expect(await writeFileDurably(file, Buffer.from('third\n'))).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('third\n');
    expect(fs.readdirSync(dir)).toEqual(['photo-kek.v1.key']);
    await expect(writeFileDurably(path.join(dir, 'missing', 'x'), 'x')).rejects.toThrow(/ENOENT/);
  });
});
