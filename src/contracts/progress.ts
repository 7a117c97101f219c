import { z } from 'zod';
import type { ProgressState } from '../domain/progress.js';
import { DateSchema, SiteSchema } from './common.js';

/**
 * Progress everywhere (issue 9): a `required` student's state (src/domain/progress.ts) — not booked → booked →
 * checked in → photographed → confirmed — with paid as a separate flag. Written out (not imported) so that the
 * web bundle carries no domain code; the type check below keeps the lists equal.
 */
export const ProgressStateSchema = z.enum(['not-booked', 'booked', 'checked-in', 'photographed', 'confirmed']);
export type ProgressStateValue = z.infer<typeof ProgressStateSchema>;
type SameMembers<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const PROGRESS_STATE_LISTS_AGREE: SameMembers<ProgressStateValue, ProgressState> = true;

/** The student list's filter: a state, or `no-show` (booked a session that is over and did not come). */
export const ProgressFilterSchema = z.enum(['not-booked', 'booked', 'no-show', 'checked-in', 'photographed', 'confirmed']);

/** Counts of a department, a day or the whole: each step counts the required students who reached it or went further. */
export const ProgressCountsSchema = z.object({
  required: z.number().int(),
  booked: z.number().int(),
  checkedIn: z.number().int(),
  photographed: z.number().int(),
  confirmed: z.number().int(),
  paid: z.number().int(),
});
export type ProgressCountsView = z.infer<typeof ProgressCountsSchema>;

export const ProgressQuerySchema = z.object({
  site: SiteSchema.optional(),
  department: z.string().trim().min(1).max(200).optional(),
});
export type ProgressQuery = z.infer<typeof ProgressQuerySchema>;

export const ProgressSchema = z.object({
  /** the campaign's date today (Asia/Shanghai) the counts are read at */
  asOf: DateSchema,
  departments: z.array(
    z.object({
      department: z.string(),
      site: SiteSchema,
      /** the department's day in the campaign's table (S1), null when it has none */
      day: DateSchema.nullable(),
      counts: ProgressCountsSchema,
    }),
  ),
  /** per day of the booking's session (a walk-in: the day of their ticket); `date` null: neither yet */
  days: z.array(z.object({ date: DateSchema.nullable(), counts: ProgressCountsSchema })),
  totals: ProgressCountsSchema,
});
export type Progress = z.infer<typeof ProgressSchema>;

export const RemindWhichSchema = z.enum(['not-booked', 'no-show']);

export const RemindStudentsRequestSchema = z.object({
  department: z.string().trim().min(1).max(200),
  which: RemindWhichSchema,
});
export type RemindStudentsRequest = z.infer<typeof RemindStudentsRequestSchema>;

export const RemindStudentsResponseSchema = z.object({
  /** mails queued now, one per student (durable jobs; sent by the mail runner) */
  queued: z.number().int(),
  /** not mailed: the sum of the three below */
  skipped: z.number().int(),
  /** reminded by mail in the last 24 hours (by a secretary or the scheduler) */
  recentlyReminded: z.number().int(),
  /** no address on the roster, or it bounced before */
  noAddress: z.number().int(),
  /** an address no mail server would accept: recorded as failed at once, nothing sent */
  invalidAddress: z.number().int(),
});
export type RemindStudentsResponse = z.infer<typeof RemindStudentsResponseSchema>;
