// Backup, restore and verification of a whole installation (issue 11 section 2; docs/decisions/0030-backup-restore.md).
//
// One backup file is a tar (src/adapters/backup-archive.ts) of separate parts:
//   db/gradphoto.sqlite   SQLite: the online backup API, one read transaction, consistent while `serve` writes
//   db/gradphoto.pgdump   PostgreSQL: pg_dump --format=custom on a snapshot exported by our own transaction
//   blobs/ab/cdef…        every blob a row of THAT snapshot names, copied after the snapshot was taken: an upload
//                         writes its blob before it commits its row, so every row the snapshot holds has its blob
//   audit/checkpoints.jsonl  the signed checkpoints up to the snapshot's audit head (later ones would accuse the copy
//                         of a cut tail)
//   keys/…                master, audit and photo keys (or in a separate `--keys-out` file: kept apart, since
//                         whoever holds both holds the photos; whoever loses the keys loses the photos)
//   manifest.json         last: every file's path, size and SHA-256, the snapshot's audit head and counts
// Restore writes only into an empty directory (and an empty PostgreSQL database), checks every checksum on the way,
// and removes what it wrote when anything fails. Verify checks the checksums, opens the database, finds every
// row's blob, decrypts a sample (or all) and compares originals with the SHA-256 recorded at upload, and verifies
// the audit chain against the checkpoints.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ArchiveFormatError, createArchiveWriter, readArchive, type ArchiveFileEntry } from '../adapters/backup-archive.js';
import { createAuditCheckpointStore, auditCheckpointFile } from '../adapters/audit-checkpoints.js';
import type { BlobStore } from '../adapters/blob-store.js';
import { INSTALLATION_MARKER, openBlobStore, type S3BlobStore } from '../adapters/s3-blob-store.js';
import { getInstallationId, renewInstallationId } from '../repositories/installation.repository.js';
import { openBlob, openPhotoKeyring } from '../adapters/envelope-crypto.js';
import type { Db, Tx } from '../db/database.js';
import { openDatabase, sqliteDatabaseExists } from '../db/database.js';
import {
  countRelations,
  dropAllRelations,
  dumpPostgres,
  installSqliteDatabase,
  listPostgresDump,
  PgToolFailedError,
  PgToolMissingError,
  restorePostgres,
  snapshotSqlite,
  withExportedSnapshot,
} from '../db/backup.js';
import { AppError } from '../domain/errors.js';
import { computeAuditKeyId } from '../domain/audit.js';
import * as auditRepo from '../repositories/audit.repository.js';
import * as backupRepo from '../repositories/backup.repository.js';
import { recordAuditEvent, verifyAuditChain } from './audit.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { redactUrlCredentials } from '../domain/redact-url.js';

export const BACKUP_FORMAT = 'gradphoto-backup';
export const BACKUP_KEYS_FORMAT = 'gradphoto-backup-keys';
const MANIFEST = 'manifest.json';
const SQLITE_ENTRY = 'db/gradphoto.sqlite';
const PGDUMP_ENTRY = 'db/gradphoto.pgdump';
const CHECKPOINTS_ENTRY = 'audit/checkpoints.jsonl';

export type BackupEngine = 'sqlite' | 'postgres';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: 1;
  id: string;
  createdAt: string;
  engine: BackupEngine;
  database: string;
  snapshot: { auditSeq: number; auditHash: string; auditKeyId: string | null; photos: number; blobs: number };
  /** blobs the snapshot names that were not copied: crypto-shredded after the snapshot (A3), or missing (a defect) */
  blobsNotCopied: { id: string; reason: 'shredded-after-snapshot' | 'missing' }[];
  keys: { included: boolean; files: string[] };
  files: ArchiveFileEntry[];
}

interface KeysManifest {
  format: typeof BACKUP_KEYS_FORMAT;
  version: 1;
  backupId: string;
  files: ArchiveFileEntry[];
}

/** Where the installation's data lives: the data directory, PostgreSQL, and keys given in the environment. */
export interface BackupSource {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** GRADPHOTO_MASTER_KEY, GRADPHOTO_AUDIT_KEY, GRADPHOTO_PHOTO_KEY when set: written to the keys part as files */
  masterKey?: string | undefined;
  auditKey?: string | undefined;
  photoKey?: string | undefined;
  /** BLOB_STORE_URL: the blobs are in an S3-compatible store (default: <data>/blobs) */
  blobStoreUrl?: string | undefined;
}

export interface CreateBackupOptions extends BackupSource {
  out: string;
  /** keys in a separate file instead of the backup */
  keysOut?: string | undefined;
  clock?: () => Date;
}

export interface BackupResult {
  id: string;
  engine: BackupEngine;
  file: string;
  bytes: number;
  keysFile: string | null;
  photos: number;
  blobs: number;
  blobsNotCopied: BackupManifest['blobsNotCopied'];
  auditSeq: number;
  /** wall time of the whole backup, ms */
  durationMs: number;
}

function blobEntryName(id: string): string {
  return `blobs/${id.slice(0, 2)}/${id.slice(2)}`;
}

