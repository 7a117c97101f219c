// The photo use cases on both databases (issue #4 parts 7–8; rules C3, E7; PITFALLS F7, F17): one audit
// event per change, races between uploads of the same bytes and between confirmations, E7 after a change
// of the campaign's terms, and the sweep of orphan blobs.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { isAppError } from '../domain/errors.js';
import { updateCampaignTerms } from './campaign.service.js';
import type { Actor } from './deps.js';
import { SYSTEM } from './deps.js';
import { confirmPhoto, getPhotoImage, getPhotoReport, sweepOrphanBlobs, uploadPhoto, voidPhotoConfirmation } from './photo.service.js';
import { applyRosterImport } from './roster.service.js';

const PORTRAIT = path.resolve('test/fixtures/photos/id-blue-12mp.jpg');

function shot(jpeg: Buffer, label: string): Buffer {
  const text = Buffer.from(`gradphoto service shot ${label}`, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, jpeg.subarray(2)]);
}

const NO = { race: '2401200001', confirm: '2401200002', terms: '2401200003', early: '2401200004' } as const;

// Each upload runs the whole pipeline (decode, detect, crop, check, encrypt) on a 12 MP photo.
vi.setConfig({ testTimeout: 60_000 });

describe.each(DIALECTS)('photo service on %s', (dialect) => {
  let rt: TestRuntime;
  let operator: Actor;
  let admin: Actor;
  let portrait: Buffer;
  let n = 0;
  const next = () => shot(portrait, `${dialect}-${++n}`);
  const db = () => rt.deps.db.db;
  const countEvents = async (action: string) =>
    Number((await db().selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', action).executeTakeFirstOrThrow()).n);
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'ok';
    } catch (e) {
      if (isAppError(e)) return e.code;
      throw e;
    }
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'ps-admin');
    operator = await createActor(rt.deps, 'operator', [], 'ps-operator');
    const rows = [rosterRow(NO.race), rosterRow(NO.confirm), rosterRow(NO.terms), rosterRow(NO.early, { 预计毕业时间: '2024-01' })];
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
    portrait = fs.readFileSync(PORTRAIT);
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('each change writes exactly one audit event: upload, confirm, void', async () => {
    const counts = async () => Promise.all(['photo.uploaded', 'photo.confirmed', 'photo.confirmation_voided'].map(countEvents));
    const start = await counts();
    const up = await uploadPhoto(rt.deps, operator, { bytes: next(), studentNo: NO.confirm }, 'zh');
    expect(up.created).toBe(true);
    expect(await counts()).toEqual([start[0]! + 1, start[1], start[2]]);
    await confirmPhoto(rt.deps, operator, up.value.id, 'zh');
    expect(await counts()).toEqual([start[0]! + 1, start[1]! + 1, start[2]]);
    await voidPhotoConfirmation(rt.deps, admin, up.value.id, '院系申请重拍', 'zh');
    expect(await counts()).toEqual([start[0]! + 1, start[1]! + 1, start[2]! + 1]);
    expect(await codeOf(voidPhotoConfirmation(rt.deps, admin, up.value.id, '再次撤销', 'zh'))).toBe('CONFIRMATION_NOT_FOUND');
    expect(await codeOf(voidPhotoConfirmation(rt.deps, operator, up.value.id, '院系申请重拍', 'zh'))).toBe('FORBIDDEN');
    expect(await codeOf(voidPhotoConfirmation(rt.deps, admin, up.value.id, ' ', 'zh'))).toBe('VALIDATION_FAILED');
  });

  it('the same bytes uploaded three times at once are one photo (F7): one created, blobs of the losers removed', async () => {
    const bytes = next();
    const results = await Promise.all([1, 2, 3].map(() => uploadPhoto(rt.deps, operator, { bytes, studentNo: NO.race }, 'zh')));
    expect(new Set(results.map((r) => r.value.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const id = results[0]!.value.id;
    const blobs = await db().selectFrom('photo_blobs').select('id').where('photo_id', '=', id).execute();
    expect(blobs).toHaveLength(2);
    const onDisk = fs.readdirSync(path.join(rt.dataDir, 'blobs')).flatMap((d) => fs.readdirSync(path.join(rt.dataDir, 'blobs', d)).map((f) => d + f));
    const known = new Set((await db().selectFrom('photo_blobs').select('id').execute()).map((b) => b.id));
    expect(onDisk.filter((f) => !known.has(f))).toEqual([]);
  });

  it('two confirmations at once for two shots of one student: exactly one wins (C3, partial unique index)', async () => {
    const a = await uploadPhoto(rt.deps, operator, { bytes: next(), studentNo: NO.race }, 'zh');
    const b = await uploadPhoto(rt.deps, operator, { bytes: next(), studentNo: NO.race }, 'zh');
    const codes = await Promise.all([codeOf(confirmPhoto(rt.deps, operator, a.value.id, 'zh')), codeOf(confirmPhoto(rt.deps, admin, b.value.id, 'zh'))]);
    expect(codes.sort()).toEqual(['PHOTO_ALREADY_CONFIRMED', 'ok']);
    const active = await db().selectFrom('photo_confirmations').selectAll().where('voided_at', 'is', null).where('photo_id', 'in', [a.value.id, b.value.id]).execute();
    expect(active).toHaveLength(1);
    // an upload racing with nothing: refused now
    expect(await codeOf(uploadPhoto(rt.deps, operator, { bytes: next(), studentNo: NO.race }, 'zh'))).toBe('PHOTO_ALREADY_CONFIRMED');
  });

  it('E7 after a change of terms: the confirmed photo of a student no longer in the campaign is flagged, others not; viewing it still works', async () => {
    const termsPhoto = await uploadPhoto(rt.deps, operator, { bytes: next(), studentNo: NO.terms }, 'zh');
    await confirmPhoto(rt.deps, operator, termsPhoto.value.id, 'zh');
    const earlyPhoto = await uploadPhoto(rt.deps, operator, { bytes: next(), studentNo: NO.early }, 'zh');
    await confirmPhoto(rt.deps, operator, earlyPhoto.value.id, 'zh');
    const before = await countEvents('photo.flagged_invalid');
    // only January graduates now: the July students (NO.terms, NO.race) are out; NO.early stays
    await updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-01'], retakeBefore: '2024-01', deferTerms: ['2025-01', '2025-07'] });
    const flagged = await getPhotoReport(rt.deps, operator, termsPhoto.value.id, 'en');
    expect(flagged.invalid).toEqual({ rule: 'not-in-campaign' });
    expect((await getPhotoReport(rt.deps, operator, earlyPhoto.value.id, 'en')).invalid).toBeNull();
    const events = await db().selectFrom('audit_events').selectAll().where('action', '=', 'photo.flagged_invalid').orderBy('seq').execute();
    // one per affected student with a confirmed photo: NO.terms and NO.race
    expect(events.length - before).toBe(2);
    expect(events.slice(before).map((e) => e.target_id)).toContain(termsPhoto.value.id);
    expect((await getPhotoImage(rt.deps, admin, termsPhoto.value.id)).length).toBeGreaterThan(1000);
    // a second recompute with nothing new flags nothing again
    await updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-01'], retakeBefore: '2024-01', deferTerms: ['2025-01'] });
    expect(await countEvents('photo.flagged_invalid')).toBe(events.length);
  });

  it('sweeps orphan blobs and leftover temporary files older than the grace period, keeps younger ones and every blob with a row', async () => {
    const photos = rt.deps.photos!;
    const orphan = photos.blobs.newId();
    await photos.blobs.write(orphan, Buffer.from('GPB1 sealed but never committed'));
    const tmp = path.join(photos.blobs.root, orphan.slice(0, 2), `${orphan.slice(2)}.999.dead.tmp`);
    fs.writeFileSync(tmp, 'half a blob');
    const rowsBefore = await db().selectFrom('photo_blobs').select('id').execute();
    const kept = await sweepOrphanBlobs(rt.deps, SYSTEM, { graceMs: 10 * 60_000 });
    expect(kept).toEqual({ removed: 0, kept: 2 });
    expect(await countEvents('blobs.orphans_removed')).toBe(0);
    const swept = await sweepOrphanBlobs(rt.deps, SYSTEM, { graceMs: 0 });
    expect(swept).toEqual({ removed: 2, kept: 0 });
    expect(photos.blobs.exists(orphan)).toBe(false);
    expect(fs.existsSync(tmp)).toBe(false);
    for (const b of rowsBefore) expect(photos.blobs.exists(b.id)).toBe(true);
    const event = await db().selectFrom('audit_events').selectAll().where('action', '=', 'blobs.orphans_removed').executeTakeFirstOrThrow();
    expect(JSON.parse(event.details)).toMatchObject({ count: 2 });
  });
});
