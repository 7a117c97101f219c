// The station agent's HTTP client over real sockets: a local node:http server speaking the gradphoto calls the
// agent makes (test/support/fake-gradphoto-server.ts). The agent against the real server: ../station-watch.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_PASSWORD, FAKE_USER, startFakeGradphoto, type FakeGradphoto } from '../../../test/support/fake-gradphoto-server.js';
import { sha256Hex } from './folder-watcher.js';
import { answerError, backoffMs, buildUploadForm, createServerClient, isLoopbackHost, isTransient, parseServerUrl, type ServerClientOptions } from './http-client.js';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x06]), Buffer.from('test'), Buffer.from([0xff, 0xd9])]);

describe('station agent: HTTP client', () => {
  let fake: FakeGradphoto;
  beforeAll(async () => {
    fake = await startFakeGradphoto();
    fake.students.set('s-1', '2401000001');
  });
  afterEach(() => {
    fake.intercept = undefined;
    fake.totpCode = undefined;
    fake.stations.clear();
  });
  afterAll(async () => {
    await fake?.close();
  });

  const clientFor = (extra: Partial<ServerClientOptions> = {}) =>
    createServerClient({ server: fake.url, user: FAKE_USER, password: FAKE_PASSWORD, lang: 'en', fetch, stopping: new AbortController().signal, ...extra });

  it('builds the upload of one camera file: text fields first, the checksum of the bytes sent, a neutral name', async () => {
    const form = buildUploadForm({ bytes: JPEG, sha256: sha256Hex(JPEG), studentNo: '2401000001', station: 'beijing-1' });
    expect([...form.keys()]).toEqual(['studentNo', 'sha256', 'station', 'file']);
    const file = form.get('file') as File;
    expect(file.name).toBe('photo.jpg');
    expect(sha256Hex(Buffer.from(await file.arrayBuffer()))).toBe(form.get('sha256'));
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['[::1]', true],
    ['10.0.0.5', false],
    ['photo.example.edu.cn', false],
    ['127.0.0.1.evil.example', false],
  ])('isLoopbackHost(%s) = %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it('A3: refuses plain http to another computer unless --allow-http, and anything but http(s)', () => {
    const detailOf = (server: string, allowHttp: boolean, lang: 'en' | 'zh') => {
      try {
        parseServerUrl(server, allowHttp, lang);
        return null;
      } catch (e) {
        expect(e).toMatchObject({ code: 'VALIDATION_FAILED' });
        return (e as { params: { detail: string } }).params.detail;
      }
    };
    expect(detailOf('http://10.0.0.5:8080', false, 'en')).toContain('unencrypted');
    expect(detailOf('http://10.0.0.5:8080', false, 'zh')).toContain('明文传输');
    expect(detailOf('http://10.0.0.5:8080', true, 'en')).toBeNull();
    expect(detailOf('http://127.0.0.1:8080', false, 'en')).toBeNull();
    expect(detailOf('http://[::1]:8080', false, 'en')).toBeNull();
    expect(detailOf('https://photo.example.edu.cn', false, 'en')).toBeNull();
    expect(detailOf('ftp://x', true, 'en')).toBe('--server ftp://x: http:// or https://');
    expect(detailOf('not a url', false, 'en')).toBe('--server not a url');
  });

  it('backs off exponentially up to the cap; retries only what may succeed later', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffMs(0, 100, 400)).toBe(100);
    const answer = (status: number) => ({ kind: 'answer' as const, status, body: null });
    expect(isTransient({ kind: 'network', error: new Error('x') })).toBe(true);
    expect([500, 502, 503, 429, 408, 403, 401].every((s) => isTransient(answer(s)))).toBe(true);
    expect([400, 404, 409, 413, 415, 422].some((s) => isTransient(answer(s)))).toBe(false);
  });

  it('names what went wrong: the server error, an unreachable server, an unreadable answer', async () => {
    expect(answerError({ kind: 'answer', status: 409, body: { error: { code: 'PHOTO_ALREADY_CONFIRMED', message: 'C3' } } }, 'en')).toEqual({ code: 'PHOTO_ALREADY_CONFIRMED', message: 'C3' });
    expect(answerError({ kind: 'answer', status: 502, body: '<html>' }, 'en')).toEqual({ code: 'HTTP_502', message: 'HTTP 502' });
    // a port nobody listens on
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const client = createServerClient({ server: `http://127.0.0.1:${port}`, user: FAKE_USER, password: FAKE_PASSWORD, lang: 'en', fetch, stopping: new AbortController().signal });
    const result = await client.login();
    expect(result.kind).toBe('network');
    expect(answerError(result, 'en')).toEqual({ code: 'NETWORK', message: 'cannot reach the server (ECONNREFUSED)' });
    expect(answerError(result, 'zh')).toEqual({ code: 'NETWORK', message: '无法连接服务器（ECONNREFUSED）' });
  });

  it('signs in, keeps the session, and signs in again once when the session ends', async () => {
    fake.stations.set('beijing-1', 's-1');
    const client = clientFor();
    const before = fake.requests.length;
    const got = await client.getStation('beijing-1');
    expect(got).toMatchObject({ station: { id: 'beijing-1', currentStudent: { studentId: 's-1', studentNo: '2401000001' } } });
    expect(await client.getStudentNo('s-1')).toEqual({ studentNo: '2401000001' });
    const calls = fake.requests.slice(before);
    expect(calls.map((r) => `${r.method} ${r.path} ${r.authed}`)).toEqual(['POST /api/auth/login false', 'GET /api/stations/beijing-1 true', 'GET /api/students/s-1 true']);
    expect(calls.every((r) => r.lang === 'en')).toBe(true);

    fake.signOutAll();
    const again = fake.requests.length;
    expect(await client.getStudentNo('s-1')).toEqual({ studentNo: '2401000001' });
    expect(fake.requests.slice(again).map((r) => `${r.method} ${r.path} ${r.authed}`)).toEqual(['GET /api/students/s-1 false', 'POST /api/auth/login false', 'GET /api/students/s-1 true']);
    // a student the server does not know: the answer, for the caller to record
    expect(await client.getStudentNo('s-nobody')).toMatchObject({ result: { kind: 'answer', status: 404 } });
  });

  it('stops at once on a wrong password; asks for a one-time code when the account needs one', async () => {
    await expect(clientFor({ password: 'wrong' }).login()).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    fake.totpCode = '123456';
    await expect(clientFor().login()).rejects.toMatchObject({ code: 'TOTP_REQUIRED' });
    await expect(clientFor({ totp: async () => '000000' }).login()).rejects.toMatchObject({ code: 'TOTP_INVALID' });
    let asked = 0;
    const client = clientFor({
      totp: async () => {
        asked++;
        return '123456';
      },
    });
    expect(await client.login()).toMatchObject({ kind: 'answer', status: 200 });
    expect(asked).toBe(1);
  });

  it('uploads a file with its checksum: 201 new, 200 the same bytes again; an unreadable 2xx is retried as a 502', async () => {
    const client = clientFor();
    const input = { bytes: JPEG, sha256: sha256Hex(JPEG), studentNo: '2401000001', station: 'beijing-1' };
    const first = await client.uploadPhoto(input);
    expect(first).toMatchObject({ duplicate: false, report: { accepted: true, checks: [] } });
    const second = await client.uploadPhoto(input);
    expect(second).toMatchObject({ duplicate: true });
    expect('report' in second && 'report' in first && second.report.id === first.report.id).toBe(true);
    expect(fake.uploads.at(-1)).toMatchObject({ studentNo: '2401000001', station: 'beijing-1', fileName: 'photo.jpg', sha256: sha256Hex(JPEG), received: sha256Hex(JPEG) });

    const wrongSum = await client.uploadPhoto({ ...input, sha256: sha256Hex(Buffer.from('other')) });
    expect('result' in wrongSum && answerError(wrongSum.result, 'en').code).toBe('PHOTO_CHECKSUM_MISMATCH');

    // a server from before checks said `measured` is still read (the field is optional to the agent)
    const older = { id: 'p-old', accepted: false, checks: [{ id: 'faces', status: 'fail', value: 0, threshold: 1, message: 'no face' }] };
    fake.intercept = ({ path }) => (path === '/api/photos' ? { status: 201, body: older } : undefined);
    expect(await client.uploadPhoto(input)).toMatchObject({ duplicate: false, report: { id: 'p-old', checks: [{ id: 'faces', status: 'fail' }] } });

    fake.intercept = ({ path }) => (path === '/api/photos' ? { status: 201, body: { id: 'x' } } : undefined);
    const unreadable = await client.uploadPhoto(input);
    expect(unreadable).toEqual({ result: { kind: 'answer', status: 502, body: null } });
    expect('result' in unreadable && isTransient(unreadable.result)).toBe(true);
  });

  it('a stop cancels the request under way', async () => {
    const stopping = new AbortController();
    // the server never answers: without the abort this would wait for the 30 s timeout
    const hanging = http.createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    try {
      const client = createServerClient({ server: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`, user: FAKE_USER, password: FAKE_PASSWORD, lang: 'en', fetch, stopping: stopping.signal });
      const pending = client.login();
      stopping.abort();
      expect(await pending).toMatchObject({ kind: 'network' });
    } finally {
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    }
  });
});
