// The dashboards' read models (issue 10 section 6): one grouped SQL query per figure family — the capture funnel
// per department and day, the payments per day — each reading every source once for the whole campaign (left
// joins on grouped subqueries; no query per student). Same facts as the progress counts
// (student.repository.ts): an active booking, a ticket up to today, an accepted shot, an active confirmation.
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DashboardGroup } from '../domain/dashboard.js';

export interface DashboardFilter {
  campaignId: string;
  /** the caller's departments (a secretary); undefined: all */
  departments?: string[] | undefined;
  department?: string | undefined;
  site?: string | undefined;
  /** the campaign's date today: tickets dated later do not count */
  today: string;
}

const one = (condition: ReturnType<typeof sql<boolean>>) => sql<number>`sum(case when ${condition} then 1 else 0 end)`;
const isSet = (column: string) => sql<boolean>`${sql.ref(column)} is not null`;

/**
 * The required students per department and day (the day of the booked session; a walk-in's first ticket day),
 * each step counted as reached at least: booked (or further), photographed (an accepted shot or a confirmation),
 * confirmed (an active confirmation, C3), exported (that confirmation is in a delivered registry batch, A1),
 * printed (a print set of the confirmed photo, A2) and handed over (that set is in the student's hands); and
 * the make-ups outstanding (no valid, non-voided confirmed photo: makeup.repository's definition, S6).
 */
export async function countDashboardGroups(db: Tx, f: DashboardFilter): Promise<DashboardGroup[]> {
  // Per student, each fact by index (a correlated subquery or a join on a unique key), so the plan stays linear
  // even before the database has statistics (e.g. PostgreSQL right after a large roster import); then grouped.
  const ticketOf = (what: 'exists' | 'first') =>
    what === 'exists'
      ? sql<boolean>`exists (select 1 from queue_tickets qt where qt.student_id = ${sql.ref('students.id')} and qt.campaign_id = ${f.campaignId} and qt.date <= ${f.today})`
      : sql<string | null>`(select min(qt.date) from queue_tickets qt where qt.student_id = ${sql.ref('students.id')} and qt.campaign_id = ${f.campaignId} and qt.date <= ${f.today})`;
  const shot = sql<boolean>`exists (select 1 from photos pp where pp.student_id = ${sql.ref('students.id')} and pp.accepted = 1)`;
  const flag = (condition: ReturnType<typeof sql<boolean>>) => sql<number>`case when ${condition} then 1 else 0 end`;
  let q = db
    .selectFrom('students')
    .leftJoin('bookings as pb', (j) => j.onRef('pb.student_id', '=', 'students.id').on('pb.status', '=', 'active'))
    .leftJoin('schedule_sessions as ps', 'ps.id', 'pb.session_id')
    .leftJoin('photo_confirmations as pc', (j) => j.onRef('pc.student_id', '=', 'students.id').on('pc.voided_at', 'is', null))
    .leftJoin('photos as pcp', 'pcp.id', 'pc.photo_id')
    // a photo is in at most one delivered batch and printed at most once (unique indexes on photo_id): plain joins, no repeat
    .leftJoin('registry_export_items as xi', (j) => j.onRef('xi.photo_id', '=', 'pc.photo_id').onRef('xi.confirmation_id', '=', 'pc.id').on('xi.kind', '=', 'photo'))
    .leftJoin('registry_exports as xe', (j) => j.onRef('xe.id', '=', 'xi.export_id').on('xe.status', '=', 'delivered').on('xe.campaign_id', '=', f.campaignId))
    .leftJoin('print_items as pr', (j) => j.onRef('pr.photo_id', '=', 'pc.photo_id').on('pr.voided_at', 'is', null).on('pr.campaign_id', '=', f.campaignId))
    .where('students.campaign_id', '=', f.campaignId)
    .where('students.removed_at', 'is', null)
    .where('students.decision', '=', 'required');
  if (f.departments) q = f.departments.length ? q.where('students.department', 'in', f.departments) : q.where(({ lit }) => lit(false));
  if (f.department) q = q.where('students.department', '=', f.department);
  if (f.site) q = q.where('students.site', '=', f.site);
  const perStudent = q
    .select([
      'students.department as department',
      'students.site as site',
      sql<string | null>`coalesce(${sql.ref('ps.date')}, ${ticketOf('first')})`.as('day'),
      // neither a booking nor a ticket (a walk-in entered by hand, a make-up): the hour the photo was confirmed
      sql<string | null>`case when ${sql.ref('ps.date')} is null and ${ticketOf('first')} is null then substr(${sql.ref('pc.confirmed_at')}, 1, 13) else null end`.as('confirmed_hour'),
      flag(sql<boolean>`${isSet('pb.id')} or ${ticketOf('exists')} or ${shot} or ${isSet('pc.id')}`).as('booked'),
      flag(sql<boolean>`${shot} or ${isSet('pc.id')}`).as('photographed'),
      flag(isSet('pc.id')).as('confirmed'),
      flag(isSet('xe.id')).as('exported'),
      flag(isSet('pr.id')).as('printed'),
      flag(isSet('pr.handed_to_student_at')).as('handed'),
      // the definition of makeup.repository's listOutstandingStudents (S6), counted here in the same pass
      flag(sql<boolean>`${sql.ref('pc.id')} is null or ${sql.ref('pcp.invalid_reason')} is not null`).as('outstanding'),
    ])
    .as('f');
  const sum = (column: 'booked' | 'photographed' | 'confirmed' | 'exported' | 'printed' | 'handed' | 'outstanding') => sql<number>`sum(${sql.ref(`f.${column}`)})`;
  const rows = await db
    .selectFrom(perStudent)
    .select([
      'f.department',
      'f.site',
      'f.day',
      'f.confirmed_hour',
      (eb) => eb.fn.countAll<number>().as('n'),
      sum('booked').as('booked'),
      sum('photographed').as('photographed'),
      sum('confirmed').as('confirmed'),
      sum('exported').as('exported'),
      sum('printed').as('printed'),
      sum('handed').as('handed'),
      sum('outstanding').as('outstanding'),
    ])
    .groupBy(['f.department', 'f.site', 'f.day', 'f.confirmed_hour'])
    .execute();
  return rows.map((r) => ({
    department: r.department,
    site: r.site,
    day: r.day ?? null,
    confirmedHour: r.confirmed_hour ?? null,
    required: Number(r.n),
    booked: Number(r.booked),
    photographed: Number(r.photographed),
    confirmed: Number(r.confirmed),
    exported: Number(r.exported),
    printed: Number(r.printed),
    handedOver: Number(r.handed),
    outstanding: Number(r.outstanding),
  }));
}

