import { AuditListSchema, AuditVerifySchema } from '../../contracts/audit.js';
import { LoginResponseSchema, MeSchema, type LoginRequest } from '../../contracts/auth.js';
import { CampaignOverviewSchema, CampaignSchema } from '../../contracts/campaign.js';
import { RosterApplyResultSchema, RosterPreviewSchema } from '../../contracts/roster.js';
import {
  RevealNationalIdResponseSchema,
  StudentDetailSchema,
  StudentListSchema,
  type StudentListQuery,
} from '../../contracts/student.js';
import { UserListSchema, type CreateUserRequest } from '../../contracts/user.js';
import { ApiError, api, download, toQuery, uploadFile } from './client.js';

/** Filters of the student list and export, as strings (URL search params). */
export type StudentFilters = Partial<Record<Exclude<keyof StudentListQuery, 'page' | 'pageSize'>, string>>;

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
};

export const queryKeys = {
  me: ['me'] as const,
  campaign: ['campaign'] as const,
  overview: ['campaign', 'overview'] as const,
  students: (filters: StudentFilters, page: number, pageSize: number) => ['students', filters, page, pageSize] as const,
  student: (id: string) => ['student', id] as const,
  audit: (filters: AuditFilters, page: number, pageSize: number) => ['audit', filters, page, pageSize] as const,
  users: ['users'] as const,
};
