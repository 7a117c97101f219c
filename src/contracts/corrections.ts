import { z } from 'zod';

/**
 * Invalid photos (E7) and corrections (issue 10 section 4): every photo flagged invalid, and every voided
 * confirmation, with what the registry package did with it. The admin sees all; a secretary their departments
 * (read-only); the agency's roles never (names would be masked if they did).
 */
export const RegistryStatusSchema = z.object({
  /** never exported; exported and withdrawn in a later batch's withdrawn.csv; exported, to be withdrawn by the next batch */
  kind: z.enum(['never', 'withdrawn', 'to-withdraw']),
  /** the delivered batch (its file name) that carried the photo */
  exportedIn: z.string().nullable(),
  /** the batch whose withdrawn.csv lists it */
  withdrawnIn: z.string().nullable(),
  /** the same in words, in the caller's language */
  text: z.string(),
});

export const InvalidPhotoSchema = z.object({
  photoId: z.string(),
  studentNo: z.string(),
  name: z.string(),
  department: z.string(),
  /** the rule that now excludes the student (E4–E6), `removed`, or a decision without a rule */
  reason: z.string(),
  reasonText: z.string(),
  /** when the photo was flagged */
  since: z.string(),
  photographedAt: z.string(),
  /** whether the photo had been confirmed (C3), and whether that confirmation still stands */
  wasConfirmed: z.boolean(),
  confirmedAt: z.string().nullable(),
  confirmationVoided: z.boolean(),
  registry: RegistryStatusSchema,
});
export type InvalidPhoto = z.infer<typeof InvalidPhotoSchema>;

export const VoidKindSchema = z.enum(['manual', 'registry']);

export const VoidedConfirmationSchema = z.object({
  confirmationId: z.string(),
  photoId: z.string(),
  studentNo: z.string(),
  name: z.string(),
  department: z.string(),
  confirmedAt: z.string(),
  voidedAt: z.string(),
  /** who voided: the account's display name or user name; null when it was the system */
  voidedBy: z.string().nullable(),
  reason: z.string(),
  /** `registry`: voided by the registry's 有误 answer (A1); `manual`: by an admin */
  kind: VoidKindSchema,
  /** the student's confirmed photo since (null: none yet — a make-up or retake is needed) */
  newConfirmedAt: z.string().nullable(),
  registry: RegistryStatusSchema,
});
export type VoidedConfirmation = z.infer<typeof VoidedConfirmationSchema>;

const department = z.string().trim().min(1).max(200).optional();

export const InvalidPhotoQuerySchema = z.object({
  department,
  /** one rule or reason (E4, E5, E6, removed…) */
  reason: z.string().trim().min(1).max(40).optional(),
});
export type InvalidPhotoQuery = z.infer<typeof InvalidPhotoQuerySchema>;

export const VoidedConfirmationQuerySchema = z.object({
  department,
  kind: VoidKindSchema.optional(),
  /** true: only students still without a new confirmed photo */
  open: z.enum(['true', 'false']).optional(),
});
export type VoidedConfirmationQuery = z.infer<typeof VoidedConfirmationQuerySchema>;

export const InvalidPhotoListSchema = z.object({ items: z.array(InvalidPhotoSchema), total: z.number().int() });
export type InvalidPhotoList = z.infer<typeof InvalidPhotoListSchema>;
export const VoidedConfirmationListSchema = z.object({ items: z.array(VoidedConfirmationSchema), total: z.number().int() });
export type VoidedConfirmationList = z.infer<typeof VoidedConfirmationListSchema>;

export const CorrectionsExportQuerySchema = z.object({
  department,
  /** which list: both sheets by default */
  list: z.enum(['invalid', 'voided', 'both']).default('both'),
});
export type CorrectionsExportQuery = z.infer<typeof CorrectionsExportQuerySchema>;
