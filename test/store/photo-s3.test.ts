// The photo suite's key paths with the blobs in an S3-compatible object store (issue 11 section 1), once per
// database, against a real S3-compatible server process (s3rver on loopback, test/support/s3-server.ts):
// upload over HTTP (acknowledged once the objects are stored and checked), no plaintext and no student number in
// the store, the image served, confirmation, the registry export reading the objects back, retention shredding
// removing the object, the orphan sweep (paginated listing, grace period), and a store that goes away: a named
// error (503 BLOB_STORE_UNAVAILABLE, zh/en), nothing committed, the refusal audited.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGpg, importRegistryRoster, openPackage, type Gpg } from '../support/registry-export.js';
import { seedShot } from '../support/retention.js';
import { startS3Server, useS3Credentials, type S3TestServer } from '../support/s3-server.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../support/runtime.js';
import { openBlob } from '../../src/adapters/envelope-crypto.js';
import { ErrorBodySchema } from '../../src/contracts/common.js';
import { PhotoReportSchema } from '../../src/contracts/photo.js';
import { SYSTEM } from '../../src/services/deps.js';
import { sweepOrphanBlobs } from '../../src/services/photo.service.js';
import { createRegistryExport } from '../../src/services/registry-export.service.js';
import { runRetention } from '../../src/services/retention.service.js';

const PORTRAIT = path.resolve('test/fixtures/photos/id-blue-12mp.jpg');
const DAY = 86_400_000;

// One upload runs the whole pipeline (decode, detect, crop, check, encrypt) on a 12 MP photo.
vi.setConfig({ testTimeout: 90_000 });

/** Every file s3rver keeps (objects and their metadata), to look for what must not be there. */
function storedFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((d) => (d.isFile() ? [path.join(d.parentPath, d.name)] : []));
}

