// `gradphoto retention run [--dry-run] [--json]`, `retention policy`, `retention record --out FILE` and
// `gradphoto campaign close [--dry-run] [--json]` as child processes on the embedded database (issue 10 section 5):
// a dry run writes nothing, a run shreds what is due and the audit chain verifies afterwards (`audit verify`), a bad
// policy value exits 2 naming it, the record of processing is a PDF, the close refuses a wrong confirmation (exit 2),
// closes with --force and a reason, and says "already closed" the second time. The photos are seeded in-process with
// a clock 40 days back (the CLI runs on the real clock).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGradphoto } from '../../test/support/gradphoto-cli.js';
import { importRegistryRoster } from '../../test/support/registry-export.js';
import { seedShot, type SeededShot } from '../../test/support/retention.js';
import { loadCampaign, readPublishedDemoCampaign } from '../services/campaign.service.js';
import { SYSTEM } from '../services/deps.js';
import { openRuntime } from '../services/runtime.js';


const run = (args: string[]) =>
  runGradphoto(args, { DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_LANG: '', GRADPHOTO_MASTER_KEY: '', GRADPHOTO_PHOTO_KEY: '', GRADPHOTO_AUDIT_KEY: '', SMTP_URL: '' });

describe('gradphoto retention and campaign close', { timeout: 180_000 }, () => {
  let tmp: string;
  let data: string;
  let shots: SeededShot[];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-retention-cli-'));
    data = path.join(tmp, 'data');
    const past = Date.now() - 40 * 86_400_000;
    const deps = await openRuntime({ dataDir: data, clock: () => new Date(past) });
    try {
      await loadCampaign(deps, SYSTEM, readPublishedDemoCampaign());
      const { studentNos } = await importRegistryRoster(deps, 3);
      shots = [await seedShot(deps, studentNos[0]!, 1, { confirm: true }), await seedShot(deps, studentNos[1]!, 2, { confirm: true })];
    } finally {
      await deps.close();
    }
  }, 120_000);
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const blobFile = (id: string) => path.join(data, 'blobs', id.slice(0, 2), id.slice(2));

  it('a dry run writes nothing; a run shreds what is due; the audit chain verifies', async () => {
    const [dry, human] = await Promise.all([run(['--data', data, 'retention', 'run', '--dry-run', '--json']), run(['--data', data, 'retention', 'run', '--dry-run'])]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, counts: { originals: 2, standards: 0, photos: 2 } });
    for (const s of shots) expect(fs.existsSync(blobFile(s.originalBlob))).toBe(true);
    expect(human.stdout).toContain('预览（未删除任何内容）/ dry run (nothing was deleted):');
    const real = await run(['--data', data, 'retention', 'run', '--json']);
    expect(real.code, real.stderr).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({ run: { status: 'done', trigger: 'cli', counts: { originals: 2 }, filesRemoved: 2 } });
    for (const s of shots) {
      expect(fs.existsSync(blobFile(s.originalBlob))).toBe(false);
      expect(fs.existsSync(blobFile(s.standardBlob))).toBe(true);
    }
    const verify = await run(['--data', data, 'audit', 'verify', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
  });

  it('a policy outside 0–3650 days exits 2 naming it; the record of processing is written as a PDF', async () => {
    const [bad, ok] = await Promise.all([
      run(['--data', data, '--lang', 'en', 'retention', 'policy', '--standard-days', '5000']),
      run(['--data', data, 'retention', 'policy', '--originals-days', '7', '--json']),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('standardDays (days standard photos are kept)" must be a whole number of days from 0 to 3650, not "5000"');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ originalsDays: 7, standardDays: 30 });
    const file = path.join(tmp, 'record.pdf');
    // F3 finding 3: `--lang en` after the subcommand gives the English record, times as the campaign's wall clock
    const enFile = path.join(tmp, 'record-en.json');
    const [rec, en] = await Promise.all([run(['--data', data, 'retention', 'record', '--out', file]), run(['--data', data, 'retention', 'record', '--out', enFile, '--lang', 'en'])]);
    expect(rec.code, rec.stderr).toBe(0);
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    expect(en.code, en.stderr).toBe(0);
    const record = JSON.parse(fs.readFileSync(enFile, 'utf8')) as { lang: string; title: string };
    expect(record).toMatchObject({ lang: 'en', title: 'Record of processing of personal information' });
    expect(fs.readFileSync(enFile, 'utf8')).not.toMatch(/Generated \d{4}-\d\d-\d\dT/);
  });

  it('campaign close: a dry run, a wrong confirmation (exit 2), --force needs a reason, then closed once', async () => {
    const dry = await run(['--data', data, 'campaign', 'close', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const preview = JSON.parse(dry.stdout) as { campaignId: string; closed: boolean; wouldPurge: { identities: number } };
    expect(preview).toMatchObject({ closed: false, wouldPurge: { identities: 3 } });
    const wrong = await run(['--data', data, 'campaign', 'close', '--confirm', 'nope']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`请输入采集活动编号“${preview.campaignId}”`);
    const closed = await run(['--data', data, 'campaign', 'close', '--confirm', preview.campaignId, '--force', '--reason', '补采已截止', '--json']);
    expect(closed.code, closed.stderr).toBe(0);
    expect(JSON.parse(closed.stdout)).toMatchObject({ alreadyClosed: false, report: { purged: { identities: 3 } } });
    const again = await run(['--data', data, 'campaign', 'close']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('采集活动已关闭');
    const verify = await run(['--data', data, 'audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});
