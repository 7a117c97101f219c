import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Audit events appended without serialising every write (issue 11 section 4; docs/decisions/0032-audit-chaining.md).
// On PostgreSQL a change writes its events into `audit_pending` inside its own transaction (no lock shared with
// other writes); right after the commit they are chained — given their sequence number and keyed hash — in
// batches, under the `audit_head` row lock, by whichever process gets there first. SQLite has one writer at a
// time anyway and keeps chaining inside the transaction; the table exists there too, empty.
//
// The head may therefore move several events forward in one update: the triggers of migration 0008 now accept
// any forward move whose hash is that of the chained event it names (never back, never to a hash that is not
// in the chain), instead of exactly one step.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('audit_pending')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text')
    .addColumn('actor_role', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  if (dialect === 'postgres') {
    await sql`
      create or replace function audit_head_forward_only() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          raise exception 'audit_head cannot be deleted' using errcode = 'insufficient_privilege';
        end if;
        if new.id <> old.id or new.seq <= old.seq or new.key_id is distinct from old.key_id
           or new.hash is distinct from (select e.hash from audit_events e where e.seq = new.seq) then
          raise exception 'audit_head only moves forward, to the newest chained event' using errcode = 'insufficient_privilege';
        end if;
        return new;
      end $$`.execute(db);
    return;
  }
  await sql`drop trigger audit_head_forward_only`.execute(db);
  await sql`
    create trigger audit_head_forward_only before update on audit_head
    when new.id <> old.id or new.seq <= old.seq or new.key_id is not old.key_id
      or new.hash is not (select e.hash from audit_events e where e.seq = new.seq)
    begin select raise(abort, 'audit_head only moves forward, to the newest chained event'); end`.execute(db);
}
