// Closing a campaign (issue 10 section 5, A3), on both databases: the typed confirmation; refusals while a
// registry package is building or hand-overs are open (CAMPAIGN_CLOSE_BLOCKED with counts) and while make-ups are
// still allowed unless forced with a reason; the purge (ID numbers with their hash and mask, phones, e-mail
// addresses; originals and shots not chosen; standard photos accepted and handed over) proven on the rows and by
// trying to decrypt; the closing report; bookings, waitlist, check-ins and uploads refused CAMPAIGN_CLOSED
// afterwards; closing twice answers "already closed"; the audit chain verifies.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster } from '../../test/support/registry-export.js';
import { seedPrintsHandedOver, seedRegistryAccepted, seedShot, tryDecrypt, type SeededShot } from '../../test/support/retention.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { AppError } from '../domain/errors.js';
import { translateAppError } from '../domain/i18n.js';
import { verifyAuditChain } from './audit.service.js';
import { createBooking, joinWaitlist } from './booking.service.js';
import { closeCampaign, previewCampaignClose } from './campaign-close.service.js';
import type { Actor } from './deps.js';
import { getPhotoImage, uploadPhoto } from './photo.service.js';
import { checkIn } from './queue.service.js';
import { applyRosterImport } from './roster.service.js';
import { getRecordOfProcessing } from './record-of-processing.service.js';

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