const BLOB_ENTRY = /^blobs\/([0-9a-f]{2})\/([0-9a-f]{30})$/;
const KEY_ENTRY = /^keys\/(master\.key|audit\.key|photo-kek\.v[1-9][0-9]{0,8}\.(key|retired))$/;

/**
 * Whether an entry name is one a backup (or its keys file) can hold: anything else — `../x`, an absolute path, a name
 * outside this layout — is refused as damage before anything is read or written, even when the manifest lists it.
 */
function isBackupEntryName(name: string): boolean {
  return name === MANIFEST || name === SQLITE_ENTRY || name === PGDUMP_ENTRY || name === CHECKPOINTS_ENTRY || BLOB_ENTRY.test(name) || KEY_ENTRY.test(name);
}

/** Blobs a backup names but could not copy because the store had lost them (not those shredded after the snapshot). */
export function blobsMissingAtBackup(notCopied: BackupManifest['blobsNotCopied']): number {
  return notCopied.filter((b) => b.reason === 'missing').length;
}

/** Refuses an existing output (never overwritten) and a missing directory, naming the file. */
function assertNewFile(file: string): void {
  if (fs.existsSync(file) || fs.existsSync(`${file}.partial`)) throw new AppError('BACKUP_OUT_EXISTS', { params: { file }, details: { file } });
  const dir = path.dirname(file);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AppError('VALIDATION_FAILED', { params: { detail: `--out: ${dir} is not a directory` }, details: { field: 'out', value: file } });
}

/** The key files as they would sit under <data>/keys: from the directory, with environment keys written in their place. */
function collectKeys(src: BackupSource): { name: string; data: Buffer }[] {
  const dir = path.join(src.dataDir, 'keys');
  const files = new Map<string, Buffer>();
  if (fs.existsSync(dir)) {
    for (const name of fs.readdirSync(dir).sort()) {
      if (KEY_ENTRY.test(`keys/${name}`)) files.set(name, fs.readFileSync(path.join(dir, name)));
    }
  }
  if (src.masterKey) files.set('master.key', Buffer.from(src.masterKey.trim() + '\n'));
  if (src.auditKey) files.set('audit.key', Buffer.from(src.auditKey.trim() + '\n'));
  if (src.photoKey) {
    for (const name of [...files.keys()]) if (name.startsWith('photo-kek.')) files.delete(name);
    const entries = src.photoKey.split(',').map((s) => s.trim()).filter(Boolean);
    for (const entry of entries) {
      const m = /^([1-9][0-9]{0,8}):(.+)$/.exec(entry);
      files.set(`photo-kek.v${m ? m[1] : 1}.key`, Buffer.from((m ? m[2]! : entry) + '\n'));
    }
  }
  return [...files.entries()].map(([name, data]) => ({ name, data }));
}

/** The checkpoint file's complete lines up to the snapshot's head (a later one names events the copy lacks). */
function checkpointsUpTo(dataDir: string, seq: number): Buffer {
  let text: string;
  try {
    text = fs.readFileSync(auditCheckpointFile(dataDir), 'utf8');
  } catch {
    return Buffer.alloc(0);
  }
  const keep = text
    .split('\n')
    .slice(0, -1)
    .filter((line) => {
      try {
        return (JSON.parse(line) as { seq?: number }).seq! <= seq;
      } catch {
        return true; // an unreadable line stays: verify reports it, as for the original
      }
    });
  return Buffer.from(keep.map((l) => l + '\n').join(''));
}

function pgToolError(e: unknown): unknown {
  if (e instanceof PgToolMissingError) return new AppError('PG_TOOL_MISSING', { params: { tool: e.tool }, details: { tool: e.tool } });
  if (e instanceof PgToolFailedError) return new AppError('PG_TOOL_FAILED', { params: { tool: e.tool, reason: e.message }, details: { tool: e.tool, exitCode: e.exitCode } });
  return e;
}

/** A private working directory beside `near` (never /tmp: a database snapshot holds personal data). */
function workDir(near: string): string {
  return fs.mkdtempSync(path.join(path.dirname(path.resolve(near)), '.gradphoto-backup-'));
}

