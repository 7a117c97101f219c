import { z } from 'zod';
import { AuditListSchema, AuditVerifySchema } from '../../contracts/audit.js';
import {
  BookingSchema,
  MyBookingSchema,
  SessionListSchema,
  SiteSettingsResponseSchema,
  WaitlistEntrySchema,
} from '../../contracts/booking.js';
import type { SiteSchema } from '../../contracts/common.js';
import { LoginResponseSchema, MeSchema, type LoginRequest } from '../../contracts/auth.js';
import { CampaignOverviewSchema, CampaignSchema } from '../../contracts/campaign.js';
import { PlanResponseSchema } from '../../contracts/planner.js';
import { RosterApplyResultSchema, RosterPreviewSchema } from '../../contracts/roster.js';
import {
  RevealNationalIdResponseSchema,
  StudentDetailSchema,
  StudentListSchema,
  type StudentListQuery,
} from '../../contracts/student.js';
import { UserListSchema, type CreateUserRequest } from '../../contracts/user.js';
import { ApiError, api, download, toQuery, uploadFile } from './client.js';

export type Site = z.infer<typeof SiteSchema>;

/** Filters of the student list and export, as strings (URL search params). */
export type StudentFilters = Partial<Record<Exclude<keyof StudentListQuery, 'page' | 'pageSize'>, string>>;

/**
 * The answer of joinWaitlist (POST /api/sessions/:id/waitlist): the server books a free seat instead of
 * queueing, so it answers either a booking or a waitlist entry. Not (yet) in contracts/booking.ts; this is
 * the shape src/http/booking.routes.ts declares.
 */
export const JoinWaitlistResponseSchema = z.object({
  booking: BookingSchema.nullable(),
  waitlistEntry: WaitlistEntrySchema.nullable(),
});

/** CAPACITY_BELOW_BOOKINGS `details`: the sessions over capacity and the students who would lose their seat. */
export const CapacityRefusalDetailsSchema = z.object({
  sessions: z.array(z.object({ sessionId: z.string(), date: z.string(), start: z.string(), capacity: z.number(), booked: z.number() })).optional(),
  affected: z.array(z.object({ studentNo: z.string(), sessionId: z.string(), date: z.string(), start: z.string() })).default([]),
  reason: z.string().optional(),
});

export interface SiteSettingsBody {
  stations: number;
  minutesPerStudent: number;
  moveAffected: boolean;
}

/** The header that makes a retried change return the first answer. */
function idempotent(key: string): Record<string, string> {
  return { 'Idempotency-Key': key };
}

export interface AuditFilters {
  action?: string;
  actor?: string;
  result?: string;
  from?: string;
  to?: string;
}

export const endpoints = {
  /** null when nobody is signed in (401). */
  async me() {
    try {
      return await api('/api/me', { schema: MeSchema });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  login: (body: LoginRequest) => api('/api/auth/login', { method: 'POST', body, schema: LoginResponseSchema }),
  logout: () => api('/api/auth/logout', { method: 'POST' }),
  campaign: () => api('/api/campaign', { schema: CampaignSchema }),
  overview: () => api('/api/campaign/overview', { schema: CampaignOverviewSchema }),
  students: (filters: StudentFilters, page: number, pageSize: number) =>
    api(`/api/students${toQuery({ ...filters, page, pageSize })}`, { schema: StudentListSchema }),
  student: (id: string) => api(`/api/students/${encodeURIComponent(id)}`, { schema: StudentDetailSchema }),
  revealNationalId: (id: string) =>
    api(`/api/students/${encodeURIComponent(id)}/national-id`, { method: 'POST', schema: RevealNationalIdResponseSchema }),
  exportStudents: (filters: Pick<StudentFilters, 'department' | 'decision'>) =>
    download(`/api/students/export.xlsx${toQuery(filters)}`, 'students.xlsx'),
  previewRoster: (file: File, onProgress?: (f: number) => void) =>
    uploadFile('/api/roster/preview', file, RosterPreviewSchema, onProgress),
  applyRoster: (file: File, onProgress?: (f: number) => void) =>
    uploadFile('/api/roster/apply', file, RosterApplyResultSchema, onProgress),
  audit: (filters: AuditFilters, page: number, pageSize: number) =>
    api(`/api/audit${toQuery({ ...filters, page, pageSize })}`, { schema: AuditListSchema }),
  verifyAudit: () => api('/api/audit/verify', { schema: AuditVerifySchema }),
  users: () => api('/api/users', { schema: UserListSchema }),
  /** The answer's shape is not part of the brief; the list is fetched again after a creation. */
  createUser: (body: CreateUserRequest) => api('/api/users', { method: 'POST', body }),
  /** listSessions: every (site, day, window) with capacity, booked, expected load and waiting count. */
  sessions: (site?: Site, date?: string) => api(`/api/sessions${toQuery({ site, date })}`, { schema: SessionListSchema }),
  /** getMyBooking: a student's own (no studentNo), or a student's named by staff. */
  myBooking: (studentNo?: string) => api(`/api/bookings/me${toQuery({ studentNo })}`, { schema: MyBookingSchema }),
  /** createBooking: books a session, or moves the student's booking there. */
  createBooking: (body: { sessionId: string; studentNo?: string }, key: string) =>
    api('/api/bookings', { method: 'POST', body, schema: BookingSchema, headers: idempotent(key) }),
  /** cancelBooking */
  cancelBooking: (id: string, key: string) =>
    api(`/api/bookings/${encodeURIComponent(id)}`, { method: 'DELETE', schema: BookingSchema, headers: idempotent(key) }),
  /** joinWaitlist */
  joinWaitlist: (sessionId: string, body: { studentNo?: string }, key: string) =>
    api(`/api/sessions/${encodeURIComponent(sessionId)}/waitlist`, { method: 'POST', body, schema: JoinWaitlistResponseSchema, headers: idempotent(key) }),
  /** updateSiteSettings: 409 CAPACITY_BELOW_BOOKINGS unless moveAffected. */
  updateSiteSettings: (site: Site, body: SiteSettingsBody) =>
    api(`/api/sites/${encodeURIComponent(site)}/settings`, { method: 'PUT', body, schema: SiteSettingsResponseSchema }),
  /** proposePlan: a proposed department → day table for the Beijing site (omitted numbers: the site's current settings). */
  plan: (stations?: number, minutesPerStudent?: number) =>
    api(`/api/plan${toQuery({ stations, minutesPerStudent })}`, { schema: PlanResponseSchema }),
};

export const queryKeys = {
  me: ['me'] as const,
  campaign: ['campaign'] as const,
  overview: ['campaign', 'overview'] as const,
  students: (filters: StudentFilters, page: number, pageSize: number) => ['students', filters, page, pageSize] as const,
  student: (id: string) => ['student', id] as const,
  audit: (filters: AuditFilters, page: number, pageSize: number) => ['audit', filters, page, pageSize] as const,
  users: ['users'] as const,
  /** every sessions query starts with 'sessions' (invalidated together after a booking change) */
  sessions: (site?: Site) => ['sessions', site ?? 'all'] as const,
  /** every booking query starts with 'booking' */
  myBooking: (studentNo?: string) => ['booking', studentNo ?? 'me'] as const,
  plan: (stations?: number, minutesPerStudent?: number) => ['plan', stations ?? 'current', minutesPerStudent ?? 'current'] as const,
};
