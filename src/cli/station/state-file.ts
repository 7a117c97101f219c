// The station agent's durable memory (issue #4 part 1; PITFALLS F17): which camera files were sent, refused or
// are in flight, and which student each file still waiting was bound to when first seen. It survives kill -9:
// every write replaces the whole file atomically (temp → fsync → rename → fsync directory), so a crash leaves
// the old state or the new one, never half; a damaged file is kept aside and the agent starts afresh (the
// server's duplicate check makes that safe). One agent per state file, enforced by a lock file holding its pid.
//
// Privacy (A3): no national ID number (names are scrubbed before they are stored) and no student number: the
// opaque student id only.
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import crypto from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { Lang } from '../../domain/i18n.js';
import { isProcessAlive } from '../process-alive.js';
import { scrubNationalIds } from '../../domain/national-id.js';

const StateRecordSchema = z.object({
  name: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  sha256: z.string(),
  status: z.enum(['in-flight', 'uploaded', 'refused']),
  /** opaque id of the student the file is for (never the student number) */
  studentId: z.string().optional(),
  photoId: z.string().optional(),
  accepted: z.boolean().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  at: z.string(),
});
export type StateRecord = z.infer<typeof StateRecordSchema>;

/**
 * The student a camera file was bound to when the agent first saw it, until the file is uploaded or refused
 * (its record then carries the student id) or leaves the folder. Keyed by the stored name; `ino` tells, after a
 * restart, a new file that took the same name from the one that was bound. The opaque student id only.
 */
const BindingSchema = z.object({ studentId: z.string(), ino: z.number(), at: z.string() });
export type StoredBinding = z.infer<typeof BindingSchema>;

const StateFileSchema = z.object({
  version: z.literal(1),
  files: z.record(z.string(), StateRecordSchema),
  /** absent in state files written before bindings existed */
  bindings: z.record(z.string(), BindingSchema).optional(),
});
export type StateFile = z.infer<typeof StateFileSchema>;

export function defaultStateFile(dir: string): string {
  return path.join(dir, '.gradphoto', 'state.json');
}

/** The name as the state file keeps it: an ID number someone typed into a file name is not written down (A3). */
export function storedName(name: string): string {
  return scrubNationalIds(name);
}

function recordKey(name: string, size: number, mtimeMs: number, sha256: string): string {
  return `${storedName(name)}\t${size}\t${mtimeMs}\t${sha256}`;
}

function statKey(name: string, size: number, mtimeMs: number): string {
  return `${storedName(name)}\t${size}\t${mtimeMs}`;
}

/** Reads the state file; a damaged one is kept aside (the server's duplicate check makes a fresh start safe). */
export function readStateFile(file: string): { state: StateFile; damaged: string | null } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: { version: 1, files: {} }, damaged: null };
    throw e;
  }
  try {
    return { state: StateFileSchema.parse(JSON.parse(text)), damaged: null };
  } catch {
    const aside = `${file}.damaged-${Date.now()}`;
    fs.renameSync(file, aside);
    return { state: { version: 1, files: {} }, damaged: aside };
  }
}

/** temp → fsync → rename → fsync the directory: a crash leaves the old state or the new one, never half (F17). */
export async function writeStateFile(file: string, state: StateFile): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const handle = await fsp.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(state));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
  const dirHandle = await fsp.open(dir, fsConstants.O_RDONLY);
  try {
    await dirHandle.sync();
  } catch {
    /* some file systems cannot sync a directory */
  } finally {
    await dirHandle.close();
  }
}

/**
 * One agent per state file: two agents on one folder (say with two --station values) would send each photo
 * to two students. The lock holds the agent's pid; a lock left by a process that died (kill -9) is taken over.
 */
