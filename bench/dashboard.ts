// The dashboards' read models at scale (issue 10 section 6): getDashboard (the funnel per department and day,
// payments per day, make-ups outstanding; one grouped SQL query per family) over 20,000 students, on SQLite
// and on a throwaway PostgreSQL. The roster goes through the normal import (the demo roster generator); the
// facts (bookings, queue tickets, accepted photos, confirmations, a delivered registry batch, print sets,
// payments) are written straight into their tables in batches, as many as a finished campaign would have.
// Run: npx tsx bench/dashboard.ts   (BENCH_DASHBOARD_STUDENTS, default 20,000; BENCH_SKIP_POSTGRES=1: SQLite only;
// BENCH_DASHBOARD_PARTS=1: each query once, first, straight after the bulk insert)
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadDemoRoster } from '../src/services/demo.service.js';
import { getActiveCampaign } from '../src/services/campaign.service.js';
import { getDashboard } from '../src/services/dashboard.service.js';
import { SYSTEM } from '../src/services/deps.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { demoCampaign, loadCampaign } from '../src/services/campaign.service.js';
import { openRuntime } from '../src/services/runtime.js';
import { createScratchDatabase, startThrowawayPostgres } from '../test/support/postgres.js';

const N = Number(process.env.BENCH_DASHBOARD_STUDENTS ?? 20_000);
const dialects = process.env.BENCH_SKIP_POSTGRES === '1' ? (['sqlite'] as const) : (['sqlite', 'postgres'] as const);

