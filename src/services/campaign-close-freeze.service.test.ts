// Closing freezes the campaign (issue 10 section 5, A3; the tester's findings on the close), on both databases:
// a print batch created but not sent is an open hand-over; confirmed valid photos not yet sent to the registry
// block the close (with their count) unless forced with a reason; the closing report counts "exported" as the
// dashboard does; an export and a close started at once never end "closed, then delivered"; a package's
// 'delivered' step refuses on a closed campaign; and after the close every write on the campaign's data (print
// batches, deliveries, hand-overs, outlets, make-up settings, voids, confirmations, registry answers, exports)
// is refused CAMPAIGN_CLOSED by the one guard (assertCampaignOpenForWrite).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpg, importRegistryRoster, seedConfirmedPhoto, type Gpg } from '../../test/support/registry-export.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { AppError } from '../domain/errors.js';
import { translateAppError } from '../domain/i18n.js';
import { assertCampaignOpenForWrite, closeCampaign, previewCampaignClose } from './campaign-close.service.js';
import { getDashboard } from './dashboard.service.js';
import type { Actor } from './deps.js';
import { SYSTEM } from './deps.js';
import { createOutlet, updateMakeUpSettings, updateOutlet } from './makeup.service.js';
import { confirmPhoto, requestMyPhotoRetake, voidPhotoConfirmation } from './photo.service.js';
import { confirmMyPrints, createPrintBatch, createPrintDelivery, handOverPrints, receivePrintBatch, receivePrintDelivery, sendPrintBatch } from './print.service.js';
import { importRegistryAnswer } from './registry-answer.service.js';
import { recordPayment } from './payment.service.js';
import { getActiveCampaign } from './campaign.service.js';
import { wechatTx } from '../../test/support/payment-statements.js';
import { createRegistryExport, prepareRegistryExport } from './registry-export.service.js';

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

