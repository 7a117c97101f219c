// The calls of the dashboards and the corrections page (issue 10 sections 4 and 6), typed by their contracts.
import type { InvalidPhotoQuery, VoidedConfirmationQuery } from '../../contracts/corrections.js';
import { InvalidPhotoListSchema, VoidedConfirmationListSchema } from '../../contracts/corrections.js';
import type { DashboardQuery } from '../../contracts/dashboard.js';
import { DashboardSchema } from '../../contracts/dashboard.js';
import { api, download, toQuery } from './client.js';

export const dashboardKeys = {
  all: ['dashboard'] as const,
  dashboard: (q: DashboardQuery) => ['dashboard', q] as const,
  invalid: (q: InvalidPhotoQuery) => ['corrections', 'invalid', q] as const,
  voided: (q: VoidedConfirmationQuery) => ['corrections', 'voided', q] as const,
};

export const dashboardApi = {
  /** getDashboard: the funnel per department and day, payments per day, make-ups outstanding */
  dashboard: (q: DashboardQuery = {}) => api(`/api/dashboard${toQuery({ ...q })}`, { schema: DashboardSchema }),
  /** exportDashboard: every table as XLSX (audited) */
  exportDashboard: (q: DashboardQuery = {}) => download(`/api/dashboard/export.xlsx${toQuery({ ...q })}`, 'dashboard.xlsx'),
  /** listInvalidPhotos: photos flagged invalid (E7) */
  invalidPhotos: (q: InvalidPhotoQuery) => api(`/api/corrections/invalid-photos${toQuery({ ...q })}`, { schema: InvalidPhotoListSchema }),
  /** listVoidedConfirmations: voided confirmations with who, when, why */
  voidedConfirmations: (q: VoidedConfirmationQuery) => api(`/api/corrections/voided-confirmations${toQuery({ ...q })}`, { schema: VoidedConfirmationListSchema }),
  /** exportCorrections: the lists as XLSX (audited) */
  exportCorrections: (q: { department?: string | undefined; list: 'invalid' | 'voided' | 'both' }) => download(`/api/corrections/export.xlsx${toQuery({ ...q })}`, 'corrections.xlsx'),
};
