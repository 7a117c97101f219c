// The registry package on disk (issue 10 section 1, A1; docs/decisions/0023-registry-export.md): a ZIP of the
// batch's files, encrypted with OpenPGP to the registry's public key (and optionally signed with the exporter's
// key), streamed end to end: entries are added one at a time and the next one only after the previous one went
// into the ZIP stream, which only moves on as fast as OpenPGP encrypts and the file takes the bytes. Memory
// stays flat whatever the number of photos. The file is written under a temporary name, fsynced and renamed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type * as openpgp from 'openpgp';
import { AppError } from '../domain/errors.js';
import { fsyncDir, TEMP_SUFFIX } from './durable-file.js';
import { StoredZipWriter } from './stored-zip.js';

export interface RecipientKey {
  key: openpgp.Key;
  fingerprint: string;
}

export interface SigningKey {
  key: openpgp.PrivateKey;
  fingerprint: string;
}

/** openpgp.js (~60 ms to load) on first use: only the registry export needs it. */
const loadOpenpgp = () => import('openpgp');

function isArmored(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 200)).toString('latin1').includes('-----BEGIN PGP');
}

async function parseKey(bytes: Uint8Array): Promise<openpgp.Key | null> {
  const openpgp = await loadOpenpgp();
  try {
    return isArmored(bytes) ? await openpgp.readKey({ armoredKey: Buffer.from(bytes).toString('utf8') }) : await openpgp.readKey({ binaryKey: bytes });
  } catch {
    return null;
  }
}

function fingerprintOf(key: openpgp.Key): string {
  return key.getFingerprint().toUpperCase();
}

/**
 * The registry's public key from a file's bytes (armored or binary). `source` names the file (or "the request")
 * in the messages. Refused: not a key (EXPORT_KEY_INVALID), a private key (EXPORT_KEY_PRIVATE: the exporter must
 * never hold the registry's secret), expired at `now` (EXPORT_KEY_EXPIRED), revoked or without an encryption
 * subkey (EXPORT_KEY_UNUSABLE).
 */
export async function readRecipientKey(bytes: Uint8Array, source: string, now: Date): Promise<RecipientKey> {
  const key = await parseKey(bytes);
  if (!key) throw new AppError('EXPORT_KEY_INVALID', { params: { source } });
  if (key.isPrivate()) throw new AppError('EXPORT_KEY_PRIVATE', { params: { source } });
  const fingerprint = fingerprintOf(key);
  const expires = await key.getExpirationTime().catch(() => null);
  if (expires instanceof Date && expires.getTime() <= now.getTime()) {
    throw new AppError('EXPORT_KEY_EXPIRED', { params: { source, fingerprint, expiredAt: expires.toISOString().slice(0, 10) } });
  }
  if (await key.isRevoked(undefined, undefined, now).catch(() => false)) throw new AppError('EXPORT_KEY_UNUSABLE', { params: { source, fingerprint, reason: 'key-revoked' } });
  try {
    await key.getEncryptionKey(undefined, now);
  } catch {
    throw new AppError('EXPORT_KEY_UNUSABLE', { params: { source, fingerprint, reason: 'key-no-encryption' } });
  }
  return { key, fingerprint };
}

/** The exporter's own private key to sign with (decrypted with `passphrase` when it is protected). */
export async function readSigningKey(bytes: Uint8Array, source: string, now: Date, passphrase?: string): Promise<SigningKey> {
  const key = await parseKey(bytes);
  if (!key) throw new AppError('EXPORT_SIGNING_KEY_INVALID', { params: { source, reason: 'key-not-private' } });
  if (!key.isPrivate()) throw new AppError('EXPORT_SIGNING_KEY_INVALID', { params: { source, reason: 'key-not-private' } });
  let priv = key as openpgp.PrivateKey;
  if (!priv.isDecrypted()) {
    if (!passphrase) throw new AppError('EXPORT_SIGNING_KEY_INVALID', { params: { source, reason: 'key-locked' } });
    try {
      priv = await (await loadOpenpgp()).decryptKey({ privateKey: priv, passphrase });
    } catch {
      throw new AppError('EXPORT_SIGNING_KEY_INVALID', { params: { source, reason: 'key-passphrase' } });
    }
  }
  try {
    await priv.getSigningKey(undefined, now);
  } catch {
    throw new AppError('EXPORT_SIGNING_KEY_INVALID', { params: { source, reason: 'key-cannot-sign' } });
  }
  return { key: priv, fingerprint: fingerprintOf(priv) };
}

export interface PackageEntry {
  name: string;
  bytes: Buffer;
}

