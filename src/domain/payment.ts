// Electronic payments (issue 9 section 3, rule P1 of docs/rules/campaign-rules.md; docs/decisions/0020-payments.md).
// Pure rules: which transaction numbers each method issues, the amount in fen, and the reconciliation of
// recorded payments against a merchant's bill file. No I/O, no clock.
import type { CampaignDefinition } from './campaign.js';
import { AppError } from './errors.js';

/** WeChat Pay or Alipay: the only ways to pay (P1). There is no "cash". */
export const PAYMENT_METHODS = ['wechat', 'alipay'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** 微信支付订单号: 28 digits. 支付宝交易号: digits, 28–32 long. */
const TRANSACTION_PATTERNS: Record<PaymentMethod, { re: RegExp; field: string; expected: string }> = {
  wechat: { re: /^\d{28}$/, field: 'wechat-transaction-id', expected: 'digits-28' },
  alipay: { re: /^\d{28,32}$/, field: 'alipay-transaction-id', expected: 'digits-28-32' },
};

export function isValidTransactionId(method: PaymentMethod, transactionId: string): boolean {
  return TRANSACTION_PATTERNS[method].re.test(transactionId);
}

/** Throws PAYMENT_TRANSACTION_INVALID naming the field, what it must be and what was received. */
export function checkTransactionId(method: PaymentMethod, transactionId: string): void {
  if (isValidTransactionId(method, transactionId)) return;
  const p = TRANSACTION_PATTERNS[method];
  const shown = transactionId.length > 40 ? `${transactionId.slice(0, 40)}…` : transactionId;
  throw new AppError('PAYMENT_TRANSACTION_INVALID', {
    params: { field: p.field, expected: p.expected, value: shown, length: transactionId.length },
    details: { field: 'transactionId', method, length: transactionId.length },
  });
}

/** The campaign's price per set in fen (20 元 → 2000); the campaign file gives yuan. */
export function priceFen(campaign: Pick<CampaignDefinition, 'price'>): number {
  return Math.round(campaign.price.amount * 100);
}

/** 2000 → "20.00" */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** "20", "20.0", "20.00", "-20.00" → fen, exactly (no floating point); undefined when not an amount. */
export function parseYuan(text: string): number | undefined {
  const m = /^(-?)(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -fen : fen;
}

/** Throws PAYMENT_AMOUNT_MISMATCH naming both amounts, in yuan and fen. */
export function checkAmount(campaign: Pick<CampaignDefinition, 'price'>, amountFen: number): void {
  const expected = priceFen(campaign);
  if (amountFen === expected) return;
  throw new AppError('PAYMENT_AMOUNT_MISMATCH', {
    params: { expectedFen: expected, expectedYuan: formatYuan(expected), amountFen, amountYuan: formatYuan(amountFen) },
    details: { field: 'amountFen', expectedFen: expected, amountFen },
  });
}

// ───────────────────────────── reconciliation ─────────────────────────────

/** One line of a merchant's bill file: a payment received, or a refund of one (by the paid transaction's number). */
export interface StatementLine {
  lineNo: number;
  kind: 'payment' | 'refund';
  transactionId: string;
  merchantOrderNo: string | null;
  amountFen: number;
  /** as the file gives it, Beijing time, e.g. "2026-12-03 09:31:05" */
  tradedAt: string | null;
}

export interface RecordedPayment {
  id: string;
  method: PaymentMethod;
  transactionId: string;
  amountFen: number;
  /** YYYY-MM-DD, campaign time */
  date: string;
}

export interface ReconciliationOutcome<P extends RecordedPayment> {
  matched: { payment: P; line: StatementLine }[];
  /** recorded at the desk (on a day the statement covers) but the merchant account has no such payment */
  recordedNotInStatement: P[];
  /** the merchant account received it but nobody recorded it for a student */
  inStatementNotRecorded: StatementLine[];
  /** the same transaction with another amount than recorded */
  amountDiffers: { payment: P; line: StatementLine }[];
  /** refunded by the merchant, with the recorded payment when there is one */
  refunded: { payment: P | null; line: StatementLine }[];
}

/** The days a statement covers: the dates of its lines (campaign time = Beijing time, as the files are). */
export function statementPeriod(lines: StatementLine[]): { from: string; to: string } | null {
  const dates = lines.map((l) => l.tradedAt?.slice(0, 10)).filter((d): d is string => !!d && /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
  return dates.length ? { from: dates[0]!, to: dates[dates.length - 1]! } : null;
}

/**
 * Compares one statement with the payments recorded for its method. Payments recorded on days the statement
 * does not cover are left out (a bill of one day says nothing about another day's payments).
 */
export function reconcile<P extends RecordedPayment>(method: PaymentMethod, period: { from: string; to: string } | null, payments: P[], lines: StatementLine[]): ReconciliationOutcome<P> {
  const own = payments.filter((p) => p.method === method);
  const byTx = new Map(own.map((p) => [p.transactionId, p]));
  const out: ReconciliationOutcome<P> = { matched: [], recordedNotInStatement: [], inStatementNotRecorded: [], amountDiffers: [], refunded: [] };
  const seen = new Set<string>();
  for (const line of lines) {
    const payment = byTx.get(line.transactionId);
    if (line.kind === 'refund') {
      out.refunded.push({ payment: payment ?? null, line });
      continue;
    }
    if (!payment) {
      out.inStatementNotRecorded.push(line);
      continue;
    }
    seen.add(payment.id);
    if (payment.amountFen === line.amountFen) out.matched.push({ payment, line });
    else out.amountDiffers.push({ payment, line });
  }
  for (const p of own) {
    if (seen.has(p.id)) continue;
    if (period && (p.date < period.from || p.date > period.to)) continue;
    out.recordedNotInStatement.push(p);
  }
  return out;
}

// ───────────────────────────── refunds ─────────────────────────────

export type RefundReason = 'duplicate' | 'not-required';

/**
 * Why a recorded payment is to be paid back, or null: a second payment of the same student (recorded as a
 * duplicate), or a student who paid and is no longer required to be photographed (decision changed, E7) or
 * was removed from the roster.
 */
export function refundReason(p: { duplicateOf: string | null; decision: string; removed: boolean }): RefundReason | null {
  if (p.duplicateOf !== null) return 'duplicate';
  if (p.removed || p.decision !== 'required') return 'not-required';
  return null;
}
