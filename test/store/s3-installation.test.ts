// An S3 prefix belongs to one installation (outside test of issue 11, finding 1): a server pointed at another
// installation's prefix swept all its photos as orphans at start. Now the prefix holds a marker object
// (`<prefix>/.gradphoto-installation`, the database's installation id of migration 0022): another installation's
// marker, or a prefix with objects and no marker, refuses to open (named error, zh/en, naming the prefix) and
// nothing is removed; an empty prefix is claimed. On both databases, against a real s3rver.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3BlobStore, INSTALLATION_MARKER, parseS3BlobStoreUrl } from '../../src/adapters/s3-blob-store.js';
import { isAppError } from '../../src/domain/errors.js';
import { translateAppError } from '../../src/domain/i18n.js';
import { SYSTEM } from '../../src/services/deps.js';
import { sweepOrphanBlobs } from '../../src/services/photo.service.js';
import { openRuntime } from '../../src/services/runtime.js';
import { importRegistryRoster } from '../support/registry-export.js';
import { seedShot } from '../support/retention.js';
import { createTestRuntime, DIALECTS, type TestRuntime } from '../support/runtime.js';
import { startS3Server, useS3Credentials, type S3TestServer } from '../support/s3-server.js';

async function refusal(p: Promise<unknown>): Promise<{ code: string; zh: string; en: string }> {
  try {
    const opened = (await p) as { close?: () => Promise<void> };
    await opened.close?.();
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { code: e.code, zh: translateAppError(e, 'zh'), en: translateAppError(e, 'en') };
  }
  throw new Error('expected a refusal');
}

describe.each(DIALECTS)('an S3 prefix bound to its installation on %s', { timeout: 120_000 }, (dialect) => {
  let s3: S3TestServer;
  let s0: TestRuntime;
  let s1: TestRuntime;
  let s1Id: string;
  const prefix0 = `s0-${dialect}`;
  const ids = async (prefix: string) => {
    const store = await createS3BlobStore(parseS3BlobStoreUrl(s3.url({ prefix }), s3.env));
    try {
      const out: string[] = [];
      for await (const e of store.list()) out.push(e.id!);
      return out.sort();
    } finally {
      await store.close();
    }
  };
  /** Installation S1 opened on the store at `prefix`, with the sweep's grace at 0, as `serve` does at start. */
  const openS1 = (prefix: string) => openRuntime({ dataDir: s1.dataDir, databaseUrl: s1.databaseUrl, blobStoreUrl: s3.url({ prefix }), orphanGraceMinutes: 0 });

  beforeAll(async () => {
    s3 = await startS3Server();
    useS3Credentials(s3);
    s0 = await createTestRuntime(dialect, { blobStoreUrl: s3.url({ prefix: prefix0 }) });
    const { studentNos } = await importRegistryRoster(s0.deps, 1);
    for (let i = 0; i < 3; i++) await seedShot(s0.deps, studentNos[0]!, i + 1);
    // Another installation: its own database, with an installation id of its own.
    s1 = await createTestRuntime(dialect);
    s1Id = crypto.randomUUID();
    await s1.deps.db.db.updateTable('installation').set({ id: s1Id }).execute();
  }, 120_000);
  afterAll(async () => {
    await s0?.close();
    await s1?.close();
    await s3?.stop();
  });

  it('the first start on an empty prefix writes the marker with the installation id; the listing never shows it', async () => {
    const s0Id = (await s0.deps.db.db.selectFrom('installation').select('id').executeTakeFirstOrThrow()).id;
    expect(s0Id).toMatch(/^[0-9a-f-]{36}$/);
    expect(s0Id).not.toBe(s1Id);
    const store = await createS3BlobStore(parseS3BlobStoreUrl(s3.url({ prefix: prefix0 }), s3.env));
    try {
      expect(await store.readMarker()).toBe(s0Id);
    } finally {
      await store.close();
    }
    expect(await ids(prefix0)).toHaveLength(6);
    expect((await ids(prefix0)).every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    // the sweep of S0 itself keeps its 6 blobs and the marker
    expect(await sweepOrphanBlobs(s0.deps, SYSTEM, { graceMs: 0 })).toEqual({ removed: 0, kept: 0 });
    expect(await s0.deps.photos.blobs.exists(s0.deps.photos.blobs.newId())).toBe(false);
  });

  it("another installation pointed at S0's prefix refuses to start and removes nothing", async () => {
    const before = await ids(prefix0);
    const f = await refusal(openS1(prefix0));
    expect(f.code).toBe('BLOB_STORE_OTHER_INSTALLATION');
    expect(f.zh).toContain(`照片存储“s3://${s3.bucket}/${prefix0}/`);
    expect(f.zh).toContain('属于另一个 gradphoto 安装');
    expect(f.en).toContain(`The photo store "s3://${s3.bucket}/${prefix0}/`);
    expect(f.en).toContain(s1Id);
    expect(await ids(prefix0)).toEqual(before);
  });

  it("S0's objects copied to another prefix without the marker (the outside tester's reproduction): refused, nothing removed; an empty prefix is claimed", async () => {
    const from = await createS3BlobStore(parseS3BlobStoreUrl(s3.url({ prefix: prefix0 }), s3.env));
    const to = await createS3BlobStore(parseS3BlobStoreUrl(s3.url({ prefix: `mig2-${dialect}` }), s3.env));
    try {
      for (const id of await ids(prefix0)) await to.write(id, await from.read(id));
    } finally {
      await from.close();
      await to.close();
    }
    const copied = await ids(`mig2-${dialect}`);
    expect(copied).toHaveLength(6);
    const f = await refusal(openS1(`mig2-${dialect}`));
    expect(f.code).toBe('BLOB_STORE_NOT_EMPTY');
    expect(f.zh).toContain(`照片存储“s3://${s3.bucket}/mig2-${dialect}/`);
    expect(f.en).toContain(`mig2-${dialect}/${INSTALLATION_MARKER}`);
    expect(f.en).toContain('Give this installation an empty prefix');
    expect(await ids(`mig2-${dialect}`)).toEqual(copied);

    // an empty prefix of its own: claimed, then opened again without complaint
    const own = await openS1(`s1-${dialect}`);
    try {
      expect(own.photos.blobs.kind).toBe('s3');
      expect(await sweepOrphanBlobs(own, SYSTEM, { graceMs: 0 })).toEqual({ removed: 0, kept: 0 });
    } finally {
      await own.close();
    }
    const again = await openS1(`s1-${dialect}`);
    await again.close();
  });
});
