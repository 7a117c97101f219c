// Electronic payments and their reconciliation (issue 9 section 3, rule P1; docs/decisions/0020-payments.md).
//
// - recordPayment: the desk (operator) or the cashier records a WeChat Pay / Alipay payment of the campaign's
//   price for a required student. The database keeps the invariants: UNIQUE (method, transaction_id) (one
//   transaction pays for one student) and one counting payment per student (a partial unique index); a lost
//   race runs the transaction again and answers from the winner's row. The same student and transaction again
//   is idempotent (200, no event). Refusals that matter (another student's transaction, a second payment) are
//   audited as `payment.refused`. A second payment the student really made is recorded with `duplicate: true`
//   and is then on the refund list.
// - importPaymentStatement: a merchant's bill file (adapters/payment-statement.ts) is stored line by line in
//   one transaction with its event; the same file again answers the stored statement. The reconciliation is
//   recomputed on every read against the payments as they are then.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { ParsedStatement } from '../adapters/payment-statement.js';
import { parsePaymentStatement } from '../adapters/payment-statement.js';
import { writeXlsx } from '../adapters/xlsx-export.js';
import type { DayClose, Payment, PaymentList, PaymentSettings, Reconciliation, Refund, RefundList } from '../contracts/payment.js';
import { DayCloseQueryCheckedSchema, PaymentListQuerySchema, PaymentSettingsRequestSchema, RecordPaymentRequestSchema, RefundListQuerySchema } from '../contracts/payment.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { localDate } from '../domain/campaign.js';
import type { Decision } from '../domain/eligibility.js';
import { AppError, isAppError, schemaIssues } from '../domain/errors.js';
import { maskName } from '../domain/masking.js';
import type { PaymentMethod, StatementLine } from '../domain/payment.js';
import { PAYMENT_METHODS } from '../domain/payment.js';
import { checkAmount, checkTransactionId, formatYuan, reconcile, refundReason } from '../domain/payment.js';
import type { Principal } from '../domain/permissions.js';
import { seesFullNames } from '../domain/permissions.js';
import { wallClockOf, wallClockText } from '../domain/wall-clock.js';
import type { PaymentStatementLineRow, PaymentStatementRow, PaymentWithStudentRow } from '../repositories/payment.repository.js';
import * as paymentRepo from '../repositories/payment.repository.js';
import { findOutlet } from '../repositories/makeup.repository.js';
import { recordAuditEvent } from './audit.service.js';
import type { Done, IdempotencyInput } from './change.js';
import { change, withIdempotency } from './change.js';
import { getActiveCampaign } from './campaign.service.js';
import { assertCampaignOpenForWrite } from './campaign-close.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { checkMakeUpStation } from './makeup.service.js';
import { parseOutletStation } from '../domain/makeup.js';

