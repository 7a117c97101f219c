import { z } from 'zod';
import { isAppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { translateError } from '../domain/i18n.js';
import type { PaymentMethod } from '../domain/payment.js';
import { checkTransactionId, PAYMENT_METHODS } from '../domain/payment.js';
import { DateSchema, DecisionSchema, SiteSchema } from './common.js';
import { OutletIdSchema } from './makeup.js';

/** Electronic payments (issue 9 section 3, P1): WeChat Pay or Alipay, never cash. Amounts are integers in fen. */
export const PaymentMethodSchema = z.enum(PAYMENT_METHODS);

export const RecordPaymentRequestSchema = z.object({
  studentNo: z.string().trim().min(1).max(32),
  method: PaymentMethodSchema,
  /** 微信支付订单号 (28 digits) or 支付宝交易号 (28–32 digits); checked per method by the service */
  transactionId: z.string().trim().min(1).max(64),
  amountFen: z.number().int().min(0).max(100_000_000),
  /** the student had paid already and really paid again: record this one as a duplicate to refund */
  duplicate: z.boolean().optional(),
  /** S6: taken at a make-up outlet's station (makeup-<outlet>-<n>): the amount is the make-up fee, the outlet recorded */
  stationId: z.string().regex(/^[a-z0-9-]{1,32}$/).optional(),
});
export type RecordPaymentRequest = z.infer<typeof RecordPaymentRequestSchema>;

export const RefundReasonSchema = z.enum(['duplicate', 'not-required']);

export const PaymentSchema = z.object({
  id: z.string(),
  studentId: z.string(),
  studentNo: z.string(),
  /** masked (张*三) for the agency's roles (operator, cashier) */
  name: z.string(),
  nameMasked: z.boolean(),
  department: z.string(),
  decision: DecisionSchema,
  site: SiteSchema,
  method: PaymentMethodSchema,
  transactionId: z.string(),
  amountFen: z.number().int(),
  /** the first payment of this student when this one is a second payment (to refund) */
  duplicateOf: z.string().nullable(),
  /** why this payment is to be paid back, or null */
  refundDue: RefundReasonSchema.nullable(),
  recordedAt: z.string(),
  /** the account that recorded it (display name, else user name); null for the command line */
  recordedBy: z.string().nullable(),
  /** YYYY-MM-DD, campaign time */
  date: DateSchema,
  /** the make-up outlet it was taken at (S6: the make-up fee), null at one of the school's sites */
  outletId: z.string().nullable(),
});
export type Payment = z.infer<typeof PaymentSchema>;

/**
 * What the server answers for a malformed transaction number (PAYMENT_TRANSACTION_INVALID), in the given
 * language, or null when the number is well-formed for the method: the cashier's page checks as it types
 * with the very message the server would send.
 */
export function transactionIdProblem(method: PaymentMethod, raw: string, lang: Lang): string | null {
  try {
    checkTransactionId(method, raw.trim());
    return null;
  } catch (e) {
    if (isAppError(e)) return translateError(e.code, e.params, lang);
    throw e;
  }
}

export const PaymentListQuerySchema = z.object({
  site: SiteSchema.optional(),
  date: DateSchema.optional(),
  method: PaymentMethodSchema.optional(),
  /** only payments to refund (a duplicate, or a student no longer required) */
  refundDue: z.enum(['true', 'false']).optional(),
});
export type PaymentListQuery = z.infer<typeof PaymentListQuerySchema>;

export const PaymentListSchema = z.object({
  items: z.array(PaymentSchema),
  totals: z.object({ count: z.number().int(), amountFen: z.number().int(), refundDueCount: z.number().int(), refundDueFen: z.number().int() }),
});
export type PaymentList = z.infer<typeof PaymentListSchema>;

export const StatementTotalsSchema = z.object({
  payments: z.number().int(),
  paymentFen: z.number().int(),
  refunds: z.number().int(),
  refundFen: z.number().int(),
});

export const StatementLineSchema = z.object({
  line: z.number().int(),
  kind: z.enum(['payment', 'refund']),
  transactionId: z.string(),
  merchantOrderNo: z.string().nullable(),
  amountFen: z.number().int(),
  tradedAt: z.string().nullable(),
});

export const ReconciliationSchema = z.object({
  statement: z.object({
    id: z.string(),
    method: PaymentMethodSchema,
    fileName: z.string(),
    importedAt: z.string(),
    period: z.object({ from: DateSchema, to: DateSchema }).nullable(),
    lines: z.number().int(),
  }),
  matched: z.array(z.object({ payment: PaymentSchema, line: StatementLineSchema })),
  recordedNotInStatement: z.array(PaymentSchema),
  inStatementNotRecorded: z.array(StatementLineSchema),
  amountDiffers: z.array(z.object({ payment: PaymentSchema, line: StatementLineSchema })),
  refunded: z.array(z.object({ payment: PaymentSchema.nullable(), line: StatementLineSchema })),
  totals: z.object({
    /** what the file's summary lines say */
    file: StatementTotalsSchema,
    /** what the file's lines add up to, by the same definitions */
    lines: StatementTotalsSchema,
    agree: z.boolean(),
    recorded: z.object({ count: z.number().int(), amountFen: z.number().int() }),
    matched: z.object({ count: z.number().int(), amountFen: z.number().int() }),
  }),
  /** every payment of the campaign to refund now (duplicates, students no longer required) */
  refunds: z.array(PaymentSchema),
});
export type Reconciliation = z.infer<typeof ReconciliationSchema>;

export const ReconciliationQuerySchema = z.object({ statement: z.string().min(1).max(64) });

/** Per site: whether the desk asks for payment before giving a queue ticket (default yes: pay, then ticket). */
export const PaymentSettingsSchema = z.object({ site: SiteSchema, paymentBeforeQueue: z.boolean() });
export type PaymentSettings = z.infer<typeof PaymentSettingsSchema>;
export const PaymentSettingsRequestSchema = z.object({ paymentBeforeQueue: z.boolean() });
export const PaymentSettingsParamsSchema = z.object({ site: SiteSchema });

// ───────────────────────────── refunds and the day-close (the cashier's page) ─────────────────────────────

export const RefundListQuerySchema = z.object({ site: SiteSchema.optional() });

/** A payment to pay back: a second payment of one student, or a student no longer required (E7). */
export const RefundSchema = z.object({
  payment: PaymentSchema,
  reason: RefundReasonSchema,
  /** the rule of the student's decision now (E4–E6) when they are no longer required; null for a duplicate or a student who left the roster */
  rule: z.string().nullable(),
  /** the student left the roster after paying */
  removed: z.boolean(),
  /** for a duplicate: the payment that counts */
  firstPayment: z.object({ id: z.string(), method: PaymentMethodSchema, transactionId: z.string(), recordedAt: z.string() }).nullable(),
});
export type Refund = z.infer<typeof RefundSchema>;

const CountAmountSchema = z.object({ count: z.number().int(), amountFen: z.number().int() });

export const RefundListSchema = z.object({
  items: z.array(RefundSchema),
  totals: z.object({ count: z.number().int(), amountFen: z.number().int(), duplicate: CountAmountSchema, notRequired: CountAmountSchema }),
});
export type RefundList = z.infer<typeof RefundListSchema>;

/**
 * The day-close of one site (its school stations; make-ups at outlets are not in it) or of one make-up outlet
 * (S6): exactly one of `site` and `outlet`. `date` defaults to today (campaign time).
 */
export const DayCloseQuerySchema = z.object({ site: SiteSchema.optional(), outlet: OutletIdSchema.optional(), date: DateSchema.optional() });
/** The same, with "exactly one of site and outlet" checked (a refinement the OpenAPI document cannot say). */
export const DayCloseQueryCheckedSchema = DayCloseQuerySchema.superRefine((q, ctx) => {
  if ((q.site === undefined) === (q.outlet === undefined)) {
    ctx.addIssue({ code: 'custom', path: [q.site === undefined ? 'site' : 'outlet'], message: 'give exactly one of site, outlet', params: { reason: 'one-of', fields: ['site', 'outlet'] } });
  }
});

export const DayCloseSchema = z.object({
  /** the site asked for, or null for an outlet's day-close */
  site: SiteSchema.nullable(),
  /** the make-up outlet asked for (makeup_outlets.id), or null for a site's day-close */
  outlet: OutletIdSchema.nullable(),
  /** YYYY-MM-DD, campaign time */
  date: DateSchema,
  generatedAt: z.string(),
  tickets: z.object({
    /** queue numbers given at check-in */
    issued: z.number().int(),
    /** done at a station */
    served: z.number().int(),
    /** still waiting or called */
    open: z.number().int(),
    /** called and did not come at least once (C4) */
    skipped: z.number().int(),
    /** out of the queue after the second skip: no-shows */
    removed: z.number().int(),
  }),
  /** students with an accepted shot taken that day at the site's stations (or at the outlet) */
  photographed: z.number().int(),
  /** students who confirmed that day a photo taken there (voided confirmations do not count) */
  confirmed: z.number().int(),
  payments: z.object({
    count: z.number().int(),
    amountFen: z.number().int(),
    byMethod: z.array(z.object({ method: PaymentMethodSchema, count: z.number().int(), amountFen: z.number().int() })),
    /** recorded second payments of a student (to refund), included above */
    duplicates: CountAmountSchema,
  }),
});
export type DayClose = z.infer<typeof DayCloseSchema>;
