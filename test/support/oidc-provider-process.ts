// A real OpenID provider (the `oidc-provider` package) for the campus sign-on tests, run as a child process:
//
//   OIDC_TEST_PROVIDER='{"clientId":…,"clientSecret":…,"redirectUris":[…],"accounts":[…]}' \
//     node --import tsx test/support/oidc-provider-process.ts
//
// It listens on a free loopback port, prints `issuer=http://127.0.0.1:PORT` on stdout when ready, and offers
// a plain HTML login page (account + password, or "deny") and a consent page (allow / deny) that a browser
// or a cookie jar over fetch can complete. The same file exports the helpers the tests use to start it and to
// walk through it (`startOidcProvider`, `CookieJar`, `signInAtProvider`).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ProviderAccount {
  /** the campus login name, also the `sub` claim */
  sub: string;
  /** the `student_no` claim; omitted = the claim is absent */
  student_no?: string;
  name: string;
  /** default `campus-pass` */
  password?: string;
}

export interface ProviderOptions {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  accounts: ProviderAccount[];
  /** put profile claims (name, student_no, preferred_username) in the ID token too; default: userinfo only, as the spec's default */
  claimsInIdToken?: boolean;
}

export const DEFAULT_ACCOUNT_PASSWORD = 'campus-pass';

// ---------------------------------------------------------------------------------------------------------
// The provider process
// ---------------------------------------------------------------------------------------------------------

function html(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;background:#f0f3f8;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;padding:28px 32px;border-radius:8px;box-shadow:0 4px 24px rgba(0,0,0,.12);width:min(360px,90vw)}
h1{font-size:20px;margin:0 0 16px;color:#7a1020}label{display:block;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:8px;font-size:16px}
button{margin-top:16px;padding:8px 16px;font-size:16px;width:100%}.err{color:#b00020}.deny{background:none;border:1px solid #999}
</style></head><body><main><h1>示例大学统一身份认证 / Campus sign-on (test)</h1>${body}</main></body></html>`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 10_000) req.destroy();
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

interface InteractionDetails {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, string>;
  session?: { accountId?: string };
  grantId?: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- oidc-provider ships no type declarations */
async function runProvider(options: ProviderOptions): Promise<void> {
  // @ts-expect-error -- oidc-provider ships no type declarations
  const { default: Provider } = (await import('oidc-provider')) as { default: any };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    async findAccount(_ctx: unknown, sub: string) {
      const account = options.accounts.find((a) => a.sub === sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, name: account.name, preferred_username: sub, ...(account.student_no ? { student_no: account.student_no } : {}) }),
      };
    },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'student_no'] },
    conformIdTokenClaims: options.claimsInIdToken !== true,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: 'test-key' }] },
    pkce: { required: () => true },
  });
  // Expected noise of a local test provider (http issuer, no persistent adapter): keep stderr for real errors.
  provider.on('server_error', (_ctx: unknown, error: Error) => process.stderr.write(`provider server_error: ${error.stack ?? error.message}\n`));
  const callback = provider.callback();

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const match = /^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/.exec(url.pathname);
    if (!match) return void callback(req, res);
    void (async () => {
      const details = (await provider.interactionDetails(req, res)) as InteractionDetails;
      const uid = details.uid;
      const action = match[2];
      const send = (status: number, page: string) => {
        res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(page);
      };
      const loginPage = (error?: string) =>
        html(
          '登录 / Sign in',
          `${error ? `<p class="err" id="provider-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="account">账号 / Account</label><input id="account" name="account" autocomplete="username" autofocus>
<label for="campus-password">密码 / Password</label><input id="campus-password" name="password" type="password" autocomplete="current-password">
<button type="submit" id="provider-login">登录 / Sign in</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" class="deny" id="provider-deny">取消 / Cancel</button></form>`,
        );
      if (req.method === 'GET' && !action) {
        if (details.prompt.name === 'login') return send(200, loginPage());
        return send(
          200,
          html(
            '授权 / Consent',
            `<p>应用 <b>${escapeHtml(details.params.client_id ?? '')}</b> 请求读取您的学号和姓名。<br>The application asks for your student number and name.</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit" id="provider-allow">同意 / Allow</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" class="deny" id="provider-deny">拒绝 / Deny</button></form>`,
          ),
        );
      }
      if (req.method !== 'POST') return send(405, html('405', 'method not allowed'));
      const form = await readForm(req);
      if (action === 'abort') {
        return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
      }
      if (action === 'login') {
        const account = options.accounts.find((a) => a.sub === form.get('account'));
        if (!account || form.get('password') !== (account.password ?? DEFAULT_ACCOUNT_PASSWORD)) return send(200, loginPage('账号或密码错误 / wrong account or password'));
        return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
      }
      // confirm: grant what the client asked for (as oidc-provider's own development interactions do)
      const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session?.accountId, clientId: details.params.client_id });
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = (await grant.save()) as string;
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    })().catch((error: Error) => {
      process.stderr.write(`interaction error: ${error.stack ?? error.message}\n`);
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`interaction failed: ${error.message}`);
    });
  });

  process.stdout.write(`issuer=${issuer}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const SCRIPT = fileURLToPath(import.meta.url);
if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const raw = process.env.OIDC_TEST_PROVIDER;
  if (!raw) {
    process.stderr.write('OIDC_TEST_PROVIDER (JSON options) is required\n');
    process.exit(2);
  }
  runProvider(JSON.parse(raw) as ProviderOptions).catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Helpers for the tests
// ---------------------------------------------------------------------------------------------------------

export interface RunningProvider {
  issuer: string;
  /** what the process wrote on stderr (for failure messages) */
  log(): string;
  stop(): Promise<void>;
}

/** Starts the provider process and waits for its issuer line. */
export async function startOidcProvider(options: ProviderOptions): Promise<RunningProvider> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, OIDC_TEST_PROVIDER: JSON.stringify(options), NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const issuer = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`OpenID provider did not start in 60 s:\n${stderr}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /issuer=(\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`OpenID provider exited with ${code}:\n${stderr}`));
    });
  });
  return {
    issuer,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

/** A browser's cookie jar, enough for these flows: host (not port, as browsers do) and path prefix. */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  store(url: URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((p) => p.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cookiePath = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', val = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path') cookiePath = val;
        if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true;
        if (key.toLowerCase() === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.host === url.hostname && c.path === cookiePath));
      if (!expired) this.cookies.push({ name, value, host: url.hostname, path: cookiePath });
    }
  }

  header(url: URL): string {
    return this.cookies
      .filter((c) => c.host === url.hostname && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }
}