describe.each(DIALECTS)('photos in an S3-compatible store on %s', (dialect) => {
  let s3: S3TestServer;
  let rt: TestRuntime;
  let server: TestServer;
  let gpg: Gpg;
  let out: string;
  let studentNos: string[];
  let photoId: string;
  const cookies = new Map<string, string>();
  const db = () => rt.deps.db.db;

  const call = async (who: string, url: string, init: { method?: string; form?: FormData; lang?: string } = {}) => {
    const headers: Record<string, string> = { cookie: cookies.get(who)! };
    if (init.lang) headers['accept-language'] = init.lang;
    const res = await fetch(`${server.url}${url}`, { method: init.method ?? 'GET', headers, body: init.form });
    const raw = Buffer.from(await res.arrayBuffer());
    const json = (res.headers.get('content-type') ?? '').includes('json') && raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    return { status: res.status, raw, body: json };
  };
  const upload = (bytes: Buffer, studentNo: string, lang?: string) => {
    const f = new FormData();
    f.append('studentNo', studentNo);
    f.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'IMG_0001.JPG');
    return call('operator', '/api/photos', { method: 'POST', form: f, ...(lang ? { lang } : {}) });
  };
  const storedIds = async () => {
    const ids: string[] = [];
    for await (const e of rt.deps.photos.blobs.list()) ids.push(e.id!);
    return ids.sort();
  };

  beforeAll(async () => {
    s3 = await startS3Server();
    useS3Credentials(s3);
    rt = await createTestRuntime(dialect, { blobStoreUrl: s3.url({ prefix: `photos-${dialect}` }) });
    ({ studentNos } = await importRegistryRoster(rt.deps, 3));
    for (const role of ['admin', 'operator'] as const) await createActor(rt.deps, role, [], `${role}-s3`);
    server = await startTestServer(rt.deps);
    for (const role of ['admin', 'operator'] as const) cookies.set(role, await loginOverHttp(server.url, `${role}-s3`));
  }, 120_000);
  afterAll(async () => {
    gpg?.remove();
    if (out) fs.rmSync(out, { recursive: true, force: true });
    await server?.close();
    await rt?.close();
    await s3?.stop();
  });

  it('an upload is stored as sealed objects under random ids (no plaintext, no student number), served and confirmed', async () => {
    expect(rt.deps.photos.blobs.kind).toBe('s3');
    const portrait = fs.readFileSync(PORTRAIT);
    const up = await upload(portrait, studentNos[0]!);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const report = PhotoReportSchema.parse(up.body);
    photoId = report.id;
    const rows = await db().selectFrom('photo_blobs').select(['id', 'kind', 'wrapped_key', 'kek_version']).where('photo_id', '=', photoId).execute();
    expect(rows.map((r) => r.kind).sort()).toEqual(['original', 'standard']);
    // acknowledged ⇒ both objects are in the store, and nothing went to the local directory
    expect(await storedIds()).toEqual(rows.map((r) => r.id).sort());
    expect(fs.existsSync(path.join(rt.dataDir, 'blobs')) ? fs.readdirSync(path.join(rt.dataDir, 'blobs')) : []).toEqual([]);
    const original = rows.find((r) => r.kind === 'original')!;
    const sealed = await rt.deps.photos.blobs.read(original.id);
    expect(sealed.subarray(0, 4).toString('ascii')).toBe('GPB1');
    expect(openBlob(rt.deps.photos.keyring, original.id, sealed, original.wrapped_key, original.kek_version)).toEqual(portrait);
    // what the store holds: no run of the photo's bytes, no student number, no key material
    const run = portrait.subarray(Math.floor(portrait.length / 2), Math.floor(portrait.length / 2) + 64);
    for (const file of storedFiles(s3.directory)) {
      const bytes = fs.readFileSync(file);
      expect(bytes.includes(run), file).toBe(false);
      expect(bytes.includes(Buffer.from(studentNos[0]!)), file).toBe(false);
      expect(bytes.includes(Buffer.from(original.wrapped_key)), file).toBe(false);
      expect(path.relative(s3.directory, file)).not.toContain(studentNos[0]!);
    }

    const image = await call('operator', `/api/photos/${photoId}/image`);
    expect(image.status).toBe(200);
    expect([image.raw[0], image.raw[1]]).toEqual([0xff, 0xd8]);
    const confirmed = await call('operator', `/api/photos/${photoId}/confirm`, { method: 'POST' });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(PhotoReportSchema.parse(confirmed.body).confirmed).toBe(true);
  });

  it('the registry export reads the confirmed photos from the store; gpg decrypts the package', async () => {
    gpg = createGpg();
    const recipient = Buffer.from(gpg.generate('registry@chsi.example.org'));
    // the key is made now: the service's clock must not be before its creation
    rt.clock.set(new Date(Date.now() + 2_000).toISOString());
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-s3-export-'));
    const r = await createRegistryExport(rt.deps, SYSTEM, { recipient: { bytes: recipient, source: 'registry.asc' }, outDir: out });
    expect(r.export).toMatchObject({ status: 'delivered', photoCount: 1 });
    const { entries, status } = await openPackage(gpg, path.join(out, r.export!.fileName));
    expect(status).toContain('DECRYPTION_OKAY');
    const jpeg = entries.get(`${studentNos[0]}.jpg`)!;
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
  });

  it('retention shreds: the original object is removed from the store, the standard stays readable', async () => {
    const shot = await seedShot(rt.deps, studentNos[1]!, 7, { confirm: true });
    expect(await rt.deps.photos.blobs.exists(shot.originalBlob)).toBe(true);
    rt.clock.advance(31 * DAY);
    const run = await runRetention(rt.deps, SYSTEM, { trigger: 'cli' });
    expect(run?.run).toMatchObject({ status: 'done' });
    expect(await rt.deps.photos.blobs.exists(shot.originalBlob)).toBe(false);
    expect(await rt.deps.photos.blobs.exists(shot.standardBlob)).toBe(true);
    const shredded = await db().selectFrom('shredded_blobs').select(['id', 'file_removed_at']).where('id', '=', shot.originalBlob).executeTakeFirstOrThrow();
    expect(shredded.file_removed_at).not.toBeNull();
  });

  it('the orphan sweep lists the store and removes objects without a row once older than the grace period', async () => {
    const blobs = rt.deps.photos.blobs;
    const orphan = blobs.newId();
    await blobs.write(orphan, Buffer.from('GPB1 sealed but never committed'));
    const withRows = (await db().selectFrom('photo_blobs').select('id').execute()).map((r) => r.id);
    expect(await sweepOrphanBlobs(rt.deps, SYSTEM, { graceMs: 10 * 60_000 })).toEqual({ removed: 0, kept: 1 });
    expect(await blobs.exists(orphan)).toBe(true);
    expect(await sweepOrphanBlobs(rt.deps, SYSTEM, { graceMs: 0 })).toEqual({ removed: 1, kept: 0 });
    expect(await blobs.exists(orphan)).toBe(false);
    for (const id of withRows) expect(await blobs.exists(id)).toBe(true);
  });

  it('a store that goes away: the upload answers 503 BLOB_STORE_UNAVAILABLE (zh/en), commits nothing, and is audited; reads answer 503 too', async () => {
    rt.clock.set('2023-10-20T02:00:00.000Z');
    for (const role of ['operator'] as const) cookies.set(role, await loginOverHttp(server.url, `${role}-s3`));
    const photosBefore = await db().selectFrom('photos').select('id').execute();
    await s3.stop();
    const portrait = fs.readFileSync(PORTRAIT);
    const refused = await upload(Buffer.concat([portrait.subarray(0, 2), Buffer.from([0xff, 0xfe, 0x00, 0x06, 0x73, 0x33, 0x21, 0x21]), portrait.subarray(2)]), studentNos[2]!);
    expect(refused.status, JSON.stringify(refused.body)).toBe(503);
    const error = ErrorBodySchema.parse(refused.body).error;
    expect(error.code).toBe('BLOB_STORE_UNAVAILABLE');
    expect(error.message).toBe('照片存储暂时不可用：无法连接对象存储服务。本次操作未完成，未丢失任何已保存的照片，请稍后重试');
    expect(await db().selectFrom('photos').select('id').execute()).toEqual(photosBefore);
    const audit = await db().selectFrom('audit_events').select(['action', 'details']).where('action', '=', 'photo.upload_refused').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details)).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE' });
    const image = await call('operator', `/api/photos/${photoId}/image`, { lang: 'en' });
    expect(image.status).toBe(503);
    expect(ErrorBodySchema.parse(image.body).error).toMatchObject({ code: 'BLOB_STORE_UNAVAILABLE', message: expect.stringContaining('the object store cannot be reached') });
  });
});
