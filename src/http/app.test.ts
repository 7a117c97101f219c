// The HTTP contract of docs/architecture.md ("Contracts other programs rely on"), spoken over real HTTP to the real
// app on a loopback port, once per database: health, OpenAPI, the public campaign, error bodies and
// their language, roster uploads (multipart field `file`), caching and security headers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

interface OpenApiOperation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: { type?: string; required?: string[]; properties?: Record<string, { type?: string; format?: string }> } }> };
  responses?: Record<string, unknown>;
  security?: Record<string, string[]>[];
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: Record<string, unknown>;
  security?: Record<string, string[]>[];
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** The operationIds other parts of the product (web app, scripts) call. */
const CONTRACT_OPERATION_IDS = [
  'getHealth',
  'login',
  'logout',
  'getMe',
  'changePassword',
  'setupTotp',
  'enableTotp',
  'getCampaign',
  'getCampaignOverview',
  'updateCampaignTerms',
  'previewRosterImport',
  'applyRosterImport',
  'listStudents',
  'exportStudents',
  'getStudent',
  'revealNationalId',
  'listAuditEvents',
  'verifyAuditChain',
  'listUsers',
  'createUser',
];

const MULTIPART_OPERATIONS = ['previewRosterImport', 'applyRosterImport'];

function nationalId(first17: string): string {
  return first17 + computeNationalIdCheckChar(first17);
}

/** The 8-byte PNG signature and the start of an IHDR chunk: what a photo renamed to .csv begins with. */
const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0, 0, 0, 1, 0, 8, 2, 0, 0, 0]);

function multipart(content: Buffer | string, fileName: string, field = 'file'): FormData {
  const form = new FormData();
  form.append(field, new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), fileName);
  return form;
}

function collectOperations(doc: OpenApiDocument): { path: string; method: string; op: OpenApiOperation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}

/** Every `$ref` of the document, as JSON pointers into it. */
function collectRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => collectRefs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
}

