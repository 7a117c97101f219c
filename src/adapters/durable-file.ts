// Durable file writes (PITFALLS F17), shared by the blob store and the photo keyring: a file that a caller
// was told is written survives a crash or power cut. Temp file → fsync → rename (or link, when the name must
// not exist yet) → fsync the directory.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The suffix of temporary files; a crash may leave one behind (the blob sweep removes them). */
export const TEMP_SUFFIX = '.tmp';

/** Makes a directory's entries (a created, renamed or deleted name) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface DurableWriteOptions {
  /** file mode of the new file (default 0600: everything this system writes durably is secret) */
  mode?: number;
  /** true: fail-safe creation — when `file` exists already, it is kept and false is answered */
  exclusive?: boolean;
}

/**
 * Writes `bytes` to `file` so that, once this resolves, the file is complete on disk under its name:
 * a temp file beside it (written, fsynced), renamed over `file` (or linked to it when `exclusive`, which
 * never replaces an existing file), then the directory fsynced. Resolves false only when `exclusive` and
 * `file` already existed (left untouched). The directory must exist.
 */
export async function writeFileDurably(file: string, bytes: Buffer | string, opts: DurableWriteOptions = {}): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  const handle = await fs.promises.open(tmp, 'wx', opts.mode ?? 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  let created = true;
  if (opts.exclusive) {
    try {
      await fs.promises.link(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      created = false;
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
  } else {
    try {
      await fs.promises.rename(tmp, file);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
  }
  await fsyncDir(path.dirname(file));
  return created;
}
