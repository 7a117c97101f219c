// Child process of memory.bench.ts: imports a roster (or only starts, for the baseline) into a fresh
// SQLite data directory and prints its peak resident memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { demoCampaign, loadCampaign } from '../src/services/campaign.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { applyRosterImport } from '../src/services/roster.service.js';
import { openRuntime } from '../src/services/runtime.js';

const [mode, file] = process.argv.slice(2);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-mem-'));
const deps = await openRuntime({ dataDir, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
await loadCampaign(deps, SYSTEM, demoCampaign(new Date()));
let rows = 0;
const t0 = Date.now();
if (mode === 'import') {
  const r = await applyRosterImport(deps, SYSTEM, { path: file! }, 'bench.csv', 'zh');
  rows = r.summary.added;
}
const ms = Date.now() - t0;
await deps.close();
fs.rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, rows, ms }) + '\n');
