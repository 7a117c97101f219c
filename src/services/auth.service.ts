import crypto from 'node:crypto';
import type { Me } from '../contracts/auth.js';
import { createTotpSecret, matchTotpStep, totpUri } from '../adapters/totp.js';
import type { Tx } from '../db/database.js';
import { AppError } from '../domain/errors.js';
import type { Principal, Role } from '../domain/permissions.js';
import { permissionsOf } from '../domain/permissions.js';
import * as oidcRepo from '../repositories/oidc.repository.js';
import * as sessionRepo from '../repositories/session.repository.js';
import type { UserRow } from '../repositories/user.repository.js';
import * as userRepo from '../repositories/user.repository.js';
import { recordAuditEvent } from './audit.service.js';
import { mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { nowIso } from './deps.js';

const minutes = (n: number) => n * 60_000;

/** SHA-256 hex of a secret token: session and sign-in link ids, OIDC state and browser binding (the one helper). */
export function hashSessionToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

let dummyHash: Promise<string> | undefined;
/** Unknown users are checked against a real hash too: same answer, same timing (no user enumeration). */
function getDummyHash(deps: ServiceDeps): Promise<string> {
  dummyHash ??= deps.hasher.hash(crypto.randomBytes(16).toString('hex'));
  return dummyHash;
}

export async function toPrincipal(deps: Pick<ServiceDeps, 'db'>, user: UserRow): Promise<Principal> {
  const departments = (await userRepo.listUserDepartments(deps.db.db, [user.id])).get(user.id) ?? [];
  return { userId: user.id, username: user.username, role: user.role as Role, departments, studentNo: user.student_no };
}

export async function describeMe(deps: ServiceDeps, principal: Principal): Promise<Me> {
  const user = await userRepo.findUserById(deps.db.db, principal.userId);
  if (!user) throw new AppError('UNAUTHENTICATED');
  let studentId: string | null = null;
  if (principal.studentNo) {
    const row = await deps.db.db.selectFrom('students').select('id').where('student_no', '=', principal.studentNo).where('removed_at', 'is', null).executeTakeFirst();
    studentId = row?.id ?? null;
  }
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    role: principal.role,
    departments: principal.departments,
    studentId,
    totpEnabled: user.totp_enabled === 1,
    // Shown on the admin's pages: otherwise only the server log says that mail sign-in links go nowhere.
    warnings: principal.role === 'admin' && !deps.mailer ? ['MAIL_NOT_CONFIGURED'] : [],
    permissions: permissionsOf(principal.role),
  };
}

export interface LoginInput {
  username: string;
  password: string;
  totp?: string | undefined;
}

export interface LoginOutcome {
  token: string;
  principal: Principal;
  me: Me;
}

/** How long an address stays "known" for an account after its last password sign-in from there. */
const KNOWN_ADDRESS_DAYS = 180;

/** The keyed hash that stands for "this address, for this account" (failure counts and known addresses). */
function accountAddressHash(deps: Pick<ServiceDeps, 'cipher'>, username: string, ip: string | null): string {
  return deps.cipher.keyedHash(`login-address\u0000${username.toLowerCase()}\u0000${ip ?? 'unknown'}`);
}

/**
 * Signs in. Failed attempts are counted three ways within `failureWindowMinutes` (issue 8 finding 7,
 * docs/decisions/0010-login-throttling.md):
 * - per account from one address (`maxFailuresPerAccountAndAddress`, 5): the attacker's own address is refused;
 * - per account from all addresses (`maxFailuresPerAccount`, 100) and per address over all accounts
 *   (`maxFailuresPerAddress`, 30): a spread attack is stopped, but these two are a lock that the right password
 *   from an address this account signed in from before still passes, so nobody can lock a victim out from
 *   elsewhere;
 * - a valid one-time code with the right password passes every limit (a guesser without the code gains nothing).
 * While limited, the password is still checked (the same work, the same answer for right and wrong), so the
 * answer tells nothing. Unknown users and wrong passwords get the same answer after the same work. Every
 * sign-in gets a new session id.
 */