describe.each(DIALECTS)('closing the campaign on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  let operator: Actor;
  let nos: string[];
  let campaignId: string;
  let served: SeededShot;
  let notHanded: SeededShot;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.clock.set('2026-06-01T02:00:00.000Z');
    admin = await createActor(rt.deps, 'admin');
    operator = await createActor(rt.deps, 'operator');
    ({ studentNos: nos } = await importRegistryRoster(rt.deps, 4));
    campaignId = (await rt.deps.db.db.selectFrom('campaigns').select('id').where('active', '=', 1).executeTakeFirstOrThrow()).id;
    served = await seedShot(rt.deps, nos[0]!, 1, { confirm: true });
    await seedRegistryAccepted(rt.deps, served.photoId);
    await seedPrintsHandedOver(rt.deps, served.photoId);
    notHanded = await seedShot(rt.deps, nos[1]!, 2, { confirm: true });
    await seedRegistryAccepted(rt.deps, notHanded.photoId);
    // students 3 and 4 have no photo: their make-up is still open (the deadlines are moved after the test's clock)
    const row = await rt.deps.db.db.selectFrom('campaigns').select('definition').where('id', '=', campaignId).executeTakeFirstOrThrow();
    const definition = JSON.parse(row.definition) as { makeUp: Record<string, unknown>; targetTerms: string[] };
    definition.makeUp = { ...definition.makeUp, deadline: '2026-09-30', deadlines: Object.fromEntries(definition.targetTerms.map((t) => [t, '2026-09-30'])) };
    await rt.deps.db.db.updateTable('campaigns').set({ definition: JSON.stringify(definition) }).where('id', '=', campaignId).execute();
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('refuses a wrong confirmation, a package being built and open hand-overs, naming each with its count', async () => {
    const mismatch = await expectAppError(closeCampaign(rt.deps, admin, { confirm: 'wrong' }, 'zh'), 'CAMPAIGN_CLOSE_CONFIRM_MISMATCH');
    expect(translateAppError(mismatch, 'zh')).toContain(campaignId);
    const at = rt.clock.now().toISOString();
    const exportId = crypto.randomUUID();
    await rt.deps.db.db
      .insertInto('registry_exports')
      .values({ id: exportId, campaign_id: campaignId, status: 'building', file_name: 'x.zip.gpg', out_dir: '/tmp', file_pattern: '<studentNo>.jpg', recipient_fingerprint: 'x', signer_fingerprint: null, photo_count: 1, withdrawn_count: 0, progress_done: 0, bytes: null, sha256: null, owner: 'elsewhere:1', heartbeat_at: at, error_code: null, created_by: null, created_at: at, finished_at: null })
      .execute();
    const batch = await seedShot(rt.deps, nos[2]!, 3);
    await seedPrintsHandedOver(rt.deps, batch.photoId, { handed: false, batchStatus: 'sent' });
    const preview = await previewCampaignClose(rt.deps, admin, 'zh');
    expect(preview.blockers.map((b) => [b.kind, b.count])).toEqual([
      ['exportBuilding', 1],
      ['handoversOpen', 1],
      // the seeded answers have no package items: both confirmed photos count as not yet sent to the registry
      ['confirmedNotExported', 2],
      ['makeupsBeforeDeadline', 2],
    ]);
    expect(preview.forceable).toBe(false);
    const blocked = await expectAppError(closeCampaign(rt.deps, admin, { confirm: campaignId, force: true, reason: '毕业典礼已结束' }, 'zh'), 'CAMPAIGN_CLOSE_BLOCKED');
    expect(translateAppError(blocked, 'zh')).toBe('采集活动暂不能关闭，仍有未完成的事项：1 批学信网上传包正在生成；1 个照片交接步骤尚未完成（打印批次未寄出或未确认接收）');
    const blockedEn = await expectAppError(closeCampaign(rt.deps, admin, { confirm: campaignId }, 'en'), 'CAMPAIGN_CLOSE_BLOCKED');
    expect(translateAppError(blockedEn, 'en')).toContain('1 registry package being built; 1 print hand-over not yet done (a print batch not sent or not acknowledged); 2 confirmed valid photos not yet sent to the registry; 2 required students without a valid photo may still have a make-up (make-up deadline 2026-09-30)');
    // the package is delivered and the batch received: only the make-ups remain
    await rt.deps.db.db.updateTable('registry_exports').set({ status: 'delivered', finished_at: at }).where('id', '=', exportId).execute();
    await rt.deps.db.db.updateTable('print_batches').set({ status: 'received', received_at: at }).where('status', '=', 'sent').execute();
    expect((await previewCampaignClose(rt.deps, admin, 'en')).forceable).toBe(true);
    expect(await rt.deps.db.db.selectFrom('campaign_closures').selectAll().execute()).toHaveLength(0);
  });

  it('make-ups before their deadline: refused, then forced only with a reason', async () => {
    await expectAppError(closeCampaign(rt.deps, admin, { confirm: campaignId }, 'zh'), 'CAMPAIGN_CLOSE_BLOCKED');
    const noReason = await expectAppError(closeCampaign(rt.deps, admin, { confirm: campaignId, force: true, reason: '  ' }, 'zh'), 'CAMPAIGN_CLOSE_REASON_REQUIRED');
    expect(translateAppError(noReason, 'en')).toContain('needs a reason');
    const preview = await previewCampaignClose(rt.deps, admin, 'zh');
    expect(preview.wouldPurge).toMatchObject({ originals: 3, identities: 4 });
  });

  it('closes: identities purged, originals and served standard photos shredded, the report, one audit event, the chain verifies', async () => {
    const before = await rt.deps.db.db.selectFrom('students').select(['national_id_enc']).where('national_id_enc', 'is not', null).execute();
    expect(before).toHaveLength(4);
    const { alreadyClosed, report } = await closeCampaign(rt.deps, admin, { confirm: campaignId, force: true, reason: '补采截止，剩余学生放弃' }, 'zh');
    expect(alreadyClosed).toBe(false);
    const students = await rt.deps.db.db.selectFrom('students').select(['national_id_enc', 'national_id_hmac', 'national_id_mask', 'email', 'phone']).execute();
    for (const s of students) expect(s).toEqual({ national_id_enc: null, national_id_hmac: null, national_id_mask: null, email: null, phone: null });
    for (const blob of [served.originalBlob, served.standardBlob, notHanded.originalBlob]) expect(await tryDecrypt(rt.deps, blob)).toEqual({ keyRow: false, file: false, opened: false });
    // accepted but the prints never reached the student: the standard photo is kept
    expect((await tryDecrypt(rt.deps, notHanded.standardBlob)).opened).toBe(true);
    await expectAppError(getPhotoImage(rt.deps, admin, served.photoId, 'standard'), 'PHOTO_DELETED');
    expect(report.purged).toMatchObject({ originals: 3, standards: 1, identities: 4 });
    expect(report.forcedReason).toBe('补采截止，剩余学生放弃');
    // the dashboard's definitions: printed is a set of the confirmed photo (student 3's set is of a shot never confirmed)
    expect(report.totals).toMatchObject({ required: 4, photographed: 3, confirmed: 2, exported: 0, accepted: 2, printed: 1, handedOver: 1 });
    expect(report.exports.batches).toBe(3);
    expect(report.payments).toEqual({ count: 0, sumFen: 0 });
    const events = await rt.deps.db.db.selectFrom('audit_events').select('details').where('action', '=', 'campaign.closed').execute();
    expect(events).toHaveLength(1);
    for (const no of nos) expect(String(events[0]!.details)).not.toContain(no);
    expect((await verifyAuditChain(rt.deps)).ok).toBe(true);
    const record = await getRecordOfProcessing(rt.deps, admin, 'zh');
    expect(record.counts).toMatchObject({ studentsWithNationalId: 0, studentsWithContact: 0 });
    expect(record.sections.find((s) => s.id === 'controller')!.lines.join('')).toContain('已于');
  });

  it('a closed campaign refuses bookings, the waitlist, check-ins and uploads (CAMPAIGN_CLOSED); closing again says so', async () => {
    const session = crypto.randomUUID();
    const e = await expectAppError(createBooking(rt.deps, admin, { sessionId: session, studentNo: nos[2]! }), 'CAMPAIGN_CLOSED');
    expect(translateAppError(e, 'zh')).toBe('采集活动已于 2026-06-01 关闭：其数据不再更改（预约、签到、照片及其确认、打印与交接、补采网点、学信网上传包与回执）');
    await expectAppError(joinWaitlist(rt.deps, admin, session, { studentNo: nos[2]! }), 'CAMPAIGN_CLOSED');
    await expectAppError(checkIn(rt.deps, operator, { studentNo: nos[2]!, collectionCode: 'ABCD1234', site: 'beijing' }), 'CAMPAIGN_CLOSED');
    await expectAppError(uploadPhoto(rt.deps, operator, { bytes: Buffer.from('not a photo'), studentNo: nos[2]! }, 'zh'), 'CAMPAIGN_CLOSED');
    // a roster would bring the purged ID numbers back
    await expectAppError(applyRosterImport(rt.deps, admin, { buffer: Buffer.from('学号,姓名\n') }, 'roster.csv', 'zh'), 'CAMPAIGN_CLOSED');
    const again = await closeCampaign(rt.deps, admin, { confirm: 'anything' }, 'en');
    expect(again.alreadyClosed).toBe(true);
    expect(again.report.purged.identities).toBe(4);
    expect((await previewCampaignClose(rt.deps, admin, 'en')).closed).toBe(true);
    expect(await rt.deps.db.db.selectFrom('audit_events').select('action').where('action', '=', 'campaign.closed').execute()).toHaveLength(1);
  });
});
