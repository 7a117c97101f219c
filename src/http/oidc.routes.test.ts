// Campus sign-on over real HTTP, once per database, against a real OpenID provider process: the browser's
// walk (app start → provider login and consent → app callback) with a cookie jar, the session cookie it ends
// with, and every failure landing on the login page with its code.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, browse, signInAtProvider, startOidcProvider, type ProviderChoice, type RunningProvider } from '../../test/support/oidc-provider-process.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { MeSchema, OidcStatusSchema } from '../contracts/auth.js';
import { StudentDetailSchema } from '../contracts/student.js';
import type { ServiceDeps } from '../services/deps.js';
import { configureOidc } from '../services/oidc.service.js';
import { applyRosterImport } from '../services/roster.service.js';
import { OIDC_BROWSER_COOKIE } from './oidc.routes.js';

const CLIENT = { clientId: 'gradphoto-http-test', clientSecret: 'http-test-secret-abcdefghijkl' };
const NO = { physics: '2501000001', single: '2501000002', stranger: '2599999999' } as const;
const ACCOUNTS = [
  { sub: 'zhang.san', student_no: NO.physics, name: '张三' },
  { sub: 'wang.wu', student_no: NO.single, name: '王五' },
  { sub: 'stranger', student_no: NO.stranger, name: '路人' },
];

