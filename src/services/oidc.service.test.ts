// Campus sign-on against a real OpenID provider process (oidc-provider), once per database. The provider's
// pages are walked over plain HTTP with a cookie jar; the callback is handed to the service as the browser
// would bring it. Time moves only by the fake clock (pending requests); nothing here measures time.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcClient, type OidcSettings } from '../adapters/oidc-client.js';
import { AppError } from '../domain/errors.js';
import { maskAccount } from '../domain/masking.js';
import { translateError } from '../domain/i18n.js';
import { CookieJar, signInAtProvider, startOidcProvider, type ProviderChoice, type RunningProvider } from '../../test/support/oidc-provider-process.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { verifyAuditChain } from './audit.service.js';
import { authenticate, describeMe } from './auth.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { SYSTEM } from './deps.js';
import { finishOidcSignIn, startOidcSignIn } from './oidc.service.js';
import { applyRosterImport } from './roster.service.js';
import { getStudent } from './student.service.js';
import { createUser } from './user.service.js';

const REDIRECT_URI = 'http://127.0.0.1:9/api/auth/oidc/callback';
const APP_ORIGIN = new URL(REDIRECT_URI).origin;
const CLIENT = { clientId: 'gradphoto-test', clientSecret: 'test-client-secret-0123456789' };

const NO = {
  physics: '2301000001',
  again: '2301000002',
  single: '2301000003', // 单证: excluded (E6)
  removed: '2301000004', // on the provider, removed from the roster
  disabled: '2301000005',
  staffNamed: '2301000006', // a staff account happens to have this user name
  byUsername: '2301000007', // found through preferred_username
  stranger: '2399999999', // at the campus, not on the roster
} as const;

const ACCOUNTS = [
  { sub: 'zhang.san', student_no: NO.physics, name: '张三' },
  { sub: 'li.si', student_no: NO.again, name: '李四' },
  { sub: 'wang.wu', student_no: NO.single, name: '王五' },
  { sub: 'zhao.liu', student_no: NO.removed, name: '赵六' },
  { sub: 'qian.qi', student_no: NO.disabled, name: '钱七' },
  { sub: 'sun.ba', student_no: NO.staffNamed, name: '孙八' },
  { sub: NO.byUsername, name: '周九' },
  { sub: 'stranger', student_no: NO.stranger, name: '路人' },
  { sub: 'no.number', name: '无学号' },
];

let provider: RunningProvider;

beforeAll(async () => {
  provider = await startOidcProvider({ ...CLIENT, redirectUris: [REDIRECT_URI], accounts: ACCOUNTS });
});
afterAll(async () => {
  await provider?.stop();
});

function settings(overrides: Partial<OidcSettings> = {}): OidcSettings {
  return { issuer: provider.issuer, ...CLIENT, redirectUri: REDIRECT_URI, studentClaim: 'student_no', allowHttp: true, ...overrides };
}

async function expectOidcError(promise: Promise<unknown>, code: string, params?: Record<string, string>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  if (params) expect((error as AppError).params).toEqual(params);
  return error as AppError;
}

