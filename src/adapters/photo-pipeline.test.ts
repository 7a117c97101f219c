// The photo analysis on its worker thread (issue 11 section 3, T10) gives what it gives on the calling thread:
// the same checks and the same standard JPEG for real portraits, the same refusal codes for bad files, and a
// thread that dies mid-photo is a named, retryable error (SERVER_BUSY), after which the next photo is analysed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PHOTO_FIXTURE_DIR, makePhotoFixtures } from '../../test/fixtures/make-photo-fixtures.js';
import { isAppError } from '../domain/errors.js';
import { analysisThread, type Analyser, openPhotoDeps, type PhotoDeps } from './photo-pipeline.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';

await makePhotoFixtures();
const fixture = (file: string) => readFile(join(DEFAULT_PHOTO_FIXTURE_DIR, file));
const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isAppError(e) ? e.code : `not an AppError: ${String(e)}`));

let dir: string;
let inline: PhotoDeps;
let thread: PhotoDeps;

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'gradphoto-pipeline-'));
  inline = await openPhotoDeps({ dataDir: dir, orphanGraceMs: 0, analysis: 'inline' });
  thread = await openPhotoDeps({ dataDir: dir, orphanGraceMs: 0, analysis: 'thread' });
  await thread.warmUp();
});

afterAll(async () => {
  await inline.close();
  await thread.close();
  await rm(dir, { recursive: true, force: true });
});

describe('photo analysis on its own thread', () => {
  it.each(['id-blue-12mp.jpg', 'fault-two-faces.jpg', 'fault-no-face.jpg', 'orientation-6.jpg'])('%s: the same checks and JPEG as on the calling thread', async (file) => {
    const bytes = await fixture(file);
    const [a, b] = await Promise.all([inline.analyse(bytes), thread.analyse(bytes)]);
    expect(b.checks).toEqual(a.checks);
    expect(b.standardJpeg === null).toBe(a.standardJpeg === null);
    if (a.standardJpeg) expect(Buffer.isBuffer(b.standardJpeg) && b.standardJpeg.equals(a.standardJpeg)).toBe(true);
  });

  it('leaves the caller its buffer (a view of a larger one stays readable)', async () => {
    const bytes = await fixture('orientation-1.jpg');
    const pool = Buffer.concat([Buffer.from('head'), bytes, Buffer.from('tail')]);
    const view = pool.subarray(4, 4 + bytes.length);
    await thread.analyse(view);
    expect(view.equals(bytes)).toBe(true);
    expect(pool.subarray(0, 4).toString()).toBe('head');
  });

  it.each([
    ['truncated.jpg', 'PHOTO_TRUNCATED'],
    ['pixel-bomb-30000.jpg', 'PHOTO_TOO_MANY_PIXELS'],
    ['photo.png', 'PHOTO_FORMAT_UNSUPPORTED'],
    ['cmyk-no-icc.jpg', 'PHOTO_CMYK_UNSUPPORTED'],
  ])('%s: refused with the same code (%s) on both', async (file, code) => {
    const bytes = await fixture(file);
    expect(await codeOf(inline.analyse(bytes))).toBe(code);
    expect(await codeOf(thread.analyse(bytes))).toBe(code);
  });

  it('several photos at once each get their own answer', async () => {
    const files = ['id-blue-12mp.jpg', 'truncated.jpg', 'fault-no-face.jpg', 'greyscale.jpg'];
    const answers = await Promise.all(files.map(async (f) => thread.analyse(await fixture(f)).then((r) => (r.standardJpeg ? 'jpeg' : 'none'), (e: unknown) => (isAppError(e) ? e.code : 'other'))));
    const expected = await Promise.all(files.map(async (f) => inline.analyse(await fixture(f)).then((r) => (r.standardJpeg ? 'jpeg' : 'none'), (e: unknown) => (isAppError(e) ? e.code : 'other'))));
    expect(answers).toEqual(expected);
    expect(answers[1]).toBe('PHOTO_TRUNCATED');
  });
});

describe('a thread that dies', () => {
  let dying: Analyser;
  afterAll(async () => dying.close());

  it('answers SERVER_BUSY for the photo it held, and the next photo starts a new thread', async () => {
    dying = analysisThread(new URL('../../test/fixtures/workers/exits-on-photo.mjs', import.meta.url));
    await dying.warmUp();
    const bytes = await fixture('orientation-1.jpg');
    expect(await codeOf(dying.analyse(bytes))).toBe('SERVER_BUSY');
    // a new thread (the stand-in dies again, so again SERVER_BUSY: what matters is that it answers, not hangs)
    expect(await codeOf(dying.analyse(bytes))).toBe('SERVER_BUSY');
    await dying.warmUp();
  });
});
