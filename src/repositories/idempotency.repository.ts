// Idempotency keys: the first answer to a changing request, replayed to its retries (PITFALLS: store the
// first answer of each Idempotency-Key; a reused key with another body is an error). Used by services/change.ts only.
import type { Selectable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { IdempotencyKeysTable } from '../db/schema.js';

export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

function affected(n: bigint | number | undefined): number {
  return Number(n ?? 0);
}

export async function findIdempotencyKey(db: Tx, userId: string, key: string): Promise<IdempotencyRow | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', userId).where('key', '=', key).executeTakeFirst();
}

/**
 * Claims a key for the current transaction ('pending', answered before commit). When a concurrent request
 * holds the same key, PostgreSQL waits for it to finish and then reports the conflict: false means
 * "someone answered this key first; read their answer".
 */
export async function claimIdempotencyKey(tx: Tx, row: Pick<IdempotencyRow, 'user_id' | 'key' | 'request_hash' | 'created_at'>): Promise<boolean> {
  const result = await tx
    .insertInto('idempotency_keys')
    .values({ ...row, state: 'pending', status_code: 0, response: '' })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .executeTakeFirst();
  return affected(result.numInsertedOrUpdatedRows) === 1;
}

/** Stores the answer of the transaction that claimed the key (in that transaction). */
export async function completeIdempotencyKey(tx: Tx, userId: string, key: string, statusCode: number, response: string): Promise<void> {
  await tx
    .updateTable('idempotency_keys')
    .set({ state: 'done', status_code: statusCode, response })
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .where('state', '=', 'pending')
    .execute();
}

/** Stores an answer outside a transaction of the change (a refusal, which changed nothing); keeps an earlier one. */
export async function insertIdempotencyAnswer(db: Tx, row: Omit<IdempotencyRow, 'state'>): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({ ...row, state: 'done' })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .execute();
}

/** Forgets the answers stored before `before` (ISO instant); returns how many were removed. */
export async function deleteIdempotencyKeysBefore(db: Tx, before: string): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
  return affected(result.numDeletedRows);
}
