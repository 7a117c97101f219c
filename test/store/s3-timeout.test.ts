// A store that accepts the connection but never answers (outside test of issue 11, finding 2): an upload hung
// for good and kept its upload slot until restart, because this SDK version only logs a warning when a request
// exceeds requestTimeout. Now every store call ends with 503 BLOB_STORE_UNAVAILABLE (store-timeout) after
// BLOB_STORE_URL's requestTimeoutMs, and the slot is free again. On both databases: the store is a real s3rver
// behind a loopback TCP relay that, when told, accepts connections and never answers.
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '../../src/contracts/common.js';
import { importRegistryRoster } from '../support/registry-export.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, type TestRuntime } from '../support/runtime.js';
import { startS3Server, useS3Credentials, type S3TestServer } from '../support/s3-server.js';

const PORTRAIT = path.resolve('test/fixtures/photos/id-blue-12mp.jpg');

interface Relay {
  endpoint: string;
  /** true: new connections are accepted and never answered, open ones are cut */
  hang(on: boolean): void;
  close(): Promise<void>;
}

async function startRelay(target: number): Promise<Relay> {
  let hanging = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('error', () => undefined);
    client.on('close', () => open.delete(client));
    if (hanging) return; // accepted, never answered
    const upstream = net.connect(target, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hang(on) {
      hanging = on;
      if (on) for (const s of open) s.destroy();
    },
    close: () => {
      for (const s of open) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe.each(DIALECTS)('a store that never answers, on %s', { timeout: 120_000 }, (dialect) => {
  let s3: S3TestServer;
  let relay: Relay;
  let rt: TestRuntime;
  let app: { listen(o: { port: number; host: string }): Promise<string>; close(): Promise<void>; server: import('node:http').Server };
  let url: string;
  let cookie: string;
  let studentNos: string[];

  const upload = async (studentNo: string) => {
    const f = new FormData();
    f.append('studentNo', studentNo);
    f.append('file', new Blob([new Uint8Array(fs.readFileSync(PORTRAIT))], { type: 'image/jpeg' }), 'IMG_0001.JPG');
    // Before the fix the answer never came: give up well before the test's own timeout, to fail with a reason.
    const res = await fetch(`${url}/api/photos`, { method: 'POST', headers: { cookie }, body: f, signal: AbortSignal.timeout(60_000) });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    s3 = await startS3Server();
    useS3Credentials(s3);
    relay = await startRelay(Number(new URL(s3.endpoint).port));
    rt = await createTestRuntime(dialect, { blobStoreUrl: `${s3.url({ prefix: `hang-${dialect}`, endpoint: relay.endpoint })}&requestTimeoutMs=3000` });
    ({ studentNos } = await importRegistryRoster(rt.deps, 2));
    await createActor(rt.deps, 'operator', [], 'operator-hang');
    const { buildApp } = await import('../../src/http/app.js');
    // one upload at a time, none waiting: a slot kept by a hung upload refuses every later one (SERVER_BUSY)
    app = (await buildApp({ deps: rt.deps, config: { trustProxyHops: 0, cookieSecure: false, maxUploadBytes: 100 * 1024 * 1024, logLevel: 'silent', photoUploadsInFlight: 1, photoUploadsQueued: 0 }, logger: false })) as unknown as typeof app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    cookie = await loginOverHttp(url, 'operator-hang');
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await rt?.close();
    await relay?.close();
    await s3?.stop();
  });

  it('the upload answers 503 BLOB_STORE_UNAVAILABLE (store-timeout), and the slot is free afterwards', async () => {
    relay.hang(true);
    const refused = await upload(studentNos[0]!);
    expect(refused.status, JSON.stringify(refused.body)).toBe(503);
    const error = ErrorBodySchema.parse(refused.body).error;
    expect(error.code).toBe('BLOB_STORE_UNAVAILABLE');
    expect(error.message).toContain('对象存储服务响应超时');
    expect(await rt.deps.db.db.selectFrom('photos').select('id').execute()).toEqual([]);

    relay.hang(false);
    const accepted = await upload(studentNos[1]!);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
  });
});
