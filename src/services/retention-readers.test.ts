// Readers of a crypto-shredded photo answer PHOTO_DELETED, not a 500 (issue 10 section 5; decision 0027): the print
// sheet of a batch where one photo's standard image the retention policy deleted (accepted by the registry, prints
// handed over, 0 days) prints the other sets and lists the skipped one on a last page (student number, masked name,
// why, the date), and says how many it skipped; /my reports the deletion instead of an image. Both databases.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster } from '../../test/support/registry-export.js';
import { seedRegistryAccepted, seedShot } from '../../test/support/retention.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
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
  let nos: string[];

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.clock.set('2026-06-01T02:00:00.000Z');
    admin = await createActor(rt.deps, 'admin');
    const { studentNos } = await importRegistryRoster(rt.deps, 2);
    nos = studentNos;
    student = await createActor(rt.deps, 'student', [], studentNos[0]!);
    const shot = await seedShot(rt.deps, studentNos[0]!, 1, { confirm: true });
    await seedShot(rt.deps, studentNos[1]!, 2, { confirm: true });
    const batch = await createPrintBatch(rt.deps, admin, {}, 'zh');
    batchId = batch.value.id;
    department = (await rt.deps.db.db.selectFrom('students').select('department').executeTakeFirstOrThrow()).department;
    await seedRegistryAccepted(rt.deps, shot.photoId);
    await rt.deps.db.db.updateTable('print_items').set({ handed_to_student_at: rt.clock.now().toISOString(), handed_method: 'secretary' }).where('photo_id', '=', shot.photoId).execute();
    await updateRetentionPolicy(rt.deps, admin, { originalsDays: 0, standardDays: 0 }, 'zh');
    const run = await runRetention(rt.deps, admin, { trigger: 'api' });
    expect(run!.run.counts).toMatchObject({ standards: 1 });
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('the print sheet prints the others and lists the deleted set on a last page; it says how many it skipped', async () => {
    const file = await openPrintSheet(rt.deps, admin, batchId, department, 'zh');
    expect(file.skipped).toBe(1);
    const chunks: Buffer[] = [];
    for await (const chunk of file.stream) chunks.push(chunk as Buffer);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-skipped-'));
    try {
      const pdf = path.join(dir, 'sheet.pdf');
      fs.writeFileSync(pdf, Buffer.concat(chunks));
      expect(Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1])).toBe(2);
      const first = execFileSync('pdftotext', ['-enc', 'UTF-8', '-f', '1', '-l', '1', pdf, '-'], { encoding: 'utf8' });
      expect(first).toContain(nos[1]!);
      expect(first).not.toContain(nos[0]!);
      const last = execFileSync('pdftotext', ['-enc', 'UTF-8', '-f', '2', '-l', '2', pdf, '-'], { encoding: 'utf8' });
      expect(last).toContain('未打印的照片（1 套）');
      expect(last).toContain(nos[0]!);
      expect(last).toContain('张*三');
      expect(last).toContain('照片已按保留策略删除（2026-06-01）');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('/my reports the deletion instead of an image', async () => {
    const mine = await getMyPhoto(rt.deps, student, 'zh');
    expect(mine.state).toBe('confirmed');
    expect(mine.photo).toMatchObject({ hasImage: false, deleted: { standard: '2026-06-01T02:00:00.000Z', original: '2026-06-01T02:00:00.000Z' } });
  });
});
