// Make-up captures (issue 10 section 3, rule S6) on a real database, once per dialect, with a fake clock:
// outlets (the city check), deadlines per target term (boundaries on the campaign's wall clock), and recording
// a make-up with the station flow (every refusal), the photo's outlet, the student's confirmation on /my.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectAppError } from '../../test/support/app-errors.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { translateAppError } from '../domain/i18n.js';
import { defaultMakeUpDeadlines, makeUpOpensOn } from '../domain/makeup.js';
import * as paymentRepo from '../repositories/payment.repository.js';
import type { Actor } from './deps.js';
import { SYSTEM } from './deps.js';
import { scheduleReminders } from './reminder.service.js';
import { createOutlet, getMakeUpSettings, getMyMakeUp, listOutlets, listOutstandingMakeUps, updateMakeUpSettings, updateOutlet } from './makeup.service.js';
import { backfillPaymentOutlets } from '../db/migrations/0024-payment-outlet.js';
import { getDayClose, listPayments, recordPayment } from './payment.service.js';
import { confirmMyPhoto, confirmPhoto, uploadPhoto, voidPhotoConfirmation } from './photo.service.js';
import { requestPhotoReview } from './review-screen.service.js';
import { demoCampaign, getActiveCampaign, parseCampaignDefinition, readPublishedDemoCampaign } from './campaign.service.js';
import { applyRosterImport } from './roster.service.js';
import { setStationStudent } from './station.service.js';

const PORTRAIT = path.resolve('test/fixtures/photos/id-blue-12mp.jpg');

/** The portrait with a comment segment: other bytes, the same picture (a new shot). */
function shot(jpeg: Buffer, label: string): Buffer {
  const text = Buffer.from(`gradphoto makeup shot ${label}`, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, jpeg.subarray(2)]);
}

const NO = {
  january: '2701000001', // finishes 2024-01: deadline 2023-11-30
  july: '2701000002', // finishes 2024-07: deadline 2024-04-30
  single: '2701000003', // 单证 (E6): never photographed
  confirmed: '2701000004', // confirmed during the campaign
  voided: '2701000005', // confirmed, then voided (e.g. the registry's 有误)
  late: '2701000006', // finishes 2024-01, comes after the deadline
} as const;

const HAIDIAN = { id: 'haidian', nameZh: '图片社海淀店', nameEn: 'Agency, Haidian', address: '北京市海淀区中关村大街 1 号', city: '北京市', hours: '周一至周六 9:00–17:00', stations: 2 };

vi.setConfig({ testTimeout: 60_000 });

