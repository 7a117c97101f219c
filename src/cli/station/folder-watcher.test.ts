// The hot folder as the station agent sees it (PITFALLS F6, F7), on real files in a temp directory. Agent time is
// passed in (`now`), so the settle rules are checked without waiting.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { examineSettling, isCandidateName, jpegCompleteness, listCameraFiles, sha256Hex, watchFolder } from './folder-watcher.js';

const PHOTOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'photos');

/** A small real camera JPEG made unique by a comment segment right after SOI (still a valid, complete JPEG). */
function uniqueJpeg(tag: string): Buffer {
  const base = fs.readFileSync(path.join(PHOTOS, 'real-messi5.jpg'));
  const text = Buffer.from(`gradphoto test ${tag} ${Math.random()}`);
  const len = text.length + 2;
  return Buffer.concat([base.subarray(0, 2), Buffer.from([0xff, 0xfe, len >> 8, len & 0xff]), text, base.subarray(2)]);
}

describe('station agent: the hot folder', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-folder-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('knows camera files and finished JPEGs', () => {
    expect(['IMG_0001.JPG', 'a.jpeg', 'b.Jpg'].every(isCandidateName)).toBe(true);
    expect(['.IMG_0001.jpg', '~IMG_0001.jpg', 'IMG_0001.jpg.tmp', 'IMG_0001.tmp', 'IMG_0001.CR3', 'x.png', 'IMG.jpg.part'].some(isCandidateName)).toBe(false);
    const jpeg = uniqueJpeg('unit');
    expect(jpegCompleteness(jpeg)).toBe('complete');
    expect(jpegCompleteness(Buffer.concat([jpeg, Buffer.alloc(16)]))).toBe('complete');
    expect(jpegCompleteness(jpeg.subarray(0, jpeg.length / 2))).toBe('incomplete');
    expect(jpegCompleteness(Buffer.alloc(0))).toBe('incomplete');
    expect(jpegCompleteness(fs.readFileSync(path.join(PHOTOS, 'png-named.jpg')))).toBe('not-jpeg');
  });

  it('lists regular camera files only, with size, mtime and inode', async () => {
    const dir = tempDir();
    const jpeg = uniqueJpeg('list');
    fs.writeFileSync(path.join(dir, 'IMG_0001.JPG'), jpeg);
    for (const name of ['.IMG_0002.jpg', '~IMG_0003.jpg', 'IMG_0004.jpg.tmp', 'notes.txt']) fs.writeFileSync(path.join(dir, name), 'x');
    fs.mkdirSync(path.join(dir, 'folder.jpg'));
    const files = await listCameraFiles(dir);
    const st = fs.statSync(path.join(dir, 'IMG_0001.JPG'));
    expect(files).toEqual([{ name: 'IMG_0001.JPG', size: jpeg.length, mtimeMs: st.mtimeMs, ino: st.ino }]);
    await expect(listCameraFiles(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes a file only once it stayed unchanged for the settle interval, and hashes the bytes read', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'IMG_0001.jpg');
    const jpeg = uniqueJpeg('settle');
    fs.writeFileSync(file, jpeg.subarray(0, 1000));
    const limits = { settleMs: 1000, incompleteMs: 15_000 };
    let st = fs.statSync(file);
    const seen = { size: st.size, mtimeMs: st.mtimeMs, changedAt: 10_000 };
    // unchanged, but not for long enough
    expect(await examineSettling(file, seen, 10_999, limits)).toEqual({ kind: 'settling' });
    // the writer goes on: the interval starts again
    fs.appendFileSync(file, jpeg.subarray(1000));
    st = fs.statSync(file);
    expect(await examineSettling(file, seen, 11_500, limits)).toEqual({ kind: 'changed', size: jpeg.length, mtimeMs: st.mtimeMs });
    const settled = { size: st.size, mtimeMs: st.mtimeMs, changedAt: 11_500 };
    expect(await examineSettling(file, settled, 12_499, limits)).toEqual({ kind: 'settling' });
    expect(await examineSettling(file, settled, 12_500, limits)).toEqual({ kind: 'written', bytes: jpeg, sha256: sha256Hex(jpeg) });
    fs.rmSync(file);
    expect(await examineSettling(file, settled, 13_000, limits)).toEqual({ kind: 'gone' });
  });

  it('a JPEG without its end marker waits for the longer interval, then goes anyway (the server refuses it)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'IMG_0005.jpg');
    const cut = uniqueJpeg('cut').subarray(0, 3000);
    fs.writeFileSync(file, cut);
    const st = fs.statSync(file);
    const seen = { size: st.size, mtimeMs: st.mtimeMs, changedAt: 0 };
    const limits = { settleMs: 300, incompleteMs: 1500 };
    expect(await examineSettling(file, seen, 300, limits)).toEqual({ kind: 'incomplete' });
    expect(await examineSettling(file, seen, 1499, limits)).toEqual({ kind: 'incomplete' });
    expect(await examineSettling(file, seen, 1500, limits)).toEqual({ kind: 'written', bytes: cut, sha256: sha256Hex(cut) });
    // not a JPEG at all: no end marker to wait for, the server says what it is
    const png = path.join(dir, 'IMG_0006.jpg');
    fs.copyFileSync(path.join(PHOTOS, 'png-named.jpg'), png);
    const pst = fs.statSync(png);
    expect(await examineSettling(png, { size: pst.size, mtimeMs: pst.mtimeMs, changedAt: 0 }, 300, limits)).toMatchObject({ kind: 'written' });
  });

  it('rescans on a file-system event, and periodically without one', async () => {
    const dir = tempDir();
    const names: (string | null)[] = [];
    let heard!: () => void;
    const event = new Promise<void>((r) => (heard = r));
    const watch = watchFolder(dir, 2000, (name) => {
      names.push(name);
      heard();
    });
    try {
      expect(watch.isScanDue(0)).toBe(true);
      const now = Date.now();
      watch.markScanned(now);
      expect(watch.isScanDue(now + 1999)).toBe(false);
      expect(watch.isScanDue(now + 2000)).toBe(true);
      watch.markScanned(now);
      fs.writeFileSync(path.join(dir, 'IMG_0008.jpg'), 'x');
      await event;
      expect(names).toContain('IMG_0008.jpg');
      expect(watch.isScanDue(now + 1)).toBe(true);
    } finally {
      watch.close();
    }
  });
});
