// The small campaign the corrections and dashboard tests read (issue 10 sections 4 and 6), built through the
// services where they exist: roster import, bookings, payments, the registry package (createRegistryExport with
// an openpgp.js key), an admin's void (voidPhotoConfirmation), E7 by a roster import that defers two students.
// Confirmed photos are stored as the photo pipeline stores them (seedConfirmedPhoto: the pipeline and the
// confirmation flows are tested elsewhere); the print set goes through the prints slice's hand-over chain.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { createBooking } from '../../src/services/booking.service.js';
import type { Actor, ServiceDeps } from '../../src/services/deps.js';
import { recordPayment, updatePaymentSettings } from '../../src/services/payment.service.js';
import { voidPhotoConfirmation } from '../../src/services/photo.service.js';
import { createPrintBatch, createPrintDelivery, handOverPrints, receivePrintBatch, receivePrintDelivery, sendPrintBatch } from '../../src/services/print.service.js';
import { createRegistryExport } from '../../src/services/registry-export.service.js';
import { applyRosterImport } from '../../src/services/roster.service.js';
import { listSessions } from '../../src/services/session.service.js';
import { SYSTEM } from '../../src/services/deps.js';
import { seedConfirmedPhoto } from './registry-export.js';
import { rosterCsv, rosterRow, type RosterRow } from './rosters.js';
import type { FakeClock } from './runtime.js';

export const PHYSICS = '物理学院';
export const MATH = '数学科学学院';

/**
 * A not booked; B booked Thursday 11-02; C confirmed, exported in batch 1, printed and handed over, paid;
 * D confirmed, exported in batch 1, then voided by the admin (withdrawn in batch 2); E confirmed, exported in
 * batch 1, then deferred (E4: its photo flagged E7, withdrawn in batch 2); F confirmed after batch 1, then
 * deferred (flagged, never exported); G of 数学科学学院, confirmed after batch 2, paid. C, D, G booked 11-01.
 */
export const NO = { A: '2603000001', B: '2603000002', C: '2603000003', D: '2603000004', E: '2603000005', F: '2603000006', G: '2603000007' } as const;
export const VOID_REASON = '照片背景偏灰，学生要求重拍';

function roster(deferred: string[]): string {
  const rows: RosterRow[] = Object.values(NO).map((no) =>
    rosterRow(no, { 姓名: no === NO.D ? '欧阳娜娜' : '张小三', 院系: no === NO.G ? MATH : PHYSICS, ...(deferred.includes(no) ? { 确定延期至: '2025-01' } : {}) }),
  );
  return rosterCsv(rows);
}

export interface CorrectionsFixture {
  photoOf: Record<string, string>;
  batch1: string;
  batch2: string;
  outDir: string;
}

/** Builds the campaign as above; the clock ends on 物理学院's day 2023-11-01, 15:00 in Beijing. */
export async function buildCorrectionsFixture(deps: ServiceDeps, clock: FakeClock, admin: Actor, operator: Actor): Promise<CorrectionsFixture> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-corrections-'));
  const key = await openpgp.generateKey({ userIDs: [{ name: 'Registry', email: 'registry@chsi.example.org' }], date: new Date('2023-01-01T00:00:00Z'), format: 'armored' });
  const recipient = { bytes: Buffer.from(key.publicKey), source: 'registry.asc' };
  await applyRosterImport(deps, admin, { buffer: Buffer.from(roster([])) }, 'roster.csv', 'zh');
  for (const site of ['beijing', 'shenzhen']) await updatePaymentSettings(deps, SYSTEM, site, { paymentBeforeQueue: false });

  const sessions = (await listSessions(deps, admin, {})).items;
  const slot = (date: string, start: string) => sessions.find((s) => s.site === 'beijing' && s.date === date && s.start === start)!.id;
  await createBooking(deps, admin, { sessionId: slot('2023-11-02', '09:30'), studentNo: NO.B });
  for (const no of [NO.C, NO.D, NO.G]) await createBooking(deps, admin, { sessionId: slot('2023-11-01', '09:30'), studentNo: no });

  // the day, 10:00: C, D, E confirmed; C paid; batch 1 carries C, D, E
  clock.set('2023-11-01T02:00:00.000Z');
  const photoOf: Record<string, string> = {};
  for (const [i, no] of [NO.C, NO.D, NO.E].entries()) photoOf[no] = await seedConfirmedPhoto(deps, no, i + 1);
  await recordPayment(deps, operator, { studentNo: NO.C, method: 'wechat', transactionId: '4200001901202311010000000301', amountFen: 2000 });
  const first = await createRegistryExport(deps, SYSTEM, { recipient, outDir });
  const batch1 = first.export!.fileName;

  // 11:00: F confirmed; D voided by the admin; E and F deferred by a roster import (E7)
  clock.set('2023-11-01T03:00:00.000Z');
  photoOf[NO.F] = await seedConfirmedPhoto(deps, NO.F, 6);
  await voidPhotoConfirmation(deps, admin, photoOf[NO.D]!, VOID_REASON, 'zh');
  clock.set('2023-11-01T03:30:00.000Z');
  await applyRosterImport(deps, admin, { buffer: Buffer.from(roster([NO.E, NO.F])) }, 'roster-2.csv', 'zh');

  // 12:00: batch 2 withdraws D and E (nothing new to export: F is flagged)
  clock.set('2023-11-01T04:00:00.000Z');
  const second = await createRegistryExport(deps, SYSTEM, { recipient, outDir });
  const batch2 = second.export!.fileName;

  // 14:00: G confirmed and paid; C's print set printed and handed over
  clock.set('2023-11-01T06:00:00.000Z');
  photoOf[NO.G] = await seedConfirmedPhoto(deps, NO.G, 7);
  await recordPayment(deps, operator, { studentNo: NO.G, method: 'alipay', transactionId: '2023110122001400000000000701', amountFen: 2000 });
  // the prints slice's chain: the agency prints 物理学院's sets (C only: D voided, E and F invalid), the graduate
  // school receives them and sends them on, the department receives them and hands C's over
  const batch = await createPrintBatch(deps, operator, { department: PHYSICS, copies: 2 });
  await sendPrintBatch(deps, operator, batch.value.id, { count: 1 });
  await receivePrintBatch(deps, admin, batch.value.id, { count: 1 });
  const delivery = await createPrintDelivery(deps, admin, { department: PHYSICS });
  await receivePrintDelivery(deps, admin, delivery.value.id, { count: 1 });
  await handOverPrints(deps, admin, { department: PHYSICS, studentNos: [NO.C] });
  clock.set('2023-11-01T07:00:00.000Z');
  return { photoOf, batch1, batch2, outDir };
}
