import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { DatabaseConnection, Dialect, Driver, Kysely as KyselyType, MigrationProvider } from 'kysely';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { createRequire } from 'node:module';
import type pgModule from 'pg';
import { AppError } from '../domain/errors.js';
import { redactUrlCredentials } from '../domain/redact-url.js';
import * as foundation from './migrations/0001-foundation.js';
import * as scheduleBookings from './migrations/0002-schedule-bookings.js';
import * as totpReplay from './migrations/0003-totp-replay.js';
import * as photos from './migrations/0004-photos.js';
import * as oidc from './migrations/0007-oidc.js';
import * as mailJobs from './migrations/0006-mail-jobs.js';
import * as stations from './migrations/0005-stations.js';
import * as auditKeyed from './migrations/0008-audit-keyed.js';
import * as idempotencyState from './migrations/0009-idempotency-state.js';
import type { MigrationContext } from './migrations/0008-audit-keyed.js';
import * as loginThrottle from './migrations/0010-login-throttle.js';
import * as checkinQueue from './migrations/0011-checkin-queue.js';
import * as payments from './migrations/0012-payments.js';
import * as reviewConfirmation from './migrations/0013-review-confirmation.js';
import * as oneCalledPerStation from './migrations/0014-one-called-per-station.js';
import * as registryExports from './migrations/0015-registry-exports.js';
import * as registryAnswers from './migrations/0016-registry-answers.js';
import * as prints from './migrations/0017-prints.js';
import * as makeup from './migrations/0018-makeup.js';
import * as retention from './migrations/0019-retention.js';
import * as dashboardIndexes from './migrations/0020-dashboard-indexes.js';
import * as auditPending from './migrations/0021-audit-pending.js';
import * as installation from './migrations/0022-installation.js';
import * as keyChecks from './migrations/0023-key-checks.js';
import * as paymentOutlet from './migrations/0024-payment-outlet.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  db: KyselyType<Database>;
  dialect: DialectName;
  /** what refusals name: the PostgreSQL URL without its credentials, or the SQLite file */
  location?: string;
  destroy(): Promise<void>;
}

export type Tx = KyselyType<Database>;

/**
 * Writes on SQLite begin with BEGIN IMMEDIATE: a DEFERRED transaction that later upgrades to a write
 * fails at once with "database is locked" and ignores busy_timeout (PITFALLS F16).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite runs DDL inside transactions, although Kysely's adapter says it does not: saying so makes the migrator
 * run the pending migrations in one transaction, so a start-up killed or failing in the middle of a migration
 * (Ctrl-C at the first `npm start`, a power cut during an upgrade) leaves the database as it was before, not
 * half-migrated and refusing every later start (outside test: "duplicate column name" for ever after).
 * No migration uses a statement SQLite refuses in a transaction (PRAGMA foreign_keys, VACUUM).
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

function createSqliteDialect(file: string): Dialect {
  return {
    createAdapter: () => new TransactionalDdlSqliteAdapter(),
    createDriver: (): Driver =>
      new ImmediateSqliteDriver({
        database: async () => {
          const sqlite = new SqliteDatabase(file);
          sqlite.pragma('journal_mode = WAL');
          // FULL: an acknowledged commit survives a power cut (PITFALLS F17).
          sqlite.pragma('synchronous = FULL');
          sqlite.pragma('busy_timeout = 10000');
          sqlite.pragma('foreign_keys = ON');
          return sqlite;
        },
      }),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

let pgDriver: typeof pgModule | undefined;
/**
 * The PostgreSQL driver, loaded on first use: a command on SQLite (most `gradphoto` runs, every SQLite test)
 * does not pay for it (with Node's net/tls it is 130–350 ms of start-up here).
 */
export function loadPg(): typeof pgModule {
  if (!pgDriver) {
    pgDriver = createRequire(import.meta.url)('pg') as typeof pgModule;
    // PostgreSQL returns bigint (count(*), bigserial ids) as text; they stay far below 2^53 here.
    pgDriver.types.setTypeParser(20, (v) => Number(v));
  }
  return pgDriver;
}

export interface OpenDatabaseOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** PostgreSQL schema to use (tests give each run its own); default public. */
  pgSchema?: string;
  poolSize?: number;
}

export function sqliteDatabaseFile(dataDir: string): string {
  return path.join(dataDir, 'gradphoto.sqlite');
}

export function sqliteDatabaseExists(dataDir: string): boolean {
  return fs.existsSync(sqliteDatabaseFile(dataDir));
}

export function openDatabase(opts: OpenDatabaseOptions): Db {
  if (opts.databaseUrl && /^postgres(ql)?:/.test(opts.databaseUrl)) {
    const pool = new (loadPg().Pool)({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    });
    // An idle connection closed by the server (restart, failover, a dropped test database) must not
    // crash the process: the pool replaces it on the next query.
    pool.on('error', (err) => {
      process.emitWarning(`PostgreSQL idle connection error: ${err.message}`);
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', location: redactUrlCredentials(opts.databaseUrl), destroy: () => db.destroy() };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const file = sqliteDatabaseFile(opts.dataDir);
  const db = new Kysely<Database>({ dialect: createSqliteDialect(file) });
  return { db, dialect: 'sqlite', location: file, destroy: () => db.destroy() };
}

const MIGRATIONS = { '0001-foundation': foundation, '0002-schedule-bookings': scheduleBookings, '0003-totp-replay': totpReplay, '0004-photos': photos, '0006-mail-jobs': mailJobs, '0005-stations': stations, '0007-oidc': oidc, '0008-audit-keyed': auditKeyed, '0009-idempotency-state': idempotencyState, '0010-login-throttle': loginThrottle, '0011-checkin-queue': checkinQueue, '0012-payments': payments, '0013-review-confirmation': reviewConfirmation, '0014-one-called-per-station': oneCalledPerStation, '0015-registry-exports': registryExports, '0016-registry-answers': registryAnswers, '0017-prints': prints, '0018-makeup': makeup, '0019-retention': retention, '0020-dashboard-indexes': dashboardIndexes, '0021-audit-pending': auditPending, '0022-installation': installation, '0023-key-checks': keyChecks, '0024-payment-outlet': paymentOutlet };

export type { MigrationContext };

/** Connection refusals of Node and PostgreSQL: no such host, nothing listening, wrong password or database, starting up. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', '28P01', '28000', '3D000', '57P03']);

function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE.has(code);
}

/** `context` carries what a migration needs from outside the database (the audit key for 0008). `upTo`: tests only. */
export async function migrateToLatest(handle: Db, context: MigrationContext, upTo?: keyof typeof MIGRATIONS): Promise<void> {
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(
        Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db: KyselyType<unknown>) => m.up(db as never, handle.dialect as never, context as never) }]),
      ),
  };
  const migrator = new Migrator({ db: handle.db, provider });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  // Not a migration that failed: the database was never reached (server down, wrong host, password or name).
  if (error && !failed && isUnreachable(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    const where = handle.location ?? handle.dialect;
    throw new AppError('DATABASE_UNAVAILABLE', { params: { where, reason }, details: { where }, message: `the database ${where} cannot be reached: ${reason}` });
  }
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error);
    const migration = failed?.migrationName ?? '?';
    throw new AppError('DATABASE_MIGRATION_FAILED', { params: { migration, reason }, details: { migration }, message: `database migration ${migration} failed: ${reason}` });
  }
}
