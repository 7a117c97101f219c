import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The master key: 32 random bytes, from GRADPHOTO_MASTER_KEY (base64) when set — several machines on one
 * PostgreSQL must share it — else from `<data>/keys/master.key`, created on first start with mode 0600.
 */
export function loadOrCreateMasterKey(dataDir: string, fromEnv?: string): Buffer {
  return loadOrCreateKey(dataDir, 'master.key', 'GRADPHOTO_MASTER_KEY', fromEnv);
}

/**
 * The audit key: the HMAC key of the audit chain and its checkpoints (docs/decisions/0002). From
 * GRADPHOTO_AUDIT_KEY (base64 of 32 bytes; every machine on one PostgreSQL needs the same) or
 * `<data>/keys/audit.key` (0600). Never stored in the database: someone who can write the database but
 * does not hold this key cannot forge a chain that verifies. Losing it means the chain and the old
 * checkpoints can no longer be verified, and the server refuses to start over that chain.
 */
export function loadOrCreateAuditKey(dataDir: string, fromEnv?: string): Buffer {
  return loadOrCreateKey(dataDir, 'audit.key', 'GRADPHOTO_AUDIT_KEY', fromEnv);
}

function loadOrCreateKey(dataDir: string, name: string, envName: string, fromEnv: string | undefined): Buffer {
  if (fromEnv) {
    const key = Buffer.from(fromEnv, 'base64');
    if (key.length !== 32) throw new Error(`${envName} must be the base64 of exactly 32 bytes`);
    return key;
  }
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, name);
  if (fs.existsSync(file)) return readKeyFile(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, crypto.randomBytes(32).toString('base64') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    // link fails if another process created the key meanwhile: then both use the one that won.
    fs.linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    fs.unlinkSync(tmp);
  }
  const dirFd = fs.openSync(dir, 'r');
  fs.fsyncSync(dirFd);
  fs.closeSync(dirFd);
  return readKeyFile(file);
}

function readKeyFile(file: string): Buffer {
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) fs.chmodSync(file, 0o600);
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}

export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), `gradphoto:${purpose}`, 32));
}
