import type { Permission as DomainPermission } from '../domain/permissions.js';
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

// Written out (not imported) so that the web bundle carries no domain code; the type check below keeps it
// equal to the domain's PERMISSIONS (a permission added there and not here fails `tsc`).
export const PermissionSchema = z.enum([
  'campaign.overview',
  'campaign.manage',
  'roster.import',
  'student.list',
  'student.read',
  'student.export',
  'student.nationalId.read',
  'student.name.read',
  'audit.read',
  'user.manage',
  'session.list',
  'session.listMine',
  'booking.read',
  'booking.create',
  'booking.cancel',
  'waitlist.join',
  'schedule.manage',
  'session.live',
  'photo.upload',
  'photo.read',
  'photo.confirm',
  'photo.void',
  'station.read',
  'keys.manage',
  'reminders.manage',
  'checkin.create',
  'queue.operate',
  'ticket.read',
  'payment.record',
  'payment.read',
  'payment.reconcile',
  'photo.confirmMine',
  'student.remind',
  'export.manage',
  'makeup.manage',
  'makeup.read',
  'print.produce',
  'handover.school',
  'handover.department',
  'handover.confirmMine',
  'retake.read',
  'dashboard.read',
  'corrections.read',
  'retention.manage',
]);
export type Permission = z.infer<typeof PermissionSchema>;
type SameMembers<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const PERMISSION_LISTS_AGREE: SameMembers<Permission, DomainPermission> = true;

export const DecisionSchema = z.enum(['required', 'excluded', 'not-in-campaign']);
export const RuleSchema = z.enum(['E1', 'E2', 'E3', 'E4', 'E5', 'E6']);
export const SiteSchema = z.enum(['beijing', 'shenzhen']);
export const TermSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM');
/** A calendar day YYYY-MM-DD that exists (no 2026-02-30, no month 13): the refusal names the value. */
export const DateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .superRefine((value, ctx) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return;
    const [y, m, d] = value.split('-').map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, m - 1, d));
    if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d || y < 1000) {
      ctx.addIssue({ code: 'custom', message: `${value} is not a date that exists`, params: { reason: 'no-such-date', value } });
    }
  });

export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

export const HealthSchema = z.object({ status: z.literal('ok') });
