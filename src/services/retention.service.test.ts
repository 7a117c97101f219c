// Retention and deletion (issue 10 section 5, A3), on both databases: the policy's defaults and bounds; each rule's
// boundary with the fake clock (originals N days after the confirmation; standard photos N days after the registry
// accepted them AND the prints were handed over); crypto-shredding proven by trying to decrypt afterwards (the
// wrapped key and the file are gone); readers answer PHOTO_DELETED; a dry run writes nothing; one audit event per
// run and the chain verifies; a run killed between the keys and the files is finished by the next; two runs at once
// purge once; the scheduler runs once a day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster } from '../../test/support/registry-export.js';
import { seedPrintsHandedOver, seedRegistryAccepted, seedShot, tryDecrypt, type SeededShot } from '../../test/support/retention.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { AppError } from '../domain/errors.js';
import { translateAppError } from '../domain/i18n.js';
import { verifyAuditChain } from './audit.service.js';
import type { Actor } from './deps.js';
import { SYSTEM } from './deps.js';
import { getPhotoImage, listStudentPhotos } from './photo.service.js';
import { getRetentionPolicy, listRetentionRuns, previewRetentionRun, runRetention, runScheduledRetention, updateRetentionPolicy } from './retention.service.js';

const DAY = 86_400_000;

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

