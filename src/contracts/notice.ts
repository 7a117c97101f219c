import { z } from 'zod';
import type { NoticeRule } from '../domain/notice.js';
import { DateSchema, SiteSchema, TextSchema } from './common.js';
import { SessionSchema } from './booking.js';

export const LangSchema = z.enum(['zh', 'en']);

/** `?lang=zh|en` wins over Accept-Language. */
export const NoticeQuerySchema = z.object({ lang: LangSchema.optional() });

// Written out (not imported) so that the web bundle carries no domain code; `satisfies` keeps it in step.
const NOTICE_RULE_IDS = ['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'C1', 'C2', 'C3', 'C4', 'P1', 'A3'] as const satisfies readonly NoticeRule[];
export const NoticeRuleSchema = z.enum(NOTICE_RULE_IDS);

export const NoticeLineSchema = z.object({ rule: NoticeRuleSchema.nullable(), text: z.string() });

export const NoticeDayRowSchema = z.object({
  date: DateSchema,
  day: z.string(),
  weekend: z.boolean(),
  windows: z.string(),
  departments: z.array(z.string()),
  codeByDate: DateSchema,
  codeBy: z.string(),
});

export const NoticeTableSchema = z.object({
  caption: z.string(),
  columns: z.object({ day: z.string(), windows: z.string(), departments: z.string(), codeBy: z.string() }),
  weekendLabel: z.string(),
  rows: z.array(NoticeDayRowSchema),
});

export const NoticeSectionSchema = z.object({
  id: z.enum(['must', 'mustNot', 'schedule', 'bring', 'onSite', 'makeUp', 'privacy']),
  heading: z.string(),
  lines: z.array(NoticeLineSchema),
  table: NoticeTableSchema.optional(),
});

/** getNotice: the campaign notice in one language, generated from the campaign's data (public). */
export const NoticeSchema = z.object({
  campaignId: z.string(),
  lang: LangSchema,
  title: z.string(),
  subtitle: z.string(),
  facts: z.array(z.object({ key: z.enum(['dates', 'windows', 'place', 'price']), label: z.string(), value: z.string() })),
  sections: z.array(NoticeSectionSchema),
  footer: z.string(),
});
export type Notice = z.infer<typeof NoticeSchema>;

/** Why the signed-in student may not book a session: the server's refusal, told before the click. */
export const NotBookableReasonSchema = z.object({
  code: z.enum(['STUDENT_NOT_ELIGIBLE', 'WRONG_SITE', 'WEEKEND_NOT_ALLOWED', 'SESSION_IN_PAST']),
  /** the rule behind it (S3, S4, or the eligibility rule), null for a past session */
  rule: z.string().nullable(),
  message: TextSchema,
});

export const MySessionSchema = SessionSchema.extend({
  /** whether the booking rules (S2–S4, E1–E7, not past) let this student book it; seats are another matter */
  bookable: z.boolean(),
  reason: NotBookableReasonSchema.nullable(),
});
export type MySession = z.infer<typeof MySessionSchema>;

/** listMySessions: every session for the signed-in student, with what the notice means for them. */
export const MySessionsSchema = z.object({
  site: SiteSchema,
  /** the day they are expected (their booking's, else their department's, S1); null when none */
  day: z.object({ date: DateSchema, start: z.string(), source: z.enum(['booking', 'department']) }).nullable(),
  /** the last day to fetch the collection code (C1: at least 3 days ahead), in the campaign's time zone */
  collectionCodeBy: DateSchema.nullable(),
  items: z.array(MySessionSchema),
});
export type MySessions = z.infer<typeof MySessionsSchema>;
