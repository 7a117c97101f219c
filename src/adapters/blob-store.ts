// Encrypted photo blobs on disk (issue #4 parts 6–7): `<data>/blobs/ab/cdef…`, named by a random id,
// never by a student number or an ID number (A3). Only sealed bytes reach this module (envelope-crypto).
//
// A write is durable before it returns (PITFALLS F17, durable-file.ts): temp file → fsync → rename → fsync
// the directory (and the root when the `ab/` directory is new).
// The caller commits the database row only afterwards, so a crash leaves at worst a blob without a row
// (an orphan, swept at the next start), never a row without its blob.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileDurably } from './durable-file.js';

const ID_PATTERN = /^[0-9a-f]{32}$/;

export interface BlobEntry {
  /** the blob id, or null for a temporary file left by an interrupted write */
  id: string | null;
  file: string;
  mtimeMs: number;
}

export interface BlobStore {
  readonly root: string;
  newId(): string;
  write(id: string, sealed: Buffer): Promise<void>;
  read(id: string): Promise<Buffer>;
  exists(id: string): boolean;
  remove(id: string): Promise<void>;
  /** every file under the root: blobs and leftover temporary files */
  list(): AsyncGenerator<BlobEntry>;
  removeFile(file: string): Promise<void>;
}

export function createBlobStore(root: string): BlobStore {
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const pathOf = (id: string) => {
    if (!ID_PATTERN.test(id)) throw new Error(`not a blob id: ${JSON.stringify(id)}`);
    return path.join(root, id.slice(0, 2), id.slice(2));
  };
  return {
    root,
    newId: () => crypto.randomBytes(16).toString('hex'),
    async write(id, sealed) {
      const file = pathOf(id);
      const dir = path.dirname(file);
      let madeDir = false;
      try {
        await fs.promises.mkdir(dir, { mode: 0o700 });
        madeDir = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (madeDir) await fsyncDir(root);
      await writeFileDurably(file, sealed, { mode: 0o600 });
    },
    async read(id) {
      return fs.promises.readFile(pathOf(id));
    },
    exists: (id) => fs.existsSync(pathOf(id)),
    async remove(id) {
      await fs.promises.rm(pathOf(id), { force: true });
    },
    async *list() {
      const dirs = await fs.promises.readdir(root, { withFileTypes: true });
      for (const d of dirs) {
        if (!d.isDirectory() || !/^[0-9a-f]{2}$/.test(d.name)) continue;
        const dir = path.join(root, d.name);
        for (const name of await fs.promises.readdir(dir)) {
          const file = path.join(dir, name);
          let stat: fs.Stats;
          try {
            stat = await fs.promises.stat(file);
          } catch {
            continue; // removed meanwhile
          }
          const id = d.name + name;
          yield { id: ID_PATTERN.test(id) ? id : null, file, mtimeMs: stat.mtimeMs };
        }
      }
    },
    async removeFile(file) {
      if (path.relative(root, file).startsWith('..')) throw new Error(`${file} is outside the blob store`);
      await fs.promises.rm(file, { force: true });
    },
  };
}