describe.each(DIALECTS)('HTTP app on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let adminCookie: string;

  const goodRoster = rosterCsv([
    rosterRow('2101110001', { 姓名: '张小三', 身份证号: nationalId('11010819990101001') }),
    rosterRow('2101110002', { 姓名: '李四', 证书类型: '单证' }),
    rosterRow('2101110003', { 姓名: '王五', 院系: '数学科学学院', 毕业类型: '结业', 预计毕业时间: '2024-01' }),
  ]);
  const badRoster = rosterCsv([
    rosterRow('2101110011', { 层次: '本科' }),
    rosterRow('2101110012', { 院系: '不存在学院' }),
    rosterRow('2101110013', { 预计毕业时间: 'someday', 身份证号: '110108199901010010' }),
  ]);

  const api = (path: string, init: RequestInit & { cookie?: string; lang?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set('cookie', init.cookie);
    if (init.lang) headers.set('accept-language', init.lang);
    return fetch(`${server.url}${path}`, { ...init, headers });
  };
  const studentTotal = async () => ((await (await api('/api/students', { cookie: adminCookie })).json()) as { total: number }).total;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    await createActor(rt.deps, 'admin', [], 'app-admin');
    adminCookie = await loginOverHttp(server.url, 'app-admin');
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('GET /api/health answers {status: "ok"} without a session', async () => {
    const res = await api('/api/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  describe('GET /api/openapi.json', () => {
    let doc: OpenApiDocument;
    beforeAll(async () => {
      const res = await api('/api/openapi.json');
      expect(res.status).toBe(200);
      doc = (await res.json()) as OpenApiDocument;
    });

    it('is an OpenAPI 3 document whose references all resolve', () => {
      expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
      expect(typeof doc.info.title).toBe('string');
      expect(typeof doc.info.version).toBe('string');
      expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
      for (const path of Object.keys(doc.paths)) expect(path.startsWith('/')).toBe(true);
      const refs = collectRefs(doc);
      for (const ref of refs) expect(resolvePointer(doc, ref), ref).toBeDefined();
    });

    it('gives every operation a unique operationId, responses and its path parameters', () => {
      const ops = collectOperations(doc);
      expect(ops.length).toBeGreaterThanOrEqual(CONTRACT_OPERATION_IDS.length);
      for (const { path, method, op } of ops) {
        expect(op.operationId, `${method.toUpperCase()} ${path}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(Object.keys(op.responses ?? {}).length, `${op.operationId} responses`).toBeGreaterThan(0);
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const name of templated) {
          expect(op.parameters?.find((p) => p.in === 'path' && p.name === name)?.required, `${op.operationId} path parameter ${name}`).toBe(true);
        }
      }
      const ids = ops.map((o) => o.op.operationId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(CONTRACT_OPERATION_IDS));
    });

    it('documents the multipart `file` field of the roster uploads', () => {
      for (const id of MULTIPART_OPERATIONS) {
        const op = collectOperations(doc).find((o) => o.op.operationId === id)!;
        expect(op, id).toBeDefined();
        expect(op.method).toBe('post');
        const schema = op.op.requestBody?.content?.['multipart/form-data']?.schema;
        expect(schema, id).toBeDefined();
        expect(schema!.required).toContain('file');
        expect(schema!.properties?.file).toMatchObject({ type: 'string', format: 'binary' });
      }
      // the second confirmation of a roster that removes many students (issue 8 finding 13)
      const apply = collectOperations(doc).find((o) => o.op.operationId === 'applyRosterImport')!;
      expect(apply.op.requestBody?.content?.['multipart/form-data']?.schema?.properties?.confirmRemovals).toMatchObject({ type: 'integer' });
    });

    it('documents the session cookie, and no session for the public operations', () => {
      expect(doc.security).toEqual([{ session: [] }]);
      expect(resolvePointer(doc, '#/components/securitySchemes/session')).toEqual({ type: 'apiKey', in: 'cookie', name: 'gp_session' });
      const byId = new Map(collectOperations(doc).map((o) => [o.op.operationId, o.op]));
      for (const id of ['getHealth', 'login', 'logout', 'getCampaign']) expect(byId.get(id)?.security, id).toEqual([]);
      for (const id of ['getMe', 'listStudents', 'applyRosterImport', 'listAuditEvents']) expect(byId.get(id)?.security, id).toBeUndefined();
    });

    it('describes getCampaign as GET /api/campaign without parameters', () => {
      const op = collectOperations(doc).find((o) => o.op.operationId === 'getCampaign')!;
      expect(op).toMatchObject({ path: '/api/campaign', method: 'get' });
      expect(op.op.parameters ?? []).toEqual([]);
      expect(op.op.requestBody).toBeUndefined();
    });
  });

  it('getCampaign needs no sign-in and returns the notice: 2 sites, 5 days, 2 windows, 45 departments', async () => {
    const res = await api('/api/campaign');
    expect(res.status).toBe(200);
    const c = (await res.json()) as { id: string; sites: unknown[]; days: { date: string }[]; windows: unknown[]; departments: { name: string; day: string; site: string }[] };
    expect(c.id).toBe('2024-graduates');
    expect(c.sites).toHaveLength(2);
    expect(c.days).toHaveLength(5);
    expect(c.windows).toEqual([
      { start: '09:30', end: '12:00' },
      { start: '13:00', end: '17:30' },
    ]);
    expect(c.departments).toHaveLength(45);
    expect(new Set(c.departments.map((d) => d.name)).size).toBe(45);
    expect(c.departments).toContainEqual({ name: '物理学院', day: '2023-11-01', site: 'beijing' });
    expect(c.departments).toContainEqual({ name: '深圳研究生院', day: '2023-11-02', site: 'shenzhen' });
  });

  describe('error bodies', () => {
    it('are {error: {code, message}} in Chinese by default', async () => {
      const res = await api('/api/students');
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: '请先登录' } });
    });

    it('are in English with Accept-Language: en, and Chinese when zh is preferred', async () => {
      const en = await api('/api/students', { lang: 'en' });
      expect(await en.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Please sign in' } });
      const zh = await api('/api/students', { lang: 'zh-CN,zh;q=0.9,en;q=0.8' });
      expect(((await zh.json()) as ErrorBody).error.message).toBe('请先登录');
    });

    it('carry the validation problem for a bad query (400 VALIDATION_FAILED)', async () => {
      const res = await api('/api/students?pageSize=100000', { cookie: adminCookie });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.message).toMatch(/^请求内容不正确：.*pageSize/);
      const en = (await (await api('/api/students?pageSize=100000', { cookie: adminCookie, lang: 'en' })).json()) as ErrorBody;
      expect(en.error.message).toMatch(/^The request is not valid: .*pageSize/);
    });

    it('an unknown /api path is a 404 JSON error for a signed-in caller (401 without a session)', async () => {
      const res = await api('/api/no-such-thing', { cookie: adminCookie });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: '未找到' } });
      const post = await api('/api/no-such-thing', { method: 'POST', cookie: adminCookie, lang: 'en' });
      expect(post.status).toBe(404);
      expect(await post.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Not found' } });
      // Without a session every /api path, known or not, asks for a sign-in first: no route discovery.
      const anonymous = await api('/api/no-such-thing');
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as ErrorBody).error.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('roster upload (multipart field `file`)', () => {
    it('previews a good CSV without writing, then applies it', async () => {
      const before = await studentTotal();
      const preview = await api('/api/roster/preview', { method: 'POST', body: multipart(goodRoster, 'roster.csv'), cookie: adminCookie });
      expect(preview.status).toBe(200);
      const p = (await preview.json()) as { valid: boolean; errors: unknown[]; format: string; summary: Record<string, number>; added: { studentNo: string }[] };
      expect(p).toMatchObject({ valid: true, errors: [], format: 'csv', summary: { rows: 3, added: 3, changed: 0, removed: 0 } });
      expect(p.added.map((a) => a.studentNo)).toEqual(['2101110001', '2101110002', '2101110003']);
      expect(JSON.stringify(p)).not.toContain(nationalId('11010819990101001'));
      expect(await studentTotal()).toBe(before);

      const apply = await api('/api/roster/apply', { method: 'POST', body: multipart(goodRoster, 'roster.csv'), cookie: adminCookie });
      expect(apply.status).toBe(200);
      expect(await apply.json()).toMatchObject({ applied: true, summary: { rows: 3, added: 3 } });
      expect(await studentTotal()).toBe(before + 3);

      const again = await api('/api/roster/apply', { method: 'POST', body: multipart(goodRoster, 'roster.csv'), cookie: adminCookie });
      expect(await again.json()).toMatchObject({ applied: false, importId: null, summary: { unchanged: 3, added: 0 } });
    });

    it('previews a bad CSV as 200 valid=false with every error, and refuses to apply it (422, nothing written)', async () => {
      const before = await studentTotal();
      const preview = await api('/api/roster/preview', { method: 'POST', body: multipart(badRoster, 'bad.csv'), cookie: adminCookie });
      expect(preview.status).toBe(200);
      const p = (await preview.json()) as { valid: boolean; errorCount: number; errors: { row: number | null; column: string | null; value: string | null; message: string }[] };
      expect(p.valid).toBe(false);
      expect(p.errorCount).toBe(4);
      expect(p.errors.map((e) => [e.row, e.column, e.value])).toEqual([
        [2, '层次', '本科'],
        [3, '院系', '不存在学院'],
        [4, '预计毕业时间', 'someday'],
        [4, '身份证号', '11**************10'], // masked: a mistyped ID number is mostly a real one (outside test M4)
      ]);
      for (const e of p.errors) expect(e.message).toMatch(/^第 \d 行/);

      const apply = await api('/api/roster/apply', { method: 'POST', body: multipart(badRoster, 'bad.csv'), cookie: adminCookie });
      expect(apply.status).toBe(422);
      const body = (await apply.json()) as { error: { code: string; message: string; details: { errorCount: number; errors: unknown[] } } };
      expect(body.error.code).toBe('ROSTER_INVALID');
      expect(body.error.message).toBe('名单有 4 处错误，未导入任何数据');
      expect(body.error.details.errorCount).toBe(4);
      expect(body.error.details.errors).toEqual(p.errors);
      expect(await studentTotal()).toBe(before);

      const en = await api('/api/roster/apply', { method: 'POST', body: multipart(badRoster, 'bad.csv'), cookie: adminCookie, lang: 'en' });
      const enBody = (await en.json()) as { error: { message: string; details: { errors: { message: string }[] } } };
      expect(enBody.error.message).toBe('The roster has 4 error(s); nothing was imported');
      expect(enBody.error.details.errors[0]!.message).toMatch(/^Row 2, "层次": /);
    });

    it('refuses a PNG renamed .csv with 415 UNSUPPORTED_FILE', async () => {
      const res = await api('/api/roster/preview', { method: 'POST', body: multipart(PNG_BYTES, 'roster.csv'), cookie: adminCookie });
      expect(res.status).toBe(415);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('UNSUPPORTED_FILE');
      expect(body.error.message).toContain('PNG');
      const apply = await api('/api/roster/apply', { method: 'POST', body: multipart(PNG_BYTES, 'roster.csv'), cookie: adminCookie });
      expect(apply.status).toBe(415);
    });

    it('refuses an empty file with 415 UNSUPPORTED_FILE (the file is empty)', async () => {
      const res = await api('/api/roster/preview', { method: 'POST', body: multipart(Buffer.alloc(0), 'empty.csv'), cookie: adminCookie });
      expect(res.status).toBe(415);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('UNSUPPORTED_FILE');
      expect(body.error.message).toContain('文件是空的');
    });

    it('refuses a header-only CSV as a roster without students (valid=false)', async () => {
      const res = await api('/api/roster/preview', { method: 'POST', body: multipart(rosterCsv([]), 'header-only.csv'), cookie: adminCookie });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ valid: false, errorCount: 1 });
    });

    it('asks for the `file` field: another field name or a JSON body is 400 VALIDATION_FAILED', async () => {
      const wrongField = await api('/api/roster/preview', { method: 'POST', body: multipart(goodRoster, 'roster.csv', 'roster'), cookie: adminCookie });
      expect(wrongField.status).toBe(400);
      expect(((await wrongField.json()) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
      const json = await api('/api/roster/preview', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, cookie: adminCookie });
      expect(json.status).toBe(400);
      expect(((await json.json()) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    });

    it('refuses a file over the upload limit with 413 FILE_TOO_LARGE and writes nothing', async () => {
      const small = await startTestServer(rt.deps, { maxUploadBytes: 1024 });
      try {
        const rows = Array.from({ length: 60 }, (_, i) => rosterRow(`21011200${String(i).padStart(2, '0')}`));
        const big = rosterCsv(rows);
        expect(Buffer.byteLength(big)).toBeGreaterThan(1024);
        const before = await studentTotal();
        for (const route of ['/api/roster/preview', '/api/roster/apply']) {
          const res = await fetch(`${small.url}${route}`, { method: 'POST', body: multipart(big, 'big.csv'), headers: { cookie: adminCookie } });
          expect(res.status, route).toBe(413);
          const body = (await res.json()) as ErrorBody;
          expect(body.error.code).toBe('FILE_TOO_LARGE');
          expect(body.error.message).toMatch(/^文件过大/);
        }
        expect(await studentTotal()).toBe(before);
        // A file under the limit still goes through on the same server.
        const ok = await fetch(`${small.url}/api/roster/preview`, { method: 'POST', body: multipart(rosterCsv(rows.slice(0, 2)), 'small.csv'), headers: { cookie: adminCookie } });
        expect(ok.status).toBe(200);
      } finally {
        await small.close();
      }
    });
  });

  describe('response headers', () => {
    it('every API response, errors included, is Cache-Control: no-store', async () => {
      const responses = await Promise.all([
        api('/api/health'),
        api('/api/campaign'),
        api('/api/openapi.json'),
        api('/api/students', { cookie: adminCookie }),
        api('/api/me', { cookie: adminCookie }),
        api('/api/students'),
        api('/api/no-such-thing', { cookie: adminCookie }),
      ]);
      for (const res of responses) expect(res.headers.get('cache-control'), res.url).toBe('no-store');
    });

    it('carries a Content-Security-Policy and the other security headers', async () => {
      const res = await api('/api/health');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    });
  });
});

describe('serving the built web app', () => {
  let rt: TestRuntime;
  let server: TestServer;
  let webRoot: string;
  beforeAll(async () => {
    rt = await createTestRuntime('sqlite');
    webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-web-'));
    fs.mkdirSync(path.join(webRoot, 'assets'));
    fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>gradphoto</title>');
    fs.writeFileSync(path.join(webRoot, 'assets', 'app-1.js'), 'console.log(1)');
    server = await startTestServer(rt.deps, { webRoot });
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
    fs.rmSync(webRoot, { recursive: true, force: true });
  });

  it('answers app paths with index.html, files as they are, and a missing file with 404 (not the page)', async () => {
    const page = await fetch(`${server.url}/students/some-id`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>gradphoto</title>');
    expect((await fetch(`${server.url}/assets/app-1.js`)).status).toBe(200);
    const missing = await fetch(`${server.url}/assets/app-0.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).not.toContain('text/html');
  });

  it('a path that climbs out of the web root is a 404 in the caller\'s language, not the library\'s "Forbidden" (L3)', async () => {
    for (const lang of ['zh', 'en']) {
      const res = await fetch(`${server.url}/..%2f..%2fetc/passwd`, { headers: { 'accept-language': lang } });
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error).toEqual({ code: 'NOT_FOUND', message: lang === 'zh' ? '未找到' : 'Not found' });
    }
  });

  it('serves a file added after start (a rebuilt app needs no restart)', async () => {
    fs.writeFileSync(path.join(webRoot, 'assets', 'app-2.js'), 'console.log(2)');
    const res = await fetch(`${server.url}/assets/app-2.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('console.log(2)');
  });
});
