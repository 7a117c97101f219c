import { z } from 'zod';
import { PageQuerySchema } from './common.js';

export const AuditResultSchema = z.enum(['ok', 'denied', 'failed']);

export const AuditQuerySchema = PageQuerySchema.extend({
  action: z.string().max(64).optional(),
  actor: z.string().max(64).optional(),
  targetId: z.string().max(64).optional(),
  result: AuditResultSchema.optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AuditEventSchema = z.object({
  seq: z.number(),
  at: z.string(),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  actorRole: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  result: AuditResultSchema,
  details: z.unknown(),
});
export type AuditEventView = z.infer<typeof AuditEventSchema>;

export const AuditListSchema = z.object({
  items: z.array(AuditEventSchema),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
  actions: z.array(z.string()),
});

export const AuditVerifySchema = z.object({
  ok: z.boolean(),
  checked: z.number(),
  brokenAt: z.number().nullable(),
  problem: z.string().nullable(),
  /** signed checkpoints outside the database the chain was compared with (docs/decisions/0002) */
  checkpoints: z.number(),
  /**
   * events after the newest checkpoint: only as safe as the database. More than a checkpoint interval
   * means the checkpoints were not written or were cut (with the tail of the chain, undetectably here):
   * compare with the sink's copy (docs/decisions/0002).
   */
  uncovered: z.number(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifySchema>;
