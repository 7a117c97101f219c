// The make-up tables (migration 0018, S6) and the outstanding query, on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { getActiveCampaign } from '../services/campaign.service.js';
import { applyRosterImport } from '../services/roster.service.js';
import * as makeupRepo from './makeup.repository.js';

describe.each(DIALECTS)('makeup repository on %s', (dialect) => {
  let rt: TestRuntime;
  let campaignId: string;
  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    const admin = await createActor(rt.deps, 'admin', [], 'mr-admin');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv([rosterRow('2301000001'), rosterRow('2301000002', { 证书类型: '单证' }), rosterRow('2301000003', { 院系: '数学科学学院' })])) }, 'roster.csv', 'zh');
    campaignId = (await getActiveCampaign(rt.deps)).id;
  });
  afterAll(async () => rt.close());

  it('stores outlets once per id and lists the required students without a valid confirmed photo per department', async () => {
    const row = { id: 'haidian', campaign_id: campaignId, name_zh: '海淀店', name_en: 'Haidian', address: '海淀路 1 号', city: '北京', hours: '9:00–17:00', stations: 2, active: 1, created_by: null, created_at: 't', updated_at: 't' };
    expect(await makeupRepo.insertOutletUnlessExists(rt.deps.db.db, row)).toBe(true);
    expect(await makeupRepo.insertOutletUnlessExists(rt.deps.db.db, row)).toBe(false);
    expect((await makeupRepo.listOutlets(rt.deps.db.db, campaignId)).map((o) => o.id)).toEqual(['haidian']);
    const outstanding = await makeupRepo.listOutstandingStudents(rt.deps.db.db, campaignId);
    expect(outstanding.map((s) => s.student_no).sort()).toEqual(['2301000001', '2301000003']);
    const counts = await makeupRepo.countOutstandingPerDepartment(rt.deps.db.db, campaignId);
    expect(Object.fromEntries(counts.map((c) => [c.department, c.outstanding]))).toEqual({ 数学科学学院: 1, 物理学院: 1 });
  });
});