/** `gradphoto backup --out FILE [--keys-out FILE]` */
export async function createBackup(opts: CreateBackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const clock = opts.clock ?? (() => new Date());
  const out = path.resolve(opts.out);
  const keysOut = opts.keysOut ? path.resolve(opts.keysOut) : undefined;
  assertNewFile(out);
  if (keysOut) {
    assertNewFile(keysOut);
    if (keysOut === out) throw new AppError('VALIDATION_FAILED', { params: { detail: '--keys-out must be another file than --out' } });
  }
  const engine: BackupEngine = opts.databaseUrl ? 'postgres' : 'sqlite';
  if (engine === 'sqlite' && !sqliteDatabaseExists(opts.dataDir)) throw new AppError('BACKUP_SOURCE_MISSING', { params: { dir: opts.dataDir } });
  // An S3 prefix must be this installation's (its marker object), as for `serve`.
  const installationId = opts.blobStoreUrl ? await readInstallationId(opts.dataDir, opts.databaseUrl) : undefined;
  const blobs: BlobStore = await openBlobStore({ url: opts.blobStoreUrl, localRoot: path.join(opts.dataDir, 'blobs'), installationId });
  const id = crypto.randomUUID();
  const now = clock();
  const live = openDatabase({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, poolSize: 2 });
  const work = workDir(out);
  const writer = await createArchiveWriter(out, now);
  const keysWriter = keysOut ? await createArchiveWriter(keysOut, now).catch(async (e: unknown) => (await writer.abort(), Promise.reject(e))) : undefined;
  const files: ArchiveFileEntry[] = [];
  const notCopied: BackupManifest['blobsNotCopied'] = [];
  let snapshot: BackupManifest['snapshot'] = { auditSeq: 0, auditHash: '', auditKeyId: null, photos: 0, blobs: 0 };

  /** With the snapshot open: its rows' blobs into the archive, its audit head and counts. */
  const copyNamedBlobs = async (tx: Tx) => {
    const head = await auditRepo.getAuditHead(tx);
    snapshot = { auditSeq: head.seq, auditHash: head.hash, auditKeyId: head.keyId, photos: await backupRepo.countPhotos(tx), blobs: 0 };
    const missing: string[] = [];
    for await (const row of backupRepo.iterateBlobRows(tx)) {
      snapshot.blobs++;
      let sealed: Buffer;
      try {
        sealed = await blobs.read(row.id);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        missing.push(row.id);
        continue;
      }
      files.push(await writer.addBuffer(blobEntryName(row.id), sealed));
    }
    if (missing.length) {
      const shredded = await backupRepo.findShreddedBlobIds(live.db, missing);
      for (const m of missing) notCopied.push({ id: m, reason: shredded.has(m) ? 'shredded-after-snapshot' : 'missing' });
    }
  };

  try {
    if (engine === 'sqlite') {
      const snapDir = path.join(work, 'db');
      fs.mkdirSync(snapDir, { mode: 0o700 });
      const snapFile = path.join(snapDir, 'gradphoto.sqlite');
      await snapshotSqlite(opts.dataDir, snapFile);
      files.push(await writer.addFile(SQLITE_ENTRY, snapFile));
      const snap = openDatabase({ dataDir: snapDir });
      try {
        await copyNamedBlobs(snap.db);
      } finally {
        await snap.destroy();
      }
    } else {
      const dumpFile = path.join(work, 'gradphoto.pgdump');
      await withExportedSnapshot(live, async (snapshotId, tx) => {
        await dumpPostgres(opts.databaseUrl!, snapshotId, dumpFile).catch((e: unknown) => Promise.reject(pgToolError(e)));
        files.push(await writer.addFile(PGDUMP_ENTRY, dumpFile));
        await copyNamedBlobs(tx);
      });
    }
    files.push(await writer.addBuffer(CHECKPOINTS_ENTRY, checkpointsUpTo(opts.dataDir, snapshot.auditSeq)));

    const keys = collectKeys(opts);
    const keyEntries: ArchiveFileEntry[] = [];
    for (const k of keys) keyEntries.push(await (keysWriter ?? writer).addBuffer(`keys/${k.name}`, k.data));
    if (keysWriter) {
      const km: KeysManifest = { format: BACKUP_KEYS_FORMAT, version: 1, backupId: id, files: keyEntries };
      await keysWriter.addBuffer(MANIFEST, Buffer.from(JSON.stringify(km, null, 2)));
    } else files.push(...keyEntries);

    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: 1,
      id,
      createdAt: now.toISOString(),
      engine,
      database: engine === 'sqlite' ? SQLITE_ENTRY : PGDUMP_ENTRY,
      snapshot,
      blobsNotCopied: notCopied,
      keys: { included: !keysWriter, files: keys.map((k) => `keys/${k.name}`) },
      files,
    };
    await writer.addBuffer(MANIFEST, Buffer.from(JSON.stringify(manifest, null, 2)));
    const { bytes } = await writer.finish();
    await keysWriter?.finish();
    return {
      id,
      engine,
      file: out,
      bytes,
      keysFile: keysOut ?? null,
      photos: snapshot.photos,
      blobs: snapshot.blobs,
      blobsNotCopied: notCopied,
      auditSeq: snapshot.auditSeq,
      durationMs: Date.now() - started,
    };
  } catch (e) {
    await writer.abort();
    await keysWriter?.abort();
    throw pgToolError(e);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    await live.destroy();
    await blobs.close();
  }
}

interface IndexedEntry {
  path: string;
  size: number;
  offset: number;
  sha256: string;
}

