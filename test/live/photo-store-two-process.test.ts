// Shared photo storage across processes (issue 11 section 1): two real `gradphoto serve` processes on one
// PostgreSQL database and one S3-compatible store (s3rver on loopback), each with its own data directory and the
// same GRADPHOTO_PHOTO_KEY, as two machines behind a reverse proxy would run. A photo uploaded through process A
// is served by process B, byte for byte as A serves it; nothing is written to either data directory's blobs/.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PhotoReportSchema } from '../../src/contracts/photo.js';
import { demoCampaign, loadCampaign } from '../../src/services/campaign.service.js';
import { SYSTEM } from '../../src/services/deps.js';
import { applyRosterImport } from '../../src/services/roster.service.js';
import { createUser } from '../../src/services/user.service.js';
import { rosterCsv, rosterRow } from '../support/rosters.js';
import { loginOverHttp, TEST_PASSWORD } from '../support/runtime.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { servePair, type ServePair } from '../support/serve-process.js';

const STUDENT = '2601000001'; // 物理学院, required (E1)
const PORTRAIT = path.resolve('test/fixtures/photos/id-blue-12mp.jpg');

describe('two serve processes on one PostgreSQL and one S3-compatible store', { timeout: 180_000 }, () => {
  let s3: S3TestServer;
  let pair: ServePair | undefined;

  beforeAll(async () => {
    s3 = await startS3Server();
    pair = await servePair(
      inject('postgresUrl'),
      'blobs',
      async (deps) => {
        const campaign = demoCampaign(new Date());
        await loadCampaign(deps, SYSTEM, campaign);
        await createUser(deps, SYSTEM, { username: 'store-admin', role: 'admin', departments: [], password: TEST_PASSWORD });
        await applyRosterImport(deps, SYSTEM, { buffer: Buffer.from(rosterCsv([rosterRow(STUDENT, { 预计毕业时间: campaign.targetTerms.at(-1)! })])) }, 'roster.csv', 'zh');
      },
      { BLOB_STORE_URL: s3.url({ prefix: 'shared' }), GRADPHOTO_PHOTO_KEY: crypto.randomBytes(32).toString('base64'), ...s3.env },
    );
  }, 180_000);
  afterAll(async () => {
    await pair?.close();
    await s3?.stop();
  }, 60_000);

  it('a photo uploaded through process A is served by process B', async () => {
    const { a, b } = pair!;
    expect(a.output()).toContain(`照片存储 / photo store: s3://${s3.bucket}/shared/`);
    const cookieA = await loginOverHttp(a.url, 'store-admin');
    const cookieB = await loginOverHttp(b.url, 'store-admin');
    const form = new FormData();
    form.append('studentNo', STUDENT);
    form.append('file', new Blob([new Uint8Array(fs.readFileSync(PORTRAIT))], { type: 'image/jpeg' }), 'IMG_0001.JPG');
    const up = await fetch(`${a.url}/api/photos`, { method: 'POST', headers: { cookie: cookieA }, body: form });
    expect(up.status, await up.clone().text()).toBe(201);
    const photo = PhotoReportSchema.parse(await up.json());

    const fromB = await fetch(`${b.url}/api/photos/${photo.id}/image`, { headers: { cookie: cookieB } });
    expect(fromB.status, await fromB.clone().text()).toBe(200);
    const bytesB = Buffer.from(await fromB.arrayBuffer());
    const fromA = await fetch(`${a.url}/api/photos/${photo.id}/image`, { headers: { cookie: cookieA } });
    expect(Buffer.from(await fromA.arrayBuffer())).toEqual(bytesB);
    expect([bytesB[0], bytesB[1]]).toEqual([0xff, 0xd8]);
    // both objects (original, standard) are in the shared store
    const objects = fs.readdirSync(path.join(s3.directory, s3.bucket, 'shared')).filter((f) => /^[0-9a-f]{32}\._S3rver_object$/.test(f)); // blobs, not the installation marker
    expect(objects).toHaveLength(2);
  });
});
