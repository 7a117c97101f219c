// The dashboards (issue 10 section 6) on both databases: each figure counted right on a small campaign built
// through the services (test/support/corrections-dashboard.ts) — per department and per day, required, booked,
// photographed, confirmed, exported, printed, handed over; payments per day; make-ups outstanding — with a voided
// confirmation, an E7 photo and exported photos in it; the secretary's scope; the XLSX.
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppError } from '../../test/support/app-errors.js';
import { buildCorrectionsFixture, MATH, PHYSICS, type CorrectionsFixture } from '../../test/support/corrections-dashboard.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { exportDashboard, getDashboard } from './dashboard.service.js';
import type { Actor } from './deps.js';
import { countOutstandingMakeUpsPerDepartment } from './makeup.service.js';

const counts = (required: number, booked: number, photographed: number, confirmed: number, exported: number, printed: number, handedOver: number) => ({ required, booked, photographed, confirmed, exported, printed, handedOver });

describe.each(DIALECTS)('dashboard on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let secretary: Actor;
  let operator: Actor;
  let fixture: CorrectionsFixture;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], `db-admin-${dialect}`);
    operator = await createActor(rt.deps, 'operator', [], `db-operator-${dialect}`);
    secretary = await createActor(rt.deps, 'secretary', [PHYSICS], `db-secretary-${dialect}`);
    fixture = await buildCorrectionsFixture(rt.deps, rt.clock, admin, operator);
  }, 120_000);
  afterAll(async () => {
    if (fixture) fs.rmSync(fixture.outDir, { recursive: true, force: true });
    await rt?.close();
  });

  it('counts each figure per department, per day and in all (E and F are deferred: no longer required)', async () => {
    const d = await getDashboard(rt.deps, admin, {});
    expect(d.asOf).toBe('2023-11-01');
    // required A B C D G; booked B C D G; photographed C D G (D's shot stays); confirmed C G; exported C; printed and handed over C
    expect(d.totals).toEqual(counts(5, 4, 3, 2, 1, 1, 1));
    const dep = (name: string) => d.departments.find((r) => r.department === name)!;
    expect(dep(PHYSICS).counts).toEqual(counts(4, 3, 2, 1, 1, 1, 1));
    expect(dep(PHYSICS).day).toBe('2023-11-01');
    expect(dep(MATH).counts).toEqual(counts(1, 1, 1, 1, 0, 0, 0));
    // departments of the campaign's table with nobody required are listed with zeros
    expect(d.departments.filter((r) => r.counts.required === 0).length).toBeGreaterThan(0);
    expect(d.days).toEqual([
      { date: '2023-11-01', counts: counts(3, 3, 3, 2, 1, 1, 1) },
      { date: '2023-11-02', counts: counts(1, 1, 0, 0, 0, 0, 0) },
      { date: null, counts: counts(1, 0, 0, 0, 0, 0, 0) },
    ]);
  });

  it('counts payments per day and make-ups outstanding (A, B, D: no valid confirmed photo)', async () => {
    const d = await getDashboard(rt.deps, admin, {});
    expect(d.payments).toEqual({
      days: [{ date: '2023-11-01', count: 2, amountFen: 4000, duplicates: 0, duplicateAmountFen: 0 }],
      totals: { count: 2, amountFen: 4000, duplicates: 0, duplicateAmountFen: 0 },
    });
    expect(d.makeups).toEqual({ outstanding: 3, campaignOver: false });
    expect(d.departments.find((r) => r.department === PHYSICS)!.makeupsOutstanding).toBe(3);
    expect(d.departments.find((r) => r.department === MATH)!.makeupsOutstanding).toBe(0);
    expect(d.available).toEqual({ prints: true, makeups: true });
    // the same count as the make-up slice's own function (S6), department by department
    const theirs = await countOutstandingMakeUpsPerDepartment(rt.deps, (await rt.deps.db.db.selectFrom('campaigns').select('id').where('active', '=', 1).executeTakeFirstOrThrow()).id);
    expect(Object.fromEntries(d.departments.filter((r) => r.makeupsOutstanding).map((r) => [r.department, r.makeupsOutstanding]))).toEqual(Object.fromEntries(theirs.map((r) => [r.department, r.outstanding])));
    // once the campaign's last day has passed, the same students are make-ups outstanding
    rt.clock.set('2023-11-20T02:00:00.000Z');
    try {
      expect((await getDashboard(rt.deps, admin, {})).makeups).toEqual({ outstanding: 3, campaignOver: true });
    } finally {
      rt.clock.set('2023-11-01T07:00:00.000Z');
    }
  });

  it('a secretary sees their departments only, no payments; another department is refused and audited', async () => {
    const d = await getDashboard(rt.deps, secretary, {});
    expect(d.departments.map((r) => r.department)).toEqual([PHYSICS]);
    expect(d.totals).toEqual(counts(4, 3, 2, 1, 1, 1, 1));
    expect(d.payments).toBeNull();
    expect(d.makeups!.outstanding).toBe(3);
    await expectAppError(getDashboard(rt.deps, secretary, { department: MATH }), 'FORBIDDEN');
    const denied = await rt.deps.db.db.selectFrom('audit_events').select(['target_id']).where('action', '=', 'student.access_denied').execute();
    expect(denied.map((e) => e.target_id)).toContain(MATH);
    await expectAppError(getDashboard(rt.deps, admin, { department: '不存在学院' }), 'DEPARTMENT_UNKNOWN');
    await expectAppError(getDashboard(rt.deps, operator, {}), 'FORBIDDEN');
    // one department asked for by the admin
    expect((await getDashboard(rt.deps, admin, { department: MATH })).totals).toEqual(counts(1, 1, 1, 1, 0, 0, 0));
  });

  it('exports every table as XLSX, counts only, audited', async () => {
    const file = await exportDashboard(rt.deps, admin, {});
    expect(file.fileName).toBe('dashboard-2023-11-01.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['按院系 By department', '按日期 By day', '收款 Payments']);
    const rows = (name: string) => {
      const out: string[][] = [];
      wb.getWorksheet(name)!.eachRow((row) => out.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))));
      return out;
    };
    const byDep = rows('按院系 By department');
    expect(byDep[0]).toEqual(['院系 Department', '校区 Site', '采集日 Day', '须采集 Required', '已预约 Booked', '已拍摄 Photographed', '已确认 Confirmed', '已上传学信网 Exported', '已冲印 Printed', '已发放 Handed over', '待补采 Make-ups outstanding']);
    expect(byDep.find((r) => r[0] === PHYSICS)!.slice(3)).toEqual(['4', '3', '2', '1', '1', '1', '1', '3']);
    expect(byDep.at(-1)!.slice(3)).toEqual(['5', '4', '3', '2', '1', '1', '1', '3']);
    expect(rows('按日期 By day').slice(1)).toEqual([
      ['2023-11-01', '3', '3', '3', '2', '1', '1', '1'],
      ['2023-11-02', '1', '1', '', '', '', '', ''].map((v) => (v === '' ? '0' : v)),
      ['无预约或签到日期 No booked or check-in day', '1', '0', '0', '0', '0', '0', '0'],
      ['合计 Total', '5', '4', '3', '2', '1', '1', '1'],
    ]);
    expect(rows('收款 Payments').slice(1)).toEqual([
      ['2023-11-01', '2', '40.00', '0', '0.00'],
      ['合计 Total', '2', '40.00', '0', '0.00'],
    ]);
    const text = JSON.stringify([byDep, rows('按日期 By day')]);
    expect(text).not.toContain('张小三');
    expect(text).not.toContain('2603000003');
    const events = await rt.deps.db.db.selectFrom('audit_events').select(['action', 'details']).where('action', '=', 'dashboard.exported').execute();
    expect(events).toHaveLength(1);
    // the secretary's file has no payments sheet
    const mine = new ExcelJS.Workbook();
    await mine.xlsx.load((await exportDashboard(rt.deps, secretary, {})).body as unknown as ArrayBuffer);
    expect(mine.worksheets.map((w) => w.name)).toEqual(['按院系 By department', '按日期 By day']);
  });
});
