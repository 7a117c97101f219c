// Accounts an admin manages (attacker/newcomer finding after issue 8: no way to switch off a departing
// operator or reset a password). On both databases: the account's sessions end, the old password stops
// working, one audit event per change, an admin cannot switch off their own account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, TEST_PASSWORD, type TestRuntime } from '../../test/support/runtime.js';
import { AppError } from '../domain/errors.js';
import { authenticate, login } from './auth.service.js';
import type { Actor } from './deps.js';
import { listUsers, updateUser } from './user.service.js';

describe.each(DIALECTS)('updateUser on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'users-admin');
  });
  afterAll(async () => rt?.close());

  const events = (targetId: string) => rt.deps.db.db.selectFrom('audit_events').select(['action', 'details']).where('target_id', '=', targetId).where('action', '=', 'user.updated').orderBy('seq').execute();

  it('switches an account off: its session ends, it cannot sign in; on again: it can', async () => {
    const operator = await createActor(rt.deps, 'operator', [], 'users-operator');
    const id = operator.principal!.userId;
    const { token } = await login(rt.deps, { username: 'users-operator', password: TEST_PASSWORD }, '127.0.0.1', null);
    await authenticate(rt.deps, token);

    expect(await updateUser(rt.deps, admin, id, { disabled: true })).toMatchObject({ id, username: 'users-operator', disabled: true });
    await expect(authenticate(rt.deps, token)).rejects.toBeInstanceOf(AppError);
    await expect(login(rt.deps, { username: 'users-operator', password: TEST_PASSWORD }, '127.0.0.1', null)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await listUsers(rt.deps, admin)).find((u) => u.id === id)?.disabled).toBe(true);

    await updateUser(rt.deps, admin, id, { disabled: false });
    expect((await login(rt.deps, { username: 'users-operator', password: TEST_PASSWORD }, '127.0.0.1', null)).principal.userId).toBe(id);
    const written = await events(id);
    expect(written).toHaveLength(2);
    expect(JSON.parse(written[0]!.details)).toMatchObject({ disabled: true, credentialsReset: false });
  });

  it('sets a new password: the old one and every session stop working; no password in the audit log', async () => {
    const secretary = await createActor(rt.deps, 'secretary', ['物理学院'], 'users-secretary');
    const id = secretary.principal!.userId;
    const { token } = await login(rt.deps, { username: 'users-secretary', password: TEST_PASSWORD }, '127.0.0.1', null);
    await updateUser(rt.deps, admin, id, { newPassword: 'A-new-password-2026' });
    await expect(authenticate(rt.deps, token)).rejects.toBeInstanceOf(AppError);
    await expect(login(rt.deps, { username: 'users-secretary', password: TEST_PASSWORD }, '127.0.0.1', null)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await login(rt.deps, { username: 'users-secretary', password: 'A-new-password-2026' }, '127.0.0.1', null)).principal.userId).toBe(id);
    const dump = JSON.stringify(await rt.deps.db.db.selectFrom('audit_events').selectAll().execute());
    expect(dump).not.toContain('A-new-password-2026');
  });

  it('refuses to switch off one’s own account, an unknown account, and a caller without user.manage; nothing changes', async () => {
    await expect(updateUser(rt.deps, admin, admin.principal!.userId, { disabled: true })).rejects.toMatchObject({ code: 'CANNOT_DISABLE_SELF' });
    await expect(updateUser(rt.deps, admin, '00000000-0000-4000-8000-000000000000', { disabled: true })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    const cashier = await createActor(rt.deps, 'cashier', [], 'users-cashier');
    await expect(updateUser(rt.deps, cashier, admin.principal!.userId, { disabled: true })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await listUsers(rt.deps, admin)).find((u) => u.id === admin.principal!.userId)?.disabled).toBe(false);
    expect(await events(admin.principal!.userId)).toHaveLength(0);
  });
});
