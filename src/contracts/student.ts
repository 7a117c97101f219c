import { z } from 'zod';
import { DateSchema, DecisionSchema, PageQuerySchema, RuleSchema, SiteSchema, TextSchema } from './common.js';
import { ProgressFilterSchema, ProgressStateSchema } from './progress.js';

export const StudentListQuerySchema = PageQuerySchema.extend({
  department: z.string().optional(),
  decision: DecisionSchema.optional(),
  rule: RuleSchema.optional(),
  site: SiteSchema.optional(),
  q: z.string().trim().max(100).optional(),
  /** a progress state, or `no-show` (booked a session that is over, did not come); only required students match */
  progress: ProgressFilterSchema.optional(),
  paid: z.enum(['true', 'false']).optional(),
});
export type StudentListQuery = z.infer<typeof StudentListQuerySchema>;

export const StudentListItemSchema = z.object({
  id: z.string(),
  studentNo: z.string(),
  /** masked (张*三) for the agency's roles */
  name: z.string(),
  nameMasked: z.boolean(),
  department: z.string(),
  level: z.enum(['master', 'doctor']),
  certificate: z.enum(['dual', 'single']),
  expectedTerm: z.string(),
  finish: z.enum(['graduate', 'complete']),
  employed: z.boolean(),
  decision: DecisionSchema,
  rule: RuleSchema.nullable(),
  site: SiteSchema,
  reason: TextSchema,
  /** null for a student who is not `required` (they show their decision instead) */
  progress: ProgressStateSchema.nullable(),
  /** booked a session that is over and did not come (no ticket, no shot) */
  noShow: z.boolean(),
  /** the booked session's date (campaign time zone), if any */
  bookedDate: DateSchema.nullable(),
  /** a recorded payment (P1) */
  paid: z.boolean(),
});
export type StudentListItem = z.infer<typeof StudentListItemSchema>;

export const StudentListSchema = z.object({
  items: z.array(StudentListItemSchema),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
});

export const StudentDetailSchema = StudentListItemSchema.extend({
  studyCity: SiteSchema.nullable(),
  priorCaptureTerm: z.string().nullable(),
  deferredTo: z.string().nullable(),
  convertingFromCompletion: z.boolean(),
  departmentDay: z.string().nullable(),
  /** admin only: 11**************1X; the full number only through revealNationalId (audited) */
  nationalIdMasked: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StudentDetail = z.infer<typeof StudentDetailSchema>;

export const StudentIdParamsSchema = z.object({ id: z.string().min(1).max(64) });
export const RevealNationalIdResponseSchema = z.object({ nationalId: z.string().nullable() });

export const StudentExportQuerySchema = z.object({
  department: z.string().optional(),
  decision: DecisionSchema.optional(),
  progress: ProgressFilterSchema.optional(),
  paid: z.enum(['true', 'false']).optional(),
});
