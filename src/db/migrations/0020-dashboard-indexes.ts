import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// The dashboards (issue 10 section 6; docs/decisions/0028-corrections-dashboards.md): a student's first ticket
// day and whether they checked in are read per student by index (a correlated subquery), so the funnel query
// stays linear even when the planner has no statistics yet (PostgreSQL straight after a large import chose a
// nested loop over the grouped tickets: 35–50 s for 20,000 students).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index queue_tickets_student_date_idx on queue_tickets (student_id, date)`.execute(db);
}
