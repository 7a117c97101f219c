// The registry package (issue 10 section 1, A1): requests and answers of createExport, listExports,
// getExport, downloadExport, and the CLI's `gradphoto export registry --json`.
import { z } from 'zod';

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
