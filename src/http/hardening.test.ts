// Issue 8, HTTP hardening, over real HTTP on a loopback port: refusals of an upload leave no stuck
// keep-alive connection (finding 5), photo uploads are bounded (8), cross-site and non-JSON bodies are
// refused (9), rate limits, caching and compression (11).
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, TEST_PASSWORD, type TestRuntime } from '../../test/support/runtime.js';
import { multipartBody, RawConnection, rawRequest, type MultipartPart, type RawResponse } from '../../test/support/raw-http.js';
import type { AppConfig } from '../config/config.js';
import type { ServiceDeps } from '../services/deps.js';
import { buildApp } from './app.js';

type ServerSettings = Partial<Pick<AppConfig, 'publicUrl' | 'apiRateLimitPerMinute' | 'photoUploadsInFlight' | 'photoUploadsQueued'>> & { webRoot?: string };

/** The real app with the settings a test needs (startTestServer passes only the common ones). */
async function startServer(deps: ServiceDeps, settings: ServerSettings = {}): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  const { webRoot, ...config } = settings;
  const app = await buildApp({
    deps,
    config: { trustProxyHops: 0, cookieSecure: false, maxUploadBytes: 100 * 1024 * 1024, logLevel: 'silent', ...config },
    logger: false,
    webRoot,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, close: () => app.close() };
}

const errorOf = (res: RawResponse) => (JSON.parse(res.body) as { error: { code: string; message: string } }).error;

describe.each(DIALECTS)('upload refusals on a keep-alive connection, on %s (issue 8 finding 5)', (dialect) => {
  let rt: TestRuntime;
  let server: { url: string; close(): Promise<void> };
  let cookie: string;
  /** 2 MB of picture-like bytes: refusals come before any decoding, and the body outlasts one TCP write */
  const file = Buffer.alloc(2 * 1024 * 1024, 0x5a);

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startServer(rt.deps);
    await createActor(rt.deps, 'operator', [], 'hd-operator');
    cookie = await loginOverHttp(server.url, 'hd-operator');
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  /** Sends the upload, reads its answer, then asks for /api/health on the same connection. */
  async function uploadThenHealth(parts: MultipartPart[], lang = 'zh'): Promise<{ first: RawResponse; second: RawResponse | 'closed' }> {
    const conn = await RawConnection.open(server.url);
    try {
      const { body, contentType } = multipartBody(parts);
      await conn.write(rawRequest('POST', '/api/photos', { Cookie: cookie, 'Content-Type': contentType, 'Accept-Language': lang }, body));
      const first = await conn.readResponse();
      if (first === 'closed') throw new Error('the server closed the connection without an answer');
      await conn.write(rawRequest('GET', '/api/health', {}));
      // Before the fix this second answer never came (the test timed out): the refused body was left unread.
      const second = await conn.readResponse();
      return { first, second };
    } finally {
      conn.close();
    }
  }

  const expectConnectionUsableOrClosed = (first: RawResponse, second: RawResponse | 'closed') => {
    if (second === 'closed') expect(first.headers.connection).toBe('close');
    else expect(second.status).toBe(200);
  };

  const elevenFields = Array.from({ length: 11 }, (_, i): MultipartPart => (i === 0 ? { name: 'studentNo', value: '2401100001' } : { name: `extra${i}`, value: 'x' }));

  it('11 form fields before the file: 413 UPLOAD_TOO_MANY_FIELDS naming the limit, and the connection is not left stuck', async () => {
    const { first, second } = await uploadThenHealth([...elevenFields, { name: 'file', value: file, fileName: 'IMG_0001.JPG' }]);
    expect(first.status, first.body).toBe(413);
    expect(errorOf(first)).toEqual({ code: 'UPLOAD_TOO_MANY_FIELDS', message: '表单字段过多：最多 10 个（文件除外）' });
    expectConnectionUsableOrClosed(first, second);
  });

  it('11 form fields after the file: the same refusal, in English when asked', async () => {
    const { first, second } = await uploadThenHealth([{ name: 'file', value: file, fileName: 'IMG_0001.JPG' }, ...elevenFields], 'en');
    expect(first.status, first.body).toBe(413);
    expect(errorOf(first)).toEqual({ code: 'UPLOAD_TOO_MANY_FIELDS', message: 'Too many form fields: at most 10 besides the file' });
    expectConnectionUsableOrClosed(first, second);
  });

  it('two file parts: 413 UPLOAD_TOO_MANY_FILES naming the limit (1), never an empty "上限 "', async () => {
    const { first, second } = await uploadThenHealth([
      { name: 'studentNo', value: '2401100001' },
      { name: 'file', value: file, fileName: 'IMG_0001.JPG' },
      { name: 'file', value: file, fileName: 'IMG_0002.JPG' },
    ]);
    expect(first.status, first.body).toBe(413);
    expect(errorOf(first)).toEqual({ code: 'UPLOAD_TOO_MANY_FILES', message: '一次只能上传 1 个文件（字段 file）' });
    expectConnectionUsableOrClosed(first, second);
  });

  it('a file part under another name, followed by more data: 400 naming the field, connection not stuck', async () => {
    const { first, second } = await uploadThenHealth([
      { name: 'photo', value: file, fileName: 'IMG_0001.JPG' },
      { name: 'studentNo', value: '2401100001' },
    ]);
    expect(first.status, first.body).toBe(400);
    expect(errorOf(first).code).toBe('VALIDATION_FAILED');
    expect(errorOf(first).message).toContain('photo');
    expectConnectionUsableOrClosed(first, second);
  });
});

