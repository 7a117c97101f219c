// `npm run bench`: every benchmark of bench/, each printing its figure beside a baseline measured in the
// same run. Results are also written to bench/out/results.json. PostgreSQL figures use a throwaway
// server (test/support/postgres.ts) unless BENCH_SKIP_POSTGRES=1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase, startThrowawayPostgres } from '../test/support/postgres.js';
import { benchEligibility } from './eligibility.bench.js';
import { benchDir, results } from './lib.js';
import { benchMemory } from './memory.bench.js';
import { benchRosterImport } from './roster-import.bench.js';

const only = process.argv[2];
process.stdout.write(`gradphoto benchmarks — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);

let pg: Awaited<ReturnType<typeof startThrowawayPostgres>> | undefined;
try {
  if (!only || only === 'eligibility') await benchEligibility();
  if (!only || only === 'roster') {
    if (process.env.BENCH_SKIP_POSTGRES !== '1') pg = await startThrowawayPostgres();
    await benchRosterImport({ postgresUrl: pg ? () => createScratchDatabase(pg!.url, 'gp_bench') : undefined });
  }
  if (!only || only === 'memory') await benchMemory();
} finally {
  await pg?.stop();
}
fs.writeFileSync(path.join(benchDir(), 'results.json'), JSON.stringify(results, null, 2));
