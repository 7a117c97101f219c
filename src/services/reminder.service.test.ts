// Reminders by mail through the durable job runner (issue #3 part 7), on both databases, against a real SMTP
// server process (test/support/smtp-sink.ts), with the fake clock: who gets which mail when (S1, E4–E6),
// a scheduler pass run twice, two runners at once, an invalid address, a 550 bounce, and the notifications
// the booking service writes (a move, a waitlist promotion).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.js';
import { createArgon2Hasher } from '../adapters/password-hasher.js';
import { createSmtpMailer } from '../adapters/mailer.js';
import type { Session } from '../contracts/booking.js';
import { cancelBooking, createBooking, joinWaitlist } from './booking.service.js';
import { listSessions } from './session.service.js';
import { updateSiteSettings } from './site-settings.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { SYSTEM } from './deps.js';
import { FINISHED_JOB_RETENTION_DAYS, MAX_MAIL_ATTEMPTS, purgeFinishedJobs } from './job-runner.js';
import { listMailProblems, runReminders, scheduleReminders } from './reminder.service.js';
import { applyRosterImport } from './roster.service.js';
import { openRuntime } from './runtime.js';

const NO = {
  booked: '2401000101', // 社会学系 (day Thursday 2023-11-02), books Thursday 13:00
  plain: '2401000102', // 物理学院, no booking: reminded a week before 11-01
  excluded: '2401000103', // 单证 (E6)
  bounce: '2401000104', // the mail server answers 550 for this address
  junk: '2401000105', // an address the roster accepted but no mail server would (two dots)
  none: '2401000106', // no address
  x: '2401000107',
  y: '2401000108',
} as const;
const MAIL = (no: string) => `s${no}@example.edu.cn`;
const BOUNCE = 'bounce@example.edu.cn';
const ROSTER: RosterRow[] = [
  rosterRow(NO.booked, { 院系: '社会学系', 邮箱: MAIL(NO.booked) }),
  rosterRow(NO.plain, { 邮箱: MAIL(NO.plain) }),
  rosterRow(NO.excluded, { 证书类型: '单证', 邮箱: MAIL(NO.excluded) }),
  rosterRow(NO.bounce, { 邮箱: BOUNCE }),
  rosterRow(NO.junk, { 邮箱: 'li@mail..example.com' }),
  rosterRow(NO.none),
  rosterRow(NO.x, { 院系: '法学院', 邮箱: MAIL(NO.x) }), // a weekend department: no department-day mail on 10-25
  rosterRow(NO.y, { 院系: '法学院', 邮箱: MAIL(NO.y) }),
];

const WEEK_BEFORE = '2023-10-25T10:00:00.000Z'; // 18:00 Beijing time, 7 days before 物理学院's day
const EVENING_BEFORE = '2023-11-01T10:00:00.000Z'; // 18:00 Beijing time before Thursday 11-02

