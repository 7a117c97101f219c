// Progress everywhere (issue 9) on a real database, once per dialect: a small cohort with one student in each
// state (not booked, booked, a no-show, checked in, photographed, confirmed), one who paid and one excluded;
// the state and filters of listStudents, the counts of getProgress (and the secretary's scope), and
// remindStudents queuing the right mails once against a real SMTP server process (test/support/smtp-sink.ts).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectAppError } from '../../test/support/app-errors.js';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { createSinkMailer, startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.js';
import type { StudentListItem } from '../contracts/student.js';
import { createBooking } from './booking.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { SYSTEM } from './deps.js';
import { deliverDueJobs } from './job-runner.js';
import { recordPayment, updatePaymentSettings } from './payment.service.js';
import { confirmPhoto, uploadPhoto } from './photo.service.js';
import { getProgress, remindStudents } from './progress.service.js';
import { checkIn } from './queue.service.js';
import { applyRosterImport } from './roster.service.js';
import { listSessions } from './session.service.js';
import { exportStudentsXlsx, getStudent, listStudents } from './student.service.js';

// Each upload runs the whole photo pipeline on a 12 MP photo.
vi.setConfig({ testTimeout: 60_000 });

const PORTRAIT = path.resolve('test/fixtures/photos/id-blue-12mp.jpg');
function shot(jpeg: Buffer, label: string): Buffer {
  const text = Buffer.from(`gradphoto progress shot ${label}`, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, jpeg.subarray(2)]);
}

// 物理学院's day is Wednesday 2023-11-01 (the notice's table); the clock reads that afternoon at 14:00.
const NO = {
  notBooked: '2601000001',
  booked: '2601000002', // booked Thursday 11-02: not over yet
  noShow: '2601000003', // booked 11-01 09:30–12:00, never came
  checkedIn: '2601000004',
  photographed: '2601000005',
  confirmed: '2601000006',
  paid: '2601000007', // paid, not booked
  excluded: '2601000008', // 单证 (E6)
  noMail: '2601000009', // not booked, no address on the roster
  math: '2601000010', // 数学科学学院, not booked
} as const;
const MAIL = (no: string) => `s${no}@example.edu.cn`;
const PHYSICS = '物理学院';
const MATH = '数学科学学院';
const ROSTER: RosterRow[] = [
  rosterRow(NO.notBooked, { 姓名: '甲同学', 邮箱: MAIL(NO.notBooked) }),
  rosterRow(NO.booked, { 邮箱: MAIL(NO.booked) }),
  rosterRow(NO.noShow, { 姓名: '乙同学', 邮箱: MAIL(NO.noShow) }),
  rosterRow(NO.checkedIn, { 邮箱: MAIL(NO.checkedIn) }),
  rosterRow(NO.photographed, { 邮箱: MAIL(NO.photographed) }),
  rosterRow(NO.confirmed, { 邮箱: MAIL(NO.confirmed) }),
  rosterRow(NO.paid, { 姓名: '丙同学', 邮箱: MAIL(NO.paid) }),
  rosterRow(NO.excluded, { 证书类型: '单证', 邮箱: MAIL(NO.excluded) }),
  rosterRow(NO.noMail),
  rosterRow(NO.math, { 院系: MATH, 邮箱: MAIL(NO.math) }),
];
const AFTERNOON = '2023-11-01T06:00:00.000Z'; // 14:00 in Beijing

