// migrateToLatest: a migration that fails is a named error (DATABASE_MIGRATION_FAILED) that says which migration and
// why, in Chinese and in English, and the CLI exits 1 with it (not a bare English `Error`).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../domain/errors.js';
import { translateAppError } from '../domain/i18n.js';
import { migrateToLatest, openDatabase } from './database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrateToLatest', () => {
  it('names the failed migration and its reason in both languages (DATABASE_MIGRATION_FAILED)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-migrate-'));
    dirs.push(dataDir);
    const handle = openDatabase({ dataDir });
    try {
      // a table in the way of the first migration, as a database of some other program would have
      await sql`create table campaigns (x integer)`.execute(handle.db);
      const error = await migrateToLatest(handle, {}).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isAppError(error)).toBe(true);
      if (!isAppError(error)) return;
      expect(error.code).toBe('DATABASE_MIGRATION_FAILED');
      expect(error.message).toMatch(/^database migration 0001-foundation failed: .*campaigns/);
      expect(error.params.migration).toBe('0001-foundation');
      const zh = translateAppError(error, 'zh');
      const en = translateAppError(error, 'en');
      expect(zh).toContain('数据库升级失败（迁移 0001-foundation）');
      expect(zh).toContain('campaigns');
      expect(en).toContain('The database upgrade failed (migration 0001-foundation)');
      expect(en).toContain('already exists');
    } finally {
      await handle.destroy();
    }
  });

  it('on SQLite a migration that fails half-way leaves nothing of itself: the database is as before and a later start migrates it (was: half-applied, refused for ever)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-migrate-'));
    dirs.push(dataDir);
    const handle = openDatabase({ dataDir });
    const tables = async () => (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(handle.db)).rows.map((r) => r.name);
    const applied = async () => (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(handle.db)).rows.map((r) => r.name);
    try {
      const context = { auditKey: crypto.randomBytes(32) };
      await migrateToLatest(handle, context, '0010-login-throttle');
      // 0011 creates collection_codes and queue_counters, then fails on queue_tickets (in the way), as a start-up
      // killed in the middle of it would stop there
      await sql`create table queue_tickets (x integer)`.execute(handle.db);
      const error = await migrateToLatest(handle, context).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isAppError(error) && error.params.migration).toBe('0011-checkin-queue');
      expect(await tables()).not.toContain('collection_codes');
      expect(await tables()).not.toContain('queue_counters');
      expect((await applied()).at(-1)).toBe('0010-login-throttle');
      // the cause removed, the next start migrates to the latest
      await sql`drop table queue_tickets`.execute(handle.db);
      await migrateToLatest(handle, context);
      expect(await tables()).toEqual(expect.arrayContaining(['collection_codes', 'queue_counters', 'queue_tickets', 'installation']));
    } finally {
      await handle.destroy();
    }
  });
});
