// One-time sign-in links by mail for students (issue #3 part 6, the embedded default beside campus sign-on).
//
// - Asking for a link answers the same whether or not the student exists (no account enumeration); the mail
//   goes through the durable job runner, nudged right away but never awaited by the request, so the answer
//   takes the same time for a known and an unknown student and a mail server that is down only delays it.
// - The token is 32 random bytes (base64url); only its SHA-256 is stored; it works once, for 15 minutes
//   (`UPDATE … WHERE used_at IS NULL AND expires_at > now`, row count checked: PITFALLS F15). The queued mail's
//   body is sealed with the field cipher and removed once the job is finished; spent links are purged hourly.
// - A made-up token costs one read: the argon2 hash of a new account is made only after the link checked out.
// - Using it signs the student in like a password sign-in (a new session, the same cookie); the student's
//   account (role student, user name = student number) is created on first use.
import crypto from 'node:crypto';
import type { Me } from '../contracts/auth.js';
import { AppError } from '../domain/errors.js';
import type { Principal } from '../domain/permissions.js';
import { isValidMailAddress, maskMailAddress, renderSigninLinkMail } from '../domain/reminders.js';
import * as jobRepo from '../repositories/job.repository.js';
import * as linkRepo from '../repositories/signin-link.repository.js';
import * as userRepo from '../repositories/user.repository.js';
import { recordAuditEvent } from './audit.service.js';
import { mutate } from './change.js';
import { describeMe, hashSessionToken, insertNewSession, toPrincipal } from './auth.service.js';
import { findActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { nowIso } from './deps.js';
import { enqueueMail } from './job-runner.js';

export const SIGNIN_LINK_MINUTES = 15;
/** At most this many links per student within SIGNIN_LINK_MINUTES; more requests are answered alike and send nothing. */
export const MAX_SIGNIN_LINKS_PER_WINDOW = 3;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface SignInLinkRequest {
  studentNo?: string | undefined;
  email?: string | undefined;
}

export function signInLinkUrl(deps: Pick<ServiceDeps, 'publicUrl'>, token: string): string {
  return `${(deps.publicUrl ?? 'http://localhost:8080').replace(/\/+$/, '')}/signin/${token}`;
}

/**
 * Creates a link and queues its mail when the student is on the current roster with an address; returns the
 * mail job to nudge (null when nothing was sent). The caller answers 202 either way.
 *
 * Without a mailer (no SMTP_URL) nothing is created or queued (issue 8 finding 11): a queued mail would leave
 * only once SMTP is set up, long after its 15-minute link expired, while the page said it was on its way.
 * `delivery: 'unavailable'` then tells every caller alike; admins see MAIL_NOT_CONFIGURED in getMe.
 */
export async function requestSignInLink(deps: ServiceDeps, req: SignInLinkRequest, ip: string | null): Promise<{ jobId: string | null; delivery: 'mail' | 'unavailable' }> {
  const actor: Actor = { principal: null, ip };
  const asked = req.studentNo ? { studentNo: req.studentNo } : { email: req.email ? maskMailAddress(req.email) : null };
  const campaign = await findActiveCampaign(deps);
  const student = campaign ? await linkRepo.findSigninStudent(deps.db.db, campaign.id, req) : undefined;
  const delivery = deps.mailer ? 'mail' : 'unavailable';
  const refuse = async (reason: string) => {
    await recordAuditEvent(deps, actor, { action: 'auth.signin_link_sent', result: 'failed', targetType: student ? 'student' : null, targetId: student?.id ?? null, details: { ...asked, reason } });
    return { jobId: null, delivery } as const;
  };
  if (!deps.mailer) return refuse('mail-not-configured');
  if (!student) return refuse('unknown-student');
  if (!student.email) return refuse('no-address');
  if (!isValidMailAddress(student.email)) return refuse('invalid-address');
  const now = deps.clock();
  const since = new Date(now.getTime() - SIGNIN_LINK_MINUTES * 60_000).toISOString();
  const token = crypto.randomBytes(32).toString('base64url');
  const tokenHash = hashSessionToken(token);
  // The count and the insert in one transaction, the student's row locked first (PostgreSQL; SQLite writers
  // are serialised by BEGIN IMMEDIATE): requests at the same moment cannot all see "fewer than 3".
  const jobId = await mutate(deps, actor, async (tx) => {
    await linkRepo.lockSigninStudent(tx, deps.db.dialect, student.id);
    if ((await linkRepo.countRecentSigninLinks(tx, student.id, since)) >= MAX_SIGNIN_LINKS_PER_WINDOW) return { value: undefined, audit: null };
    await linkRepo.insertSigninLink(tx, {
      token_hash: tokenHash,
      student_id: student.id,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + SIGNIN_LINK_MINUTES * 60_000).toISOString(),
      used_at: null,
    });
    const dedupeKey = `signin:${tokenHash}`;
    // the body (with the token) is sealed in the job and removed once the job is finished (job-runner.ts)
    await enqueueMail(tx, deps, { kind: 'signin.link', dedupeKey, studentId: student.id, to: student.email!, content: renderSigninLinkMail(signInLinkUrl(deps, token), SIGNIN_LINK_MINUTES) });
    const job = await jobRepo.findJobByDedupeKey(tx, dedupeKey);
    return {
      value: job?.id ?? null,
      audit: { action: 'auth.signin_link_sent', targetType: 'student', targetId: student.id, details: { ...asked, to: maskMailAddress(student.email!) } },
    };
  });
  if (jobId === undefined) return refuse('rate-limited');
  return { jobId, delivery };
}

