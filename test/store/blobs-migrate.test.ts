// `gradphoto blobs migrate --to URL [--json]` as a child process (issue 11 section 1): the local blobs of an
// embedded database copied to an S3-compatible store (s3rver on loopback), a run killed with SIGKILL midway and
// run again completes (what is already there with the right checksum is skipped), a third run copies nothing,
// every row's blob then opens from the store under BLOB_STORE_URL, and the local files are kept.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlob } from '../../src/adapters/envelope-crypto.js';
import { loadCampaign, readPublishedDemoCampaign } from '../../src/services/campaign.service.js';
import { SYSTEM } from '../../src/services/deps.js';
import { openRuntime } from '../../src/services/runtime.js';
import { importRegistryRoster } from '../support/registry-export.js';
import { seedShot } from '../support/retention.js';
import { startS3Server, useS3Credentials, type S3TestServer } from '../support/s3-server.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'bin', 'gradphoto.js');
const SHOTS = 40; // two blobs each

describe('gradphoto blobs migrate', { timeout: 180_000 }, () => {
  let s3: S3TestServer;
  let tmp: string;
  let data: string;
  let url: string;
  let blobIds: string[];

  const env = () => ({ ...process.env, ...s3.env, DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_LANG: '', GRADPHOTO_MASTER_KEY: '', GRADPHOTO_PHOTO_KEY: '', GRADPHOTO_AUDIT_KEY: '', SMTP_URL: '', BLOB_STORE_URL: '' });
  const run = (args: string[], killAfterCopied?: number, dataDir = data) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, '--data', dataDir, ...args], { cwd: os.tmpdir(), env: env(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const done = [...stderr.matchAll(/copying (\d+)\//g)].at(-1);
        if (killAfterCopied !== undefined && done && Number(done[1]) >= killAfterCopied && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  const objectsInStore = () => {
    const dir = path.join(s3.directory, s3.bucket, 'migrated');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^[0-9a-f]{32}\._S3rver_object$/.test(f)).length : 0;
  };

  beforeAll(async () => {
    s3 = await startS3Server();
    useS3Credentials(s3);
    url = s3.url({ prefix: 'migrated' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-migrate-'));
    data = path.join(tmp, 'data');
    const deps = await openRuntime({ dataDir: data });
    try {
      await loadCampaign(deps, SYSTEM, readPublishedDemoCampaign());
      const { studentNos } = await importRegistryRoster(deps, 1);
      for (let i = 0; i < SHOTS; i++) await seedShot(deps, studentNos[0]!, i + 1);
      blobIds = (await deps.db.db.selectFrom('photo_blobs').select('id').execute()).map((r) => r.id);
    } finally {
      await deps.close();
    }
  }, 150_000);
  afterAll(async () => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    await s3?.stop();
  });

  it('a run killed midway (SIGKILL) and run again copies every blob once, checked; then every photo opens from the store', async () => {
    expect(blobIds).toHaveLength(2 * SHOTS);
    const killed = await run(['blobs', 'migrate', '--to', url], 10);
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
    const atKill = objectsInStore();
    expect(atKill).toBeGreaterThanOrEqual(10);
    expect(atKill).toBeLessThan(blobIds.length);

    const resumed = await run(['blobs', 'migrate', '--to', url, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = JSON.parse(resumed.stdout) as { total: number; copied: number; skipped: number; missing: string[]; to: string; from: string };
    expect(r).toMatchObject({ total: blobIds.length, missing: [], from: path.join(data, 'blobs') });
    expect(r.skipped).toBeGreaterThanOrEqual(atKill - 1);
    expect(r.copied + r.skipped).toBe(blobIds.length);
    expect(r.copied).toBeGreaterThan(0);
    expect(objectsInStore()).toBe(blobIds.length);

    const again = await run(['blobs', 'migrate', '--to', url]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`已复制 / copied: 0`);
    expect(again.stdout).toContain(`已在存储中，跳过 / already there, skipped: ${blobIds.length}`);
    expect(again.stdout).toContain(`BLOB_STORE_URL='${url}'`);
    expect(again.stdout).toContain(`本地文件仍保留在 ${path.join(data, 'blobs')}`);

    // A damaged copy (one byte flipped in the stored object; s3rver keeps the old ETag) is copied again: the
    // "already there" check reads the object back and compares its SHA-256 with the local file's.
    const damagedId = blobIds[3]!;
    const stored = path.join(s3.directory, s3.bucket, 'migrated', `${damagedId}._S3rver_object`);
    const bytes = fs.readFileSync(stored);
    bytes[bytes.length >> 1]! ^= 0x01;
    fs.writeFileSync(stored, bytes);
    const repaired = await run(['blobs', 'migrate', '--to', url, '--json']);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(JSON.parse(repaired.stdout)).toMatchObject({ copied: 1, skipped: blobIds.length - 1, missing: [] });
    expect(fs.readFileSync(stored)).toEqual(fs.readFileSync(path.join(data, 'blobs', damagedId.slice(0, 2), damagedId.slice(2))));

    // the local files are kept; under BLOB_STORE_URL every row's blob opens from the store, byte for byte
    const deps = await openRuntime({ dataDir: data, blobStoreUrl: url });
    try {
      expect(deps.photos.blobs.kind).toBe('s3');
      const rows = await deps.db.db.selectFrom('photo_blobs').selectAll().execute();
      for (const row of rows) {
        const local = path.join(data, 'blobs', row.id.slice(0, 2), row.id.slice(2));
        expect(fs.existsSync(local)).toBe(true);
        const sealed = await deps.photos.blobs.read(row.id);
        expect(sealed).toEqual(fs.readFileSync(local));
        const plain = openBlob(deps.photos.keyring, row.id, sealed, row.wrapped_key, row.kek_version);
        expect(plain.includes(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
      }
      const events = await deps.db.db.selectFrom('audit_events').select('details').where('action', '=', 'blobs.migrated').execute();
      expect(events).toHaveLength(3); // the killed run never finished: no event
    } finally {
      await deps.close();
    }
  });

  it('a store that cannot be reached: a named error, exit 1, nothing claimed', async () => {
    const res = await run(['blobs', 'migrate', '--to', s3.url({ prefix: 'x', endpoint: 'http://127.0.0.1:9' })]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('照片存储暂时不可用：无法连接对象存储服务');
  });

  it('a data directory that does not exist is refused (exit 3, zh/en) and nothing is created', async () => {
    const nowhere = path.join(tmp, 'no-such-data');
    const [zh, en] = await Promise.all([run(['blobs', 'migrate', '--to', url], undefined, nowhere), run(['--lang', 'en', 'blobs', 'migrate', '--to', url], undefined, nowhere)]);
    expect(zh.code, zh.stderr).toBe(3);
    expect(zh.stderr).toContain(`数据目录“${nowhere}”不存在，没有可迁移的照片；未创建任何内容`);
    expect(en.code, en.stderr).toBe(3);
    expect(en.stderr).toContain(`The data directory "${nowhere}" does not exist: there are no photos to migrate`);
    expect(fs.existsSync(nowhere)).toBe(false);
  });

  it('an endpoint holding a password is refused and the password is never printed', async () => {
    const res = await run(['blobs', 'migrate', '--to', s3.url({ prefix: 'y', endpoint: s3.endpoint.replace('http://', 'http://u:Secret@') })]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('the endpoint must not hold credentials');
    expect(res.stdout + res.stderr).not.toContain('Secret');
  });
});