describe.each(DIALECTS)('retention on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let nos: string[];
  const t0 = '2026-06-01T02:00:00.000Z';
  let chosen: SeededShot;
  let notChosen: SeededShot;
  let other: SeededShot;
  const auditCount = async (action?: string) => {
    let q = rt.deps.db.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n'));
    if (action) q = q.where('action', '=', action);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.clock.set(t0);
    admin = await createActor(rt.deps, 'admin');
    ({ studentNos: nos } = await importRegistryRoster(rt.deps, 4));
    // student 1: two shots, the second confirmed at t0; student 2: one shot confirmed a day later
    notChosen = await seedShot(rt.deps, nos[0]!, 1);
    chosen = await seedShot(rt.deps, nos[0]!, 2, { confirm: true });
    rt.clock.set(new Date(Date.parse(t0) + DAY).toISOString());
    other = await seedShot(rt.deps, nos[1]!, 3, { confirm: true });
    rt.clock.set(t0);
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('starts with safe defaults, refuses days outside 0–3650 naming the field in zh and en, and audits a change', async () => {
    const policy = await getRetentionPolicy(rt.deps, admin, 'zh');
    expect(policy).toMatchObject({ originalsDays: 30, standardDays: 30, identityPurgedOnClose: true, updatedAt: null });
    expect(policy.sentences.join('')).toContain('30 天');
    for (const [body, field] of [
      [{ originalsDays: -1, standardDays: 30 }, 'originalsDays'],
      [{ originalsDays: 30, standardDays: 3651 }, 'standardDays'],
      [{ originalsDays: 1.5, standardDays: 30 }, 'originalsDays'],
      [{ originalsDays: 30 }, 'standardDays'],
    ] as const) {
      const e = await expectAppError(updateRetentionPolicy(rt.deps, admin, body, 'zh'), 'RETENTION_DAYS_INVALID');
      expect(e.details).toMatchObject({ field });
      expect(translateAppError(e, 'zh')).toMatch(/保留天数.*0 到 3650/);
      expect(translateAppError(e, 'en')).toContain(field);
    }
    expect((await getRetentionPolicy(rt.deps, admin, 'en')).updatedAt).toBeNull();
    const operator = await createActor(rt.deps, 'operator');
    await expectAppError(updateRetentionPolicy(rt.deps, operator, { originalsDays: 1, standardDays: 1 }, 'zh'), 'FORBIDDEN');
    const before = await auditCount('retention.policy_changed');
    const changed = await updateRetentionPolicy(rt.deps, admin, { originalsDays: 3650, standardDays: 0 }, 'en');
    expect(changed).toMatchObject({ originalsDays: 3650, standardDays: 0 });
    expect(changed.sentences[0]).toContain('3650 days');
    await updateRetentionPolicy(rt.deps, admin, { originalsDays: 30, standardDays: 30 }, 'en');
    // the same values again change nothing and write no event
    await updateRetentionPolicy(rt.deps, admin, { originalsDays: 30, standardDays: 30 }, 'en');
    expect(await auditCount('retention.policy_changed')).toBe(before + 2);
  });

  it('originals: nothing one millisecond before 30 days after the confirmation; then the original and the shot not chosen (dry run writes nothing)', async () => {
    rt.clock.set(new Date(Date.parse(t0) + 30 * DAY - 1).toISOString());
    expect((await previewRetentionRun(rt.deps, admin)).counts).toEqual({ originals: 0, standards: 0, photos: 0, bytes: 0 });
    rt.clock.set(new Date(Date.parse(t0) + 30 * DAY).toISOString());
    const events = await auditCount();
    const blobs = await rt.deps.db.db.selectFrom('photo_blobs').select('id').execute();
    const preview = await previewRetentionRun(rt.deps, admin);
    // student 1: the chosen shot's original + both blobs of the other shot; student 2 is a day younger
    expect(preview.counts).toMatchObject({ originals: 2, standards: 1, photos: 2 });
    expect(preview.counts.bytes).toBeGreaterThan(0);
    expect(await auditCount()).toBe(events);
    expect(await rt.deps.db.db.selectFrom('photo_blobs').select('id').execute()).toHaveLength(blobs.length);
    expect(await rt.deps.db.db.selectFrom('retention_runs').select('id').execute()).toHaveLength(0);
    expect((await tryDecrypt(rt.deps, chosen.originalBlob)).opened).toBe(true);
  });

  it('a run crypto-shreds: the wrapped key and the file are gone, readers answer PHOTO_DELETED, one audit event, the chain verifies', async () => {
    const result = await runRetention(rt.deps, admin, { trigger: 'api' });
    expect(result!.run).toMatchObject({ status: 'done', trigger: 'api', counts: { originals: 2, standards: 1, photos: 2 }, filesRemoved: 3 });
    for (const blob of [chosen.originalBlob, notChosen.originalBlob, notChosen.standardBlob]) expect(await tryDecrypt(rt.deps, blob)).toEqual({ keyRow: false, file: false, opened: false });
    // the confirmed standard photo and student 2's photo stay readable
    expect((await tryDecrypt(rt.deps, chosen.standardBlob)).opened).toBe(true);
    expect((await tryDecrypt(rt.deps, other.originalBlob)).opened).toBe(true);
    const deleted = await expectAppError(getPhotoImage(rt.deps, admin, chosen.photoId, 'original'), 'PHOTO_DELETED');
    expect(translateAppError(deleted, 'zh')).toBe(`原始照片已按保留策略删除（${rt.clock.now().toISOString().slice(0, 10)}），无法再查看`);
    expect(translateAppError(deleted, 'en')).toContain('camera original was deleted under the retention policy');
    await expectAppError(getPhotoImage(rt.deps, admin, notChosen.photoId, 'standard'), 'PHOTO_DELETED');
    expect((await getPhotoImage(rt.deps, admin, chosen.photoId, 'standard')).length).toBeGreaterThan(1000);
    // the reports say what was deleted and when, instead of offering an image that fails
    const studentId = (await rt.deps.db.db.selectFrom('photos').select('student_id').where('id', '=', chosen.photoId).executeTakeFirstOrThrow()).student_id;
    const reports = (await listStudentPhotos(rt.deps, admin, studentId, 'zh')).items;
    const at = rt.clock.now().toISOString();
    expect(reports.find((r) => r.id === notChosen.photoId)).toMatchObject({ hasImage: false, deleted: { original: at, standard: at } });
    expect(reports.find((r) => r.id === chosen.photoId)).toMatchObject({ hasImage: true, confirmed: true, deleted: { original: at, standard: null } });
    const events = await rt.deps.db.db.selectFrom('audit_events').select(['action', 'details']).where('action', '=', 'retention.purged').execute();
    expect(events).toHaveLength(1);
    const details = String(events[0]!.details);
    for (const no of nos) expect(details).not.toContain(no);
    expect(details).toContain('"originals":2');
    expect((await verifyAuditChain(rt.deps)).ok).toBe(true);
    // a second run a minute later finds nothing
    rt.clock.advance(60_000);
    expect((await runRetention(rt.deps, admin, { trigger: 'cli' }))!.run.counts).toEqual({ originals: 0, standards: 0, photos: 0, bytes: 0 });
    expect((await listRetentionRuns(rt.deps, admin)).items.map((r) => r.trigger)).toEqual(['cli', 'api']);
  });

  it('standard photos: only when the registry accepted it AND the prints were handed over, 30 days after the later of the two', async () => {
    const t1 = Date.parse(t0) + 40 * DAY;
    rt.clock.set(new Date(t1).toISOString());
    await seedRegistryAccepted(rt.deps, chosen.photoId);
    await seedRegistryAccepted(rt.deps, other.photoId);
    await seedPrintsHandedOver(rt.deps, other.photoId, { handed: false });
    rt.clock.set(new Date(t1 + 5 * DAY).toISOString());
    await seedPrintsHandedOver(rt.deps, chosen.photoId);
    rt.clock.set(new Date(t1 + 35 * DAY - 1).toISOString());
    expect((await previewRetentionRun(rt.deps, admin)).counts.standards).toBe(0);
    rt.clock.set(new Date(t1 + 35 * DAY).toISOString());
    // student 2's original is long due; their standard photo's prints were never handed over: kept
    expect((await previewRetentionRun(rt.deps, admin)).counts).toMatchObject({ originals: 1, standards: 1, photos: 2 });
    await runRetention(rt.deps, admin, { trigger: 'api' });
    expect(await tryDecrypt(rt.deps, chosen.standardBlob)).toEqual({ keyRow: false, file: false, opened: false });
    expect((await tryDecrypt(rt.deps, other.standardBlob)).opened).toBe(true);
    const e = await expectAppError(getPhotoImage(rt.deps, admin, chosen.photoId, 'standard'), 'PHOTO_DELETED');
    expect(translateAppError(e, 'zh')).toMatch(/^标准照片已按保留策略删除/);
    expect((await verifyAuditChain(rt.deps)).ok).toBe(true);
  });

  it('a run killed after the keys were destroyed leaves files nobody can open; the next run (after the lease) removes them', async () => {
    const shot = await seedShot(rt.deps, nos[2]!, 7, { confirm: true });
    rt.clock.advance(31 * DAY);
    const killed = await runRetention(rt.deps, admin, { trigger: 'cli', stopAfterShredding: true });
    expect(killed!.run).toMatchObject({ status: 'running', counts: { originals: 1 } });
    // the key is gone in a committed transaction; the file is still there and cannot be decrypted
    expect(await tryDecrypt(rt.deps, shot.originalBlob)).toEqual({ keyRow: false, file: true, opened: false });
    await expectAppError(getPhotoImage(rt.deps, admin, shot.photoId, 'original'), 'PHOTO_DELETED');
    // while its lease runs, another run is refused
    const busy = await expectAppError(runRetention(rt.deps, admin, { trigger: 'api' }), 'RETENTION_RUN_IN_PROGRESS');
    // F3 finding 5: the start is the campaign's wall clock, not a UTC ISO string
    expect(busy.params.startedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    rt.clock.advance(16 * 60_000);
    const next = await runRetention(rt.deps, admin, { trigger: 'cli' });
    expect(next!.leftoverFilesRemoved).toBe(1);
    expect(await tryDecrypt(rt.deps, shot.originalBlob)).toEqual({ keyRow: false, file: false, opened: false });
    const runs = (await listRetentionRuns(rt.deps, admin)).items;
    expect(runs.find((r) => r.id === killed!.run.id)?.status).toBe('abandoned');
    expect(await auditCount('retention.run_abandoned')).toBe(1);
    expect((await verifyAuditChain(rt.deps)).ok).toBe(true);
  });

  it('two runs at once purge once', async () => {
    const a = await seedShot(rt.deps, nos[3]!, 8, { confirm: true });
    await seedShot(rt.deps, nos[3]!, 9);
    rt.clock.advance(31 * DAY);
    const before = await auditCount('retention.purged');
    const results = await Promise.allSettled([runRetention(rt.deps, admin, { trigger: 'api' }), runRetention(rt.deps, SYSTEM, { trigger: 'cli' })]);
    const done = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof runRetention>>> => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as AppError).code);
    expect(refused.every((c) => c === 'RETENTION_RUN_IN_PROGRESS')).toBe(true);
    const originals = done.reduce((n, r) => n + r.value!.run.counts.originals, 0);
    const standards = done.reduce((n, r) => n + r.value!.run.counts.standards, 0);
    expect({ originals, standards }).toEqual({ originals: 2, standards: 1 });
    const purged = await rt.deps.db.db.selectFrom('audit_events').select('details').where('action', '=', 'retention.purged').execute();
    expect(purged.length - before).toBe(done.length);
    expect(await tryDecrypt(rt.deps, a.originalBlob)).toEqual({ keyRow: false, file: false, opened: false });
    expect((await rt.deps.db.db.selectFrom('shredded_blobs').select('id').where('photo_id', '=', a.photoId).execute()).length).toBe(1);
  });

  it('the scheduler runs once per day when something is due, whoever asks', async () => {
    rt.clock.advance(2 * DAY);
    // nothing due: no run, no event
    const events = await auditCount('retention.purged');
    expect(await runScheduledRetention(rt.deps, SYSTEM)).toBeNull();
    expect(await auditCount('retention.purged')).toBe(events);
    await seedShot(rt.deps, nos[3]!, 10);
    await seedShot(rt.deps, nos[2]!, 11);
    const [first, second] = await Promise.all([runScheduledRetention(rt.deps, SYSTEM), runScheduledRetention(rt.deps, SYSTEM)]);
    expect([first, second].filter((r) => r !== null)).toHaveLength(1);
    expect(await runScheduledRetention(rt.deps, SYSTEM)).toBeNull();
    rt.clock.advance(DAY + 1);
    await seedShot(rt.deps, nos[1]!, 12);
    expect((await runScheduledRetention(rt.deps, SYSTEM))?.run).toMatchObject({ trigger: 'scheduler', counts: { originals: 1, standards: 1 } });
  });
});