export interface SignInLinkOutcome {
  token: string;
  principal: Principal;
  me: Me;
  accountCreated: boolean;
}

/** Uses a link once: a new session for the student's account (created on first use). */
export async function consumeSignInLink(deps: ServiceDeps, linkToken: string, ip: string | null, userAgent: string | null): Promise<SignInLinkOutcome> {
  const actor: Actor = { principal: null, ip };
  const invalid = async (reason: string) => {
    await recordAuditEvent(deps, actor, { action: 'auth.signin_link_used', result: 'failed', details: { reason } });
    return new AppError('SIGNIN_LINK_INVALID');
  };
  if (!TOKEN_PATTERN.test(linkToken)) throw await invalid('malformed');
  const tokenHash = hashSessionToken(linkToken);
  let reason = 'unknown-or-used-or-expired';
  // Checked before any costly work: a made-up token costs one indexed read, never an argon2 hash.
  const pending = await linkRepo.findUsableSigninLinkStudent(deps.db.db, tokenHash, nowIso(deps));
  const pendingStudent = pending ? await linkRepo.findStudentById(deps.db.db, pending) : undefined;
  if (!pendingStudent) throw await invalid(reason);
  // A new account needs a password hash: an unusable random one (the student signs in by link or campus
  // sign-on). Made only when the link is good and the account does not exist yet, outside the transaction.
  const unusableHash = () => deps.hasher.hash(crypto.randomBytes(32).toString('base64url'));
  let spareHash = (await userRepo.findUserByUsername(deps.db.db, pendingStudent.student_no)) ? null : await unusableHash();
  const outcome = await mutate(deps, actor, async (tx) => {
    const now = nowIso(deps);
    const studentId = await linkRepo.useSigninLink(tx, tokenHash, now);
    const student = studentId ? await linkRepo.findStudentById(tx, studentId) : undefined;
    if (!student) return { value: null, audit: null };
    let user = await userRepo.findUserByUsername(tx, student.student_no);
    if (user && (user.role !== 'student' || user.disabled === 1)) {
      reason = user.disabled === 1 ? 'account-disabled' : 'not-a-student-account';
      return { value: null, audit: null };
    }
    let created = false;
    if (!user) {
      spareHash ??= await unusableHash(); // the account was removed since the check above (rare)
      ({ user, created } = await userRepo.findOrCreateStudentAccount(tx, student, { id: crypto.randomUUID(), unusablePasswordHash: spareHash }, now));
    }
    const token = await insertNewSession(tx, deps, user.id, ip, userAgent);
    return {
      value: { user, token, created },
      audit: { action: 'auth.signin_link_used', targetType: 'user', targetId: user.id, details: { username: user.username, studentId: student.id, accountCreated: created } },
    };
  });
  // Nothing was changed when the link was not usable (the transaction wrote nothing): record the refusal.
  if (!outcome) throw await invalid(reason);
  const principal = await toPrincipal(deps, outcome.user);
  return { token: outcome.token, principal, me: await describeMe(deps, principal), accountCreated: outcome.created };
}

/**
 * Forgets links that expired (called when the server starts and every hour): a used or expired link's hash is
 * of no further use, and the per-student limit counts only the last SIGNIN_LINK_MINUTES. The audit log keeps
 * who asked for and used a link.
 */
export async function purgeSigninLinks(deps: Pick<ServiceDeps, 'db' | 'clock'>): Promise<{ removed: number }> {
  return { removed: await linkRepo.deleteOldSigninLinks(deps.db.db, nowIso(deps)) };
}
