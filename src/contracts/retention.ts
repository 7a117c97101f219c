// Retention and deletion (issue 10 section 5, A3): requests and answers of getRetentionPolicy,
// updateRetentionPolicy, previewRetentionRun, runRetention, listRetentionRuns, previewCampaignClose,
// closeCampaign, getRecordOfProcessing, and the CLI's `gradphoto retention … --json` / `campaign close --json`.
import { z } from 'zod';

export const RetentionPolicySchema = z.object({
  campaignId: z.string(),
  /** camera originals (and shots not chosen): days after the student's photo is confirmed */
  originalsDays: z.number().int(),
  /** standard photos: days after the registry accepted them and the prints were handed over */
  standardDays: z.number().int(),
  /** national ID numbers, phones and e-mail addresses are purged when the campaign is closed (always) */
  identityPurgedOnClose: z.literal(true),
  /** the policy in plain words, in the caller's language (as the notice says it) */
  sentences: z.array(z.string()),
  /** null while the defaults were never changed */
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type RetentionPolicy = z.infer<typeof RetentionPolicySchema>;

/** Numbers only here: the service checks whole days 0–3650 and names the field (RETENTION_DAYS_INVALID). */
export const UpdateRetentionPolicyRequestSchema = z.object({
  originalsDays: z.number(),
  standardDays: z.number(),
});
export type UpdateRetentionPolicyRequest = z.infer<typeof UpdateRetentionPolicyRequestSchema>;

export const PurgeCountsSchema = z.object({
  originals: z.number().int(),
  standards: z.number().int(),
  photos: z.number().int(),
  bytes: z.number().int(),
});
export type PurgeCountsView = z.infer<typeof PurgeCountsSchema>;

export const RetentionRunSchema = z.object({
  id: z.string(),
  trigger: z.enum(['cli', 'scheduler', 'api', 'close']),
  status: z.enum(['running', 'done', 'failed', 'abandoned']),
  counts: PurgeCountsSchema,
  filesRemoved: z.number().int(),
  startedBy: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  errorCode: z.string().nullable(),
});
export type RetentionRun = z.infer<typeof RetentionRunSchema>;

export const RetentionRunListSchema = z.object({ items: z.array(RetentionRunSchema) });

/** What a run would delete now (a dry run: nothing written), and the instants the policy's delays give. */
export const RetentionPreviewSchema = z.object({
  dryRun: z.literal(true),
  counts: PurgeCountsSchema,
  /** originals of photos confirmed at or before this instant are due */
  originalsConfirmedBefore: z.string(),
  /** standard photos accepted and handed over at or before this instant are due */
  standardsServedBefore: z.string(),
  /** encrypted files whose key was destroyed by an interrupted run and that are still on disk */
  filesPending: z.number().int(),
});
export type RetentionPreview = z.infer<typeof RetentionPreviewSchema>;

export const RunRetentionResponseSchema = z.object({
  run: RetentionRunSchema,
  /** files of earlier, interrupted runs removed by this one */
  leftoverFilesRemoved: z.number().int(),
});
export type RunRetentionResponse = z.infer<typeof RunRetentionResponseSchema>;

export const ClosingDepartmentSchema = z.object({
  department: z.string(),
  required: z.number().int(),
  photographed: z.number().int(),
  confirmed: z.number().int(),
  exported: z.number().int(),
  accepted: z.number().int(),
  printed: z.number().int(),
  handedOver: z.number().int(),
});

export const ClosingReportSchema = z.object({
  campaignId: z.string(),
  campaignName: z.string(),
  closedAt: z.string().nullable(),
  departments: z.array(ClosingDepartmentSchema),
  totals: ClosingDepartmentSchema.omit({ department: true }),
  exports: z.object({ batches: z.number().int(), photos: z.number().int(), withdrawn: z.number().int() }),
  payments: z.object({ count: z.number().int(), sumFen: z.number().int() }),
  purged: PurgeCountsSchema.extend({ identities: z.number().int() }),
  forcedReason: z.string().nullable(),
});
export type ClosingReport = z.infer<typeof ClosingReportSchema>;

export const CloseBlockerSchema = z.object({
  kind: z.enum(['exportBuilding', 'handoversOpen', 'confirmedNotExported', 'makeupsBeforeDeadline']),
  count: z.number().int(),
  /** for make-ups: the latest deadline still ahead (YYYY-MM-DD) */
  until: z.string().nullable(),
});
export type CloseBlocker = z.infer<typeof CloseBlockerSchema>;

/** The page's and `campaign close --dry-run`'s view: closed or not, what blocks, what would be purged. */
export const CampaignClosePreviewSchema = z.object({
  campaignId: z.string(),
  campaignName: z.string(),
  closed: z.boolean(),
  closedAt: z.string().nullable(),
  blockers: z.array(CloseBlockerSchema),
  /** blockers that --force with a reason may pass (make-ups only); the others never */
  forceable: z.boolean(),
  /** what closing now would purge (nothing when closed) */
  wouldPurge: PurgeCountsSchema.extend({ identities: z.number().int() }),
  /** the closing report: as it would be now, or as it was when closed */
  report: ClosingReportSchema,
});
export type CampaignClosePreview = z.infer<typeof CampaignClosePreviewSchema>;

export const CloseCampaignRequestSchema = z.object({
  /** the campaign's id, typed by the admin */
  confirm: z.string().max(200),
  force: z.boolean().optional(),
  reason: z.string().max(500).optional(),
});
export type CloseCampaignRequest = z.infer<typeof CloseCampaignRequestSchema>;

export const CloseCampaignResponseSchema = z.object({
  alreadyClosed: z.boolean(),
  report: ClosingReportSchema,
});
export type CloseCampaignResponse = z.infer<typeof CloseCampaignResponseSchema>;

/** `?lang=zh|en` wins over Accept-Language (as for the notice). */
export const RecordFormatQuerySchema = z.object({ format: z.enum(['pdf', 'json']).default('json'), lang: z.enum(['zh', 'en']).optional() });

export const RecordOfProcessingSchema = z.object({
  campaignId: z.string(),
  generatedAt: z.string(),
  lang: z.enum(['zh', 'en']),
  title: z.string(),
  subtitle: z.string(),
  sections: z.array(z.object({ id: z.string(), heading: z.string(), lines: z.array(z.string()) })),
  policy: z.object({ originalsDays: z.number().int(), standardDays: z.number().int() }),
  counts: z.record(z.string(), z.number()),
});
export type RecordOfProcessing = z.infer<typeof RecordOfProcessingSchema>;
