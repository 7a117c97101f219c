import { z } from 'zod';
import type { DashboardFigure } from '../domain/dashboard.js';
import { DateSchema, SiteSchema } from './common.js';

/**
 * The dashboards (issue 10 section 6): per department and per campaign day, the required students counted as
 * reached at least booked, photographed, confirmed, exported to the registry (A1), printed and handed over (A2);
 * payments per day (P1); make-ups outstanding (S6). Counts only: no personal data.
 */
export const DashboardFigureSchema = z.enum(['required', 'booked', 'photographed', 'confirmed', 'exported', 'printed', 'handedOver']);
type SameMembers<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const DASHBOARD_FIGURE_LISTS_AGREE: SameMembers<z.infer<typeof DashboardFigureSchema>, DashboardFigure> = true;

export const DashboardCountsSchema = z.object({
  required: z.number().int(),
  booked: z.number().int(),
  photographed: z.number().int(),
  confirmed: z.number().int(),
  exported: z.number().int(),
  printed: z.number().int(),
  handedOver: z.number().int(),
});
export type DashboardCountsView = z.infer<typeof DashboardCountsSchema>;

export const DashboardQuerySchema = z.object({
  site: SiteSchema.optional(),
  department: z.string().trim().min(1).max(200).optional(),
});
export type DashboardQuery = z.infer<typeof DashboardQuerySchema>;

export const PaymentDaySchema = z.object({
  date: DateSchema,
  /** payments that count (not a recorded duplicate) and their sum in fen */
  count: z.number().int(),
  amountFen: z.number().int(),
  /** second payments of a student who had paid already: to be refunded */
  duplicates: z.number().int(),
  duplicateAmountFen: z.number().int(),
});
export type PaymentDay = z.infer<typeof PaymentDaySchema>;

export const DashboardSchema = z.object({
  /** the campaign's date today (Asia/Shanghai) */
  asOf: DateSchema,
  departments: z.array(z.object({ department: z.string(), site: SiteSchema, day: DateSchema.nullable(), counts: DashboardCountsSchema, makeupsOutstanding: z.number().int().nullable() })),
  /** per day of the booking's session (a walk-in: the day of their ticket); `date` null: neither yet */
  days: z.array(z.object({ date: DateSchema.nullable(), counts: DashboardCountsSchema })),
  totals: DashboardCountsSchema,
  /** payments per day of the campaign (P1); null for a caller who may not read payments (a secretary) */
  payments: z
    .object({
      days: z.array(PaymentDaySchema),
      totals: PaymentDaySchema.omit({ date: true }),
    })
    .nullable(),
  /** make-ups outstanding (S6): required students without a valid confirmed photo once the campaign's last day has passed; null: not yet available */
  makeups: z.object({ outstanding: z.number().int(), campaignOver: z.boolean() }).nullable(),
  /** which figure families this server can count yet (prints: A2; make-ups: S6) */
  available: z.object({ prints: z.boolean(), makeups: z.boolean() }),
});
export type Dashboard = z.infer<typeof DashboardSchema>;
