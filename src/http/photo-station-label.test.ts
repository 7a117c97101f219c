// uploadPhoto over real HTTP with a station label that is not printable (issue 8 finding 11): refused with
// VALIDATION_FAILED naming the field and the escaped value, in the request's language, and nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';

describe.each(DIALECTS)('the station label of an upload on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let cookie: string;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    await createActor(rt.deps, 'operator', [], 'label-operator');
    server = await startTestServer(rt.deps);
    cookie = await loginOverHttp(server.url, 'label-operator');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it.each([
    ['zh', '请求内容不正确：station: 1–64 printable characters without control or bidirectional-text characters, not "A\\u{202E}1"'],
    ['en', 'The request is not valid: station: 1–64 printable characters without control or bidirectional-text characters, not "A\\u{202E}1"'],
  ])('a right-to-left override in the label is refused (%s)', async (lang, message) => {
    const form = new FormData();
    form.append('studentNo', '2101110001');
    form.append('station', 'A\u202E1');
    form.append('file', new Blob([Buffer.from('not looked at: the fields are checked first')], { type: 'image/jpeg' }), 'shot.jpg');
    const res = await fetch(`${server.url}/api/photos`, { method: 'POST', headers: { cookie, 'accept-language': lang, origin: server.url }, body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', message } });
    expect(await rt.deps.db.db.selectFrom('photos').selectAll().execute()).toEqual([]);
  });
});
