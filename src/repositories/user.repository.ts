import type { Insertable, Selectable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { UsersTable } from '../db/schema.js';

export type UserRow = Selectable<UsersTable>;

export async function findUserByUsername(db: Tx, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function findUserById(db: Tx, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countUsers(db: Tx): Promise<number> {
  const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listUsers(db: Tx): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().orderBy('username').execute();
}

export async function insertUser(tx: Tx, user: Insertable<UsersTable>, departments: string[]): Promise<void> {
  await tx.insertInto('users').values(user).execute();
  if (departments.length) {
    await tx
      .insertInto('user_departments')
      .values(departments.map((department) => ({ user_id: user.id, department })))
      .execute();
  }
}

export async function listUserDepartments(db: Tx, userIds: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (userIds.length === 0) return map;
  const rows = await db.selectFrom('user_departments').selectAll().where('user_id', 'in', userIds).orderBy('department').execute();
  for (const r of rows) map.set(r.user_id, [...(map.get(r.user_id) ?? []), r.department]);
  return map;
}

export async function updateUserPassword(tx: Tx, id: string, passwordHash: string, now: string): Promise<void> {
  await tx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
}

export async function setUserDisabled(tx: Tx, id: string, disabled: boolean, now: string): Promise<void> {
  await tx.updateTable('users').set({ disabled: disabled ? 1 : 0, updated_at: now }).where('id', '=', id).execute();
}

export async function updateUserTotp(tx: Tx, id: string, secret: string | null, enabled: boolean, now: string): Promise<void> {
  await tx.updateTable('users').set({ totp_secret: secret, totp_enabled: enabled ? 1 : 0, updated_at: now }).where('id', '=', id).execute();
}

export async function recordTotpStep(tx: Tx, id: string, step: number): Promise<void> {
  await tx.updateTable('users').set({ totp_last_step: step }).where('id', '=', id).execute();
}

/**
 * The student's account (username = student number), created on first use by campus sign-on or a mail link.
 * `unusablePasswordHash` is the hash of a random secret: such an account signs in only by those routes (or is
 * given a password later). Race-safe: two first sign-ins at once both end with the one row (ON CONFLICT DO NOTHING).
 */
export async function findOrCreateStudentAccount(
  tx: Tx,
  student: { student_no: string; name: string },
  newAccount: { id: string; unusablePasswordHash: string },
  now: string,
): Promise<{ user: UserRow; created: boolean }> {
  const existing = await findUserByUsername(tx, student.student_no);
  if (existing) return { user: existing, created: false };
  const id = newAccount.id;
  await tx
    .insertInto('users')
    .values({
      id,
      username: student.student_no,
      password_hash: newAccount.unusablePasswordHash,
      role: 'student',
      display_name: student.name,
      student_no: student.student_no,
      totp_secret: null,
      totp_enabled: 0,
      totp_last_step: null,
      disabled: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('username').doNothing())
    .execute();
  const user = await findUserByUsername(tx, student.student_no);
  if (!user) throw new Error(`student account ${id} vanished after insert`);
  return { user, created: user.id === id };
}