describe.each(DIALECTS)('photo uploads are bounded, on %s (issue 8 finding 8)', (dialect) => {
  let rt: TestRuntime;
  let server: Awaited<ReturnType<typeof startServer>>;
  let cookie: string;
  const file = Buffer.alloc(1024 * 1024, 0x5a);

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    // One upload in flight and one waiting: the third at the same time is refused.
    server = await startServer(rt.deps, { photoUploadsInFlight: 1, photoUploadsQueued: 1 });
    await createActor(rt.deps, 'operator', [], 'busy-operator');
    cookie = await loginOverHttp(server.url, 'busy-operator');
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  const uploadBytes = () => {
    const { body, contentType } = multipartBody([
      { name: 'studentNo', value: '2401100001' },
      { name: 'file', value: file, fileName: 'IMG_0001.JPG' },
    ]);
    return rawRequest('POST', '/api/photos', { Cookie: cookie, 'Content-Type': contentType }, body);
  };
  /** Until the gate shows the state wanted (the server's own counters, no clock involved). */
  const waitFor = async (check: () => boolean) => {
    while (!check()) await new Promise((resolve) => setImmediate(resolve));
  };

  it('beyond the places and the queue: 503 SERVER_BUSY with Retry-After naming the limit; the others are answered, none 500; health stays up', async () => {
    const gate = server.app.photoUploads;
    const request = uploadBytes();
    const half = Math.floor(request.length / 2);
    // Two uploads that stop half-way: the first holds the place (its body is being read), the second waits.
    const holding = await RawConnection.open(server.url);
    await holding.write(request.subarray(0, half));
    await waitFor(() => gate.inFlight === 1);
    const waiting = await RawConnection.open(server.url);
    await waiting.write(request.subarray(0, half));
    await waitFor(() => gate.waiting === 1);

    const refused = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const conn = await RawConnection.open(server.url);
        await conn.write(request);
        const res = await conn.readResponse();
        conn.close();
        return res;
      }),
    );
    for (const res of refused) {
      if (res === 'closed') throw new Error('a refused upload got no answer');
      expect(res.status, res.body).toBe(503);
      expect(res.headers['retry-after']).toBe('10');
      expect(errorOf(res)).toEqual({ code: 'SERVER_BUSY', message: '服务器正忙：同时处理的照片已达上限（1 张），请 10 秒后重试' });
    }
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);

    // The two held uploads finish and are answered (no such student: a 4xx of the service, not a 500).
    await holding.write(request.subarray(half));
    await waiting.write(request.subarray(half));
    for (const conn of [holding, waiting]) {
      const res = await conn.readResponse();
      if (res === 'closed') throw new Error('a held upload got no answer');
      expect(res.status, res.body).toBeGreaterThanOrEqual(400);
      expect(res.status, res.body).toBeLessThan(500);
      conn.close();
    }
    await waitFor(() => gate.inFlight === 0 && gate.waiting === 0);
  });

  it('a burst of 24 concurrent uploads over fetch: every one answered (no reset connection), none 500, every 503 with Retry-After', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const form = new FormData();
        form.append('studentNo', '2401100001');
        form.append('file', new Blob([new Uint8Array(file)], { type: 'image/jpeg' }), 'IMG_0001.JPG');
        try {
          const res = await fetch(`${server.url}/api/photos`, { method: 'POST', body: form, headers: { cookie } });
          await res.arrayBuffer();
          if (res.status === 503) expect(res.headers.get('retry-after')).toBe('10');
          return res.status;
        } catch {
          return 'no answer';
        }
      }),
    );
    // A refused body is read to its end before the 503, so the client, still sending, reads the answer.
    expect(statuses.filter((s) => s === 'no answer' || (s >= 500 && s !== 503))).toEqual([]);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect(server.app.photoUploads.inFlight).toBe(0);
  });
});