function validationFailed(error: z.ZodError): AppError {
  const issue = error.issues[0];
  return new AppError('VALIDATION_FAILED', { params: { detail: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` }, details: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })), issues: schemaIssues(error.issues) });
}

function toPayment(row: PaymentWithStudentRow, principal: Principal | null): Payment {
  // The agency's roles (operator, cashier) and the command line see 张*三 (who uses the product, A3).
  const full = principal !== null && seesFullNames(principal);
  return {
    id: row.id,
    studentId: row.student_id,
    studentNo: row.student_no,
    name: full ? row.student_name : maskName(row.student_name),
    nameMasked: !full,
    department: row.department,
    decision: row.decision as Decision,
    site: row.site as Payment['site'],
    method: row.method,
    transactionId: row.transaction_id,
    amountFen: row.amount_fen,
    duplicateOf: row.duplicate_of,
    refundDue: refundReason({ duplicateOf: row.duplicate_of, decision: row.decision, removed: row.removed_at !== null }),
    recordedAt: row.recorded_at,
    recordedBy: row.recorded_by_name,
    date: row.date,
    outletId: row.outlet_id ?? null,
  };
}

async function paymentView(deps: ServiceDeps, actor: Actor, campaignId: string, id: string): Promise<Payment> {
  const [row] = await paymentRepo.listPaymentsWithStudents(deps.db.db, campaignId, { id });
  if (!row) throw new AppError('NOT_FOUND');
  return toPayment(row, actor.principal);
}

/** "2023-10-20 10:00" in the campaign's time zone (Beijing), as the desk reads a clock. */
function campaignTime(iso: string, timeZone: string): string {
  return wallClockText(iso, timeZone);
}

type Refusal = { code: 'PAYMENT_REFERENCE_IN_USE' | 'ALREADY_PAID'; studentId: string; otherStudentId: string; paymentId: string };

/** recordPayment: 201 with the payment; 200 when the same student records the same transaction again. */
export async function recordPayment(deps: ServiceDeps, actor: Actor, body: unknown, opts: { idempotency?: IdempotencyInput } = {}): Promise<Done<Payment>> {
  authorize(actor, 'payment.record');
  const parsed = RecordPaymentRequestSchema.safeParse(body);
  if (!parsed.success) throw validationFailed(parsed.error);
  const req = parsed.data;
  return withIdempotency(deps, actor, opts.idempotency, async () => {
    const campaign = await getActiveCampaign(deps);
    checkTransactionId(req.method, req.transactionId);
    // S6: at a make-up outlet's station the amount is the make-up fee (makeUp.fee), and the outlet must be usable
    const atOutlet = req.stationId !== undefined && parseOutletStation(req.stationId) !== null;
    checkAmount(atOutlet ? { ...campaign, price: { ...campaign.price, amount: campaign.makeUp.fee } } : campaign, req.amountFen);
    let refusal: Refusal | undefined;
    try {
      const done = await change<string>(
        deps,
        actor,
        async (tx) => {
          refusal = undefined;
          // a closed campaign's payments are in its closing report: no more are recorded (CAMPAIGN_CLOSED)
          await assertCampaignOpenForWrite(deps, tx, campaign);
          const student = await paymentRepo.findPaymentStudentByNo(tx, campaign.id, req.studentNo);
          if (!student || student.removed_at !== null) throw new AppError('STUDENT_NOT_FOUND', { details: { studentNo: req.studentNo } });
          const sameTx = await paymentRepo.findPaymentByTransaction(tx, req.method, req.transactionId);
          if (sameTx) {
            if (sameTx.student_id === student.id) return { value: sameTx.id, created: false, audit: null };
            refusal = { code: 'PAYMENT_REFERENCE_IN_USE', studentId: student.id, otherStudentId: sameTx.student_id, paymentId: sameTx.id };
            throw new AppError('PAYMENT_REFERENCE_IN_USE', {
              params: { method: req.method, transactionId: req.transactionId, studentNo: req.studentNo },
              details: { method: req.method, transactionId: req.transactionId, studentNo: req.studentNo },
            });
          }
          // Only required students pay (E1–E3); the others are told why (E4–E6, not in the campaign).
          if (student.decision !== 'required') throw new AppError('STUDENT_NOT_ELIGIBLE', { params: { rule: student.rule ?? student.decision }, details: { studentNo: req.studentNo, decision: student.decision, rule: student.rule } });
          const outletId = atOutlet ? await checkMakeUpStation(tx, deps.clock(), campaign, req.stationId!, student.id, { payment: true }) : null;
          const first = await paymentRepo.findPaymentOfStudent(tx, campaign.id, student.id);
          if (first && !req.duplicate) {
            refusal = { code: 'ALREADY_PAID', studentId: student.id, otherStudentId: student.id, paymentId: first.id };
            throw new AppError('ALREADY_PAID', {
              params: { studentNo: req.studentNo, method: first.method, transactionId: first.transaction_id, paidAt: campaignTime(first.recorded_at, campaign.timezone) },
              details: { studentNo: req.studentNo, paymentId: first.id, method: first.method, transactionId: first.transaction_id, recordedAt: first.recorded_at },
            });
          }
          const id = crypto.randomUUID();
          const now = nowIso(deps);
          await paymentRepo.insertPayment(tx, {
            id,
            campaign_id: campaign.id,
            student_id: student.id,
            site: student.site,
            method: req.method,
            transaction_id: req.transactionId,
            amount_fen: req.amountFen,
            duplicate_of: first ? first.id : null,
            recorded_by: actor.principal?.userId ?? null,
            recorded_at: now,
            date: localDate(deps.clock(), campaign.timezone),
            outlet_id: outletId,
          });
          return {
            value: id,
            created: true,
            audit: {
              action: 'payment.recorded',
              targetType: 'payment',
              targetId: id,
              details: { studentId: student.id, method: req.method, transactionId: req.transactionId, amountFen: req.amountFen, duplicateOf: first?.id ?? null, ...(outletId ? { outletId, stationId: req.stationId, rule: 'S6' } : {}) },
            },
          };
        },
        { retryConflicts: true },
      );
      return { value: await paymentView(deps, actor, campaign.id, done.value), created: done.created };
    } catch (e) {
      if (refusal && isAppError(e) && e.code === refusal.code) {
        await recordAuditEvent(deps, actor, {
          action: 'payment.refused',
          result: 'denied',
          targetType: 'payment',
          targetId: refusal.paymentId,
          details: { reason: refusal.code, method: req.method, transactionId: req.transactionId, studentId: refusal.studentId, paidForStudentId: refusal.otherStudentId },
        });
      }
      throw e;
    }
  });
}

function totalsOf(items: Payment[]): PaymentList['totals'] {
  const due = items.filter((p) => p.refundDue !== null);
  return {
    count: items.length,
    amountFen: items.reduce((s, p) => s + p.amountFen, 0),
    refundDueCount: due.length,
    refundDueFen: due.reduce((s, p) => s + p.amountFen, 0),
  };
}

/** listPayments: filters site, date (campaign time), method, refundDue; names masked for the agency's roles. */
export async function listPayments(deps: ServiceDeps, actor: Actor, query: unknown): Promise<PaymentList> {
  authorize(actor, 'payment.read');
  const parsed = PaymentListQuerySchema.safeParse(query ?? {});
  if (!parsed.success) throw validationFailed(parsed.error);
  const q = parsed.data;
  const campaign = await getActiveCampaign(deps);
  let items = (await paymentRepo.listPaymentsWithStudents(deps.db.db, campaign.id, q)).map((r) => toPayment(r, actor.principal));
  if (q.refundDue === 'true') items = items.filter((p) => p.refundDue !== null);
  if (q.refundDue === 'false') items = items.filter((p) => p.refundDue === null);
  return { items, totals: totalsOf(items) };
}

/**
 * listRefunds: the payments to pay back, each with its reason — a second payment of one student (with the
 * payment that counts), or a student who paid and is no longer required (E7: the roster or the terms changed;
 * with the rule of their decision now) or was removed from the roster. Computed on read, never stored.
 */
export async function listRefunds(deps: ServiceDeps, actor: Actor, query: unknown): Promise<RefundList> {
  authorize(actor, 'payment.read');
  const parsed = RefundListQuerySchema.safeParse(query ?? {});
  if (!parsed.success) throw validationFailed(parsed.error);
  const campaign = await getActiveCampaign(deps);
  const rows = await paymentRepo.listPaymentsWithStudents(deps.db.db, campaign.id, { site: parsed.data.site });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const items: Refund[] = [];
  for (const row of rows) {
    const payment = toPayment(row, actor.principal);
    if (payment.refundDue === null) continue;
    const first = row.duplicate_of ? byId.get(row.duplicate_of) : undefined;
    items.push({
      payment,
      reason: payment.refundDue,
      rule: payment.refundDue === 'not-required' && row.removed_at === null ? row.rule : null,
      removed: row.removed_at !== null,
      firstPayment: first ? { id: first.id, method: first.method, transactionId: first.transaction_id, recordedAt: first.recorded_at } : null,
    });
  }
  // oldest first; payments of the same instant by student number (a stable order for the page and its tests)
  items.sort((x, y) => x.payment.recordedAt.localeCompare(y.payment.recordedAt) || x.payment.studentNo.localeCompare(y.payment.studentNo) || x.payment.id.localeCompare(y.payment.id));
  const sum = (list: Refund[]) => ({ count: list.length, amountFen: list.reduce((s, r) => s + r.payment.amountFen, 0) });
  return {
    items,
    totals: { ...sum(items), duplicate: sum(items.filter((r) => r.reason === 'duplicate')), notRequired: sum(items.filter((r) => r.reason === 'not-required')) },
  };
}

/** exportRefunds: the refund list as XLSX for the merchant platform's refunds (audited: it names students). */
export async function exportRefunds(deps: ServiceDeps, actor: Actor, query: unknown): Promise<{ fileName: string; body: Buffer }> {
  const list = await listRefunds(deps, actor, query);
  const campaign = await getActiveCampaign(deps);
  const reasonText = (r: Refund): string => {
    if (r.reason === 'duplicate') return r.firstPayment ? `${REFUND_NAMES.duplicate}：首笔 First ${METHOD_NAMES[r.firstPayment.method]} ${r.firstPayment.transactionId}` : REFUND_NAMES.duplicate!;
    if (r.removed) return `${REFUND_NAMES['not-required']}：已移出名单 Left the roster`;
    return `${REFUND_NAMES['not-required']}${r.rule ? `（${r.rule}）` : ''}`;
  };
  const body = await writeXlsx([
    {
      name: '待退款 To refund',
      columns: [
        { header: '登记时间 Recorded at', key: 'at', width: 18 },
        { header: '学号 Student no.', key: 'studentNo', width: 14 },
        { header: '姓名 Name', key: 'name', width: 12 },
        { header: '院系 Department', key: 'department', width: 20 },
        { header: '支付方式 Method', key: 'method', width: 10 },
        { header: '交易号 Transaction', key: 'transactionId', width: 34 },
        { header: '金额（元）Amount', key: 'amount', width: 12 },
        { header: '原因 Reason', key: 'reason', width: 48 },
      ],
      rows: [
        ...list.items.map((r) => ({
          at: campaignTime(r.payment.recordedAt, campaign.timezone),
          studentNo: r.payment.studentNo,
          name: r.payment.name,
          department: r.payment.department,
          method: METHOD_NAMES[r.payment.method],
          transactionId: r.payment.transactionId,
          amount: formatYuan(r.payment.amountFen),
          reason: reasonText(r),
        })),
        { at: '合计 Total', studentNo: null, name: null, department: null, method: null, transactionId: `${list.totals.count}`, amount: formatYuan(list.totals.amountFen), reason: null },
      ],
    },
  ]);
  await recordAuditEvent(deps, actor, { action: 'payments.exported', targetType: 'refund_list', targetId: null, details: { refunds: list.items.length } });
  // No personal data in the file name (A3).
  return { fileName: `refunds-${localDate(deps.clock(), campaign.timezone)}.xlsx`, body };
}

/** The wall-clock time of an instant in a time zone, read as if it were UTC (ms). */
function wallClockMs(at: number, timeZone: string): number {
  return wallClockOf(at, timeZone).asUtcMs;
}

/** The UTC instant at which a campaign day (YYYY-MM-DD, campaign time) begins. */
function startOfCampaignDay(date: string, timeZone: string): string {
  const midnight = Date.parse(`${date}T00:00:00Z`);
  let at = midnight;
  for (let i = 0; i < 2; i++) at -= wallClockMs(at, timeZone) - midnight;
  return new Date(at).toISOString();
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * getDayClose: the numbers of one site and day for the cashier's closing sheet — queue tickets issued, served,
 * still open, skipped and removed (no-shows), students photographed (an accepted shot) and confirmed, and the
 * payments recorded by method (duplicates to refund included and counted apart). No personal data.
 */
export async function getDayClose(deps: ServiceDeps, actor: Actor, query: unknown): Promise<DayClose> {
  authorize(actor, 'payment.read');
  const parsed = DayCloseQueryCheckedSchema.safeParse(query ?? {});
  if (!parsed.success) throw validationFailed(parsed.error);
  const campaign = await getActiveCampaign(deps);
  const db = deps.db.db;
  // A site's day-close counts its school stations only: the make-up fees and photos taken at an outlet after the
  // campaign (S6) are the outlet's day-close, not the student's home site's.
  const site = parsed.data.site !== undefined ? checkSite(campaign, parsed.data.site) : null;
  const outlet = parsed.data.outlet !== undefined ? parsed.data.outlet : null;
  if (outlet !== null && (await findOutlet(db, outlet))?.campaign_id !== campaign.id) throw new AppError('NOT_FOUND');
  const place: paymentRepo.ClosePlace = site !== null ? { site } : { outlet: outlet! };
  const date = parsed.data.date ?? localDate(deps.clock(), campaign.timezone);
  const from = startOfCampaignDay(date, campaign.timezone);
  const to = startOfCampaignDay(nextDay(date), campaign.timezone);
  const [tickets, photographed, confirmed, payments] = await Promise.all([
    // an outlet has no queue (its make-ups are not booked)
    site !== null ? paymentRepo.countDayTickets(db, campaign.id, site, date) : { issued: 0, served: 0, open: 0, skipped: 0, removed: 0 },
    paymentRepo.countPhotographedStudents(db, campaign.id, place, from, to),
    paymentRepo.countConfirmedStudents(db, campaign.id, place, from, to),
    paymentRepo.listPaymentsWithStudents(db, campaign.id, site !== null ? { site, outlet: null, date } : { outlet: outlet!, date }),
  ]);
  const sum = (list: typeof payments) => ({ count: list.length, amountFen: list.reduce((s, p) => s + p.amount_fen, 0) });
  return {
    site,
    outlet,
    date,
    generatedAt: nowIso(deps),
    tickets,
    photographed,
    confirmed,
    payments: {
      ...sum(payments),
      byMethod: PAYMENT_METHODS.map((method) => ({ method, ...sum(payments.filter((p) => p.method === method)) })),
      duplicates: sum(payments.filter((p) => p.duplicate_of !== null)),
    },
  };
}

function toLine(l: StatementLine) {
  return { line: l.lineNo, kind: l.kind, transactionId: l.transactionId, merchantOrderNo: l.merchantOrderNo, amountFen: l.amountFen, tradedAt: l.tradedAt };
}

function fromRow(r: PaymentStatementLineRow): StatementLine {
  return { lineNo: r.line_no, kind: r.kind, transactionId: r.transaction_id, merchantOrderNo: r.merchant_order_no, amountFen: r.amount_fen, tradedAt: r.traded_at };
}

interface StoredSummary {
  totals: ParsedStatement['totals'];
  period: ParsedStatement['period'];
}

async function buildReconciliation(deps: ServiceDeps, actor: Actor, campaign: CampaignDefinition, statement: PaymentStatementRow): Promise<Reconciliation> {
  const summary = JSON.parse(statement.summary) as StoredSummary;
  const lines = (await paymentRepo.listStatementLines(deps.db.db, statement.id)).map(fromRow);
  const payments = (await paymentRepo.listPaymentsWithStudents(deps.db.db, campaign.id)).map((r) => toPayment(r, actor.principal));
  const recorded = payments.map((p) => ({ ...p, method: p.method as PaymentMethod }));
  const out = reconcile(statement.method, summary.period, recorded, lines);
  const inPeriod = payments.filter((p) => p.method === statement.method && (!summary.period || (p.date >= summary.period.from && p.date <= summary.period.to)));
  return {
    statement: { id: statement.id, method: statement.method, fileName: statement.file_name, importedAt: statement.imported_at, period: summary.period, lines: lines.length },
    matched: out.matched.map((m) => ({ payment: m.payment, line: toLine(m.line) })),
    recordedNotInStatement: out.recordedNotInStatement,
    inStatementNotRecorded: out.inStatementNotRecorded.map(toLine),
    amountDiffers: out.amountDiffers.map((m) => ({ payment: m.payment, line: toLine(m.line) })),
    refunded: out.refunded.map((m) => ({ payment: m.payment, line: toLine(m.line) })),
    totals: {
      ...summary.totals,
      recorded: { count: inPeriod.length, amountFen: inPeriod.reduce((s, p) => s + p.amountFen, 0) },
      matched: { count: out.matched.length, amountFen: out.matched.reduce((s, m) => s + m.line.amountFen, 0) },
    },
    refunds: payments.filter((p) => p.refundDue !== null),
  };
}

/** importPaymentStatement: stores a merchant bill file (all or nothing) and answers its reconciliation. */
export async function importPaymentStatement(deps: ServiceDeps, actor: Actor, file: { fileName: string; bytes: Uint8Array }): Promise<Done<Reconciliation>> {
  authorize(actor, 'payment.reconcile');
  const campaign = await getActiveCampaign(deps);
  const parsed = parsePaymentStatement(file.bytes);
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  const fileName = file.fileName.replace(/[\\/]/g, '_').slice(0, 200) || 'statement.csv';
  const done = await change<string>(
    deps,
    actor,
    async (tx) => {
      const earlier = await paymentRepo.findStatementByFile(tx, campaign.id, sha256);
      if (earlier) return { value: earlier.id, created: false, audit: null };
      const id = crypto.randomUUID();
      const summary: StoredSummary = { totals: parsed.totals, period: parsed.period };
      await paymentRepo.insertStatement(
        tx,
        { id, campaign_id: campaign.id, method: parsed.method, file_sha256: sha256, file_name: fileName, summary: JSON.stringify(summary), imported_by: actor.principal?.userId ?? null, imported_at: nowIso(deps) },
        parsed.lines.map((l) => ({ statement_id: id, line_no: l.lineNo, kind: l.kind, transaction_id: l.transactionId, merchant_order_no: l.merchantOrderNo, amount_fen: l.amountFen, traded_at: l.tradedAt })),
      );
      return {
        value: id,
        created: true,
        audit: { action: 'payment_statement.imported', targetType: 'payment_statement', targetId: id, details: { method: parsed.method, sha256, lines: parsed.lines.length, totalsAgree: parsed.totals.agree } },
      };
    },
    { retryConflicts: true },
  );
  const statement = await paymentRepo.findStatement(deps.db.db, done.value);
  if (!statement) throw new AppError('NOT_FOUND');
  return { value: await buildReconciliation(deps, actor, campaign, statement), created: done.created };
}

/** getReconciliation: a stored statement against the payments as they are now. */
export async function getReconciliation(deps: ServiceDeps, actor: Actor, statementId: string): Promise<Reconciliation> {
  authorize(actor, 'payment.read');
  const campaign = await getActiveCampaign(deps);
  const statement = await paymentRepo.findStatement(deps.db.db, statementId);
  if (!statement || statement.campaign_id !== campaign.id) throw new AppError('NOT_FOUND');
  return buildReconciliation(deps, actor, campaign, statement);
}

function checkSite(campaign: CampaignDefinition, site: string): PaymentSettings['site'] {
  const found = campaign.sites.find((s) => s.id === site);
  if (!found) throw new AppError('NOT_FOUND');
  return found.id;
}

/** getPaymentSettings: whether the desk asks for payment before giving a ticket at this site (default yes). */
export async function getPaymentSettings(deps: ServiceDeps, actor: Actor, site: string): Promise<PaymentSettings> {
  authorize(actor, 'payment.record');
  const campaign = await getActiveCampaign(deps);
  const id = checkSite(campaign, site);
  return { site: id, paymentBeforeQueue: await paymentRepo.getPaymentBeforeQueue(deps.db.db, campaign.id, id) };
}

/** updatePaymentSettings: the graduate school's admin decides (schedule.manage); audited when it changes. */
export async function updatePaymentSettings(deps: ServiceDeps, actor: Actor, site: string, body: unknown): Promise<PaymentSettings> {
  authorize(actor, 'schedule.manage');
  const parsed = PaymentSettingsRequestSchema.safeParse(body);
  if (!parsed.success) throw validationFailed(parsed.error);
  const campaign = await getActiveCampaign(deps);
  const id = checkSite(campaign, site);
  const value = parsed.data.paymentBeforeQueue;
  await change(deps, actor, async (tx) => {
    const before = await paymentRepo.getPaymentBeforeQueue(tx, campaign.id, id);
    await paymentRepo.setPaymentBeforeQueue(tx, campaign.id, id, value, nowIso(deps));
    return { value: undefined, audit: before === value ? null : { action: 'payment_settings.changed', targetType: 'site', targetId: id, details: { paymentBeforeQueue: value } } };
  });
  return { site: id, paymentBeforeQueue: value };
}

const METHOD_NAMES: Record<PaymentMethod, string> = { wechat: '微信支付', alipay: '支付宝' };
const REFUND_NAMES: Record<string, string> = { duplicate: '重复支付', 'not-required': '无需采集' };

/** exportReconciliation: the reconciliation as XLSX, one sheet per list (audited: it names students). */
export async function exportReconciliation(deps: ServiceDeps, actor: Actor, statementId: string): Promise<{ fileName: string; body: Buffer }> {
  const r = await getReconciliation(deps, actor, statementId);
  const paymentColumns = [
    { header: '学号 Student no.', key: 'studentNo', width: 14 },
    { header: '姓名 Name', key: 'name', width: 12 },
    { header: '院系 Department', key: 'department', width: 20 },
    { header: '支付方式 Method', key: 'method', width: 10 },
    { header: '交易号 Transaction', key: 'transactionId', width: 34 },
    { header: '登记金额（元）Recorded', key: 'recorded', width: 12 },
    { header: '登记日期 Date', key: 'date', width: 12 },
  ];
  const lineColumns = [
    { header: '账单行 Line', key: 'line', width: 8 },
    { header: '交易号 Transaction', key: 'lineTx', width: 34 },
    { header: '商户订单号 Merchant order', key: 'order', width: 20 },
    { header: '账单金额（元）Statement', key: 'amount', width: 12 },
    { header: '交易时间 Time', key: 'tradedAt', width: 20 },
  ];
  const p = (x: Payment) => ({ studentNo: x.studentNo, name: x.name, department: x.department, method: METHOD_NAMES[x.method], transactionId: x.transactionId, recorded: formatYuan(x.amountFen), date: x.date });
  const l = (x: Reconciliation['matched'][number]['line']) => ({ line: x.line, lineTx: x.transactionId, order: x.merchantOrderNo, amount: formatYuan(x.amountFen), tradedAt: x.tradedAt });
  const t = r.totals;
  const body = await writeXlsx([
    {
      name: '汇总 Summary',
      columns: [
        { header: '项目 Item', key: 'item', width: 36 },
        { header: '笔数 Count', key: 'count', width: 10 },
        { header: '金额（元）Amount', key: 'amount', width: 14 },
      ],
      rows: [
        { item: `${METHOD_NAMES[r.statement.method]} ${r.statement.fileName}`, count: r.statement.lines, amount: null },
        { item: '账单汇总行：收款 File summary: payments', count: t.file.payments, amount: formatYuan(t.file.paymentFen) },
        { item: '账单汇总行：退款 File summary: refunds', count: t.file.refunds, amount: formatYuan(t.file.refundFen) },
        { item: '明细合计：收款 Lines: payments', count: t.lines.payments, amount: formatYuan(t.lines.paymentFen) },
        { item: '明细合计：退款 Lines: refunds', count: t.lines.refunds, amount: formatYuan(t.lines.refundFen) },
        { item: t.agree ? '汇总行与明细一致 Summary agrees' : '汇总行与明细不一致 Summary DIFFERS', count: null, amount: null },
        { item: '已登记 Recorded (days covered)', count: t.recorded.count, amount: formatYuan(t.recorded.amountFen) },
        { item: '已核对 Matched', count: t.matched.count, amount: formatYuan(t.matched.amountFen) },
        { item: '已登记但账单中没有 Recorded, not in statement', count: r.recordedNotInStatement.length, amount: null },
        { item: '账单中有但未登记 In statement, not recorded', count: r.inStatementNotRecorded.length, amount: null },
        { item: '金额不符 Amount differs', count: r.amountDiffers.length, amount: null },
        { item: '已退款 Refunded', count: r.refunded.length, amount: null },
        { item: '待退款 To refund', count: r.refunds.length, amount: null },
      ],
    },
    { name: '已核对 Matched', columns: [...paymentColumns, ...lineColumns], rows: r.matched.map((m) => ({ ...p(m.payment), ...l(m.line) })) },
    { name: '已登记未到账 Not in statement', columns: paymentColumns, rows: r.recordedNotInStatement.map(p) },
    { name: '到账未登记 Not recorded', columns: lineColumns, rows: r.inStatementNotRecorded.map(l) },
    { name: '金额不符 Amount differs', columns: [...paymentColumns, ...lineColumns], rows: r.amountDiffers.map((m) => ({ ...p(m.payment), ...l(m.line) })) },
    { name: '已退款 Refunded', columns: [...paymentColumns, ...lineColumns], rows: r.refunded.map((m) => ({ ...(m.payment ? p(m.payment) : {}), ...l(m.line) })) },
    { name: '待退款 To refund', columns: [...paymentColumns, { header: '原因 Reason', key: 'reason', width: 12 }], rows: r.refunds.map((x) => ({ ...p(x), reason: REFUND_NAMES[x.refundDue ?? ''] ?? null })) },
  ]);
  await recordAuditEvent(deps, actor, { action: 'payments.exported', targetType: 'payment_statement', targetId: r.statement.id, details: { matched: r.matched.length, refunds: r.refunds.length } });
  // No personal data in the file name (A3): the method, the statement's first day and its id's start.
  return { fileName: `reconciliation-${r.statement.method}-${r.statement.period?.from ?? 'empty'}-${r.statement.id.slice(0, 8)}.xlsx`, body };
}