describe.each(DIALECTS)('a closed campaign is frozen on %s', { timeout: 180_000 }, (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let student: Actor;
  let gpg: Gpg;
  let recipient: Buffer;
  let out: string;
  let nos: string[];
  let campaignId: string;
  let department: string;
  const photoOf: Record<string, string> = {};
  let oldPhoto: string;
  let batchId: string;

  const key = () => ({ bytes: recipient, source: 'registry.asc' });
  const db = () => rt.deps.db.db;
  const reason = '毕业典礼已结束';

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    gpg = createGpg();
    recipient = Buffer.from(gpg.generate('registry@chsi.example.org'));
    // The clock after the key: a key made a second after "now" is not yet valid (EXPORT_KEY_UNUSABLE; CI saw it once).
    rt.clock.set(new Date().toISOString());
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-freeze-out-'));
    admin = await createActor(rt.deps, 'admin');
    ({ studentNos: nos } = await importRegistryRoster(rt.deps, 4));
    student = await createActor(rt.deps, 'student', [], nos[1]!);
    campaignId = (await db().selectFrom('campaigns').select('id').where('active', '=', 1).executeTakeFirstOrThrow()).id;
    department = (await db().selectFrom('students').select('department').where('student_no', '=', nos[0]!).executeTakeFirstOrThrow()).department;
    for (let i = 0; i < 3; i++) photoOf[nos[i]!] = await seedConfirmedPhoto(rt.deps, nos[i]!, i + 1);
    // student 4 has no photo: a make-up still allowed (forceable with a reason)
  }, 180_000);
  afterAll(async () => {
    await rt?.close();
    gpg?.remove();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('a print batch created but not sent is an open hand-over: the close is refused, even forced', async () => {
    const batch = await createPrintBatch(rt.deps, admin, {}, 'zh');
    batchId = batch.value.id;
    const preview = await previewCampaignClose(rt.deps, admin, 'zh');
    expect(preview.blockers.find((b) => b.kind === 'handoversOpen')?.count).toBe(1);
    expect(preview.forceable).toBe(false);
    const e = await expectAppError(closeCampaign(rt.deps, admin, { confirm: campaignId, force: true, reason }, 'zh'), 'CAMPAIGN_CLOSE_BLOCKED');
    expect(translateAppError(e, 'zh')).toContain('1 个照片交接步骤尚未完成（打印批次未寄出或未确认接收）');
    expect(await db().selectFrom('campaign_closures').selectAll().execute()).toHaveLength(0);
    // the batch goes its way (sent and received by the school): no hand-over open any more
    await sendPrintBatch(rt.deps, admin, batchId, { count: 3 });
    await receivePrintBatch(rt.deps, admin, batchId, { count: 3 }, 'zh');
    expect((await previewCampaignClose(rt.deps, admin, 'zh')).blockers.map((b) => b.kind)).not.toContain('handoversOpen');
  });

  it('confirmed valid photos not yet exported block the close with their count, unless forced with a reason', async () => {
    const preview = await previewCampaignClose(rt.deps, admin, 'en');
    expect(preview.blockers.find((b) => b.kind === 'confirmedNotExported')?.count).toBe(3);
    expect(preview.forceable).toBe(true);
    const zh = await expectAppError(closeCampaign(rt.deps, admin, { confirm: campaignId }, 'zh'), 'CAMPAIGN_CLOSE_BLOCKED');
    expect(translateAppError(zh, 'zh')).toContain('3 张已确认的有效照片尚未上传学信网');
    const en = await expectAppError(closeCampaign(rt.deps, admin, { confirm: campaignId }, 'en'), 'CAMPAIGN_CLOSE_BLOCKED');
    expect(translateAppError(en, 'en')).toContain('3 confirmed valid photos not yet sent to the registry');
    await expectAppError(closeCampaign(rt.deps, admin, { confirm: campaignId, force: true }, 'zh'), 'CAMPAIGN_CLOSE_REASON_REQUIRED');
  });

  it("a package's 'delivered' step refuses once the campaign is closed: the batch fails, nothing is counted delivered", async () => {
    const prepared = await prepareRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out });
    if ('nothingToExport' in prepared) throw new Error('expected photos to export');
    // the campaign closes while the package is being written (a closure row as closeCampaign writes it)
    await db().insertInto('campaign_closures').values({ campaign_id: campaignId, closed_at: rt.clock.now().toISOString(), closed_by: 'test', forced_reason: null, report: '{}' }).execute();
    await expectAppError(prepared.build(), 'CAMPAIGN_CLOSED');
    const rows = await db().selectFrom('registry_exports').select(['status']).execute();
    expect(rows.map((r) => r.status)).toEqual(['failed']);
    expect(await db().selectFrom('registry_export_items').selectAll().execute()).toHaveLength(0);
    await db().deleteFrom('campaign_closures').where('campaign_id', '=', campaignId).execute();
  });

  it("the closing report's exported count is the dashboard's (an exported photo voided and re-taken is not exported)", async () => {
    const r = await createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out });
    expect(r.export?.photoCount).toBe(3);
    // student 1's confirmation is voided after the export and a new photo confirmed: not exported any more
    oldPhoto = photoOf[nos[0]!]!;
    await voidPhotoConfirmation(rt.deps, admin, oldPhoto, '照片有误，重拍', 'zh');
    photoOf[nos[0]!] = await seedConfirmedPhoto(rt.deps, nos[0]!, 11);
    const dashboard = await getDashboard(rt.deps, admin, {});
    const preview = await previewCampaignClose(rt.deps, admin, 'zh');
    expect(dashboard.totals.exported).toBe(2);
    expect(preview.report.totals.exported).toBe(dashboard.totals.exported);
    expect(preview.report.totals).toMatchObject({ required: dashboard.totals.required, confirmed: dashboard.totals.confirmed, printed: dashboard.totals.printed, handedOver: dashboard.totals.handedOver });
    expect(preview.blockers.find((b) => b.kind === 'confirmedNotExported')?.count).toBe(1);
  });

  it('a close waits for a write holding the campaign row, then sees what it wrote (a package being built)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let opened!: () => void;
    const started = new Promise<void>((r) => (opened = r));
    const at = rt.clock.now().toISOString();
    const exportId = crypto.randomUUID();
    // a package opened as prepareRegistryExport opens it: the guard first, then the 'building' row, not yet committed
    const writer = db()
      .transaction()
      .execute(async (tx) => {
        await assertCampaignOpenForWrite(rt.deps, tx, { id: campaignId, timezone: 'Asia/Shanghai' });
        await tx
          .insertInto('registry_exports')
          .values({ id: exportId, campaign_id: campaignId, status: 'building', file_name: 'x.zip.gpg', out_dir: out, file_pattern: '<studentNo>.jpg', recipient_fingerprint: 'x', signer_fingerprint: null, photo_count: 1, withdrawn_count: 0, progress_done: 0, bytes: null, sha256: null, owner: 'test:1', heartbeat_at: at, error_code: null, created_by: null, created_at: at, finished_at: null })
          .execute();
        opened();
        await gate;
      });
    await started;
    const closing = closeCampaign(rt.deps, admin, { confirm: campaignId, force: true, reason }, 'zh').then(
      () => 'closed',
      (e: unknown) => (e instanceof AppError ? e.code : String(e)),
    );
    // give the close every chance to run ahead of the writer; it must wait for the campaign row instead
    await new Promise((r) => setTimeout(r, 500));
    release();
    await writer;
    expect(await closing).toBe('CAMPAIGN_CLOSE_BLOCKED');
    expect(await db().selectFrom('campaign_closures').selectAll().execute()).toHaveLength(0);
    await db().updateTable('registry_exports').set({ status: 'failed', finished_at: at }).where('id', '=', exportId).execute();
  });

  it('an export and a close started at once: one wins, never "closed, then delivered"', async () => {
    const [exp, close] = await Promise.allSettled([createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out }), closeCampaign(rt.deps, admin, { confirm: campaignId, force: true, reason }, 'zh')]);
    if (exp.status === 'rejected') expect((exp.reason as AppError).code).toBe('CAMPAIGN_CLOSED');
    if (close.status === 'rejected') {
      // the export came first: the close saw the package being built
      expect((close.reason as AppError).code).toBe('CAMPAIGN_CLOSE_BLOCKED');
      expect(exp.status).toBe('fulfilled');
      await closeCampaign(rt.deps, admin, { confirm: campaignId, force: true, reason }, 'zh');
    }
    expect(exp.status === 'fulfilled' || close.status === 'fulfilled').toBe(true);
    const closure = await db().selectFrom('campaign_closures').selectAll().executeTakeFirstOrThrow();
    const report = JSON.parse(closure.report) as { exports: { batches: number; photos: number }; totals: { exported: number } };
    // everything delivered was delivered before the close: the report counts every delivered package
    const delivered = await db().selectFrom('registry_exports').select(['id', 'finished_at']).where('status', '=', 'delivered').execute();
    expect(report.exports.batches).toBe(delivered.length);
    expect(await db().selectFrom('registry_exports').select('id').where('status', '=', 'building').execute()).toHaveLength(0);
    expect(report.totals.exported).toBe((await getDashboard(rt.deps, admin, {})).totals.exported);
    const events = await db().selectFrom('audit_events').select(['action', 'seq']).where('action', 'in', ['registry.exported', 'campaign.closed']).orderBy('seq').execute();
    expect(events.at(-1)?.action).toBe('campaign.closed');
  });

  it('after the close every write on the campaign data is refused CAMPAIGN_CLOSED', async () => {
    const ops: [string, () => Promise<unknown>][] = [
      ['print batch', () => createPrintBatch(rt.deps, admin, {}, 'zh')],
      ['send batch', () => sendPrintBatch(rt.deps, admin, batchId, { count: 3 })],
      ['receive batch', () => receivePrintBatch(rt.deps, admin, batchId, { count: 3 }, 'zh')],
      ['delivery', () => createPrintDelivery(rt.deps, admin, { department })],
      ['receive delivery', () => receivePrintDelivery(rt.deps, admin, crypto.randomUUID(), { count: 1 }, 'zh')],
      ['hand-over', () => handOverPrints(rt.deps, admin, { department, studentNos: [nos[1]!] }, 'zh')],
      ["student's receipt", () => confirmMyPrints(rt.deps, student, 'zh')],
      ['outlet', () => createOutlet(rt.deps, admin, { id: 'haidian', nameZh: '图片社海淀店', nameEn: 'Agency, Haidian', address: '北京市海淀区中关村大街 1 号', city: '北京市', hours: '周一至周六 9:00–17:00', stations: 1 })],
      ['outlet change', () => updateOutlet(rt.deps, admin, 'haidian', { nameZh: '图片社海淀二店' })],
      ['make-up settings', () => updateMakeUpSettings(rt.deps, admin, { deadlines: { '2024-01': '2099-12-15' } })],
      ['void', () => voidPhotoConfirmation(rt.deps, admin, photoOf[nos[1]!]!, '照片有误，重拍', 'zh')],
      ['confirm', () => confirmPhoto(rt.deps, admin, oldPhoto, 'zh')],
      ["student's re-take request", () => requestMyPhotoRetake(rt.deps, student, { photoId: photoOf[nos[1]!]! }, 'zh')],
      ['registry answer', () => importRegistryAnswer(rt.deps, admin, { buffer: Buffer.from(`学号,结果\n${nos[1]!},不通过\n`), fileName: 'answer.csv' }, 'zh')],
      ['export', () => createRegistryExport(rt.deps, SYSTEM, { recipient: key(), outDir: out })],
      ['payment', async () => recordPayment(rt.deps, admin, { studentNo: nos[2]!, method: 'wechat', transactionId: wechatTx(9101), amountFen: Math.round((await getActiveCampaign(rt.deps)).price.amount * 100) })],
    ];
    const refused: string[] = [];
    for (const [name, op] of ops) {
      const e = await op().then(
        () => 'succeeded',
        (err: unknown) => (err instanceof AppError ? err.code : String(err)),
      );
      refused.push(`${name}: ${e}`);
    }
    expect(refused).toEqual(ops.map(([name]) => `${name}: CAMPAIGN_CLOSED`));
    // nothing changed: the confirmation stands, no outlet, no second batch
    expect(await db().selectFrom('photo_confirmations').select('id').where('photo_id', '=', photoOf[nos[1]!]!).where('voided_at', 'is', null).execute()).toHaveLength(1);
    expect(await db().selectFrom('makeup_outlets').select('id').execute()).toHaveLength(0);
    expect(await db().selectFrom('print_batches').select('id').execute()).toHaveLength(1);
  });
});
