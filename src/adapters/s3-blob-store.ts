// Photo blobs in an S3-compatible object store (issue 11 part 1; docs/decisions/0029-s3-blob-store.md):
// Amazon S3, MinIO, and the S3-compatible APIs of the Chinese clouds (Aliyun OSS, Tencent COS, Huawei OBS…),
// through the official @aws-sdk/client-s3, chosen by
//
//   BLOB_STORE_URL=s3://bucket/prefix?endpoint=https://minio.example.edu.cn:9000&region=cn-north-1&forcePathStyle=true
//
// with credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN). Only sealed bytes
// (envelope-crypto: `GPB1 | IV | tag | ciphertext`) reach this module; the object key is `<prefix>/<random id>`,
// with no metadata: no student number, no ID number, no key material ever leaves the process.
//
// Durability, as for the local store: write() returns only once the store has the object and its checksum was
// checked (Content-MD5 sent; the ETag answered must be that MD5 — or, for stores whose ETag is not an MD5,
// the object is read back and compared). The caller commits the row only afterwards, so a failure leaves at
// worst an object without a row, which the orphan sweep removes after its grace period.
//
// A store that cannot be reached, answers 5xx, refuses the credentials or has no such bucket is
// BLOB_STORE_UNAVAILABLE (503) with the reason, never a bare 500.
import crypto from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../domain/errors.js';
import type { BlobEntry, BlobStore } from './blob-store.js';
import { BLOB_ID_PATTERN, createBlobStore, newBlobId } from './blob-store.js';
import { redactUrlCredentials } from '../domain/redact-url.js';

export interface S3BlobStoreSettings {
  bucket: string;
  /** '' or ends with '/' */
  prefix: string;
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
  /** objects per list page (the store's default, 1000, when absent; tests page with fewer) */
  listPageSize?: number;
  /** how long one request may wait for the store's answer before it fails with store-timeout (default 60 s) */
  requestTimeoutMs?: number;
}

/** The object under the prefix that binds it to one installation (its database's installation id). */
export const INSTALLATION_MARKER = '.gradphoto-installation';

/** An S3-compatible store, with the marker that binds its prefix to one installation. */
export interface S3BlobStore extends BlobStore {
  readonly kind: 's3';
  /** the installation id the prefix's marker object holds, or null when there is none */
  readMarker(): Promise<string | null>;
  writeMarker(installationId: string): Promise<void>;
  /** whether anything but the marker lies under the prefix */
  hasObjects(): Promise<boolean>;
  /**
   * Binds the prefix to this installation: a marker of another installation refuses
   * (BLOB_STORE_OTHER_INSTALLATION), no marker over a prefix that holds objects refuses (BLOB_STORE_NOT_EMPTY),
   * no marker over an empty prefix writes it.
   */
  bind(installationId: string): Promise<void>;
}

/** Why a store operation failed, a PARAM_WORDS key of domain/i18n.ts (BLOB_STORE_UNAVAILABLE {reason}). */
export type BlobStoreFailure = 'store-unreachable' | 'store-timeout' | 'store-server-error' | 'store-access-denied' | 'store-bucket-missing' | 'store-checksum' | 'store-refused';

/**
 * Reads `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true` and the AWS credential variables.
 * Throws an Error naming the variable and what is wrong (the server refuses to start with it).
 */
