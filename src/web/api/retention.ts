// Retention and deletion (issue 10 section 5, A3; decision 0027), typed by their contracts: the admin's /retention page.
import type { CloseCampaignRequest } from '../../contracts/retention.js';
import { CampaignClosePreviewSchema, CloseCampaignResponseSchema, RetentionPolicySchema, RetentionPreviewSchema, RetentionRunListSchema, RunRetentionResponseSchema } from '../../contracts/retention.js';
import { api, download } from './client.js';

export const retentionKeys = {
  all: ['retention'] as const,
  policy: ['retention', 'policy'] as const,
  preview: ['retention', 'preview'] as const,
  runs: ['retention', 'runs'] as const,
  close: ['retention', 'close'] as const,
};

export const retentionApi = {
  /** getRetentionPolicy */
  policy: () => api('/api/retention/policy', { schema: RetentionPolicySchema }),
  /** updateRetentionPolicy (whole days 0–3650; the server names a bad field) */
  updatePolicy: (body: { originalsDays: number; standardDays: number }) => api('/api/retention/policy', { method: 'PUT', body, schema: RetentionPolicySchema }),
  /** previewRetentionRun: a dry run, nothing written */
  preview: () => api('/api/retention/preview', { schema: RetentionPreviewSchema }),
  /** listRetentionRuns */
  runs: () => api('/api/retention/runs', { schema: RetentionRunListSchema }),
  /** runRetention */
  run: () => api('/api/retention/runs', { method: 'POST', body: {}, schema: RunRetentionResponseSchema }),
  /** previewCampaignClose */
  closePreview: () => api('/api/campaign/close', { schema: CampaignClosePreviewSchema }),
  /** closeCampaign */
  close: (body: CloseCampaignRequest) => api('/api/campaign/close', { method: 'POST', body, schema: CloseCampaignResponseSchema }),
  /** getRecordOfProcessing as a PDF (audited) */
  downloadRecordPdf: (fallbackName: string) => download('/api/retention/record?format=pdf', fallbackName),
  /** getRecordOfProcessing as JSON (audited) */
  downloadRecordJson: (fallbackName: string) => download('/api/retention/record?format=json', fallbackName),
};
