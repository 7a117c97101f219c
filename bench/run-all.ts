// `npm run bench`: every benchmark of bench/, each printing its figure beside a baseline measured in the
// same run. Results are also written to bench/out/results.json. PostgreSQL figures use a throwaway
// server (test/support/postgres.ts) unless BENCH_SKIP_POSTGRES=1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase, startThrowawayPostgres } from '../test/support/postgres.js';
import { benchAuditAppend } from './audit-append.bench.js';
import { benchBookings } from './booking.bench.js';
import { benchCaptureDay } from './capture-day.js';
import { benchEligibility } from './eligibility.bench.js';
import { benchExport } from './export.js';
import { benchDir, results } from './lib.js';
import { benchMemory } from './memory.bench.js';
import { benchPeak } from './peak.js';
import { benchPhoto } from './photo.bench.js';
import { benchPlanner } from './planner.bench.js';
import { benchRosterHealth } from './roster-health.bench.js';
import { benchRosterImport } from './roster-import.bench.js';
import { benchUploadConcurrency } from './upload-concurrency.bench.js';

const only = process.argv[2];
process.stdout.write(`gradphoto benchmarks — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);

let pg: Awaited<ReturnType<typeof startThrowawayPostgres>> | undefined;
/** A scratch PostgreSQL database on one throwaway server shared by the benchmarks (none with BENCH_SKIP_POSTGRES=1). */
async function postgresScratch(): Promise<(() => ReturnType<typeof createScratchDatabase>) | undefined> {
  if (process.env.BENCH_SKIP_POSTGRES === '1') return undefined;
  pg ??= await startThrowawayPostgres();
  const server = pg;
  return () => createScratchDatabase(server.url, 'gp_bench');
}
try {
  if (!only || only === 'eligibility') await benchEligibility();
  if (!only || only === 'roster') await benchRosterImport({ postgresUrl: await postgresScratch() });
  if (!only || only === 'roster-import') await benchRosterHealth();
  if (!only || only === 'booking') await benchBookings({ postgresUrl: await postgresScratch() });
  if (!only || only === 'capture-day') await benchCaptureDay({ postgresUrl: await postgresScratch() });
  if (!only || only === 'memory') await benchMemory();
  if (!only || only === 'export') await benchExport();
  if (!only || only === 'planner') await benchPlanner();
  if (!only || only === 'photo') await benchPhoto();
  if (!only || only === 'upload-concurrency') await benchUploadConcurrency();
  // a script of its own (top-level await): importing it runs it
  if (!only || only === 'audit-chain') await import('./audit-chain.bench.js');
  if ((!only && process.env.BENCH_SKIP_POSTGRES !== '1') || only === 'audit-append') await benchAuditAppend();
  // ~12 minutes on 2 cores: only when named (`npm run bench -- peak`), not in the full run
  if (only === 'peak') {
    pg ??= await startThrowawayPostgres();
    await benchPeak(pg.url);
  }
} finally {
  await pg?.stop();
}
fs.writeFileSync(path.join(benchDir(), 'results.json'), JSON.stringify(results, null, 2));
