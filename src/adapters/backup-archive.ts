// The backup file (issue 11 section 2, docs/decisions/0030-backup-restore.md): a plain POSIX tar (ustar), so that
// `tar -tvf` lists it and `tar -xf` unpacks it without gradphoto. Entries are written one after another with
// their SHA-256 computed while writing; the manifest (every file's path, size and SHA-256) is the last entry.
// Nothing is compressed: photo blobs are encrypted (incompressible) and a database snapshot is small beside them.
// Sizes of 8 GiB or more use the GNU base-256 size field. Reading is by position (pread), one entry at a time.
import crypto from 'node:crypto';
import fs from 'node:fs';

const BLOCK = 512;
const CHUNK = 1 << 20;
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

export interface ArchiveFileEntry {
  path: string;
  size: number;
  sha256: string;
}

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

function header(name: string, size: number, mtimeSec: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, 0o600);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  if (size <= MAX_OCTAL_SIZE) writeOctal(h, 124, 12, size);
  else {
    // GNU base-256: the high bit of the first byte set, the size big-endian in the rest.
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  writeOctal(h, 136, 12, Math.floor(mtimeSec));
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  h[156] = 0x30; // '0': a regular file
  writeString(h, 257, 6, 'ustar\0');
  writeString(h, 263, 2, '00');
  writeString(h, 265, 32, 'gradphoto');
  writeString(h, 297, 32, 'gradphoto');
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

export interface ArchiveWriter {
  readonly file: string;
  /** one entry from memory; returns its size and SHA-256 */
  addBuffer(name: string, data: Buffer): Promise<ArchiveFileEntry>;
  /** one entry streamed from a file on disk */
  addFile(name: string, source: string): Promise<ArchiveFileEntry>;
  /** the end-of-archive blocks, fsync, then rename onto the final name (nothing is left at that name before) */
  finish(): Promise<{ bytes: number }>;
  /** removes the partial file */
  abort(): Promise<void>;
}

/** Writes `<file>.partial` (mode 0600, refusing an existing one), renamed to `file` by finish(). */
export async function createArchiveWriter(file: string, mtime: Date): Promise<ArchiveWriter> {
  const partial = `${file}.partial`;
  const handle = await fs.promises.open(partial, 'wx', 0o600);
  let position = 0;
  const mtimeSec = mtime.getTime() / 1000;
  const write = async (buf: Buffer) => {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await handle.write(buf, done, buf.length - done, position);
      done += bytesWritten;
      position += bytesWritten;
    }
  };
  const pad = async (size: number) => {
    const rest = size % BLOCK;
    if (rest) await write(Buffer.alloc(BLOCK - rest));
  };
  let closed = false;
  return {
    file,
    async addBuffer(name, data) {
      await write(header(name, data.length, mtimeSec));
      await write(data);
      await pad(data.length);
      return { path: name, size: data.length, sha256: crypto.createHash('sha256').update(data).digest('hex') };
    },
    async addFile(name, source) {
      const src = await fs.promises.open(source, 'r');
      try {
        const size = (await src.stat()).size;
        await write(header(name, size, mtimeSec));
        const hash = crypto.createHash('sha256');
        const buf = Buffer.allocUnsafe(CHUNK);
        let read = 0;
        while (read < size) {
          const { bytesRead } = await src.read(buf, 0, Math.min(CHUNK, size - read), read);
          if (bytesRead === 0) throw new Error(`${source} became shorter while it was copied`);
          hash.update(buf.subarray(0, bytesRead));
          await write(buf.subarray(0, bytesRead));
          read += bytesRead;
        }
        await pad(size);
        return { path: name, size, sha256: hash.digest('hex') };
      } finally {
        await src.close();
      }
    },
    async finish() {
      await write(Buffer.alloc(BLOCK * 2));
      await handle.sync();
      await handle.close();
      closed = true;
      await fs.promises.rename(partial, file);
      const dir = await fs.promises.open(file.replace(/[^/]*$/, '') || '.', 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      return { bytes: position };
    },
    async abort() {
      if (!closed) await handle.close().catch(() => undefined);
      closed = true;
      await fs.promises.rm(partial, { force: true });
    },
  };
}

export interface ArchiveEntry {
  path: string;
  size: number;
  /** where the entry's bytes start in the file */
  offset: number;
  /** SHA-256 of the entry, read in chunks */
  sha256(): Promise<string>;
  /** the whole entry in memory (blobs, keys, the manifest) */
  read(): Promise<Buffer>;
  /** the entry streamed to a new file (the database), with its SHA-256 */
  copyTo(target: string): Promise<string>;
}

export class ArchiveFormatError extends Error {}

function parseOctal(buf: Buffer, offset: number, length: number): number {
  if (buf[offset]! & 0x80) {
    let v = 0n;
    for (let i = offset + 1; i < offset + length; i++) v = (v << 8n) | BigInt(buf[i]!);
    return Number(v);
  }
  const text = buf.toString('latin1', offset, offset + length).replace(/[\0 ]+$/g, '').trim();
  if (!/^[0-7]*$/.test(text)) throw new ArchiveFormatError('not a tar header');
  return text === '' ? 0 : parseInt(text, 8);
}

/** Every regular-file entry of a tar file, in order. Anything but a ustar file of regular entries is refused. */
export async function* readArchive(file: string): AsyncGenerator<ArchiveEntry> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const total = (await handle.stat()).size;
    let position = 0;
    const h = Buffer.alloc(BLOCK);
    while (position + BLOCK <= total) {
      await handle.read(h, 0, BLOCK, position);
      if (h.every((b) => b === 0)) return;
      if (h.toString('latin1', 257, 262) !== 'ustar') throw new ArchiveFormatError('not a tar file');
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
      if (sum !== parseOctal(h, 148, 8)) throw new ArchiveFormatError(`damaged tar header at byte ${position}`);
      const name = h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      const size = parseOctal(h, 124, 12);
      const type = String.fromCharCode(h[156]!);
      const start = position + BLOCK;
      if (start + size > total) throw new ArchiveFormatError(`the file ends inside ${name}: cut short`);
      position = start + Math.ceil(size / BLOCK) * BLOCK;
      if (type !== '0' && type !== '\0') throw new ArchiveFormatError(`unexpected tar entry type for ${name}`);
      yield {
        path: name,
        size,
        offset: start,
        async sha256() {
          const hash = crypto.createHash('sha256');
          const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
          let done = 0;
          while (done < size) {
            const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, size - done), start + done);
            if (bytesRead === 0) throw new ArchiveFormatError(`the file ends inside ${name}`);
            hash.update(buf.subarray(0, bytesRead));
            done += bytesRead;
          }
          return hash.digest('hex');
        },
        async read() {
          const buf = Buffer.allocUnsafe(size);
          let done = 0;
          while (done < size) {
            const { bytesRead } = await handle.read(buf, done, size - done, start + done);
            if (bytesRead === 0) throw new ArchiveFormatError(`the file ends inside ${name}`);
            done += bytesRead;
          }
          return buf;
        },
        async copyTo(target) {
          const out = await fs.promises.open(target, 'wx', 0o600);
          const hash = crypto.createHash('sha256');
          try {
            const buf = Buffer.allocUnsafe(CHUNK);
            let done = 0;
            while (done < size) {
              const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, size - done), start + done);
              if (bytesRead === 0) throw new ArchiveFormatError(`the file ends inside ${name}`);
              hash.update(buf.subarray(0, bytesRead));
              await out.write(buf, 0, bytesRead);
              done += bytesRead;
            }
            await out.sync();
          } finally {
            await out.close();
          }
          return hash.digest('hex');
        },
      };
    }
  } finally {
    await handle.close();
  }
}
