import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// The durable job runner (mail: reminders, notifications, sign-in links) and one-time sign-in links
// (issue #3 parts 6 and 7; docs/decisions/0007-jobs-and-mail.md).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // A scheduler pass run twice, or by two processes, enqueues once: the insert does nothing on a known key.
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('student_id', 'text')
    .addColumn('run_at', 'text', (c) => c.notNull())
    // queued | running | sending | done | failed | dead | uncertain
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['state', 'run_at']).execute();

  // Only a SHA-256 of the token is stored: a database leak does not leak live links.
  await db.schema
    .createTable('signin_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('signin_links_student_idx').on('signin_links').columns(['student_id', 'created_at']).execute();

  // Bounces are shown to admins: on the notification that could not be delivered, and on the student.
  await db.schema.alterTable('notifications').addColumn('failed_at', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('failure', 'text').execute();
  await db.schema.alterTable('students').addColumn('email_bounced_at', 'text').execute();
  void sql;
  void dialect;
}
