// Readers of a crypto-shredded photo answer PHOTO_DELETED, not a 500 (issue 10 section 5; decision 0027): the print
// sheet of a batch whose photo's standard image the retention policy deleted (accepted by the registry, prints handed
// over, 0 days) fails with PHOTO_DELETED naming the date; /my reports the deletion instead of an image. Both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster } from '../../test/support/registry-export.js';
import { seedRegistryAccepted, seedShot } from '../../test/support/retention.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { AppError } from '../domain/errors.js';
import { translateAppError } from '../domain/i18n.js';
import type { Actor } from './deps.js';
import { getMyPhoto } from './photo.service.js';
import { createPrintBatch, openPrintSheet } from './print.service.js';
import { runRetention, updateRetentionPolicy } from './retention.service.js';

describe.each(DIALECTS)('readers of a shredded photo on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let student: Actor;
  let batchId: string;
  let department: string;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.clock.set('2026-06-01T02:00:00.000Z');
    admin = await createActor(rt.deps, 'admin');
    const { studentNos } = await importRegistryRoster(rt.deps, 1);
    student = await createActor(rt.deps, 'student', [], studentNos[0]!);
    const shot = await seedShot(rt.deps, studentNos[0]!, 1, { confirm: true });
    const batch = await createPrintBatch(rt.deps, admin, {}, 'zh');
    batchId = batch.value.id;
    department = (await rt.deps.db.db.selectFrom('students').select('department').executeTakeFirstOrThrow()).department;
    await seedRegistryAccepted(rt.deps, shot.photoId);
    await rt.deps.db.db.updateTable('print_items').set({ handed_to_student_at: rt.clock.now().toISOString(), handed_method: 'secretary' }).where('photo_id', '=', shot.photoId).execute();
    await updateRetentionPolicy(rt.deps, admin, { originalsDays: 0, standardDays: 0 }, 'zh');
    const run = await runRetention(rt.deps, admin, { trigger: 'api' });
    expect(run!.run.counts).toMatchObject({ originals: 1, standards: 1 });
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('the print sheet answers PHOTO_DELETED with the date', async () => {
    let e: unknown = null;
    try {
      const file = await openPrintSheet(rt.deps, admin, batchId, department, 'zh');
      for await (const chunk of file.stream) void chunk;
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('PHOTO_DELETED');
    expect(translateAppError(e as AppError, 'zh')).toBe('标准照片已按保留策略删除（2026-06-01），无法再查看');
  });

  it('/my reports the deletion instead of an image', async () => {
    const mine = await getMyPhoto(rt.deps, student, 'zh');
    expect(mine.state).toBe('confirmed');
    expect(mine.photo).toMatchObject({ hasImage: false, deleted: { standard: '2026-06-01T02:00:00.000Z', original: '2026-06-01T02:00:00.000Z' } });
  });
});
