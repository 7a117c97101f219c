import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Electronic payments (issue 9 section 3, rule P1; docs/decisions/0020-payments.md). The database keeps the
// invariants, not a read-then-write: one transaction number pays for one student (UNIQUE (method,
// transaction_id)), and a student has one payment that counts (a partial unique index over the rows that are
// not a recorded duplicate). The merchant's bill files are stored line by line so that a reconciliation is
// recomputed against the payments as they are now. `payment_settings.payment_before_queue` (no row: on) says whether the desk
// asks for payment before giving a queue ticket.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('amount_fen', 'integer', (c) => c.notNull())
    .addColumn('duplicate_of', 'text', (c) => c.references('payments.id'))
    .addColumn('recorded_by', 'text')
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull()) // YYYY-MM-DD in the campaign's time zone
    .addCheckConstraint('payments_method_electronic', sql`method in ('wechat', 'alipay')`)
    .addCheckConstraint('payments_amount_positive', sql`amount_fen > 0`)
    .addUniqueConstraint('payments_one_student_per_transaction', ['method', 'transaction_id'])
    .execute();
  await sql`create unique index payments_one_per_student on payments (campaign_id, student_id) where duplicate_of is null`.execute(db);
  await db.schema.createIndex('payments_campaign_date_idx').on('payments').columns(['campaign_id', 'date']).execute();

  await db.schema
    .createTable('payment_statements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('file_sha256', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull()) // JSON: the file's own totals and the sums of its lines
    .addColumn('imported_by', 'text')
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('payment_statements_file_key', ['campaign_id', 'file_sha256'])
    .execute();

  await db.schema
    .createTable('payment_statement_lines')
    .addColumn('statement_id', 'text', (c) => c.notNull().references('payment_statements.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // payment | refund
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('merchant_order_no', 'text')
    .addColumn('amount_fen', 'integer', (c) => c.notNull())
    .addColumn('traded_at', 'text')
    .addPrimaryKeyConstraint('payment_statement_lines_pkey', ['statement_id', 'line_no'])
    .execute();

  // Its own table rather than a column of site_settings (which the schedule owns); no row means "yes".
  await db.schema
    .createTable('payment_settings')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('payment_before_queue', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('payment_settings_pkey', ['campaign_id', 'site'])
    .execute();
}