export interface PaymentDayRow {
  date: string;
  count: number;
  amountFen: number;
  duplicates: number;
  duplicateAmountFen: number;
}

/** Payments per campaign day (P1): those that count, and recorded duplicates (to refund), with their sums in fen. */
export async function countPaymentsByDay(db: Tx, f: Omit<DashboardFilter, 'today'>): Promise<PaymentDayRow[]> {
  let q = db.selectFrom('payments').innerJoin('students', 'students.id', 'payments.student_id').where('payments.campaign_id', '=', f.campaignId);
  if (f.departments) q = f.departments.length ? q.where('students.department', 'in', f.departments) : q.where(({ lit }) => lit(false));
  if (f.department) q = q.where('students.department', '=', f.department);
  if (f.site) q = q.where('payments.site', '=', f.site);
  const counts = sql<boolean>`${sql.ref('payments.duplicate_of')} is null`;
  const rows = await q
    .select([
      'payments.date as date',
      one(counts).as('n'),
      sql<number>`sum(case when ${counts} then ${sql.ref('payments.amount_fen')} else 0 end)`.as('amount'),
      one(sql<boolean>`not (${counts})`).as('dups'),
      sql<number>`sum(case when ${counts} then 0 else ${sql.ref('payments.amount_fen')} end)`.as('dup_amount'),
    ])
    .groupBy('payments.date')
    .orderBy('payments.date')
    .execute();
  return rows.map((r) => ({ date: r.date, count: Number(r.n), amountFen: Number(r.amount), duplicates: Number(r.dups), duplicateAmountFen: Number(r.dup_amount) }));
}
