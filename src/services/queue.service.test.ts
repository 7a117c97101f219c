// Check-in with the collection code and the queue, on a real database, once per dialect (issue 9 sections 1
// and 2; rules C1, C3, C4, E4–E6, S4, P1). The concurrency tests really run at once (Promise.all).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import type { CalledTicket } from '../contracts/queue.js';
import { AppError } from '../domain/errors.js';
import * as paymentRepo from '../repositories/payment.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor } from './deps.js';
import { callNext, checkIn, getTicket, listQueue, recallTicket, skipTicket, transferTicket } from './queue.service.js';
import { applyRosterImport } from './roster.service.js';
import { updateSiteSettings } from './site-settings.service.js';
import { expectAppError } from '../../test/support/app-errors.js';

const NO = {
  a: '2301000001',
  b: '2301000002',
  shenzhen: '2301000005', // 深圳研究生院 studying in Shenzhen (S4)
  single: '2301000007', // 单证 (E6)
  deferred: '2301000008', // deferred beyond the campaign (E4)
  confirmed: '2301000009', // has a confirmed photo (C3)
  unpaid: '2301000010',
  other: '2301000011', // 数学科学学院
} as const;
/** Students for the concurrency tests: 50 for one code, 500 tickets. */
const many = (i: number) => `2309${String(i).padStart(6, '0')}`;
const MANY = 560;

const ROSTER: RosterRow[] = [
  rosterRow(NO.a, { 姓名: '张小三' }),
  rosterRow(NO.b, { 姓名: '欧阳娜娜' }),
  rosterRow(NO.shenzhen, { 院系: '深圳研究生院', 学习地点: '深圳' }),
  rosterRow(NO.single, { 证书类型: '单证' }),
  rosterRow(NO.deferred, { 确定延期至: '2025-01' }),
  rosterRow(NO.confirmed),
  rosterRow(NO.unpaid),
  rosterRow(NO.other, { 院系: '数学科学学院', 姓名: '李四' }),
  ...Array.from({ length: MANY }, (_, i) => rosterRow(many(i))),
];

