// The station agent's view of the hot folder (issue #4 part 1; PITFALLS F6, F7): which names are camera files,
// when a file has been written (its size and mtime stayed the same for the settle interval as observed by the
// agent, so a file renamed into place with an old mtime waits too, and it can be read), whether a JPEG has its
// end marker, and when the folder is to be listed again (a file-system event, or the periodic rescan for
// folders whose events never come, e.g. some network shares).
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** Camera files: .jpg/.jpeg in any case; hidden files, temp names (~x, x.tmp, x.part, x.crdownload) are not. */
export function isCandidateName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('~')) return false;
  return /\.jpe?g$/i.test(name);
}

export type Completeness = 'complete' | 'incomplete' | 'not-jpeg';

/** Whether the bytes look finished: a JPEG ends with FF D9 (trailing zero padding allowed). */
export function jpegCompleteness(bytes: Buffer): Completeness {
  if (bytes.length === 0) return 'incomplete';
  if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return bytes.length < 3 ? 'incomplete' : 'not-jpeg';
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0x00) end--;
  return end >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9 ? 'complete' : 'incomplete';
}

export function sha256Hex(bytes: Buffer): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

export interface CameraFile {
  name: string;
  size: number;
  mtimeMs: number;
  /** the file's inode (a binding restored after a restart must be of the same file) */
  ino: number;
}

/** The camera files in the folder now (regular files with a camera name); throws when the folder cannot be read. */
export async function listCameraFiles(dir: string): Promise<CameraFile[]> {
  const names = await fsp.readdir(dir);
  const files: CameraFile[] = [];
  for (const name of names) {
    if (!isCandidateName(name)) continue;
    const st = await statCameraFile(dir, name);
    if (st) files.push(st);
  }
  return files;
}

/** A camera file by name; undefined when it is gone (a temp name renamed away) or not a regular file. */
export async function statCameraFile(dir: string, name: string): Promise<CameraFile | undefined> {
  let st: fs.Stats;
  try {
    st = await fsp.stat(path.join(dir, name));
  } catch {
    return undefined;
  }
  if (!st.isFile()) return undefined;
  return { name, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
}

/** What the agent last observed of a file still being written. */
export interface Observed {
  size: number;
  mtimeMs: number;
  /** agent time of the last observed change (or of first sight) */
  changedAt: number;
}

export type SettleOutcome =
  /** left the folder */
  | { kind: 'gone' }
  /** size or mtime changed since last observed: the settle interval starts again from `now` */
  | { kind: 'changed'; size: number; mtimeMs: number }
  /** unchanged, but not for settleMs yet, or not readable yet (locked by the writer) */
  | { kind: 'settling' }
  /** the bytes read are not as long as the size observed: still being written */
  | { kind: 'resized'; size: number }
  /** a JPEG without its end marker, unchanged for less than incompleteMs */
  | { kind: 'incomplete' }
  /** written: these bytes (a JPEG missing its end goes anyway after incompleteMs; the server refuses it) */
  | { kind: 'written'; bytes: Buffer; sha256: string };

/** One look at a file that is settling: re-stat, and once unchanged for settleMs and readable, read and hash. */
export async function examineSettling(file: string, seen: Observed, now: number, limits: { settleMs: number; incompleteMs: number }): Promise<SettleOutcome> {
  let st: fs.Stats;
  try {
    st = await fsp.stat(file);
  } catch {
    return { kind: 'gone' };
  }
  if (st.size !== seen.size || st.mtimeMs !== seen.mtimeMs) return { kind: 'changed', size: st.size, mtimeMs: st.mtimeMs };
  if (now - seen.changedAt < limits.settleMs) return { kind: 'settling' };
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch {
    return { kind: 'settling' };
  }
  if (bytes.length !== seen.size) return { kind: 'resized', size: bytes.length };
  if (jpegCompleteness(bytes) === 'incomplete' && now - seen.changedAt < limits.incompleteMs) return { kind: 'incomplete' };
  return { kind: 'written', bytes, sha256: sha256Hex(bytes) };
}

export interface FolderWatch {
  /** A file-system event came since the last scan, or the rescan period has passed. */
  isScanDue(now: number): boolean;
  /** A scan starts now (events from now on make the next one due). */
  markScanned(now: number): void;
  close(): void;
}

/**
 * fs.watch on the folder plus a periodic rescan. `onName` gets each event's file name (a hint: the scan is
 * the truth); a watcher that fails is dropped and the periodic rescan carries on.
 */
export function watchFolder(dir: string, rescanMs: number, onName: (name: string | null) => void): FolderWatch {
  let due = true;
  let lastScan = 0;
  let watcher: fs.FSWatcher | null = null;
  try {
    watcher = fs.watch(dir, { persistent: false }, (_type, filename) => {
      due = true;
      onName(typeof filename === 'string' ? filename : null);
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null;
  }
  return {
    isScanDue: (now) => due || now - lastScan >= rescanMs,
    markScanned(now) {
      lastScan = now;
      due = false;
    },
    close: () => watcher?.close(),
  };
}
