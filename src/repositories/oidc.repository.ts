import type { Insertable, Selectable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { OidcAuthRequestsTable } from '../db/schema.js';

export type OidcAuthRequestRow = Selectable<OidcAuthRequestsTable>;

export async function insertOidcAuthRequest(tx: Tx, row: Insertable<OidcAuthRequestsTable>): Promise<void> {
  await tx.insertInto('oidc_auth_requests').values(row).execute();
}

/**
 * Takes a pending request once: the conditional UPDATE wins for exactly one caller (PITFALLS F15), so a
 * replayed or concurrent callback finds nothing. Returns the row only to the caller that took it.
 */
export async function takeOidcAuthRequest(tx: Tx, stateHash: string, now: string): Promise<OidcAuthRequestRow | undefined> {
  const result = await tx
    .updateTable('oidc_auth_requests')
    .set({ used_at: now })
    .where('state_hash', '=', stateHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  return tx.selectFrom('oidc_auth_requests').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
}

/** Requests older than `before` (used or abandoned) go. */
export async function deleteOldOidcAuthRequests(db: Tx, before: string): Promise<void> {
  await db.deleteFrom('oidc_auth_requests').where('expires_at', '<', before).execute();
}