describe.each(DIALECTS)('check-in and queue service on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let operator: Actor;
  let campaignId: string;
  const db = () => rt.deps.db.db;
  const events = (action: string) => db().selectFrom('audit_events').select(['action', 'result', 'target_id', 'details']).where('action', '=', action).orderBy('seq').execute();
  const studentId = async (no: string) => (await db().selectFrom('students').select('id').where('student_no', '=', no).executeTakeFirstOrThrow()).id;
  const desk = (studentNo: string, collectionCode: string, site: 'beijing' | 'shenzhen' = 'beijing') => checkIn(rt.deps, operator, { studentNo, collectionCode, site });
  const setPaymentFirst = async (on: boolean) => {
    for (const site of ['beijing', 'shenzhen']) await paymentRepo.setPaymentBeforeQueue(db(), campaignId, site, on, '2023-10-20T02:00:00.000Z');
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'queue-admin');
    operator = await createActor(rt.deps, 'operator', [], 'queue-operator');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
    campaignId = (await getActiveCampaign(rt.deps)).id;
    // payment before queueing is switched off except where a test switches it on (beforeEach)
    for (const site of ['beijing', 'shenzhen'] as const) await updateSiteSettings(rt.deps, admin, site, { stations: 2, minutesPerStudent: 1 });
  });
  afterAll(async () => {
    await rt?.close();
  });
  beforeEach(async () => {
    await db().deleteFrom('queue_tickets').execute();
    await db().deleteFrom('queue_counters').execute();
    await db().deleteFrom('collection_codes').execute();
    await db().deleteFrom('stations').execute();
    await setPaymentFirst(false);
    rt.clock.set('2023-11-01T01:00:00.000Z'); // 09:00 in Beijing, the campaign's day of 物理学院
  });

  it('checks a student in: 201 with ticket B-001 (position 1, estimate from the site’s minutes per student), the code stored only as HMAC and last 4', async () => {
    const done = await desk(NO.a, '  XJ-2023-ABCD-7788\n');
    expect(done.created).toBe(true);
    expect(done.value).toMatchObject({
      ticket: { number: 'B-001', site: 'beijing', date: '2023-11-01', status: 'waiting', position: 1, etaMinutes: 1, stationId: null, skips: 0 },
      student: { studentNo: NO.a, name: '张*三', nameMasked: true, department: '物理学院', decision: 'required' },
      codeLast4: '7788',
    });
    const rows = await db().selectFrom('collection_codes').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ student_id: await studentId(NO.a), last4: '7788' });
    expect(rows[0]!.code_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain('XJ-2023');
    // the key is the collection code's own (derived from the master key), not the national ID's
    expect(rows[0]!.code_hmac).not.toBe(rt.deps.cipher.keyedHash('XJ-2023-ABCD-7788'));
    expect(rows[0]!.code_hmac).toBe(rt.deps.cipher.keyedHashFor('collection-code', 'XJ-2023-ABCD-7788'));
    const audit = await events('ticket.checked_in');
    expect(audit.at(-1)).toMatchObject({ result: 'ok', target_id: done.value.ticket.id });
    expect(audit.at(-1)!.details).not.toContain('XJ-2023');
  });

  it('the same student with the same code again: 200 with the same ticket, nothing new (idempotent)', async () => {
    const first = await desk(NO.a, 'CODE-A-0001');
    const again = await desk(NO.a, 'CODE-A-0001');
    expect(again.created).toBe(false);
    expect(again.value.ticket).toEqual(first.value.ticket);
    expect(await db().selectFrom('queue_tickets').selectAll().execute()).toHaveLength(1);
  });

  it('numbers tickets per site and day, and positions follow the queue', async () => {
    const a = await desk(NO.a, 'CODE-A');
    const b = await desk(NO.b, 'CODE-B');
    const s = await desk(NO.shenzhen, 'CODE-S', 'shenzhen');
    expect([a.value.ticket.number, b.value.ticket.number, s.value.ticket.number]).toEqual(['B-001', 'B-002', 'S-001']);
    expect(b.value.ticket.position).toBe(2);
    // the next day starts again at 001
    rt.clock.set('2023-11-02T01:00:00.000Z');
    const next = await desk(NO.b, 'CODE-B');
    expect(next.value.ticket).toMatchObject({ number: 'B-001', date: '2023-11-02' });
  });

  it('another student presenting a code already used: 409 COLLECTION_CODE_IN_USE, audited as a refusal with both ids and no names (C1)', async () => {
    await desk(NO.a, 'SHARED-CODE');
    const e = await expectAppError(desk(NO.b, 'SHARED-CODE'), 'COLLECTION_CODE_IN_USE');
    expect(e.params).toEqual({ studentNo: NO.b });
    const refused = await events('collection_code.refused');
    expect(refused.at(-1)).toMatchObject({ result: 'denied', target_id: await studentId(NO.b) });
    expect(JSON.parse(refused.at(-1)!.details)).toEqual({ reason: 'in_use', studentId: await studentId(NO.b), ownerStudentId: await studentId(NO.a), site: 'beijing' });
    expect(refused.at(-1)!.details).not.toMatch(/张|欧阳|SHARED/);
    expect(await db().selectFrom('queue_tickets').selectAll().execute()).toHaveLength(1);
  });

  it('a student presenting a second, different code: 409 COLLECTION_CODE_MISMATCH naming the first code’s last 4, audited', async () => {
    await desk(NO.a, 'FIRST-CODE-1111');
    const e = await expectAppError(desk(NO.a, 'OTHER-CODE-2222'), 'COLLECTION_CODE_MISMATCH');
    expect(e.params).toEqual({ studentNo: NO.a, last4: '1111' });
    expect(JSON.parse((await events('collection_code.refused')).at(-1)!.details)).toMatchObject({ reason: 'mismatch', studentId: await studentId(NO.a) });
  });

  it('an invalid code is refused with the characters named, before anything is read or written', async () => {
    const e = await expectAppError(desk(NO.a, 'abc\u202Edef'), 'COLLECTION_CODE_INVALID');
    expect(e.params).toEqual({ length: 7, chars: 'U+202E' });
    await expectAppError(desk(NO.a, '   '), 'COLLECTION_CODE_INVALID');
    await expectAppError(desk(NO.a, 'x'.repeat(2049)), 'COLLECTION_CODE_INVALID');
    expect(await db().selectFrom('collection_codes').selectAll().execute()).toHaveLength(0);
  });

  it.each([
    ['not on the roster', '2399999999', 'beijing', 'STUDENT_NOT_FOUND', {}],
    ['single certificate (E6)', NO.single, 'beijing', 'STUDENT_NOT_ELIGIBLE', { rule: 'E6' }],
    ['deferred beyond the campaign (E4)', NO.deferred, 'beijing', 'STUDENT_NOT_ELIGIBLE', { rule: 'E4' }],
    ['a Shenzhen student at the Beijing desk (S4)', NO.shenzhen, 'beijing', 'WRONG_SITE', { site: 'shenzhen' }],
    ['a Beijing student at the Shenzhen desk (S4)', NO.a, 'shenzhen', 'WRONG_SITE', { site: 'beijing' }],
  ] as const)('refuses %s with %s and binds no code', async (_, no, site, code, params) => {
    const e = await expectAppError(desk(no, `CODE-${no}`, site), code);
    expect(e.params).toEqual(params);
    expect(await db().selectFrom('collection_codes').selectAll().execute()).toHaveLength(0);
    expect(await db().selectFrom('queue_tickets').selectAll().execute()).toHaveLength(0);
  });

  it('refuses a student whose photo is confirmed: PHOTO_ALREADY_CONFIRMED (C3)', async () => {
    const sid = await studentId(NO.confirmed);
    const at = '2023-10-31T02:00:00.000Z';
    await db()
      .insertInto('photos')
      .values({ id: `photo-${dialect}`, campaign_id: campaignId, student_id: sid, sha256: 'a'.repeat(64), size: 1, station: null, report: '{}', accepted: 1, invalid_reason: null, invalid_at: null, uploaded_by: null, created_at: at })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await db()
      .insertInto('photo_confirmations')
      .values({ id: `conf-${dialect}`, photo_id: `photo-${dialect}`, student_id: sid, confirmed_at: at, confirmed_by: null, voided_at: null, voided_by: null, void_reason: null })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await expectAppError(desk(NO.confirmed, 'CODE-CONFIRMED'), 'PHOTO_ALREADY_CONFIRMED');
  });

  it('when the site asks for payment first (default): PAYMENT_REQUIRED until a payment is recorded (P1)', async () => {
    await setPaymentFirst(true);
    const e = await expectAppError(desk(NO.unpaid, 'CODE-UNPAID'), 'PAYMENT_REQUIRED');
    expect(e.params).toEqual({ studentNo: NO.unpaid });
    expect(await db().selectFrom('collection_codes').selectAll().execute()).toHaveLength(0);
    await db()
      .insertInto('payments')
      .values({ id: `pay-${dialect}`, campaign_id: campaignId, student_id: await studentId(NO.unpaid), site: 'beijing', method: 'wechat', transaction_id: '4200001234202311011234567890', amount_fen: 2000, duplicate_of: null, recorded_by: null, recorded_at: '2023-11-01T00:59:00.000Z', date: '2023-11-01' })
      .execute();
    expect((await desk(NO.unpaid, 'CODE-UNPAID')).created).toBe(true);
  });

  it('only the desk and queue roles check in and operate the queue', async () => {
    const secretary = await createActor(rt.deps, 'secretary', ['物理学院']);
    const cashier = await createActor(rt.deps, 'cashier');
    await expectAppError(checkIn(rt.deps, secretary, { studentNo: NO.a, collectionCode: 'X', site: 'beijing' }), 'FORBIDDEN');
    await expectAppError(checkIn(rt.deps, cashier, { studentNo: NO.a, collectionCode: 'X', site: 'beijing' }), 'FORBIDDEN');
    await expectAppError(callNext(rt.deps, cashier, 'beijing', { stationId: 'b-1' }), 'FORBIDDEN');
    await expectAppError(listQueue(rt.deps, secretary, 'beijing'), 'FORBIDDEN');
  });

  it('calls in order, recalls, skips to the back, removes after the second skip, and serves the previous ticket of the station', async () => {
    const a = (await desk(NO.a, 'CODE-A')).value.ticket;
    const b = (await desk(NO.b, 'CODE-B')).value.ticket;
    const first = (await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true }))!;
    expect(first).toMatchObject({ ticket: { id: a.id, status: 'called', position: 0, etaMinutes: 0, stationId: 'beijing-1' }, student: { name: '张*三', nameMasked: true } });
    // the station now names the called student (camera files go to them)
    expect(await db().selectFrom('stations').select('current_student_id').where('id', '=', 'beijing-1').executeTakeFirst()).toEqual({ current_student_id: await studentId(NO.a) });
    expect((await recallTicket(rt.deps, operator, a.id)).ticket.status).toBe('called');
    // skip: A goes behind B
    const skipped = await skipTicket(rt.deps, operator, a.id);
    expect(skipped.ticket).toMatchObject({ status: 'waiting', skips: 1, position: 2, stationId: null });
    // the station no longer names the absent student
    expect(await db().selectFrom('stations').select('current_student_id').where('id', '=', 'beijing-1').executeTakeFirst()).toEqual({ current_student_id: null });
    await expectAppError(skipTicket(rt.deps, operator, a.id), 'TICKET_NOT_CALLED');
    await expectAppError(recallTicket(rt.deps, operator, a.id), 'TICKET_NOT_CALLED');
    const second = (await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-2', releasePrevious: true }))!;
    expect(second.ticket.id).toBe(b.id);
    rt.clock.advance(90_000);
    const third = (await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-2', releasePrevious: true }))!;
    expect(third.ticket.id).toBe(a.id);
    // B, called before by beijing-2, is served after 90 s
    expect(await getTicket(rt.deps, operator, b.id)).toMatchObject({ ticket: { status: 'served', position: null, etaMinutes: null } });
    const removed = await skipTicket(rt.deps, operator, a.id);
    expect(removed.ticket).toMatchObject({ status: 'removed', skips: 2, position: null });
    expect(await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-2', releasePrevious: true })).toBeNull();
    // a removed student checks in again and gets a new number
    expect((await desk(NO.a, 'CODE-A')).value.ticket).toMatchObject({ number: 'B-003', status: 'waiting' });
    expect((await events('ticket.removed')).at(-1)).toMatchObject({ target_id: a.id });
    expect((await events('ticket.skipped')).at(-1)).toMatchObject({ target_id: a.id });
    expect((await events('ticket.served')).at(-1)).toMatchObject({ target_id: b.id });
    await expectAppError(getTicket(rt.deps, operator, '00000000-0000-4000-8000-000000000000'), 'TICKET_NOT_FOUND');
  });

  it('estimates from the median of measured service times × position ÷ stations, and lists the queue masked', async () => {
    // three served tickets at beijing-1: 60, 120 and 180 s → median 120 s
    for (const [i, seconds] of [60, 120, 180].entries()) {
      await desk(many(i), `MEASURE-${i}`);
      await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true });
      rt.clock.advance(seconds * 1000);
    }
    await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true }); // serves the third, queue empty
    const waiting = [];
    for (const no of [NO.a, NO.b, many(10), many(11)]) waiting.push((await desk(no, `W-${no}`)).value.ticket);
    // 2 stations: position 4 × 2 min ÷ 2 = 4 min
    expect(waiting.map((t) => [t.position, t.etaMinutes])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-2', releasePrevious: true });
    const list = await listQueue(rt.deps, operator, 'beijing');
    expect(list).toMatchObject({ site: 'beijing', date: '2023-11-01', waiting: 3, called: 1, medianServiceSeconds: 120, stations: 2 });
    expect(list.items.map((i) => [i.ticket.status, i.ticket.position, i.student.name])).toEqual([
      ['called', 0, '张*三'],
      ['waiting', 1, '欧**娜'],
      ['waiting', 2, '张*三'],
      ['waiting', 3, '张*三'],
    ]);
    expect((await listQueue(rt.deps, admin, 'beijing')).items[1]!.student).toMatchObject({ name: '欧阳娜娜', nameMasked: false });
  });

  it('a student reads their own ticket, not another student’s (audited)', async () => {
    const own = (await desk(NO.a, 'CODE-A')).value.ticket;
    const other = (await desk(NO.b, 'CODE-B')).value.ticket;
    const student = await createActor(rt.deps, 'student', [], NO.a);
    expect(await getTicket(rt.deps, student, own.id)).toMatchObject({ ticket: { id: own.id, position: 1 }, student: { studentNo: NO.a, name: '张小三', nameMasked: false } });
    await expectAppError(getTicket(rt.deps, student, other.id), 'FORBIDDEN');
    expect((await events('student.access_denied')).at(-1)).toMatchObject({ result: 'denied', target_id: other.id });
    await expectAppError(callNext(rt.deps, student, 'beijing', { stationId: 'b-1' }), 'FORBIDDEN');
  });

  it('transfers a called ticket to another station: called there, the new station names the student, the old one no longer does; audited once', async () => {
    const a = (await desk(NO.a, 'CODE-A')).value.ticket;
    await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true });
    rt.clock.advance(30_000);
    const before = (await events('ticket.transferred')).length;
    const moved = await transferTicket(rt.deps, operator, a.id, { stationId: ' beijing-2 ' });
    expect(moved).toMatchObject({ ticket: { id: a.id, status: 'called', stationId: 'beijing-2', position: 0, calledAt: rt.clock.now().toISOString() }, student: { studentNo: NO.a, name: '张*三', nameMasked: true } });
    const named = async (id: string) => (await db().selectFrom('stations').select('current_student_id').where('id', '=', id).executeTakeFirst())?.current_student_id ?? null;
    expect(await named('beijing-2')).toBe(await studentId(NO.a));
    expect(await named('beijing-1')).toBeNull();
    const audit = (await events('ticket.transferred')).slice(before);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ result: 'ok', target_id: a.id });
    expect(JSON.parse(audit[0]!.details)).toEqual({ site: 'beijing', number: 'B-001', fromStationId: 'beijing-1', stationId: 'beijing-2', studentId: await studentId(NO.a) });
    expect(audit[0]!.details).not.toContain('张');
    // the same station again: nothing changes, no event (a double click)
    expect((await transferTicket(rt.deps, operator, a.id, { stationId: 'beijing-2' })).ticket.stationId).toBe('beijing-2');
    expect(await events('ticket.transferred')).toHaveLength(before + 1);
    // the old station's next call does not touch it; the new station's next call serves it
    expect(await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true })).toBeNull();
    expect((await getTicket(rt.deps, operator, a.id)).ticket.status).toBe('called');
    rt.clock.advance(60_000);
    expect(await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-2', releasePrevious: true })).toBeNull();
    expect((await getTicket(rt.deps, operator, a.id)).ticket.status).toBe('served');
    // served after 60 s at the new station: the service time is the new station's
    expect((await listQueue(rt.deps, operator, 'beijing')).medianServiceSeconds).toBe(60);
  });

  it('refuses a transfer of a ticket that is not called, to a malformed, unknown or other site’s station, or to a busy one; nothing changes', async () => {
    const before = (await events('ticket.transferred')).length;
    const a = (await desk(NO.a, 'CODE-A')).value.ticket;
    const b = (await desk(NO.b, 'CODE-B')).value.ticket;
    // waiting: not called yet
    const waiting = await expectAppError(transferTicket(rt.deps, operator, a.id, { stationId: 'beijing-2' }), 'TICKET_NOT_CALLED');
    expect(waiting.params).toEqual({ number: 'B-001', status: 'waiting' });
    await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true }); // A at beijing-1
    await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-2', releasePrevious: true }); // B at beijing-2
    const malformed = await expectAppError(transferTicket(rt.deps, operator, a.id, { stationId: 'Beijing 2' }), 'VALIDATION_FAILED');
    expect(malformed.params.detail).toContain('"Beijing 2"');
    await expectAppError(transferTicket(rt.deps, operator, a.id, {}), 'VALIDATION_FAILED');
    // 2 stations in Beijing's settings: beijing-1 and beijing-2; shenzhen-1 is the other site's, beijing-9 does not exist
    for (const stationId of ['shenzhen-1', 'beijing-9', 'lab-a']) {
      const e = await expectAppError(transferTicket(rt.deps, operator, a.id, { stationId }), 'STATION_UNKNOWN');
      expect(e.params).toEqual({ stationId, site: 'beijing', known: 'beijing-1, beijing-2' });
    }
    // beijing-2 is serving B
    const busy = await expectAppError(transferTicket(rt.deps, operator, a.id, { stationId: 'beijing-2' }), 'STATION_BUSY');
    expect(busy.params).toEqual({ stationId: 'beijing-2', number: 'B-002' });
    expect((await getTicket(rt.deps, operator, a.id)).ticket.stationId).toBe('beijing-1');
    expect(await db().selectFrom('stations').select(['id', 'current_student_id']).orderBy('id').execute()).toEqual([
      { id: 'beijing-1', current_student_id: await studentId(NO.a) },
      { id: 'beijing-2', current_student_id: await studentId(NO.b) },
    ]);
    // a station used before (it has a row) is known even without the site's prefix
    await db().insertInto('stations').values({ id: 'lab-a', current_student_id: null, updated_by: null, created_at: '2023-11-01T00:00:00.000Z', updated_at: '2023-11-01T00:00:00.000Z' }).execute();
    expect((await transferTicket(rt.deps, operator, a.id, { stationId: 'lab-a' })).ticket.stationId).toBe('lab-a');
    // a skipped ticket is waiting again: no transfer
    await skipTicket(rt.deps, operator, b.id);
    await expectAppError(transferTicket(rt.deps, operator, b.id, { stationId: 'beijing-1' }), 'TICKET_NOT_CALLED');
    await expectAppError(transferTicket(rt.deps, operator, '00000000-0000-4000-8000-000000000000', { stationId: 'beijing-1' }), 'TICKET_NOT_FOUND');
    await expectAppError(transferTicket(rt.deps, await createActor(rt.deps, 'cashier'), a.id, { stationId: 'beijing-1' }), 'FORBIDDEN');
    expect(await events('ticket.transferred')).toHaveLength(before + 1);
  });

  it('two called tickets transferred to one free station at once: exactly one gets it, the other is STATION_BUSY', async () => {
    for (const site of ['beijing'] as const) await updateSiteSettings(rt.deps, admin, site, { stations: 3, minutesPerStudent: 1 });
    try {
      const a = (await desk(NO.a, 'CODE-A')).value.ticket;
      const b = (await desk(NO.b, 'CODE-B')).value.ticket;
      await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true });
      await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-2', releasePrevious: true });
      const results = await Promise.allSettled([a, b].map((t) => transferTicket(rt.deps, operator, t.id, { stationId: 'beijing-3' })));
      const won = results.filter((r): r is PromiseFulfilledResult<CalledTicket> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((r) => (r.reason as AppError).code)).toEqual(['STATION_BUSY']);
      const atThree = await db().selectFrom('queue_tickets').select('id').where('station_id', '=', 'beijing-3').where('status', '=', 'called').execute();
      expect(atThree.map((r) => r.id)).toEqual([won[0]!.value.ticket.id]);
      expect(await db().selectFrom('stations').select('current_student_id').where('id', '=', 'beijing-3').executeTakeFirst()).toEqual({ current_student_id: won[0]!.value.ticket.id === a.id ? await studentId(NO.a) : await studentId(NO.b) });
    } finally {
      await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 2, minutesPerStudent: 1 });
    }
  });

  it('a transfer and a call at the same free station at once: never two called tickets there (a unique index), no error but STATION_BUSY', async () => {
    await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 3, minutesPerStudent: 1 });
    try {
      for (let round = 0; round < 5; round++) {
        await db().deleteFrom('queue_tickets').execute();
        await db().deleteFrom('queue_counters').execute();
        await db().deleteFrom('collection_codes').execute();
        await db().deleteFrom('stations').execute();
        const a = (await desk(NO.a, 'CODE-A')).value.ticket;
        await desk(NO.b, 'CODE-B');
        await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true }); // A at beijing-1, B waiting
        const results = await Promise.allSettled([transferTicket(rt.deps, operator, a.id, { stationId: 'beijing-3' }), callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-3', releasePrevious: true })]);
        for (const r of results) if (r.status === 'rejected') expect((r.reason as AppError).code).toBe('STATION_BUSY');
        const called = await db().selectFrom('queue_tickets').select('id').where('station_id', '=', 'beijing-3').where('status', '=', 'called').execute();
        expect(called).toHaveLength(1);
      }
      // the database itself refuses a second called ticket at a station on the same day
      const waiting = (await desk(many(0), 'CODE-M0')).value.ticket;
      await expect(db().updateTable('queue_tickets').set({ status: 'called', station_id: 'beijing-3' }).where('id', '=', waiting.id).execute()).rejects.toThrow();
    } finally {
      await updateSiteSettings(rt.deps, admin, 'beijing', { stations: 2, minutesPerStudent: 1 });
    }
  });

  it('50 concurrent check-ins of ONE code for 50 different students: exactly one wins, 49 × COLLECTION_CODE_IN_USE (C1)', async () => {
    const before = (await events('collection_code.refused')).length;
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => desk(many(100 + i), 'ONE-CODE-FOR-ALL')));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect((won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof desk>>>).value.created).toBe(true);
    expect(lost).toHaveLength(49);
    for (const r of lost) expect((r.reason as AppError).code).toBe('COLLECTION_CODE_IN_USE');
    expect(await db().selectFrom('collection_codes').selectAll().execute()).toHaveLength(1);
    expect(await db().selectFrom('queue_tickets').selectAll().execute()).toHaveLength(1);
    expect((await events('collection_code.refused')).length - before).toBe(49);
  });

  it('10 stations calling next at once over 500 tickets: each ticket called exactly once, none lost (C4)', async () => {
    const tickets: string[] = [];
    for (let i = 0; i < 500; i++) tickets.push((await desk(many(i), `BULK-${i}`)).value.ticket.id);
    expect(new Set(tickets).size).toBe(500);
    const calledBy = new Map<string, string[]>();
    const station = async (n: number) => {
      const stationId = `lab-${n}`; // the agency's own names: Beijing's settings have 2 numbered stations
      for (;;) {
        const called: CalledTicket | null = await callNext(rt.deps, operator, 'beijing', { stationId, releasePrevious: true });
        if (!called) return;
        calledBy.set(called.ticket.id, [...(calledBy.get(called.ticket.id) ?? []), stationId]);
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, n) => station(n + 1)));
    expect(calledBy.size).toBe(500);
    expect([...calledBy.values()].filter((s) => s.length !== 1)).toEqual([]);
    expect(new Set(calledBy.keys())).toEqual(new Set(tickets));
    const rows = await db().selectFrom('queue_tickets').select(['status']).execute();
    expect(rows.filter((r) => r.status === 'waiting')).toHaveLength(0);
    expect(rows.filter((r) => r.status === 'served' || r.status === 'called')).toHaveLength(500);
    // every station ended with an empty call, which served its last ticket
    expect(rows.filter((r) => r.status === 'called')).toHaveLength(0);
    expect((await events('ticket.called')).filter((e) => tickets.includes(e.target_id!))).toHaveLength(500);
  }, 240_000);
  it('a station whose called student has no confirmed photo may not call the next one (STATION_STUDENT_UNCONFIRMED; a second N, a second tab, a script), unless the operator ends that turn (C4)', async () => {
    const a = (await desk(NO.a, 'CODE-A')).value.ticket;
    const b = (await desk(NO.b, 'CODE-B')).value.ticket;
    expect((await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1' }))!.ticket.id).toBe(a.id);
    // ten presses at once: every one refused, nobody served, B still waiting
    const presses = await Promise.allSettled(Array.from({ length: 10 }, () => callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1' })));
    for (const p of presses) expect(p.status === 'rejected' && (p.reason as { code?: string }).code).toBe('STATION_STUDENT_UNCONFIRMED');
    const refused = await expectAppError(callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1' }), 'STATION_STUDENT_UNCONFIRMED');
    expect(refused.params).toEqual({ stationId: 'beijing-1', number: a.number });
    const status = async (id: string) => (await db().selectFrom('queue_tickets').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    expect([await status(a.id), await status(b.id)]).toEqual(['called', 'waiting']);
    // the operator ends A's turn (the student left): served, and the audit event says without a confirmed photo
    expect((await callNext(rt.deps, operator, 'beijing', { stationId: 'beijing-1', releasePrevious: true }))!.ticket.id).toBe(b.id);
    expect(await status(a.id)).toBe('served');
    const served = (await events('ticket.served')).filter((e) => e.target_id === a.id);
    expect(served).toHaveLength(1);
    expect(JSON.parse(served[0]!.details)).toMatchObject({ photoConfirmed: false, stationId: 'beijing-1' });
  });

  it('callNext refuses a station the site does not have (STATION_UNKNOWN): another site’s, or numbered beyond its stations; the agency’s own names pass', async () => {
    await desk(NO.a, 'CODE-A');
    for (const stationId of ['shenzhen-1', 'beijing-0', 'beijing-3', 'beijing-77']) {
      const e = await expectAppError(callNext(rt.deps, operator, 'beijing', { stationId }), 'STATION_UNKNOWN');
      expect(e.params).toMatchObject({ stationId, known: 'beijing-1, beijing-2' });
    }
    expect(await db().selectFrom('queue_tickets').select('status').execute()).toEqual([{ status: 'waiting' }]);
    expect((await callNext(rt.deps, operator, 'beijing', { stationId: 'lab-a' }))!.ticket.stationId).toBe('lab-a');
  });
  it('a student number scanned into the code box is refused (COLLECTION_CODE_IS_STUDENT_NO): nothing bound, no ticket (outside test finding 2)', async () => {
    const e = await expectAppError(desk(NO.a, NO.b), 'COLLECTION_CODE_IS_STUDENT_NO');
    expect(e.params).toEqual({ code: NO.b });
    expect(await db().selectFrom('collection_codes').selectAll().execute()).toEqual([]);
    expect(await db().selectFrom('queue_tickets').selectAll().execute()).toEqual([]);
    // the student's own number is not their code either
    await expectAppError(desk(NO.a, ` ${NO.a} `), 'COLLECTION_CODE_IS_STUDENT_NO');
  });
});
