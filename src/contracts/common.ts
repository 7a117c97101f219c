import { z } from 'zod';

export const TextSchema = z.object({ zh: z.string(), en: z.string() });

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const RoleSchema = z.enum(['admin', 'secretary', 'operator', 'cashier', 'student']);
export type Role = z.infer<typeof RoleSchema>;

export const DecisionSchema = z.enum(['required', 'excluded', 'not-in-campaign']);
export const RuleSchema = z.enum(['E1', 'E2', 'E3', 'E4', 'E5', 'E6']);
export const SiteSchema = z.enum(['beijing', 'shenzhen']);
export const TermSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM');
export const DateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

export const HealthSchema = z.object({ status: z.literal('ok') });