describe.each(DIALECTS)('cross-site requests and non-JSON bodies, on %s (issue 8 finding 9)', (dialect) => {
  let rt: TestRuntime;
  let server: Awaited<ReturnType<typeof startServer>>;
  const PUBLIC_URL = 'https://photo.example.edu.cn';

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startServer(rt.deps, { publicUrl: PUBLIC_URL });
    await createActor(rt.deps, 'admin', [], 'xs-admin');
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  const login = (headers: Record<string, string>, body: string = JSON.stringify({ username: 'xs-admin', password: TEST_PASSWORD })) =>
    fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const errorBody = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; details?: unknown } }).error;

  it('refuses a login from another origin with 403 CROSS_SITE_REQUEST naming it, in both languages', async () => {
    const res = await login({ origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await errorBody(res)).toEqual({ code: 'CROSS_SITE_REQUEST', message: '拒绝来自其他网站的请求（https://evil.example）' });
    const en = await login({ origin: 'https://evil.example', 'accept-language': 'en' });
    expect((await errorBody(en)).message).toBe('Requests from another site are refused (https://evil.example)');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('refuses Origin: null, a sibling sub-domain, and Sec-Fetch-Site cross-site or same-site without Origin', async () => {
    const refused: Record<string, string>[] = [
      { origin: 'null' },
      { origin: 'https://other.example.edu.cn' },
      { origin: 'http://photo.example.edu.cn' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of refused) {
      const res = await login(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect((await errorBody(res)).code).toBe('CROSS_SITE_REQUEST');
    }
  });

  it('allows its own origin, PUBLIC_URL’s origin, Sec-Fetch-Site same-origin, and requests with neither header (CLI, station agent)', async () => {
    const allowed: Record<string, string>[] = [{ origin: server.url }, { origin: PUBLIC_URL }, { 'sec-fetch-site': 'same-origin' }, { origin: server.url, 'sec-fetch-site': 'same-origin' }, {}];
    for (const headers of allowed) {
      const res = await login(headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('checks PUT, PATCH and DELETE too, before the session is looked at; GET is not checked', async () => {
    const cookie = await loginOverHttp(server.url, 'xs-admin');
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await fetch(`${server.url}/api/bookings/some-id`, { method, headers: { origin: 'https://evil.example', cookie } });
      expect(res.status, method).toBe(403);
      expect((await errorBody(res)).code).toBe('CROSS_SITE_REQUEST');
    }
    // a cross-site logout does not end the session
    const logout = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { origin: 'https://evil.example', cookie } });
    expect(logout.status).toBe(403);
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie, origin: 'https://evil.example' } })).status).toBe(200);
  });

  it('refuses text/plain, form-encoded and multipart bodies on JSON routes with 415 naming the accepted type', async () => {
    const json = JSON.stringify({ username: 'xs-admin', password: TEST_PASSWORD });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/plain;charset=UTF-8']) {
      const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': type }, body: json });
      expect(res.status, type).toBe(415);
      const error = await errorBody(res);
      expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(error.message).toBe(`不支持的请求内容类型（${type.split(';')[0]}）：此接口只接受 application/json`);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const form = new FormData();
    form.append('username', 'xs-admin');
    const multipart = await fetch(`${server.url}/api/auth/login`, { method: 'POST', body: form });
    expect(multipart.status).toBe(415);
    // a body-less POST needs no type; a text/plain one on the same route is refused
    const cookie = await loginOverHttp(server.url, 'xs-admin');
    const plainLogout = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie, 'content-type': 'text/plain' }, body: 'x' });
    expect(plainLogout.status).toBe(415);
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
  });

  it('leaves the upload routes to their multipart reader', async () => {
    const cookie = await loginOverHttp(server.url, 'xs-admin');
    const form = new FormData();
    form.append('file', new Blob([rosterCsv([rosterRow('2401109999')])]), 'roster.csv');
    const res = await fetch(`${server.url}/api/roster/preview`, { method: 'POST', body: form, headers: { cookie, origin: server.url } });
    expect(res.status).toBe(200);
  });
});

