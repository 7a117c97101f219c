// Two `gradphoto retention run` processes at once on one PostgreSQL database (issue 10 section 5; decision 0027),
// as two machines' schedulers or two admins would start them: every due blob is shredded exactly once (the run that
// loses is refused RETENTION_RUN_IN_PROGRESS, exit 5, or finds nothing left), one `retention.purged` event per run
// that ran, and the audit chain verifies afterwards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCampaign, readPublishedDemoCampaign } from '../../src/services/campaign.service.js';
import { SYSTEM } from '../../src/services/deps.js';
import { openRuntime } from '../../src/services/runtime.js';
import { createScratchDatabase } from '../support/postgres.js';
import { importRegistryRoster } from '../support/registry-export.js';
import { seedShot } from '../support/retention.js';
import { runGradphoto } from '../support/gradphoto-cli.js';


describe('two retention runs at once on one PostgreSQL', { timeout: 180_000 }, () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataDir: string;
  const env: Record<string, string> = {};

  const run = (args: string[]) => runGradphoto(['--data', dataDir, ...args], { GRADPHOTO_LANG: '', SMTP_URL: '', ...env });

  beforeAll(async () => {
    scratch = await createScratchDatabase(inject('postgresUrl'), 'gp_retention2');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-retention2-'));
    Object.assign(env, { DATABASE_URL: scratch.url, GRADPHOTO_MASTER_KEY: crypto.randomBytes(32).toString('base64'), GRADPHOTO_AUDIT_KEY: crypto.randomBytes(32).toString('base64'), GRADPHOTO_PHOTO_KEY: crypto.randomBytes(32).toString('base64') });
    const past = Date.now() - 40 * 86_400_000;
    const deps = await openRuntime({ dataDir, databaseUrl: scratch.url, masterKey: env.GRADPHOTO_MASTER_KEY, auditKey: env.GRADPHOTO_AUDIT_KEY, photoKey: env.GRADPHOTO_PHOTO_KEY, clock: () => new Date(past) });
    try {
      await loadCampaign(deps, SYSTEM, readPublishedDemoCampaign());
      const { studentNos } = await importRegistryRoster(deps, 6);
      for (const [i, no] of studentNos.entries()) await seedShot(deps, no, i + 1, { confirm: true });
    } finally {
      await deps.close();
    }
  }, 120_000);
  afterAll(async () => {
    await scratch?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('every due original is shredded once; the chain verifies', async () => {
    const results = await Promise.all([run(['retention', 'run', '--json']), run(['retention', 'run', '--json'])]);
    for (const r of results) expect([0, 5], r.stderr).toContain(r.code);
    const done = results.filter((r) => r.code === 0).map((r) => JSON.parse(r.stdout) as { run: { counts: { originals: number } } });
    expect(done.length).toBeGreaterThan(0);
    expect(done.reduce((n, r) => n + r.run.counts.originals, 0)).toBe(6);
    // With --json the refusal is the error body on stdout ({ error: { code, message } }), as for every command.
    for (const r of results.filter((x) => x.code === 5)) {
      const body = JSON.parse(r.stdout) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('RETENTION_RUN_IN_PROGRESS');
      expect(body.error.message).toContain('另一次删除运行正在进行');
    }
    const deps = await openRuntime({ dataDir, databaseUrl: scratch.url, masterKey: env.GRADPHOTO_MASTER_KEY, auditKey: env.GRADPHOTO_AUDIT_KEY, photoKey: env.GRADPHOTO_PHOTO_KEY });
    try {
      const shredded = await deps.db.db.selectFrom('shredded_blobs').select(['id', 'file_removed_at']).execute();
      expect(shredded).toHaveLength(6);
      expect(shredded.every((s) => s.file_removed_at !== null)).toBe(true);
      const events = await deps.db.db.selectFrom('audit_events').select('action').where('action', '=', 'retention.purged').execute();
      expect(events).toHaveLength(done.length);
    } finally {
      await deps.close();
    }
    const verify = await run(['audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});