/** Reads the whole archive once: every entry's SHA-256, and the manifest (the last entry). */
async function indexArchive(file: string): Promise<{ entries: Map<string, IndexedEntry>; manifest: unknown }> {
  const entries = new Map<string, IndexedEntry>();
  let manifest: unknown;
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new AppError('VALIDATION_FAILED', { params: { detail: `no such file: ${file}` }, details: { field: 'file', value: file } });
  try {
    for await (const entry of readArchive(file)) {
      if (!isBackupEntryName(entry.path)) throw new AppError('BACKUP_DAMAGED', { params: { file, reason: `entry "${entry.path}" is not a part of a gradphoto backup` }, details: { entry: entry.path } });
      if (entries.has(entry.path)) throw new AppError('BACKUP_DAMAGED', { params: { file, reason: `entry "${entry.path}" appears twice` }, details: { entry: entry.path } });
      const data = entry.path === MANIFEST ? await entry.read() : null;
      const sha256 = await entry.sha256();
      if (data) {
        try {
          manifest = JSON.parse(data.toString('utf8'));
        } catch {
          throw new AppError('BACKUP_NOT_A_BACKUP', { params: { file, reason: 'manifest.json is not JSON' } });
        }
      }
      entries.set(entry.path, { path: entry.path, size: entry.size, offset: entry.offset, sha256 });
    }
  } catch (e) {
    // Once a backup's own entries were read (or the file ends inside one), it is a backup that is damaged or cut short
    // (exit 7), not "not a backup" (outside test: a truncated backup said exit 2).
    if (e instanceof ArchiveFormatError) {
      const ours = entries.size > 0 || /ends inside|cut short/.test(e.message);
      throw new AppError(ours ? 'BACKUP_DAMAGED' : 'BACKUP_NOT_A_BACKUP', { params: { file, reason: e.message } });
    }
    throw e;
  }
  // The manifest is the last entry: backup entries without it are a backup cut short.
  if (manifest === undefined && entries.size > 0) throw new AppError('BACKUP_DAMAGED', { params: { file, reason: 'it ends before its manifest.json: cut short' } });
  return { entries, manifest };
}

function parseManifest(file: string, raw: unknown): BackupManifest {
  const m = raw as Partial<BackupManifest> | undefined;
  if (!m || m.format !== BACKUP_FORMAT) throw new AppError('BACKUP_NOT_A_BACKUP', { params: { file, reason: m ? 'the manifest is of another kind' : 'it has no manifest.json' } });
  if (m.version !== 1) throw new AppError('BACKUP_NOT_A_BACKUP', { params: { file, reason: `backup format version ${String(m.version)} is newer than this gradphoto` } });
  const database = m.engine === 'sqlite' ? SQLITE_ENTRY : m.engine === 'postgres' ? PGDUMP_ENTRY : undefined;
  if (!database || m.database !== database) throw new AppError('BACKUP_DAMAGED', { params: { file, reason: `the manifest's database entry "${String(m.database)}" is not the ${String(m.engine)} one` } });
  const named = [...(m.files ?? []).map((f) => f.path), ...(m.keys?.files ?? [])];
  const bad = named.find((n) => typeof n !== 'string' || !isBackupEntryName(n));
  if (bad !== undefined) throw new AppError('BACKUP_DAMAGED', { params: { file, reason: `the manifest lists "${String(bad)}", which is not a part of a gradphoto backup` }, details: { entry: bad } });
  if ((m.keys?.files ?? []).some((n) => !KEY_ENTRY.test(n))) throw new AppError('BACKUP_DAMAGED', { params: { file, reason: 'the manifest lists keys that are not key files' } });
  return m as BackupManifest;
}

