import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// An Idempotency-Key's row says in words whether its answer is stored ('done') or still being worked out by
// the transaction that claimed it ('pending'), instead of a placeholder status code 0 (issue #8, one write path).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('idempotency_keys')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('done').check(sql`state in ('pending', 'done')`))
    .execute();
  // A claimed row is only ever seen committed with its answer, but a database written by an older version
  // may hold placeholder rows of transactions that never committed their answer (none should exist).
  await db.updateTable('idempotency_keys').set({ state: 'pending' }).where('status_code', '=', 0).execute();
}
