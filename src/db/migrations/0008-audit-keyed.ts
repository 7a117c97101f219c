import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { AuditRecord, AuditResult } from '../../domain/audit.js';
import { AUDIT_GENESIS_HASH, computeAuditHash, computeAuditKeyId, computeLegacyAuditHash } from '../../domain/audit.js';

// The audit chain keyed and append-only (issue 8 finding 4; docs/decisions/0002-audit-hash-chain.md).
//
// 1. The existing plain SHA-256 chain is verified as it stands, then every event's hash is recomputed once as
//    HMAC-SHA-256 under the audit key, in one transaction. Events are not changed, only their hashes: the old
//    chain proved nothing against someone who can write the database (they could recompute it), so re-keying
//    a chain that verifies loses no evidence. A chain that does NOT verify is refused: re-keying it would
//    launder the tampering, so the server does not start until someone has looked at it.
// 2. `audit_head.key_id` names the key (an HMAC of a constant), so a start with another key is refused.
// 3. Triggers refuse UPDATE and DELETE of audit events (and TRUNCATE on PostgreSQL), and let the head move
//    only one step forward to the newest event. Nothing legitimate changes an event (no retention purge of
//    the log exists); someone who drops the triggers is still caught by the keyed chain and the checkpoints.

export interface MigrationContext {
  /** the audit key from the key store (never written to the database) */
  auditKey?: Buffer | undefined;
}

interface EventRow {
  seq: number;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  result: string;
  details: string;
  prev_hash: string;
  hash: string;
}

function toRecord(row: EventRow): AuditRecord {
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function rekeyChain(tx: Kysely<any>, key: Buffer): Promise<void> {
  const refuse = (seq: number, problem: string) =>
    new Error(
      `the audit log does not verify as it stands (event ${seq}: ${problem}); it was not re-keyed. ` +
        'Someone may have changed it: keep a copy of the database and investigate before upgrading (docs/decisions/0002-audit-hash-chain.md).',
    );
  let oldPrev = AUDIT_GENESIS_HASH;
  let newPrev = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  for (;;) {
    const rows = (await tx.selectFrom('audit_events').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(2000).execute()) as EventRow[];
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.seq !== expectedSeq) throw refuse(expectedSeq, 'missing');
      if (row.prev_hash !== oldPrev) throw refuse(row.seq, 'previous-hash link does not match');
      if (computeLegacyAuditHash(oldPrev, toRecord(row)) !== row.hash) throw refuse(row.seq, 'content does not match its hash');
      const newHash = computeAuditHash(key, newPrev, toRecord(row));
      await tx.updateTable('audit_events').set({ prev_hash: newPrev, hash: newHash }).where('seq', '=', row.seq).execute();
      oldPrev = row.hash;
      newPrev = newHash;
      expectedSeq++;
    }
  }
  const head = (await tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow()) as { seq: number; hash: string };
  if (head.seq !== expectedSeq - 1 || head.hash !== oldPrev) throw refuse(expectedSeq, `the chain ends at ${expectedSeq - 1} but the head records ${head.seq}`);
  await tx.schema.alterTable('audit_head').addColumn('key_id', 'text').execute();
  await tx.updateTable('audit_head').set({ hash: newPrev, key_id: computeAuditKeyId(key) }).where('id', '=', 1).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function createAppendOnlyTriggers(tx: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'postgres') {
    await sql`
      create function audit_events_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
      end $$`.execute(tx);
    await sql`create trigger audit_events_append_only before update or delete on audit_events for each row execute function audit_events_refuse_change()`.execute(tx);
    await sql`create trigger audit_events_no_truncate before truncate on audit_events for each statement execute function audit_events_refuse_change()`.execute(tx);
    await sql`
      create function audit_head_forward_only() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          raise exception 'audit_head cannot be deleted' using errcode = 'insufficient_privilege';
        end if;
        if new.id <> old.id or new.seq <> old.seq + 1 or new.key_id is distinct from old.key_id
           or new.hash is distinct from (select e.hash from audit_events e where e.seq = new.seq) then
          raise exception 'audit_head only moves one step forward, to the newest event' using errcode = 'insufficient_privilege';
        end if;
        return new;
      end $$`.execute(tx);
    await sql`create trigger audit_head_forward_only before update or delete on audit_head for each row execute function audit_head_forward_only()`.execute(tx);
    await sql`create trigger audit_head_no_truncate before truncate on audit_head for each statement execute function audit_events_refuse_change()`.execute(tx);
    return;
  }
  await sql`create trigger audit_events_no_update before update on audit_events begin select raise(abort, 'audit_events is append-only: UPDATE refused'); end`.execute(tx);
  await sql`create trigger audit_events_no_delete before delete on audit_events begin select raise(abort, 'audit_events is append-only: DELETE refused'); end`.execute(tx);
  await sql`
    create trigger audit_head_forward_only before update on audit_head
    when new.id <> old.id or new.seq <> old.seq + 1 or new.key_id is not old.key_id
      or new.hash is not (select e.hash from audit_events e where e.seq = new.seq)
    begin select raise(abort, 'audit_head only moves one step forward, to the newest event'); end`.execute(tx);
  await sql`create trigger audit_head_no_delete before delete on audit_head begin select raise(abort, 'audit_head cannot be deleted'); end`.execute(tx);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres', context: MigrationContext = {}): Promise<void> {
  const key = context.auditKey;
  if (!key) throw new Error('migration 0008 needs the audit key (keys/audit.key or GRADPHOTO_AUDIT_KEY)');
  // The migrator runs the pending migrations in a transaction on both databases (src/db/database.ts); called
  // outside one, this makes its own: a half re-keyed chain must never be left behind.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const work = async (tx: Kysely<any>) => {
    await rekeyChain(tx, key);
    await createAppendOnlyTriggers(tx, dialect);
  };
  if (db.isTransaction) await work(db);
  else await db.transaction().execute(work);
}
