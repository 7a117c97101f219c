// Electronic payments and the merchants' bill files (issue 9 section 3, rule P1; migration 0012).
import type { Insertable, Selectable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { PaymentStatementLinesTable, PaymentStatementsTable, PaymentsTable, StudentsTable } from '../db/schema.js';

export type PaymentRow = Selectable<PaymentsTable>;
export type PaymentStatementRow = Selectable<PaymentStatementsTable>;
export type PaymentStatementLineRow = Selectable<PaymentStatementLinesTable>;
export type PaymentStudentRow = Pick<Selectable<StudentsTable>, 'id' | 'student_no' | 'name' | 'department' | 'decision' | 'rule' | 'site' | 'removed_at'>;
export type PaymentWithStudentRow = PaymentRow & {
  student_no: string;
  student_name: string;
  department: string;
  decision: string;
  rule: string | null;
  removed_at: string | null;
  /** the recording account's display name, else its user name */
  recorded_by_name: string | null;
};

/**
 * The payment that counts for a student (not a recorded duplicate), or undefined when they have not paid.
 * Check-in asks it before giving a ticket when the site requires payment first.
 */
export async function findPaymentOfStudent(db: Tx, campaignId: string, studentId: string): Promise<PaymentRow | undefined> {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('student_id', '=', studentId)
    .where('duplicate_of', 'is', null)
    .executeTakeFirst();
}

/** Whether the desk asks for payment before giving a queue ticket at this site (default: yes). */
export async function getPaymentBeforeQueue(db: Tx, campaignId: string, site: string): Promise<boolean> {
  const row = await db
    .selectFrom('payment_settings')
    .select('payment_before_queue')
    .where('campaign_id', '=', campaignId)
    .where('site', '=', site)
    .executeTakeFirst();
  return row ? row.payment_before_queue !== 0 : true;
}

export async function setPaymentBeforeQueue(tx: Tx, campaignId: string, site: string, value: boolean, at: string): Promise<void> {
  const v = value ? 1 : 0;
  await tx
    .insertInto('payment_settings')
    .values({ campaign_id: campaignId, site, payment_before_queue: v, updated_at: at })
    .onConflict((oc) => oc.columns(['campaign_id', 'site']).doUpdateSet({ payment_before_queue: v, updated_at: at }))
    .execute();
}

export async function findPaymentStudentByNo(db: Tx, campaignId: string, studentNo: string): Promise<PaymentStudentRow | undefined> {
  return db
    .selectFrom('students')
    .select(['id', 'student_no', 'name', 'department', 'decision', 'rule', 'site', 'removed_at'])
    .where('campaign_id', '=', campaignId)
    .where('student_no', '=', studentNo)
    .executeTakeFirst();
}

export async function findPaymentByTransaction(db: Tx, method: string, transactionId: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('method', '=', method as PaymentRow['method']).where('transaction_id', '=', transactionId).executeTakeFirst();
}

export async function insertPayment(tx: Tx, row: Insertable<PaymentsTable>): Promise<void> {
  await tx.insertInto('payments').values(row).execute();
}

export interface PaymentFilter {
  site?: string | undefined;
  /** a make-up outlet's payments (S6); `null`: those taken at the school's sites only */
  outlet?: string | null | undefined;
  date?: string | undefined;
  method?: 'wechat' | 'alipay' | undefined;
  /** one payment (the answer of recordPayment): the primary key, not a scan of the campaign's payments */
  id?: string | undefined;
}

function withStudent(db: Tx) {
  return db
    .selectFrom('payments')
    .innerJoin('students', 'students.id', 'payments.student_id')
    .leftJoin('users', 'users.id', 'payments.recorded_by')
    .selectAll('payments')
    .select([
      'students.student_no as student_no',
      'students.name as student_name',
      'students.department as department',
      'students.decision as decision',
      'students.rule as rule',
      'students.removed_at as removed_at',
      'users.display_name as recorded_by_display_name',
      'users.username as recorded_by_username',
    ]);
}

export async function listPaymentsWithStudents(db: Tx, campaignId: string, filter: PaymentFilter = {}): Promise<PaymentWithStudentRow[]> {
  let q = withStudent(db).where('payments.campaign_id', '=', campaignId);
  if (filter.site) q = q.where('payments.site', '=', filter.site);
  if (filter.outlet === null) q = q.where('payments.outlet_id', 'is', null);
  else if (filter.outlet !== undefined) q = q.where('payments.outlet_id', '=', filter.outlet);
  if (filter.date) q = q.where('payments.date', '=', filter.date);
  if (filter.method) q = q.where('payments.method', '=', filter.method);
  if (filter.id) q = q.where('payments.id', '=', filter.id);
  const rows = await q.orderBy('payments.recorded_at').orderBy('payments.id').execute();
  return rows.map(({ recorded_by_display_name, recorded_by_username, ...r }) => ({ ...r, recorded_by_name: recorded_by_display_name || recorded_by_username || null }));
}

export async function findStatementByFile(db: Tx, campaignId: string, sha256: string): Promise<PaymentStatementRow | undefined> {
  return db.selectFrom('payment_statements').selectAll().where('campaign_id', '=', campaignId).where('file_sha256', '=', sha256).executeTakeFirst();
}

export async function findStatement(db: Tx, id: string): Promise<PaymentStatementRow | undefined> {
  return db.selectFrom('payment_statements').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertStatement(tx: Tx, row: Insertable<PaymentStatementsTable>, lines: Insertable<PaymentStatementLinesTable>[]): Promise<void> {
  await tx.insertInto('payment_statements').values(row).execute();
  // Chunks keep each INSERT under SQLite's bound-parameter limit.
  for (let i = 0; i < lines.length; i += 500) await tx.insertInto('payment_statement_lines').values(lines.slice(i, i + 500)).execute();
}

export async function listStatementLines(db: Tx, statementId: string): Promise<PaymentStatementLineRow[]> {
  return db.selectFrom('payment_statement_lines').selectAll().where('statement_id', '=', statementId).orderBy('line_no').execute();
}

// ───────────────────────────── the day-close of a site ─────────────────────────────

export interface DayTicketCounts {
  issued: number;
  served: number;
  open: number;
  skipped: number;
  removed: number;
}

/** The queue tickets of one site and day by what became of them (C4). */
export async function countDayTickets(db: Tx, campaignId: string, site: string, date: string): Promise<DayTicketCounts> {
  const rows = await db
    .selectFrom('queue_tickets')
    .select(['status', 'skips'])
    .where('campaign_id', '=', campaignId)
    .where('site', '=', site)
    .where('date', '=', date)
    .execute();
  return {
    issued: rows.length,
    served: rows.filter((r) => r.status === 'served').length,
    open: rows.filter((r) => r.status === 'waiting' || r.status === 'called').length,
    skipped: rows.filter((r) => Number(r.skips) > 0).length,
    removed: rows.filter((r) => r.status === 'removed').length,
  };
}

/** Where a day-close counts: the school's stations at a site (make-ups at outlets left out), or one make-up outlet (S6). */
export type ClosePlace = { site: string } | { outlet: string };

/** Students with an accepted shot taken in [fromIso, toIso) (UTC instants of the campaign's day) at the place. */
export async function countPhotographedStudents(db: Tx, campaignId: string, place: ClosePlace, fromIso: string, toIso: string): Promise<number> {
  let q = db
    .selectFrom('photos')
    .innerJoin('students', 'students.id', 'photos.student_id')
    .select((eb) => eb.fn.count<number | string>('photos.student_id').distinct().as('n'))
    .where('photos.campaign_id', '=', campaignId);
  q = 'site' in place ? q.where('students.site', '=', place.site).where('photos.outlet_id', 'is', null) : q.where('photos.outlet_id', '=', place.outlet);
  const row = await q
    .where('photos.accepted', '=', 1)
    .where('photos.created_at', '>=', fromIso)
    .where('photos.created_at', '<', toIso)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Students who confirmed, in [fromIso, toIso), a photo taken at the place; a voided confirmation does not count (C3). */
export async function countConfirmedStudents(db: Tx, campaignId: string, place: ClosePlace, fromIso: string, toIso: string): Promise<number> {
  let q = db
    .selectFrom('photo_confirmations')
    .innerJoin('students', 'students.id', 'photo_confirmations.student_id')
    .innerJoin('photos', 'photos.id', 'photo_confirmations.photo_id')
    .select((eb) => eb.fn.count<number | string>('photo_confirmations.student_id').distinct().as('n'))
    .where('students.campaign_id', '=', campaignId);
  q = 'site' in place ? q.where('students.site', '=', place.site).where('photos.outlet_id', 'is', null) : q.where('photos.outlet_id', '=', place.outlet);
  const row = await q
    .where('photo_confirmations.voided_at', 'is', null)
    .where('photo_confirmations.confirmed_at', '>=', fromIso)
    .where('photo_confirmations.confirmed_at', '<', toIso)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
