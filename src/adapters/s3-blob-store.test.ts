// The S3-compatible blob store (issue 11 section 1) against a real S3-compatible server process (s3rver on
// loopback): objects under `<prefix>/<random id>` holding only the sealed bytes, a checked write, a paginated
// listing of our own objects only, and every failure of the store a named error (BLOB_STORE_UNAVAILABLE with
// its reason): connection refused, 5xx, access denied, bucket missing, a checksum that does not match.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../domain/errors.js';
import { translateAppError } from '../domain/i18n.js';
import { startS3Server, type S3TestServer } from '../../test/support/s3-server.js';
import type { BlobStore } from './blob-store.js';
import { createS3BlobStore, parseS3BlobStoreUrl, type S3BlobStoreSettings } from './s3-blob-store.js';

let s3: S3TestServer;
const stores: BlobStore[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await s3?.stop();
});

function settings(over: Partial<S3BlobStoreSettings> = {}): S3BlobStoreSettings {
  return { ...parseS3BlobStoreUrl(s3.url(), s3.env), ...over };
}

async function open(over: Partial<S3BlobStoreSettings> = {}): Promise<BlobStore> {
  const store = await createS3BlobStore(settings(over));
  stores.push(store);
  return store;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; reason: unknown; zh: string; en: string }> {
  try {
    await p;
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { code: e.code, reason: e.params.reason, zh: translateAppError(e, 'zh'), en: translateAppError(e, 'en') };
  }
  throw new Error('expected a failure');
}

