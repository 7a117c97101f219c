// The database side of backup and restore (issue 11 section 2, docs/decisions/0030-backup-restore.md).
// SQLite: the online backup API on a connection of its own, all pages in ONE step, so the copy is one read
// transaction (WAL: writers carry on; a step split in several would restart whenever the server writes).
// PostgreSQL: pg_dump in the custom format on a snapshot exported by a REPEATABLE READ transaction that the
// caller keeps open meanwhile, so that the caller reads the very same state (which blobs rows name) as the dump.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import type { Db, Tx } from './database.js';
import { sqliteDatabaseFile } from './database.js';

/** Copies the SQLite database of `dataDir` to `target` (a new file) while other processes may write. */
export async function snapshotSqlite(dataDir: string, target: string): Promise<void> {
  const source = new SqliteDatabase(sqliteDatabaseFile(dataDir), { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    for (let attempt = 1; ; attempt++) {
      try {
        await source.backup(target, { progress: () => 0x7fffffff });
        break;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') || attempt >= 20) throw e;
        await fs.promises.rm(target, { force: true });
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  } finally {
    source.close();
  }
  // One self-contained file: the copy leaves WAL mode (a snapshot has no writer) and is checked.
  const copy = new SqliteDatabase(target);
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') throw new Error(`the database snapshot does not pass quick_check: ${check}`);
  } finally {
    copy.close();
  }
}

/** Puts a restored SQLite file in place as the data directory's database (WAL mode again, as the server runs it). */
export function installSqliteDatabase(source: string, dataDir: string): void {
  const target = sqliteDatabaseFile(dataDir);
  fs.renameSync(source, target);
  const db = new SqliteDatabase(target, { fileMustExist: true });
  try {
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

/**
 * Runs `work` inside a read-only REPEATABLE READ transaction whose snapshot is exported (pg_export_snapshot):
 * pg_dump --snapshot=<id> started from `work` dumps exactly what `tx` reads.
 */
export async function withExportedSnapshot<T>(handle: Db, work: (snapshotId: string, tx: Tx) => Promise<T>): Promise<T> {
  if (handle.dialect !== 'postgres') throw new Error('withExportedSnapshot is for PostgreSQL');
  return handle.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (tx) => {
      const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(tx);
      return work(rows[0]!.id, tx);
    });
}

/** Tables, views and sequences in the connection's current schema: a database to restore into must have none. */
export async function countRelations(handle: Db): Promise<number> {
  if (handle.dialect === 'postgres') {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relkind in ('r', 'v', 'S', 'p', 'm')`.execute(handle.db);
    return rows[0]!.n;
  }
  const { rows } = await sql<{ n: number }>`select count(*) as n from sqlite_master where type in ('table', 'view')`.execute(handle.db);
  return rows[0]!.n;
}

export class PgToolMissingError extends Error {
  constructor(readonly tool: string) {
    super(`${tool} not found`);
  }
}

/**
 * The PostgreSQL client program `tool` (pg_dump, pg_restore): the highest version under /usr/lib/postgresql/N/bin
 * (Debian's layout; a newer pg_dump reads older servers, never the reverse), else $PATH.
 */
export function findPgTool(tool: 'pg_dump' | 'pg_restore'): string {
  const base = '/usr/lib/postgresql';
  if (fs.existsSync(base)) {
    const versions = fs
      .readdirSync(base)
      .filter((v) => fs.existsSync(path.join(base, v, 'bin', tool)))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0]) return path.join(base, versions[0], 'bin', tool);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, tool))) return path.join(dir, tool);
  }
  throw new PgToolMissingError(tool);
}

export class PgToolFailedError extends Error {
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${tool} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

function run(tool: string, args: string[]): Promise<void> {
  const file = findPgTool(tool as 'pg_dump' | 'pg_restore');
  return new Promise((resolve, reject) => {
    // The connection string goes in as an argument, never through a shell; the password is not logged.
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new PgToolFailedError(tool, code, stderr.replace(/postgres(ql)?:\/\/[^\s"']*/g, 'postgres://…')))));
  });
}

/** pg_dump of the snapshot into `target` (custom format, no owners or grants: restorable under another role). */
export function dumpPostgres(databaseUrl: string, snapshotId: string, target: string): Promise<void> {
  return run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${snapshotId}`, `--file=${target}`, `--dbname=${databaseUrl}`]);
}

/** pg_restore of a dump into an empty database, all or nothing. */
export function restorePostgres(databaseUrl: string, dump: string): Promise<void> {
  return run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${databaseUrl}`, dump]);
}

/** pg_restore --list: the dump's table of contents reads (a check without a database). */
export function listPostgresDump(dump: string): Promise<void> {
  return run('pg_restore', ['--list', dump]);
}

/** Drops every table, sequence and function of the current schema: a scratch database emptied after a verification. */
export async function dropAllRelations(handle: Db): Promise<void> {
  if (handle.dialect !== 'postgres') throw new Error('dropAllRelations is for PostgreSQL');
  await sql`do $$ declare r record; begin
    for r in select tablename from pg_tables where schemaname = current_schema() loop execute 'drop table if exists ' || quote_ident(r.tablename) || ' cascade'; end loop;
    for r in select sequence_name from information_schema.sequences where sequence_schema = current_schema() loop execute 'drop sequence if exists ' || quote_ident(r.sequence_name) || ' cascade'; end loop;
    for r in select p.oid::regprocedure as f from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = current_schema() loop execute 'drop function if exists ' || r.f || ' cascade'; end loop;
  end $$`.execute(handle.db);
}
