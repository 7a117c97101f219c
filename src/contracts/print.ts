// Prints and hand-over (issue 10 section 2, A2; docs/decisions/0025-prints-handover.md): requests and answers of
// the agency's print batches and sheets, the graduate school's receipt and deliveries, the secretary's hand-over,
// and the student's own confirmation on /my.
import { z } from 'zod';

const CountSchema = z.number().int().min(0).max(100_000);
const NoteSchema = z.string().trim().max(500);
const DepartmentSchema = z.string().trim().min(1).max(100);

export const PrintBatchStatusSchema = z.enum(['open', 'sent', 'received']);
export type PrintBatchStatus = z.infer<typeof PrintBatchStatusSchema>;

export const PrintBatchDepartmentSchema = z.object({ department: z.string(), sets: z.number().int(), voided: z.number().int() });

export const PrintBatchSchema = z.object({
  id: z.string(),
  /** 1, 2, … per campaign */
  number: z.number().int(),
  /** one department's batch, or null: every department's */
  department: z.string().nullable(),
  copies: z.number().int(),
  status: PrintBatchStatusSchema,
  /** sets to print / printed (a set whose photo was voided is not counted; see voided) */
  sets: z.number().int(),
  voided: z.number().int(),
  departments: z.array(PrintBatchDepartmentSchema),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  sentCount: z.number().int().nullable(),
  sentBy: z.string().nullable(),
  sentAt: z.string().nullable(),
  receivedCount: z.number().int().nullable(),
  receivedBy: z.string().nullable(),
  receivedAt: z.string().nullable(),
  discrepancyNote: z.string().nullable(),
});
export type PrintBatch = z.infer<typeof PrintBatchSchema>;

export const PrintBatchListSchema = z.object({
  items: z.array(PrintBatchSchema),
  /** confirmed, valid photos not yet in a batch, per department */
  unprinted: z.array(z.object({ department: z.string(), count: z.number().int() })),
});
export type PrintBatchList = z.infer<typeof PrintBatchListSchema>;

export const CreatePrintBatchRequestSchema = z.object({
  /** one department's photos; absent or null: every department's */
  department: DepartmentSchema.nullable().optional(),
  copies: z.number().int().min(1).max(8).optional(),
});
export type CreatePrintBatchRequest = z.infer<typeof CreatePrintBatchRequestSchema>;

export const PrintBatchParamsSchema = z.object({ id: z.string().min(1).max(64) });
export const PrintSheetQuerySchema = z.object({ department: DepartmentSchema });

/** The agency marks a batch sent with the sets it counted (must be the batch's). */
export const SendPrintBatchRequestSchema = z.object({ count: CountSchema });
/** The receiving side's count; a different count only with a note (recorded as a discrepancy). */
export const ReceivePrintsRequestSchema = z.object({ count: CountSchema, note: NoteSchema.optional() });
export type ReceivePrintsRequest = z.infer<typeof ReceivePrintsRequestSchema>;

export const PrintDeliverySchema = z.object({
  id: z.string(),
  department: z.string(),
  sentCount: z.number().int(),
  sentBy: z.string().nullable(),
  sentAt: z.string(),
  receivedCount: z.number().int().nullable(),
  receivedBy: z.string().nullable(),
  receivedAt: z.string().nullable(),
  discrepancyNote: z.string().nullable(),
  /** sets of this delivery handed to their students */
  handed: z.number().int(),
});
export type PrintDelivery = z.infer<typeof PrintDeliverySchema>;

export const PrintDeliveryListSchema = z.object({
  items: z.array(PrintDeliverySchema),
  /** per department: sets at the graduate school (received batches) not yet sent to it */
  ready: z.array(z.object({ department: z.string(), count: z.number().int() })),
});
export type PrintDeliveryList = z.infer<typeof PrintDeliveryListSchema>;

export const CreatePrintDeliveryRequestSchema = z.object({ department: DepartmentSchema });
export const PrintDeliveryParamsSchema = z.object({ id: z.string().min(1).max(64) });

export const PrintStateSchema = z.enum(['none', 'printing', 'at_school', 'sent_to_department', 'at_department', 'handed', 'voided']);
export type PrintStateName = z.infer<typeof PrintStateSchema>;

export const HandoverRowSchema = z.object({
  studentNo: z.string(),
  /** the full name for the graduate school and the department; masked for the agency */
  name: z.string(),
  state: PrintStateSchema,
  handedAt: z.string().nullable(),
  handedMethod: z.enum(['secretary', 'student']).nullable(),
});
export type HandoverRow = z.infer<typeof HandoverRowSchema>;

export const HandoverQuerySchema = z.object({
  /** absent: the secretary's only department (several: 400 PRINT_DEPARTMENT_REQUIRED naming them) */
  department: DepartmentSchema.optional(),
  /** only those who have not received their prints yet (every state but handed) */
  notReceived: z.enum(['true', 'false']).optional(),
  /** a student number or its start */
  q: z.string().trim().max(40).optional(),
});
export type HandoverQuery = z.infer<typeof HandoverQuerySchema>;
export const HandoverFileQuerySchema = z.object({ department: DepartmentSchema.optional() });

export const HandoverListSchema = z.object({
  department: z.string(),
  counts: z.object({ total: z.number().int(), handed: z.number().int(), atDepartment: z.number().int(), notYetAtDepartment: z.number().int(), voided: z.number().int() }),
  items: z.array(HandoverRowSchema),
});
export type HandoverList = z.infer<typeof HandoverListSchema>;

export const HandOverRequestSchema = z.object({
  department: DepartmentSchema,
  studentNos: z.array(z.string().trim().min(1).max(40)).min(1).max(500),
});
export type HandOverRequest = z.infer<typeof HandOverRequestSchema>;

export const HandOverResponseSchema = z.object({ handed: z.array(z.string()), alreadyHanded: z.array(z.string()) });
export type HandOverResponse = z.infer<typeof HandOverResponseSchema>;

export const MyPrintsSchema = z.object({
  state: PrintStateSchema,
  department: z.string().nullable(),
  handedAt: z.string().nullable(),
  handedMethod: z.enum(['secretary', 'student']).nullable(),
  /** the student may confirm "我已领取" (their set is at the department) */
  canConfirm: z.boolean(),
});
export type MyPrints = z.infer<typeof MyPrintsSchema>;
