// The registry's answer (issue 10 section 1, A1; docs/decisions/0024-registry-answer.md): importRegistryAnswer,
// listRegistryAnswerImports, listRetakes, exportRetakes, and the CLI's `gradphoto export answer FILE --json`.
import { z } from 'zod';

export const RegistryAnswerImportSchema = z.object({
  id: z.string(),
  fileName: z.string(),
  fileSha256: z.string(),
  /** data rows of the file (duplicates of a row included) */
  rows: z.number().int(),
  /** new answers stored by this import */
  accepted: z.number().int(),
  rejected: z.number().int(),
  /** rows an earlier import had already answered the same way (nothing stored for them) */
  alreadyKnown: z.number().int(),
  /** confirmations voided by this import's 有误 answers: these students need a make-up */
  voided: z.number().int(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});
export type RegistryAnswerImport = z.infer<typeof RegistryAnswerImportSchema>;

export const RegistryAnswerImportListSchema = z.object({ items: z.array(RegistryAnswerImportSchema) });
export type RegistryAnswerImportList = z.infer<typeof RegistryAnswerImportListSchema>;

/** One bad row of a refused answer file (REGISTRY_ANSWER_INVALID's details.errors). */
export const RegistryAnswerRowErrorSchema = z.object({
  row: z.number().int(),
  studentNo: z.string(),
  value: z.string(),
  problem: z.string(),
  message: z.string(),
});
export type RegistryAnswerRowError = z.infer<typeof RegistryAnswerRowErrorSchema>;

export const RetakeSchema = z.object({
  studentNo: z.string(),
  /** full for the graduate school's roles, 张*三 for the agency's */
  name: z.string(),
  department: z.string(),
  /** when the 有误 answer was imported */
  answeredAt: z.string(),
  /** a booking made since the answer (its time), if any */
  bookedAt: z.string().nullable(),
  /** a new photo taken since the answer, not confirmed yet (its time), if any */
  rephotographedAt: z.string().nullable(),
});
export type Retake = z.infer<typeof RetakeSchema>;

export const RetakeListSchema = z.object({ items: z.array(RetakeSchema) });
export type RetakeList = z.infer<typeof RetakeListSchema>;
