import type { Db, Tx } from '../db/database.js';
import type { AuditEventsTable } from '../db/schema.js';
import type { AuditRecord } from '../domain/audit.js';
import { AUDIT_GENESIS_HASH, computeAuditHash } from '../domain/audit.js';

/**
 * Appends one event to the keyed hash chain inside the caller's transaction; the head row serialises appends.
 * `key` is the audit key (never stored in the database).
 */
export async function appendAuditEvent(tx: Tx, dialect: Db['dialect'], key: Buffer, event: Omit<AuditRecord, 'seq'>): Promise<AuditRecord & { hash: string }> {
  let headQuery = tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
  if (dialect === 'postgres') headQuery = headQuery.forUpdate();
  const head = await headQuery.executeTakeFirstOrThrow();
  const record: AuditRecord = { ...event, seq: head.seq + 1 };
  const hash = computeAuditHash(key, head.hash, record);
  await tx
    .insertInto('audit_events')
    .values({
      seq: record.seq,
      at: record.at,
      actor_id: record.actorId,
      actor_name: record.actorName,
      actor_role: record.actorRole,
      action: record.action,
      target_type: record.targetType,
      target_id: record.targetId,
      ip: record.ip,
      result: record.result,
      details: record.details,
      prev_hash: head.hash,
      hash,
    })
    .execute();
  const updated = await tx.updateTable('audit_head').set({ seq: record.seq, hash }).where('id', '=', 1).where('seq', '=', head.seq).executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new Error('audit head moved during append');
  return { ...record, hash };
}

export type AuditEventRow = AuditEventsTable;

export interface AuditFilter {
  action?: string | undefined;
  actor?: string | undefined;
  targetId?: string | undefined;
  result?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export async function listAuditEvents(db: Tx, filter: AuditFilter, page: number, pageSize: number): Promise<{ rows: AuditEventsTable[]; total: number }> {
  let q = db.selectFrom('audit_events');
  if (filter.action) q = q.where('action', '=', filter.action);
  if (filter.actor) q = q.where('actor_name', '=', filter.actor);
  if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
  if (filter.result) q = q.where('result', '=', filter.result);
  if (filter.from) q = q.where('at', '>=', filter.from);
  if (filter.to) q = q.where('at', '<=', filter.to);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .execute();
  return { rows, total: Number(total.n) };
}

export async function listDistinctAuditActions(db: Tx): Promise<string[]> {
  const rows = await db.selectFrom('audit_events').select('action').distinct().orderBy('action').execute();
  return rows.map((r) => r.action);
}

/** Streams the chain in order from event `after + 1`, in pages, so that verification runs in bounded memory. */
export async function* iterateAuditEvents(db: Tx, after = 0, pageSize = 5000): AsyncGenerator<AuditEventsTable> {
  for (;;) {
    const rows = await db.selectFrom('audit_events').selectAll().where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
    if (rows.length === 0) return;
    yield* rows;
    after = rows[rows.length - 1]!.seq;
  }
}

export async function getAuditHead(db: Tx): Promise<{ seq: number; hash: string; keyId: string | null }> {
  const head = await db.selectFrom('audit_head').select(['seq', 'hash', 'key_id']).where('id', '=', 1).executeTakeFirst();
  return head ? { seq: head.seq, hash: head.hash, keyId: head.key_id } : { seq: 0, hash: AUDIT_GENESIS_HASH, keyId: null };
}

export async function findAuditEvent(db: Tx, seq: number): Promise<AuditEventsTable | undefined> {
  return db.selectFrom('audit_events').selectAll().where('seq', '=', seq).executeTakeFirst();
}
