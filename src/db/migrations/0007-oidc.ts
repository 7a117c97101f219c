import type { Kysely } from 'kysely';

// Campus sign-on (issue #3 part 6): one row per authorisation request sent to the OpenID provider, kept
// until the provider sends the browser back. The row is taken once with a conditional UPDATE (`used_at IS
// NULL`, row count checked), so a replayed callback is refused on every process of a PostgreSQL
// deployment (PITFALLS F15). See docs/decisions/0008-campus-sign-on.md.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oidc_auth_requests')
    .addColumn('state_hash', 'text', (c) => c.primaryKey()) // SHA-256 of `state`; the value itself is only in URLs
    .addColumn('browser_hash', 'text', (c) => c.notNull()) // SHA-256 of the cookie that binds the request to one browser
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull()) // PKCE: useless without the code, which only the browser gets
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('oidc_auth_requests_expires_idx').on('oidc_auth_requests').column('expires_at').execute();
}