export async function login(deps: ServiceDeps, input: LoginInput, ip: string | null, userAgent: string | null): Promise<LoginOutcome> {
  const now = deps.clock();
  const limits = deps.auth;
  const since = new Date(now.getTime() - minutes(limits.failureWindowMinutes)).toISOString();
  const userKey = `user:${input.username.toLowerCase()}`;
  const ipKey = `ip:${ip ?? 'unknown'}`;
  const addressHash = accountAddressHash(deps, input.username, ip);
  const pairKey = `pair:${addressHash}`;
  const actor: Actor = { principal: null, ip };
  const [userFailures, ipFailures, pairFailures] = await Promise.all([
    sessionRepo.countLoginFailures(deps.db.db, userKey, since),
    sessionRepo.countLoginFailures(deps.db.db, ipKey, since),
    sessionRepo.countLoginFailures(deps.db.db, pairKey, since),
  ]);
  const pairLimited = pairFailures >= limits.maxFailuresPerAccountAndAddress;
  const widelyLimited = userFailures >= limits.maxFailuresPerAccount || ipFailures >= limits.maxFailuresPerAddress;

  const user = await userRepo.findUserByUsername(deps.db.db, input.username);
  const passwordOk = user
    ? await deps.hasher.verify(user.password_hash, input.password)
    : (await deps.hasher.verify(await getDummyHash(deps), input.password), false);
  const usable = user !== undefined && passwordOk && user.disabled !== 1;
  const totpOn = user?.totp_enabled === 1 && !!user.totp_secret;
  const totpStep = usable && totpOn && input.totp ? matchTotpStep(user.totp_secret!, input.totp, now) : null;
  // A code already used (to enable TOTP, or to sign in) is refused: a watched code cannot be replayed.
  const totpFresh = totpStep !== null && (user!.totp_last_step === null || totpStep > user!.totp_last_step);

  if (pairLimited || widelyLimited) {
    const passes = usable && (totpFresh || (!pairLimited && (await sessionRepo.isKnownLoginAddress(deps.db.db, user.id, addressHash))));
    if (!passes) {
      // Only wrong passwords count: the owner trying from a new address during a lock does not prolong it.
      if (!passwordOk) await sessionRepo.recordLoginFailure(deps.db.db, [userKey, ipKey, pairKey], now.toISOString());
      await recordAuditEvent(deps, actor, {
        action: 'auth.login_failed',
        result: 'denied',
        targetType: user ? 'user' : null,
        targetId: user?.id ?? null,
        details: { username: input.username, reason: 'rate-limited' },
      });
      throw new AppError('TOO_MANY_ATTEMPTS', { params: { minutes: limits.failureWindowMinutes } });
    }
  }

  const fail = async (code: 'INVALID_CREDENTIALS' | 'TOTP_INVALID' | 'TOTP_REQUIRED', reason: string) => {
    if (code !== 'TOTP_REQUIRED') await sessionRepo.recordLoginFailure(deps.db.db, [userKey, ipKey, pairKey], now.toISOString());
    await recordAuditEvent(deps, actor, {
      action: 'auth.login_failed',
      result: 'failed',
      targetType: user ? 'user' : null,
      targetId: user?.id ?? null,
      details: { username: input.username, reason },
    });
    return new AppError(code);
  };

  if (!user || !passwordOk || user.disabled === 1) throw await fail('INVALID_CREDENTIALS', user ? (user.disabled ? 'disabled' : 'password') : 'unknown-user');
  if (totpOn) {
    if (!input.totp) throw await fail('TOTP_REQUIRED', 'totp-missing');
    if (totpStep === null) throw await fail('TOTP_INVALID', 'totp');
    if (!totpFresh) throw await fail('TOTP_INVALID', 'totp-replayed');
  }

  const principal = await toPrincipal(deps, user);
  const token = await mutate(deps, { principal, ip }, async (tx) => {
    // Only this address's count for this account is cleared: the account-wide count keeps limiting a
    // guesser elsewhere even while the owner signs in.
    await sessionRepo.clearLoginFailures(tx, pairKey);
    await sessionRepo.recordKnownLoginAddress(tx, user.id, addressHash, now.toISOString());
    if (totpStep !== null) await userRepo.recordTotpStep(tx, user.id, totpStep);
    const token = await insertNewSession(tx, deps, user.id, ip, userAgent);
    return { value: token, audit: { action: 'auth.logged_in', targetType: 'user', targetId: user.id } };
  });
  return { token, principal, me: await describeMe(deps, principal) };
}

/**
 * A new session (a new random id at every sign-in) inside the caller's transaction; returns the cookie
 * token. Every way of signing in (password, campus sign-on, mail link) ends here.
 */
export async function insertNewSession(tx: Tx, deps: Pick<ServiceDeps, 'clock' | 'auth'>, userId: string, ip: string | null, userAgent: string | null): Promise<string> {
  const now = deps.clock();
  const token = crypto.randomBytes(32).toString('base64url');
  await sessionRepo.insertSession(tx, {
    id: hashSessionToken(token),
    user_id: userId,
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    absolute_expires_at: new Date(now.getTime() + deps.auth.sessionAbsoluteHours * 3_600_000).toISOString(),
    ip,
    user_agent: userAgent?.slice(0, 300) ?? null,
  });
  return token;
}

/** Resolves a session cookie; idle and absolute timeouts end it. */
export async function authenticate(deps: ServiceDeps, token: string | undefined): Promise<{ principal: Principal; sessionId: string }> {
  if (!token) throw new AppError('UNAUTHENTICATED');
  const id = hashSessionToken(token);
  const session = await sessionRepo.findSession(deps.db.db, id);
  if (!session) throw new AppError('UNAUTHENTICATED');
  const now = deps.clock();
  const idleLimit = new Date(now.getTime() - minutes(deps.auth.sessionIdleMinutes)).toISOString();
  if (session.last_seen_at < idleLimit || session.absolute_expires_at < now.toISOString()) {
    await sessionRepo.deleteSession(deps.db.db, id);
    throw new AppError('SESSION_EXPIRED');
  }
  const user = await userRepo.findUserById(deps.db.db, session.user_id);
  if (!user || user.disabled === 1) throw new AppError('UNAUTHENTICATED');
  // Refreshing last_seen at most once a minute keeps reads from turning into writes.
  if (now.getTime() - Date.parse(session.last_seen_at) > 60_000) await sessionRepo.touchSession(deps.db.db, id, now.toISOString());
  return { principal: await toPrincipal(deps, user), sessionId: id };
}