/** A loopback HTTP server standing in for a broken store: answers every request with `answer`. */
async function brokenStore(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** A loopback TCP server that accepts every connection and never answers (a store that hangs). */
async function silentStore(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('S3-compatible blob store', () => {
  it('stores only the sealed bytes under <prefix>/<random id>, reads them back, stats, lists and removes', async () => {
    const prefix = `p-${crypto.randomBytes(3).toString('hex')}`;
    const store = await open({ prefix: `${prefix}/` });
    expect(store.kind).toBe('s3');
    expect(store.location).toBe(`s3://${s3.bucket}/${prefix}/ at ${s3.endpoint}`);
    const id = store.newId();
    const sealed = Buffer.concat([Buffer.from('GPB1'), crypto.randomBytes(5000)]);
    await store.write(id, sealed);
    expect(await store.read(id)).toEqual(sealed);
    expect(await store.exists(id)).toBe(true);
    expect(await store.stat(id)).toEqual({ size: sealed.length, md5: crypto.createHash('md5').update(sealed).digest('hex') });
    // on the server's disk: one object named by the random id, holding exactly the sealed bytes
    const onServer = fs.readdirSync(path.join(s3.directory, s3.bucket, prefix));
    expect(onServer.some((f) => f.startsWith(id))).toBe(true);
    for (const f of onServer) expect(f).toMatch(/^[0-9a-f]{32}\._S3rver_/); // named by the random id only
    const listed = [];
    for await (const e of store.list()) listed.push(e);
    expect(listed).toEqual([{ id, file: `${prefix}/${id}`, mtimeMs: expect.any(Number) }]);
    await store.remove(id);
    expect(await store.exists(id)).toBe(false);
    expect(await store.stat(id)).toBeNull();
    await expect(store.read(id)).rejects.toThrow(/not in the store/);
  });

  it('lists page by page (continuation tokens), only its own objects, and removes nothing outside its prefix', async () => {
    const prefix = `p-${crypto.randomBytes(3).toString('hex')}/`;
    const store = await open({ prefix, listPageSize: 2 });
    const other = await open({ prefix: `${prefix}nested-` });
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const id = store.newId();
      await store.write(id, Buffer.from(`blob ${i}`));
      ids.push(id);
    }
    await other.write(other.newId(), Buffer.from('not a blob id under the first prefix'));
    const listed: string[] = [];
    for await (const e of store.list()) listed.push(e.id!);
    expect(listed.sort()).toEqual([...ids].sort());
    await expect(store.removeFile('elsewhere/0123456789abcdef0123456789abcdef')).rejects.toThrow(/outside/);
    await expect(store.write('../../etc/passwd', Buffer.from('x'))).rejects.toThrow(/not a blob id/);
  });

  it('a store that refuses the connection is BLOB_STORE_UNAVAILABLE (store-unreachable), said in zh and en', async () => {
    const closed = await brokenStore(() => undefined);
    await closed.close(); // the port is free again: nothing listens
    const store = await open({ endpoint: closed.endpoint });
    const f = await failure(store.write(store.newId(), Buffer.from('x')));
    expect(f).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', reason: 'store-unreachable' });
    expect(f.zh).toContain('无法连接对象存储服务');
    expect(f.en).toContain('the object store cannot be reached');
    expect(await failure(store.read(store.newId()))).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', reason: 'store-unreachable' });
  });

  it('a store that accepts the connection and never answers: every call ends with store-timeout after requestTimeoutMs', async () => {
    const silent = await silentStore();
    try {
      const url = `${s3.url({ endpoint: silent.endpoint })}&requestTimeoutMs=300`;
      const store = await open(parseS3BlobStoreUrl(url, s3.env));
      expect(await failure(store.write(store.newId(), Buffer.from('sealed')))).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', reason: 'store-timeout', en: expect.stringContaining('did not answer in time') });
      expect(await failure(store.read(store.newId()))).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', reason: 'store-timeout' });
      expect(await failure(store.stat(store.newId()))).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', reason: 'store-timeout' });
      const list = (async () => {
        for await (const _ of store.list()) void _;
      })();
      expect(await failure(list)).toMatchObject({ reason: 'store-timeout' });
    } finally {
      await silent.close();
    }
  });

  it('5xx answers are BLOB_STORE_UNAVAILABLE (store-server-error)', async () => {
    const broken = await brokenStore((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0"?><Error><Code>InternalError</Code><Message>disk on fire</Message></Error>');
    });
    try {
      const store = await open({ endpoint: broken.endpoint });
      const f = await failure(store.write(store.newId(), Buffer.from('x')));
      expect(f).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', reason: 'store-server-error' });
      expect(f.en).toContain('server error (5xx)');
      const list = (async () => {
        for await (const _ of store.list()) void _;
      })();
      expect(await failure(list)).toMatchObject({ reason: 'store-server-error' });
    } finally {
      await broken.close();
    }
  });

  it('an access key the store does not know is store-access-denied (403); an unknown bucket is store-bucket-missing', async () => {
    const wrong = await open({ credentials: { accessKeyId: 'NOT-A-KEY-OF-THIS-STORE', secretAccessKey: 'S3RVER' } });
    const denied = await failure(wrong.write(wrong.newId(), Buffer.from('x')));
    expect(denied).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', reason: 'store-access-denied' });
    expect(denied.zh).toContain('AWS_ACCESS_KEY_ID');
    const nobucket = await open({ bucket: 'no-such-bucket' });
    const missing = await failure(nobucket.write(nobucket.newId(), Buffer.from('x')));
    expect(missing).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', reason: 'store-bucket-missing' });
    expect(missing.en).toContain('the bucket named in BLOB_STORE_URL does not exist');
  });

  it('a store that answers with another checksum (ETag) than the MD5 sent: the write is not acknowledged', async () => {
    const liar = await brokenStore((req, res) => {
      res.writeHead(200, req.method === 'PUT' ? { etag: '"00000000000000000000000000000000"' } : {});
      res.end();
    });
    try {
      const store = await open({ endpoint: liar.endpoint });
      const f = await failure(store.write(store.newId(), Buffer.from('sealed')));
      expect(f).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', reason: 'store-checksum' });
      expect(f.zh).toContain('MD5');
    } finally {
      await liar.close();
    }
  });

  it('reads BLOB_STORE_URL and refuses bad ones with the variable and the problem named', () => {
    const env = { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' };
    expect(parseS3BlobStoreUrl('s3://photos/campaign-2027?endpoint=https://oss-cn-beijing.aliyuncs.com&region=oss-cn-beijing', env)).toEqual({
      bucket: 'photos',
      prefix: 'campaign-2027/',
      endpoint: 'https://oss-cn-beijing.aliyuncs.com',
      region: 'oss-cn-beijing',
      forcePathStyle: false,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    });
    expect(parseS3BlobStoreUrl('s3://photos', { ...env, AWS_REGION: 'cn-north-1' })).toMatchObject({ prefix: '', region: 'cn-north-1', endpoint: undefined });
    expect(() => parseS3BlobStoreUrl('s3://photos/x', {})).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(() => parseS3BlobStoreUrl('s3://user:secret@photos/x', env)).toThrow(/must not hold credentials/);
    expect(() => parseS3BlobStoreUrl('s3://Photos_Bucket/x', env)).toThrow(/not a bucket name/);
    expect(() => parseS3BlobStoreUrl('s3://photos/x?endpint=http://a', env)).toThrow(/unknown parameter "endpint"/);
    expect(() => parseS3BlobStoreUrl('s3://photos/x?forcePathStyle=yes', env)).toThrow(/forcePathStyle must be true or false/);
    expect(() => parseS3BlobStoreUrl('s3://photos/x?endpoint=minio:9000', env)).toThrow(/endpoint must be http/);
    expect(() => parseS3BlobStoreUrl('https://photos/x', env)).toThrow(/must start with s3:\/\//);
    expect(parseS3BlobStoreUrl('s3://photos/x?requestTimeoutMs=2500', env).requestTimeoutMs).toBe(2500);
    expect(() => parseS3BlobStoreUrl('s3://photos/x?requestTimeoutMs=soon', env)).toThrow(/requestTimeoutMs must be a whole number/);
  });

  it('refuses credentials in the endpoint, and never repeats them in its message', () => {
    const env = { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' };
    for (const url of ['s3://photos/x?endpoint=http://u:Secret@127.0.0.1:9000', 's3://photos/x?endpoint=https://admin:Secret@minio.example.edu.cn', 's3://photos/x?endpoint=http://Secret@host:1']) {
      let message = '';
      try {
        parseS3BlobStoreUrl(url, env);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/endpoint must not hold credentials/);
      expect(message).not.toContain('Secret');
    }
    expect(() => parseS3BlobStoreUrl('s3://photos/x', { ...env, AWS_ENDPOINT_URL: 'http://u:Secret@host:9000' })).toThrow(/endpoint must not hold credentials/);
  });
});
