// The make-up tables (migration 0018, S6) and the outstanding query, on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import * as makeupRepo from './makeup.repository.js';
import type { NewStudentRow } from './student.repository.js';
import { insertStudents } from './student.repository.js';

const CAMPAIGN = '2024-graduates';
const NOW = '2023-10-20T02:00:00.000Z';

function student(no: string, over: Partial<NewStudentRow> = {}): NewStudentRow {
  return {
    id: `id-${no}`,
    campaign_id: CAMPAIGN,
    student_no: no,
    name: '张小三',
    department: '物理学院',
    level: 'master',
    certificate: 'dual',
    expected_term: '2024-07',
    finish: 'graduate',
    employed: 0,
    study_city: null,
    prior_capture_term: null,
    deferred_to: null,
    converting_from_completion: 0,
    national_id_enc: null,
    national_id_hmac: null,
    national_id_mask: null,
    email: null,
    phone: null,
    decision: 'required',
    rule: 'E1',
    site: 'beijing',
    row_hash: `hash-${no}`,
    removed_at: null,
    created_at: NOW,
    updated_at: NOW,
    ...over,
  };
}

describe.each(DIALECTS)('makeup repository on %s', (dialect) => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    await insertStudents(rt.deps.db.db, [student('2301000001'), student('2301000002', { certificate: 'single', decision: 'excluded', rule: 'E6' }), student('2301000003', { department: '数学科学学院' }), student('2301000004', { removed_at: NOW })]);
  });
  afterAll(async () => rt.close());

  it('stores outlets once per id and lists the required students on the roster without a valid confirmed photo, per department', async () => {
    const row = { id: 'haidian', campaign_id: CAMPAIGN, name_zh: '海淀店', name_en: 'Haidian', address: '海淀路 1 号', city: '北京', hours: '9:00–17:00', stations: 2, active: 1, created_by: null, created_at: NOW, updated_at: NOW };
    expect(await makeupRepo.insertOutletUnlessExists(rt.deps.db.db, row)).toBe(true);
    expect(await makeupRepo.insertOutletUnlessExists(rt.deps.db.db, row)).toBe(false);
    expect((await makeupRepo.listOutlets(rt.deps.db.db, CAMPAIGN)).map((o) => o.id)).toEqual(['haidian']);
    const outstanding = await makeupRepo.listOutstandingStudents(rt.deps.db.db, CAMPAIGN);
    expect(outstanding.map((s) => s.student_no).sort()).toEqual(['2301000001', '2301000003']);
    expect(outstanding.every((s) => s.voided === 0)).toBe(true);
    const counts = await makeupRepo.countOutstandingPerDepartment(rt.deps.db.db, CAMPAIGN);
    expect(Object.fromEntries(counts.map((c) => [c.department, c.outstanding]))).toEqual({ 数学科学学院: 1, 物理学院: 1 });
  });
});
