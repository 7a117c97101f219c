// The capacity planner on a real database (SQLite and PostgreSQL), from an imported roster.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { AppError } from '../domain/errors.js';
import type { Actor } from './deps.js';
import { proposeCampaignPlan } from './planner.service.js';
import { applyRosterImport } from './roster.service.js';

function many(prefix: string, n: number, overrides: RosterRow): RosterRow[] {
  return Array.from({ length: n }, (_, i) => rosterRow(`${prefix}${String(i).padStart(4, '0')}`, overrides));
}

describe.each(DIALECTS)('capacity planner on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;

  beforeEach(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin');
    const rows = [
      ...many('1', 900, { 院系: '数学科学学院' }), // 2023-11-01
      ...many('2', 700, { 院系: '物理学院' }), // 2023-11-01: that day is the busiest today
      ...many('3', 100, { 院系: '工学院' }), // 2023-11-02
      ...many('4', 300, { 院系: '法学院' }), // 2023-11-04, weekend: stays there (S3)
      ...many('5', 40, { 院系: '深圳研究生院', 学习地点: '深圳' }), // Shenzhen site (S4): not planned here
      ...many('6', 5, { 院系: '深圳研究生院', 学习地点: '北京' }),
      ...many('7', 50, { 院系: '物理学院', 预计毕业时间: '2025-07' }), // not required
    ];
    const result = await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
    expect(result.applied).toBe(true);
  });
  afterEach(async () => {
    await rt.close();
  });

  const required = (table: { departments: { name: string; required: number }[] }[], name: string) =>
    table.flatMap((d) => d.departments).find((d) => d.name === name)?.required;

  it('counts required Beijing students per department and beats today’s table', async () => {
    const plan = await proposeCampaignPlan(rt.deps, admin);
    expect(plan).toMatchObject({ site: 'beijing', stations: 2, minutesPerStudent: 1 });
    expect(required(plan.current.table, '数学科学学院')).toBe(900);
    expect(required(plan.current.table, '物理学院')).toBe(700);
    expect(required(plan.current.table, '深圳研究生院')).toBe(5);
    expect(required(plan.proposal, '法学院')).toBe(300);
    // today: 1,600 students on 11-01 for 840 seats
    expect(plan.current.busiest).toMatchObject({ date: '2023-11-01' });
    expect(plan.current.busiest!.ratio).toBeGreaterThan(1.8);
    // proposal: the two big departments on different weekdays
    const dayOf = (name: string) => plan.proposal.find((d) => d.departments.some((x) => x.name === name))!.date;
    expect(dayOf('数学科学学院')).not.toBe(dayOf('物理学院'));
    expect(plan.busiest!.ratio).toBeLessThan(plan.current.busiest!.ratio);
    expect(plan.improvement).toBeCloseTo(plan.current.busiest!.ratio - plan.busiest!.ratio, 9);
    // S3: weekend departments keep their day; no other department is moved onto the weekend
    for (const day of plan.proposal.filter((d) => d.weekend)) {
      const today = plan.current.table.find((d) => d.date === day.date)!;
      expect(day.departments.map((d) => d.name).sort()).toEqual(today.departments.map((d) => d.name).sort());
      expect(day.departments.every((d) => d.pinned)).toBe(true);
    }
    // every department of the notice appears exactly once
    const names = plan.proposal.flatMap((d) => d.departments.map((x) => x.name));
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(plan.current.table.flatMap((d) => d.departments).length);
    expect(plan.moves.every((m) => plan.proposal.find((d) => d.date === m.to)!.weekend === false)).toBe(true);
  });

  it('uses the stations and minutes asked for, and honours pins', async () => {
    const plan = await proposeCampaignPlan(rt.deps, admin, { stations: 4, minutesPerStudent: 2, pinned: { 数学科学学院: '2023-11-03' } });
    const day = plan.proposal.find((d) => d.date === '2023-11-03')!;
    expect(day.windows.map((w) => w.capacity)).toEqual([300, 540]); // 4 × 150 ÷ 2, 4 × 270 ÷ 2
    expect(day.departments.find((d) => d.name === '数学科学学院')).toMatchObject({ pinned: true });
    await expect(proposeCampaignPlan(rt.deps, admin, { pinned: { 不存在的学院: '2023-11-01' } })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('is for staff who see the campaign overview, not students', async () => {
    const secretary = await createActor(rt.deps, 'secretary', ['物理学院']);
    await expect(proposeCampaignPlan(rt.deps, secretary)).resolves.toMatchObject({ site: 'beijing' });
    const student = await createActor(rt.deps, 'student');
    await expect(proposeCampaignPlan(rt.deps, student)).rejects.toBeInstanceOf(AppError);
    await expect(proposeCampaignPlan(rt.deps, student)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
