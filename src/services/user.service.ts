import crypto from 'node:crypto';
import type { CreateUserRequest, UpdateUserRequest, User } from '../contracts/user.js';
import { listDepartments } from '../domain/campaign.js';
import { AppError } from '../domain/errors.js';
import * as sessionRepo from '../repositories/session.repository.js';
import * as userRepo from '../repositories/user.repository.js';
import { mutate } from './change.js';
import { findActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';

export async function createUser(deps: ServiceDeps, actor: Actor, req: CreateUserRequest): Promise<User> {
  authorize(actor, 'user.manage');
  const campaign = await findActiveCampaign(deps);
  if (campaign) {
    const known = new Set(listDepartments(campaign));
    const unknown = req.departments.find((d) => !known.has(d));
    if (unknown) throw new AppError('DEPARTMENT_UNKNOWN', { params: { department: unknown } });
  }
  const departments = req.role === 'secretary' ? [...new Set(req.departments)] : [];
  const passwordHash = await deps.hasher.hash(req.password);
  const id = crypto.randomUUID();
  const now = nowIso(deps);
  return mutate(deps, actor, async (tx) => {
    if (await userRepo.findUserByUsername(tx, req.username)) throw new AppError('USERNAME_TAKEN', { params: { username: req.username } });
    await userRepo.insertUser(
      tx,
      {
        id,
        username: req.username,
        password_hash: passwordHash,
        role: req.role,
        display_name: req.displayName ?? null,
        // A student account's user name is the student number: it links the account to the roster.
        student_no: req.role === 'student' ? req.username : null,
        totp_secret: null,
        totp_enabled: 0,
        totp_last_step: null,
        disabled: 0,
        created_at: now,
        updated_at: now,
      },
      departments,
    );
    return {
      value: { id, username: req.username, displayName: req.displayName ?? null, role: req.role, departments, totpEnabled: false, disabled: false, createdAt: now },
      audit: { action: 'user.created', targetType: 'user', targetId: id, details: { username: req.username, role: req.role, departments } },
    };
  });
}

/**
 * Switches an account off (or on again) and/or sets a new password: a departing operator, a forgotten
 * password. Every session of the account ends with it (a stolen session does not survive either). An admin
 * cannot switch off their own account (there would be no one left to switch it on).
 */
export async function updateUser(deps: ServiceDeps, actor: Actor, id: string, req: UpdateUserRequest): Promise<User> {
  authorize(actor, 'user.manage');
  if (req.disabled === true && actor.principal?.userId === id) throw new AppError('CANNOT_DISABLE_SELF');
  const passwordHash = req.newPassword === undefined ? undefined : await deps.hasher.hash(req.newPassword);
  return mutate(deps, actor, async (tx) => {
    const user = await userRepo.findUserById(tx, id);
    if (!user) throw new AppError('USER_NOT_FOUND', { params: { username: id } });
    const now = nowIso(deps);
    if (req.disabled !== undefined) await userRepo.setUserDisabled(tx, id, req.disabled, now);
    if (passwordHash !== undefined) await userRepo.updateUserPassword(tx, id, passwordHash, now);
    await sessionRepo.deleteUserSessions(tx, id);
    const departments = (await userRepo.listUserDepartments(tx, [id])).get(id) ?? [];
    const disabled = req.disabled ?? user.disabled === 1;
    return {
      value: { id, username: user.username, displayName: user.display_name, role: user.role as User['role'], departments, totpEnabled: user.totp_enabled === 1, disabled, createdAt: user.created_at },
      audit: {
        action: 'user.updated',
        targetType: 'user',
        targetId: id,
        details: { username: user.username, ...(req.disabled !== undefined ? { disabled: req.disabled } : {}), credentialsReset: passwordHash !== undefined },
      },
    };
  });
}

export async function listUsers(deps: ServiceDeps, actor: Actor): Promise<User[]> {
  authorize(actor, 'user.manage');
  const rows = await userRepo.listUsers(deps.db.db);
  const departmentsByUser = await userRepo.listUserDepartments(
    deps.db.db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role as User['role'],
    departments: departmentsByUser.get(r.id) ?? [],
    totpEnabled: r.totp_enabled === 1,
    disabled: r.disabled === 1,
    createdAt: r.created_at,
  }));
}

/** A random password for the first admin: 20 characters from an unambiguous alphabet. */
export function generatePassword(length = 20): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  return Array.from({ length }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
}

/** On first start, when there is no account at all: an `admin` with a random password, shown once. */
export async function ensureFirstAdmin(deps: ServiceDeps, actor: Actor): Promise<{ username: string; password: string } | null> {
  if ((await userRepo.countUsers(deps.db.db)) > 0) return null;
  const password = generatePassword();
  await createUser(deps, actor, { username: 'admin', role: 'admin', departments: [], password, displayName: '管理员' });
  return { username: 'admin', password };
}