describe.each(DIALECTS)('campus sign-on (OIDC) on %s', (dialect) => {
  let rt: TestRuntime;
  let deps: ServiceDeps;
  let admin: Actor;

  /** Starts a sign-on, walks the provider as `choice`, and returns what the browser brings back. */
  async function throughProvider(choice: ProviderChoice, d: ServiceDeps = deps) {
    const start = await startOidcSignIn(d);
    const jar = new CookieJar();
    const callback = await signInAtProvider(jar, { startUrl: start.redirectUrl, issuer: provider.issuer, appOrigin: APP_ORIGIN }, choice);
    expect(callback.pathname).toBe('/api/auth/oidc/callback');
    return { callbackParams: callback.searchParams, browserToken: start.browserToken };
  }

  const finish = (back: { callbackParams: URLSearchParams; browserToken: string | undefined }, d: ServiceDeps = deps) =>
    finishOidcSignIn(d, { ...back, ip: '127.0.0.1', userAgent: 'vitest' });

  const countUsers = async (username: string) => (await rt.deps.db.db.selectFrom('users').select('id').where('username', '=', username).execute()).length;
  const auditActions = async (action: string) => rt.deps.db.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq').execute();

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    deps = { ...rt.deps, oidc: createOidcClient(settings()) };
    admin = await createActor(rt.deps, 'admin', [], 'oidc-admin');
    const rows = [NO.physics, NO.again, NO.removed, NO.disabled, NO.staffNamed, NO.byUsername].map((no) => rosterRow(no));
    rows.push(rosterRow(NO.single, { 证书类型: '单证' }));
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
    await rt.deps.db.db.updateTable('students').set({ removed_at: '2023-10-19T00:00:00.000Z' }).where('student_no', '=', NO.removed).execute();
    await createUser(rt.deps, SYSTEM, { username: NO.disabled, role: 'student', departments: [], password: 'a-long-enough-password' });
    await rt.deps.db.db.updateTable('users').set({ disabled: 1 }).where('username', '=', NO.disabled).execute();
    await createUser(rt.deps, SYSTEM, { username: NO.staffNamed, role: 'operator', departments: [], password: 'a-long-enough-password' });
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('signs a student in: authorisation code with PKCE, ID token checked, account created once, then reused', async () => {
    expect(await countUsers(NO.physics)).toBe(0);
    const first = await finish(await throughProvider({ account: 'zhang.san' }));
    expect(first.accountCreated).toBe(true);
    expect(first.principal).toMatchObject({ username: NO.physics, role: 'student', studentNo: NO.physics, departments: [] });
    const session = await authenticate(rt.deps, first.token);
    expect(session.principal.userId).toBe(first.principal.userId);
    const me = await describeMe(rt.deps, session.principal);
    // a new account is named as on the roster
    expect(me).toMatchObject({ username: NO.physics, role: 'student', displayName: '张小三' });
    expect(me.studentId).not.toBeNull();

    const second = await finish(await throughProvider({ account: 'zhang.san' }));
    expect(second.accountCreated).toBe(false);
    expect(second.principal.userId).toBe(first.principal.userId);
    expect(second.token).not.toBe(first.token);
    expect(await countUsers(NO.physics)).toBe(1);

    const events = (await auditActions('auth.oidc_logged_in')).filter((e) => e.target_id === first.principal.userId);
    expect(events.map((e) => JSON.parse(e.details) as unknown)).toEqual([
      { username: NO.physics, accountCreated: true },
      { username: NO.physics, accountCreated: false },
    ]);
    expect(events[0]!.actor_name).toBe(NO.physics);
    expect((await verifyAuditChain(rt.deps)).ok).toBe(true);
  });

  it('the authorisation request carries PKCE S256, state and nonce, and the pending request is stored only as hashes and checks', async () => {
    const start = await startOidcSignIn(deps);
    const url = new URL(start.redirectUrl);
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    const state = url.searchParams.get('state')!;
    expect(state.length).toBeGreaterThanOrEqual(32);
    expect(url.searchParams.get('nonce')!.length).toBeGreaterThanOrEqual(32);
    const rows = await rt.deps.db.db.selectFrom('oidc_auth_requests').selectAll().execute();
    // neither the state nor the browser cookie is stored as such
    expect(rows.some((r) => r.state_hash === state || r.browser_hash === start.browserToken)).toBe(false);
  });

  it('refuses a replayed callback (same state and code): the pending request is taken once', async () => {
    const back = await throughProvider({ account: 'li.si' });
    await finish(back);
    const replay = await expectOidcError(finish(back), 'OIDC_FAILED', { reason: 'oidc-state' });
    expect(translateError(replay.code, replay.params, 'zh')).toBe('统一身份认证失败：登录请求无效、已使用或已过期，请重新登录');
    expect(translateError(replay.code, replay.params, 'en')).toBe('Campus sign-on failed: the sign-in request is invalid, already used or expired; please sign in again');
    const refused = await auditActions('auth.oidc_refused');
    expect(JSON.parse(refused.at(-1)!.details)).toMatchObject({ code: 'OIDC_FAILED', reason: 'oidc-state', why: 'unknown-used-or-expired' });
  });

  it('lets exactly one of two simultaneous callbacks with the same state through (double click, PITFALLS F15)', async () => {
    const back = await throughProvider({ account: 'li.si' });
    const results = await Promise.allSettled([finish(back), finish(back), finish(back)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(AppError);
      expect((r.reason as AppError).params).toEqual({ reason: 'oidc-state' });
    }
  });

  it('refuses a state that does not match a request, a missing state, and a callback brought by another browser', async () => {
    const back = await throughProvider({ account: 'li.si' });
    const wrongState = new URLSearchParams(back.callbackParams);
    wrongState.set('state', `${back.callbackParams.get('state')}x`);
    await expectOidcError(finish({ ...back, callbackParams: wrongState }), 'OIDC_FAILED', { reason: 'oidc-state' });
    const noState = new URLSearchParams(back.callbackParams);
    noState.delete('state');
    await expectOidcError(finish({ ...back, callbackParams: noState }), 'OIDC_FAILED', { reason: 'oidc-state' });
    // login CSRF: someone else's callback link opened in this browser (its own binding cookie, or none)
    const other = await startOidcSignIn(deps);
    await expectOidcError(finish({ ...back, browserToken: other.browserToken }), 'OIDC_FAILED', { reason: 'oidc-state' });
    const later = await throughProvider({ account: 'li.si' });
    await expectOidcError(finish({ ...later, browserToken: undefined }), 'OIDC_FAILED', { reason: 'oidc-state' });
    const refused = await auditActions('auth.oidc_refused');
    expect(refused.slice(-4).map((e) => (JSON.parse(e.details) as { why: string }).why)).toEqual(['unknown-used-or-expired', 'no-state', 'other-browser', 'other-browser']);
  });

  it('refuses a callback after the pending request expired (10 minutes)', async () => {
    const back = await throughProvider({ account: 'li.si' });
    rt.clock.advance(11 * 60_000);
    try {
      await expectOidcError(finish(back), 'OIDC_FAILED', { reason: 'oidc-state' });
    } finally {
      rt.clock.set('2023-10-20T02:00:00.000Z');
    }
  });

  it('refuses a provider user whose student number is not on the roster: OIDC_NO_STUDENT, masked, audited, no account created', async () => {
    const error = await expectOidcError(finish(await throughProvider({ account: 'stranger' })), 'OIDC_NO_STUDENT', { account: '23******99' });
    expect(translateError(error.code, error.params, 'zh')).toBe('统一身份认证账号 23******99 不在本次采集名单中');
    expect(translateError(error.code, error.params, 'en')).toBe("The campus account 23******99 is not on this campaign's roster");
    expect(await countUsers(NO.stranger)).toBe(0);
    const refused = (await auditActions('auth.oidc_refused')).at(-1)!;
    expect(refused.result).toBe('denied');
    expect(JSON.parse(refused.details)).toEqual({ code: 'OIDC_NO_STUDENT', account: '23******99', claim: 'student_no', value: NO.stranger });
  });

  it('refuses a student removed from the roster, and a provider answer without the student claim', async () => {
    await expectOidcError(finish(await throughProvider({ account: 'zhao.liu' })), 'OIDC_NO_STUDENT', { account: maskAccount(NO.removed) });
    expect(await countUsers(NO.removed)).toBe(0);
    await expectOidcError(finish(await throughProvider({ account: 'no.number' })), 'OIDC_FAILED', { reason: 'oidc-no-claim' });
  });

  it('refuses a disabled student account and a staff account that has the student number as user name', async () => {
    await expectOidcError(finish(await throughProvider({ account: 'qian.qi' })), 'OIDC_FAILED', { reason: 'oidc-account-disabled' });
    await expectOidcError(finish(await throughProvider({ account: 'sun.ba' })), 'OIDC_FAILED', { reason: 'oidc-not-student-account' });
    const staff = await rt.deps.db.db.selectFrom('users').select(['role', 'student_no']).where('username', '=', NO.staffNamed).executeTakeFirstOrThrow();
    expect(staff).toEqual({ role: 'operator', student_no: null });
  });

  it('turns a denial at the provider (login cancelled, consent refused) into OIDC_FAILED access denied', async () => {
    const denied = await expectOidcError(finish(await throughProvider({ account: 'li.si', consent: 'deny' })), 'OIDC_FAILED', { reason: 'oidc-denied' });
    expect(translateError(denied.code, denied.params, 'en')).toBe('Campus sign-on failed: access was denied at the campus sign-on page');
    await expectOidcError(finish(await throughProvider('deny-login')), 'OIDC_FAILED', { reason: 'oidc-denied' });
  });

  it('refuses an ID token that is not for this request (nonce mismatch)', async () => {
    const back = await throughProvider({ account: 'li.si' });
    await rt.deps.db.db.updateTable('oidc_auth_requests').set({ nonce: 'a-nonce-this-request-never-sent-0000000000' }).where('used_at', 'is', null).execute();
    await expectOidcError(finish(back), 'OIDC_FAILED', { reason: 'oidc-id-token' });
  });

  it('refuses a code redeemed with the wrong client secret (the provider says no)', async () => {
    const wrongSecret = { ...deps, oidc: createOidcClient(settings({ clientSecret: 'not-the-secret' })) };
    const back = await throughProvider({ account: 'li.si' }, wrongSecret);
    await expectOidcError(finish(back, wrongSecret), 'OIDC_FAILED', { reason: 'oidc-provider-error' });
  });

  it('lets an excluded student (E6) sign in: they read why they need not come', async () => {
    const outcome = await finish(await throughProvider({ account: 'wang.wu' }));
    const me = await describeMe(rt.deps, outcome.principal);
    const student = await getStudent(rt.deps, { principal: outcome.principal, ip: null }, me.studentId!);
    expect(student).toMatchObject({ studentNo: NO.single, decision: 'excluded', rule: 'E6' });
    expect(student.reason.zh.length).toBeGreaterThan(0);
  });

  it('reads the student number from another claim when configured (preferred_username)', async () => {
    const byUsername = { ...deps, oidc: createOidcClient(settings({ studentClaim: 'preferred_username' })) };
    const outcome = await finish(await throughProvider({ account: NO.byUsername }, byUsername), byUsername);
    expect(outcome.principal.studentNo).toBe(NO.byUsername);
  });

  it('answers OIDC_FAILED "unreachable" when the provider is down, and when it hangs (request timeout)', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const down = { ...deps, oidc: createOidcClient(settings({ issuer: `http://127.0.0.1:${closed}` })) };
    const error = await expectOidcError(startOidcSignIn(down), 'OIDC_FAILED', { reason: 'oidc-unreachable' });
    expect(translateError(error.code, error.params, 'zh')).toBe('统一身份认证失败：统一身份认证服务暂时无法连接，请稍后再试');

    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((socket) => void sockets.add(socket)); // accepts, never answers
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blackHole.address() as net.AddressInfo;
      const hanging = { ...deps, oidc: createOidcClient(settings({ issuer: `http://127.0.0.1:${port}`, timeoutSeconds: 1 })) };
      await expectOidcError(startOidcSignIn(hanging), 'OIDC_FAILED', { reason: 'oidc-unreachable' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });

  it('answers OIDC_NOT_CONFIGURED without a provider', async () => {
    await expectOidcError(startOidcSignIn(rt.deps), 'OIDC_NOT_CONFIGURED');
    await expectOidcError(finishOidcSignIn(rt.deps, { callbackParams: new URLSearchParams('code=x&state=y'), browserToken: 'z', ip: null, userAgent: null }), 'OIDC_NOT_CONFIGURED');
  });
});
