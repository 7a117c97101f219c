// The demo roster on a real database (SQLite and PostgreSQL): imported through the normal import path,
// it shows every eligibility case (E1–E6, not in campaign), both sites (S4) and employed students (S3).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { validateNationalId } from '../domain/national-id.js';
import type { StudentRow } from '../repositories/student.repository.js';
import { demoCampaign, loadCampaign, readPublishedDemoCampaign } from './campaign.service.js';
import type { Actor } from './deps.js';
import { DEMO_ROSTER_HEADERS, generateDemoRoster, loadDemoRoster, toCsv } from './demo.service.js';
import { previewRosterImport } from './roster.service.js';

const EVERY_CASE = ['required:E1', 'required:E2', 'required:E3', 'excluded:E4', 'excluded:E5', 'excluded:E6', 'not-in-campaign:-'];

describe('generateDemoRoster', () => {
  const campaign = readPublishedDemoCampaign();

  it('is deterministic in N and seed', () => {
    expect(generateDemoRoster(campaign, 50)).toEqual(generateDemoRoster(campaign, 50));
    expect(generateDemoRoster(campaign, 50, 7)).not.toEqual(generateDemoRoster(campaign, 50));
  });

  it('writes one row per student, in the header order, with unique student numbers and valid ID numbers', () => {
    const rows = generateDemoRoster(campaign, 300);
    expect(rows).toHaveLength(300);
    for (const row of rows) expect(row).toHaveLength(DEMO_ROSTER_HEADERS.length);
    const col = (h: string) => DEMO_ROSTER_HEADERS.indexOf(h);
    expect(new Set(rows.map((r) => r[col('学号')])).size).toBe(300);
    for (const r of rows) expect(validateNationalId(r[col('身份证号')]!)).toMatchObject({ ok: true });
  });
});

describe.each(DIALECTS)('demo roster on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;

  beforeEach(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin');
  });
  afterEach(async () => {
    await rt.close();
  });

  const students = (): Promise<StudentRow[]> => rt.deps.db.db.selectFrom('students').selectAll().execute();
  const cases = (rows: StudentRow[]) => new Set(rows.map((s) => `${s.decision}:${s.rule ?? '-'}`));

  async function importDemo(campaign: CampaignDefinition, n: number) {
    // The same CSV, previewed: a valid file without a single error.
    const csv = Buffer.from(toCsv(DEMO_ROSTER_HEADERS, generateDemoRoster(campaign, n)), 'utf8');
    const preview = await previewRosterImport(rt.deps, admin, { buffer: csv }, 'demo.csv', 'zh');
    expect(preview.errors).toEqual([]);
    expect(preview).toMatchObject({ valid: true, errorCount: 0, unknownColumns: [] });
    return loadDemoRoster(rt.deps, admin, campaign, n);
  }

  it('300 students: every decision and rule (E1–E6, not in campaign), both sites (S4), employed students (S3)', async () => {
    const result = await importDemo(readPublishedDemoCampaign(), 300);
    expect(result).toMatchObject({ applied: true, summary: { rows: 300, added: 300 } });
    const rows = await students();
    expect(rows).toHaveLength(300);
    expect([...cases(rows)].sort()).toEqual([...EVERY_CASE].sort());
    expect(new Set(rows.map((s) => s.site))).toEqual(new Set(['beijing', 'shenzhen']));
    expect(rows.filter((s) => s.employed === 1).length).toBeGreaterThan(0);
    // Terms written as 2024年1月 arrive normalised.
    for (const s of rows) expect(s.expected_term).toMatch(/^\d{4}-\d{2}$/);
    // Most students simply graduate (E1).
    expect(rows.filter((s) => s.rule === 'E1').length).toBeGreaterThan(rows.length / 2);
    // Every national ID number is stored encrypted and masked.
    for (const s of rows) {
      expect(s.national_id_enc).toMatch(/^v1\./);
      expect(s.national_id_mask).toMatch(/^\d{2}\*{14}[\dX]{2}$/);
    }
  });

  it('10 students still cover every case and both sites', async () => {
    await importDemo(readPublishedDemoCampaign(), 10);
    const rows = await students();
    expect(rows).toHaveLength(10);
    expect([...cases(rows)].sort()).toEqual([...EVERY_CASE].sort());
    expect(new Set(rows.map((s) => s.site))).toEqual(new Set(['beijing', 'shenzhen']));
  });

  it('loading the same demo roster again changes nothing', async () => {
    const campaign = readPublishedDemoCampaign();
    await loadDemoRoster(rt.deps, admin, campaign, 30);
    expect(await loadDemoRoster(rt.deps, admin, campaign, 30)).toMatchObject({ applied: false, summary: { unchanged: 30 } });
  });

  it('fits the demo campaign moved forward (2026-11-28 → 2027 terms): still every case', async () => {
    const shifted = demoCampaign(new Date('2026-11-28T04:00:00Z'));
    await loadCampaign(rt.deps, admin, shifted);
    const result = await importDemo(shifted, 10);
    expect(result.applied).toBe(true);
    const rows = await students();
    expect(rows.every((s) => s.campaign_id === shifted.id)).toBe(true);
    expect([...cases(rows)].sort()).toEqual([...EVERY_CASE].sort());
  });
});
