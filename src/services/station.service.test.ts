// Capture stations on a real database (SQLite and PostgreSQL): naming and clearing the student photographed
// at a station, masking for the agency's roles, permissions, and exactly one audit event per change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { AppError } from '../domain/errors.js';
import type { Actor } from './deps.js';
import { applyRosterImport } from './roster.service.js';
import { clearStationStudent, getStation, setStationStudent } from './station.service.js';

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe.each(DIALECTS)('stations on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let operator: Actor;
  let secretary: Actor;
  let student: Actor;
  let cashier: Actor;

  const events = async (action: string) =>
    rt.deps.db.db.selectFrom('audit_events').select(['target_id', 'details']).where('action', '=', action).orderBy('seq').execute();

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin');
    operator = await createActor(rt.deps, 'operator');
    secretary = await createActor(rt.deps, 'secretary', ['物理学院']);
    student = await createActor(rt.deps, 'student', [], '2401000001');
    cashier = await createActor(rt.deps, 'cashier');
    const rows = [
      rosterRow('2401000001', { 姓名: '张小三' }),
      rosterRow('2401000002', { 姓名: '欧阳明月', 院系: '数学科学学院' }),
      rosterRow('2401000003', { 证书类型: '单证' }), // E6: not to be photographed
      rosterRow('2401000004', { 确定延期至: '2025-01' }), // E4: deferred beyond the campaign
    ];
    const result = await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
    expect(result.applied).toBe(true);
  });
  afterAll(async () => {
    await rt.close();
  });

  it('a station never used reads as empty', async () => {
    expect(await getStation(rt.deps, operator, 'beijing-1')).toEqual({ id: 'beijing-1', currentStudent: null, updatedAt: null });
  });

  it('an operator names a student: masked name, department and decision; one audit event', async () => {
    const before = (await events('station.student_set')).length;
    const station = await setStationStudent(rt.deps, operator, 'beijing-1', { studentNo: ' 2401000002 ' });
    expect(station.currentStudent).toMatchObject({ studentNo: '2401000002', name: '欧**月', nameMasked: true, department: '数学科学学院', decision: 'required' });
    expect(station.updatedAt).toBe(rt.clock.now().toISOString());
    expect(await getStation(rt.deps, operator, 'beijing-1')).toEqual(station);
    const after = await events('station.student_set');
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)!.target_id).toBe('beijing-1');
    expect(JSON.parse(after.at(-1)!.details)).toEqual({ studentId: station.currentStudent!.studentId, previousStudentId: null });
    // the admin sees the full name
    expect((await getStation(rt.deps, admin, 'beijing-1')).currentStudent).toMatchObject({ name: '欧阳明月', nameMasked: false });
  });

  it('naming the same student again changes nothing and writes no event', async () => {
    await setStationStudent(rt.deps, operator, 'beijing-2', { studentNo: '2401000001' });
    const before = (await events('station.student_set')).length;
    const again = await setStationStudent(rt.deps, operator, 'beijing-2', { studentNo: '2401000001' });
    expect(again.currentStudent?.studentNo).toBe('2401000001');
    expect(await events('station.student_set')).toHaveLength(before);
  });

  it('the next student replaces the previous one (recorded as the previous one)', async () => {
    const first = await setStationStudent(rt.deps, operator, 'beijing-3', { studentNo: '2401000001' });
    const second = await setStationStudent(rt.deps, admin, 'beijing-3', { studentNo: '2401000002' });
    expect(second.currentStudent?.studentNo).toBe('2401000002');
    const last = (await events('station.student_set')).at(-1)!;
    expect(JSON.parse(last.details)).toEqual({ studentId: second.currentStudent!.studentId, previousStudentId: first.currentStudent!.studentId });
  });

  it('a student who must not be photographed is not named: STUDENT_NOT_ELIGIBLE naming the rule (E4, E6); the station keeps its student, no event', async () => {
    await setStationStudent(rt.deps, operator, 'shenzhen-1', { studentNo: '2401000001' });
    const before = (await events('station.student_set')).length;
    for (const [studentNo, rule] of [
      ['2401000003', 'E6'],
      ['2401000004', 'E4'],
    ] as const) {
      const e = await refusal(setStationStudent(rt.deps, operator, 'shenzhen-1', { studentNo }));
      expect(e.code).toBe('STUDENT_NOT_ELIGIBLE');
      expect(e.params).toEqual({ rule });
      expect(e.details).toEqual({ studentNo, decision: 'excluded', rule });
      // the admin is refused too: nobody can point the camera's files at them
      expect((await refusal(setStationStudent(rt.deps, admin, 'shenzhen-2', { studentNo }))).code).toBe('STUDENT_NOT_ELIGIBLE');
    }
    expect((await getStation(rt.deps, operator, 'shenzhen-1')).currentStudent?.studentNo).toBe('2401000001');
    expect((await getStation(rt.deps, operator, 'shenzhen-2')).currentStudent).toBeNull();
    expect(await events('station.student_set')).toHaveLength(before);
  });

  it('clearing empties the station with one event; clearing an empty station writes none', async () => {
    await setStationStudent(rt.deps, operator, 'beijing-4', { studentNo: '2401000001' });
    const before = (await events('station.student_cleared')).length;
    const cleared = await clearStationStudent(rt.deps, operator, 'beijing-4');
    expect(cleared.currentStudent).toBeNull();
    expect(await events('station.student_cleared')).toHaveLength(before + 1);
    await clearStationStudent(rt.deps, operator, 'beijing-4');
    await clearStationStudent(rt.deps, operator, 'never-used');
    expect(await events('station.student_cleared')).toHaveLength(before + 1);
  });

  it('refuses an unknown student number (STUDENT_NOT_FOUND) and leaves the station as it was', async () => {
    await setStationStudent(rt.deps, operator, 'beijing-5', { studentNo: '2401000001' });
    expect((await refusal(setStationStudent(rt.deps, operator, 'beijing-5', { studentNo: '2499999999' }))).code).toBe('STUDENT_NOT_FOUND');
    expect((await refusal(setStationStudent(rt.deps, operator, 'beijing-5', { studentNo: '   ' }))).code).toBe('VALIDATION_FAILED');
    expect((await getStation(rt.deps, operator, 'beijing-5')).currentStudent?.studentNo).toBe('2401000001');
  });

  it.each(['Beijing-1', 'beijing_1', '', 'a'.repeat(33), '../etc', 'bj 1'])('refuses the station id %j (VALIDATION_FAILED)', async (id) => {
    expect((await refusal(getStation(rt.deps, operator, id))).code).toBe('VALIDATION_FAILED');
    expect((await refusal(setStationStudent(rt.deps, operator, id, { studentNo: '2401000001' }))).code).toBe('VALIDATION_FAILED');
    expect((await refusal(clearStationStudent(rt.deps, operator, id))).code).toBe('VALIDATION_FAILED');
  });

  it('only operators and admins name students; students, secretaries and cashiers cannot read stations', async () => {
    for (const who of [secretary, student, cashier]) {
      expect((await refusal(setStationStudent(rt.deps, who, 'beijing-1', { studentNo: '2401000001' }))).code).toBe('FORBIDDEN');
      expect((await refusal(clearStationStudent(rt.deps, who, 'beijing-1'))).code).toBe('FORBIDDEN');
      expect((await refusal(getStation(rt.deps, who, 'beijing-1'))).code).toBe('FORBIDDEN');
    }
    expect((await refusal(getStation(rt.deps, { principal: null, ip: null }, 'beijing-1'))).code).toBe('UNAUTHENTICATED');
  });
});
