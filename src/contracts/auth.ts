import { z } from 'zod';
import { PermissionSchema, RoleSchema } from './common.js';

export const LoginRequestSchema = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
  totp: z.string().regex(/^\d{6}$/).optional(),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const MeSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string().nullable(),
  role: RoleSchema,
  departments: z.array(z.string()),
  studentId: z.string().nullable(),
  totpEnabled: z.boolean(),
  /** what an admin should fix in the server's set-up (MAIL_NOT_CONFIGURED: mail sign-in links cannot be sent); empty for other roles */
  warnings: z.array(z.enum(['MAIL_NOT_CONFIGURED'])),
  /** what the caller may do: the web shows pages and buttons by these, never by role */
  permissions: z.array(PermissionSchema),
});
export type Me = z.infer<typeof MeSchema>;

export const LoginResponseSchema = z.object({ user: MeSchema });

/** getOidcStatus: whether campus sign-on (OpenID Connect) is offered to students. */
export const OidcStatusSchema = z.object({ enabled: z.boolean() });

export const TotpSetupResponseSchema = z.object({ secret: z.string(), uri: z.string() });
export const TotpEnableRequestSchema = z.object({ code: z.string().regex(/^\d{6}$/) });

export const ChangePasswordRequestSchema = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(10).max(256),
});
