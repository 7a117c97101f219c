// The relying party against a real OpenID provider process: the authorisation request it builds, the
// discovery cache (kept for the process, dropped after a failure), and the claims it returns.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors.js';
import { CookieJar, signInAtProvider, startOidcProvider, type RunningProvider } from '../../test/support/oidc-provider-process.js';
import { createOidcClient, type OidcSettings } from './oidc-client.js';

const REDIRECT_URI = 'http://127.0.0.1:9/cb';
const CLIENT = { clientId: 'adapter-test', clientSecret: 'adapter-test-secret-0123456789' };
const ACCOUNTS = [{ sub: 'zhang.san', student_no: '2301000001', name: '张三' }];

const settingsFor = (issuer: string, overrides: Partial<OidcSettings> = {}): OidcSettings => ({
  issuer,
  ...CLIENT,
  redirectUri: REDIRECT_URI,
  studentClaim: 'student_no',
  allowHttp: true,
  ...overrides,
});

async function reasonOf(promise: Promise<unknown>): Promise<string | number | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('OIDC_FAILED');
  return (error as AppError).params.reason;
}

describe('OpenID Connect client (openid-client v6)', () => {
  let provider: RunningProvider;
  beforeAll(async () => {
    provider = await startOidcProvider({ ...CLIENT, redirectUris: [REDIRECT_URI], accounts: ACCOUNTS });
  }, 60_000);
  afterAll(async () => {
    await provider?.stop();
  });

  it('builds a code-flow request with PKCE S256, a fresh state and nonce each time', async () => {
    const client = createOidcClient(settingsFor(provider.issuer));
    const a = await client.beginAuthorization();
    const b = await client.beginAuthorization();
    const url = new URL(a.url);
    expect(url.searchParams.get('client_id')).toBe(CLIENT.clientId);
    expect(url.searchParams.get('scope')).toBe('openid profile');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toBe(a.state);
    expect(url.searchParams.get('nonce')).toBe(a.nonce);
    expect(url.searchParams.has('code_verifier')).toBe(false);
    expect(new Set([a.state, b.state, a.nonce, b.nonce, a.codeVerifier, b.codeVerifier]).size).toBe(6);
  });

  it('returns the ID token claims, with the profile claims fetched from userinfo when the ID token lacks them', async () => {
    const client = createOidcClient(settingsFor(provider.issuer));
    const request = await client.beginAuthorization();
    const callback = await signInAtProvider(new CookieJar(), { startUrl: request.url, issuer: provider.issuer, appOrigin: new URL(REDIRECT_URI).origin }, { account: 'zhang.san' });
    const claims = await client.finishAuthorization(callback.searchParams, request);
    expect(claims).toMatchObject({ sub: 'zhang.san', student_no: '2301000001', name: '张三', iss: provider.issuer, aud: CLIENT.clientId, nonce: request.nonce });
  });

  it('refuses http:// providers unless allowed (openid-client rule); never silently', async () => {
    const client = createOidcClient(settingsFor(provider.issuer, { allowHttp: false }));
    expect(await reasonOf(client.beginAuthorization())).toBe('oidc-unreachable');
  });

  it('keeps discovered metadata for the process (a provider gone after discovery still yields requests), and not with no cache time', async () => {
    const own = await startOidcProvider({ ...CLIENT, redirectUris: [REDIRECT_URI], accounts: ACCOUNTS });
    const cached = createOidcClient(settingsFor(own.issuer));
    const uncached = createOidcClient(settingsFor(own.issuer, { discoveryTtlMs: -1 }));
    await cached.beginAuthorization();
    await uncached.beginAuthorization();
    await own.stop();
    expect(new URL((await cached.beginAuthorization()).url).origin).toBe(own.issuer);
    expect(await reasonOf(uncached.beginAuthorization())).toBe('oidc-unreachable');
  });

  it('does not keep a failed discovery: the next sign-in tries again', async () => {
    // A front that fails once (503), then serves the provider's metadata under its own issuer name.
    let calls = 0;
    const front = http.createServer((req, res) => {
      calls++;
      if (calls === 1) return void res.writeHead(503).end();
      void fetch(`${provider.issuer}${req.url}`).then(async (upstream) => {
        const doc = (await upstream.json()) as Record<string, unknown>;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...doc, issuer: frontIssuer }));
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const frontIssuer = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    try {
      const client = createOidcClient(settingsFor(frontIssuer));
      expect(await reasonOf(client.beginAuthorization())).toBe('oidc-unreachable');
      const request = await client.beginAuthorization();
      expect(new URL(request.url).origin).toBe(provider.issuer);
      expect(calls).toBe(2);
    } finally {
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
  });
});
