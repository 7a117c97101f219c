import type { Insertable, Selectable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { SessionsTable } from '../db/schema.js';

export type SessionRow = Selectable<SessionsTable>;

export async function insertSession(tx: Tx, session: Insertable<SessionsTable>): Promise<void> {
  await tx.insertInto('sessions').values(session).execute();
}

export async function findSession(db: Tx, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function touchSession(db: Tx, id: string, now: string): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}

export async function deleteSession(db: Tx, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

export async function deleteUserSessions(db: Tx, userId: string, exceptId?: string): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptId) q = q.where('id', '!=', exceptId);
  await q.execute();
}

export async function deleteExpiredSessions(db: Tx, idleBefore: string, now: string): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('last_seen_at', '<', idleBefore), eb('absolute_expires_at', '<', now)]))
    .execute();
}

export async function recordLoginFailure(db: Tx, keys: string[], at: string): Promise<void> {
  await db.insertInto('login_failures').values(keys.map((key) => ({ key, at }))).execute();
}

export async function countLoginFailures(db: Tx, key: string, since: string): Promise<number> {
  const r = await db
    .selectFrom('login_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key', '=', key)
    .where('at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function clearLoginFailures(db: Tx, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}

export async function deleteOldLoginFailures(db: Tx, before: string): Promise<void> {
  await db.deleteFrom('login_failures').where('at', '<', before).execute();
}

/** Whether the account signed in with its password from this address before (the address as a keyed hash). */
export async function isKnownLoginAddress(db: Tx, userId: string, addressHash: string): Promise<boolean> {
  const row = await db.selectFrom('login_known_addresses').select('user_id').where('user_id', '=', userId).where('address_hash', '=', addressHash).executeTakeFirst();
  return row !== undefined;
}

export async function recordKnownLoginAddress(tx: Tx, userId: string, addressHash: string, at: string): Promise<void> {
  await tx
    .insertInto('login_known_addresses')
    .values({ user_id: userId, address_hash: addressHash, last_success_at: at })
    .onConflict((oc) => oc.columns(['user_id', 'address_hash']).doUpdateSet({ last_success_at: at }))
    .execute();
}

/** Addresses not used to sign in for a long time stop counting as known (housekeeping). */
export async function deleteStaleKnownLoginAddresses(db: Tx, before: string): Promise<void> {
  await db.deleteFrom('login_known_addresses').where('last_success_at', '<', before).execute();
}

/** The sessions among `ids` that still exist (their timeouts are checked by the caller). */
export async function listSessionsByIds(db: Tx, ids: string[]): Promise<Pick<SessionRow, 'id' | 'last_seen_at' | 'absolute_expires_at'>[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('sessions').select(['id', 'last_seen_at', 'absolute_expires_at']).where('id', 'in', ids).execute();
}
