// Server process of upload-concurrency.bench.ts: the real app on SQLite in a fresh data directory, with
// an operator account and a roster of students to photograph, listening on a loopback port.
//
//   node --import tsx bench/upload-concurrency-child.ts STUDENTS [IN_FLIGHT [QUEUED]]
//     IN_FLIGHT, QUEUED  the photo upload bounds (default: the app's, two per core and as many waiting)
// Prints one JSON line { url, operator, idleRssMb, idlePeakRssMb } once listening; then, for each line "rss" on stdin, one JSON
// line { peakRssMb, rssMb } (peak since the start: getrusage's maxRSS), and exits on "exit".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { AddressInfo } from 'node:net';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { buildApp } from '../src/http/app.js';
import { loadCampaign, readPublishedDemoCampaign } from '../src/services/campaign.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { applyRosterImport } from '../src/services/roster.service.js';
import { openRuntime } from '../src/services/runtime.js';
import { createUser } from '../src/services/user.service.js';
import { rosterCsv, rosterRow } from '../test/support/rosters.js';

const BENCH_OPERATOR = { username: 'bench-operator', password: 'bench operator password 1' };
/** the students photographed: 2401100000, 2401100001 … (the parent uses the same numbers) */
const benchStudentNo = (i: number) => `24011${String(i).padStart(5, '0')}`;

const [studentsArg, inFlightArg, queuedArg] = process.argv.slice(2);
const students = Number(studentsArg ?? 60);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-upload-bench-'));
const deps = await openRuntime({ dataDir, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
// The notice's campaign as published (2024 terms): the roster's students (graduating 2024-07) are required.
await loadCampaign(deps, SYSTEM, readPublishedDemoCampaign());
const admin = await createUser(deps, SYSTEM, { username: 'bench-admin', role: 'admin', departments: [], password: BENCH_OPERATOR.password });
await createUser(deps, SYSTEM, { username: BENCH_OPERATOR.username, role: 'operator', departments: [], password: BENCH_OPERATOR.password });
const roster = rosterCsv(Array.from({ length: students }, (_, i) => rosterRow(benchStudentNo(i))));
await applyRosterImport(deps, { principal: { userId: admin.id, username: 'bench-admin', role: 'admin', departments: [], studentNo: null }, ip: '127.0.0.1' }, { buffer: Buffer.from(roster) }, 'bench.csv', 'zh');

const app = await buildApp({
  deps,
  config: {
    trustProxyHops: 0,
    cookieSecure: false,
    maxUploadBytes: 100 * 1024 * 1024,
    logLevel: 'silent',
    // the load comes from one address: the API rate limit is not what is measured here
    apiRateLimitPerMinute: 1_000_000,
    ...(inFlightArg ? { photoUploadsInFlight: Number(inFlightArg) } : {}),
    ...(queuedArg ? { photoUploadsQueued: Number(queuedArg) } : {}),
  },
  logger: false,
});
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as AddressInfo;
const mb = (bytes: number) => Math.round(bytes / 1048576);
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, operator: BENCH_OPERATOR, idleRssMb: mb(process.memoryUsage().rss), idlePeakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line === 'rss') process.stdout.write(JSON.stringify({ peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), rssMb: mb(process.memoryUsage().rss) }) + '\n');
  if (line === 'exit') {
    rl.close();
    void app.close().then(async () => {
      await deps.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