export interface WritePackageInput {
  /** the final file; written as `<file>.<random>.tmp` beside it first */
  file: string;
  /** the entries, pulled one at a time */
  entries: AsyncIterable<PackageEntry>;
  recipient: RecipientKey;
  signer?: SigningKey | undefined;
  /** the time recorded in the ZIP entries and the OpenPGP packets */
  date: Date;
  /**
   * Called after the encrypted file is complete and fsynced under its temporary name, before it is renamed:
   * the moment a crash test stops the process (nothing final exists yet).
   */
  beforeRename?: (() => Promise<void>) | undefined;
}

export interface WrittenPackage {
  bytes: number;
  sha256: string;
}

/** Writes the encrypted ZIP durably: temp file → fsync → rename → fsync the directory. On failure nothing is left. */
/** How far the ZIP may run ahead of the encrypted file (bytes). */
const WINDOW = 4 * 1024 * 1024;

export async function writeEncryptedZip(input: WritePackageInput): Promise<WrittenPackage> {
  const tmp = `${input.file}.${crypto.randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  // The ZIP (stored entries, stored-zip.ts) is produced as the encryption pulls it; the feed below keeps it at most
  // WINDOW bytes ahead of what reached the file.
  const zip = new StoredZipWriter(input.date);
  let fed = 0;
  let stopped = false;
  const out = fs.createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
  const caughtUp = async () => {
    while (!stopped && fed - out.bytesWritten > WINDOW) await new Promise((r) => setTimeout(r, 10));
  };
  // an entry that fails (a photo that cannot be read) fails the package with its own error, not the stream's
  let entryError: unknown;
  async function* zipBytes(): AsyncGenerator<Buffer> {
    try {
      for await (const entry of input.entries) {
        await caughtUp();
        if (stopped) return;
        for (const part of zip.add(entry.name, entry.bytes)) yield part;
        fed += entry.bytes.length;
      }
    } catch (e) {
      entryError = e;
      throw e;
    }
    for (const part of zip.finish()) yield part;
  }
  const zipped = Readable.toWeb(Readable.from(zipBytes(), { objectMode: false })) as unknown as WebReadableStream<Uint8Array>;
  const openpgp = await loadOpenpgp();
  const message = await openpgp.createMessage({ binary: zipped as unknown as ReadableStream<Uint8Array>, date: input.date });
  const encrypted = (await openpgp.encrypt({
    message,
    encryptionKeys: input.recipient.key,
    ...(input.signer ? { signingKeys: input.signer.key } : {}),
    format: 'binary',
    date: input.date,
  })) as unknown as WebReadableStream<Uint8Array>;

  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(encrypted), measure, out);
    // durable before it gets its name (PITFALLS F17): fsync through a second descriptor of the same file
    const handle = await fs.promises.open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    stopped = true;
    await fs.promises.rm(tmp, { force: true });
    throw entryError ?? e;
  }
  try {
    await input.beforeRename?.();
    await fs.promises.rename(tmp, input.file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(path.dirname(input.file));
  return { bytes, sha256: hash.digest('hex') };
}

/** Removes what a builder may have left of a package: the file and its temporary files (another process's too). */
export async function removePackageFiles(file: string): Promise<void> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[] = [];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === base || (name.startsWith(`${base}.`) && name.endsWith(TEMP_SUFFIX))) await fs.promises.rm(path.join(dir, name), { force: true });
  }
  await fsyncDir(dir).catch(() => {});
}

export type OutDirProblem = 'dir-not-directory' | 'dir-permission' | 'dir-missing' | 'dir-read-only' | 'dir-no-space';

/** Makes sure `dir` exists and a file can be created in it (a probe file, removed at once): EXPORT_OUT_DIR_UNWRITABLE otherwise. */
export async function assertWritableDir(dir: string): Promise<void> {
  const fail = (reason: OutDirProblem) => new AppError('EXPORT_OUT_DIR_UNWRITABLE', { params: { dir, reason } });
  const reasonOf = (e: unknown): OutDirProblem => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') return 'dir-not-directory';
    if (code === 'EROFS') return 'dir-read-only';
    if (code === 'ENOSPC') return 'dir-no-space';
    if (code === 'ENOENT') return 'dir-missing';
    return 'dir-permission';
  };
  try {
    const st = await fs.promises.stat(dir);
    if (!st.isDirectory()) throw fail('dir-not-directory');
  } catch (e) {
    if (e instanceof AppError) throw e;
    try {
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (e2) {
      throw fail(reasonOf(e2));
    }
  }
  const probe = path.join(dir, `.gradphoto-probe-${process.pid}-${crypto.randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  try {
    const h = await fs.promises.open(probe, 'wx', 0o600);
    await h.close();
  } catch (e) {
    throw fail(reasonOf(e));
  } finally {
    await fs.promises.rm(probe, { force: true }).catch(() => {});
  }
}