/** One request through the jar, never following redirects (the caller sees each hop). */
export async function browse(jar: CookieJar, url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
  const target = new URL(url);
  const headers: Record<string, string> = { 'accept-language': 'zh-CN' };
  const cookie = jar.header(target);
  if (cookie) headers.cookie = cookie;
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const response = await fetch(target, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
  jar.store(target, response);
  return response;
}

/** Follows GET redirects until one leaves `stopAt`'s origin or is not a redirect; returns the last URL and response. */
export async function follow(jar: CookieJar, url: string, until: (next: URL) => boolean): Promise<{ url: URL; response: Response }> {
  let current = new URL(url);
  for (let hop = 0; hop < 20; hop++) {
    const response = await browse(jar, current);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
    const next = new URL(location, current);
    if (until(next)) return { url: next, response };
    current = next;
  }
  throw new Error(`too many redirects from ${url}`);
}

/** Sign in as `account` (then allow, or deny with `consent: 'deny'`), or cancel at the login page. */
export type ProviderChoice = { account: string; password?: string; consent?: 'allow' | 'deny' } | 'deny-login';

/**
 * Walks the provider's pages like a user: from the app's start URL (or the provider's authorisation URL) to the provider, signs in (or cancels), then
 * allows (or denies) consent, and stops at the redirect back to the app's callback. Returns that callback URL
 * (with code and state, or error) without calling it.
 */
export async function signInAtProvider(jar: CookieJar, flow: { startUrl: string; issuer: string; appOrigin: string }, choice: ProviderChoice): Promise<URL> {
  const providerOrigin = new URL(flow.issuer).origin;
  const appOrigin = flow.appOrigin;
  // (app start →) provider /auth → /interaction/… (login page); a redirect back to the app stops the walk
  let hop = await follow(jar, flow.startUrl, (next) => next.origin === appOrigin);
  if (hop.url.origin !== providerOrigin) throw new Error(`start did not reach the provider: ${hop.url.href} ${hop.response.status}`);
  for (let step = 0; step < 4; step++) {
    const page = await hop.response.text();
    const uid = /\/interaction\/([^/"]+)\/(login|confirm)/.exec(page);
    if (!uid) throw new Error(`no provider form at ${hop.url.href}: ${page.slice(0, 300)}`);
    const isLogin = uid[2] === 'login';
    let post: Response;
    if ((isLogin && choice === 'deny-login') || (!isLogin && typeof choice === 'object' && choice.consent === 'deny')) {
      post = await browse(jar, `${providerOrigin}/interaction/${uid[1]}/abort`, { form: {} });
    } else if (isLogin) {
      if (typeof choice !== 'object') throw new Error('the provider asked to sign in');
      post = await browse(jar, `${providerOrigin}/interaction/${uid[1]}/login`, { form: { account: choice.account, password: choice.password ?? DEFAULT_ACCOUNT_PASSWORD } });
    } else {
      post = await browse(jar, `${providerOrigin}/interaction/${uid[1]}/confirm`, { form: {} });
    }
    const location = post.headers.get('location');
    if (!location) throw new Error(`provider answered ${post.status} without a redirect: ${(await post.text()).slice(0, 300)}`);
    hop = await follow(jar, new URL(location, providerOrigin).href, (next) => next.origin === appOrigin);
    if (hop.url.origin === appOrigin) return hop.url;
  }
  throw new Error('the provider never sent the browser back');
}
