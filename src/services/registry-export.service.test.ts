// The registry package (issue 10 section 1, A1), on both databases: what a batch holds, decrypted with Debian's
// gpg (not only openpgp.js); every checksum; no national ID number in any file name or in the manifest; E7
// photos never exported; re-running with nothing new writes nothing; a photo voided after its export is in the
// next batch's withdrawn.csv; a signed batch verifies; a dead builder's batch is abandoned and rebuilt; bad
// inputs are named errors that leave nothing behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpg, importRegistryRoster, openPackage, seedConfirmedPhoto, type Gpg } from '../../test/support/registry-export.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { AppError } from '../domain/errors.js';
import { jpegSize } from '../domain/registry-export.js';
import { SYSTEM } from './deps.js';
import { voidPhotoConfirmation } from './photo.service.js';
import { createRegistryExport, getRegistryExport, listRegistryExports } from './registry-export.service.js';

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

function sha256(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\r\n')
    .map((l) => l.split(','));
}

describe.each(DIALECTS)('registry export on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let gpg: Gpg;
  let recipient: Buffer;
  let out: string;
  let studentNos: string[];
  let nationalIds: string[];
  const photoOf: Record<string, string> = {};

  const key = () => ({ bytes: recipient, source: 'registry.asc' });
  const exportRows = () => rt.deps.db.db.selectFrom('registry_exports').selectAll().orderBy('created_at').execute();
  const outFiles = () => fs.readdirSync(out).sort();

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    gpg = createGpg();
    recipient = Buffer.from(gpg.generate('registry@chsi.example.org'));
    // keys are made now: the campaign's clock must not be before their creation (so it is set after them)
    rt.clock.set(new Date().toISOString());
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-export-out-'));
    // student 5 is deferred beyond the campaign (E4): their photo, confirmed before, is flagged (E7)
    ({ studentNos, nationalIds } = await importRegistryRoster(rt.deps, 6, { 4: { 确定延期至: '2025-01' } }));
    for (const [i, no] of studentNos.slice(0, 4).entries()) photoOf[no] = await seedConfirmedPhoto(rt.deps, no, i + 1);
    // student 5: confirmed, then no longer required (E7): flagged, never exported (as the roster import flags it)
    photoOf[studentNos[4]!] = await seedConfirmedPhoto(rt.deps, studentNos[4]!, 5, { invalid: 'E4' });
  }, 120_000);
  afterAll(async () => {
    gpg?.remove();
    if (out) fs.rmSync(out, { recursive: true, force: true });
    await rt?.close();
  });

  it('refuses bad inputs with a named error and leaves nothing behind', async () => {
    const notAKey = await expectAppError(createRegistryExport(rt.deps, SYSTEM, { recipient: { bytes: Buffer.from('学号,姓名\n'), source: 'roster.csv' }, outDir: out }), 'EXPORT_KEY_INVALID');
    expect(notAKey.params).toEqual({ source: 'roster.csv' });
    const secret = Buffer.from(gpg.exportSecret('registry@chsi.example.org'));
    await expectAppError(createRegistryExport(rt.deps, SYSTEM, { recipient: { bytes: secret, source: 'secret.asc' }, outDir: out }), 'EXPORT_KEY_PRIVATE');
    const old = await openpgp.generateKey({ userIDs: [{ name: 'Old Registry', email: 'old@chsi.example.org' }], date: new Date(Date.now() - 10 * 86_400_000), keyExpirationTime: 86_400, format: 'armored' });
    const expired = await expectAppError(createRegistryExport(rt.deps, SYSTEM, { recipient: { bytes: Buffer.from(old.publicKey), source: 'old.asc' }, outDir: out }), 'EXPORT_KEY_EXPIRED');
    expect(expired.params).toMatchObject({ source: 'old.asc', expiredAt: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) });
    const aFile = path.join(out, 'not-a-dir');
    fs.writeFileSync(aFile, 'x');
    const dir = await expectAppError(createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: aFile }), 'EXPORT_OUT_DIR_UNWRITABLE');
    expect(dir.params).toEqual({ dir: aFile, reason: 'dir-not-directory' });
    fs.rmSync(aFile);
    for (const [pattern, reason] of [
      ['<nationalId>.jpg', 'pattern-placeholder'],
      ['../<studentNo>.jpg', 'pattern-separator'],
      ['photos/<studentNo>.jpg', 'pattern-separator'],
      ['<department>.jpg', 'pattern-student-no'],
      ['<studentNo>.png', 'pattern-extension'],
    ]) {
      const e = await expectAppError(createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out, filePattern: pattern }), 'EXPORT_PATTERN_INVALID');
      expect(e.params).toEqual({ pattern, reason });
    }
    await expectAppError(createRegistryExport(rt.deps, SYSTEM, { recipient: null, outDir: out }), 'EXPORT_RECIPIENT_REQUIRED');
    await expectAppError(createRegistryExport(rt.deps, await createActor(rt.deps, 'operator'), { recipient: key(), outDir: out }), 'FORBIDDEN');
    expect(await exportRows()).toEqual([]);
    expect(outFiles()).toEqual([]);
  });

  it('exports every confirmed, valid photo once: gpg decrypts it, every checksum holds, no ID number, E7 left out (A1)', async () => {
    const progress: number[] = [];
    const r = await createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out, onProgress: (p) => progress.push(p.done) });
    expect(r.nothingToExport).toBe(false);
    const batch = r.export!;
    expect(batch).toMatchObject({ status: 'delivered', photoCount: 4, withdrawnCount: 0, progress: { done: 4, total: 4 }, filePattern: '<studentNo>.jpg', signerFingerprint: null });
    expect(progress.at(-1)).toBe(4);
    expect(outFiles()).toEqual([batch.fileName]);
    const file = path.join(out, batch.fileName);
    expect(sha256(fs.readFileSync(file))).toBe(batch.sha256);
    expect(fs.statSync(file).size).toBe(batch.bytes);

    const { entries, status } = await openPackage(gpg, file);
    expect(status).toContain('DECRYPTION_OKAY');
    const jpegs = studentNos.slice(0, 4).map((no) => `${no}.jpg`);
    expect([...entries.keys()].sort()).toEqual([...jpegs, 'SHA256SUMS', 'manifest.csv'].sort());
    // every line of SHA256SUMS against the bytes, and every file listed
    const sums = entries.get('SHA256SUMS')!.toString('utf8').trim().split('\n');
    expect(sums).toHaveLength(5);
    for (const line of sums) {
      const [hash, name] = line.split('  ') as [string, string];
      expect(sha256(entries.get(name)!)).toBe(hash);
    }
    for (const name of jpegs) {
      const bytes = entries.get(name)!;
      expect([bytes[0], bytes[1], bytes[2]]).toEqual([0xff, 0xd8, 0xff]);
      expect(jpegSize(bytes)).toEqual({ width: 480, height: 640 });
    }
    const manifestText = entries.get('manifest.csv')!.toString('utf8');
    const manifest = parseCsv(manifestText);
    expect(manifest[0]).toEqual(['studentNo', 'maskedName', 'department', 'file', 'sha256', 'confirmedAt', 'station', 'collectionCodeLast4']);
    expect(manifest.slice(1).map((r) => r[0])).toEqual(studentNos.slice(0, 4));
    for (const row of manifest.slice(1)) {
      expect(row[1]).toMatch(/\*/); // masked: 张*三, 欧**娜
      expect(sha256(entries.get(row[3]!)!)).toBe(row[4]);
      expect(row[6]).toBe('beijing-1');
    }
    // no national ID number anywhere: file names, manifest, sums; no full name either
    const everything = [...entries.keys(), manifestText, entries.get('SHA256SUMS')!.toString('utf8')].join('\n');
    for (const id of nationalIds) expect(everything).not.toContain(id);
    expect(everything).not.toMatch(/\d{17}[\dX]/);
    expect(manifestText).not.toContain('张小三');
    expect(manifestText).not.toContain('13800138000');
    // the E7 photo is not in it
    expect(everything).not.toContain(studentNos[4]);

    // one audit event for the batch with its counts (not one per photo)
    const events = await rt.deps.db.db.selectFrom('audit_events').select(['action', 'target_id', 'details']).where('action', 'like', 'registry.%').orderBy('seq').execute();
    expect(events.map((e) => e.action)).toEqual(['registry.export_started', 'registry.exported']);
    expect(JSON.parse(events[1]!.details!)).toMatchObject({ photos: 4, withdrawn: 0, file: batch.fileName, sha256: batch.sha256 });
    const items = await rt.deps.db.db.selectFrom('registry_export_items').select(['photo_id', 'kind']).where('export_id', '=', batch.id).execute();
    expect(items.map((i) => i.photo_id).sort()).toEqual(studentNos.slice(0, 4).map((n) => photoOf[n]).sort());
    expect(await getRegistryExport(rt.deps, SYSTEM, batch.id)).toEqual(batch);
  });

  it('says so and writes nothing when nothing is new', async () => {
    const before = outFiles();
    const rows = (await exportRows()).length;
    const r = await createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out });
    expect(r).toEqual({ export: null, nothingToExport: true, abandoned: [] });
    expect(outFiles()).toEqual(before);
    expect(await exportRows()).toHaveLength(rows);
  });

  it('lists a photo voided after its export in the next batch’s withdrawn.csv, with the new photo; signed batches verify', async () => {
    await voidPhotoConfirmation(rt.deps, SYSTEM, photoOf[studentNos[0]!]!, '学生要求重拍', 'zh');
    photoOf[studentNos[5]!] = await seedConfirmedPhoto(rt.deps, studentNos[5]!, 6);
    const signer = await openpgp.generateKey({ userIDs: [{ name: 'Photo Agency', email: 'agency@example.com' }], date: new Date(rt.clock.now().getTime() - 60_000), format: 'armored' });
    gpg.import(signer.publicKey);
    const r = await createRegistryExport(rt.deps, SYSTEM, { recipient: key(), signer: { bytes: Buffer.from(signer.privateKey), source: 'agency.asc' }, outDir: out });
    const batch = r.export!;
    expect(batch).toMatchObject({ status: 'delivered', photoCount: 1, withdrawnCount: 1 });
    expect(batch.signerFingerprint).toMatch(/^[0-9A-F]{40}$/);
    const first = (await listRegistryExports(rt.deps, SYSTEM)).items.find((b) => b.id !== batch.id)!;
    const { entries, status } = await openPackage(gpg, path.join(out, batch.fileName));
    expect(status).toContain('GOODSIG');
    expect(status).toContain(`VALIDSIG ${batch.signerFingerprint}`);
    expect([...entries.keys()].sort()).toEqual([`${studentNos[5]}.jpg`, 'SHA256SUMS', 'manifest.csv', 'withdrawn.csv'].sort());
    const withdrawn = parseCsv(entries.get('withdrawn.csv')!.toString('utf8'));
    expect(withdrawn[0]).toEqual(['studentNo', 'file', 'sha256', 'exportedInBatch', 'withdrawnAt', 'why']);
    expect(withdrawn.slice(1)).toEqual([[studentNos[0], `${studentNos[0]}.jpg`, expect.stringMatching(/^[0-9a-f]{64}$/), first.id, expect.any(String), 'voided']]);
    for (const line of entries.get('SHA256SUMS')!.toString('utf8').trim().split('\n')) {
      const [hash, name] = line.split('  ') as [string, string];
      expect(sha256(entries.get(name)!)).toBe(hash);
    }
    // withdrawn once: the next run has nothing
    expect((await createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out })).nothingToExport).toBe(true);
  });

  it('abandons a batch whose builder died (files removed) and builds it again; a live builder is EXPORT_IN_PROGRESS', async () => {
    const campaignId = (await rt.deps.db.db.selectFrom('campaigns').select('id').where('active', '=', 1).executeTakeFirstOrThrow()).id;
    await seedConfirmedPhoto(rt.deps, studentNos[0]!, 11); // the retake of the voided one
    const row = {
      campaign_id: campaignId,
      status: 'building' as const,
      out_dir: out,
      file_pattern: '<studentNo>.jpg',
      recipient_fingerprint: 'X',
      signer_fingerprint: null,
      photo_count: 1,
      withdrawn_count: 0,
      bytes: null,
      sha256: null,
      heartbeat_at: rt.clock.now().toISOString(),
      error_code: null,
      created_by: 'cli:test',
      created_at: rt.clock.now().toISOString(),
      finished_at: null,
    };
    // a builder of this process: alive
    await rt.deps.db.db.insertInto('registry_exports').values({ ...row, id: 'live', file_name: 'live.zip.gpg', owner: `${os.hostname()}:${process.pid}` }).execute();
    const busy = await expectAppError(createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out }), 'EXPORT_IN_PROGRESS');
    // F3 finding 5: the start is the campaign's wall clock, as other messages say it, not a UTC ISO string
    expect(busy.params.startedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    await rt.deps.db.db.updateTable('registry_exports').set({ status: 'failed' }).where('id', '=', 'live').execute();
    // a builder killed mid-write: its process is gone, its temporary and final files are left
    await rt.deps.db.db.insertInto('registry_exports').values({ ...row, id: 'dead', file_name: 'dead.zip.gpg', owner: `${os.hostname()}:2147483646` }).execute();
    fs.writeFileSync(path.join(out, 'dead.zip.gpg.1234abcd.tmp'), 'half');
    fs.writeFileSync(path.join(out, 'dead.zip.gpg'), 'whole but never delivered');
    const r = await createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out });
    expect(r.abandoned).toEqual(['dead']);
    expect(r.export).toMatchObject({ status: 'delivered', photoCount: 1 });
    expect(outFiles().filter((f) => f.startsWith('dead'))).toEqual([]);
    expect((await rt.deps.db.db.selectFrom('registry_exports').select('status').where('id', '=', 'dead').executeTakeFirstOrThrow()).status).toBe('abandoned');
    // every photo in at most one delivered batch
    const photos = await rt.deps.db.db.selectFrom('registry_export_items').select('photo_id').where('kind', '=', 'photo').execute();
    expect(new Set(photos.map((p) => p.photo_id)).size).toBe(photos.length);
    expect(photos).toHaveLength(6);
  });

  it('withdraws a delivered photo that became invalid (E7) in the next batch, once, even with two runs at once', async () => {
    // the roster now says student 2 is deferred beyond the campaign (E4): the import flags the confirmed photo
    await importRegistryRoster(rt.deps, 6, { 1: { 确定延期至: '2025-01' }, 4: { 确定延期至: '2025-01' } });
    expect((await rt.deps.db.db.selectFrom('photos').select('invalid_reason').where('id', '=', photoOf[studentNos[1]!]!).executeTakeFirstOrThrow()).invalid_reason).toBe('E4');
    const results = await Promise.allSettled([
      createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out }),
      createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out }),
    ]);
    const delivered = results.flatMap((r) => (r.status === 'fulfilled' && r.value.export ? [r.value.export] : []));
    expect(delivered).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as AppError).code).toBe('EXPORT_IN_PROGRESS');
      else if (!r.value.export) expect(r.value.nothingToExport).toBe(true);
    }
    expect(delivered[0]).toMatchObject({ photoCount: 0, withdrawnCount: 1 });
    const { entries } = await openPackage(gpg, path.join(out, delivered[0]!.fileName));
    expect([...entries.keys()].sort()).toEqual(['SHA256SUMS', 'manifest.csv', 'withdrawn.csv']);
    const withdrawn = parseCsv(entries.get('withdrawn.csv')!.toString('utf8'));
    expect(withdrawn.slice(1).map((r) => [r[0], r[5]])).toEqual([[studentNos[1], 'invalid:E4']]);
    const items = await rt.deps.db.db.selectFrom('registry_export_items').select('photo_id').where('kind', '=', 'withdrawn').execute();
    expect(items.map((i) => i.photo_id).sort()).toEqual([photoOf[studentNos[0]!], photoOf[studentNos[1]!]].sort());
    expect((await createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out })).nothingToExport).toBe(true);
  });
});