export function parseS3BlobStoreUrl(url: string, env: NodeJS.ProcessEnv = process.env): S3BlobStoreSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`BLOB_STORE_URL: not a URL: ${JSON.stringify(redactUrlCredentials(url))}`);
  }
  if (u.protocol !== 's3:') throw new Error(`BLOB_STORE_URL must start with s3:// (got ${u.protocol}//)`);
  if (u.username || u.password) throw new Error('BLOB_STORE_URL must not hold credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  const bucket = u.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`BLOB_STORE_URL: ${JSON.stringify(bucket)} is not a bucket name (3–63 lower-case letters, digits, dots and hyphens)`);
  const rawPrefix = decodeURIComponent(u.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  if (rawPrefix.split('/').some((p) => p === '.' || p === '..')) throw new Error('BLOB_STORE_URL: the prefix must not hold "." or ".."');
  const known = new Set(['endpoint', 'region', 'forcePathStyle', 'requestTimeoutMs']);
  for (const k of u.searchParams.keys()) if (!known.has(k)) throw new Error(`BLOB_STORE_URL: unknown parameter "${k}" (known: endpoint, region, forcePathStyle, requestTimeoutMs)`);
  const endpoint = u.searchParams.get('endpoint') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? undefined;
  if (endpoint !== undefined) {
    // Never echoed back: it may hold the very password it must not hold.
    if (!/^https?:\/\/[^/]+/.test(endpoint)) throw new Error('BLOB_STORE_URL: endpoint must be http(s)://host[:port]');
    let e: URL;
    try {
      e = new URL(endpoint);
    } catch {
      throw new Error('BLOB_STORE_URL: endpoint must be http(s)://host[:port]');
    }
    if (e.username || e.password) throw new Error('BLOB_STORE_URL: the endpoint must not hold credentials (user:password@): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  const timeout = u.searchParams.get('requestTimeoutMs');
  if (timeout !== null && !/^[1-9][0-9]{0,6}$/.test(timeout)) throw new Error('BLOB_STORE_URL: requestTimeoutMs must be a whole number of milliseconds (1 to 9999999)');
  const fps = u.searchParams.get('forcePathStyle');
  if (fps !== null && fps !== 'true' && fps !== 'false') throw new Error('BLOB_STORE_URL: forcePathStyle must be true or false');
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  // Only these variables: the SDK's default chain would also ask the cloud's instance-metadata address.
  if (!accessKeyId || !secretAccessKey) throw new Error('BLOB_STORE_URL needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the store\'s access key)');
  return {
    bucket,
    prefix: rawPrefix ? `${rawPrefix}/` : '',
    endpoint,
    region: u.searchParams.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: fps === 'true',
    credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) },
    ...(timeout !== null ? { requestTimeoutMs: Number(timeout) } : {}),
  };
}

export function describeS3Location(s: Pick<S3BlobStoreSettings, 'bucket' | 'prefix' | 'endpoint'>): string {
  return `s3://${s.bucket}/${s.prefix}${s.endpoint ? ` at ${s.endpoint}` : ''}`;
}

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** The reason of a failed call, or null when the error is not the store's (a bug: rethrown as is). */
export function classifyS3Error(e: unknown): BlobStoreFailure | null {
  const err = e as SdkError;
  if (!err || typeof err !== 'object') return null;
  const status = err.$metadata?.httpStatusCode;
  const name = err.name ?? err.Code ?? '';
  if (name === 'NoSuchBucket') return 'store-bucket-missing';
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') return 'store-access-denied';
  if (status !== undefined && status >= 500) return 'store-server-error';
  if (name === 'TimeoutError' || name === 'RequestTimeout' || err.code === 'ETIMEDOUT') return 'store-timeout';
  const codes = [err.code, (err.cause as SdkError | undefined)?.code];
  if (codes.some((c) => c && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ECONNABORTED)$/.test(c))) return 'store-unreachable';
  if (status !== undefined && status >= 400) return 'store-refused';
  return null;
}

function unavailable(reason: BlobStoreFailure, op: string, e?: unknown): AppError {
  const status = (e as SdkError | undefined)?.$metadata?.httpStatusCode;
  const name = (e as SdkError | undefined)?.name;
  return new AppError('BLOB_STORE_UNAVAILABLE', {
    params: { reason },
    details: { reason, operation: op, ...(status ? { status } : {}), ...(name && name !== 'Error' ? { error: name } : {}) },
    message: `blob store ${op}: ${reason}${name ? ` (${name}${status ? ` ${status}` : ''})` : ''}`,
  });
}

function isNotFound(e: unknown): boolean {
  const err = e as SdkError;
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || (err?.$metadata?.httpStatusCode === 404 && err?.name !== 'NoSuchBucket');
}

/** A blob the row names is not in the store: a lost object, not an outage (500, as a missing file is). */
export class BlobMissingError extends Error {
  readonly code = 'ENOENT';
  constructor(id: string) {
    super(`blob ${id} is not in the store`);
    this.name = 'BlobMissingError';
  }
}

const MD5_ETAG = /^"?([0-9a-f]{32})"?$/i;

