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
