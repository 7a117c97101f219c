// Envelope encryption of photos (issue #4 part 6, rule A3): a data key per blob, wrapped by a versioned
// campaign key; rotation re-wraps without touching blobs; tampering and wrong keys are refused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../domain/errors.js';
import { openBlob, openPhotoKeyring, rewrapKey, sealBlob } from './envelope-crypto.js';

const ID = 'a'.repeat(32);
const OTHER_ID = 'b'.repeat(32);
const plain = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF\0 a face, in clear'), crypto.randomBytes(4096)]);

async function expectRejected(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toMatchObject({ code: 'KEY_UNAVAILABLE' });
}

function expectKeyUnavailable(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(isAppError(e) && e.code).toBe('KEY_UNAVAILABLE');
    return;
  }
  throw new Error('expected KEY_UNAVAILABLE');
}

describe('envelope crypto', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-envelope-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the key file on first start with mode 0600, and reuses it', async () => {
    const ring = await openPhotoKeyring(dir);
    const file = path.join(dir, 'keys', 'photo-kek.v1.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'keys')).mode & 0o077).toBe(0);
    const sealed = sealBlob(ring, ID, plain);
    const again = await openPhotoKeyring(dir);
    expect(again.versions()).toEqual([1]);
    expect(openBlob(again, ID, sealed.sealed, sealed.wrappedKey, sealed.kekVersion).equals(plain)).toBe(true);
  });

  it('seals each blob under its own data key: no plaintext, no JPEG magic, two seals differ', async () => {
    const ring = await openPhotoKeyring(dir);
    const a = sealBlob(ring, ID, plain);
    const b = sealBlob(ring, ID, plain);
    expect(a.sealed.subarray(0, 4).toString('ascii')).toBe('GPB1');
    expect(a.sealed.includes(Buffer.from('JFIF\0'))).toBe(false);
    expect(a.sealed.includes(plain.subarray(40, 104))).toBe(false);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.sealed.equals(b.sealed)).toBe(false);
    expect(a.kekVersion).toBe(1);
  });

  it('refuses a tampered blob, a blob under another id, and a tampered wrapped key', async () => {
    const ring = await openPhotoKeyring(dir);
    const s = sealBlob(ring, ID, plain);
    const tampered = Buffer.from(s.sealed);
    tampered[tampered.length - 10]! ^= 1;
    expectKeyUnavailable(() => openBlob(ring, ID, tampered, s.wrappedKey, s.kekVersion));
    expectKeyUnavailable(() => openBlob(ring, OTHER_ID, s.sealed, s.wrappedKey, s.kekVersion));
    const parts = s.wrappedKey.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0]! ^= 1;
    expectKeyUnavailable(() => openBlob(ring, ID, s.sealed, [parts[0], parts[1], parts[2], ct.toString('base64url')].join('.'), s.kekVersion));
    expectKeyUnavailable(() => openBlob(ring, ID, plain, s.wrappedKey, s.kekVersion));
  });

  it('rotation: a new version wraps new keys, old keys re-wrap without touching the blob, the old version is removed', async () => {
    const ring = await openPhotoKeyring(dir);
    const s = sealBlob(ring, ID, plain);
    expect(await ring.createVersion()).toBe(2);
    expect(fs.statSync(path.join(dir, 'keys', 'photo-kek.v2.key')).mode & 0o777).toBe(0o600);
    // another process (the server) sees the new version without restarting
    const server = await openPhotoKeyring(dir);
    expect(server.currentVersion()).toBe(2);
    expect(sealBlob(server, OTHER_ID, plain).kekVersion).toBe(2);
    const rewrapped = rewrapKey(ring, ID, s.wrappedKey, s.kekVersion, 2);
    expect(rewrapped.kekVersion).toBe(2);
    await ring.markRetired(1, new Date('2024-01-01T00:00:00Z'));
    expect(ring.retiredAt(1)?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(ring.retiredAt(2)).toBeNull();
    await ring.removeVersion(1);
    expect(fs.readdirSync(path.join(dir, 'keys')).sort()).toEqual(['photo-kek.v2.key']);
    expect(fs.existsSync(path.join(dir, 'keys', 'photo-kek.v1.key'))).toBe(false);
    const reopened = await openPhotoKeyring(dir);
    expect(openBlob(reopened, ID, s.sealed, rewrapped.wrappedKey, 2).equals(plain)).toBe(true);
    expectKeyUnavailable(() => openBlob(reopened, ID, s.sealed, s.wrappedKey, 1));
    await expect(ring.removeVersion(2)).rejects.toThrow(/newest/);
  });

  it('takes the key from GRADPHOTO_PHOTO_KEY (one key, or VERSION:BASE64 entries) and writes no key file', async () => {
    const k1 = crypto.randomBytes(32).toString('base64');
    const k2 = crypto.randomBytes(32).toString('base64');
    const one = await openPhotoKeyring(dir, k1);
    const s = sealBlob(one, ID, plain);
    expect(s.kekVersion).toBe(1);
    expect(fs.existsSync(path.join(dir, 'keys'))).toBe(false);
    const two = await openPhotoKeyring(dir, `1:${k1},2:${k2}`);
    expect(two.currentVersion()).toBe(2);
    expect(openBlob(two, ID, s.sealed, s.wrappedKey, 1).equals(plain)).toBe(true);
    await expectRejected(two.createVersion());
    expect(two.retiredAt(1)).toBeNull();
  });

  it.each([
    ['not 32 bytes', Buffer.alloc(16).toString('base64')],
    ['two keys without versions', `${Buffer.alloc(32).toString('base64')},${Buffer.alloc(32, 1).toString('base64')}`],
    ['a version twice', `1:${Buffer.alloc(32).toString('base64')},1:${Buffer.alloc(32, 1).toString('base64')}`],
  ])('refuses GRADPHOTO_PHOTO_KEY with %s', async (_label, value) => {
    await expectRejected(openPhotoKeyring(dir, value));
  });

  it('a missing key version is a clear KEY_UNAVAILABLE naming the version', async () => {
    const ring = await openPhotoKeyring(dir);
    const s = sealBlob(ring, ID, plain);
    try {
      openBlob(ring, ID, s.sealed, s.wrappedKey, 7);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('KEY_UNAVAILABLE');
      expect(isAppError(e) && String(e.params.reason)).toMatch(/version 7/);
    }
  });
});
