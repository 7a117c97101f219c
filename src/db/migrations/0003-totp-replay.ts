import type { Kysely } from 'kysely';

// The last accepted one-time-code step of each account: a code is accepted once (RFC 6238 §5.2).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('totp_last_step', 'integer').execute();
}