/** Problems of an archive against its manifest: a changed, missing or extra file. */
function checkAgainst(entries: Map<string, IndexedEntry>, listed: ArchiveFileEntry[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>([MANIFEST]);
  for (const f of listed) {
    seen.add(f.path);
    const e = entries.get(f.path);
    if (!e) problems.push(`${f.path} is missing`);
    else if (e.size !== f.size || e.sha256 !== f.sha256) problems.push(`${f.path} does not match its checksum`);
  }
  for (const p of entries.keys()) if (!seen.has(p)) problems.push(`${p} is not in the manifest`);
  return problems;
}

interface OpenedBackup {
  manifest: BackupManifest;
  /** every entry of the backup file: size, position, SHA-256 */
  entries: Map<string, IndexedEntry>;
  checksumProblems: string[];
  /** the keys' files, from the backup or the keys file; null when neither has them */
  keys: Map<string, Buffer> | null;
  keysProblems: string[];
}

async function openBackup(file: string, keysFile: string | undefined): Promise<OpenedBackup> {
  const { entries, manifest: raw } = await indexArchive(file);
  const manifest = parseManifest(file, raw);
  const checksumProblems = checkAgainst(entries, manifest.files);
  let keys: Map<string, Buffer> | null = null;
  const keysProblems: string[] = [];
  const readKeysFrom = async (archive: string, names: string[]) => {
    const map = new Map<string, Buffer>();
    for await (const entry of readArchive(archive)) if (names.includes(entry.path)) map.set(entry.path.slice('keys/'.length), await entry.read());
    return map;
  };
  if (keysFile) {
    const k = await indexArchive(path.resolve(keysFile));
    const km = k.manifest as Partial<KeysManifest> | undefined;
    if (!km || km.format !== BACKUP_KEYS_FORMAT) throw new AppError('BACKUP_NOT_A_BACKUP', { params: { file: keysFile, reason: 'it is not a gradphoto keys file' } });
    if (km.backupId !== manifest.id) throw new AppError('BACKUP_KEYS_MISMATCH', { params: { file: keysFile, expected: manifest.id, actual: String(km.backupId) } });
    keysProblems.push(...checkAgainst(k.entries, km.files ?? []).map((p) => `keys file: ${p}`));
    keys = await readKeysFrom(path.resolve(keysFile), (km.files ?? []).map((f) => f.path));
  } else if (manifest.keys.included) {
    keys = await readKeysFrom(file, manifest.keys.files);
  }
  return { manifest, entries, checksumProblems, keys, keysProblems };
}

export interface RestoreOptions {
  file: string;
  keysFile?: string | undefined;
  dataDir: string;
  databaseUrl?: string | undefined;
  /** BLOB_STORE_URL: the blobs go to this S3-compatible store (its prefix must be empty) instead of <data>/blobs */
  blobStoreUrl?: string | undefined;
  /**
   * Runs once everything is in place (the CLI opens the installation as `serve` will and records the restore in its
   * chain); when it fails, the restore is undone like any other failure, so that a retry finds an empty target.
   */
  afterRestore?: ((result: RestoreResult) => Promise<void>) | undefined;
}

export interface RestoreResult {
  id: string;
  /** when the backup was made */
  createdAt: string;
  engine: BackupEngine;
  dataDir: string;
  photos: number;
  /** blobs restored (those in the backup) */
  blobs: number;
  /** blobs the database names that were missing from the store when the backup was made: not restored */
  blobsMissing: number;
  auditSeq: number;
  durationMs: number;
}

/** Gives a restored database an installation id of its own; undefined for a backup made before migration 0022. */
async function newInstallationId(dataDir: string, databaseUrl: string | undefined): Promise<string | undefined> {
  const db = openDatabase({ dataDir, databaseUrl, poolSize: 1 });
  try {
    const id = crypto.randomUUID();
    return (await renewInstallationId(db.db, id)) ? id : undefined;
  } catch {
    return undefined;
  } finally {
    await db.destroy();
  }
}

/** The installation id of a database (migration 0022). */
async function readInstallationId(dataDir: string, databaseUrl: string | undefined): Promise<string> {
  const db = openDatabase({ dataDir, databaseUrl, poolSize: 1 });
  try {
    return await getInstallationId(db.db);
  } finally {
    await db.destroy();
  }
}

function isEmptyDir(dir: string): boolean {
  return !fs.existsSync(dir) || (fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0);
}

/** `gradphoto restore FILE --data DIR [--keys FILE]` into an empty directory (and an empty PostgreSQL database). */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const file = path.resolve(opts.file);
  const dataDir = path.resolve(opts.dataDir);
  if (fs.existsSync(dataDir) && !fs.statSync(dataDir).isDirectory())
    throw new AppError('VALIDATION_FAILED', { params: { detail: `--data: ${dataDir} 不是目录 / is not a directory` }, details: { field: 'data', value: dataDir } });
  if (!isEmptyDir(dataDir)) throw new AppError('RESTORE_TARGET_NOT_EMPTY', { params: { target: dataDir }, details: { target: dataDir } });
  const opened = await openBackup(file, opts.keysFile);
  const { manifest } = opened;
  const problems = [...opened.checksumProblems, ...opened.keysProblems];
  if (problems.length) throw new AppError('BACKUP_DAMAGED', { params: { file, reason: problems.slice(0, 3).join('; ') }, details: { problems } });
  if (!opened.keys) throw new AppError('BACKUP_KEYS_REQUIRED', { params: { file } });
  if (manifest.engine === 'sqlite' && opts.databaseUrl)
    throw new AppError('BACKUP_ENGINE_MISMATCH', { params: { backup: 'SQLite', target: 'PostgreSQL (DATABASE_URL)', hint: 'unset DATABASE_URL to restore into the data directory' } });
  if (manifest.engine === 'postgres' && !opts.databaseUrl)
    throw new AppError('BACKUP_ENGINE_MISMATCH', { params: { backup: 'PostgreSQL', target: 'SQLite', hint: 'set DATABASE_URL to an empty PostgreSQL database' } });

  let target: Db | undefined;
  if (opts.databaseUrl) {
    target = openDatabase({ dataDir, databaseUrl: opts.databaseUrl, poolSize: 1 });
    try {
      if ((await countRelations(target)) > 0) throw new AppError('RESTORE_TARGET_NOT_EMPTY', { params: { target: redactUrlCredentials(opts.databaseUrl) }, details: { target: redactUrlCredentials(opts.databaseUrl) } });
    } finally {
      await target.destroy();
    }
  }
  // Before the blob store is opened: a local store makes its directory when it opens.
  const createdDir = !fs.existsSync(dataDir);
  const blobs = await openBlobStore({ url: opts.blobStoreUrl, localRoot: path.join(dataDir, 'blobs') });
  if (opts.blobStoreUrl) {
    try {
      for await (const entry of blobs.list()) {
        void entry;
        throw new AppError('RESTORE_TARGET_NOT_EMPTY', { params: { target: blobs.location }, details: { target: blobs.location } });
      }
    } catch (e) {
      await blobs.close();
      throw e;
    }
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const staging = path.join(dataDir, `.restore-${process.pid}`);
  fs.mkdirSync(staging, { mode: 0o700 });
  const expected = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  // Blob writes are durable one by one (fsync of file and directory); 16 at a time let the file system group them.
  const inFlight = new Set<Promise<void>>();
  let writeError: unknown;
  const written: string[] = [];
  let restoringDatabase = false;
  const result = (): RestoreResult => ({
    id: manifest.id,
    createdAt: manifest.createdAt,
    engine: manifest.engine,
    dataDir,
    photos: manifest.snapshot.photos,
    blobs: manifest.snapshot.blobs - manifest.blobsNotCopied.length,
    blobsMissing: blobsMissingAtBackup(manifest.blobsNotCopied),
    auditSeq: manifest.snapshot.auditSeq,
    durationMs: Date.now() - started,
  });
  try {
    const dbFile = path.join(staging, path.basename(manifest.database));
    const writeBlob = async (id: string, data: Buffer) => {
      written.push(id);
      const p = blobs.write(id, data).catch((e: unknown) => void (writeError ??= e));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= 16) await Promise.race(inFlight);
      if (writeError) throw writeError;
    };
    for await (const entry of readArchive(file)) {
      if (entry.path === manifest.database) {
        const sha = await entry.copyTo(dbFile);
        if (sha !== expected.get(entry.path)) throw new AppError('BACKUP_DAMAGED', { params: { file, reason: `${entry.path} changed while it was read` } });
        continue;
      }
      const m = BLOB_ENTRY.exec(entry.path);
      if (!m && entry.path !== CHECKPOINTS_ENTRY) continue; // keys below; the manifest
      const data = await entry.read();
      if (crypto.createHash('sha256').update(data).digest('hex') !== expected.get(entry.path)) throw new AppError('BACKUP_DAMAGED', { params: { file, reason: `${entry.path} changed while it was read` } });
      if (m) await writeBlob(m[1]! + m[2]!, data);
      else if (data.length > 0) {
        fs.mkdirSync(path.dirname(auditCheckpointFile(dataDir)), { recursive: true, mode: 0o700 });
        fs.writeFileSync(auditCheckpointFile(dataDir), data, { mode: 0o600 });
      }
    }
    await Promise.all(inFlight);
    if (writeError) throw writeError;
    const keysDir = path.join(dataDir, 'keys');
    fs.mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    for (const [name, data] of opened.keys) fs.writeFileSync(path.join(keysDir, name), data, { mode: 0o600, flag: 'wx' });
    if (manifest.engine === 'sqlite') installSqliteDatabase(dbFile, dataDir);
    else {
      restoringDatabase = true;
      await restorePostgres(opts.databaseUrl!, dbFile).catch((e: unknown) => Promise.reject(pgToolError(e)));
    }
    // A restored copy is a new installation (outside test, finding 1): with the original's id it was accepted on the
    // original's S3 prefix, and its start-up sweep removed the photos uploaded there after the backup as orphans.
    const restoredId = await newInstallationId(dataDir, opts.databaseUrl);
    // The prefix is bound to the restored installation (its marker object), so that `serve` accepts it. The id is new:
    // a marker already there (a prefix without photos still has one) can only be another installation's.
    if (opts.blobStoreUrl && restoredId !== undefined) {
      const store = blobs as S3BlobStore;
      const found = await store.readMarker();
      if (found !== null) throw new AppError('BLOB_STORE_OTHER_INSTALLATION', { params: { location: store.location, marker: INSTALLATION_MARKER, found, installation: restoredId } });
      await store.writeMarker(restoredId);
    }
    fs.rmSync(staging, { recursive: true, force: true });
    await opts.afterRestore?.(result());
  } catch (e) {
    await Promise.allSettled(inFlight);
    // What this run wrote, and only that: the database was checked empty before.
    if (restoringDatabase) await emptyScratch(opts.databaseUrl!, staging).catch(() => undefined);
    if (opts.blobStoreUrl) for (const id of written) await blobs.remove(id).catch(() => undefined);
    // Nothing half-restored is left to be mistaken for an installation.
    if (createdDir) fs.rmSync(dataDir, { recursive: true, force: true });
    else for (const name of fs.readdirSync(dataDir)) fs.rmSync(path.join(dataDir, name), { recursive: true, force: true });
    throw e;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    await blobs.close();
  }
  return result();
}