describe('rate limits, caching, compression and error wording (issue 8 finding 11)', () => {
  let rt: TestRuntime;
  let server: Awaited<ReturnType<typeof startServer>>;
  let webRoot: string;
  let adminCookie: string;
  const script = `// the app\n${'export const words = ["图像采集", "graduate", "photo"];\n'.repeat(400)}`;

  beforeAll(async () => {
    rt = await createTestRuntime('sqlite');
    webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-web-'));
    fs.mkdirSync(path.join(webRoot, 'assets'));
    fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>gradphoto</title><script type="module" src="/assets/index-Bx9a3Qz1.js"></script>');
    fs.writeFileSync(path.join(webRoot, 'assets', 'index-Bx9a3Qz1.js'), script);
    fs.writeFileSync(path.join(webRoot, 'assets', 'index-C4d2e1f0.css'), 'body { margin: 0 }\n'.repeat(200));
    fs.writeFileSync(path.join(webRoot, 'assets', 'logo-D8e7f6a5.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(8192, 7)]));
    server = await startServer(rt.deps, { webRoot });
    await createActor(rt.deps, 'admin', [], 'rl-admin');
    adminCookie = await loginOverHttp(server.url, 'rl-admin');
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
    fs.rmSync(webRoot, { recursive: true, force: true });
  });

  it('does not count static files: 1,300 asset and page requests (more than the old global 1,200) all answer 200', async () => {
    const paths = ['/assets/index-Bx9a3Qz1.js', '/assets/index-C4d2e1f0.css', '/assets/logo-D8e7f6a5.png', '/', '/students'];
    for (let batch = 0; batch < 26; batch++) {
      const statuses = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${server.url}${paths[i % paths.length]}`).then(async (r) => (await r.arrayBuffer(), r.status))));
      expect(new Set(statuses), `batch ${batch}`).toEqual(new Set([200]));
    }
  });

  it('the API limit is the configured one, answered as RATE_LIMITED "请 N 秒后再试" with Retry-After (not the sign-in message)', async () => {
    const limitedServer = await startServer(rt.deps, { webRoot, apiRateLimitPerMinute: 40 });
    let limited: { retryAfter: string | null; body: { error: { code: string; message: string } } } | undefined;
    try {
      for (let i = 0; i < 41 && !limited; i++) {
        const res = await fetch(`${limitedServer.url}/api/health`);
        const body = (await res.json()) as { error: { code: string; message: string } };
        if (res.status === 429) limited = { retryAfter: res.headers.get('retry-after'), body };
        else expect(res.status).toBe(200);
      }
      // static files still come
      const asset = await fetch(`${limitedServer.url}/assets/index-Bx9a3Qz1.js`);
      await asset.arrayBuffer();
      expect(asset.status).toBe(200);
    } finally {
      await limitedServer.close();
    }
    expect(limited, 'the 41st API request within a minute is refused').toBeDefined();
    const retryAfter = Number(limited!.retryAfter);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const error = limited!.body;
    expect(error.error.code).toBe('RATE_LIMITED');
    expect(error.error.message).toMatch(/^请求过于频繁，请 \d+ 秒后再试$/);
    expect(error.error.message).not.toContain('登录');
  });

  it('serves hashed assets with a year-long immutable cache, and the page itself without', async () => {
    for (const asset of ['/assets/index-Bx9a3Qz1.js', '/assets/index-C4d2e1f0.css', '/assets/logo-D8e7f6a5.png']) {
      const res = await fetch(`${server.url}${asset}`);
      expect(res.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
    }
    for (const page of ['/', '/students', '/index.html']) {
      const res = await fetch(`${server.url}${page}`);
      expect(res.headers.get('cache-control') ?? '', page).not.toContain('immutable');
    }
  });

  it('compresses JS, CSS and JSON with brotli or gzip as asked, not images', async () => {
    const raw = (url: string, encoding: string) => new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      // node:http, not fetch: fetch decodes the body and hides what came over the wire
      void import('node:http').then(({ get }) =>
        get(`${server.url}${url}`, { headers: { 'accept-encoding': encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject),
      );
    });
    const br = await raw('/assets/index-Bx9a3Qz1.js', 'br, gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).toString('utf8')).toBe(script);
    expect(br.body.length).toBeLessThan(script.length / 5);
    const gz = await raw('/assets/index-C4d2e1f0.css', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    const json = await raw('/api/openapi.json', 'gzip');
    expect(json.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(zlib.gunzipSync(json.body).toString('utf8'))).toHaveProperty('paths');
    const png = await raw('/assets/logo-D8e7f6a5.png', 'br, gzip');
    expect(png.headers['content-encoding']).toBeUndefined();
    const plain = await raw('/assets/index-Bx9a3Qz1.js', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('does not compress the live event stream (it must reach the browser event by event)', async () => {
    const cookie = adminCookie;
    const { get } = await import('node:http');
    const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      const req = get(`${server.url}/api/sessions/events`, { headers: { cookie, 'accept-encoding': 'br, gzip', accept: 'text/event-stream' } }, (res) => {
        resolve(res.headers);
        req.destroy();
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    });
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    expect(headers['content-encoding']).toBeUndefined();
  });

  it('a JSON body over the limit is 413 naming the real limit (1 MB), never an empty "上限 "', async () => {
    const body = JSON.stringify({ username: 'x', password: 'y'.repeat(1024 * 1024 + 10) });
    const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'FILE_TOO_LARGE', message: '文件过大（上限 1 MB）' } });
  });

  it('415 details name the accepted types, never a parser’s message', async () => {
    const cookie = adminCookie;
    // A type no parser knows, on an upload route (the JSON guard leaves those to Fastify and the reader).
    const xml = await fetch(`${server.url}/api/roster/preview`, { method: 'POST', headers: { cookie, 'content-type': 'application/xml' }, body: '<roster/>' });
    expect(xml.status).toBe(415);
    const xmlError = ((await xml.json()) as { error: { code: string; message: string; details: unknown } }).error;
    expect(xmlError.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(xmlError.details).toEqual({ accepted: 'application/json; multipart/form-data for the photo and roster uploads' });
    expect(JSON.stringify(xmlError)).not.toMatch(/FST_|Unsupported Media Type:/);
    // A roster the reader refuses (an unclosed quote: csv-parse's own message was in the details): the
    // roster's reason in the message, the accepted types as the details, no parser words.
    const form = new FormData();
    form.append('file', new Blob(['学号,姓名\n"2401100001,张三\n']), 'broken.csv');
    const csv = await fetch(`${server.url}/api/roster/preview`, { method: 'POST', body: form, headers: { cookie } });
    const csvError = ((await csv.json()) as { error: { code: string; details: unknown } }).error;
    expect(csv.status, JSON.stringify(csvError)).toBe(415);
    expect(csvError.details).toEqual({ accepted: 'a roster as .xlsx, or .csv in UTF-8 or GBK' });
    expect(JSON.stringify(csvError)).not.toMatch(/Quote|CSV_/);
  });

  // Last: 31 failed sign-ins from this address also meet the per-address sign-in throttle (finding 7).
  it('sign-in routes keep their own limit (30 a minute) and its own words: TOO_MANY_ATTEMPTS, not RATE_LIMITED', async () => {
    const own = await startServer(rt.deps, { webRoot });
    try {
      const statuses: number[] = [];
      let refusal: { code: string; message: string } | undefined;
      for (let i = 0; i < 31; i++) {
        // a different unknown account each time: the limit of the route, not an account's lock, is measured
        const res = await fetch(`${own.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `nobody-${i}`, password: 'wrong password 123' }) });
        const body = (await res.json()) as { error: { code: string; message: string } };
        statuses.push(res.status);
        if (res.status === 429) refusal = body.error;
      }
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses[30]).toBe(429);
      expect(refusal?.code).toBe('TOO_MANY_ATTEMPTS');
      expect(refusal?.message).toMatch(/^登录尝试过多，请 1 分钟后再试$/);
    } finally {
      await own.close();
    }
  });
});
