// The one multipart reader (multipart.ts) and the photo upload gate (upload-gate.ts), on a small Fastify
// app over real HTTP: every refusal names its limit, none is a 500, and the keep-alive connection carries
// the next request after it (issue 8 finding 5); the gate's places, queue and time limit (finding 8).
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { multipartBody, RawConnection, rawRequest, type MultipartPart, type RawResponse } from '../../test/support/raw-http.js';
import type { AppError } from '../domain/errors.js';
import { pickLang } from '../domain/i18n.js';
import { handleError } from './errors.js';
import { formatMegabytes, readUpload, type UploadLimits } from './multipart.js';
import { createUploadGate } from './upload-gate.js';

const LIMITS: UploadLimits = { fileField: 'file', maxFileBytes: 64 * 1024, maxFileText: '64 KB', maxFields: 3, maxFieldBytes: 32 };

describe('readUpload over HTTP', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = Fastify({ logger: false });
    app.decorateRequest('lang', 'zh');
    app.addHook('onRequest', async (request) => {
      request.lang = pickLang(request.headers['accept-language']);
    });
    app.setErrorHandler(handleError);
    await app.register(multipart);
    app.post('/upload', async (request) => {
      const upload = await readUpload(request, LIMITS);
      return { size: upload.bytes.length, fileName: upload.fileName, fields: upload.fields, sha256: crypto.createHash('sha256').update(upload.bytes).digest('hex') };
    });
    app.get('/ping', async () => ({ pong: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  /** One upload, then a GET on the same connection: its answer (or 'closed'). */
  async function send(parts: MultipartPart[] | { raw: Buffer; contentType: string }): Promise<{ first: RawResponse; second: RawResponse | 'closed' }> {
    const conn = await RawConnection.open(url);
    try {
      const { body, contentType } = 'raw' in parts ? { body: parts.raw, contentType: parts.contentType } : multipartBody(parts);
      await conn.write(rawRequest('POST', '/upload', { 'Content-Type': contentType, 'Accept-Language': 'en' }, body));
      const first = await conn.readResponse();
      if (first === 'closed') throw new Error('no answer');
      await conn.write(rawRequest('GET', '/ping', {}));
      return { first, second: await conn.readResponse() };
    } finally {
      conn.close();
    }
  }
  const errorOf = (res: RawResponse) => (JSON.parse(res.body) as { error: { code: string; message: string } }).error;
  const file = (bytes: number): MultipartPart => ({ name: 'file', value: Buffer.alloc(bytes, 1), fileName: 'a.jpg' });

  it('reads the file and the fields whichever comes first', async () => {
    for (const parts of [
      [{ name: 'studentNo', value: '2401100001' }, file(1000)],
      [file(1000), { name: 'studentNo', value: '2401100001' }],
    ]) {
      const { first, second } = await send(parts);
      expect(first.status, first.body).toBe(200);
      expect(JSON.parse(first.body)).toMatchObject({ size: 1000, fileName: 'a.jpg', fields: { studentNo: '2401100001' } });
      expect(second !== 'closed' && second.status).toBe(200);
    }
  });

  it('reads a chunked request (no Content-Length) whole', async () => {
    const photo = crypto.randomBytes(50_000);
    const { body, contentType } = multipartBody([{ name: 'studentNo', value: '7' }, { name: 'file', value: photo, fileName: 'b.jpg' }]);
    const conn = await RawConnection.open(url);
    try {
      const chunks = [body.subarray(0, 1000), body.subarray(1000, 30_000), body.subarray(30_000)];
      const encoded = Buffer.concat([...chunks.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]);
      await conn.write(Buffer.concat([Buffer.from(`POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nTransfer-Encoding: chunked\r\n\r\n`), encoded]));
      const res = await conn.readResponse();
      if (res === 'closed') throw new Error('no answer');
      expect(res.status, res.body).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ size: 50_000, fileName: 'b.jpg', fields: { studentNo: '7' }, sha256: crypto.createHash('sha256').update(photo).digest('hex') });
    } finally {
      conn.close();
    }
  });

  it('a file over the limit: 413 FILE_TOO_LARGE naming it; the body was read to its end, so the connection goes on', async () => {
    const { first, second } = await send([file(200 * 1024), { name: 'studentNo', value: '1' }]);
    expect(first.status).toBe(413);
    expect(errorOf(first)).toEqual({ code: 'FILE_TOO_LARGE', message: 'The file is too large (limit 64 KB)' });
    expect(second !== 'closed' && second.status).toBe(200);
  });

  it('one field too many (4 > 3): 413 UPLOAD_TOO_MANY_FIELDS naming 3; the connection goes on', async () => {
    const fields = ['a', 'b', 'c', 'd'].map((name): MultipartPart => ({ name, value: 'x' }));
    const { first, second } = await send([...fields, file(50_000)]);
    expect(first.status).toBe(413);
    expect(errorOf(first)).toEqual({ code: 'UPLOAD_TOO_MANY_FIELDS', message: 'Too many form fields: at most 3 besides the file' });
    expect(second !== 'closed' && second.status).toBe(200);
  });

  it('a field longer than its limit: 400 naming the field and the limit', async () => {
    const { first } = await send([{ name: 'studentNo', value: 'x'.repeat(100) }, file(10)]);
    expect(first.status).toBe(400);
    expect(errorOf(first)).toMatchObject({ code: 'VALIDATION_FAILED', message: 'The request is not valid: studentNo: longer than 32 bytes' });
  });

  it('no file, or a body that is not multipart: 400 naming the field expected', async () => {
    const missing = await send([{ name: 'studentNo', value: '1' }]);
    expect(missing.first.status).toBe(400);
    expect(errorOf(missing.first).message).toBe('The request is not valid: the "file" field is missing');
    const json = await fetch(`${url}/upload`, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': 'en' }, body: '{}' });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: { message: string } }).error.message).toBe('The request is not valid: multipart/form-data with a "file" field expected');
  });

  it('a multipart body cut before its closing boundary is a 400, not a 500', async () => {
    const { body, contentType } = multipartBody([{ name: 'studentNo', value: '1' }, file(1000)]);
    const cut = body.subarray(0, body.length - 30);
    const { first } = await send({ raw: cut, contentType });
    expect(first.status, first.body).toBe(400);
    expect(errorOf(first).code).toBe('VALIDATION_FAILED');
  });

  it('formats limits in MB as refusals show them', () => {
    expect(formatMegabytes(40 * 1024 * 1024)).toBe('40 MB');
    expect(formatMegabytes(1.5 * 1024 * 1024)).toBe('1.5 MB');
  });
});

describe('createUploadGate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives out its places, queues up to its limit, refuses beyond with SERVER_BUSY {limit, seconds}', async () => {
    const gate = createUploadGate({ maxInFlight: 2, maxWaiting: 1, maxWaitMs: 60_000, retryAfterSeconds: 7 });
    const a = await gate.acquire();
    await gate.acquire();
    expect(gate.inFlight).toBe(2);
    const queued = gate.acquire();
    expect(gate.waiting).toBe(1);
    const refused = (await gate.acquire().catch((e: unknown) => e)) as AppError;
    expect(refused.code).toBe('SERVER_BUSY');
    expect(refused.params).toEqual({ limit: 2, seconds: 7 });
    // A place given back goes straight to the one waiting; giving it back twice changes nothing.
    a();
    a();
    const c = await queued;
    expect([gate.inFlight, gate.waiting]).toEqual([2, 0]);
    c();
    expect(gate.inFlight).toBe(1);
  });

  it('refuses a waiting upload when its time is up, and forgets it', async () => {
    vi.useFakeTimers();
    const gate = createUploadGate({ maxInFlight: 1, maxWaiting: 5, maxWaitMs: 1000, retryAfterSeconds: 3 });
    const held = await gate.acquire();
    const waiting = gate.acquire().then(
      () => undefined,
      (e: unknown) => e as AppError,
    );
    vi.advanceTimersByTime(1000);
    expect((await waiting)?.code).toBe('SERVER_BUSY');
    expect(gate.waiting).toBe(0);
    held();
    expect(gate.inFlight).toBe(0);
  });
});
