import { z } from 'zod';
import { DecisionSchema } from './common.js';

/** Capture stations (issue #4 parts 1 and 5): the student being photographed at a station now. */

/** `beijing-1`: lowercase letters, digits and hyphens, 1–32 characters (it appears in URLs and logs). */
export const StationIdSchema = z.string().regex(/^[a-z0-9-]{1,32}$/, 'lowercase letters, digits and -, at most 32');
export const StationIdParamsSchema = z.object({ stationId: StationIdSchema });

export const StationStudentSchema = z.object({
  studentId: z.string(),
  studentNo: z.string(),
  /** masked (张*三) for the agency's roles, as everywhere else */
  name: z.string(),
  nameMasked: z.boolean(),
  department: z.string(),
  decision: DecisionSchema,
});
export type StationStudent = z.infer<typeof StationStudentSchema>;

export const StationSchema = z.object({
  id: StationIdSchema,
  currentStudent: StationStudentSchema.nullable(),
  /** null for a station nobody has used yet */
  updatedAt: z.string().nullable(),
});
export type Station = z.infer<typeof StationSchema>;

export const SetStationStudentRequestSchema = z.object({
  studentNo: z.string().trim().min(1).max(32),
});
export type SetStationStudentRequest = z.infer<typeof SetStationStudentRequestSchema>;
