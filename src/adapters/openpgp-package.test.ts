// The encrypted package writer and the key checks (issue 10 section 1, A1): keys made by Debian's gpg and by
// openpgp.js; a failure while writing leaves no file; memory stays flat while a package far larger than the
// allowed growth is streamed; gpg decrypts what it writes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpg, openPackage, type Gpg } from '../../test/support/registry-export.js';
import { AppError } from '../domain/errors.js';
import { assertWritableDir, readRecipientKey, readSigningKey, writeEncryptedZip, type PackageEntry } from './openpgp-package.js';

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('openpgp package', { timeout: 120_000 }, () => {
  let gpg: Gpg;
  let dir: string;
  let recipientArmored: string;
  const now = () => new Date();

  beforeAll(() => {
    gpg = createGpg();
    recipientArmored = gpg.generate('registry@chsi.example.org');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-pgp-'));
  });
  afterAll(() => {
    gpg?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads a gpg public key, armored or binary, with its fingerprint', async () => {
    const k = await readRecipientKey(Buffer.from(recipientArmored), 'registry.asc', now());
    expect(k.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(gpg.run(['--with-colons', '--fingerprint', 'registry@chsi.example.org'])).toContain(k.fingerprint);
    const binary = execGpgBinary(gpg);
    expect((await readRecipientKey(binary, 'registry.gpg', now())).fingerprint).toBe(k.fingerprint);
  });

  it('refuses what is not a usable public key, naming the file', async () => {
    expect((await refusal(readRecipientKey(Buffer.from('not a key'), 'a.txt', now()))).code).toBe('EXPORT_KEY_INVALID');
    expect((await refusal(readRecipientKey(Buffer.from(gpg.exportSecret('registry@chsi.example.org')), 'secret.asc', now()))).code).toBe('EXPORT_KEY_PRIVATE');
    const old = await openpgp.generateKey({ userIDs: [{ email: 'old@chsi.example.org' }], date: new Date(Date.now() - 10 * 86_400_000), keyExpirationTime: 86_400, format: 'armored' });
    const expired = await refusal(readRecipientKey(Buffer.from(old.publicKey), 'old.asc', now()));
    expect(expired.code).toBe('EXPORT_KEY_EXPIRED');
    expect(expired.params).toMatchObject({ source: 'old.asc' });
    // a key that can only sign (gpg: a primary key without an encryption subkey)
    gpg.run(['--quick-gen-key', 'Sign Only <sign@example.org>', 'ed25519', 'sign', 'never']);
    const signOnly = await refusal(readRecipientKey(Buffer.from(gpg.run(['--armor', '--export', 'sign@example.org'])), 'sign.asc', now()));
    expect(signOnly.code).toBe('EXPORT_KEY_UNUSABLE');
    expect(signOnly.params).toMatchObject({ source: 'sign.asc', reason: 'key-no-encryption' });
  });

  it('reads a signing key: refuses a public key, a locked key without or with a wrong passphrase', async () => {
    const made = await openpgp.generateKey({ userIDs: [{ email: 'agency@example.com' }], date: new Date(Date.now() - 60_000), passphrase: 'secret words', format: 'armored' });
    expect((await refusal(readSigningKey(Buffer.from(made.publicKey), 'pub.asc', now()))).params).toMatchObject({ reason: 'key-not-private' });
    expect((await refusal(readSigningKey(Buffer.from(made.privateKey), 'agency.asc', now()))).params).toMatchObject({ reason: 'key-locked' });
    expect((await refusal(readSigningKey(Buffer.from(made.privateKey), 'agency.asc', now(), 'wrong'))).params).toMatchObject({ reason: 'key-passphrase' });
    expect((await readSigningKey(Buffer.from(made.privateKey), 'agency.asc', now(), 'secret words')).fingerprint).toMatch(/^[0-9A-F]{40}$/);
  });

  it('leaves nothing when an entry fails mid-package', async () => {
    const recipient = await readRecipientKey(Buffer.from(recipientArmored), 'registry.asc', now());
    async function* entries(): AsyncGenerator<PackageEntry> {
      yield { name: 'a.jpg', bytes: crypto.randomBytes(50_000) };
      throw new Error('blob unreadable');
    }
    const out = path.join(dir, 'failing');
    fs.mkdirSync(out);
    await expect(writeEncryptedZip({ file: path.join(out, 'p.zip.gpg'), entries: entries(), recipient, date: now() })).rejects.toThrow('blob unreadable');
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('streams: memory stays flat while a package 4× the allowed growth is written, and gpg decrypts it', async () => {
    const recipient = await readRecipientKey(Buffer.from(recipientArmored), 'registry.asc', now());
    const COUNT = 3_000;
    const SIZE = 40_000; // a standard photo is 20–40 KB (F1): 120 MB in all
    // what is retained, not garbage waiting for collection: a full collection before each sample
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const seed = crypto.randomBytes(SIZE);
    let peak = 0;
    const used = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = used();
    async function* entries(): AsyncGenerator<PackageEntry> {
      for (let i = 0; i < COUNT; i++) {
        const bytes = Buffer.from(seed);
        bytes.writeUInt32BE(i, 0);
        yield { name: `${String(i).padStart(6, '0')}.jpg`, bytes };
        if (i % 100 === 0) peak = Math.max(peak, used() - base);
      }
    }
    const file = path.join(dir, 'big.zip.gpg');
    const r = await writeEncryptedZip({ file, entries: entries(), recipient, date: now() });
    expect(r.bytes).toBeGreaterThan(COUNT * SIZE);
    expect(peak).toBeLessThan((COUNT * SIZE) / 4);
    const { entries: read } = await openPackage(gpg, file);
    expect(read.size).toBe(COUNT);
    expect(read.get('001999.jpg')!.readUInt32BE(0)).toBe(1999);
  });

  it('creates a missing output directory, refuses a file given as one', async () => {
    const nested = path.join(dir, 'a', 'b');
    await assertWritableDir(nested);
    expect(fs.statSync(nested).isDirectory()).toBe(true);
    expect(fs.readdirSync(nested)).toEqual([]); // the probe is gone
    const f = path.join(dir, 'plain-file');
    fs.writeFileSync(f, 'x');
    expect((await refusal(assertWritableDir(f))).params).toEqual({ dir: f, reason: 'dir-not-directory' });
    expect((await refusal(assertWritableDir(path.join(f, 'sub')))).params).toEqual({ dir: path.join(f, 'sub'), reason: 'dir-not-directory' });
  });
});

function execGpgBinary(gpg: Gpg): Buffer {
  const file = path.join(gpg.home, 'pub.gpg');
  gpg.run(['--output', file, '--export', 'registry@chsi.example.org']);
  return fs.readFileSync(file);
}
