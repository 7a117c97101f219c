// The cashier's calls (issue 9 section 3, P1; docs/decisions/0020-payments.md), typed by the payment contracts.
import type { PaymentListQuery, RecordPaymentRequest } from '../../contracts/payment.js';
import { DayCloseSchema, PaymentListSchema, PaymentSchema, ReconciliationSchema, RefundListSchema } from '../../contracts/payment.js';
import { api, download, toQuery, uploadFile } from './client.js';

/** What a day-close is of: a site's school stations, or one make-up outlet (S6). */
export type ClosePlace = { site: string } | { outlet: string };

export const paymentKeys = {
  all: ['payments'] as const,
  list: (q: PaymentListQuery) => ['payments', 'list', q] as const,
  refunds: (site: string | undefined) => ['payments', 'refunds', site ?? ''] as const,
  dayClose: (place: ClosePlace, date: string) => ['payments', 'day-close', 'site' in place ? place.site : `outlet:${place.outlet}`, date] as const,
  reconciliation: (statement: string) => ['payments', 'reconciliation', statement] as const,
};

export const paymentsApi = {
  /** listPayments: filters site, date (campaign time), method; masked names for the agency. */
  list: (q: PaymentListQuery) => api(`/api/payments${toQuery({ ...q })}`, { schema: PaymentListSchema }),
  /** recordPayment: 201 new, 200 the same transaction again for the same student. */
  record: (body: RecordPaymentRequest) => api('/api/payments', { method: 'POST', body, schema: PaymentSchema }),
  /** importPaymentStatement: the merchant's bill file as downloaded; answers its reconciliation. */
  importStatement: (file: File, onProgress?: (fraction: number) => void) => uploadFile('/api/payments/statements', file, ReconciliationSchema, onProgress),
  /** getReconciliation: a stored statement against the payments as recorded now. */
  reconciliation: (statement: string) => api(`/api/payments/reconciliation${toQuery({ statement })}`, { schema: ReconciliationSchema }),
  /** exportReconciliation: the same as XLSX (audited). */
  exportReconciliation: (statement: string) => download(`/api/payments/reconciliation.xlsx${toQuery({ statement })}`, 'reconciliation.xlsx'),
  /** listRefunds: duplicates and students no longer required (E7). */
  refunds: (site?: string) => api(`/api/payments/refunds${toQuery({ site })}`, { schema: RefundListSchema }),
  /** exportRefunds: the refund list as XLSX (audited). */
  exportRefunds: (site?: string) => download(`/api/payments/refunds.xlsx${toQuery({ site })}`, 'refunds.xlsx'),
  /** getDayClose: the numbers of one site (its school stations) or one make-up outlet, and one day. */
  dayClose: (place: ClosePlace, date: string) => api(`/api/payments/day-close${toQuery({ ...place, date })}`, { schema: DayCloseSchema }),
};