describe.each(DIALECTS)('progress on %s', (dialect) => {
  let rt: TestRuntime;
  let deps: ServiceDeps;
  let sink: SmtpSink;
  let admin: Actor;
  let operator: Actor;
  let secretary: Actor;
  const db = () => rt.deps.db.db;
  const listAll = async (actor: Actor, query: Record<string, string> = {}) => (await listStudents(deps, actor, { page: 1, pageSize: 500, ...query } as never)).items;
  const numbers = (items: StudentListItem[]) => items.map((s) => s.studentNo).sort();
  const eventsOf = (action: string) => db().selectFrom('audit_events').select(['action', 'result', 'target_type', 'target_id', 'details']).where('action', '=', action).orderBy('seq').execute();

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    sink = await startSmtpSink();
    deps = { ...rt.deps, mailer: createSinkMailer(sink) };
    admin = await createActor(rt.deps, 'admin', [], `pg-admin-${dialect}`);
    operator = await createActor(rt.deps, 'operator', [], `pg-operator-${dialect}`);
    secretary = await createActor(rt.deps, 'secretary', [PHYSICS], `pg-secretary-${dialect}`);
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
    for (const site of ['beijing', 'shenzhen']) await updatePaymentSettings(rt.deps, SYSTEM, site, { paymentBeforeQueue: false });

    // a week before: bookings
    const sessions = (await listSessions(rt.deps, admin, {})).items;
    const slot = (date: string, start: string) => sessions.find((s) => s.site === 'beijing' && s.date === date && s.start === start)!.id;
    await createBooking(rt.deps, admin, { sessionId: slot('2023-11-02', '09:30'), studentNo: NO.booked });
    await createBooking(rt.deps, admin, { sessionId: slot('2023-11-01', '09:30'), studentNo: NO.noShow });
    await createBooking(rt.deps, admin, { sessionId: slot('2023-11-01', '09:30'), studentNo: NO.confirmed });
    await recordPayment(rt.deps, admin, { studentNo: NO.paid, method: 'wechat', transactionId: '4200001901202311010000000777', amountFen: 2000 });

    // the day: check-ins at 09:00, shots, one confirmation
    rt.clock.set('2023-11-01T01:00:00.000Z');
    for (const no of [NO.checkedIn, NO.photographed, NO.confirmed]) await checkIn(rt.deps, operator, { studentNo: no, collectionCode: `CODE-${no}`, site: 'beijing' });
    const portrait = fs.readFileSync(PORTRAIT);
    const up = await uploadPhoto(rt.deps, operator, { bytes: shot(portrait, `${dialect}-p`), studentNo: NO.photographed }, 'zh');
    expect(up.value.accepted).toBe(true);
    const mine = await uploadPhoto(rt.deps, operator, { bytes: shot(portrait, `${dialect}-c`), studentNo: NO.confirmed }, 'zh');
    await confirmPhoto(rt.deps, operator, mine.value.id, 'zh');
    rt.clock.set(AFTERNOON);
  }, 180_000);
  afterAll(async () => {
    await sink?.close();
    await rt?.close();
  });

  it('listStudents gives each required student their state, paid apart, and none to the excluded one', async () => {
    const byNo = new Map((await listAll(admin)).map((s) => [s.studentNo, s]));
    const view = (no: string) => {
      const s = byNo.get(no)!;
      return { progress: s.progress, noShow: s.noShow, paid: s.paid };
    };
    expect(view(NO.notBooked)).toEqual({ progress: 'not-booked', noShow: false, paid: false });
    expect(view(NO.booked)).toEqual({ progress: 'booked', noShow: false, paid: false });
    expect(byNo.get(NO.booked)!.bookedDate).toBe('2023-11-02');
    expect(view(NO.noShow)).toEqual({ progress: 'booked', noShow: true, paid: false });
    expect(view(NO.checkedIn)).toEqual({ progress: 'checked-in', noShow: false, paid: false });
    expect(view(NO.photographed)).toEqual({ progress: 'photographed', noShow: false, paid: false });
    expect(view(NO.confirmed)).toEqual({ progress: 'confirmed', noShow: false, paid: false });
    expect(view(NO.paid)).toEqual({ progress: 'not-booked', noShow: false, paid: true });
    expect(view(NO.excluded)).toEqual({ progress: null, noShow: false, paid: false });
    // the student page says the same
    const detail = await getStudent(deps, admin, byNo.get(NO.confirmed)!.id);
    expect(detail).toMatchObject({ progress: 'confirmed', bookedDate: '2023-11-01' });
  });

  it('filters by state, by no-show and by paid; only required students match a state', async () => {
    expect(numbers(await listAll(admin, { progress: 'not-booked' }))).toEqual([NO.notBooked, NO.paid, NO.noMail, NO.math].sort());
    expect(numbers(await listAll(admin, { progress: 'booked' }))).toEqual([NO.booked, NO.noShow]);
    expect(numbers(await listAll(admin, { progress: 'no-show' }))).toEqual([NO.noShow]);
    expect(numbers(await listAll(admin, { progress: 'checked-in' }))).toEqual([NO.checkedIn]);
    expect(numbers(await listAll(admin, { progress: 'photographed' }))).toEqual([NO.photographed]);
    expect(numbers(await listAll(admin, { progress: 'confirmed' }))).toEqual([NO.confirmed]);
    expect(numbers(await listAll(admin, { paid: 'true' }))).toEqual([NO.paid]);
    expect(await listAll(admin, { paid: 'false' })).toHaveLength(ROSTER.length - 1);
    expect(numbers(await listAll(admin, { progress: 'not-booked', paid: 'true' }))).toEqual([NO.paid]);
    // with pagination: the total counts the filtered students
    const page = await listStudents(deps, admin, { page: 1, pageSize: 2, progress: 'not-booked' } as never);
    expect(page).toMatchObject({ total: 4 });
    expect(page.items).toHaveLength(2);
    // a secretary's filter stays within their department
    expect(numbers(await listAll(secretary, { progress: 'not-booked' }))).toEqual([NO.notBooked, NO.paid, NO.noMail].sort());
  });

  it('the XLSX export carries the state and whether the student paid', async () => {
    const file = await exportStudentsXlsx(deps, admin, { department: PHYSICS, progress: 'no-show' });
    expect(file.rows).toBe(1);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as never);
    const sheet = wb.worksheets[0]!;
    const headers = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(headers).toEqual(expect.arrayContaining(['采集进度', '预约日期', '已缴费']));
    const cell = (name: string) => String(sheet.getRow(2).getCell(headers.indexOf(name) + 1).value);
    expect(cell('学号')).toBe(NO.noShow);
    expect(cell('采集进度')).toBe('已预约，未到场');
    expect(cell('预约日期')).toBe('2023-11-01');
    expect(cell('已缴费')).toBe('否');
  });

  it('getProgress counts per department and per day (reached at least), with totals', async () => {
    const p = await getProgress(deps, admin, {});
    expect(p.asOf).toBe('2023-11-01');
    const physics = p.departments.find((d) => d.department === PHYSICS)!;
    expect(physics).toMatchObject({ site: 'beijing', day: '2023-11-01' });
    expect(physics.counts).toEqual({ required: 8, booked: 5, checkedIn: 3, photographed: 2, confirmed: 1, paid: 1 });
    expect(p.departments.find((d) => d.department === MATH)!.counts).toEqual({ required: 1, booked: 0, checkedIn: 0, photographed: 0, confirmed: 0, paid: 0 });
    // every department of the campaign's table is listed, with zeros when it has nobody
    expect(p.departments.length).toBeGreaterThan(40);
    expect(p.totals).toEqual({ required: 9, booked: 5, checkedIn: 3, photographed: 2, confirmed: 1, paid: 1 });
    const day = (date: string | null) => p.days.find((d) => d.date === date)?.counts;
    // 11-01: the no-show and the confirmed student (booked that day), the two walk-ins (their ticket's day)
    expect(day('2023-11-01')).toEqual({ required: 4, booked: 4, checkedIn: 3, photographed: 2, confirmed: 1, paid: 0 });
    expect(day('2023-11-02')).toEqual({ required: 1, booked: 1, checkedIn: 0, photographed: 0, confirmed: 0, paid: 0 });
    expect(day(null)).toEqual({ required: 4, booked: 0, checkedIn: 0, photographed: 0, confirmed: 0, paid: 1 });
    expect(p.days.map((d) => d.date)).toEqual(['2023-11-01', '2023-11-02', null]);
    // one department, one site
    const only = await getProgress(deps, admin, { department: MATH });
    expect(only.departments.map((d) => d.department)).toEqual([MATH]);
    expect(only.totals.required).toBe(1);
    const shenzhen = await getProgress(deps, admin, { site: 'shenzhen' });
    expect(shenzhen.totals.required).toBe(0);
    expect(shenzhen.departments.every((d) => d.site === 'shenzhen')).toBe(true);
  });

  it('a secretary sees their departments only; another department is refused and recorded; an unknown one is named', async () => {
    const own = await getProgress(deps, secretary, {});
    expect(own.departments.map((d) => d.department)).toEqual([PHYSICS]);
    expect(own.totals.required).toBe(8);
    const before = (await eventsOf('student.access_denied')).length;
    await expectAppError(getProgress(deps, secretary, { department: MATH }), 'FORBIDDEN');
    const denied = await eventsOf('student.access_denied');
    expect(denied).toHaveLength(before + 1);
    expect(denied.at(-1)).toMatchObject({ result: 'denied', target_type: 'department', target_id: MATH });
    const unknown = await expectAppError(getProgress(deps, admin, { department: '不存在学院' }), 'DEPARTMENT_UNKNOWN');
    expect(unknown.params).toMatchObject({ department: '不存在学院' });
    const student = await createActor(rt.deps, 'student', [], NO.notBooked);
    await expectAppError(getProgress(deps, student, {}), 'FORBIDDEN');
  });

  it('remindStudents queues one mail per student who has not booked, sends it, and not again within 24 hours', async () => {
    sink.clear();
    const first = await remindStudents(deps, secretary, { department: PHYSICS, which: 'not-booked' });
    expect(first).toEqual({ queued: 2, skipped: 1, recentlyReminded: 0, noAddress: 1, invalidAddress: 0 });
    const delivered = await deliverDueJobs(deps);
    expect(delivered.delivered).toBe(2);
    const mails = await sink.waitForMessages(2);
    expect(mails.map((m) => m.to[0]).sort()).toEqual([MAIL(NO.notBooked), MAIL(NO.paid)].sort());
    const toFirst = mails.find((m) => m.to.includes(MAIL(NO.notBooked)))!;
    expect(toFirst.subject).toContain('请尽快预约采集时间');
    expect(toFirst.text).toContain('甲同学 同学');
    expect(toFirst.text).toContain('Please sign in and book a time');

    // pressed again, and twice at once: nobody is mailed twice
    const again = await Promise.all([1, 2].map(() => remindStudents(deps, secretary, { department: PHYSICS, which: 'not-booked' })));
    for (const r of again) expect(r).toMatchObject({ queued: 0, recentlyReminded: 2, noAddress: 1 });
    // a day later they may be reminded again, once even when two secretaries press at once
    rt.clock.advance(25 * 3_600_000);
    const later = await Promise.all([1, 2].map(() => remindStudents(deps, secretary, { department: PHYSICS, which: 'not-booked' })));
    expect(later.map((r) => r.queued).sort()).toEqual([0, 2]);
    const jobs = await db().selectFrom('jobs').select(['student_id', 'kind']).where('kind', '=', 'reminder.progress').execute();
    expect(jobs).toHaveLength(4);
    rt.clock.set(AFTERNOON);

    // one audit event per press that queued something, with counts only (no names, no addresses)
    const events = await eventsOf('students.reminded');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ result: 'ok', target_type: 'department', target_id: PHYSICS });
    expect(JSON.parse(events[0]!.details)).toMatchObject({ which: 'not-booked', queued: 2, noAddress: 1, students: 3 });
    for (const e of events) {
      expect(e.details).not.toContain('@');
      expect(e.details).not.toContain('甲同学');
    }
  });

  it('remindStudents of no-shows mails the student whose session is over, with the missed-session text', async () => {
    sink.clear();
    const r = await remindStudents(deps, admin, { department: PHYSICS, which: 'no-show' });
    expect(r).toEqual({ queued: 1, skipped: 0, recentlyReminded: 0, noAddress: 0, invalidAddress: 0 });
    await deliverDueJobs(deps);
    const [mail] = await sink.waitForMessages(1);
    expect(mail!.to).toEqual([MAIL(NO.noShow)]);
    expect(mail!.text).toContain('乙同学 同学');
    expect(mail!.subject).toContain('你错过了预约的采集时段');
  });

  it('a secretary cannot remind another department (403, recorded) nor may the agency remind anyone', async () => {
    const before = (await eventsOf('student.access_denied')).length;
    await expectAppError(remindStudents(deps, secretary, { department: MATH, which: 'not-booked' }), 'FORBIDDEN');
    expect(await eventsOf('student.access_denied')).toHaveLength(before + 1);
    await expectAppError(remindStudents(deps, operator, { department: PHYSICS, which: 'not-booked' }), 'FORBIDDEN');
    await expectAppError(remindStudents(deps, admin, { department: '不存在学院', which: 'not-booked' }), 'DEPARTMENT_UNKNOWN');
    const math = await db().selectFrom('jobs').innerJoin('students', 'students.id', 'jobs.student_id').select('jobs.id').where('students.student_no', '=', NO.math).execute();
    expect(math).toEqual([]);
  });
});
