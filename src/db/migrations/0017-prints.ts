import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Prints and hand-over (issue 10 section 2, rule A2; docs/decisions/0025-prints-handover.md).
// - print_batches: the agency's print batch (one department or all): 'open' while the agency prints it (its sets
//   may still be taken out), 'sent' to the graduate school with the agency's count, 'received' with the count the
//   admin checked (a different count only with a discrepancy note).
// - print_items: one student's print set (unique photo_id: a photo is printed at most once). delivery_id is set when
//   the graduate school sends the department's sets; handed_to_student_at when the student has them (by the
//   secretary or by the student's own confirmation). voided_at flags a set whose photo's confirmation was voided (or
//   became invalid, E7) after the batch was sent: never handed over.
// - print_deliveries: graduate school → department: sent with its count, received by the secretary with theirs.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('print_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('department', 'text')
    .addColumn('copies', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_count', 'integer')
    .addColumn('sent_by', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('received_count', 'integer')
    .addColumn('received_by', 'text')
    .addColumn('received_at', 'text')
    .addColumn('discrepancy_note', 'text')
    .addCheckConstraint('print_batches_status', sql`status in ('open', 'sent', 'received')`)
    .addCheckConstraint('print_batches_copies', sql`copies between 1 and 8`)
    .execute();
  await sql`create unique index print_batches_number on print_batches (campaign_id, number)`.execute(db);

  await db.schema
    .createTable('print_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('department', 'text', (c) => c.notNull())
    .addColumn('sent_count', 'integer', (c) => c.notNull())
    .addColumn('sent_by', 'text')
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addColumn('received_count', 'integer')
    .addColumn('received_by', 'text')
    .addColumn('received_at', 'text')
    .addColumn('discrepancy_note', 'text')
    .execute();
  await db.schema.createIndex('print_deliveries_department_idx').on('print_deliveries').columns(['campaign_id', 'department']).execute();

  await db.schema
    .createTable('print_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('batch_id', 'text', (c) => c.notNull().references('print_batches.id'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('photo_id', 'text', (c) => c.notNull().references('photos.id'))
    .addColumn('confirmation_id', 'text', (c) => c.notNull())
    .addColumn('department', 'text', (c) => c.notNull())
    .addColumn('student_no', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.references('print_deliveries.id'))
    .addColumn('handed_to_student_at', 'text')
    .addColumn('handed_by', 'text')
    .addColumn('handed_method', 'text')
    .addColumn('voided_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('print_items_handed_method', sql`handed_method is null or handed_method in ('secretary', 'student')`)
    .execute();
  await sql`create unique index print_items_photo_once on print_items (photo_id)`.execute(db);
  await db.schema.createIndex('print_items_batch_idx').on('print_items').columns(['batch_id', 'department', 'student_no']).execute();
  await db.schema.createIndex('print_items_student_idx').on('print_items').columns(['student_id']).execute();
  await db.schema.createIndex('print_items_delivery_idx').on('print_items').columns(['delivery_id']).execute();
}
