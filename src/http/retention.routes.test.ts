// Retention over real HTTP, once per database (issue 10 section 5, A3): the admin reads and changes the policy
// (a refusal names the field and value in the caller's language), previews (nothing written), runs a purge, reads
// the runs; a shredded photo answers 410 PHOTO_DELETED; the record of processing as JSON and as a PDF that
// pdftotext reads back in Chinese; the close's refusal and preview; other roles are refused.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster } from '../../test/support/registry-export.js';
import { seedShot, type SeededShot } from '../../test/support/retention.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { CampaignClosePreviewSchema, RecordOfProcessingSchema, RetentionPolicySchema, RetentionPreviewSchema, RetentionRunListSchema, RunRetentionResponseSchema } from '../contracts/retention.js';

const DAY = 86_400_000;

describe.each(DIALECTS)('retention API on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let shot: SeededShot;
  const cookies = new Map<string, string>();

  const call = async (caller: string, p: string, opts: { method?: string; json?: unknown; lang?: string } = {}) => {
    const headers: Record<string, string> = {};
    const cookie = cookies.get(caller);
    if (cookie) headers.cookie = cookie;
    if (opts.lang) headers['accept-language'] = opts.lang;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${p}`, { method: opts.method ?? (opts.json === undefined ? 'GET' : 'POST'), headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    const bytes = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, bytes, body: type.includes('json') ? (JSON.parse(bytes.toString('utf8')) as unknown) : null };
  };

  /** sessions time out when the fake clock jumps days ahead: sign in again */
  const signIn = async () => {
    for (const role of ['admin', 'operator', 'secretary'] as const) cookies.set(role, await loginOverHttp(server.url, `${role}-retention`));
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.clock.set('2026-06-01T02:00:00.000Z');
    const { studentNos } = await importRegistryRoster(rt.deps, 2);
    shot = await seedShot(rt.deps, studentNos[0]!, 1, { confirm: true });
    server = await startTestServer(rt.deps);
    for (const role of ['admin', 'operator', 'secretary'] as const) await createActor(rt.deps, role, role === 'secretary' ? ['物理学院'] : [], `${role}-retention`);
    await signIn();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('reads and changes the policy; a bad value is refused naming the field and value in zh and en', async () => {
    const policy = await call('admin', '/api/retention/policy');
    expect(policy.status).toBe(200);
    expect(RetentionPolicySchema.parse(policy.body)).toMatchObject({ originalsDays: 30, standardDays: 30 });
    const bad = await call('admin', '/api/retention/policy', { method: 'PUT', json: { originalsDays: 30, standardDays: 4000 } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'RETENTION_DAYS_INVALID', message: '保留策略的“标准照片保留天数（standardDays）”必须是 0 到 3650 之间的整数天数，收到的是“4000”；策略未更改' } });
    const badEn = await call('admin', '/api/retention/policy', { method: 'PUT', json: { originalsDays: -2, standardDays: 30 }, lang: 'en' });
    expect(badEn.body).toMatchObject({ error: { code: 'RETENTION_DAYS_INVALID', message: expect.stringContaining('"originalsDays (days camera originals are kept)" must be a whole number of days from 0 to 3650, not "-2"') } });
    const ok = await call('admin', '/api/retention/policy', { method: 'PUT', json: { originalsDays: 10, standardDays: 60 }, lang: 'en' });
    expect(ok.status).toBe(200);
    expect(RetentionPolicySchema.parse(ok.body)).toMatchObject({ originalsDays: 10, standardDays: 60, updatedBy: 'admin-retention' });
    // the public notice states the policy in plain words, in both languages
    const notice = JSON.stringify((await call('anonymous', '/api/notice')).body);
    expect(notice).toContain('相机原始照片（及未选用的照片）在本人确认照片 10 天后删除。');
    expect(notice).toContain('60 天后删除');
    expect(JSON.stringify((await call('anonymous', '/api/notice', { lang: 'en' })).body)).toContain('deleted 60 days after the registry has accepted it');
    for (const role of ['operator', 'secretary']) expect((await call(role, '/api/retention/policy')).status).toBe(403);
    expect((await call('anonymous', '/api/retention/policy')).status).toBe(401);
  });

  it('previews, runs, lists; the shredded original answers 410 PHOTO_DELETED', async () => {
    rt.clock.advance(10 * DAY);
    await signIn();
    const preview = await call('admin', '/api/retention/preview');
    expect(RetentionPreviewSchema.parse(preview.body).counts).toMatchObject({ originals: 1, standards: 0, photos: 1 });
    expect((await call('admin', '/api/retention/runs')).body).toEqual({ items: [] });
    const run = await call('admin', '/api/retention/runs', { json: {} });
    expect(run.status).toBe(200);
    expect(RunRetentionResponseSchema.parse(run.body).run).toMatchObject({ status: 'done', trigger: 'api', counts: { originals: 1 }, filesRemoved: 1, startedBy: 'admin-retention' });
    expect(RetentionRunListSchema.parse((await call('admin', '/api/retention/runs')).body).items).toHaveLength(1);
    expect(await rt.deps.photos.blobs.exists(shot.originalBlob)).toBe(false);
    // the standard photo is still served
    const image = await call('admin', `/api/photos/${shot.photoId}/image`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect((await call('operator', '/api/retention/runs', { json: {} })).status).toBe(403);
  });

  it('answers 410 PHOTO_DELETED for a shredded standard photo, in the caller’s language', async () => {
    await rt.deps.db.db.deleteFrom('photo_blobs').where('id', '=', shot.standardBlob).execute();
    await rt.deps.db.db
      .insertInto('shredded_blobs')
      .values({ id: shot.standardBlob, photo_id: shot.photoId, campaign_id: (await rt.deps.db.db.selectFrom('photos').select('campaign_id').where('id', '=', shot.photoId).executeTakeFirstOrThrow()).campaign_id, kind: 'standard', size: 1, reason: 'retention', run_id: 'test', shredded_at: '2026-06-11T02:00:00.000Z', file_removed_at: null })
      .execute();
    const gone = await call('admin', `/api/photos/${shot.photoId}/image`);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ error: { code: 'PHOTO_DELETED', message: '标准照片已按保留策略删除（2026-06-11），无法再查看' } });
    const goneEn = await call('operator', `/api/photos/${shot.photoId}/image`, { lang: 'en' });
    expect(goneEn.body).toMatchObject({ error: { code: 'PHOTO_DELETED', message: 'The standard photo was deleted under the retention policy (2026-06-11) and can no longer be viewed' } });
  });

  it('the record of processing as JSON and as a PDF in Chinese; audited', async () => {
    const json = await call('admin', '/api/retention/record?format=json', { lang: 'en' });
    expect(json.status).toBe(200);
    const record = RecordOfProcessingSchema.parse(json.body);
    expect(record.sections.map((s) => s.id)).toEqual(['controller', 'purpose', 'categories', 'recipients', 'retention', 'measures', 'counts']);
    expect(record.counts).toMatchObject({ students: 2, photos: 1, blobsShredded: 2, purgeRuns: 1 });
    expect(JSON.stringify(record)).not.toMatch(/\d{17}[\dX]/);
    const pdf = await call('admin', '/api/retention/record?format=pdf');
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toContain(encodeURIComponent('个人信息处理活动记录'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-record-'));
    try {
      fs.writeFileSync(path.join(dir, 'r.pdf'), pdf.bytes);
      const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
      for (const words of ['个人信息处理活动记录', '处理目的', '人脸图像', '身份证件号码', '学信网', '保存期限', '10 天', '60 天', '安全措施', '当前数量']) expect(text).toContain(words);
      // F3 finding 3: as many pages as the text needs, each with its footer (no page holding only a footer), and
      // times as the campaign's wall clock, never a UTC ISO string
      const pageCount = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [path.join(dir, 'r.pdf')], { encoding: 'utf8' }))![1]);
      const pages = text.split('\f').filter((p) => p.trim() !== '');
      expect(pages.length).toBe(pageCount);
      expect(pageCount).toBeLessThanOrEqual(2);
      pages.forEach((p, i) => {
        expect(p).toContain(`第 ${i + 1} 页 / 共 ${pageCount} 页`);
        expect(p.replace(/第 \d+ 页 \/ 共 \d+ 页.*$/m, '').trim().length).toBeGreaterThan(100);
      });
      expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
      expect(text).toMatch(/生成时间：\d{4}-\d\d-\d\d \d\d:\d\d/);
      // ?lang=en wins over Accept-Language (zh here), for the JSON and the PDF
      const en = await call('admin', '/api/retention/record?format=json&lang=en');
      expect(RecordOfProcessingSchema.parse(en.body)).toMatchObject({ lang: 'en', title: expect.stringMatching(/record of processing/i) });
      expect(JSON.stringify(en.body)).not.toMatch(/Generated \d{4}-\d\d-\d\dT/);
      const enPdf = await call('admin', '/api/retention/record?format=pdf&lang=en');
      fs.writeFileSync(path.join(dir, 'en.pdf'), enPdf.bytes);
      const enText = execFileSync('pdftotext', ['-layout', path.join(dir, 'en.pdf'), '-'], { encoding: 'utf8' });
      expect(enText).toMatch(/record of processing/i);
      expect(enText).toContain('Page 1 of');
      expect(enText).not.toContain('个人信息处理活动记录');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const events = await rt.deps.db.db.selectFrom('audit_events').select('action').where('action', '=', 'retention.record_generated').execute();
    expect(events).toHaveLength(4); // zh JSON, zh PDF, then the English JSON and PDF
  });

  it('the close: preview, and a wrong confirmation refused without closing', async () => {
    const preview = await call('admin', '/api/campaign/close', { lang: 'en' });
    const view = CampaignClosePreviewSchema.parse(preview.body);
    expect(view).toMatchObject({ closed: false });
    expect(view.report.departments.length).toBeGreaterThan(0);
    const wrong = await call('admin', '/api/campaign/close', { json: { confirm: 'nope' }, lang: 'en' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: { code: 'CAMPAIGN_CLOSE_CONFIRM_MISMATCH', message: `Confirmation does not match: type the campaign id "${view.campaignId}" to close the campaign` } });
    expect((await call('secretary', '/api/campaign/close', { json: { confirm: view.campaignId } })).status).toBe(403);
    expect(await rt.deps.db.db.selectFrom('campaign_closures').selectAll().execute()).toHaveLength(0);
  });
});
