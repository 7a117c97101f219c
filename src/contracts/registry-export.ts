// The registry package (issue 10 section 1, A1): requests and answers of createExport, listExports,
// getExport, downloadExport, and the CLI's `gradphoto export registry --json`.
import { z } from 'zod';

/** The file name rules, for the admin page's live preview (the server checks them again). */
export { DEFAULT_FILE_PATTERN, filePatternProblem, renderFileName } from '../domain/registry-export.js';

export const ExportStatusSchema = z.enum(['building', 'delivered', 'failed', 'abandoned']);
export type ExportStatus = z.infer<typeof ExportStatusSchema>;

export const RegistryExportSchema = z.object({
  id: z.string(),
  status: ExportStatusSchema,
  /** the encrypted package, e.g. registry-20261203-102600Z-1a2b3c4d.zip.gpg */
  fileName: z.string(),
  filePattern: z.string(),
  /** photos in the batch, and photos of earlier batches it withdraws (withdrawn.csv) */
  photoCount: z.number().int(),
  withdrawnCount: z.number().int(),
  /** progress while building: photos written so far, of photoCount */
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  bytes: z.number().int().nullable(),
  /** SHA-256 of the encrypted file, to compare after the transfer */
  sha256: z.string().nullable(),
  recipientFingerprint: z.string(),
  signerFingerprint: z.string().nullable(),
  errorCode: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type RegistryExport = z.infer<typeof RegistryExportSchema>;

export const CreateExportRequestSchema = z.object({
  /** the registry's public key, ASCII-armored; without it the data directory's keys/registry-recipient.asc */
  recipientKey: z.string().min(1).max(200_000).optional(),
  /** file names inside the package; default <studentNo>.jpg */
  fileNamePattern: z.string().min(1).max(200).optional(),
  /** sign with the data directory's keys/registry-signing.asc: default when it exists; false: unsigned; true: refused when missing */
  sign: z.boolean().optional(),
});
export type CreateExportRequest = z.infer<typeof CreateExportRequestSchema>;

/** `export` is null and `nothingToExport` true when no photo is new and none was withdrawn: nothing was written. */
export const CreateExportResponseSchema = z.object({
  export: RegistryExportSchema.nullable(),
  nothingToExport: z.boolean(),
  /** batches left by a builder that died, abandoned (their files removed) before this one */
  abandoned: z.array(z.string()),
});
export type CreateExportResponse = z.infer<typeof CreateExportResponseSchema>;

export const ExportListSchema = z.object({ items: z.array(RegistryExportSchema) });
export type ExportList = z.infer<typeof ExportListSchema>;

export const ExportParamsSchema = z.object({ id: z.string().min(1).max(64) });

/** A key in the data directory: absent, usable (its fingerprint), or unusable (the error code that refuses it). */
export const ConfiguredKeySchema = z.object({ configured: z.boolean(), fingerprint: z.string().nullable(), problem: z.string().nullable() });

/** getExportSettings: what a batch started now would use and hold (the admin page's form). */
export const ExportSettingsSchema = z.object({
  recipientKey: ConfiguredKeySchema,
  signingKey: ConfiguredKeySchema,
  defaultPattern: z.string(),
  /** a student whose photo is ready, to preview a file name pattern; null when none is */
  sample: z.object({ studentNo: z.string(), department: z.string() }).nullable(),
  /** photos a batch started now would hold, and earlier photos it would withdraw (both 0: nothing to export) */
  candidates: z.number().int(),
  withdrawals: z.number().int(),
});
export type ExportSettings = z.infer<typeof ExportSettingsSchema>;
