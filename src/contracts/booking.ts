import { z } from 'zod';
import { DateSchema, SiteSchema } from './common.js';

export const SessionSchema = z.object({
  id: z.string(),
  site: SiteSchema,
  date: DateSchema,
  start: z.string(), // HH:MM, campaign time zone (Asia/Shanghai)
  end: z.string(),
  capacity: z.number(),
  booked: z.number(),
  /** required students of the departments of this day at this site with no booking, shared over the day's windows (S1) */
  expected: z.number(),
  weekend: z.boolean(),
  waiting: z.number(),
});
export type Session = z.infer<typeof SessionSchema>;

export const SessionListQuerySchema = z.object({ site: SiteSchema.optional(), date: DateSchema.optional() });
export const SessionListSchema = z.object({ items: z.array(SessionSchema) });

export const CreateBookingRequestSchema = z.object({
  sessionId: z.string().min(1).max(64),
  /** a student books for themself and may omit it; a secretary or admin books on a student's behalf */
  studentNo: z.string().trim().min(1).max(32).optional(),
});

export const BookingSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  studentId: z.string(),
  studentNo: z.string(),
  status: z.enum(['active', 'cancelled']),
  createdAt: z.string(),
  session: SessionSchema,
});
export type Booking = z.infer<typeof BookingSchema>;

export const WaitlistEntrySchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  studentNo: z.string(),
  position: z.number(),
  status: z.enum(['waiting', 'promoted', 'cancelled']),
  createdAt: z.string(),
});

export const MyBookingQuerySchema = z.object({ studentNo: z.string().trim().min(1).max(32).optional() });
export const MyBookingSchema = z.object({
  booking: BookingSchema.nullable(),
  /** the department's day when the student has not booked (S1) */
  defaultDay: DateSchema.nullable(),
  waitlist: z.array(WaitlistEntrySchema),
});

export const BookingIdParamsSchema = z.object({ id: z.string().min(1).max(64) });
export const SessionIdParamsSchema = z.object({ id: z.string().min(1).max(64) });
export const JoinWaitlistRequestSchema = z.object({ studentNo: z.string().trim().min(1).max(32).optional() });

export const SiteSettingsRequestSchema = z.object({
  stations: z.number().int().min(1).max(100),
  minutesPerStudent: z.number().int().min(1).max(120),
  /** when seats fall below bookings: move the affected students to other sessions (each is notified) */
  moveAffected: z.boolean().default(false),
});
export const SiteSettingsResponseSchema = z.object({
  site: SiteSchema,
  stations: z.number(),
  minutesPerStudent: z.number(),
  moved: z.array(z.object({ studentNo: z.string(), fromSessionId: z.string(), toSessionId: z.string() })),
});

/** joinWaitlist's answer: the server books a free seat instead of queueing, so it answers one or the other. */
export const JoinWaitlistResponseSchema = z.object({
  /** set when the session had a free seat: the student was booked instead of queued */
  booking: BookingSchema.nullable(),
  waitlistEntry: WaitlistEntrySchema.nullable(),
});

export const SiteSettingsSchema = z.object({ site: SiteSchema, stations: z.number(), minutesPerStudent: z.number() });

/**
 * CAPACITY_BELOW_BOOKINGS `details` (updateSiteSettings and updateCampaignSchedule): the sessions that would
 * hold more bookings than seats and the students who would lose their seat.
 */
export const CapacityRefusalDetailsSchema = z.object({
  sessions: z.array(z.object({ sessionId: z.string(), date: z.string(), start: z.string(), capacity: z.number(), booked: z.number() })).optional(),
  affected: z.array(z.object({ studentNo: z.string(), sessionId: z.string(), date: z.string(), start: z.string() })).default([]),
  reason: z.string().optional(),
});
export type CapacityRefusalDetails = z.infer<typeof CapacityRefusalDetailsSchema>;

// ───────────────────────────── the campaign's days and windows (S1) ─────────────────────────────

const TimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
export const ScheduleWindowSchema = z.object({ start: TimeSchema, end: TimeSchema });

/** One day: its departments (S1) and, per site, its windows in the campaign's time zone (Asia/Shanghai). */
export const ScheduleDaySchema = z.object({
  date: DateSchema,
  departments: z.array(z.string().trim().min(1).max(100)).max(200),
  windows: z.partialRecord(SiteSchema, z.array(ScheduleWindowSchema).max(8)),
});

export const CampaignScheduleSchema = z.object({
  timezone: z.string(),
  /** the first and last day a schedule may use (the campaign's span as loaded) */
  firstDay: DateSchema,
  lastDay: DateSchema,
  sites: z.array(SiteSchema),
  /** every department of the campaign: each must be on exactly one day */
  departments: z.array(z.string()),
  days: z.array(ScheduleDaySchema.extend({ weekend: z.boolean() })),
});

export const UpdateCampaignScheduleRequestSchema = z.object({
  days: z.array(ScheduleDaySchema).min(1).max(60),
  /** when sessions disappear or lose seats below their bookings: move the affected students (each is notified) */
  moveAffected: z.boolean().default(false),
});

export const UpdateCampaignScheduleResponseSchema = z.object({
  sessions: z.object({ kept: z.number(), added: z.number(), removed: z.number() }),
  moved: z.array(z.object({ studentNo: z.string(), fromSessionId: z.string(), toSessionId: z.string() })),
  cancelled: z.array(z.object({ studentNo: z.string(), sessionId: z.string() })),
});
