import { z } from 'zod';
import { RoleSchema } from './common.js';

export const UsernameSchema = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');

export const CreateUserRequestSchema = z
  .object({
    username: UsernameSchema,
    role: RoleSchema,
    displayName: z.string().trim().max(100).optional(),
    departments: z.array(z.string().trim().min(1)).default([]),
    password: z.string().min(10).max(256),
  })
  .refine((u) => u.role !== 'secretary' || u.departments.length > 0, {
    message: 'a department secretary needs at least one department',
    path: ['departments'],
  });
export type CreateUserRequest = z.infer<typeof CreateUserRequestSchema>;

export const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string().nullable(),
  role: RoleSchema,
  departments: z.array(z.string()),
  totpEnabled: z.boolean(),
  disabled: z.boolean(),
  createdAt: z.string(),
});
export type User = z.infer<typeof UserSchema>;
export const UserListSchema = z.object({ items: z.array(UserSchema) });

export const UserIdParamsSchema = z.object({ id: z.string().min(1).max(64) });

/** updateUser: switch an account off (or on again) and/or give it a new password; its sessions end either way. */
export const UpdateUserRequestSchema = z
  .object({
    disabled: z.boolean().optional(),
    newPassword: z.string().min(10).max(256).optional(),
  })
  .strict()
  .refine((u) => u.disabled !== undefined || u.newPassword !== undefined, { message: 'nothing to change: give disabled and/or newPassword' });
export type UpdateUserRequest = z.infer<typeof UpdateUserRequestSchema>;
