// Electronic payments on a real database, once per dialect (issue 9 section 3, rule P1; E7 for refunds):
// validation, idempotency, one transaction per student and one payment per student held by the database under
// concurrency, audited refusals, masked names for the agency, reconciliation of both merchants' bill files.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alipayStatement, alipayTx, wechatBill, wechatTx } from '../../test/support/payment-statements.js';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { AppError } from '../domain/errors.js';
import * as paymentRepo from '../repositories/payment.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor } from './deps.js';
import { getDayClose, getPaymentSettings, getReconciliation, importPaymentStatement, listPayments, listRefunds, recordPayment, updatePaymentSettings } from './payment.service.js';
import { confirmPhoto, uploadPhoto } from './photo.service.js';
import { callNext, checkIn, skipTicket } from './queue.service.js';
import { applyRosterImport } from './roster.service.js';
import { expectAppError } from '../../test/support/app-errors.js';

const NO = { a: '2301000001', b: '2301000002', c: '2301000003', shenzhen: '2301000005', single: '2301000007', later: '2301000008' } as const;
const fillerNo = (i: number) => `2302${String(i).padStart(6, '0')}`;
const ROSTER: RosterRow[] = [
  rosterRow(NO.a, { 姓名: '王小明' }),
  rosterRow(NO.b),
  rosterRow(NO.c),
  rosterRow(NO.shenzhen, { 院系: '深圳研究生院', 学习地点: '深圳' }),
  rosterRow(NO.single, { 证书类型: '单证' }),
  rosterRow(NO.later),
  ...Array.from({ length: 20 }, (_, i) => rosterRow(fillerNo(i))),
];
const TODAY = '2023-10-20'; // the fake clock's date in Beijing