export interface VerifyBackupOptions {
  file: string;
  keysFile?: string | undefined;
  /** decrypt every blob (default: a sample) */
  all?: boolean;
  /** how many photos' blobs to decrypt when not all (default 100) */
  sample?: number;
  /** PostgreSQL backups: an EMPTY scratch database to restore the dump into (emptied again afterwards) */
  scratchDatabaseUrl?: string | undefined;
}

export interface VerifyBackupResult {
  ok: boolean;
  id: string;
  engine: BackupEngine;
  createdAt: string;
  files: { checked: number; problems: string[] };
  keys: 'included' | 'separate-file' | 'absent';
  /** false for a PostgreSQL backup verified without a scratch database */
  databaseOpened: boolean;
  audit: { ok: boolean; checked: number; checkpoints: number; problem: string | null } | null;
  blobs: { named: number; present: number; missing: number; shreddedAfterSnapshot: number; decrypted: number; decryptFailed: number; originalsMatched: number };
  problems: string[];
}

/** `gradphoto backup verify FILE [--keys FILE] [--all]`: never writes to the installation; works in a private directory beside the file. */
export async function verifyBackup(opts: VerifyBackupOptions): Promise<VerifyBackupResult> {
  const file = path.resolve(opts.file);
  const opened = await openBackup(file, opts.keysFile);
  const { manifest } = opened;
  const problems = [...opened.checksumProblems, ...opened.keysProblems];
  const result: VerifyBackupResult = {
    ok: false,
    id: manifest.id,
    engine: manifest.engine,
    createdAt: manifest.createdAt,
    files: { checked: manifest.files.length, problems: [...opened.checksumProblems] },
    keys: opts.keysFile ? 'separate-file' : manifest.keys.included ? 'included' : 'absent',
    databaseOpened: false,
    audit: null,
    blobs: { named: 0, present: 0, missing: 0, shreddedAfterSnapshot: 0, decrypted: 0, decryptFailed: 0, originalsMatched: 0 },
    problems,
  };
  if (!opened.keys) problems.push('no keys: the photos cannot be decrypted nor the audit chain verified (give --keys FILE)');
  const work = workDir(file);
  let db: Db | undefined;
  let scratchUsed = false;
  try {
    // A data directory of its own: the snapshot, the checkpoints and the keys, as a restore would lay them out.
    for await (const entry of readArchive(file)) {
      if (entry.path === manifest.database && manifest.engine === 'sqlite') await entry.copyTo(path.join(work, 'gradphoto.sqlite'));
      else if (entry.path === manifest.database) await entry.copyTo(path.join(work, 'gradphoto.pgdump'));
      else if (entry.path === CHECKPOINTS_ENTRY) {
        fs.mkdirSync(path.join(work, 'audit'), { mode: 0o700 });
        fs.writeFileSync(auditCheckpointFile(work), await entry.read(), { mode: 0o600 });
      }
    }
    if (opened.keys) {
      fs.mkdirSync(path.join(work, 'keys'), { mode: 0o700 });
      for (const [name, data] of opened.keys) fs.writeFileSync(path.join(work, 'keys', name), data, { mode: 0o600 });
    }
    if (manifest.engine === 'sqlite') {
      db = openDatabase({ dataDir: work });
    } else if (opts.scratchDatabaseUrl) {
      db = openDatabase({ dataDir: work, databaseUrl: opts.scratchDatabaseUrl, poolSize: 2 });
      if ((await countRelations(db)) > 0) throw new AppError('RESTORE_TARGET_NOT_EMPTY', { params: { target: redactUrlCredentials(opts.scratchDatabaseUrl) } });
      scratchUsed = true;
      await restorePostgres(opts.scratchDatabaseUrl, path.join(work, 'gradphoto.pgdump')).catch((e: unknown) => Promise.reject(pgToolError(e)));
    } else {
      await listPostgresDump(path.join(work, 'gradphoto.pgdump')).catch((e: unknown) => {
        const err = pgToolError(e);
        if (err instanceof AppError && err.code === 'PG_TOOL_FAILED') problems.push(`${PGDUMP_ENTRY} is not a readable dump`);
        else throw err;
      });
    }
    if (db) {
      result.databaseOpened = true;
      const head = await auditRepo.getAuditHead(db.db);
      if (head.seq !== manifest.snapshot.auditSeq || head.hash !== manifest.snapshot.auditHash) problems.push(`the database's audit head (${head.seq}) is not the manifest's (${manifest.snapshot.auditSeq})`);
      const auditKey = opened.keys?.get('audit.key');
      if (auditKey) {
        const key = Buffer.from(auditKey.toString('utf8').trim(), 'base64');
        if (head.keyId && computeAuditKeyId(key) !== head.keyId) problems.push('the audit key is not the one the audit log is written with');
        else {
          const r = await verifyAuditChain({ db, audit: { key, checkpoints: createAuditCheckpointStore({ dataDir: work }), everyEvents: 100, everyMinutes: 5 } });
          result.audit = { ok: r.ok, checked: r.checked, checkpoints: r.checkpoints, problem: r.problem };
          if (!r.ok) problems.push(`audit chain: ${r.problem ?? 'broken'}`);
        }
      }
      const keyring = opened.keys && [...opened.keys.keys()].some((n) => n.startsWith('photo-kek.')) ? await openPhotoKeyring(work) : null;
      const notCopied = new Map(manifest.blobsNotCopied.map((b) => [b.id, b.reason]));
      const sample = opts.sample ?? 100;
      // Which photos to decrypt: all, or an even spread over the id order (ids are random).
      const photos = await backupRepo.countPhotos(db.db);
      const every = opts.all || photos <= sample ? 1 : Math.ceil(photos / Math.max(1, sample));
      const chosen = new Set<string>();
      let photoIndex = 0;
      const seenPhotos = new Set<string>();
      const handle = await fs.promises.open(file, 'r');
      try {
        for await (const row of backupRepo.iterateBlobRows(db.db)) {
          result.blobs.named++;
          const name = blobEntryName(row.id);
          const pos = opened.entries.get(name);
          if (!pos) {
            if (notCopied.get(row.id) === 'shredded-after-snapshot') result.blobs.shreddedAfterSnapshot++;
            else {
              result.blobs.missing++;
              if (result.blobs.missing <= 5) problems.push(`blob ${row.id} (${row.kind} of photo ${row.photoId}) is not in the backup`);
            }
            continue;
          }
          result.blobs.present++;
          if (!seenPhotos.has(row.photoId)) {
            seenPhotos.add(row.photoId);
            if (photoIndex++ % every === 0) chosen.add(row.photoId);
          }
          if (!keyring || !chosen.has(row.photoId)) continue;
          const sealed = Buffer.allocUnsafe(pos.size);
          await handle.read(sealed, 0, pos.size, pos.offset);
          try {
            const plain = openBlob(keyring, row.id, sealed, row.wrappedKey, row.kekVersion);
            result.blobs.decrypted++;
            if (row.kind === 'original') {
              if (crypto.createHash('sha256').update(plain).digest('hex') === row.photoSha256) result.blobs.originalsMatched++;
              else problems.push(`the original of photo ${row.photoId} decrypts to other bytes than were uploaded`);
            }
          } catch {
            result.blobs.decryptFailed++;
            if (result.blobs.decryptFailed <= 5) problems.push(`blob ${row.id} (${row.kind} of photo ${row.photoId}) does not decrypt`);
          }
        }
      } finally {
        await handle.close();
      }
      if (result.blobs.missing > 5) problems.push(`${result.blobs.missing} blobs in all are not in the backup`);
      if (result.blobs.decryptFailed > 5) problems.push(`${result.blobs.decryptFailed} blobs in all do not decrypt`);
    } else if (manifest.engine === 'postgres') {
      // Without a database the rows are unknown: at least every blob the manifest listed is there, and the blobs the
      // backup itself could not copy (missing from the store when it was made) make it incomplete (outside test: this
      // said "backup OK" for a backup that had printed a warning about 4 missing blobs).
      result.blobs.present = [...opened.entries.keys()].filter((p) => BLOB_ENTRY.test(p)).length;
      result.blobs.missing = blobsMissingAtBackup(manifest.blobsNotCopied);
      result.blobs.shreddedAfterSnapshot = manifest.blobsNotCopied.length - result.blobs.missing;
      if (result.blobs.missing) problems.push(`${result.blobs.missing} blobs named by rows were missing from the photo store when the backup was made: they are not in the backup`);
    }
  } finally {
    await db?.destroy();
    if (scratchUsed && opts.scratchDatabaseUrl) await emptyScratch(opts.scratchDatabaseUrl, work);
    fs.rmSync(work, { recursive: true, force: true });
  }
  result.ok = problems.length === 0;
  return result;
}