describe.each(DIALECTS)('campus sign-on API on %s', (dialect) => {
  let rt: TestRuntime;
  let deps: ServiceDeps;
  let server: TestServer;
  let provider: RunningProvider;

  const callbackPath = '/api/auth/oidc/callback';
  const startUrl = () => `${server.url}/api/auth/oidc/start`;

  /** The browser's walk up to (not including) the callback; returns the jar and the callback URL. */
  async function walk(choice: ProviderChoice): Promise<{ jar: CookieJar; callback: URL }> {
    const jar = new CookieJar();
    const callback = await signInAtProvider(jar, { startUrl: startUrl(), issuer: provider.issuer, appOrigin: server.url }, choice);
    expect(callback.pathname).toBe(callbackPath);
    return { jar, callback };
  }

  /** `/login?error=…` of a redirect, as an object. */
  function loginError(response: Response): Record<string, string> {
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!, server.url);
    expect(location.pathname).toBe('/login');
    return Object.fromEntries(location.searchParams);
  }

  const countUsers = async () => Number((await rt.deps.db.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    const admin = await createActor(rt.deps, 'admin', [], 'oidc-http-admin');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv([rosterRow(NO.physics), rosterRow(NO.single, { 证书类型: '单证' })])) }, 'roster.csv', 'zh');
    // The redirect URI names the server's port: the server starts first, campus sign-on is switched on after.
    deps = { ...rt.deps };
    server = await startTestServer(deps);
    provider = await startOidcProvider({ ...CLIENT, redirectUris: [`${server.url}${callbackPath}`], accounts: ACCOUNTS });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await provider?.stop();
    await rt?.close();
  });

  const enable = (issuer = provider.issuer) => {
    deps.oidc = configureOidc({ issuer, ...CLIENT, redirectUri: `${server.url}${callbackPath}`, studentClaim: 'student_no', allowHttp: true });
  };

  it('getOidcStatus says whether campus sign-on is offered; without it, start and callback go to the login page with OIDC_NOT_CONFIGURED', async () => {
    delete deps.oidc;
    const off = await fetch(`${server.url}/api/auth/oidc`);
    expect(off.status).toBe(200);
    expect(OidcStatusSchema.parse(await off.json())).toEqual({ enabled: false });
    expect(loginError(await fetch(startUrl(), { redirect: 'manual' }))).toEqual({ error: 'OIDC_NOT_CONFIGURED' });
    expect(loginError(await fetch(`${server.url}${callbackPath}?code=a&state=b`, { redirect: 'manual' }))).toEqual({ error: 'OIDC_NOT_CONFIGURED' });
    enable();
    expect(OidcStatusSchema.parse(await (await fetch(`${server.url}/api/auth/oidc`)).json())).toEqual({ enabled: true });
  });

  it('signs a student in over real HTTP: start → provider → callback → session cookie → GET /api/me', async () => {
    enable();
    const start = await fetch(startUrl(), { redirect: 'manual' });
    expect(start.status).toBe(302);
    expect(new URL(start.headers.get('location')!).origin).toBe(provider.issuer);
    const binding = start.headers.getSetCookie().find((c) => c.startsWith(`${OIDC_BROWSER_COOKIE}=`))!;
    expect(binding).toMatch(/HttpOnly/i);
    expect(binding).toMatch(/SameSite=Lax/i);
    expect(binding).toMatch(/Path=\/api\/auth\/oidc/);

    const { jar, callback } = await walk({ account: 'zhang.san' });
    const done = await browse(jar, callback);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/my');
    const session = done.headers.getSetCookie().find((c) => c.startsWith('gp_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    // the binding cookie is spent
    expect(jar.get(OIDC_BROWSER_COOKIE)).toBeUndefined();

    const me = await browse(jar, `${server.url}/api/me`);
    expect(me.status).toBe(200);
    const body = MeSchema.parse(await me.json());
    expect(body).toMatchObject({ username: NO.physics, role: 'student' });
    expect(body.studentId).not.toBeNull();
  });

  it('refuses a replayed callback (same state and code) and a state that does not match', async () => {
    enable();
    const { jar, callback } = await walk({ account: 'zhang.san' });
    const binding = jar.get(OIDC_BROWSER_COOKIE)!;
    expect((await browse(jar, callback)).status).toBe(302);
    // replayed, with the binding cookie put back as an attacker holding the whole request would
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie: `${OIDC_BROWSER_COOKIE}=${binding}` } });
    expect(loginError(replay)).toEqual({ error: 'OIDC_FAILED', reason: 'oidc-state' });
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('gp_session=') && !/gp_session=;/.test(c))).toBe(false);

    const second = await walk({ account: 'zhang.san' });
    const tampered = new URL(second.callback);
    tampered.searchParams.set('state', 'forged-state-value-0000000000000000');
    expect(loginError(await browse(second.jar, tampered))).toEqual({ error: 'OIDC_FAILED', reason: 'oidc-state' });
  });

  it('refuses a campus user who is not on the roster: OIDC_NO_STUDENT with the account masked, no account created', async () => {
    enable();
    const before = await countUsers();
    const { jar, callback } = await walk({ account: 'stranger' });
    const response = await browse(jar, callback);
    expect(loginError(response)).toEqual({ error: 'OIDC_NO_STUDENT', account: '25******99' });
    expect(response.headers.get('location')).not.toContain(NO.stranger);
    expect(await countUsers()).toBe(before);
    expect((await browse(jar, `${server.url}/api/me`)).status).toBe(401);
  });

  it('turns a denied consent into OIDC_FAILED access denied', async () => {
    enable();
    const { jar, callback } = await walk({ account: 'zhang.san', consent: 'deny' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(loginError(await browse(jar, callback))).toEqual({ error: 'OIDC_FAILED', reason: 'oidc-denied' });
  });

  it('answers quickly with OIDC_FAILED "unreachable" when the provider is down (the server keeps serving)', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    enable(`http://127.0.0.1:${closed}`);
    try {
      expect(loginError(await fetch(startUrl(), { redirect: 'manual' }))).toEqual({ error: 'OIDC_FAILED', reason: 'oidc-unreachable' });
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    } finally {
      enable();
    }
  });

  it('lets an excluded student (E6) sign in and read their decision and its reason', async () => {
    enable();
    const { jar, callback } = await walk({ account: 'wang.wu' });
    expect((await browse(jar, callback)).headers.get('location')).toBe('/my');
    const me = MeSchema.parse(await (await browse(jar, `${server.url}/api/me`)).json());
    const student = StudentDetailSchema.parse(await (await browse(jar, `${server.url}/api/students/${me.studentId}`)).json());
    expect(student).toMatchObject({ studentNo: NO.single, decision: 'excluded', rule: 'E6' });
  });

  it('documents the three operations in OpenAPI', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string; security?: unknown[] }>> };
    expect(doc.paths['/api/auth/oidc']?.get?.operationId).toBe('getOidcStatus');
    expect(doc.paths['/api/auth/oidc/start']?.get?.operationId).toBe('startOidcSignIn');
    expect(doc.paths['/api/auth/oidc/callback']?.get?.operationId).toBe('finishOidcSignIn');
    expect(doc.paths['/api/auth/oidc/callback']?.get?.security).toEqual([]);
  });
});
