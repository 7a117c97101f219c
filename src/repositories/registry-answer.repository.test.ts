// The registry_answers contract (migration 0016) on both databases: a photo is answered at most once (unique
// photo_id), 'accepted' iff a row with status 'accepted', a status other than accepted/rejected is refused.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster, seedConfirmedPhoto } from '../../test/support/registry-export.js';
import { createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { countRegistryAnswers, insertAnswerImport, insertAnswers, isPhotoAcceptedByRegistry, listRegistryAcceptedPhotoIds } from './registry-answer.repository.js';

describe.each(DIALECTS)('registry answers table on %s', { timeout: 60_000 }, (dialect) => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('holds one answer per photo; accepted iff status accepted', async () => {
    const db = rt.deps.db.db;
    const { studentNos } = await importRegistryRoster(rt.deps, 2);
    const p1 = await seedConfirmedPhoto(rt.deps, studentNos[0]!, 1);
    const p2 = await seedConfirmedPhoto(rt.deps, studentNos[1]!, 2);
    const campaign = await db.selectFrom('campaigns').select('id').where('active', '=', 1).executeTakeFirstOrThrow();
    const students = await db.selectFrom('students').select(['id', 'student_no']).execute();
    const sid = (no: string) => students.find((s) => s.student_no === no)!.id;
    const at = rt.clock.now().toISOString();
    const exportId = crypto.randomUUID();
    await db
      .insertInto('registry_exports')
      .values({ id: exportId, campaign_id: campaign.id, status: 'delivered', file_name: 'x.zip.gpg', out_dir: '/tmp', file_pattern: '<studentNo>.jpg', recipient_fingerprint: 'f', signer_fingerprint: null, photo_count: 2, withdrawn_count: 0, bytes: 1, sha256: 's', owner: 'h:1', heartbeat_at: at, error_code: null, created_by: null, created_at: at, finished_at: at })
      .execute();
    const importId = crypto.randomUUID();
    await insertAnswerImport(db, { id: importId, campaign_id: campaign.id, file_name: 'a.csv', file_sha256: 'x', row_count: 2, accepted_count: 1, rejected_count: 1, known_count: 0, voided_count: 1, created_by: null, created_at: at });
    const row = (photo: string, no: string, status: 'accepted' | 'rejected') => ({ id: crypto.randomUUID(), campaign_id: campaign.id, import_id: importId, student_id: sid(no), photo_id: photo, export_id: exportId, status, voided_confirmation_id: null, created_at: at });
    await insertAnswers(db, [row(p1, studentNos[0]!, 'accepted'), row(p2, studentNos[1]!, 'rejected')]);
    expect(await isPhotoAcceptedByRegistry(db, p1)).toBe(true);
    expect(await isPhotoAcceptedByRegistry(db, p2)).toBe(false);
    expect(await listRegistryAcceptedPhotoIds(db, campaign.id)).toEqual([p1]);
    expect(await countRegistryAnswers(db, campaign.id)).toEqual({ accepted: 1, rejected: 1 });
    await expect(insertAnswers(db, [row(p1, studentNos[0]!, 'rejected')])).rejects.toThrow();
    await expect(db.insertInto('registry_answers').values({ ...row(crypto.randomUUID(), studentNos[0]!, 'accepted'), photo_id: p1, status: 'maybe' as never }).execute()).rejects.toThrow();
  });
});