const pg = dialects.length > 1 ? await startThrowawayPostgres() : undefined;
for (const dialect of dialects) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-dashboard-'));
  const scratch = dialect === 'postgres' ? await createScratchDatabase(pg!.url, 'gp_bench') : undefined;
  const deps = await openRuntime({ dataDir, databaseUrl: scratch?.url, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  const rt = { deps };
  try {
    await loadCampaign(deps, SYSTEM, demoCampaign(new Date()));
    const campaign = await getActiveCampaign(rt.deps);
    await loadDemoRoster(rt.deps, SYSTEM, campaign, N);
    const db = rt.deps.db.db;
    const students = await db.selectFrom('students').select(['id', 'site', 'department']).where('decision', '=', 'required').orderBy('student_no').execute();
    const sessions = await db.selectFrom('schedule_sessions').select(['id', 'date']).where('campaign_id', '=', campaign.id).where('site', '=', 'beijing').execute();
    const at = '2023-11-01T06:00:00.000Z';
    const exportId = crypto.randomUUID();
    const batchId = crypto.randomUUID();
    await db.insertInto('registry_exports').values({ id: exportId, campaign_id: campaign.id, status: 'delivered', file_name: 'registry.zip.gpg', out_dir: '/tmp', file_pattern: '<studentNo>.jpg', recipient_fingerprint: 'x', signer_fingerprint: null, photo_count: 0, withdrawn_count: 0, bytes: 0, sha256: null, owner: 'bench', heartbeat_at: at, error_code: null, created_by: null, created_at: at, finished_at: at }).execute();
    await db.insertInto('print_batches').values({ id: batchId, campaign_id: campaign.id, number: 1, department: null, copies: 2, status: 'received', created_by: null, created_at: at, sent_count: 0, sent_by: null, sent_at: at, received_count: 0, received_by: null, received_at: at, discrepancy_note: null }).execute();
    const CHUNK = 500;
    for (let i = 0; i < students.length; i += CHUNK) {
      const chunk = students.slice(i, i + CHUNK).map((s, j) => ({ s, k: i + j }));
      const booked = chunk.filter(({ k }) => k % 10 < 8);
      const photographed = chunk.filter(({ k }) => k % 10 < 6);
      const confirmed = chunk.filter(({ k }) => k % 10 < 5);
      const exported = chunk.filter(({ k }) => k % 10 < 4);
      const printed = chunk.filter(({ k }) => k % 10 < 3);
      const paid = chunk.filter(({ k }) => k % 10 < 7);
      if (booked.length) await db.insertInto('bookings').values(booked.map(({ s, k }) => ({ id: crypto.randomUUID(), campaign_id: campaign.id, session_id: sessions[k % sessions.length]!.id, student_id: s.id, status: 'active', created_by: null, created_at: at, cancelled_at: null }))).execute();
      const photoIds = new Map(photographed.map(({ k }) => [k, crypto.randomUUID()]));
      const confIds = new Map(confirmed.map(({ k }) => [k, crypto.randomUUID()]));
      if (photographed.length) await db.insertInto('queue_tickets').values(photographed.map(({ s, k }) => ({ id: crypto.randomUUID(), campaign_id: campaign.id, site: s.site, date: sessions[k % sessions.length]!.date, seq: k + 1, number: `A${k + 1}`, queue_order: k + 1, student_id: s.id, status: 'served', station_id: null, created_by: null, created_at: at, called_at: at, served_at: at, updated_at: at }))).execute();
      if (photographed.length) await db.insertInto('photos').values(photographed.map(({ s, k }) => ({ id: photoIds.get(k)!, campaign_id: campaign.id, student_id: s.id, sha256: crypto.randomUUID(), size: 1, station: 'beijing-1', report: '{}', accepted: 1, invalid_reason: null, invalid_at: null, uploaded_by: null, created_at: at }))).execute();
      if (confirmed.length) await db.insertInto('photo_confirmations').values(confirmed.map(({ s, k }) => ({ id: confIds.get(k)!, photo_id: photoIds.get(k)!, student_id: s.id, confirmed_at: at, confirmed_by: null, voided_at: null, voided_by: null, void_reason: null }))).execute();
      if (exported.length) await db.insertInto('registry_export_items').values(exported.map(({ s, k }) => ({ export_id: exportId, kind: 'photo' as const, photo_id: photoIds.get(k)!, student_id: s.id, confirmation_id: confIds.get(k)!, file_name: `${k}.jpg`, sha256: 'x' }))).execute();
      if (printed.length) await db.insertInto('print_items').values(printed.map(({ s, k }) => ({ id: crypto.randomUUID(), campaign_id: campaign.id, batch_id: batchId, student_id: s.id, photo_id: photoIds.get(k)!, confirmation_id: confIds.get(k)!, department: s.department, student_no: String(k), delivery_id: null, handed_to_student_at: k % 10 < 2 ? at : null, handed_by: null, handed_method: k % 10 < 2 ? ('secretary' as const) : null, voided_at: null, created_at: at }))).execute();
      if (paid.length) await db.insertInto('payments').values(paid.map(({ s, k }) => ({ id: crypto.randomUUID(), campaign_id: campaign.id, student_id: s.id, site: s.site, method: 'wechat' as const, transaction_id: `42${String(k).padStart(26, '0')}`, amount_fen: 2000, duplicate_of: null, recorded_by: null, recorded_at: at, date: sessions[k % sessions.length]!.date }))).execute();
    }
    if (process.env.BENCH_DASHBOARD_PARTS === '1') {
      const { countDashboardGroups, countPaymentsByDay } = await import('../src/repositories/dashboard.repository.js');
      const { countOutstandingMakeUpsPerDepartment } = await import('../src/services/makeup.service.js');
      for (const [name, fn] of [
        ['funnel', () => countDashboardGroups(db, { campaignId: campaign.id, today: '2099-01-01' })],
        ['payments', () => countPaymentsByDay(db, { campaignId: campaign.id })],
        ['make-ups', () => countOutstandingMakeUpsPerDepartment(rt.deps, campaign.id)],
      ] as const) {
        const t0 = performance.now();
        await fn();
        process.stdout.write(`  ${dialect} ${name}, first run straight after the bulk insert: ${(performance.now() - t0).toFixed(0)} ms\n`);
      }
    }
    const times: number[] = [];
    let last;
    for (let run = 0; run < 6; run++) {
      const t0 = performance.now();
      last = await getDashboard(rt.deps, SYSTEM, {});
      if (run > 0) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    process.stdout.write(
      `dashboard ${dialect}: ${N} students on the roster, ${last!.totals.required} required, ${last!.departments.length} departments, ${last!.days.length} days — getDashboard median ${median.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)}) — totals ${JSON.stringify(last!.totals)}, payments ${last!.payments!.totals.count}, make-ups ${last!.makeups!.outstanding}\n`,
    );
  } finally {
    await deps.close();
    await scratch?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
await pg?.stop();