describe.each(DIALECTS)('reminders and the mail job runner on %s', (dialect) => {
  let rt: TestRuntime;
  let sink: SmtpSink;
  let deps: ServiceDeps;
  let admin: Actor;
  let sessions: Session[];
  const extra: { close(): Promise<void> }[] = [];
  const db = () => rt.deps.db.db;
  const slot = (date: string, start: string) => sessions.find((s) => s.site === 'beijing' && s.date === date && s.start === start)!;
  const jobOf = (no: string) =>
    db().selectFrom('jobs').innerJoin('students', 'students.id', 'jobs.student_id').selectAll('jobs').where('students.student_no', '=', no).execute();
  const mailsTo = (address: string) => sink.messages().filter((m) => m.to.includes(address));
  /** another process over the same database (its own pool, its own mailer) */
  const secondRuntime = async (mailer = createSmtpMailer({ url: sink.url, from: 'photo@example.edu.cn' })) => {
    const other = await openRuntime({ dataDir: rt.dataDir, databaseUrl: rt.databaseUrl, clock: rt.clock.now, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
    extra.push(other);
    return { deps: { ...other, mailer } as ServiceDeps, close: () => other.close() };
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    sink = await startSmtpSink({ reject: [BOUNCE] });
    deps = { ...rt.deps, mailer: createSmtpMailer({ url: sink.url, from: '图像采集 <photo@example.edu.cn>' }) };
    admin = await createActor(rt.deps, 'admin', [], `mail-admin-${dialect}`);
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
    sessions = (await listSessions(rt.deps, admin, {})).items;
  }, 60_000);
  afterAll(async () => {
    for (const e of extra) await e.close().catch(() => {});
    await sink?.close();
    await rt?.close();
  });
  beforeEach(async () => {
    rt.clock.set('2023-10-20T02:00:00.000Z');
    await db().deleteFrom('jobs').execute();
    await db().deleteFrom('notifications').execute();
    await db().deleteFrom('waitlist_entries').execute();
    await db().deleteFrom('bookings').execute();
    await db().updateTable('schedule_sessions').set({ booked: 0 }).execute();
    await db().updateTable('students').set({ email_bounced_at: null }).execute();
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 2, minutesPerStudent: 1 });
    await sink.start(); // a test that failed with the server stopped must not break the next ones
    sink.clear();
  });

  it('a week before: required students without a booking; the evening before: the booked one; never the excluded', async () => {
    await createBooking(rt.deps, admin, { sessionId: slot('2023-11-02', '13:00').id, studentNo: NO.booked });
    expect((await runReminders(deps, SYSTEM)).queued).toMatchObject({ booking: 0, day: 0 }); // 10-20: nothing due yet

    rt.clock.set(WEEK_BEFORE);
    const first = await runReminders(deps, SYSTEM);
    expect(first.queued).toEqual({ booking: 0, day: 2, notification: 0, invalidAddress: 1, noAddress: 1, alreadyQueued: 0 });
    expect(first.delivery).toMatchObject({ delivered: 1, failed: 1, retried: 0 });
    expect(sink.messages()).toHaveLength(1);
    const [day] = mailsTo(MAIL(NO.plain));
    expect(day!.subject).toContain('2023-11-01');
    expect(day!.text).toContain('2023年11月1日（星期三），时段 09:30–12:00、13:00–17:30（北京时间）');
    expect(day!.text).toContain('深色正装，不戴帽子');
    expect(day!.text).toContain('20 元/套');
    expect(day!.messageId).toMatch(/^<job-[0-9a-f-]+@example\.edu\.cn>$/);
    expect(mailsTo(MAIL(NO.excluded))).toEqual([]);

    rt.clock.set(EVENING_BEFORE);
    const second = await runReminders(deps, SYSTEM);
    // 法学院's day is Saturday 11-04: its students are now a week away; 物理学院's day has begun (no more mail).
    expect(second.queued).toEqual({ booking: 1, day: 2, notification: 0, invalidAddress: 0, noAddress: 0, alreadyQueued: 0 });
    expect(second.delivery).toMatchObject({ delivered: 3, failed: 0 });
    const [booked] = mailsTo(MAIL(NO.booked));
    expect(booked!.text).toContain('2023年11月2日（星期四） 13:00–17:30（北京时间）');
    expect(booked!.text).toContain('Thursday 2 November 2023, 13:00–17:30');
    expect(mailsTo(MAIL(NO.x))[0]!.text).toContain('2023年11月4日（星期六）');
    expect(sink.messages()).toHaveLength(4);

    const events = await db().selectFrom('audit_events').select(['details']).where('action', '=', 'reminders.queued').orderBy('seq', 'desc').limit(2).execute();
    expect(JSON.parse(events[1]!.details)).toMatchObject({ day: 2, invalidAddress: 1, noAddress: 1 });
    expect(events.map((e) => e.details).join()).not.toContain('@');
  });

  it('a student who has already confirmed a photo (C3) gets no reminder; a voided confirmation brings it back', async () => {
    const student = await db().selectFrom('students').select(['id', 'campaign_id']).where('student_no', '=', NO.plain).executeTakeFirstOrThrow();
    const at = '2023-10-20T02:00:00.000Z';
    await db()
      .insertInto('photos')
      .values({ id: 'photo-reminder-test', campaign_id: student.campaign_id, student_id: student.id, sha256: 'ab'.repeat(32), size: 1, station: null, report: '{}', accepted: 1, invalid_reason: null, invalid_at: null, uploaded_by: null, created_at: at })
      .execute();
    await db()
      .insertInto('photo_confirmations')
      .values({ id: 'confirmation-reminder-test', photo_id: 'photo-reminder-test', student_id: student.id, confirmed_at: at, confirmed_by: null, voided_at: null, voided_by: null, void_reason: null })
      .execute();
    try {
      rt.clock.set(WEEK_BEFORE);
      const run = await runReminders(deps, SYSTEM);
      expect(mailsTo(MAIL(NO.plain))).toEqual([]);
      expect(run.queued.day).toBe(1); // 物理学院's other required student with a good address is still reminded

      await db().updateTable('photo_confirmations').set({ voided_at: at, voided_by: null, void_reason: 'test' }).where('id', '=', 'confirmation-reminder-test').execute();
      await runReminders(deps, SYSTEM);
      expect(mailsTo(MAIL(NO.plain))).toHaveLength(1);
    } finally {
      await db().deleteFrom('photo_confirmations').where('id', '=', 'confirmation-reminder-test').execute();
      await db().deleteFrom('photos').where('id', '=', 'photo-reminder-test').execute();
    }
  });

  it('an invalid address is recorded as failed with MAIL_ADDRESS_INVALID and nothing goes to the server', async () => {
    rt.clock.set(WEEK_BEFORE);
    await runReminders(deps, SYSTEM);
    const [job] = await jobOf(NO.junk);
    expect(job).toMatchObject({ state: 'failed', last_error: 'MAIL_ADDRESS_INVALID', attempts: 0, message_id: null });
    expect(sink.messages().flatMap((m) => m.to)).not.toContain('li@mail..example.com');
    expect(await listMailProblems(deps, SYSTEM)).toEqual(expect.arrayContaining([expect.objectContaining({ studentNo: NO.junk, state: 'failed', error: 'MAIL_ADDRESS_INVALID' })]));
  });

  it('a recipient refused with 550 is failed, not retried, and the student is marked bounced', async () => {
    rt.clock.set(WEEK_BEFORE);
    await runReminders(deps, SYSTEM);
    const [job] = await jobOf(NO.bounce);
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    expect(job!.last_error).toContain('550');
    const student = await db().selectFrom('students').select('email_bounced_at').where('student_no', '=', NO.bounce).executeTakeFirstOrThrow();
    expect(student.email_bounced_at).toBe(WEEK_BEFORE);
    rt.clock.advance(3 * 3_600_000);
    const again = await runReminders(deps, SYSTEM);
    expect(again.delivery).toEqual({ delivered: 0, retried: 0, failed: 0, dead: 0, uncertain: 0 });
    expect((await jobOf(NO.bounce))[0]).toMatchObject({ state: 'failed', attempts: 1 });
    expect(mailsTo(BOUNCE)).toEqual([]);

    // the roster gives the student another address: it is no longer marked bounced
    const fixed = ROSTER.map((r) => (r.学号 === NO.bounce ? { ...r, 邮箱: 'fixed@example.edu.cn' } : r));
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(fixed)) }, 'roster.csv', 'zh');
    expect((await db().selectFrom('students').select('email_bounced_at').where('student_no', '=', NO.bounce).executeTakeFirstOrThrow()).email_bounced_at).toBeNull();
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
  });

  it('the scheduler run twice enqueues and sends each mail once', async () => {
    rt.clock.set(WEEK_BEFORE);
    await runReminders(deps, SYSTEM);
    const second = await scheduleReminders(deps, SYSTEM);
    expect(second).toMatchObject({ day: 0, booking: 0, invalidAddress: 0, alreadyQueued: 2, noAddress: 2 });
    rt.clock.advance(3_600_000);
    await runReminders(deps, SYSTEM);
    expect(mailsTo(MAIL(NO.plain))).toHaveLength(1);
    expect(await db().selectFrom('jobs').select('id').execute()).toHaveLength(3);
  });

  it('two runners at once (on PostgreSQL two runtimes with their own pools) send each mail once', async () => {
    rt.clock.set(WEEK_BEFORE);
    // SQLite: both runners share the process's connection (better-sqlite3 is synchronous: a second connection
    // in the same process would wait for a lock while blocking the event loop that must release it); they
    // still interleave at every await, each with its own lease owner. Two processes each have their own.
    const other = dialect === 'postgres' ? await secondRuntime() : { deps, close: async () => {} };
    const [a, b] = await Promise.all([runReminders(deps, SYSTEM, { owner: 'runner-a' }), runReminders(other.deps, SYSTEM, { owner: 'runner-b' })]);
    expect(a.queued.day + b.queued.day).toBe(2);
    expect(a.delivery.delivered + b.delivery.delivered).toBe(1);
    expect(mailsTo(MAIL(NO.plain))).toHaveLength(1);
    await other.close();
  });

  it('the mail server down during a run: retried later with back-off, delivered exactly once when it is back', async () => {
    rt.clock.set(WEEK_BEFORE);
    await sink.stop();
    const down = await runReminders(deps, SYSTEM);
    // no server at all: both are temporary (the 550 comes only from a running server)
    expect(down.delivery).toMatchObject({ delivered: 0, retried: 2, failed: 0 });
    const [job] = await jobOf(NO.plain);
    expect(job).toMatchObject({ state: 'queued', attempts: 1 });
    expect(Date.parse(job!.run_at)).toBe(Date.parse(WEEK_BEFORE) + 60_000);
    expect(job!.last_error).toBeTruthy();

    await sink.start();
    expect((await runReminders(deps, SYSTEM)).delivery.delivered).toBe(0); // not due before its run_at
    rt.clock.advance(60_000);
    const back = await runReminders(deps, SYSTEM);
    expect(back.delivery).toMatchObject({ delivered: 1, failed: 1 });
    rt.clock.advance(3_600_000);
    await runReminders(deps, SYSTEM);
    expect(mailsTo(MAIL(NO.plain))).toHaveLength(1);
    expect((await jobOf(NO.plain))[0]).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('a restart (a new runtime over the same database) sends nothing twice; a send cut off by a crash becomes uncertain, not resent', async () => {
    rt.clock.set(WEEK_BEFORE);
    await runReminders(deps, SYSTEM);
    expect(sink.messages()).toHaveLength(1);
    const restarted = await secondRuntime();
    expect((await runReminders(restarted.deps, SYSTEM)).delivery.delivered).toBe(0);
    await restarted.close();
    expect(sink.messages()).toHaveLength(1);

    // The evening before: a process delivers the booking reminder and dies before recording the server's 250.
    await createBooking(rt.deps, admin, { sessionId: slot('2023-11-02', '13:00').id, studentNo: NO.booked });
    rt.clock.set(EVENING_BEFORE);
    const real = createSmtpMailer({ url: sink.url, from: 'photo@example.edu.cn' });
    const crashing = await secondRuntime({
      from: real.from,
      close: () => real.close(),
      send: async (m) => {
        const result = await real.send(m);
        if (m.to === MAIL(NO.booked)) throw new Error('process killed after the server accepted the mail');
        return result;
      },
    });
    await expect(runReminders(crashing.deps, SYSTEM)).rejects.toThrow('process killed');
    await crashing.close();
    expect(mailsTo(MAIL(NO.booked))).toHaveLength(1);
    expect((await jobOf(NO.booked))[0]).toMatchObject({ state: 'sending' });

    const next = await secondRuntime();
    expect((await runReminders(next.deps, SYSTEM)).delivery).toMatchObject({ uncertain: 0 }); // its lease is still running
    rt.clock.advance(10 * 60_000);
    expect((await runReminders(next.deps, SYSTEM)).delivery).toMatchObject({ uncertain: 1 });
    await next.close();
    expect(mailsTo(MAIL(NO.booked))).toHaveLength(1);
    expect((await jobOf(NO.booked))[0]).toMatchObject({ state: 'uncertain' });
    expect(await listMailProblems(deps, SYSTEM)).toEqual(expect.arrayContaining([expect.objectContaining({ studentNo: NO.booked, state: 'uncertain' })]));
  });

  it('a runner that died before sending leaves a job that is claimed again after its lease and sent once', async () => {
    rt.clock.set(WEEK_BEFORE);
    await scheduleReminders(deps, SYSTEM);
    const [job] = await jobOf(NO.plain);
    // as if a runner claimed it and was killed before it began talking to the server
    await db().updateTable('jobs').set({ state: 'running', lease_owner: 'dead-runner', lease_until: new Date(Date.parse(WEEK_BEFORE) + 60_000).toISOString(), attempts: 1 }).where('id', '=', job!.id).execute();
    expect((await runReminders(deps, SYSTEM)).delivery.delivered).toBe(0);
    rt.clock.advance(2 * 60_000);
    expect((await runReminders(deps, SYSTEM)).delivery.delivered).toBe(1);
    expect(mailsTo(MAIL(NO.plain))).toHaveLength(1);
  });

  it('notifications written by the booking service (a move, a waitlist promotion) are mailed once and marked sent', async () => {
    // A waitlist promotion: one seat on Friday morning, x holds it, y waits, x cancels.
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 120 }); // 09:30–12:00 → 1 seat, 13:00–17:30 → 2
    const friday = slot('2023-11-03', '09:30');
    const held = await createBooking(rt.deps, admin, { sessionId: friday.id, studentNo: NO.x });
    await joinWaitlist(rt.deps, admin, friday.id, { studentNo: NO.y });
    await cancelBooking(rt.deps, admin, held.value.id);
    // A move: two bookings on Thursday morning, then one seat less (stations 1, 150 minutes per student).
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 2, minutesPerStudent: 120 });
    await createBooking(rt.deps, admin, { sessionId: slot('2023-11-02', '09:30').id, studentNo: NO.plain });
    await createBooking(rt.deps, admin, { sessionId: slot('2023-11-02', '09:30').id, studentNo: NO.booked });
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 1, minutesPerStudent: 120, moveAffected: true });
    const notes = await db().selectFrom('notifications').selectAll().execute();
    expect(notes.map((n) => n.kind).sort()).toEqual(['booking.moved', 'waitlist.promoted']);

    const run = await runReminders(deps, SYSTEM);
    expect(run.queued.notification).toBe(2);
    expect(run.delivery.delivered).toBe(2);
    const promoted = mailsTo(MAIL(NO.y));
    expect(promoted).toHaveLength(1);
    expect(promoted[0]!.subject).toContain('候补成功');
    expect(promoted[0]!.text).toContain('2023年11月3日（星期五） 09:30–12:00');
    const movedNote = notes.find((n) => n.kind === 'booking.moved')!;
    const movedNo = (await db().selectFrom('students').select('student_no').where('id', '=', movedNote.student_id).executeTakeFirstOrThrow()).student_no;
    const moved = mailsTo(MAIL(movedNo));
    expect(moved).toHaveLength(1);
    expect(moved[0]!.subject).toContain('已调整');
    expect(moved[0]!.text).toContain((JSON.parse(movedNote.payload) as { start: string }).start);
    const after = await db().selectFrom('notifications').select(['sent_at', 'failed_at']).execute();
    expect(after.every((n) => n.sent_at === '2023-10-20T02:00:00.000Z' && !n.failed_at)).toBe(true);

    rt.clock.advance(60_000);
    expect((await runReminders(deps, SYSTEM)).queued.notification).toBe(0);
    expect(sink.messages()).toHaveLength(2);
  });

  it('a notification whose mail is given up (dead) is marked failed, and is not queued again once its job is purged', async () => {
    const student = await db().selectFrom('students').select('id').where('student_no', '=', NO.x).executeTakeFirstOrThrow();
    const payload = JSON.stringify({ date: '2023-11-03', start: '09:30', end: '12:00', site: 'beijing' });
    await db().insertInto('notifications').values({ id: `note-dead-${dialect}`, student_id: student.id, kind: 'waitlist.promoted', payload, created_at: rt.clock.now().toISOString(), sent_at: null, failed_at: null, failure: null }).execute();
    const down = { ...deps, mailer: { from: 'photo@example.edu.cn', close: () => {}, send: async () => ({ ok: false as const, kind: 'temporary' as const, responseCode: 421, message: '421 try later' }) } };
    expect((await scheduleReminders(deps, SYSTEM)).notification).toBe(1);
    await db().updateTable('jobs').set({ attempts: MAX_MAIL_ATTEMPTS - 1 }).where('dedupe_key', '=', `notification:note-dead-${dialect}`).execute();
    expect((await runReminders(down, SYSTEM)).delivery).toMatchObject({ dead: 1 });
    expect(await db().selectFrom('notifications').select(['failed_at', 'failure']).where('id', '=', `note-dead-${dialect}`).executeTakeFirstOrThrow()).toEqual({ failed_at: rt.clock.now().toISOString(), failure: '421 try later' });
    rt.clock.advance((FINISHED_JOB_RETENTION_DAYS + 1) * 86_400_000);
    expect((await purgeFinishedJobs(rt.deps)).removed).toBeGreaterThanOrEqual(1);
    expect((await scheduleReminders(deps, SYSTEM)).notification).toBe(0);
    expect(sink.messages()).toEqual([]);
  });

  it('without a mail server configured, a run is refused with MAIL_NOT_CONFIGURED; staff other than admins may not run it', async () => {
    await expect(runReminders(rt.deps, SYSTEM)).rejects.toMatchObject({ code: 'MAIL_NOT_CONFIGURED' });
    const secretary = await createActor(rt.deps, 'secretary', ['物理学院']);
    await expect(runReminders(deps, secretary)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
