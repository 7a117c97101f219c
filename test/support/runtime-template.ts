// Migrated databases built once per test run (by the unit project's global setup) and copied for every test
// runtime, instead of running every migration again for each of the hundreds of runtimes the tests open
// (~170 ms each on SQLite, more on PostgreSQL). The copy is then opened by the production openRuntime, whose
// migrateToLatest finds nothing to do: the code path a test exercises is unchanged.
//
// Only the database and the audit key travel: the audit log's head names the key it is written with, so the
// copy needs that key; the master key and the photo key are created afresh in each test's data directory, and so
// is what a migration makes at random for each database (the installation id, migration 0022), and the template's
// key check values are cleared (migration 0023: they name the template's keys): each copy is then what a fresh
// migration would have given.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openRuntime } from '../../src/services/runtime.js';
import { createScratchDatabase } from './postgres.js';

export interface RuntimeTemplates {
  /** a data directory holding a migrated gradphoto.sqlite and its keys/audit.key */
  sqliteDir: string;
  /** a migrated PostgreSQL database on the tests' server, and the data directory holding its audit key */
  postgres: { database: string; keysDir: string };
}

const AUDIT_KEY = path.join('keys', 'audit.key');

export async function buildRuntimeTemplates(postgresUrl: string): Promise<{ templates: RuntimeTemplates; remove(): Promise<void> }> {
  const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-template-sqlite-'));
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-template-pg-'));
  await (await openRuntime({ dataDir: sqliteDir })).close();
  const scratch = await createScratchDatabase(postgresUrl, 'gp_template');
  await (await openRuntime({ dataDir: keysDir, databaseUrl: scratch.url })).close();
  return {
    templates: { sqliteDir, postgres: { database: new URL(scratch.url).pathname.slice(1), keysDir } },
    remove: async () => {
      await scratch.drop();
      for (const dir of [sqliteDir, keysDir]) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function copyAuditKey(fromDir: string, dataDir: string): void {
  fs.mkdirSync(path.join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  fs.copyFileSync(path.join(fromDir, AUDIT_KEY), path.join(dataDir, AUDIT_KEY));
}

/** Puts a copy of the migrated SQLite database (and its audit key) into an empty data directory. */
export function copySqliteTemplate(templates: RuntimeTemplates, dataDir: string): void {
  const file = path.join(dataDir, 'gradphoto.sqlite');
  fs.copyFileSync(path.join(templates.sqliteDir, 'gradphoto.sqlite'), file);
  copyAuditKey(templates.sqliteDir, dataDir);
  const db = new Database(file);
  try {
    if (db.prepare("select 1 from sqlite_master where type = 'table' and name = 'installation'").get()) db.prepare('update installation set id = ?, master_key_check = null, photo_key_checks = null').run(crypto.randomUUID());
  } finally {
    db.close();
  }
}

/** A new database on the server of `postgresUrl`, copied from the migrated template; the audit key into `dataDir`. */
export async function copyPostgresTemplate(templates: RuntimeTemplates, postgresUrl: string, dataDir: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${templates.postgres.database}`);
  } finally {
    await admin.end();
  }
  copyAuditKey(templates.postgres.keysDir, dataDir);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const copy = new pg.Client({ connectionString: url.toString() });
  await copy.connect();
  try {
    if ((await copy.query("select to_regclass('installation') as t")).rows[0]?.t) await copy.query('update installation set id = $1, master_key_check = null, photo_key_checks = null', [crypto.randomUUID()]);
  } finally {
    await copy.end();
  }
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