/** Drops what a verification restored into the scratch database (it was empty before). */
async function emptyScratch(url: string, dataDir: string): Promise<void> {
  const db = openDatabase({ dataDir, databaseUrl: url, poolSize: 1 });
  try {
    await dropAllRelations(db);
  } finally {
    await db.destroy();
  }
}

/**
 * One audit event for a backup made (a full copy of the personal data left the installation: who, when, which
 * backup, counts — never a file name beyond the backup's own) or an installation restored from one (written into
 * the restored chain, after the snapshot's head).
 */
export async function recordBackupEvent(
  deps: ServiceDeps,
  actor: Actor,
  event: { action: 'backup.created'; backup: BackupResult } | { action: 'backup.restored'; restore: RestoreResult },
): Promise<void> {
  const details =
    event.action === 'backup.created'
      ? { backupId: event.backup.id, engine: event.backup.engine, photos: event.backup.photos, blobs: event.backup.blobs, bytes: event.backup.bytes, auditSeq: event.backup.auditSeq, keysApart: event.backup.keysFile !== null }
      : { backupId: event.restore.id, engine: event.restore.engine, backupCreatedAt: event.restore.createdAt, photos: event.restore.photos, blobs: event.restore.blobs, auditSeq: event.restore.auditSeq };
  await recordAuditEvent(deps, actor, { action: event.action, targetType: 'backup', targetId: details.backupId, details });
}
