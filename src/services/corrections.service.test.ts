// Invalid photos (E7) and corrections (issue 10 section 4) on both databases, on the campaign of
// test/support/corrections-dashboard.ts: the flagged photos (why in words, since when, whether confirmed, the
// registry status — never exported, or withdrawn in batch 2's withdrawn.csv), the voided confirmation (who,
// when, why, and the new confirmed photo once there is one), filters, the secretary's scope, the XLSX.
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppError } from '../../test/support/app-errors.js';
import { buildCorrectionsFixture, MATH, NO, PHYSICS, VOID_REASON, type CorrectionsFixture } from '../../test/support/corrections-dashboard.js';
import { seedConfirmedPhoto } from '../../test/support/registry-export.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { REGISTRY_VOID_REASON } from '../domain/registry-answer.js';
import { exportCorrections, listInvalidPhotos, listVoidedConfirmations } from './corrections.service.js';
import type { Actor } from './deps.js';
import { importRegistryAnswer } from './registry-answer.service.js';

describe.each(DIALECTS)('corrections on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let secretary: Actor;
  let mathSecretary: Actor;
  let operator: Actor;
  let fixture: CorrectionsFixture;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], `co-admin-${dialect}`);
    operator = await createActor(rt.deps, 'operator', [], `co-operator-${dialect}`);
    secretary = await createActor(rt.deps, 'secretary', [PHYSICS], `co-secretary-${dialect}`);
    mathSecretary = await createActor(rt.deps, 'secretary', [MATH], `co-math-${dialect}`);
    fixture = await buildCorrectionsFixture(rt.deps, rt.clock, admin, operator);
  }, 120_000);
  afterAll(async () => {
    if (fixture) fs.rmSync(fixture.outDir, { recursive: true, force: true });
    await rt?.close();
  });

  it('lists each E7 photo with the rule in words, since when, whether confirmed, and what the registry package did', async () => {
    const list = await listInvalidPhotos(rt.deps, admin, {}, 'zh');
    expect(list.total).toBe(2);
    const byNo = new Map(list.items.map((i) => [i.studentNo, i]));
    const e = byNo.get(NO.E)!;
    expect(e).toMatchObject({ photoId: fixture.photoOf[NO.E], name: '张小三', department: PHYSICS, reason: 'E4', since: '2023-11-01T03:30:00.000Z', wasConfirmed: true, confirmedAt: '2023-11-01T02:00:00.000Z', confirmationVoided: false });
    expect(e.reasonText).toContain('延期');
    // exported in batch 1 before it was flagged: batch 2's withdrawn.csv lists it
    expect(e.registry).toMatchObject({ kind: 'withdrawn', exportedIn: fixture.batch1, withdrawnIn: fixture.batch2 });
    expect(e.registry.text).toContain('withdrawn.csv');
    // confirmed after batch 1, flagged before batch 2: never exported
    expect(byNo.get(NO.F)!.registry).toEqual({ kind: 'never', exportedIn: null, withdrawnIn: null, text: '从未上传' });
    const en = await listInvalidPhotos(rt.deps, admin, { reason: 'E4' }, 'en');
    expect(en.total).toBe(2);
    expect(en.items[0]!.reasonText).toMatch(/^E4: deferred/);
    expect(en.items.find((i) => i.studentNo === NO.F)!.registry.text).toBe('Never exported');
    expect((await listInvalidPhotos(rt.deps, admin, { reason: 'E6' }, 'zh')).total).toBe(0);
    expect((await listInvalidPhotos(rt.deps, admin, { department: MATH }, 'zh')).total).toBe(0);
  });

  it('lists the voided confirmation: who, when, why, withdrawn from the registry, and the new photo once confirmed', async () => {
    const list = await listVoidedConfirmations(rt.deps, admin, {}, 'zh');
    expect(list.total).toBe(1);
    const d = list.items[0]!;
    expect(d).toMatchObject({ studentNo: NO.D, name: '欧阳娜娜', photoId: fixture.photoOf[NO.D], confirmedAt: '2023-11-01T02:00:00.000Z', voidedAt: '2023-11-01T03:00:00.000Z', voidedBy: `co-admin-${dialect}`, reason: VOID_REASON, kind: 'manual', newConfirmedAt: null });
    expect(d.registry).toMatchObject({ kind: 'withdrawn', exportedIn: fixture.batch1, withdrawnIn: fixture.batch2 });
    expect((await listVoidedConfirmations(rt.deps, admin, { kind: 'registry' }, 'zh')).total).toBe(0);
    expect((await listVoidedConfirmations(rt.deps, admin, { open: 'true' }, 'zh')).total).toBe(1);
    // D is photographed again and confirms: the list says since when; no longer open
    rt.clock.set('2023-11-01T07:30:00.000Z');
    await seedConfirmedPhoto(rt.deps, NO.D, 9);
    const after = await listVoidedConfirmations(rt.deps, admin, {}, 'zh');
    expect(after.items[0]!.newConfirmedAt).toBe('2023-11-01T07:30:00.000Z');
    expect((await listVoidedConfirmations(rt.deps, admin, { open: 'true' }, 'zh')).total).toBe(0);
    expect((await listVoidedConfirmations(rt.deps, admin, { open: 'false' }, 'zh')).total).toBe(1);
  });

  it('a voided confirmation the registry’s 有误 answer made (the answer import of the registry slice) is of kind registry', async () => {
    rt.clock.set('2023-11-01T08:00:00.000Z');
    await importRegistryAnswer(rt.deps, admin, { buffer: Buffer.from(`学号,状态\n${NO.C},有误\n`), fileName: 'answer.csv' }, 'zh');
    const registry = await listVoidedConfirmations(rt.deps, admin, { kind: 'registry' }, 'en');
    expect(registry.items.map((i) => [i.studentNo, i.kind, i.voidedAt, i.voidedBy, i.reason])).toEqual([[NO.C, 'registry', '2023-11-01T08:00:00.000Z', `co-admin-${dialect}`, REGISTRY_VOID_REASON]]);
    // exported in batch 1, not yet withdrawn: the next batch will list it
    expect(registry.items[0]!.registry).toMatchObject({ kind: 'to-withdraw', exportedIn: fixture.batch1, withdrawnIn: null });
    expect(registry.items[0]!.registry.text).toContain('next batch');
    expect((await listVoidedConfirmations(rt.deps, admin, { kind: 'manual' }, 'zh')).items.map((i) => i.studentNo)).toEqual([NO.D]);
  });

  it('a secretary sees their departments only; the agency’s roles none; an unknown department is named', async () => {
    expect((await listInvalidPhotos(rt.deps, secretary, {}, 'zh')).total).toBe(2);
    expect((await listInvalidPhotos(rt.deps, mathSecretary, {}, 'zh')).total).toBe(0);
    expect((await listVoidedConfirmations(rt.deps, mathSecretary, {}, 'zh')).total).toBe(0);
    await expectAppError(listInvalidPhotos(rt.deps, mathSecretary, { department: PHYSICS }, 'zh'), 'FORBIDDEN');
    await expectAppError(listVoidedConfirmations(rt.deps, operator, {}, 'zh'), 'FORBIDDEN');
    await expectAppError(listInvalidPhotos(rt.deps, admin, { department: '不存在学院' }, 'zh'), 'DEPARTMENT_UNKNOWN');
  });

  it('exports both lists as XLSX, bilingual headers, Chinese texts, no ID number; audited with counts', async () => {
    const file = await exportCorrections(rt.deps, admin, { list: 'both' });
    expect(file.fileName).toMatch(/^corrections-\d{4}-\d\d-\d\d\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['无效照片 Invalid photos (E7)', '撤销确认 Voided confirmations']);
    const rows = (i: number) => {
      const out: string[][] = [];
      wb.worksheets[i]!.eachRow((row) => out.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))));
      return out;
    };
    const invalid = rows(0);
    expect(invalid[0]![0]).toBe('学号 Student no.');
    const e = invalid.find((r) => r[0] === NO.E)!;
    expect(e.slice(0, 4)).toEqual([NO.E, '张小三', PHYSICS, 'E4']);
    expect(e[5]).toBe('2023-11-01 11:30'); // campaign time
    expect(e[6]).toBe('是 Yes');
    expect(e[8]).toContain(fixture.batch2);
    const voided = rows(1);
    const d = voided.find((r) => r[0] === NO.D)!;
    expect(d.slice(3, 8)).toEqual(['2023-11-01 10:00', '2023-11-01 11:00', `co-admin-${dialect}`, '管理员 Admin', VOID_REASON]);
    expect(d[8]).toBe('2023-11-01 15:30');
    expect(voided.find((r) => r[0] === NO.C)!.slice(5, 7)).toEqual([`co-admin-${dialect}`, '学信网有误 Registry']);
    const only = new ExcelJS.Workbook();
    await only.xlsx.load((await exportCorrections(rt.deps, secretary, { list: 'invalid' })).body as unknown as ArrayBuffer);
    expect(only.worksheets.map((w) => w.name)).toEqual(['无效照片 Invalid photos (E7)']);
    const events = await rt.deps.db.db.selectFrom('audit_events').select(['details']).where('action', '=', 'corrections.exported').orderBy('seq').execute();
    expect(events.map((e) => JSON.parse(e.details) as unknown)).toEqual([
      { list: 'both', invalid: 2, voided: 2 },
      { list: 'invalid', invalid: 2, voided: 0 },
    ]);
  });
});