export function takeLock(file: string, lang: Lang): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) {
        const detail = lang === 'en' ? `another agent (pid ${pid}) is already watching this folder (lock ${file})` : `已有另一个上传程序（进程 ${pid}）在监视该文件夹（锁文件 ${file}）`;
        throw new AppError('VALIDATION_FAILED', { params: { detail } });
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot take the lock ${file}`);
}

/** The state of one agent in memory, its indexes, and its writes to the state file. */
export interface StateStore {
  /** Reads the file (a damaged one is kept aside: its new name is returned) and indexes its records. */
  load(): { damaged: string | null };
  /** Sent or refused (or in flight) with this name, size and mtime; never for a name stored scrubbed (read it). */
  findByStat(name: string, size: number, mtimeMs: number): StateRecord | undefined;
  /** A finished (uploaded or refused) record of these bytes, under any name. */
  findFinishedBySha(sha256: string): StateRecord | undefined;
  /** The record of exactly this file (name, size, mtime and bytes). */
  findRecord(name: string, size: number, mtimeMs: number, sha256: string): StateRecord | undefined;
  /** Keeps a record in memory (the name scrubbed); written by the next persist(). */
  putRecord(record: StateRecord): void;
  /** The binding kept for a name (the object itself: the scan updates its inode in place). */
  findBinding(name: string): StoredBinding | undefined;
  keepBinding(name: string, studentId: string, ino: number): void;
  /** Drops a name's binding; true when there was one (the file has to be written). */
  dropBinding(name: string): boolean;
  /** Drops the bindings of names not in `present`; true when one was dropped. */
  dropBindingsExcept(present: Iterable<string>): boolean;
  /** Writes the whole state as it is now, after the writes already queued: the last one holds everything. */
  persist(): Promise<void>;
  /** Settles when every queued write has ended. */
  idle(): Promise<void>;
  /** What the file holds once the queued writes are done (tests, tooling). */
  snapshot(): StateFile;
}

export function createStateStore(file: string): StateStore {
  let state: StateFile = { version: 1, files: {} };
  const byStat = new Map<string, StateRecord>();
  const bySha = new Map<string, StateRecord>();
  let writing: Promise<void> = Promise.resolve();

  const index = (r: StateRecord) => {
    byStat.set(statKey(r.name, r.size, r.mtimeMs), r);
    // An in-flight record may not have reached the server: the same bytes under another name are still sent.
    if (r.status !== 'in-flight') bySha.set(r.sha256, r);
  };

  return {
    load() {
      const { state: loaded, damaged } = readStateFile(file);
      state = loaded;
      byStat.clear();
      bySha.clear();
      for (const r of Object.values(state.files)) index(r);
      return { damaged };
    },
    findByStat: (name, size, mtimeMs) => (storedName(name) === name ? byStat.get(statKey(name, size, mtimeMs)) : undefined),
    findFinishedBySha: (sha256) => bySha.get(sha256),
    findRecord: (name, size, mtimeMs, sha256) => state.files[recordKey(name, size, mtimeMs, sha256)],
    putRecord(input) {
      const r = { ...input, name: storedName(input.name) };
      state.files[recordKey(r.name, r.size, r.mtimeMs, r.sha256)] = r;
      index(r);
    },
    findBinding: (name) => state.bindings?.[storedName(name)],
    keepBinding(name, studentId, ino) {
      (state.bindings ??= {})[storedName(name)] = { studentId, ino, at: new Date().toISOString() };
    },
    dropBinding(name) {
      const key = storedName(name);
      if (!state.bindings || !(key in state.bindings)) return false;
      delete state.bindings[key];
      return true;
    },
    dropBindingsExcept(present) {
      const keep = new Set([...present].map(storedName));
      let dropped = false;
      for (const key of Object.keys(state.bindings ?? {})) {
        if (!keep.has(key)) {
          delete state.bindings![key];
          dropped = true;
        }
      }
      return dropped;
    },
    persist() {
      // One write after the other, each of the whole state as it is when it starts.
      const next = writing.then(() => writeStateFile(file, state));
      writing = next.catch(() => undefined);
      return next;
    },
    idle: () => writing,
    snapshot: () => structuredClone(state),
  };
}
