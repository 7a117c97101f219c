import { z } from 'zod';
import { DecisionSchema, PageQuerySchema, RuleSchema, SiteSchema, TextSchema } from './common.js';

export const StudentListQuerySchema = PageQuerySchema.extend({
  department: z.string().optional(),
  decision: DecisionSchema.optional(),
  rule: RuleSchema.optional(),
  site: SiteSchema.optional(),
  q: z.string().trim().max(100).optional(),
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
});
