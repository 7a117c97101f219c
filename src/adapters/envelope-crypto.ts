// Envelope encryption of photos (issue #4 part 6, rule A3).
//
// Every blob (a camera original, a standard 480×640 JPEG) is encrypted in memory with its own random
// AES-256-GCM data key; the data key is stored in the database wrapped (AES-256-GCM) by the campaign's
// key-encryption key (KEK), with the KEK's version beside it. Rotating the KEK re-wraps the small data
// keys and never touches the blobs. See docs/decisions/0006-photo-storage.md.
//
// KEKs come from GRADPHOTO_PHOTO_KEY (base64 of 32 bytes, version 1, or `1:<b64>,2:<b64>` — several
// machines sharing one PostgreSQL share it), else from `<data>/keys/photo-kek.v<N>.key` files, the first
// created on first start with mode 0600 (the habits of key-store.ts). The newest version wraps new keys.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../domain/errors.js';
import { fsyncDir, writeFileDurably } from './durable-file.js';

const BLOB_MAGIC = Buffer.from('GPB1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEK_FILE = /^photo-kek\.v([1-9][0-9]{0,8})\.key$/;
/** `photo-kek.v<N>.retired` beside a key file: when version N stopped wrapping new keys (ISO time). */
const RETIRED_SUFFIX = '.retired';

export interface PhotoKeyring {
  /** where the keys come from: files under <data>/keys, or the environment */
  readonly source: 'file' | 'env';
  /** the version that wraps new data keys (the newest); re-read so that a rotation by another process is seen */
  currentVersion(): number;
  /** every version available, oldest first */
  versions(): number[];
  /** wraps with `version` (default: the newest) */
  wrap(dataKey: Buffer, context: string, version?: number): { wrappedKey: string; kekVersion: number };
  unwrap(wrappedKey: string, kekVersion: number, context: string): Buffer;
  /** a new version, newest from now on (file keyrings only) */
  createVersion(): Promise<number>;
  /**
   * Records when an older version was retired (file keyrings; kept beside its key file). A retired version
   * stays readable for a grace period: an upload that wrapped with it just before the rotation may still commit.
   */
  markRetired(version: number, at: Date): Promise<void>;
  /** when `version` was marked retired, or null (never marked; env keyrings) */
  retiredAt(version: number): Date | null;
  /** deletes an old version's key file once no wrapped key uses it (file keyrings only; never the newest) */
  removeVersion(version: number): Promise<void>;
}

function keyUnavailable(reason: string): AppError {
  return new AppError('KEY_UNAVAILABLE', { params: { reason } });
}

function gcmSeal(key: Buffer, plain: Buffer, aad: string): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ct };
}

function gcmOpen(key: Buffer, iv: Buffer, tag: Buffer, ct: Buffer, aad: string): Buffer {
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ct), decipher.final()]);
}

function decodeKey(b64: string, where: string): Buffer {
  const key = Buffer.from(b64.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw keyUnavailable(`${where} is not the base64 of exactly 32 bytes`);
  return key;
}

/** `base64` (version 1) or `1:base64,2:base64`. */
function parseEnvKeys(value: string): Map<number, Buffer> {
  const keys = new Map<number, Buffer>();
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const m = /^([1-9][0-9]{0,8}):(.+)$/.exec(entry);
    const version = m ? Number(m[1]) : entries.length === 1 ? 1 : NaN;
    if (!Number.isInteger(version)) throw keyUnavailable('GRADPHOTO_PHOTO_KEY: several keys must each be written VERSION:BASE64');
    if (keys.has(version)) throw keyUnavailable(`GRADPHOTO_PHOTO_KEY: version ${version} appears twice`);
    keys.set(version, decodeKey(m ? m[2]! : entry, `GRADPHOTO_PHOTO_KEY version ${version}`));
  }
  if (keys.size === 0) throw keyUnavailable('GRADPHOTO_PHOTO_KEY is empty');
  return keys;
}

