// Prints and hand-over (issue 10 section 2, A2) on both databases: a batch takes every confirmed, valid photo not
// yet printed and never a photo twice; the sheet PDF (parsed back with pdftotext/pdfinfo) has a page per four sets,
// the labels with masked names and no ID number, one audit event per sheet; the chain agency → graduate school →
// department → student with each count checked; every bad input refused with its code and nothing changed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster, seedConfirmedPhoto } from '../../test/support/registry-export.js';
import { expectAppError } from '../../test/support/app-errors.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { openHandoverCount } from '../repositories/print.repository.js';
import type { Actor } from './deps.js';
import { voidPhotoConfirmation } from './photo.service.js';
import * as prints from './print.service.js';

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** pdftotext and pdfinfo read the PDF as a viewer would (a scratch file: test data only). */
function readPdf(pdf: Buffer): { text: string; pages: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-prints-'));
  try {
    const file = path.join(dir, 'x.pdf');
    fs.writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    return { text, pages: Number(/Pages:\s+(\d+)/.exec(info)![1]) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const SCREENS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../test-results/screens');

/** Page 1 as a PNG in test-results/screens (test data only), to look at the layout. */
function renderPage(pdf: Buffer, name: string): void {
  fs.mkdirSync(SCREENS, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-prints-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.pdf'), pdf);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', path.join(dir, 'x.pdf'), path.join(SCREENS, name)]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(DIALECTS)('prints and hand-over on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let nos: string[];
  let ids: string[];
  const photo: Record<string, string> = {};
  let operator: Actor;
  let admin: Actor;
  let physics: Actor;
  let chemistry: Actor;
  const student = (no: string) => ({ principal: { userId: `u-${no}`, username: no, role: 'student' as const, departments: [], studentNo: no }, ip: null });

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    // students 1–6 of 物理学院, 7–8 of 化学与分子工程学院 (names: 张小三 / 欧阳娜娜)
    ({ studentNos: nos, nationalIds: ids } = await importRegistryRoster(rt.deps, 8, { 6: { 院系: '化学与分子工程学院' }, 7: { 院系: '化学与分子工程学院' } }));
    for (const [i, no] of nos.entries()) if (i !== 5) photo[no] = await seedConfirmedPhoto(rt.deps, no, i + 1);
    operator = await createActor(rt.deps, 'operator');
    admin = await createActor(rt.deps, 'admin');
    physics = await createActor(rt.deps, 'secretary', ['物理学院']);
    chemistry = await createActor(rt.deps, 'secretary', ['化学与分子工程学院']);
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('walks the chain: batch, sheet, sent, received, delivered, received by the department, handed over', async () => {
    const campaignId = (await rt.deps.db.db.selectFrom('campaigns').select('id').where('active', '=', 1).executeTakeFirstOrThrow()).id;
    // a secretary may not print; the operator may not receive
    await expectAppError(prints.createPrintBatch(rt.deps, physics, {}), 'FORBIDDEN');
    const list0 = await prints.listPrintBatches(rt.deps, operator);
    expect(list0.unprinted).toEqual([
      { department: '化学与分子工程学院', count: 2 },
      { department: '物理学院', count: 5 },
    ]);
    const created = await prints.createPrintBatch(rt.deps, operator, { department: '物理学院', copies: 4 });
    expect(created.created).toBe(true);
    const batch = created.value;
    expect(batch).toMatchObject({ number: 1, department: '物理学院', copies: 4, status: 'open', sets: 5, voided: 0 });
    // nothing new for physics: refused, no batch
    await expectAppError(prints.createPrintBatch(rt.deps, operator, { department: '物理学院' }), 'PRINT_NOTHING_TO_PRINT');

    // student 2's confirmation is voided before the batch is sent: taken out of the open batch
    await voidPhotoConfirmation(rt.deps, admin, photo[nos[1]!]!, '学生要求重拍', 'zh');
    const sheet = await prints.openPrintSheet(rt.deps, operator, batch.id, '物理学院');
    const pdf = await streamToBuffer(sheet.stream);
    const { text, pages } = readPdf(pdf);
    expect(pages).toBe(1); // 4 sets, 4 per page
    if (dialect === 'sqlite') renderPage(pdf, 'print-sheet');
    for (const no of [nos[0]!, nos[2]!, nos[3]!, nos[4]!]) expect(text).toContain(no);
    expect(text).not.toContain(nos[1]!);
    expect(text).toContain('张*三');
    expect(text).toContain('欧**娜');
    expect(text).not.toContain('张小三');
    for (const id of ids) expect(pdf.includes(Buffer.from(id))).toBe(false);
    for (const id of ids) expect(text).not.toContain(id);
    const audit = await rt.deps.db.db.selectFrom('audit_events').select(['details']).where('action', '=', 'prints.sheet_downloaded').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ number: 1, department: '物理学院', sets: 4, copies: 4 });
    await expectAppError(prints.openPrintSheet(rt.deps, operator, batch.id, '化学与分子工程学院'), 'PRINT_DEPARTMENT_NOT_IN_BATCH');

    // sent with the wrong count: refused; with 4: sent, the void set removed
    await expectAppError(prints.sendPrintBatch(rt.deps, operator, batch.id, { count: 5 }), 'PRINT_SEND_COUNT_MISMATCH');
    const sent = await prints.sendPrintBatch(rt.deps, operator, batch.id, { count: 4 });
    expect(sent).toMatchObject({ status: 'sent', sentCount: 4, sets: 4, voided: 0 });
    await expectAppError(prints.sendPrintBatch(rt.deps, operator, batch.id, { count: 4 }), 'PRINT_BATCH_NOT_OPEN');
    expect(await openHandoverCount(rt.deps.db, campaignId)).toBe(1);

    // the admin receives: a different count without a note is refused; with a note it is a recorded discrepancy
    await expectAppError(prints.receivePrintBatch(rt.deps, operator, batch.id, { count: 4 }), 'FORBIDDEN');
    const mismatch = await expectAppError(prints.receivePrintBatch(rt.deps, admin, batch.id, { count: 3 }), 'PRINT_COUNT_MISMATCH');
    expect(mismatch.params).toEqual({ count: 3, expected: 4 });
    const received = await prints.receivePrintBatch(rt.deps, admin, batch.id, { count: 4 });
    expect(received).toMatchObject({ status: 'received', receivedCount: 4, discrepancyNote: null });
    const twice = await expectAppError(prints.receivePrintBatch(rt.deps, admin, batch.id, { count: 4 }), 'PRINT_BATCH_ALREADY_RECEIVED');
    expect(twice.params).toMatchObject({ number: 1, count: 4, at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d$/) });
    expect(await openHandoverCount(rt.deps.db, campaignId)).toBe(0);

    // a chemistry batch, not yet sent, cannot be received
    const chem = (await prints.createPrintBatch(rt.deps, operator, {})).value;
    expect(chem).toMatchObject({ number: 2, department: null, sets: 2, departments: [{ department: '化学与分子工程学院', sets: 2, voided: 0 }] });
    await expectAppError(prints.receivePrintBatch(rt.deps, admin, chem.id, { count: 2 }), 'PRINT_BATCH_NOT_SENT');

    // student 5's photo is voided after printing: flagged, never delivered, never handed over
    await voidPhotoConfirmation(rt.deps, admin, photo[nos[4]!]!, '学信网反馈有误', 'zh');
    const deliveries0 = await prints.listPrintDeliveries(rt.deps, admin);
    expect(deliveries0.ready).toEqual([{ department: '物理学院', count: 3 }]);
    await expectAppError(prints.createPrintDelivery(rt.deps, admin, { department: '化学与分子工程学院' }), 'PRINT_NOTHING_TO_DELIVER');
    await expectAppError(prints.createPrintDelivery(rt.deps, physics, { department: '物理学院' }), 'FORBIDDEN');
    const delivery = (await prints.createPrintDelivery(rt.deps, admin, { department: '物理学院' })).value;
    expect(delivery).toMatchObject({ department: '物理学院', sentCount: 3, receivedAt: null, handed: 0 });
    // the delivery, and the chemistry batch created but not sent (a hand-over step not done either)
    expect(await openHandoverCount(rt.deps.db, campaignId)).toBe(2);

    // before the department has received them, nobody can be handed over
    const early = await expectAppError(prints.handOverPrints(rt.deps, physics, { department: '物理学院', studentNos: [nos[0]!] }, 'zh'), 'PRINT_STUDENTS_REFUSED');
    expect(early.details).toEqual({ refused: [{ studentNo: nos[0], reason: 'not_at_department' }] });
    await expectAppError(prints.confirmMyPrints(rt.deps, student(nos[0]!), 'zh'), 'PRINT_NOT_GIVEN');

    // the chemistry secretary may not receive physics' delivery; the physics one receives it with a discrepancy note
    const other = await expectAppError(prints.receivePrintDelivery(rt.deps, chemistry, delivery.id, { count: 3 }), 'PRINT_DEPARTMENT_FORBIDDEN');
    expect(other.params).toEqual({ department: '物理学院' });
    expect((await prints.listPrintDeliveries(rt.deps, chemistry)).items).toEqual([]);
    await expectAppError(prints.receivePrintDelivery(rt.deps, physics, delivery.id, { count: 2 }), 'PRINT_COUNT_MISMATCH');
    const got = await prints.receivePrintDelivery(rt.deps, physics, delivery.id, { count: 2, note: '一套压坏，已退回研究生院' });
    expect(got).toMatchObject({ receivedCount: 2, discrepancyNote: '一套压坏，已退回研究生院' });
    await expectAppError(prints.receivePrintDelivery(rt.deps, physics, delivery.id, { count: 3 }), 'PRINT_DELIVERY_ALREADY_RECEIVED');
    expect(await openHandoverCount(rt.deps.db, campaignId)).toBe(1); // the chemistry batch, still not sent

    // the list: 1, 3, 4 at the department; 5 void; 2 taken out (no prints)
    const list = await prints.getHandoverList(rt.deps, physics, { department: '物理学院' });
    expect(list.counts).toEqual({ total: 4, handed: 0, atDepartment: 3, notYetAtDepartment: 0, voided: 1 });
    expect(list.items.find((r) => r.studentNo === nos[0])).toMatchObject({ name: '张小三', state: 'at_department' });
    await expectAppError(prints.getHandoverList(rt.deps, chemistry, { department: '物理学院' }), 'PRINT_DEPARTMENT_FORBIDDEN');

    // bad numbers: all refused together, nothing marked; each named with its reason
    const bad = await expectAppError(
      prints.handOverPrints(rt.deps, physics, { department: '物理学院', studentNos: [nos[0]!, nos[6]!, nos[1]!, nos[4]!, '2999999999'] }, 'en'),
      'PRINT_STUDENTS_REFUSED',
    );
    expect(bad.details).toEqual({
      refused: [
        { studentNo: nos[6], reason: 'other_department' },
        { studentNo: nos[1], reason: 'no_prints' },
        { studentNo: nos[4], reason: 'voided' },
        { studentNo: '2999999999', reason: 'unknown' },
      ],
    });
    expect(String(bad.params.list)).toContain(`${nos[6]} (a student of another department)`);
    await expectAppError(prints.handOverPrints(rt.deps, physics, { department: '化学与分子工程学院', studentNos: [nos[6]!] }), 'PRINT_DEPARTMENT_FORBIDDEN');
    expect((await prints.getHandoverList(rt.deps, physics, { department: '物理学院' })).counts.handed).toBe(0);

    // the secretary hands student 1 over; again: already handed, no second event
    expect(await prints.handOverPrints(rt.deps, physics, { department: '物理学院', studentNos: [nos[0]!] })).toEqual({ handed: [nos[0]], alreadyHanded: [] });
    expect(await prints.handOverPrints(rt.deps, physics, { department: '物理学院', studentNos: [nos[0]!] })).toEqual({ handed: [], alreadyHanded: [nos[0]] });

    // student 3 confirms on /my; student 5 (void) cannot; student 2 (no prints) cannot
    expect(await prints.getMyPrints(rt.deps, student(nos[2]!))).toMatchObject({ state: 'at_department', canConfirm: true });
    const mine = await prints.confirmMyPrints(rt.deps, student(nos[2]!), 'zh');
    expect(mine.value).toMatchObject({ state: 'handed', handedMethod: 'student', canConfirm: false });
    expect((await prints.confirmMyPrints(rt.deps, student(nos[2]!), 'zh')).created).toBe(false);
    await expectAppError(prints.confirmMyPrints(rt.deps, student(nos[4]!), 'zh'), 'PRINT_VOIDED');
    const never = await expectAppError(prints.confirmMyPrints(rt.deps, student(nos[1]!), 'zh'), 'PRINT_NOT_GIVEN');
    expect(never.params).toEqual({ state: '尚未打印' });

    // not received: student 4 (and 5, void); the XLSX and the PDF
    const notReceived = await prints.getHandoverList(rt.deps, physics, { department: '物理学院', notReceived: 'true' });
    expect(notReceived.items.map((r) => r.studentNo)).toEqual([nos[3], nos[4]]);
    const xlsx = await prints.exportNotReceived(rt.deps, physics, '物理学院', 'zh');
    expect(xlsx.rows).toBe(2);
    const handoverPdf = await prints.renderHandoverList(rt.deps, physics, '物理学院', 'zh');
    const read = readPdf(handoverPdf.body);
    expect(read.pages).toBe(1);
    if (dialect === 'sqlite') renderPage(handoverPdf.body, 'handover-list');
    expect(read.text).toContain('领取人签字');
    expect(read.text).toContain('张小三');
    for (const no of [nos[0]!, nos[2]!, nos[3]!]) expect(read.text).toContain(no);
    for (const id of ids) expect(read.text).not.toContain(id);

    // every step audited with its count
    const actions = (await rt.deps.db.db.selectFrom('audit_events').select('action').where('action', 'like', 'prints.%').orderBy('seq').execute()).map((r) => r.action);
    expect(actions).toEqual([
      'prints.batch_created',
      'prints.sheet_downloaded',
      'prints.batch_sent',
      'prints.batch_received',
      'prints.batch_created',
      'prints.delivery_sent',
      'prints.delivery_received',
      'prints.handed_over',
      'prints.handed_over',
      'prints.handover_list_downloaded',
      'prints.handover_list_downloaded',
    ]);
    // the contract for the other slices: handed over iff handed_to_student_at is set
    const handed = await rt.deps.db.db.selectFrom('print_items').select('photo_id').where('handed_to_student_at', 'is not', null).execute();
    expect(handed.map((r) => r.photo_id).sort()).toEqual([photo[nos[0]!], photo[nos[2]!]].sort());
  });

  it('41 students: two batches asked at once make one; the sheet has a page per two sets of 8, in student-number order', async () => {
    const rt2 = await createTestRuntime(dialect);
    try {
      const { studentNos } = await importRegistryRoster(rt2.deps, 41);
      for (const [i, no] of studentNos.entries()) await seedConfirmedPhoto(rt2.deps, no, i + 1);
      const op = await createActor(rt2.deps, 'operator');
      // two clicks at once: one batch of all 41, the other told there is nothing left (never a photo twice)
      const [one, two] = await Promise.allSettled([prints.createPrintBatch(rt2.deps, op, { copies: 8 }), prints.createPrintBatch(rt2.deps, op, { copies: 8 })]);
      const won = [one, two].filter((r) => r.status === 'fulfilled');
      const lost = [one, two].filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['PRINT_NOTHING_TO_PRINT']);
      const b = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof prints.createPrintBatch>>>).value.value;
      expect(b.sets).toBe(41);
      expect(await rt2.deps.db.db.selectFrom('print_items').select('id').execute()).toHaveLength(41);
      const pdf = await streamToBuffer((await prints.openPrintSheet(rt2.deps, op, b.id, '物理学院', 'en')).stream);
      const { text, pages } = readPdf(pdf);
      expect(pages).toBe(21); // 8 copies: two rows, two sets per page
      const positions = studentNos.map((no) => text.indexOf(no));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, z) => a - z)).toEqual(positions);
      expect(text).toContain('page 21 of 21');
    } finally {
      await rt2.close();
    }
  });
});
