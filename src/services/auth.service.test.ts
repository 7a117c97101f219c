// Sign-in, sessions and their limits, once per database; over real HTTP where the cookie matters, on the
// service where addresses matter. Time moves only by the fake clock; nothing here measures time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateTotp } from '../adapters/totp.js';
import type { PasswordHasher } from '../adapters/password-hasher.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, TEST_PASSWORD, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { verifyAuditChain } from './audit.service.js';
import { enableTotp, login, setupTotp } from './auth.service.js';
import type { ServiceDeps } from './deps.js';
import { expectAppError } from '../../test/support/app-errors.js';

const MINUTE = 60_000;
const WRONG_PASSWORD = 'Wrong-password-sentinel-7391';
const NEW_PASSWORD = 'New-password-sentinel-5528';

interface ErrorBody {
  error: { code: string; message: string };
}

describe.each(DIALECTS)('authentication on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  // Each test gets its own server: the login route's own rate limit (per process, real time) starts afresh.
  beforeEach(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
  });
  afterEach(async () => {
    await server?.close();
    await rt?.close();
  });

  const post = (path: string, body: unknown, cookie?: string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
  const tryLogin = (username: string, password: string, totp?: string) => post('/api/auth/login', totp === undefined ? { username, password } : { username, password, totp });
  const me = (cookie: string) => fetch(`${server.url}/api/me`, { headers: { cookie } });
  const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

  describe('sessions', () => {
    it('login sets an HttpOnly, SameSite=Strict session cookie for the whole site', async () => {
      await createActor(rt.deps, 'admin', [], 'alice');
      const res = await tryLogin('alice', TEST_PASSWORD);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { user: { username: string; role: string; totpEnabled: boolean } };
      expect(body.user).toMatchObject({ username: 'alice', role: 'admin', totpEnabled: false });
      expect(JSON.stringify(body)).not.toContain(TEST_PASSWORD);
      const setCookie = res.headers.get('set-cookie')!;
      expect(setCookie).toMatch(/^gp_session=[A-Za-z0-9_-]{40,};/);
      const attributes = setCookie.split(';').map((a) => a.trim().toLowerCase());
      expect(attributes).toContain('httponly');
      expect(attributes).toContain('samesite=strict');
      expect(attributes).toContain('path=/');
      expect(attributes).toContain(`max-age=${rt.deps.auth.sessionAbsoluteHours * 3600}`);
      // The test server runs plain HTTP with COOKIE_SECURE=false.
      expect(attributes).not.toContain('secure');
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('gives a new session id at each login; both stay valid and each ends with its own logout', async () => {
      await createActor(rt.deps, 'secretary', ['物理学院'], 'bob');
      const first = await loginOverHttp(server.url, 'bob');
      const second = await loginOverHttp(server.url, 'bob');
      expect(first).not.toBe(second);
      expect((await me(first)).status).toBe(200);
      expect((await me(second)).status).toBe(200);

      const out = await post('/api/auth/logout', {}, first);
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/^gp_session=;/);
      const after = await me(first);
      expect(after.status).toBe(401);
      expect((await errorOf(after)).code).toBe('UNAUTHENTICATED');
      expect((await me(second)).status).toBe(200);

      expect((await post('/api/auth/logout', {}, second)).status).toBe(204);
      expect((await me(second)).status).toBe(401);
      // Logging out without a session is harmless.
      expect((await post('/api/auth/logout', {})).status).toBe(204);
    });

    it('the session id is never stored as sent: only its hash is in the database', async () => {
      await createActor(rt.deps, 'operator', [], 'carol');
      const cookie = await loginOverHttp(server.url, 'carol');
      const token = cookie.split('=')[1]!;
      const rows = await rt.deps.db.db.selectFrom('sessions').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(token);
    });

    it('ends after sessionIdleMinutes without a request (401 SESSION_EXPIRED, cookie cleared)', async () => {
      await createActor(rt.deps, 'admin', [], 'dave');
      const cookie = await loginOverHttp(server.url, 'dave');
      const idle = rt.deps.auth.sessionIdleMinutes;
      rt.clock.advance((idle - 1) * MINUTE);
      expect((await me(cookie)).status).toBe(200);
      rt.clock.advance((idle + 1) * MINUTE);
      const res = await me(cookie);
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toEqual({ code: 'SESSION_EXPIRED', message: '登录已过期，请重新登录' });
      expect(res.headers.get('set-cookie')).toMatch(/^gp_session=;/);
      // The expired session is gone, not only refused.
      expect((await errorOf(await me(cookie))).code).toBe('UNAUTHENTICATED');
    });

    it('ends after sessionAbsoluteHours even when used within the idle limit all along', async () => {
      await createActor(rt.deps, 'admin', [], 'erin');
      const cookie = await loginOverHttp(server.url, 'erin');
      const step = Math.floor(rt.deps.auth.sessionIdleMinutes / 2) * MINUTE;
      const absolute = rt.deps.auth.sessionAbsoluteHours * 60 * MINUTE;
      let elapsed = 0;
      while (elapsed + step <= absolute) {
        rt.clock.advance(step);
        elapsed += step;
        expect((await me(cookie)).status, `after ${elapsed / MINUTE} minutes`).toBe(200);
      }
      rt.clock.advance(step);
      const res = await me(cookie);
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('SESSION_EXPIRED');
    });
  });

  describe('failed sign-ins', () => {
    it('refuses an address after maxFailuresPerAccountAndAddress wrong passwords for an account, even the right one, until the window passes', async () => {
      await createActor(rt.deps, 'admin', [], 'frank');
      const max = rt.deps.auth.maxFailuresPerAccountAndAddress;
      const statuses: string[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await tryLogin('frank', WRONG_PASSWORD);
        statuses.push(`${res.status} ${(await errorOf(res)).code}`);
      }
      expect(statuses).toEqual([...Array<string>(max).fill('401 INVALID_CREDENTIALS'), ...Array<string>(10 - max).fill('429 TOO_MANY_ATTEMPTS')]);

      const locked = await tryLogin('frank', TEST_PASSWORD);
      expect(locked.status).toBe(429);
      expect(await errorOf(locked)).toEqual({ code: 'TOO_MANY_ATTEMPTS', message: `登录尝试过多，请 ${rt.deps.auth.failureWindowMinutes} 分钟后再试` });
      expect(locked.headers.get('set-cookie')).toBeNull();

      rt.clock.advance((rt.deps.auth.failureWindowMinutes - 1) * MINUTE);
      expect((await tryLogin('frank', TEST_PASSWORD)).status).toBe(429);
      rt.clock.advance(2 * MINUTE);
      const ok = await tryLogin('frank', TEST_PASSWORD);
      expect(ok.status).toBe(200);
      // A success clears the account's failures: the next wrong password is an ordinary 401 again.
      expect((await tryLogin('frank', WRONG_PASSWORD)).status).toBe(401);
    });

    // Issue 8 finding 7: five wrong passwords from anywhere used to lock the account from every address.
    describe('throttling per account and address (docs/decisions/0010-login-throttling.md)', () => {
      const USUAL = '10.20.0.5';
      const ATTACKER = '203.0.113.9';
      const signIn = (username: string, ip: string, password = TEST_PASSWORD, totp?: string) => login(rt.deps, { username, password, ...(totp ? { totp } : {}) }, ip, null);

      it('an attacker’s wrong passwords refuse the attacker’s address only: the owner still signs in from their usual and from a new address', async () => {
        await createActor(rt.deps, 'secretary', ['物理学院'], 'quinn');
        await signIn('quinn', USUAL);
        const perPair = rt.deps.auth.maxFailuresPerAccountAndAddress;
        for (let i = 0; i < perPair; i++) await expectAppError(signIn('quinn', ATTACKER, WRONG_PASSWORD), 'INVALID_CREDENTIALS');
        // The attacker's address is refused, whatever the password (the answer does not tell a right one).
        await expectAppError(signIn('quinn', ATTACKER, WRONG_PASSWORD), 'TOO_MANY_ATTEMPTS');
        await expectAppError(signIn('quinn', ATTACKER), 'TOO_MANY_ATTEMPTS');
        await expectAppError(signIn('QUINN', ATTACKER), 'TOO_MANY_ATTEMPTS');
        expect((await signIn('quinn', USUAL)).principal.username).toBe('quinn');
        // Far below the account-wide limit: an address never seen before is not held either.
        expect((await signIn('quinn', '10.20.0.77')).principal.username).toBe('quinn');
        // The owner's sign-ins do not reset the attacker's count.
        await expectAppError(signIn('quinn', ATTACKER), 'TOO_MANY_ATTEMPTS');
        rt.clock.advance((rt.deps.auth.failureWindowMinutes + 1) * MINUTE);
        expect((await signIn('quinn', ATTACKER)).principal.username).toBe('quinn');
      });

      it('an address never used by the account is held only after the account-wide limit; the right password from a known address still passes it', async () => {
        rt = await replaceRuntime(rt, dialect, { maxFailuresPerAccount: 12 });
        await createActor(rt.deps, 'admin', [], 'rupert');
        await signIn('rupert', USUAL);
        // 12 wrong passwords spread over three addresses, each under the per-address limit of 5.
        const attackers = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
        for (const [i, address] of attackers.entries()) {
          for (let n = 0; n < 4; n++) await expectAppError(signIn('rupert', address, WRONG_PASSWORD), 'INVALID_CREDENTIALS');
          if (i === 1) expect((await signIn('rupert', '10.20.0.8')).principal.username).toBe('rupert'); // 8 of 12: still open
        }
        const fresh = await expectAppError(signIn('rupert', '10.20.0.99'), 'TOO_MANY_ATTEMPTS');
        expect(fresh.params).toEqual({ minutes: rt.deps.auth.failureWindowMinutes });
        await expectAppError(signIn('rupert', '198.51.100.4', WRONG_PASSWORD), 'TOO_MANY_ATTEMPTS');
        // From an address it signed in from before, the right password passes; a wrong one gets the lock's answer.
        expect((await signIn('rupert', USUAL)).principal.username).toBe('rupert');
        expect((await signIn('rupert', '10.20.0.8')).principal.username).toBe('rupert');
        await expectAppError(signIn('rupert', USUAL, WRONG_PASSWORD), 'TOO_MANY_ATTEMPTS');
        // Known addresses are stored as keyed hashes only.
        const known = await rt.deps.db.db.selectFrom('login_known_addresses').selectAll().execute();
        expect(known).toHaveLength(2);
        expect(JSON.stringify(known)).not.toContain('10.20.0');
        const audit = await rt.deps.db.db.selectFrom('audit_events').select(['result', 'details']).where('action', '=', 'auth.login_failed').where('result', '=', 'denied').execute();
        expect(audit.length).toBeGreaterThanOrEqual(3);
        rt.clock.advance((rt.deps.auth.failureWindowMinutes + 1) * MINUTE);
        expect((await signIn('rupert', '10.20.0.99')).principal.username).toBe('rupert');
      });

      it('a valid one-time code with the right password passes every limit, even from the attacker’s address', async () => {
        rt = await replaceRuntime(rt, dialect, { maxFailuresPerAccount: 6 });
        const owner = await createActor(rt.deps, 'admin', [], 'sybil');
        const { secret } = await setupTotp(rt.deps, owner);
        await enableTotp(rt.deps, owner, generateTotp(secret, rt.clock.now()));
        for (let i = 0; i < 5; i++) await expectAppError(signIn('sybil', ATTACKER, WRONG_PASSWORD), 'INVALID_CREDENTIALS');
        await expectAppError(signIn('sybil', '198.51.100.7', WRONG_PASSWORD), 'INVALID_CREDENTIALS'); // the 6th: account-wide limit reached
        rt.clock.advance(MINUTE);
        // Without the code, or with a wrong one, the lock answers; with it, the owner is in from anywhere.
        await expectAppError(signIn('sybil', '10.20.0.50'), 'TOO_MANY_ATTEMPTS');
        const now = rt.clock.now();
        const valid = new Set([-30_000, 0, 30_000].map((d) => generateTotp(secret, new Date(now.getTime() + d))));
        const wrongCode = ['000000', '111111', '222222', '333333'].find((c) => !valid.has(c))!;
        await expectAppError(signIn('sybil', '10.20.0.50', TEST_PASSWORD, wrongCode), 'TOO_MANY_ATTEMPTS');
        await expectAppError(signIn('sybil', '10.20.0.50', WRONG_PASSWORD, generateTotp(secret, now)), 'TOO_MANY_ATTEMPTS');
        expect((await signIn('sybil', '10.20.0.50', TEST_PASSWORD, generateTotp(secret, now))).principal.username).toBe('sybil');
        rt.clock.advance(MINUTE);
        // A shared address (campus NAT) held for this account: the code still lets the owner in.
        expect((await signIn('sybil', ATTACKER, TEST_PASSWORD, generateTotp(secret, rt.clock.now()))).principal.username).toBe('sybil');
        // A code is good once, during a lock too.
        await expectAppError(signIn('sybil', '10.20.0.51', TEST_PASSWORD, generateTotp(secret, rt.clock.now())), 'TOO_MANY_ATTEMPTS');
      });
    });

    it('limits one address trying many user names (429), while other addresses still sign in', async () => {
      rt = await replaceRuntime(rt, dialect, { maxFailuresPerAddress: 8 });
      await createActor(rt.deps, 'admin', [], 'heidi');
      const attacker = '192.0.2.66';
      for (let i = 0; i < 8; i++) {
        await expectAppError(login(rt.deps, { username: `guess-${i}`, password: WRONG_PASSWORD }, attacker, null), 'INVALID_CREDENTIALS');
      }
      // A new user name, even an existing account with its right password, is refused from that address …
      const refused = await expectAppError(login(rt.deps, { username: 'heidi', password: TEST_PASSWORD }, attacker, null), 'TOO_MANY_ATTEMPTS');
      expect(refused.params).toEqual({ minutes: rt.deps.auth.failureWindowMinutes });
      // … but not from another address.
      const ok = await login(rt.deps, { username: 'heidi', password: TEST_PASSWORD }, '192.0.2.67', null);
      expect(ok.principal.username).toBe('heidi');
      rt.clock.advance((rt.deps.auth.failureWindowMinutes + 1) * MINUTE);
      await login(rt.deps, { username: 'heidi', password: TEST_PASSWORD }, attacker, null);
    });

    it('limits one address over HTTP with the service’s own 429 (its window, not the route limit)', async () => {
      await server.close();
      rt = await replaceRuntime(rt, dialect, { maxFailuresPerAddress: 6 });
      server = await startTestServer(rt.deps);
      for (let i = 0; i < 6; i++) expect((await tryLogin(`nobody-${i}`, WRONG_PASSWORD)).status).toBe(401);
      const res = await tryLogin('nobody-new', WRONG_PASSWORD);
      expect(res.status).toBe(429);
      expect(await errorOf(res)).toEqual({ code: 'TOO_MANY_ATTEMPTS', message: `登录尝试过多，请 ${rt.deps.auth.failureWindowMinutes} 分钟后再试` });
    });

    it('answers an unknown user and a wrong password identically (status, code, message, headers)', async () => {
      await createActor(rt.deps, 'admin', [], 'ivan');
      for (const lang of ['zh', 'en']) {
        const unknown = await fetch(`${server.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'accept-language': lang },
          body: JSON.stringify({ username: 'no-such-user', password: WRONG_PASSWORD }),
        });
        const wrong = await fetch(`${server.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'accept-language': lang },
          body: JSON.stringify({ username: 'ivan', password: WRONG_PASSWORD }),
        });
        expect(unknown.status).toBe(401);
        expect(wrong.status).toBe(401);
        const [a, b] = [await unknown.text(), await wrong.text()];
        expect(a).toBe(b);
        expect(JSON.parse(a)).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: lang === 'en' ? 'Wrong username or password' : '用户名或密码错误' } });
        expect(unknown.headers.get('set-cookie')).toBeNull();
        expect(wrong.headers.get('set-cookie')).toBeNull();
      }
    });

    it('checks an unknown user’s password against a real argon2id hash too (same work as a wrong password)', async () => {
      await createActor(rt.deps, 'admin', [], 'judy');
      const verified: string[] = [];
      const spy: PasswordHasher = {
        hash: (p) => rt.deps.hasher.hash(p),
        verify: (h, p) => {
          verified.push(h);
          return rt.deps.hasher.verify(h, p);
        },
      };
      const deps: ServiceDeps = { ...rt.deps, hasher: spy };
      await expectAppError(login(deps, { username: 'nobody-at-all', password: WRONG_PASSWORD }, '192.0.2.1', null), 'INVALID_CREDENTIALS');
      await expectAppError(login(deps, { username: 'judy', password: WRONG_PASSWORD }, '192.0.2.1', null), 'INVALID_CREDENTIALS');
      expect(verified).toHaveLength(2);
      for (const h of verified) expect(h).toMatch(/^\$argon2id\$/);
    });

    it('records failed sign-ins in the audit log with the user name and the reason, never the password', async () => {
      await createActor(rt.deps, 'admin', [], 'kim');
      await tryLogin('kim', WRONG_PASSWORD);
      await tryLogin('nobody', WRONG_PASSWORD);
      const rows = await rt.deps.db.db.selectFrom('audit_events').selectAll().where('action', '=', 'auth.login_failed').orderBy('seq').execute();
      expect(rows.map((r) => [r.result, JSON.parse(r.details) as unknown])).toEqual([
        ['failed', { username: 'kim', reason: 'password' }],
        ['failed', { username: 'nobody', reason: 'unknown-user' }],
      ]);
    });
  });

  describe('one-time codes (TOTP)', () => {
    it('setupTotp + enableTotp, then a sign-in needs the code: missing → TOTP_REQUIRED, wrong → TOTP_INVALID, right → OK', async () => {
      await createActor(rt.deps, 'admin', [], 'lena');
      const cookie = await loginOverHttp(server.url, 'lena');
      const setup = await post('/api/me/totp/setup', {}, cookie);
      expect(setup.status).toBe(200);
      const { secret, uri } = (await setup.json()) as { secret: string; uri: string };
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(uri).toMatch(/^otpauth:\/\/totp\/gradphoto:lena\?/);

      const now = rt.clock.now();
      const valid = new Set([-30_000, 0, 30_000].map((d) => generateTotp(secret, new Date(now.getTime() + d))));
      const wrongCode = ['000000', '111111', '222222', '333333'].find((c) => !valid.has(c))!;
      const badEnable = await post('/api/me/totp/enable', { code: wrongCode }, cookie);
      expect(badEnable.status).toBe(401);
      expect((await errorOf(badEnable)).code).toBe('TOTP_INVALID');
      // Not enabled yet: the password alone still signs in.
      expect((await tryLogin('lena', TEST_PASSWORD)).status).toBe(200);

      expect((await post('/api/me/totp/enable', { code: generateTotp(secret, rt.clock.now()) }, cookie)).status).toBe(204);
      expect(((await (await me(cookie)).json()) as { totpEnabled: boolean }).totpEnabled).toBe(true);
      expect((await post('/api/me/totp/setup', {}, cookie)).status).toBe(409);

      const missing = await tryLogin('lena', TEST_PASSWORD);
      expect(missing.status).toBe(401);
      expect(await errorOf(missing)).toEqual({ code: 'TOTP_REQUIRED', message: '请输入动态验证码' });
      expect(missing.headers.get('set-cookie')).toBeNull();

      const wrong = await tryLogin('lena', TEST_PASSWORD, wrongCode);
      expect(wrong.status).toBe(401);
      expect(await errorOf(wrong)).toEqual({ code: 'TOTP_INVALID', message: '动态验证码错误' });

      // A right code with a wrong password is still a wrong password.
      expect((await errorOf(await tryLogin('lena', WRONG_PASSWORD, generateTotp(secret, rt.clock.now())))).code).toBe('INVALID_CREDENTIALS');

      rt.clock.advance(5 * MINUTE);
      const ok = await tryLogin('lena', TEST_PASSWORD, generateTotp(secret, rt.clock.now()));
      expect(ok.status).toBe(200);
      expect(ok.headers.get('set-cookie')).toMatch(/^gp_session=/);

      // The same code a second time is refused: a watched code cannot be replayed (RFC 6238 §5.2).
      const replay = await tryLogin('lena', TEST_PASSWORD, generateTotp(secret, rt.clock.now()));
      expect(replay.status).toBe(401);
      expect((await errorOf(replay)).code).toBe('TOTP_INVALID');
      rt.clock.advance(MINUTE);
      expect((await tryLogin('lena', TEST_PASSWORD, generateTotp(secret, rt.clock.now()))).status).toBe(200);

      // The secret is a credential: it is not in the audit log.
      const rows = await rt.deps.db.db.selectFrom('audit_events').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['auth.totp_setup', 'auth.totp_enabled']));
    });
  });

  describe('passwords', () => {
    it('changePassword ends the user’s other sessions, keeps the current one, and the old password stops working', async () => {
      await createActor(rt.deps, 'secretary', ['物理学院'], 'mallory');
      const current = await loginOverHttp(server.url, 'mallory');
      const other = await loginOverHttp(server.url, 'mallory');

      const wrong = await post('/api/me/password', { currentPassword: WRONG_PASSWORD, newPassword: NEW_PASSWORD }, current);
      // 422: the session stays (a 401 would sign the web page out for a typo)
      expect(wrong.status).toBe(422);
      expect((await errorOf(wrong)).code).toBe('CURRENT_PASSWORD_WRONG');
      expect((await me(current)).status).toBe(200);
      expect((await me(other)).status).toBe(200);

      const changed = await post('/api/me/password', { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }, current);
      expect(changed.status).toBe(204);
      expect((await me(current)).status).toBe(200);
      expect((await me(other)).status).toBe(401);
      expect((await tryLogin('mallory', TEST_PASSWORD)).status).toBe(401);
      expect((await tryLogin('mallory', NEW_PASSWORD)).status).toBe(200);
    });

    it('refuses a new password shorter than 10 characters', async () => {
      await createActor(rt.deps, 'admin', [], 'niaj');
      const cookie = await loginOverHttp(server.url, 'niaj');
      const res = await post('/api/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'short' }, cookie);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('VALIDATION_FAILED');
    });

    it('stores argon2id hashes only, and no password appears in the audit log', async () => {
      await createActor(rt.deps, 'admin', [], 'olivia');
      const cookie = await loginOverHttp(server.url, 'olivia');
      const created = await post('/api/users', { username: 'peggy', role: 'operator', password: 'Created-password-sentinel-8842' }, cookie);
      expect(created.status).toBe(201);
      expect(await created.text()).not.toContain('Created-password-sentinel-8842');
      await tryLogin('olivia', WRONG_PASSWORD);
      await tryLogin('ghost', WRONG_PASSWORD);
      expect((await post('/api/me/password', { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }, cookie)).status).toBe(204);

      const users = await rt.deps.db.db.selectFrom('users').select(['username', 'password_hash']).execute();
      expect(users).toHaveLength(2);
      for (const u of users) {
        expect(u.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
      }
      const audit = JSON.stringify(await rt.deps.db.db.selectFrom('audit_events').selectAll().execute());
      for (const secret of [TEST_PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, 'Created-password-sentinel-8842']) expect(audit).not.toContain(secret);
      for (const u of users) expect(audit).not.toContain(u.password_hash);
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: true, brokenAt: null });
    });
  });
});

/** A fresh runtime with other sign-in limits; the old one is closed. */
async function replaceRuntime(old: TestRuntime, dialect: (typeof DIALECTS)[number], auth: Partial<ServiceDeps['auth']>): Promise<TestRuntime> {
  await old.close();
  return createTestRuntime(dialect, { auth });
}