/** Writes a new key file durably; false when another process made this version meanwhile (both use the one that won). */
async function createKeyFile(file: string): Promise<boolean> {
  return writeFileDurably(file, crypto.randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600, exclusive: true });
}

function readKeyFile(file: string): Buffer {
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) fs.chmodSync(file, 0o600);
  return decodeKey(fs.readFileSync(file, 'utf8'), file);
}

async function fileKeyring(dir: string): Promise<PhotoKeyring> {
  const cache = new Map<number, Buffer>();
  const listVersions = (): number[] =>
    (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
      .map((name) => KEK_FILE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  const fileOf = (v: number) => path.join(dir, `photo-kek.v${v}.key`);
  const retiredFileOf = (v: number) => path.join(dir, `photo-kek.v${v}${RETIRED_SUFFIX}`);
  const keyOf = (v: number): Buffer => {
    const cached = cache.get(v);
    if (cached) return cached;
    if (!fs.existsSync(fileOf(v))) throw keyUnavailable(`photo key version ${v} is missing from ${dir}`);
    const key = readKeyFile(fileOf(v));
    cache.set(v, key);
    return key;
  };
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  if (listVersions().length === 0) await createKeyFile(fileOf(1));
  const ring: PhotoKeyring = {
    source: 'file',
    currentVersion() {
      const all = listVersions();
      if (all.length === 0) throw keyUnavailable(`no photo key in ${dir}`);
      return all[all.length - 1]!;
    },
    versions: listVersions,
    wrap(dataKey, context, version) {
      const v = version ?? ring.currentVersion();
      return { wrappedKey: wrapWith(keyOf(v), dataKey, context), kekVersion: v };
    },
    unwrap(wrappedKey, kekVersion, context) {
      return unwrapWith(keyOf(kekVersion), wrappedKey, kekVersion, context);
    },
    async createVersion() {
      for (;;) {
        const next = ring.currentVersion() + 1;
        if (await createKeyFile(fileOf(next))) return next;
      }
    },
    async markRetired(version, at) {
      if (version >= ring.currentVersion()) throw new Error(`photo key version ${version} is the newest; it is not retired`);
      await writeFileDurably(retiredFileOf(version), at.toISOString() + '\n', { mode: 0o600 });
    },
    retiredAt(version) {
      let text: string;
      try {
        text = fs.readFileSync(retiredFileOf(version), 'utf8');
      } catch {
        return null;
      }
      const t = Date.parse(text.trim());
      return Number.isNaN(t) ? null : new Date(t);
    },
    async removeVersion(version) {
      if (version >= ring.currentVersion()) throw new Error(`photo key version ${version} is the newest; it is never removed`);
      const file = fileOf(version);
      if (fs.existsSync(file)) {
        // Overwritten before unlinking, so that the key is not left readable in the freed blocks of a plain file system.
        const handle = await fs.promises.open(file, 'r+');
        try {
          await handle.write(crypto.randomBytes((await handle.stat()).size), 0, undefined, 0);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.promises.unlink(file);
      }
      await fs.promises.rm(retiredFileOf(version), { force: true });
      await fsyncDir(dir);
      cache.delete(version);
    },
  };
  return ring;
}

function envKeyring(value: string): PhotoKeyring {
  const keys = parseEnvKeys(value);
  const sorted = [...keys.keys()].sort((a, b) => a - b);
  const keyOf = (v: number): Buffer => {
    const key = keys.get(v);
    if (!key) throw keyUnavailable(`photo key version ${v} is not in GRADPHOTO_PHOTO_KEY`);
    return key;
  };
  return {
    source: 'env',
    currentVersion: () => sorted[sorted.length - 1]!,
    versions: () => [...sorted],
    wrap: (dataKey, context, version) => {
      const v = version ?? sorted[sorted.length - 1]!;
      return { wrappedKey: wrapWith(keyOf(v), dataKey, context), kekVersion: v };
    },
    unwrap: (wrappedKey, kekVersion, context) => unwrapWith(keyOf(kekVersion), wrappedKey, kekVersion, context),
    createVersion: () => Promise.reject(keyUnavailable('the photo key comes from GRADPHOTO_PHOTO_KEY: add a new VERSION:BASE64 entry there, then rotate')),
    // The operator drops old entries from the variable; nothing is stored here.
    markRetired: () => Promise.resolve(),
    retiredAt: () => null,
    removeVersion: () => Promise.resolve(),
  };
}

/** The photo keyring of a data directory (its first key file created, durably, on first start), or of GRADPHOTO_PHOTO_KEY when set. */
export async function openPhotoKeyring(dataDir: string, fromEnv?: string): Promise<PhotoKeyring> {
  if (fromEnv) return envKeyring(fromEnv);
  return fileKeyring(path.join(dataDir, 'keys'));
}

function wrapWith(kek: Buffer, dataKey: Buffer, context: string): string {
  const { iv, tag, ct } = gcmSeal(kek, dataKey, `gradphoto:dek:${context}`);
  return `v1.${iv.toString('base64url')}.${tag.toString('base64url')}.${ct.toString('base64url')}`;
}

function unwrapWith(kek: Buffer, wrapped: string, version: number, context: string): Buffer {
  const [format, iv, tag, ct] = wrapped.split('.');
  if (format !== 'v1' || !iv || !tag || !ct) throw keyUnavailable('unknown wrapped-key format');
  try {
    return gcmOpen(kek, Buffer.from(iv, 'base64url'), Buffer.from(tag, 'base64url'), Buffer.from(ct, 'base64url'), `gradphoto:dek:${context}`);
  } catch {
    throw keyUnavailable(`a data key does not open with photo key version ${version}`);
  }
}

export interface SealedBlob {
  /** what goes on disk: magic, IV, tag, ciphertext (never a byte of the image in clear) */
  sealed: Buffer;
  wrappedKey: string;
  kekVersion: number;
}

/**
 * Encrypts one blob under a fresh data key, bound to its id (a blob file swapped for another one does
 * not open), and wraps that key with the newest KEK. The data key is wiped from memory afterwards.
 */
export function sealBlob(keyring: PhotoKeyring, blobId: string, plain: Buffer): SealedBlob {
  const dataKey = crypto.randomBytes(KEY_BYTES);
  try {
    const { iv, tag, ct } = gcmSeal(dataKey, plain, `gradphoto:blob:${blobId}`);
    const { wrappedKey, kekVersion } = keyring.wrap(dataKey, blobId);
    return { sealed: Buffer.concat([BLOB_MAGIC, iv, tag, ct]), wrappedKey, kekVersion };
  } finally {
    dataKey.fill(0);
  }
}

export function openBlob(keyring: PhotoKeyring, blobId: string, sealed: Buffer, wrappedKey: string, kekVersion: number): Buffer {
  const head = BLOB_MAGIC.length + IV_BYTES + TAG_BYTES;
  if (sealed.length < head || !sealed.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) throw keyUnavailable(`blob ${blobId} is not a sealed photo blob`);
  const dataKey = keyring.unwrap(wrappedKey, kekVersion, blobId);
  try {
    const iv = sealed.subarray(BLOB_MAGIC.length, BLOB_MAGIC.length + IV_BYTES);
    const tag = sealed.subarray(BLOB_MAGIC.length + IV_BYTES, head);
    return gcmOpen(dataKey, iv, tag, sealed.subarray(head), `gradphoto:blob:${blobId}`);
  } catch {
    throw keyUnavailable(`blob ${blobId} does not decrypt (damaged or replaced)`);
  } finally {
    dataKey.fill(0);
  }
}

/** Re-wraps one data key with KEK version `toVersion`; the blob itself is untouched. */
export function rewrapKey(keyring: PhotoKeyring, blobId: string, wrappedKey: string, kekVersion: number, toVersion: number): { wrappedKey: string; kekVersion: number } {
  const dataKey = keyring.unwrap(wrappedKey, kekVersion, blobId);
  try {
    return keyring.wrap(dataKey, blobId, toVersion);
  } finally {
    dataKey.fill(0);
  }
}