/**
 * Which of these sessions are still valid: present (not logged out, not ended by a password change) and within
 * the idle and absolute timeouts. Nothing is refreshed: an open live stream does not keep a session alive.
 */
export async function findValidSessionIds(deps: Pick<ServiceDeps, 'db' | 'clock' | 'auth'>, ids: string[]): Promise<Set<string>> {
  const now = deps.clock();
  const idleLimit = new Date(now.getTime() - minutes(deps.auth.sessionIdleMinutes)).toISOString();
  const rows = await sessionRepo.listSessionsByIds(deps.db.db, ids);
  return new Set(rows.filter((s) => s.last_seen_at >= idleLimit && s.absolute_expires_at >= now.toISOString()).map((s) => s.id));
}

export async function logout(deps: ServiceDeps, actor: Actor, token: string | undefined): Promise<void> {
  if (!token) return;
  await mutate(deps, actor, async (tx) => {
    await sessionRepo.deleteSession(tx, hashSessionToken(token));
    return { value: undefined, audit: actor.principal ? { action: 'auth.logged_out', targetType: 'user', targetId: actor.principal.userId } : null };
  });
}

export async function changePassword(deps: ServiceDeps, actor: Actor, currentPassword: string, newPassword: string, sessionId: string): Promise<void> {
  const principal = actor.principal;
  if (!principal) throw new AppError('UNAUTHENTICATED');
  const user = await userRepo.findUserById(deps.db.db, principal.userId);
  if (!user) throw new AppError('UNAUTHENTICATED');
  if (!(await deps.hasher.verify(user.password_hash, currentPassword))) throw new AppError('CURRENT_PASSWORD_WRONG');
  const hash = await deps.hasher.hash(newPassword);
  await mutate(deps, actor, async (tx) => {
    await userRepo.updateUserPassword(tx, user.id, hash, nowIso(deps));
    // Other sessions of this user end: a stolen session does not survive a password change.
    await sessionRepo.deleteUserSessions(tx, user.id, sessionId);
    return { value: undefined, audit: { action: 'auth.password_changed', targetType: 'user', targetId: user.id } };
  });
}

export async function setupTotp(deps: ServiceDeps, actor: Actor): Promise<{ secret: string; uri: string }> {
  const principal = actor.principal;
  if (!principal) throw new AppError('UNAUTHENTICATED');
  const user = await userRepo.findUserById(deps.db.db, principal.userId);
  if (!user) throw new AppError('UNAUTHENTICATED');
  if (user.totp_enabled === 1) throw new AppError('CONFLICT');
  const secret = createTotpSecret();
  await mutate(deps, actor, async (tx) => {
    await userRepo.updateUserTotp(tx, user.id, secret, false, nowIso(deps));
    return { value: undefined, audit: { action: 'auth.totp_setup', targetType: 'user', targetId: user.id } };
  });
  return { secret, uri: totpUri(secret, user.username) };
}

export async function enableTotp(deps: ServiceDeps, actor: Actor, code: string): Promise<void> {
  const principal = actor.principal;
  if (!principal) throw new AppError('UNAUTHENTICATED');
  const user = await userRepo.findUserById(deps.db.db, principal.userId);
  if (!user?.totp_secret) throw new AppError('CONFLICT');
  const step = matchTotpStep(user.totp_secret, code, deps.clock());
  if (step === null) throw new AppError('TOTP_INVALID');
  await mutate(deps, actor, async (tx) => {
    await userRepo.updateUserTotp(tx, user.id, user.totp_secret, true, nowIso(deps));
    await userRepo.recordTotpStep(tx, user.id, step);
    return { value: undefined, audit: { action: 'auth.totp_enabled', targetType: 'user', targetId: user.id } };
  });
}

/** Housekeeping run at start and hourly: expired sessions and old failure records go. */
export async function purgeExpiredAuthRecords(deps: ServiceDeps): Promise<void> {
  const now = deps.clock();
  await sessionRepo.deleteExpiredSessions(deps.db.db, new Date(now.getTime() - minutes(deps.auth.sessionIdleMinutes)).toISOString(), now.toISOString());
  await sessionRepo.deleteOldLoginFailures(deps.db.db, new Date(now.getTime() - minutes(deps.auth.failureWindowMinutes * 4)).toISOString());
  await sessionRepo.deleteStaleKnownLoginAddresses(deps.db.db, new Date(now.getTime() - KNOWN_ADDRESS_DAYS * 86_400_000).toISOString());
  await oidcRepo.deleteOldOidcAuthRequests(deps.db.db, now.toISOString());
}
