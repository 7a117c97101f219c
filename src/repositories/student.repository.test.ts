// Student queries on a real database (SQLite and PostgreSQL): batched writes past one batch, scope
// filters, search with LIKE wildcards taken literally, and counts that leave removed students out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import type { NewStudentRow } from './student.repository.js';
import {
  countStudentsByDepartmentAndDecision,
  findStudentById,
  insertStudents,
  INSERT_BATCH,
  iterateStudents,
  listCampaignStudentRows,
  listStudents,
  markStudentsRemoved,
} from './student.repository.js';

const CAMPAIGN = '2024-graduates';
const NOW = '2023-10-20T02:00:00.000Z';

function student(no: number | string, over: Partial<NewStudentRow> = {}): NewStudentRow {
  return {
    id: `id-${no}`,
    campaign_id: CAMPAIGN,
    student_no: String(no),
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

describe.each(DIALECTS)('student repository on %s', (dialect) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await createTestRuntime(dialect);
  });
  afterEach(async () => {
    await rt.close();
  });
  const db = () => rt.deps.db.db;

  it('inserts and removes more rows than one batch holds, in one transaction', async () => {
    const n = INSERT_BATCH * 2 + 17;
    const rows = Array.from({ length: n }, (_, i) => student(100000 + i));
    await db().transaction().execute((tx) => insertStudents(tx, rows));
    expect(await listCampaignStudentRows(db(), CAMPAIGN)).toHaveLength(n);
    const later = '2023-10-21T00:00:00.000Z';
    await db().transaction().execute((tx) => markStudentsRemoved(tx, rows.slice(0, INSERT_BATCH + 3).map((r) => r.id), later));
    const { total } = await listStudents(db(), { campaignId: CAMPAIGN }, 1, 10);
    expect(total).toBe(n - INSERT_BATCH - 3);
    // Removed rows stay (a re-import can bring them back) but are not found by id.
    expect(await listCampaignStudentRows(db(), CAMPAIGN)).toHaveLength(n);
    expect(await findStudentById(db(), rows[0]!.id)).toBeUndefined();
    expect(await findStudentById(db(), rows[n - 1]!.id)).toMatchObject({ student_no: String(100000 + n - 1) });
  });

  it('a failing batch rolls back the batches before it (unique student number per campaign)', async () => {
    const rows = Array.from({ length: INSERT_BATCH + 1 }, (_, i) => student(i));
    rows.push(student(5, { id: 'other-id' }));
    await expect(db().transaction().execute((tx) => insertStudents(tx, rows))).rejects.toThrow();
    expect(await listCampaignStudentRows(db(), CAMPAIGN)).toEqual([]);
  });

  it('search takes % and _ literally and matches student numbers and names', async () => {
    await db().transaction().execute((tx) =>
      insertStudents(tx, [
        student(1, { name: '100%_done' }),
        student(2, { name: '100xxdone' }),
        student(3, { name: "O'Brien" }),
        student(2101110004, { name: '李四' }),
      ]),
    );
    const search = async (q: string) => (await listStudents(db(), { campaignId: CAMPAIGN, q }, 1, 50)).rows.map((r) => r.student_no);
    expect(await search('100%_')).toEqual(['1']);
    expect(await search('%')).toEqual(['1']);
    expect(await search('_')).toEqual(['1']);
    expect(await search("O'Bri")).toEqual(['3']);
    expect(await search('011100')).toEqual(['2101110004']);
    expect(await search('李')).toEqual(['2101110004']);
    expect(await search('\\')).toEqual([]);
  });

  it('scopes: an empty department list sees nothing; filters combine; pages are stable', async () => {
    await db().transaction().execute((tx) =>
      insertStudents(tx, [
        student(1, { department: '物理学院' }),
        student(2, { department: '法学院', decision: 'excluded', rule: 'E6' }),
        student(3, { department: '深圳研究生院', site: 'shenzhen' }),
        student(4, { department: '法学院' }),
      ]),
    );
    const list = async (f: Parameters<typeof listStudents>[1], page = 1, size = 50) => (await listStudents(db(), f, page, size)).rows.map((r) => r.student_no);
    expect(await list({ campaignId: CAMPAIGN, departments: [] })).toEqual([]);
    expect(await list({ campaignId: CAMPAIGN, departments: ['法学院'] })).toEqual(['2', '4']);
    expect(await list({ campaignId: CAMPAIGN, departments: ['法学院'], decision: 'required' })).toEqual(['4']);
    expect(await list({ campaignId: CAMPAIGN, site: 'shenzhen' })).toEqual(['3']);
    expect(await list({ campaignId: CAMPAIGN, studentNo: '3' })).toEqual(['3']);
    expect(await list({ campaignId: CAMPAIGN, rule: 'E6' })).toEqual(['2']);
    // Ordered by department, then student number; pages do not overlap.
    const all = await list({ campaignId: CAMPAIGN });
    const paged = [...(await list({ campaignId: CAMPAIGN }, 1, 3)), ...(await list({ campaignId: CAMPAIGN }, 2, 3))];
    expect(paged).toEqual(all);
    const iterated: string[] = [];
    for await (const r of iterateStudents(db(), { campaignId: CAMPAIGN }, 3)) iterated.push(r.student_no);
    expect(iterated).toEqual(all);
  });

  it('counts by department and decision leave removed students out', async () => {
    await db().transaction().execute((tx) =>
      insertStudents(tx, [
        student(1),
        student(2),
        student(3, { decision: 'not-in-campaign', rule: null }),
        student(4, { removed_at: NOW }),
        student(5, { department: '法学院', decision: 'excluded', rule: 'E4' }),
      ]),
    );
    const counts = await countStudentsByDepartmentAndDecision(db(), CAMPAIGN);
    const key = (c: { department: string; decision: string; rule: string | null }) => `${c.department}/${c.decision}/${c.rule}`;
    expect(Object.fromEntries(counts.map((c) => [key(c), c.n]))).toEqual({
      '物理学院/required/E1': 2,
      '物理学院/not-in-campaign/null': 1,
      '法学院/excluded/E4': 1,
    });
    expect(await countStudentsByDepartmentAndDecision(db(), CAMPAIGN, [])).toEqual([]);
    expect((await countStudentsByDepartmentAndDecision(db(), CAMPAIGN, ['法学院'])).map((c) => c.n)).toEqual([1]);
  });
});
