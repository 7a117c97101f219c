import type { Kysely } from 'kysely';

// Sign-in throttling per account and address (issue 8, finding 7; docs/decisions/0010-login-throttling.md):
// the addresses an account has signed in from with its password. An address is stored only as a keyed hash
// of (account, address), so the table does not say where anybody was; a right password from such an address
// still signs in while the account's global limit is reached by someone else.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_known_addresses')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('address_hash', 'text', (c) => c.notNull())
    .addColumn('last_success_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('login_known_addresses_pk', ['user_id', 'address_hash'])
    .execute();
}
