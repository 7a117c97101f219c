import crypto from 'node:crypto';
import { createOidcClient, type OidcClient, type OidcSettings } from '../adapters/oidc-client.js';
import { AppError } from '../domain/errors.js';
import { maskAccount } from '../domain/masking.js';
import type { Principal } from '../domain/permissions.js';
import * as oidcRepo from '../repositories/oidc.repository.js';
import type { UserRow } from '../repositories/user.repository.js';
import * as userRepo from '../repositories/user.repository.js';
import { recordAuditEvent } from './audit.service.js';
import { mutate } from './change.js';
import { hashSessionToken, insertNewSession, toPrincipal } from './auth.service.js';
import { findActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { nowIso } from './deps.js';

/** How long a browser may take at the provider before the pending request is refused. */
export const OIDC_REQUEST_MINUTES = 10;

/** Why a sign-on failed here (beyond the provider's own reasons, see adapters/oidc-client.ts). */
type LocalFailure = 'oidc-state' | 'oidc-no-claim' | 'oidc-account-disabled' | 'oidc-not-student-account';

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** The relying party for `deps.oidc` (the composition root for http and cli lives in services). */
export function configureOidc(settings: OidcSettings): OidcClient {
  return createOidcClient(settings);
}

export function isOidcEnabled(deps: Pick<ServiceDeps, 'oidc'>): boolean {
  return deps.oidc !== undefined;
}

export interface OidcStart {
  /** the provider's authorisation URL (302 target) */
  redirectUrl: string;
  /** the value of the short-lived cookie that binds the request to this browser */
  browserToken: string;
}

/**
 * Starts a campus sign-on: an authorisation request with PKCE (S256), `state` and `nonce`, kept in the database
 * until the browser comes back (decision 0008). The request is bound to the browser by a random cookie, so a
 * callback link sent to someone else signs nobody in (login CSRF).
 */
export async function startOidcSignIn(deps: ServiceDeps): Promise<OidcStart> {
  if (!deps.oidc) throw new AppError('OIDC_NOT_CONFIGURED');
  const authorization = await deps.oidc.beginAuthorization();
  const browserToken = crypto.randomBytes(32).toString('base64url');
  const now = deps.clock();
  await oidcRepo.insertOidcAuthRequest(deps.db.db, {
    state_hash: hashSessionToken(authorization.state),
    browser_hash: hashSessionToken(browserToken),
    nonce: authorization.nonce,
    code_verifier: authorization.codeVerifier,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + OIDC_REQUEST_MINUTES * 60_000).toISOString(),
    used_at: null,
  });
  return { redirectUrl: authorization.url, browserToken };
}

export interface OidcFinishInput {
  /** the callback's query as the browser sent it (code, state, iss, or error) */
  callbackParams: URLSearchParams;
  /** the binding cookie set by startOidcSignIn */
  browserToken: string | undefined;
  ip: string | null;
  userAgent: string | null;
}

export interface OidcFinish {
  token: string;
  principal: Principal;
  accountCreated: boolean;
}

/**
 * Finishes a campus sign-on. The pending request is taken once (a replayed callback finds nothing), the
 * provider's answer and ID token are checked by the adapter, the student claim must name a student on the
 * active campaign's roster (not removed; any decision: an excluded student must be able to read why), and the
 * student's account is used or created. Only students sign in this way; staff keep passwords and TOTP.
 * Every refusal is an `auth.oidc_refused` event; a sign-in is one `auth.oidc_logged_in` event.
 */
export async function finishOidcSignIn(deps: ServiceDeps, input: OidcFinishInput): Promise<OidcFinish> {
  const oidc = deps.oidc;
  if (!oidc) throw new AppError('OIDC_NOT_CONFIGURED');
  const anonymous: Actor = { principal: null, ip: input.ip };
  const refuse = async (error: AppError, details: Record<string, unknown>, target?: UserRow): Promise<AppError> => {
    await recordAuditEvent(deps, anonymous, {
      action: 'auth.oidc_refused',
      result: error.code === 'OIDC_NO_STUDENT' ? 'denied' : 'failed',
      targetType: target ? 'user' : null,
      targetId: target?.id ?? null,
      details: { code: error.code, ...error.params, ...details },
    });
    return error;
  };
  const failed = (reason: LocalFailure) => new AppError('OIDC_FAILED', { params: { reason } });

  const state = input.callbackParams.get('state');
  const request = state ? await oidcRepo.takeOidcAuthRequest(deps.db.db, hashSessionToken(state), nowIso(deps)) : undefined;
  // No such request, already used, expired, or started in another browser: all the same answer.
  if (!state || !request || !input.browserToken || !sameHash(request.browser_hash, hashSessionToken(input.browserToken))) {
    throw await refuse(failed('oidc-state'), { why: !state ? 'no-state' : !request ? 'unknown-used-or-expired' : 'other-browser' });
  }

  let claims: Record<string, unknown>;
  try {
    claims = await oidc.finishAuthorization(input.callbackParams, { state, nonce: request.nonce, codeVerifier: request.code_verifier });
  } catch (error) {
    if (error instanceof AppError) throw await refuse(error, {});
    throw error;
  }

  const raw = claims[oidc.studentClaim];
  const account = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
  if (!account) throw await refuse(failed('oidc-no-claim'), { claim: oidc.studentClaim, sub: typeof claims.sub === 'string' ? claims.sub : null });

  const campaign = await findActiveCampaign(deps);
  const student = campaign
    ? await deps.db.db
        .selectFrom('students')
        .select(['id', 'student_no', 'name'])
        .where('campaign_id', '=', campaign.id)
        .where('student_no', '=', account)
        .where('removed_at', 'is', null)
        .executeTakeFirst()
    : undefined;
  if (!student) {
    // The full value stays in the audit log (ID numbers scrubbed there); the browser sees it masked.
    throw await refuse(new AppError('OIDC_NO_STUDENT', { params: { account: maskAccount(account) } }), { claim: oidc.studentClaim, value: account });
  }

  const existing = await userRepo.findUserByUsername(deps.db.db, student.student_no);
  if (existing && existing.role !== 'student') throw await refuse(failed('oidc-not-student-account'), {}, existing);
  if (existing && existing.disabled === 1) throw await refuse(failed('oidc-account-disabled'), {}, existing);

  // A new account gets an unusable password: the student signs in through the campus only (or is given one).
  const passwordHash = existing ? null : await deps.hasher.hash(crypto.randomBytes(32).toString('base64url'));
  const now = nowIso(deps);
  const userId = existing?.id ?? crypto.randomUUID();
  const principal: Principal = { userId, username: student.student_no, role: 'student', departments: [], studentNo: student.student_no };
  const { user, created, token } = await mutate(deps, { principal, ip: input.ip }, async (tx) => {
    const { user, created } = await userRepo.findOrCreateStudentAccount(tx, student, { id: userId, unusablePasswordHash: passwordHash ?? existing!.password_hash }, now);
    const token = await insertNewSession(tx, deps, user.id, input.ip, input.userAgent);
    return {
      value: { user, created, token },
      audit: { action: 'auth.oidc_logged_in', targetType: 'user', targetId: user.id, details: { username: user.username, accountCreated: created } },
    };
  });
  return { token, principal: await toPrincipal(deps, user), accountCreated: created };
}