describe.each(DIALECTS)('payment service on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let cashier: Actor;
  let operator: Actor;
  let secretary: Actor;
  const db = () => rt.deps.db.db;
  const events = (action: string) => db().selectFrom('audit_events').select(['action', 'result', 'target_id', 'details']).where('action', '=', action).orderBy('seq').execute();
  const pay = (studentNo: string, transactionId: string, extra: Record<string, unknown> = {}, actor: Actor = cashier) =>
    recordPayment(rt.deps, actor, { studentNo, method: 'wechat', transactionId, amountFen: 2000, ...extra });

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'pay-admin');
    cashier = await createActor(rt.deps, 'cashier', [], 'pay-cashier');
    operator = await createActor(rt.deps, 'operator', [], 'pay-operator');
    secretary = await createActor(rt.deps, 'secretary', ['物理学院'], 'pay-secretary');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
  });
  afterAll(async () => {
    await rt.close();
  });
  beforeEach(async () => {
    await db().deleteFrom('payment_statement_lines').execute();
    await db().deleteFrom('payment_statements').execute();
    await db().deleteFrom('payments').where('duplicate_of', 'is not', null).execute();
    await db().deleteFrom('payments').execute();
  });

  describe('recordPayment (P1)', () => {
    it('records 20 元 by WeChat Pay: 201, masked name for the cashier, one payment.recorded event; again: 200, no event', async () => {
      const before = (await events('payment.recorded')).length;
      const first = await pay(NO.a, wechatTx(1));
      expect(first.created).toBe(true);
      expect(first.value).toMatchObject({ studentNo: NO.a, name: '王*明', nameMasked: true, method: 'wechat', transactionId: wechatTx(1), amountFen: 2000, site: 'beijing', date: TODAY, duplicateOf: null, refundDue: null });
      const again = await pay(NO.a, wechatTx(1));
      expect(again).toEqual({ created: false, value: first.value });
      expect((await events('payment.recorded')).length).toBe(before + 1);
      const campaign = await getActiveCampaign(rt.deps);
      const studentId = first.value.studentId;
      expect(await paymentRepo.findPaymentOfStudent(db(), campaign.id, studentId)).toMatchObject({ id: first.value.id, amount_fen: 2000 });
      expect((await listPayments(rt.deps, admin, {})).items[0]).toMatchObject({ name: '王小明', nameMasked: false });
    });

    it('Alipay: 28 to 32 digits; the desk (operator) may record too', async () => {
      expect((await recordPayment(rt.deps, operator, { studentNo: NO.a, method: 'alipay', transactionId: alipayTx(1), amountFen: 2000 })).created).toBe(true);
      expect((await recordPayment(rt.deps, operator, { studentNo: NO.b, method: 'alipay', transactionId: `${alipayTx(2)}1234`, amountFen: 2000 })).created).toBe(true);
    });

    it.each([
      [{ transactionId: '4200001' }, 'PAYMENT_TRANSACTION_INVALID'],
      [{ transactionId: `${wechatTx(1)}0` }, 'PAYMENT_TRANSACTION_INVALID'],
      [{ method: 'alipay', transactionId: '20231101220014123456789012345678901' }, 'PAYMENT_TRANSACTION_INVALID'],
      [{ amountFen: 20 }, 'PAYMENT_AMOUNT_MISMATCH'],
      [{ amountFen: 2001 }, 'PAYMENT_AMOUNT_MISMATCH'],
      [{ method: 'cash' }, 'VALIDATION_FAILED'],
      [{ amountFen: 20.5 }, 'VALIDATION_FAILED'],
      [{ studentNo: '' }, 'VALIDATION_FAILED'],
      [{ studentNo: '2399999999' }, 'STUDENT_NOT_FOUND'],
      [{ studentNo: NO.single }, 'STUDENT_NOT_ELIGIBLE'],
    ] as const)('refuses %j with %s and stores nothing', async (override, code) => {
      await expectAppError(recordPayment(rt.deps, cashier, { studentNo: NO.a, method: 'wechat', transactionId: wechatTx(9), amountFen: 2000, ...override }), code);
      expect(await db().selectFrom('payments').select('id').execute()).toEqual([]);
    });

    it('refuses a secretary and a student (permissions)', async () => {
      await expectAppError(pay(NO.a, wechatTx(1), {}, secretary), 'FORBIDDEN');
      await expectAppError(pay(NO.a, wechatTx(1), {}, await createActor(rt.deps, 'student', [], NO.b)), 'FORBIDDEN');
    });

    it('one transaction pays for one student: another student gets 409 PAYMENT_REFERENCE_IN_USE, audited as a refusal', async () => {
      const first = await pay(NO.a, wechatTx(2));
      const e = await expectAppError(pay(NO.b, wechatTx(2)), 'PAYMENT_REFERENCE_IN_USE');
      expect(e.params).toMatchObject({ method: 'wechat', transactionId: wechatTx(2), studentNo: NO.b });
      const refused = (await events('payment.refused')).at(-1)!;
      expect(refused).toMatchObject({ result: 'denied', target_id: first.value.id });
      expect(JSON.parse(refused.details)).toMatchObject({ reason: 'PAYMENT_REFERENCE_IN_USE', paidForStudentId: first.value.studentId });
    });

    it('a student who paid already: 409 ALREADY_PAID (audited); with duplicate: recorded to refund', async () => {
      const first = await pay(NO.a, wechatTx(3));
      const e = await expectAppError(pay(NO.a, wechatTx(4)), 'ALREADY_PAID');
      expect(e.details).toMatchObject({ paymentId: first.value.id, transactionId: wechatTx(3) });
      expect(e.params).toMatchObject({ paidAt: '2023-10-20 10:00', method: 'wechat' }); // Beijing time of the fake clock's 02:00 UTC
      expect(JSON.parse((await events('payment.refused')).at(-1)!.details)).toMatchObject({ reason: 'ALREADY_PAID' });
      const dup = await pay(NO.a, wechatTx(4), { duplicate: true });
      expect(dup.value).toMatchObject({ duplicateOf: first.value.id, refundDue: 'duplicate' });
      const list = await listPayments(rt.deps, cashier, { refundDue: 'true' });
      expect(list.items.map((p) => p.transactionId)).toEqual([wechatTx(4)]);
      expect(list.totals).toEqual({ count: 1, amountFen: 2000, refundDueCount: 1, refundDueFen: 2000 });
    });

    it('20 concurrent recordings of one transaction for 20 students: exactly one is created, 19 × PAYMENT_REFERENCE_IN_USE', async () => {
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => pay(fillerNo(i), wechatTx(5))));
      const ok = results.filter((r) => r.status === 'fulfilled');
      const codes = results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as AppError).code);
      expect(ok).toHaveLength(1);
      expect(codes).toEqual(Array(19).fill('PAYMENT_REFERENCE_IN_USE'));
      expect(await db().selectFrom('payments').select('id').where('transaction_id', '=', wechatTx(5)).execute()).toHaveLength(1);
    });

    it('10 concurrent different transactions of one student: one payment counts, 9 × ALREADY_PAID', async () => {
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => pay(NO.c, wechatTx(100 + i))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as AppError).code)).toEqual(Array(9).fill('ALREADY_PAID'));
    });

    it('the database itself refuses a second row for one transaction and a method other than wechat / alipay', async () => {
      const first = await pay(NO.a, wechatTx(6));
      const row = { campaign_id: (await getActiveCampaign(rt.deps)).id, student_id: first.value.studentId, site: 'beijing', amount_fen: 2000, recorded_by: null, recorded_at: 'x', date: TODAY, duplicate_of: first.value.id };
      await expect(db().insertInto('payments').values({ ...row, id: 'p2', method: 'wechat', transaction_id: wechatTx(6) }).execute()).rejects.toThrow();
      await expect(db().insertInto('payments').values({ ...row, id: 'p3', method: 'cash' as 'wechat', transaction_id: 'x' }).execute()).rejects.toThrow();
    });
  });

  describe('listPayments', () => {
    it('filters by site, date and method', async () => {
      await pay(NO.a, wechatTx(7));
      await recordPayment(rt.deps, cashier, { studentNo: NO.shenzhen, method: 'alipay', transactionId: alipayTx(7), amountFen: 2000 });
      expect((await listPayments(rt.deps, cashier, { site: 'shenzhen' })).items.map((p) => p.studentNo)).toEqual([NO.shenzhen]);
      expect((await listPayments(rt.deps, cashier, { method: 'wechat' })).items.map((p) => p.studentNo)).toEqual([NO.a]);
      expect((await listPayments(rt.deps, cashier, { date: TODAY })).totals).toMatchObject({ count: 2, amountFen: 4000 });
      expect((await listPayments(rt.deps, cashier, { date: '2023-10-21' })).items).toEqual([]);
      await expectAppError(listPayments(rt.deps, operator, {}), 'FORBIDDEN');
    });

    it('a student who paid and is no longer required is on the refund list (E7)', async () => {
      await pay(NO.later, wechatTx(8));
      const changed = ROSTER.map((r) => (r.学号 === NO.later ? { ...r, 证书类型: '单证' } : r));
      await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(changed)) }, 'roster.csv', 'zh');
      try {
        expect((await listPayments(rt.deps, cashier, { refundDue: 'true' })).items).toMatchObject([{ studentNo: NO.later, decision: 'excluded', refundDue: 'not-required' }]);
      } finally {
        await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
      }
    });
  });

  describe('payment before queueing', () => {
    it('is on by default; the admin switches it per site (one payment_settings.changed event); check-in reads it from the repository', async () => {
      const campaignId = (await getActiveCampaign(rt.deps)).id;
      expect(await getPaymentSettings(rt.deps, operator, 'shenzhen')).toEqual({ site: 'shenzhen', paymentBeforeQueue: true });
      expect(await paymentRepo.getPaymentBeforeQueue(db(), campaignId, 'shenzhen')).toBe(true);
      const before = (await events('payment_settings.changed')).length;
      expect(await updatePaymentSettings(rt.deps, admin, 'shenzhen', { paymentBeforeQueue: false })).toEqual({ site: 'shenzhen', paymentBeforeQueue: false });
      await updatePaymentSettings(rt.deps, admin, 'shenzhen', { paymentBeforeQueue: false });
      expect((await events('payment_settings.changed')).length).toBe(before + 1);
      expect(await paymentRepo.getPaymentBeforeQueue(db(), campaignId, 'shenzhen')).toBe(false);
      expect(await paymentRepo.getPaymentBeforeQueue(db(), campaignId, 'beijing')).toBe(true);
      await updatePaymentSettings(rt.deps, admin, 'shenzhen', { paymentBeforeQueue: true });
      await expectAppError(updatePaymentSettings(rt.deps, cashier, 'shenzhen', { paymentBeforeQueue: false }), 'FORBIDDEN');
      await expectAppError(updatePaymentSettings(rt.deps, admin, 'shanghai', { paymentBeforeQueue: false }), 'NOT_FOUND');
      await expectAppError(updatePaymentSettings(rt.deps, admin, 'beijing', { paymentBeforeQueue: 'yes' }), 'VALIDATION_FAILED');
    });
  });

  describe('reconciliation', () => {
    it('WeChat bill with one payment missing and one extra, an amount that differs and a refund; stored once', async () => {
      await pay(NO.a, wechatTx(11)); // in the bill
      await pay(NO.b, wechatTx(12)); // not in the bill (recorded only)
      await pay(NO.c, wechatTx(14)); // in the bill with 0.20 元
      const bill = wechatBill([
        { transactionId: wechatTx(11), amount: '20.00', at: `${TODAY} 09:31:05` },
        { transactionId: wechatTx(13), amount: '20.00', at: `${TODAY} 09:35:00` }, // paid but not recorded
        { transactionId: wechatTx(14), amount: '0.20', at: `${TODAY} 09:40:00` },
        { transactionId: wechatTx(11), amount: '20.00', at: `${TODAY} 11:00:00`, refund: true },
      ]);
      const before = (await events('payment_statement.imported')).length;
      const done = await importPaymentStatement(rt.deps, cashier, { fileName: 'wechat.csv', bytes: bill });
      expect(done.created).toBe(true);
      const r = done.value;
      expect(r.statement).toMatchObject({ method: 'wechat', fileName: 'wechat.csv', period: { from: TODAY, to: TODAY }, lines: 4 });
      expect(r.matched.map((m) => m.payment.studentNo)).toEqual([NO.a]);
      expect(r.recordedNotInStatement.map((p) => p.studentNo)).toEqual([NO.b]);
      expect(r.inStatementNotRecorded).toMatchObject([{ line: 3, transactionId: wechatTx(13), amountFen: 2000 }]);
      expect(r.amountDiffers).toMatchObject([{ payment: { studentNo: NO.c, amountFen: 2000 }, line: { amountFen: 20 } }]);
      expect(r.refunded).toMatchObject([{ payment: { studentNo: NO.a }, line: { kind: 'refund', amountFen: 2000 } }]);
      expect(r.totals).toMatchObject({ agree: true, recorded: { count: 3, amountFen: 6000 }, matched: { count: 1, amountFen: 2000 } });
      expect(r.matched[0]!.payment.nameMasked).toBe(true);
      expect((await events('payment_statement.imported')).length).toBe(before + 1);
      const again = await importPaymentStatement(rt.deps, cashier, { fileName: 'again.csv', bytes: bill });
      expect(again.created).toBe(false);
      expect(again.value.statement.id).toBe(r.statement.id);
      expect((await events('payment_statement.imported')).length).toBe(before + 1);
      // the reconciliation is recomputed: recording the missing payment moves it to matched
      await pay(fillerNo(0), wechatTx(13));
      const later = await getReconciliation(rt.deps, admin, r.statement.id);
      expect(later.inStatementNotRecorded).toEqual([]);
      expect(later.matched.map((m) => m.payment.studentNo).sort()).toEqual([NO.a, fillerNo(0)].sort());
    });

    it('Alipay statement (GBK): matched and not recorded', async () => {
      await recordPayment(rt.deps, cashier, { studentNo: NO.a, method: 'alipay', transactionId: alipayTx(21), amountFen: 2000 });
      await pay(NO.b, wechatTx(21)); // another method: not part of an Alipay reconciliation
      const r = (await importPaymentStatement(rt.deps, admin, { fileName: 'alipay.csv', bytes: alipayStatement([{ transactionId: alipayTx(21), amount: '20.00', at: `${TODAY} 10:00:00` }, { transactionId: alipayTx(22), amount: '20.00', at: `${TODAY} 10:05:00` }]) })).value;
      expect(r.matched.map((m) => m.payment.studentNo)).toEqual([NO.a]);
      expect(r.matched[0]!.payment.name).toBe('王小明'); // the admin sees full names
      expect(r.inStatementNotRecorded.map((l) => l.transactionId)).toEqual([alipayTx(22)]);
      expect(r.recordedNotInStatement).toEqual([]);
    });

    it('a bad file is refused naming the line and nothing is stored', async () => {
      const text = wechatBill([{ transactionId: wechatTx(31), amount: '20.00', at: `${TODAY} 09:00:00` }, { transactionId: wechatTx(32), amount: '20.00', at: `${TODAY} 09:01:00` }]).toString('utf8');
      const e = await expectAppError(importPaymentStatement(rt.deps, cashier, { fileName: 'bad.csv', bytes: Buffer.from(text.replace(`\`${wechatTx(32)}`, '`123'), 'utf8') }), 'PAYMENT_STATEMENT_INVALID');
      expect(e.params).toMatchObject({ line: 3, reason: 'statement-transaction' });
      expect(await db().selectFrom('payment_statements').select('id').execute()).toEqual([]);
      expect(await db().selectFrom('payment_statement_lines').select('line_no').execute()).toEqual([]);
    });

    it('an operator may not import or read a reconciliation; an unknown statement is NOT_FOUND', async () => {
      await expectAppError(importPaymentStatement(rt.deps, operator, { fileName: 'x.csv', bytes: Buffer.from('x') }), 'FORBIDDEN');
      await expectAppError(getReconciliation(rt.deps, operator, 'x'), 'FORBIDDEN');
      await expectAppError(getReconciliation(rt.deps, cashier, 'nope'), 'NOT_FOUND');
    });
  });
  describe('listRefunds', () => {
    it('lists a duplicate (with the payment that counts) and a student no longer required (E7, with the rule) or removed from the roster; masked for the cashier; totals', async () => {
      const first = await pay(NO.a, wechatTx(41));
      const dup = await pay(NO.a, wechatTx(42), { duplicate: true });
      await recordPayment(rt.deps, cashier, { studentNo: NO.later, method: 'alipay', transactionId: alipayTx(41), amountFen: 2000 });
      await pay(NO.b, wechatTx(43)); // stays required: nothing to refund
      await pay(fillerNo(19), wechatTx(44)); // leaves the roster below
      expect((await listRefunds(rt.deps, cashier, {})).items.map((r) => r.payment.transactionId)).toEqual([wechatTx(42)]);
      // the roster changes after they paid: NO.later becomes single-certificate (E6), fillerNo(19) is no longer listed
      const changed = ROSTER.filter((r) => r.学号 !== fillerNo(19)).map((r) => (r.学号 === NO.later ? { ...r, 证书类型: '单证' } : r));
      await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(changed)) }, 'roster.csv', 'zh', { confirmRemovals: 1 });
      try {
        const list = await listRefunds(rt.deps, cashier, {});
        expect(list.items.map((r) => [r.payment.studentNo, r.reason, r.rule, r.removed])).toEqual([
          [NO.a, 'duplicate', null, false],
          [NO.later, 'not-required', 'E6', false],
          [fillerNo(19), 'not-required', null, true],
        ]);
        expect(list.items[0]!.firstPayment).toEqual({ id: first.value.id, method: 'wechat', transactionId: wechatTx(41), recordedAt: first.value.recordedAt });
        expect(list.items[0]!.payment).toMatchObject({ id: dup.value.id, name: '王*明', nameMasked: true, amountFen: 2000, recordedBy: 'pay-cashier' });
        expect(list.items[1]!.payment).toMatchObject({ method: 'alipay', decision: 'excluded' });
        expect(list.totals).toEqual({ count: 3, amountFen: 6000, duplicate: { count: 1, amountFen: 2000 }, notRequired: { count: 2, amountFen: 4000 } });
        expect((await listRefunds(rt.deps, admin, {})).items.find((r) => r.payment.studentNo === NO.a)!.payment.name).toBe('王小明');
        expect((await listRefunds(rt.deps, cashier, { site: 'shenzhen' })).items).toEqual([]);
        await expectAppError(listRefunds(rt.deps, cashier, { site: 'shanghai' }), 'VALIDATION_FAILED');
        for (const who of [operator, secretary]) await expectAppError(listRefunds(rt.deps, who, {}), 'FORBIDDEN');
      } finally {
        await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
      }
    });
  });

  describe('getDayClose', () => {
    const DAY = '2023-11-01';
    const PORTRAIT = fs.readFileSync(path.resolve('test/fixtures/photos/id-blue-12mp.jpg'));
    const station = (stationId: string) => ({ stationId, releasePrevious: true });
    afterAll(() => rt.clock.set('2023-10-20T02:00:00.000Z'));

    it('counts one constructed day of a site: tickets issued / served / open / skipped / removed, photographed, confirmed, payments by method', { timeout: 120_000 }, async () => {
      const campaignId = (await getActiveCampaign(rt.deps)).id;
      for (const site of ['beijing', 'shenzhen']) await paymentRepo.setPaymentBeforeQueue(db(), campaignId, site, false, '2023-10-20T02:00:00.000Z');
      const [A, B, C, D, E] = [10, 11, 12, 13, 14].map(fillerNo) as [string, string, string, string, string];
      // 00:30 in Beijing on DAY (16:30 UTC the day before): B's accepted shot belongs to DAY, not to the 31st
      rt.clock.set('2023-10-31T16:30:00.000Z');
      const shotB = await uploadPhoto(rt.deps, operator, { bytes: PORTRAIT, studentNo: B }, 'zh');
      expect(shotB.value.accepted).toBe(true);
      rt.clock.set('2023-11-01T01:00:00.000Z'); // 09:00 in Beijing
      // payments of the day: A by WeChat and again (duplicate), B by Alipay, C by WeChat; Shenzhen is another site
      await pay(A, wechatTx(51));
      await pay(A, wechatTx(52), { duplicate: true });
      await recordPayment(rt.deps, cashier, { studentNo: B, method: 'alipay', transactionId: alipayTx(51), amountFen: 2000 });
      await pay(C, wechatTx(53));
      await pay(NO.shenzhen, wechatTx(54));
      const desk = (studentNo: string, site: 'beijing' | 'shenzhen' = 'beijing') => checkIn(rt.deps, operator, { studentNo, collectionCode: `CODE-${dialect}-${studentNo}`, site });
      for (const no of [A, B, C, D]) await desk(no);
      await desk(NO.shenzhen, 'shenzhen');
      // station 1: A is called, photographed and confirms; the next call serves A and calls B
      const calledA = (await callNext(rt.deps, operator, 'beijing', station('b-1')))!;
      expect(calledA.student.studentNo).toBe(A);
      const shotA = await uploadPhoto(rt.deps, operator, { bytes: PORTRAIT, studentNo: A }, 'zh');
      await confirmPhoto(rt.deps, operator, shotA.value.id, 'zh');
      expect((await callNext(rt.deps, operator, 'beijing', station('b-1')))!.student.studentNo).toBe(B);
      // station 2: C does not come (back of the queue), D is served, C does not come again (removed)
      const calledC = (await callNext(rt.deps, operator, 'beijing', station('b-2')))!;
      expect(calledC.student.studentNo).toBe(C);
      await skipTicket(rt.deps, operator, calledC.ticket.id);
      expect((await callNext(rt.deps, operator, 'beijing', station('b-2')))!.student.studentNo).toBe(D);
      const againC = (await callNext(rt.deps, operator, 'beijing', station('b-2')))!;
      expect(againC.ticket.id).toBe(calledC.ticket.id);
      expect((await skipTicket(rt.deps, operator, againC.ticket.id)).ticket.status).toBe('removed');
      // E checks in late, is called and does not come once: waiting again
      await desk(E);
      const calledE = (await callNext(rt.deps, operator, 'beijing', station('b-2')))!;
      await skipTicket(rt.deps, operator, calledE.ticket.id);

      const close = await getDayClose(rt.deps, cashier, { site: 'beijing', date: DAY });
      expect(close).toMatchObject({
        site: 'beijing',
        date: DAY,
        tickets: { issued: 5, served: 2, open: 2, skipped: 2, removed: 1 },
        photographed: 2,
        confirmed: 1,
        payments: {
          count: 4,
          amountFen: 8000,
          byMethod: [
            { method: 'wechat', count: 3, amountFen: 6000 },
            { method: 'alipay', count: 1, amountFen: 2000 },
          ],
          duplicates: { count: 1, amountFen: 2000 },
        },
      });
      // without a date: today in campaign time; the same numbers
      expect(await getDayClose(rt.deps, admin, { site: 'beijing' })).toEqual(close);
      // the other site and the other days are apart
      expect(await getDayClose(rt.deps, cashier, { site: 'shenzhen', date: DAY })).toMatchObject({ tickets: { issued: 1, served: 0, open: 1 }, photographed: 0, confirmed: 0, payments: { count: 1, amountFen: 2000 } });
      expect(await getDayClose(rt.deps, cashier, { site: 'beijing', date: '2023-10-31' })).toMatchObject({ tickets: { issued: 0 }, photographed: 0, confirmed: 0, payments: { count: 0, amountFen: 0 } });
      rt.clock.set('2023-11-01T16:30:00.000Z'); // 00:30 on the 2nd in Beijing: a new day
      expect(await getDayClose(rt.deps, cashier, { site: 'beijing' })).toMatchObject({ date: '2023-11-02', tickets: { issued: 0 }, confirmed: 0, payments: { count: 0 } });
      // refused: bad input, and the roles that do not read payments
      await expectAppError(getDayClose(rt.deps, cashier, { site: 'beijing', date: '1 Nov' }), 'VALIDATION_FAILED');
      await expectAppError(getDayClose(rt.deps, cashier, {}), 'VALIDATION_FAILED');
      for (const who of [operator, secretary]) await expectAppError(getDayClose(rt.deps, who, { site: 'beijing' }), 'FORBIDDEN');
    });
  });
});
