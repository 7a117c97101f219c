// What someone with write access to the database (but not the audit key, nor the checkpoints kept outside
// it) does to the audit log: issue 8 finding 4. Written out here, independent of the code under test.
import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import type { AuditEventsTable } from '../../src/db/schema.js';
import { AUDIT_GENESIS_HASH, canonicalJson, type AuditRecord, type AuditResult } from '../../src/domain/audit.js';

/** The fields the chain covers, as the chain's own code passes them. */
export function auditRecordOf(row: AuditEventsTable): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    actorId: row.actor_id,
    actorName: row.actor_name,
    actorRole: row.actor_role,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    result: row.result as AuditResult,
    details: row.details,
  };
}

/** A hash as an attacker without the audit key computes it: plain SHA-256 (the scheme before 0008), or HMAC under a guessed key. */
export function forgeAuditHash(prevHash: string, row: AuditEventsTable, guessedKey?: Buffer): string {
  const h = guessedKey ? crypto.createHmac('sha256', guessedKey) : crypto.createHash('sha256');
  return h.update(prevHash).update('\n').update(canonicalJson(auditRecordOf(row))).digest('hex');
}

/**
 * The first step with write access to the SQLite file or owner rights on PostgreSQL: drop migration 0008's
 * append-only triggers. `if exists`: the same steps ran against the code before that migration.
 */
export async function dropAppendOnlyTriggers(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'postgres') {
    for (const [trigger, table] of [['audit_events_append_only', 'audit_events'], ['audit_events_no_truncate', 'audit_events'], ['audit_head_forward_only', 'audit_head'], ['audit_head_no_truncate', 'audit_head']]) {
      await sql.raw(`drop trigger if exists ${trigger} on ${table}`).execute(db);
    }
  } else {
    for (const trigger of ['audit_events_no_update', 'audit_events_no_delete', 'audit_head_forward_only', 'audit_head_no_delete']) await sql.raw(`drop trigger if exists ${trigger}`).execute(db);
  }
}

/** Rewrites every hash from event 1 on with `forge` and moves the head to the new end: a recomputed chain. */
export async function recomputeWholeAuditChain(db: Kysely<Database>, forge: (prev: string, row: AuditEventsTable) => string): Promise<void> {
  let prev = AUDIT_GENESIS_HASH;
  for (const row of await db.selectFrom('audit_events').selectAll().orderBy('seq').execute()) {
    const hash = forge(prev, row);
    await db.updateTable('audit_events').set({ prev_hash: prev, hash }).where('seq', '=', row.seq).execute();
    prev = hash;
  }
  await db.updateTable('audit_head').set({ hash: prev }).where('id', '=', 1).execute();
}

/** Cuts off the last `count` events and moves the head back to the new last one (whose hash is genuine). */
export async function truncateAuditTail(db: Kysely<Database>, count: number): Promise<{ keep: number; removed: number }> {
  const all = await db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq').execute();
  const keep = all.length - count;
  await db.deleteFrom('audit_events').where('seq', '>', keep).execute();
  await db.updateTable('audit_head').set({ seq: keep, hash: keep > 0 ? all[keep - 1]!.hash : AUDIT_GENESIS_HASH }).where('id', '=', 1).execute();
  return { keep, removed: count };
}
