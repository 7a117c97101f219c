import type { Db, Tx } from '../db/database.js';
import type { AuditEventsTable } from '../db/schema.js';
import type { AuditRecord } from '../domain/audit.js';
import { AUDIT_GENESIS_HASH, computeAuditHash } from '../domain/audit.js';

type EventColumns = Omit<AuditEventsTable, 'seq' | 'prev_hash' | 'hash'>;

/** An event's columns (chained or pending) from its record. */
function eventColumns(e: Omit<AuditRecord, 'seq'>): EventColumns {
  return { at: e.at, actor_id: e.actorId, actor_name: e.actorName, actor_role: e.actorRole, action: e.action, target_type: e.targetType, target_id: e.targetId, ip: e.ip, result: e.result, details: e.details };
}

/** An event's record, as hashed, from its columns and its place in the chain. */
export function auditRecordOf(c: EventColumns, seq: number): AuditRecord {
  return { seq, at: c.at, actorId: c.actor_id, actorName: c.actor_name, actorRole: c.actor_role, action: c.action, targetType: c.target_type, targetId: c.target_id, ip: c.ip, result: c.result as AuditRecord['result'], details: c.details };
}

/**
 * Appends one event to the keyed hash chain inside the caller's transaction; the head row serialises appends.
 * `key` is the audit key (never stored in the database). SQLite's path (decision 0032).
 */
export async function appendAuditEvent(tx: Tx, dialect: Db['dialect'], key: Buffer, event: Omit<AuditRecord, 'seq'>): Promise<AuditRecord & { hash: string }> {
  let headQuery = tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
  if (dialect === 'postgres') headQuery = headQuery.forUpdate();
  const head = await headQuery.executeTakeFirstOrThrow();
  const record: AuditRecord = { ...event, seq: head.seq + 1 };
  const hash = computeAuditHash(key, head.hash, record);
  await tx
    .insertInto('audit_events')
    .values({ ...eventColumns(record), seq: record.seq, prev_hash: head.hash, hash })
    .execute();
  const updated = await tx.updateTable('audit_head').set({ seq: record.seq, hash }).where('id', '=', 1).where('seq', '=', head.seq).executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new Error('audit head moved during append');
  return { ...record, hash };
}

/**
 * PostgreSQL: writes events into `audit_pending` inside the caller's transaction, taking no lock another write
 * waits on; `chainPendingAuditEvents` gives them their place in the chain after the commit (decision 0032).
 */
export async function insertPendingAuditEvents(tx: Tx, events: Omit<AuditRecord, 'seq'>[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insertInto('audit_pending').values(events.map(eventColumns)).execute();
}

/**
 * Chains up to `limit` committed pending events, oldest first, in one transaction: the head row is locked (a
 * chainer in another process waits here, then finds only what is left), each event gets the next sequence
 * number and its keyed hash, the pending rows are removed and the head moves to the last one. Answers how many.
 */
export async function chainPendingAuditEvents(db: Db['db'], key: Buffer, limit: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const head = await tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
    const pending = await tx.selectFrom('audit_pending').selectAll().orderBy('id').limit(limit).execute();
    if (pending.length === 0) return 0;
    let prev = head.hash;
    const rows = pending.map(({ id: _id, ...columns }, i) => {
      const seq = head.seq + i + 1;
      const hash = computeAuditHash(key, prev, auditRecordOf(columns, seq));
      const row = { ...columns, seq, prev_hash: prev, hash };
      prev = hash;
      return row;
    });
    await tx.insertInto('audit_events').values(rows).execute();
    await tx
      .deleteFrom('audit_pending')
      .where(
        'id',
        'in',
        pending.map((p) => p.id),
      )
      .execute();
    const last = rows[rows.length - 1]!;
    const updated = await tx.updateTable('audit_head').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).where('seq', '=', head.seq).executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new Error('audit head moved during chaining');
    return rows.length;
  });
}

/** How many events wait to be chained (PostgreSQL; 0 on SQLite). */
export async function countPendingAuditEvents(db: Tx): Promise<number> {
  const row = await db.selectFrom('audit_pending').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
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