describe.each(DIALECTS)('make-up captures on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let operator: Actor;
  const students = {} as Record<keyof typeof NO, Actor>;
  let portrait: Buffer;
  let n = 0;
  const db = () => rt.deps.db.db;
  const upload = async (no: string, station: string) => (await uploadPhoto(rt.deps, operator, { bytes: shot(portrait, `${dialect}-${++n}`), studentNo: no, station }, 'zh')).value;
  const events = (action: string) => db().selectFrom('audit_events').select(['action', 'result', 'target_id', 'details']).where('action', '=', action).orderBy('seq').execute();
  /** Beijing wall clock (UTC+8) → the fake clock. */
  const beijing = (local: string) => rt.clock.set(new Date(`${local}+08:00`).toISOString());

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'mk-admin');
    operator = await createActor(rt.deps, 'operator', [], 'mk-operator');
    await applyRosterImport(
      rt.deps,
      admin,
      {
        buffer: Buffer.from(
          rosterCsv([
            rosterRow(NO.january, { 姓名: '张小三', 预计毕业时间: '2024-01', 邮箱: 'january@stu.example.edu.cn' }),
            rosterRow(NO.july, { 姓名: '欧阳娜娜', 邮箱: 'july@stu.example.edu.cn' }),
            rosterRow(NO.single, { 证书类型: '单证' }),
            rosterRow(NO.confirmed, { 姓名: '李四', 院系: '数学科学学院' }),
            rosterRow(NO.voided, { 姓名: '王五' }),
            rosterRow(NO.late, { 姓名: '赵六', 预计毕业时间: '2024-01' }),
          ]),
        ),
      },
      'roster.csv',
      'zh',
    );
    for (const [key, no] of Object.entries(NO)) students[key as keyof typeof NO] = await createActor(rt.deps, 'student', [], no);
    const campaign = await getActiveCampaign(rt.deps);
    for (const site of ['beijing', 'shenzhen']) await paymentRepo.setPaymentBeforeQueue(db(), campaign.id, site, false, '2023-10-20T02:00:00.000Z');
    portrait = fs.readFileSync(PORTRAIT);
    // During the campaign: one student confirmed, one confirmed and then voided.
    beijing('2023-11-01T10:00:00');
    const c = await upload(NO.confirmed, 'beijing-1');
    await confirmPhoto(rt.deps, operator, c.id, 'zh', { stationId: 'beijing-1' });
    const v = await upload(NO.voided, 'beijing-1');
    await confirmPhoto(rt.deps, operator, v.id, 'zh', { stationId: 'beijing-1' });
    await voidPhotoConfirmation(rt.deps, admin, v.id, '学信网反馈：图像有误', 'zh');
  }, 180_000);
  afterAll(async () => {
    await rt?.close();
  });
  beforeEach(() => beijing('2023-11-10T10:00:00'));

  it('outlets: a Beijing outlet is added ("北京市" is Beijing), one in Shanghai or 上海 is refused naming both cities, ids are unique, changes are audited (S6)', async () => {
    const created = await createOutlet(rt.deps, admin, HAIDIAN);
    expect(created).toMatchObject({ id: 'haidian', city: '北京市', active: true, usable: true, stationIds: ['makeup-haidian-1', 'makeup-haidian-2'] });
    for (const city of ['Shanghai', '上海', '上海市']) {
      const e = await expectAppError(createOutlet(rt.deps, admin, { ...HAIDIAN, id: 'pudong', city }), 'OUTLET_CITY_NOT_ALLOWED');
      expect(translateAppError(e, 'zh')).toBe(`门店所在城市“${city}”不是补采城市：补采只能在北京的门店进行，其他城市门店拍摄的照片无效（S6）`);
      expect(translateAppError(e, 'en')).toContain(`"${city}" is not the make-up city: make-ups are taken only at outlets in Beijing`);
    }
    await createOutlet(rt.deps, admin, { ...HAIDIAN, id: 'chaoyang', nameZh: '图片社朝阳店', city: 'Beijing', stations: 1 });
    await expectAppError(createOutlet(rt.deps, admin, HAIDIAN), 'OUTLET_EXISTS');
    await expectAppError(createOutlet(rt.deps, admin, { ...HAIDIAN, id: 'Bad Id' }), 'VALIDATION_FAILED');
    await expectAppError(updateOutlet(rt.deps, admin, 'chaoyang', { city: 'Shanghai' }), 'OUTLET_CITY_NOT_ALLOWED');
    await expectAppError(updateOutlet(rt.deps, admin, 'nosuch', { active: false }), 'OUTLET_NOT_FOUND');
    await expectAppError(createOutlet(rt.deps, operator, { ...HAIDIAN, id: 'byoperator' }), 'FORBIDDEN');
    const listed = await listOutlets(rt.deps, operator);
    expect(listed.items.map((o) => o.id).sort()).toEqual(['chaoyang', 'haidian']);
    // the city as typed ("北京市", "Beijing") is shown in the reader's language
    for (const o of listed.items) expect(o.cityName).toEqual({ zh: '北京', en: 'Beijing' });
    expect(listed.makeUpCityName).toEqual({ zh: '北京', en: 'Beijing' });
    expect((await events('makeup_outlet.created')).map((e) => e.target_id)).toEqual(['haidian', 'chaoyang']); // one event each, in order
    expect(await db().selectFrom('makeup_outlets').select('id').where('id', '=', 'pudong').execute()).toEqual([]);
  });

  it('deadlines per target term: the notice’s 30 Nov / 30 Apr, only target terms and real dates, audited', async () => {
    const settings = await getMakeUpSettings(rt.deps, admin);
    expect(settings).toMatchObject({ deadlines: { '2024-01': '2023-11-30', '2024-07': '2024-04-30' }, suggested: { '2024-01': '2023-11-30', '2024-07': '2024-04-30' }, lastDay: '2023-11-05', opensOn: '2023-11-06' });
    await expectAppError(updateMakeUpSettings(rt.deps, admin, { deadlines: { '2025-01': '2024-11-30' } }), 'MAKEUP_DEADLINE_TERM_UNKNOWN');
    const bad = await expectAppError(updateMakeUpSettings(rt.deps, admin, { deadlines: { '2024-01': '2023-11-31' } }), 'MAKEUP_DEADLINE_NOT_A_DATE');
    expect(translateAppError(bad, 'zh')).toBe('2024-01 毕（结）业学生的补采截止日期“2023-11-31”不是有效日期（格式为 YYYY-MM-DD，如 2023-11-30）');
    const early = await expectAppError(updateMakeUpSettings(rt.deps, admin, { deadlines: { '2024-01': '2023-11-01' } }), 'MAKEUP_DEADLINE_BEFORE_OPENING');
    expect(translateAppError(early, 'en')).toBe('The make-up deadline for students finishing in 2024-01, 2023-11-01, is before make-ups open on 2023-11-06 (the campaign ends on 2023-11-05)');
    const changed = await updateMakeUpSettings(rt.deps, admin, { deadlines: { '2024-01': '2023-12-15', '2024-07': '2024-04-30' } });
    expect(changed.deadlines).toEqual({ '2024-01': '2023-12-15', '2024-07': '2024-04-30' });
    expect((await events('makeup_settings.changed')).at(-1)?.details).toContain('2023-12-15');
    await updateMakeUpSettings(rt.deps, admin, { deadlines: { '2024-01': '2023-11-30', '2024-07': '2024-04-30' } });
    expect((await getActiveCampaign(rt.deps)).makeUp.deadlines).toEqual({ '2024-01': '2023-11-30', '2024-07': '2024-04-30' });
  });

  it('a make-up opens the day after the campaign’s last day, in Beijing time (MAKEUP_NOT_YET_OPEN names the date)', async () => {
    beijing('2023-11-05T23:59:59');
    const e = await expectAppError(setStationStudent(rt.deps, operator, 'makeup-haidian-1', { studentNo: NO.january }), 'MAKEUP_NOT_YET_OPEN');
    expect(translateAppError(e, 'zh')).toBe('补采尚未开始：学校的集中采集到 2023-11-05 结束，补采自 2023-11-06 起');
    await expectAppError(upload(NO.january, 'makeup-haidian-1'), 'MAKEUP_NOT_YET_OPEN');
    expect((await getMyMakeUp(rt.deps, students.january)).state).toBe('campaign');
    beijing('2023-11-06T00:00:00');
    const station = await setStationStudent(rt.deps, operator, 'makeup-haidian-1', { studentNo: NO.january });
    expect(station.currentStudent?.studentNo).toBe(NO.january);
    expect((await events('station.student_set')).at(-1)?.details).toContain('"outletId":"haidian"');
  });

  it('the deadline of the student’s term: open on the day itself, refused from the next day naming the date; another term still open', async () => {
    beijing('2023-11-30T23:59:59');
    await setStationStudent(rt.deps, operator, 'makeup-haidian-2', { studentNo: NO.late });
    beijing('2023-12-01T00:00:00');
    const e = await expectAppError(setStationStudent(rt.deps, operator, 'makeup-haidian-2', { studentNo: NO.late }), 'MAKEUP_DEADLINE_PASSED');
    expect(translateAppError(e, 'zh')).toBe('已过补采截止日期：2024-01 毕（结）业学生的补采截止日期为 2023-11-30');
    expect(translateAppError(e, 'en')).toBe('The make-up deadline has passed: for students finishing in 2024-01 it was 2023-11-30');
    await expectAppError(upload(NO.late, 'makeup-haidian-2'), 'MAKEUP_DEADLINE_PASSED');
    expect(await getMyMakeUp(rt.deps, students.late)).toMatchObject({ state: 'deadline-passed', deadline: '2023-11-30', term: '2024-01' });
    await setStationStudent(rt.deps, operator, 'makeup-haidian-2', { studentNo: NO.july });
  });

  it('refusals: unknown outlet or station, inactive outlet, an outlet whose city is no longer Beijing, a student not required, a student with a valid confirmed photo', async () => {
    await expectAppError(setStationStudent(rt.deps, operator, 'makeup-nosuch-1', { studentNo: NO.july }), 'OUTLET_NOT_FOUND');
    await expectAppError(setStationStudent(rt.deps, operator, 'makeup-chaoyang-2', { studentNo: NO.july }), 'STATION_UNKNOWN');
    await expectAppError(setStationStudent(rt.deps, operator, 'makeup-haidian-1', { studentNo: NO.single }), 'STUDENT_NOT_ELIGIBLE');
    await expectAppError(setStationStudent(rt.deps, operator, 'makeup-haidian-1', { studentNo: NO.confirmed }), 'PHOTO_ALREADY_CONFIRMED');
    await expectAppError(upload(NO.confirmed, 'makeup-haidian-1'), 'PHOTO_ALREADY_CONFIRMED');

    await updateOutlet(rt.deps, admin, 'chaoyang', { active: false });
    const inactive = await expectAppError(setStationStudent(rt.deps, operator, 'makeup-chaoyang-1', { studentNo: NO.july }), 'OUTLET_INACTIVE');
    expect(translateAppError(inactive, 'zh')).toContain('补采门店“chaoyang”已停用');
    expect((await getMyMakeUp(rt.deps, students.july)).outlets.map((o) => o.id)).toEqual(['haidian']);
    await updateOutlet(rt.deps, admin, 'chaoyang', { active: true });
    // The city changed behind the service's back (an edit in the database): still refused when recording.
    await db().updateTable('makeup_outlets').set({ city: '上海' }).where('id', '=', 'chaoyang').execute();
    await expectAppError(setStationStudent(rt.deps, operator, 'makeup-chaoyang-1', { studentNo: NO.july }), 'OUTLET_CITY_NOT_ALLOWED');
    await expectAppError(upload(NO.july, 'makeup-chaoyang-1'), 'OUTLET_CITY_NOT_ALLOWED');
    expect((await listOutlets(rt.deps, admin)).items.find((o) => o.id === 'chaoyang')?.usable).toBe(false);
    await db().updateTable('makeup_outlets').set({ city: 'Beijing' }).where('id', '=', 'chaoyang').execute();
    // refused uploads are audited with their code, no photo row
    expect((await events('photo.upload_refused')).map((e) => JSON.parse(e.details as string).code)).toEqual(expect.arrayContaining(['MAKEUP_NOT_YET_OPEN', 'MAKEUP_DEADLINE_PASSED', 'PHOTO_ALREADY_CONFIRMED', 'OUTLET_CITY_NOT_ALLOWED']));
  });

  it('after the campaign’s last day the school’s own stations refuse (CAMPAIGN_ENDED names the last day and the Beijing outlets with the term’s deadline): setting the student, uploading with a site station or none; on the last day they still take', async () => {
    beijing('2023-11-05T23:59:00');
    await setStationStudent(rt.deps, operator, 'shenzhen-1', { studentNo: NO.july });
    beijing('2023-11-06T00:00:00');
    const e = await expectAppError(setStationStudent(rt.deps, operator, 'shenzhen-1', { studentNo: NO.july }), 'CAMPAIGN_ENDED');
    expect(translateAppError(e, 'zh')).toBe('学校的集中采集已于 2023-11-05 结束，学校的采集站点不再拍照：补采请到北京的补采门店，2024-07 毕（结）业学生的补采截止日期为 2024-04-30');
    expect(translateAppError(e, 'en')).toBe("The school's campaign ended on 2023-11-05: its stations take no more photos. Make-ups are taken at the outlets in Beijing; for students finishing in 2024-07 the deadline is 2024-04-30");
    beijing('2026-11-10T10:00:00'); // three years later, the deadline long passed
    await expectAppError(setStationStudent(rt.deps, operator, 'beijing-2', { studentNo: NO.late }), 'CAMPAIGN_ENDED');
    await expectAppError(upload(NO.july, 'shenzhen-1'), 'CAMPAIGN_ENDED');
    await expectAppError(upload(NO.july, '北京 1 号工位'), 'CAMPAIGN_ENDED');
    await expectAppError(uploadPhoto(rt.deps, operator, { bytes: shot(portrait, `${dialect}-nostation`), studentNo: NO.july }, 'zh'), 'CAMPAIGN_ENDED');
    const outlet = await expectAppError(upload(NO.late, 'makeup-haidian-1'), 'MAKEUP_DEADLINE_PASSED');
    expect(outlet.params.deadline).toBe('2023-11-30');
    expect(await db().selectFrom('photos').select('id').where('created_at', '>', '2023-11-06').execute()).toEqual([]);
    expect((await events('photo.upload_refused')).map((r) => JSON.parse(r.details as string).code)).toContain('CAMPAIGN_ENDED');
  });

  it('reminder mail after the campaign (S6): one per student still owing a photo, where and by when, no student number; none before make-ups open', async () => {
    beijing('2023-11-06T08:59:00');
    expect((await scheduleReminders(rt.deps, SYSTEM)).makeup).toBeUndefined();
    beijing('2023-11-06T09:00:00');
    const first = await scheduleReminders(rt.deps, SYSTEM);
    // january and july have an address; voided and late have none (counted, nothing sent)
    expect(first).toMatchObject({ makeup: 2, noAddress: 2 });
    const jobs = await db().selectFrom('jobs').selectAll().where('kind', '=', 'reminder.makeup').orderBy('dedupe_key').execute();
    expect(jobs).toHaveLength(2);
    const mails = jobs.map((j) => JSON.parse(j.payload) as { to: string; subject: string; sealedText: string });
    const january = mails.find((m) => m.to === 'january@stu.example.edu.cn')!;
    expect(january.subject).toBe('【图像采集】请于 2023-11-30 前到北京门店补采 / Make-up photo by 2023-11-30');
    const text = rt.deps.cipher.decrypt(january.sealedText);
    expect(text).toContain('张小三 同学：');
    expect(text).toContain('请于 2023年11月30日（含当天）前到图片社北京门店补采（20 元/套）');
    expect(text).toContain('图片社海淀店：北京市海淀区中关村大街 1 号（营业时间：周一至周六 9:00–17:00）');
    expect(text).toContain('by 30 November 2023 (that day included)');
    expect(text).not.toContain(NO.january);
    expect(rt.deps.cipher.decrypt(mails.find((m) => m.to === 'july@stu.example.edu.cn')!.sealedText)).toContain('2024年4月30日');
    // the next pass queues nothing new
    const second = await scheduleReminders(rt.deps, SYSTEM);
    expect(second.makeup).toBeUndefined();
    expect(second.alreadyQueued).toBeGreaterThanOrEqual(2);
  });

  it('a make-up recorded: the photo carries its outlet, the student confirms on /my, and is no longer outstanding; a voided confirmation may be made up', async () => {
    const before = await listOutstandingMakeUps(rt.deps, admin);
    expect(before.campaignEnded).toBe(true);
    expect(before.items.map((i) => i.studentNo).sort()).toEqual([NO.january, NO.july, NO.voided, NO.late].sort());
    expect(before.items.find((i) => i.studentNo === NO.voided)).toMatchObject({ voided: true, deadline: '2024-04-30' });

    const my = await getMyMakeUp(rt.deps, students.january);
    expect(my).toMatchObject({ state: 'open', deadline: '2023-11-30', term: '2024-01', voided: false, fee: 20 });
    expect(my.outlets.map((o) => o.id).sort()).toEqual(['chaoyang', 'haidian']);
    expect(my.outlets.find((o) => o.id === 'haidian')).toMatchObject({ id: 'haidian', address: HAIDIAN.address, hours: HAIDIAN.hours, name: { zh: '图片社海淀店', en: 'Agency, Haidian' } });

    await setStationStudent(rt.deps, operator, 'makeup-haidian-1', { studentNo: NO.january });
    const photo = await upload(NO.january, 'makeup-haidian-1');
    expect((await db().selectFrom('photos').select('outlet_id').where('id', '=', photo.id).executeTakeFirstOrThrow()).outlet_id).toBe('haidian');
    await requestPhotoReview(rt.deps, operator, 'makeup-haidian-1', { photoId: photo.id }, 'zh');
    const confirmed = await confirmMyPhoto(rt.deps, students.january, { photoId: photo.id }, 'zh');
    expect(confirmed.value).toMatchObject({ state: 'confirmed', stationId: 'makeup-haidian-1' });
    expect((await getMyMakeUp(rt.deps, students.january)).state).toBe('not-needed');

    const again = await upload(NO.voided, 'makeup-haidian-2');
    await confirmPhoto(rt.deps, operator, again.id, 'zh', { stationId: 'makeup-haidian-2' });
    const after = await listOutstandingMakeUps(rt.deps, admin);
    expect(after.items.map((i) => i.studentNo).sort()).toEqual([NO.july, NO.late].sort());
    expect((await listOutlets(rt.deps, admin)).items.find((o) => o.id === 'haidian')).toMatchObject({ photos: 2, confirmed: 2 });
  });

  it('the make-up fee is recorded at the outlet’s station with recordPayment: the fee as the amount, the outlet in the audit event; after the confirmation too; an inactive outlet refused', async () => {
    const pay = (studentNo: string, transactionId: string, amountFen: number, stationId = 'makeup-haidian-1') => recordPayment(rt.deps, operator, { studentNo, method: 'wechat', transactionId, amountFen, stationId });
    await expectAppError(pay(NO.january, '4200001901202311100000000001', 2500), 'PAYMENT_AMOUNT_MISMATCH');
    // the January student confirmed their make-up already: they pay after the shot
    const paid = await pay(NO.january, '4200001901202311100000000001', 2000);
    expect(paid.created).toBe(true);
    const event = (await events('payment.recorded')).at(-1)!;
    expect(JSON.parse(event.details as string)).toMatchObject({ outletId: 'haidian', stationId: 'makeup-haidian-1', rule: 'S6', amountFen: 2000 });
    await expectAppError(pay(NO.january, '4200001901202311100000000002', 2000), 'ALREADY_PAID');
    await updateOutlet(rt.deps, admin, 'chaoyang', { active: false });
    await expectAppError(pay(NO.july, '4200001901202311100000000003', 2000, 'makeup-chaoyang-1'), 'OUTLET_INACTIVE');
    await updateOutlet(rt.deps, admin, 'chaoyang', { active: true });
    await expectAppError(pay(NO.july, '4200001901202311100000000003', 2000, 'makeup-nosuch-1'), 'OUTLET_NOT_FOUND');
  });

  it('day-close: a make-up (fee, photos, confirmations) is in its outlet’s day-close, not in the student’s home site’s; the site’s day keeps its own (was counted in beijing’s)', async () => {
    const outlet = await getDayClose(rt.deps, admin, { outlet: 'haidian', date: '2023-11-10' });
    // january (photo, confirmation, fee) and voided (photo, confirmation) were made up at haidian on 10 Nov
    expect(outlet).toMatchObject({ site: null, outlet: 'haidian', date: '2023-11-10', tickets: { issued: 0, served: 0 }, photographed: 2, confirmed: 2, payments: { count: 1, amountFen: 2000, duplicates: { count: 0 } } });
    expect(await getDayClose(rt.deps, admin, { site: 'beijing', date: '2023-11-10' })).toMatchObject({ site: 'beijing', outlet: null, photographed: 0, confirmed: 0, payments: { count: 0, amountFen: 0 } });
    expect(await getDayClose(rt.deps, admin, { outlet: 'chaoyang', date: '2023-11-10' })).toMatchObject({ photographed: 0, confirmed: 0, payments: { count: 0 } });
    // the campaign's day at beijing: both shots, one confirmation still valid (the other was voided)
    expect(await getDayClose(rt.deps, admin, { site: 'beijing', date: '2023-11-01' })).toMatchObject({ photographed: 2, confirmed: 1 });
    // the payment says where it was taken
    expect((await listPayments(rt.deps, admin, {})).items.map((p) => [p.studentNo, p.outletId])).toEqual([[NO.january, 'haidian']]);
    await expectAppError(getDayClose(rt.deps, admin, { outlet: 'nosuch' }), 'NOT_FOUND');
    const both = await expectAppError(getDayClose(rt.deps, admin, { site: 'beijing', outlet: 'haidian' }), 'VALIDATION_FAILED');
    expect(translateAppError(both, 'zh')).toContain('site、outlet 须填写且只填写其中一项');
    expect(translateAppError(both, 'en')).toContain('give exactly one of site, outlet');
    // a payment taken at an outlet before migration 0024 gets its outlet from its audit event
    await db().updateTable('payments').set({ outlet_id: null }).execute();
    expect((await getDayClose(rt.deps, admin, { site: 'beijing', date: '2023-11-10' })).payments.count).toBe(1);
    await backfillPaymentOutlets(db());
    expect((await getDayClose(rt.deps, admin, { site: 'beijing', date: '2023-11-10' })).payments.count).toBe(0);
    expect((await getDayClose(rt.deps, admin, { outlet: 'haidian', date: '2023-11-10' })).payments.count).toBe(1);
  });

  it('a closed campaign: /my offers no make-up that cannot be done (state closed, the day it closed, no outlets); a student with a photo is not-needed', async () => {
    const campaign = await getActiveCampaign(rt.deps);
    await db().insertInto('campaign_closures').values({ campaign_id: campaign.id, closed_at: new Date('2023-11-20T02:00:00.000Z').toISOString(), closed_by: null, forced_reason: '测试', report: '{}' }).execute();
    try {
      expect(await getMyMakeUp(rt.deps, students.july)).toMatchObject({ state: 'closed', closedOn: '2023-11-20', outlets: [] });
      expect(await getMyMakeUp(rt.deps, students.confirmed)).toMatchObject({ state: 'not-needed', closedOn: '2023-11-20' });
    } finally {
      await db().deleteFrom('campaign_closures').where('campaign_id', '=', campaign.id).execute();
    }
  });
});

