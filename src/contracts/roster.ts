import { z } from 'zod';
import { DecisionSchema, RuleSchema } from './common.js';

/** One roster problem, in the request's language. The CLI prints the same shape with --json. */
export const RosterErrorSchema = z.object({
  row: z.number().nullable(),
  column: z.string().nullable(),
  value: z.string().nullable(),
  message: z.string(),
});
export type RosterError = z.infer<typeof RosterErrorSchema>;

const DecisionRefSchema = z.object({ decision: DecisionSchema, rule: RuleSchema.nullable() });

export const RosterChangeSchema = z.object({
  studentNo: z.string(),
  name: z.string(),
  department: z.string(),
  /** fields whose value changes; national ID values are never shown, only that they changed */
  fields: z.array(z.object({ field: z.string(), before: z.string().nullable(), after: z.string().nullable() })),
  before: DecisionRefSchema.nullable(),
  after: DecisionRefSchema.nullable(),
});
export type RosterChange = z.infer<typeof RosterChangeSchema>;

export const RosterSummarySchema = z.object({
  rows: z.number(),
  added: z.number(),
  changed: z.number(),
  removed: z.number(),
  unchanged: z.number(),
  decisionChanged: z.number(),
});
export type RosterSummary = z.infer<typeof RosterSummarySchema>;

/** How many stored students the import would remove, and whether that needs a second confirmation (issue 8 finding 13). */
export const RosterRemovalsSchema = z.object({
  count: z.number(),
  /** students stored before the import */
  stored: z.number(),
  /** removing more than this share of the stored students needs `confirmRemovals` equal to `count` */
  thresholdPercent: z.number(),
  needsConfirmation: z.boolean(),
});
export type RosterRemovals = z.infer<typeof RosterRemovalsSchema>;

export const RosterPreviewSchema = z.object({
  fileName: z.string(),
  sha256: z.string(),
  format: z.enum(['csv', 'xlsx']),
  encoding: z.string().nullable(),
  valid: z.boolean(),
  errors: z.array(RosterErrorSchema),
  errorCount: z.number(),
  unknownColumns: z.array(z.string()),
  summary: RosterSummarySchema,
  /** at most 1,000 of each list; the summary has the full counts */
  added: z.array(RosterChangeSchema),
  changed: z.array(RosterChangeSchema),
  removed: z.array(RosterChangeSchema),
  removals: RosterRemovalsSchema,
});
export type RosterPreview = z.infer<typeof RosterPreviewSchema>;

/** Multipart fields of applyRosterImport beside `file`. */
export const RosterApplyFieldsSchema = z.object({
  /** the removal count shown in the preview, confirmed a second time; required when `removals.needsConfirmation` */
  confirmRemovals: z.coerce.number().int().nonnegative().optional(),
});

/** The accepted headers of the downloadable template (getRosterTemplate). */
export const RosterTemplateQuerySchema = z.object({
  format: z.enum(['xlsx', 'csv']).default('xlsx'),
  lang: z.enum(['zh', 'en']).default('zh'),
});

export const RosterApplyResultSchema = z.object({
  importId: z.string().nullable(),
  applied: z.boolean(),
  summary: RosterSummarySchema,
  unknownColumns: z.array(z.string()),
});
export type RosterApplyResult = z.infer<typeof RosterApplyResultSchema>;

/** `gradphoto eligibility FILE --json`: one item per roster row. */
export const EligibilityItemSchema = z.object({
  studentNo: z.string(),
  decision: DecisionSchema,
  rule: RuleSchema.nullable(),
  site: z.enum(['beijing', 'shenzhen']),
});
