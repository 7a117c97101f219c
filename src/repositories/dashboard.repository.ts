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
 * printed (a print set of the confirmed photo, A2) and handed over (that set is in the student's hands).
 */
export async function countDashboardGroups(db: Tx, f: DashboardFilter): Promise<DashboardGroup[]> {
  let q = db
    .selectFrom('students')
    .leftJoin('bookings as pb', (j) => j.onRef('pb.student_id', '=', 'students.id').on('pb.status', '=', 'active'))
    .leftJoin('schedule_sessions as ps', 'ps.id', 'pb.session_id')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('queue_tickets')
          .select(['queue_tickets.student_id', (e) => e.fn.min('queue_tickets.date').as('first_date')])
          .where('queue_tickets.campaign_id', '=', f.campaignId)
          .where('queue_tickets.date', '<=', f.today)
          .groupBy('queue_tickets.student_id')
          .as('pt'),
      (j) => j.onRef('pt.student_id', '=', 'students.id'),
    )
    .leftJoin(
      (eb) => eb.selectFrom('photos').select('photos.student_id').where('photos.campaign_id', '=', f.campaignId).where('photos.accepted', '=', 1).groupBy('photos.student_id').as('pp'),
      (j) => j.onRef('pp.student_id', '=', 'students.id'),
    )
    .leftJoin('photo_confirmations as pc', (j) => j.onRef('pc.student_id', '=', 'students.id').on('pc.voided_at', 'is', null))
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('registry_export_items as xi')
          .innerJoin('registry_exports as xe', 'xe.id', 'xi.export_id')
          .select('xi.confirmation_id')
          .where('xe.campaign_id', '=', f.campaignId)
          .where('xe.status', '=', 'delivered')
          .where('xi.kind', '=', 'photo')
          .groupBy('xi.confirmation_id')
          .as('px'),
      (j) => j.onRef('px.confirmation_id', '=', 'pc.id'),
    )
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('print_items')
          .select(['print_items.photo_id', (e) => e.fn.max(sql<number>`case when ${sql.ref('print_items.handed_to_student_at')} is null then 0 else 1 end`).as('handed')])
          .where('print_items.campaign_id', '=', f.campaignId)
          .where('print_items.voided_at', 'is', null)
          .groupBy('print_items.photo_id')
          .as('pr'),
      (j) => j.onRef('pr.photo_id', '=', 'pc.photo_id'),
    )
    .where('students.campaign_id', '=', f.campaignId)
    .where('students.removed_at', 'is', null)
    .where('students.decision', '=', 'required');
  if (f.departments) q = f.departments.length ? q.where('students.department', 'in', f.departments) : q.where(({ lit }) => lit(false));
  if (f.department) q = q.where('students.department', '=', f.department);
  if (f.site) q = q.where('students.site', '=', f.site);
  const day = sql<string | null>`coalesce(${sql.ref('ps.date')}, ${sql.ref('pt.first_date')})`;
  const rows = await q
    .select([
      'students.department as department',
      'students.site as site',
      day.as('day'),
      (eb) => eb.fn.countAll<number>().as('n'),
      one(sql<boolean>`${isSet('pb.id')} or ${isSet('pt.student_id')} or ${isSet('pp.student_id')} or ${isSet('pc.id')}`).as('booked'),
      one(sql<boolean>`${isSet('pp.student_id')} or ${isSet('pc.id')}`).as('photographed'),
      one(isSet('pc.id')).as('confirmed'),
      one(isSet('px.confirmation_id')).as('exported'),
      one(isSet('pr.photo_id')).as('printed'),
      one(sql<boolean>`${sql.ref('pr.handed')} = 1`).as('handed'),
    ])
    .groupBy(['students.department', 'students.site', day])
    .execute();
  return rows.map((r) => ({
    department: r.department,
    site: r.site,
    day: r.day ?? null,
    required: Number(r.n),
    booked: Number(r.booked),
    photographed: Number(r.photographed),
    confirmed: Number(r.confirmed),
    exported: Number(r.exported),
    printed: Number(r.printed),
    handedOver: Number(r.handed),
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