export async function createS3BlobStore(settings: S3BlobStoreSettings): Promise<S3BlobStore> {
  // @aws-sdk v3 warns on Node 20 about its releases after January 2027; this exact-pinned version supports Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-s3');
  const client: S3Client = new sdk.S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    // The SDK's newer default CRC32 trailers are not understood by every S3-compatible store: Content-MD5 is.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // throwOnRequestTimeout: without it this SDK only logs a warning and a store that never answers holds the
    // request (and the upload's slot) forever.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: settings.requestTimeoutMs ?? 60_000, throwOnRequestTimeout: true },
  });
  const { bucket, prefix } = settings;
  const keyOf = (id: string) => {
    if (!BLOB_ID_PATTERN.test(id)) throw new Error(`not a blob id: ${JSON.stringify(id)}`);
    return prefix + id;
  };
  const call = async <T>(op: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      const reason = classifyS3Error(e);
      if (reason) throw unavailable(reason, op, e);
      throw e;
    }
  };
  const readObject = async (id: string): Promise<Buffer | null> => {
    try {
      const got = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: keyOf(id) }));
      return Buffer.from(await got.Body!.transformToByteArray());
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  };
  const md5Hex = (bytes: Buffer) => crypto.createHash('md5').update(bytes).digest('hex');

  const markerKey = prefix + INSTALLATION_MARKER;
  const store: S3BlobStore = {
    kind: 's3',
    location: describeS3Location(settings),
    newId: newBlobId,
    async write(id, sealed) {
      const md5 = crypto.createHash('md5').update(sealed).digest();
      const key = keyOf(id);
      const put = await call('write', () =>
        client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: sealed, ContentLength: sealed.length, ContentMD5: md5.toString('base64'), ContentType: 'application/octet-stream' })),
      );
      const etag = put.ETag ? MD5_ETAG.exec(put.ETag)?.[1]?.toLowerCase() : undefined;
      if (etag === md5.toString('hex')) return;
      if (etag !== undefined) {
        // The store kept other bytes than those sent: never acknowledged, and not left behind.
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
        throw unavailable('store-checksum', 'write');
      }
      // An ETag that is not an MD5 (encrypted buckets, some stores): read it back and compare.
      const back = await call('write', () => readObject(id));
      if (!back || md5Hex(back) !== md5.toString('hex')) {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
        throw unavailable('store-checksum', 'write');
      }
    },
    async read(id) {
      const bytes = await call('read', () => readObject(id));
      if (!bytes) throw new BlobMissingError(id);
      return bytes;
    },
    async exists(id) {
      return (await store.stat(id)) !== null;
    },
    async stat(id) {
      const head = await call('stat', async () => {
        try {
          return await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: keyOf(id) }));
        } catch (e) {
          if (isNotFound(e)) return null;
          throw e;
        }
      });
      if (!head) return null;
      const etag = head.ETag ? MD5_ETAG.exec(head.ETag)?.[1]?.toLowerCase() : undefined;
      if (etag) return { size: Number(head.ContentLength ?? 0), md5: etag };
      const bytes = await call('stat', () => readObject(id));
      return bytes ? { size: bytes.length, md5: md5Hex(bytes) } : null;
    },
    async remove(id) {
      await call('remove', () => client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: keyOf(id) })));
    },
    async *list(): AsyncGenerator<BlobEntry> {
      let token: string | undefined;
      do {
        const page = await call('list', () => client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(settings.listPageSize ? { MaxKeys: settings.listPageSize } : {}), ...(token ? { ContinuationToken: token } : {}) })));
        for (const o of page.Contents ?? []) {
          if (!o.Key) continue;
          const name = o.Key.slice(prefix.length);
          // Only our own objects: anything else under the prefix is left alone (never swept).
          if (!BLOB_ID_PATTERN.test(name)) continue;
          yield { id: name, file: o.Key, mtimeMs: o.LastModified ? o.LastModified.getTime() : Date.now() };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async removeFile(key) {
      if (!key.startsWith(prefix) || !BLOB_ID_PATTERN.test(key.slice(prefix.length))) throw new Error(`${key} is outside the blob store`);
      await call('remove', () => client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key })));
    },
    async close() {
      client.destroy();
    },
    async readMarker() {
      return call('marker', async () => {
        try {
          const got = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: markerKey }));
          return (await got.Body!.transformToString('utf8')).trim();
        } catch (e) {
          if (isNotFound(e)) return null;
          throw e;
        }
      });
    },
    async writeMarker(installationId) {
      const body = Buffer.from(`${installationId}\n`);
      await call('marker', () =>
        client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: markerKey, Body: body, ContentLength: body.length, ContentMD5: crypto.createHash('md5').update(body).digest('base64'), ContentType: 'text/plain' })),
      );
    },
    async hasObjects() {
      const page = await call('list', () => client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 2 })));
      return (page.Contents ?? []).some((o) => o.Key !== undefined && o.Key !== markerKey);
    },
    async bind(installationId) {
      const found = await store.readMarker();
      const params = { location: store.location, marker: markerKey, installation: installationId };
      if (found !== null) {
        if (found === installationId) return;
        throw new AppError('BLOB_STORE_OTHER_INSTALLATION', { params: { ...params, found }, details: { location: store.location, marker: markerKey, found, installation: installationId } });
      }
      if (await store.hasObjects()) throw new AppError('BLOB_STORE_NOT_EMPTY', { params, details: { location: store.location, marker: markerKey, installation: installationId } });
      await store.writeMarker(installationId);
    },
  };
  return store;
}

/**
 * The store BLOB_STORE_URL names, or the local directory when it is not set. With `installationId`, an S3 prefix
 * is bound to that installation first (S3BlobStore.bind): a prefix of another installation is refused.
 */
export async function openBlobStore(opts: { url: string | undefined; localRoot: string; env?: NodeJS.ProcessEnv; installationId?: string | undefined }): Promise<BlobStore> {
  if (!opts.url) return createBlobStore(opts.localRoot);
  const store = await createS3BlobStore(parseS3BlobStoreUrl(opts.url, opts.env));
  if (opts.installationId !== undefined) {
    try {
      await store.bind(opts.installationId);
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}