describe('the campaign file’s make-up deadlines (S6)', () => {
  it('the file’s deadlines are read as dates; they move with the demo campaign’s days (the same whole weeks), never before make-ups open', async () => {
    const c = readPublishedDemoCampaign();
    const e = await expectAppError(Promise.resolve().then(() => parseCampaignDefinition({ ...c, makeUp: { ...c.makeUp, deadlines: { '2024-01': '30.11.2023' } } })), 'VALIDATION_FAILED');
    expect(e.params.detail).toContain('makeUp.deadlines.2024-01');
    const moved = demoCampaign(new Date('2026-12-03T00:00:00Z'));
    expect(Object.keys(moved.makeUp.deadlines ?? {})).toEqual(moved.targetTerms);
    // the notice: the campaign ends 5 Nov, the January deadline is 30 Nov (25 days later), the July one 30 Apr
    const days = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000;
    const lastDay = [...moved.days.map((d) => d.date)].sort().at(-1)!;
    expect(moved.makeUp.deadlines).toEqual({ [moved.targetTerms[0]!]: expect.any(String), [moved.targetTerms[1]!]: expect.any(String) });
    expect(days(lastDay, moved.makeUp.deadlines![moved.targetTerms[0]!]!)).toBe(25);
    expect(days(lastDay, moved.makeUp.deadlines![moved.targetTerms[1]!]!)).toBe(days('2023-11-05', '2024-04-30'));
    // the tester's day: make-ups opened 2026-12-14 and the January deadline printed was 2026-11-30
    for (const today of ['2026-12-03', '2026-11-20', '2027-06-15', '2028-02-29']) {
      const c2 = demoCampaign(new Date(`${today}T00:00:00Z`));
      const opensOn = makeUpOpensOn(c2);
      for (const d of Object.values(c2.makeUp.deadlines ?? {})) expect(d >= opensOn).toBe(true);
      for (const d of Object.values(defaultMakeUpDeadlines(c2))) expect(d >= opensOn).toBe(true);
    }
  });
});
