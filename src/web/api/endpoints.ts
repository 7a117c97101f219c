import { z } from 'zod';
import { AuditListSchema, AuditVerifySchema } from '../../contracts/audit.js';
import {
  BookingSchema,
  CampaignScheduleSchema,
  CapacityRefusalDetailsSchema,
  JoinWaitlistResponseSchema,
  MyBookingSchema,
  SessionListSchema,
  SiteSettingsResponseSchema,
  SiteSettingsSchema,
  UpdateCampaignScheduleResponseSchema,
  type ScheduleDaySchema,
} from '../../contracts/booking.js';
import type { SiteSchema } from '../../contracts/common.js';
import { LoginResponseSchema, MeSchema, OidcStatusSchema, type LoginRequest } from '../../contracts/auth.js';
import { CampaignOverviewSchema, CampaignSchema } from '../../contracts/campaign.js';
import { PlanResponseSchema } from '../../contracts/planner.js';
import { SignInLinkAcceptedSchema, type SignInLinkRequest } from '../../contracts/signin-link.js';
import { MySessionsSchema, NoticeSchema } from '../../contracts/notice.js';
import { RosterApplyResultSchema, RosterPreviewSchema } from '../../contracts/roster.js';
import {
  RevealNationalIdResponseSchema,
  StudentDetailSchema,
  StudentListSchema,
  type StudentListQuery,
} from '../../contracts/student.js';
import { UserListSchema, UserSchema, type CreateUserRequest, type UpdateUserRequest } from '../../contracts/user.js';
import { ApiError, api, download, toQuery, uploadFile } from './client.js';

export type Site = z.infer<typeof SiteSchema>;
export type ScheduleDay = z.infer<typeof ScheduleDaySchema>;

/** Filters of the student list and export, as strings (URL search params). */
export type StudentFilters = Partial<Record<Exclude<keyof StudentListQuery, 'page' | 'pageSize'>, string>>;

// joinWaitlist's answer and CAPACITY_BELOW_BOOKINGS `details` are contracts shared with the server.
export { CapacityRefusalDetailsSchema, JoinWaitlistResponseSchema };

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
  /** changePassword: one's own; the other sessions of the account end */
  changePassword: (body: { currentPassword: string; newPassword: string }) => api('/api/me/password', { method: 'POST', body }),
  /** requestSignInLink / consumeSignInLink: one-time sign-in links by mail (issue #3 part 6) */
  requestSignInLink: (body: SignInLinkRequest) => api('/api/auth/signin-link', { method: 'POST', body, schema: SignInLinkAcceptedSchema }),
  consumeSignInLink: (token: string) => api('/api/auth/signin-link/consume', { method: 'POST', body: { token }, schema: LoginResponseSchema }),
  /** getOidcStatus: is campus sign-on offered (the login page shows its button)? */
  oidcStatus: () => api('/api/auth/oidc', { schema: OidcStatusSchema }),
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
  /** `confirmRemovals`: the preview's removal count, confirmed a second time when it needs confirmation */
  applyRoster: (file: File, onProgress?: (f: number) => void, confirmRemovals?: number) =>
    uploadFile('/api/roster/apply', file, RosterApplyResultSchema, onProgress, confirmRemovals === undefined ? {} : { confirmRemovals: String(confirmRemovals) }),
  /** downloads the empty roster with every accepted column (getRosterTemplate) */
  downloadRosterTemplate: (format: 'xlsx' | 'csv', lang: 'zh' | 'en') => download(`/api/roster/template?format=${format}&lang=${lang}`, `roster-template.${format}`),
  audit: (filters: AuditFilters, page: number, pageSize: number) =>
    api(`/api/audit${toQuery({ ...filters, page, pageSize })}`, { schema: AuditListSchema }),
  verifyAudit: () => api('/api/audit/verify', { schema: AuditVerifySchema }),
  users: () => api('/api/users', { schema: UserListSchema }),
  /** The answer's shape is not part of the brief; the list is fetched again after a creation. */
  createUser: (body: CreateUserRequest) => api('/api/users', { method: 'POST', body }),
  /** updateUser: switch off / on, new password; the account's sessions end */
  updateUser: (id: string, body: UpdateUserRequest) => api(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', body, schema: UserSchema }),
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
  /** getSiteSettings: a site's stations and minutes per student. */
  siteSettings: (site: Site) => api(`/api/sites/${encodeURIComponent(site)}/settings`, { schema: SiteSettingsSchema }),
  /** getCampaignSchedule: days, departments and each site's windows. */
  campaignSchedule: () => api('/api/campaign/schedule', { schema: CampaignScheduleSchema }),
  /** updateCampaignSchedule: 400 naming day/field/value; 409 CAPACITY_BELOW_BOOKINGS unless moveAffected. */
  updateCampaignSchedule: (body: { days: ScheduleDay[]; moveAffected: boolean }) =>
    api('/api/campaign/schedule', { method: 'PUT', body, schema: UpdateCampaignScheduleResponseSchema }),
  /** proposePlan: a proposed department → day table for the Beijing site (omitted numbers: the site's current settings). */
  plan: (stations?: number, minutesPerStudent?: number) =>
    api(`/api/plan${toQuery({ stations, minutesPerStudent })}`, { schema: PlanResponseSchema }),
  /** getNotice: the public campaign notice in one language. */
  notice: (lang: 'zh' | 'en') => api(`/api/notice${toQuery({ lang })}`, { schema: NoticeSchema }),
  /** listMySessions: the signed-in student's sessions, each bookable or not with the reason, their day and code date. */
  mySessions: () => api('/api/me/sessions', { schema: MySessionsSchema }),
};

export const queryKeys = {
  me: ['me'] as const,
  oidcStatus: ['oidc-status'] as const,
  campaign: ['campaign'] as const,
  overview: ['campaign', 'overview'] as const,
  students: (filters: StudentFilters, page: number, pageSize: number) => ['students', filters, page, pageSize] as const,
  student: (id: string) => ['student', id] as const,
  audit: (filters: AuditFilters, page: number, pageSize: number) => ['audit', filters, page, pageSize] as const,
  users: ['users'] as const,
  /** every sessions query starts with 'sessions' (invalidated together after a booking change) */
  sessions: (site?: Site) => ['sessions', site ?? 'all'] as const,
  siteSettings: (site: Site) => ['sessions', 'settings', site] as const,
  schedule: ['sessions', 'schedule'] as const,
  /** every booking query starts with 'booking' */
  myBooking: (studentNo?: string) => ['booking', studentNo ?? 'me'] as const,
  plan: (stations?: number, minutesPerStudent?: number) => ['plan', stations ?? 'current', minutesPerStudent ?? 'current'] as const,
  notice: (lang: 'zh' | 'en') => ['notice', lang] as const,
  /** starts with 'sessions': refreshed with the others after a booking change */
  mySessions: ['sessions', 'me'] as const,
};
