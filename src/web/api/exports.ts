// The registry package and the registry's answer (issue 10 section 1, A1; decisions 0023 and 0024), typed by
// their contracts: the admin's /exports page.
import { RegistryAnswerImportListSchema, RegistryAnswerImportSchema, RetakeListSchema } from '../../contracts/registry-answer.js';
import type { CreateExportRequest } from '../../contracts/registry-export.js';
import { CreateExportResponseSchema, ExportListSchema, ExportSettingsSchema, RegistryExportSchema } from '../../contracts/registry-export.js';
import { api, download, uploadFile } from './client.js';

export const exportKeys = {
  all: ['exports'] as const,
  list: ['exports', 'list'] as const,
  settings: ['exports', 'settings'] as const,
  one: (id: string) => ['exports', 'one', id] as const,
  answers: ['exports', 'answers'] as const,
  retakes: ['exports', 'retakes'] as const,
};

export const exportsApi = {
  /** getExportSettings: the data directory's keys, the default pattern and a sample, what a batch would hold. */
  settings: () => api('/api/exports/settings', { schema: ExportSettingsSchema }),
  /** listExports: the batches, newest first. */
  list: () => api('/api/exports', { schema: ExportListSchema }),
  /** getExport: one batch and its progress while building. */
  get: (id: string) => api(`/api/exports/${encodeURIComponent(id)}`, { schema: RegistryExportSchema }),
  /** createExport: 202 building, or 200 nothing to export. */
  create: (body: CreateExportRequest) => api('/api/exports', { method: 'POST', body, schema: CreateExportResponseSchema }),
  /** downloadExport: a plain link, so that the browser streams a large package to disk. */
  downloadUrl: (id: string) => `/api/exports/${encodeURIComponent(id)}/download`,
  /** importRegistryAnswer: the registry's answer file (CSV or XLSX). */
  importAnswer: (file: File, onProgress?: (fraction: number) => void) => uploadFile('/api/exports/answers', file, RegistryAnswerImportSchema, onProgress),
  /** listRegistryAnswerImports */
  answers: () => api('/api/exports/answers', { schema: RegistryAnswerImportListSchema }),
  /** listRetakes */
  retakes: () => api('/api/retakes', { schema: RetakeListSchema }),
  /** exportRetakes (XLSX, audited) */
  exportRetakes: () => download('/api/retakes.xlsx', 'retakes.xlsx'),
};
