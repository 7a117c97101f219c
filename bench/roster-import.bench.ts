// Import and decide a 50,000-row roster (CSV and XLSX), beside the time to merely parse the same file
// with the same parser in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRosterFile } from '../src/adapters/roster-file.js';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { demoCampaign, loadCampaign } from '../src/services/campaign.service.js';
import { DEMO_ROSTER_HEADERS, generateDemoRoster } from '../src/services/demo.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { applyRosterImport } from '../src/services/roster.service.js';
import { openRuntime } from '../src/services/runtime.js';
import { benchDir, fmt, median, report, timeRuns, writeCsv, writeXlsx } from './lib.js';

const ROWS = Number(process.env.BENCH_ROSTER_ROWS ?? 50_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function parseOnly(file: string): Promise<number> {
  const opened = await openRosterFile({ path: file });
  let n = 0;
  for await (const _row of opened.rows) n++;
  return n;
}

async function importOnce(file: string, databaseUrl?: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-'));
  const deps = await openRuntime({ dataDir, databaseUrl, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  try {
    await loadCampaign(deps, SYSTEM, demoCampaign(new Date()));
    const r = await applyRosterImport(deps, SYSTEM, { path: file }, path.basename(file), 'zh');
    if (r.summary.added !== ROWS) throw new Error(`imported ${r.summary.added} of ${ROWS}`);
  } finally {
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchRosterImport(opts: { postgresUrl?: (() => Promise<{ url: string; drop(): Promise<void> }>) | undefined } = {}): Promise<void> {
  const campaign = demoCampaign(new Date());
  const rows = generateDemoRoster(campaign, ROWS);
  const dir = benchDir();
  const csv = path.join(dir, `roster-${ROWS}.csv`);
  const xlsx = path.join(dir, `roster-${ROWS}.xlsx`);
  writeCsv(csv, DEMO_ROSTER_HEADERS, rows);
  await writeXlsx(xlsx, DEMO_ROSTER_HEADERS, rows);

  const targets: { label: string; file: string; db?: () => Promise<{ url: string; drop(): Promise<void> }> }[] = [
    { label: 'CSV → SQLite', file: csv },
    { label: 'XLSX → SQLite', file: xlsx },
  ];
  if (opts.postgresUrl) targets.push({ label: 'CSV → PostgreSQL', file: csv, db: opts.postgresUrl });
  for (const t of targets) {
    if ((await parseOnly(t.file)) !== ROWS) throw new Error('parse count mismatch');
    const parse = median(await timeRuns(RUNS, () => parseOnly(t.file).then(() => undefined)));
    const full = median(
      await timeRuns(RUNS, async () => {
        const scratch = t.db ? await t.db() : undefined;
        try {
          await importOnce(t.file, scratch?.url);
        } finally {
          await scratch?.drop();
        }
      }),
    );
    report({
      name: `roster import + decide, ${fmt(ROWS)} rows, ${t.label} (${fmt(fs.statSync(t.file).size / 1048576, 1)} MB)`,
      figure: `${fmt((ROWS / full) * 1000)} rows/s (median ${fmt(full)} ms of ${RUNS}: parse, validate, decide, diff, encrypt IDs, write in one transaction)`,
      baseline: `parse only with the same parser: ${fmt((ROWS / parse) * 1000)} rows/s (median ${fmt(parse)} ms)`,
      ratio: `import takes ${fmt(full / parse, 2)}× the parse time`,
      raw: { rows: ROWS, importMs: full, parseMs: parse, file: path.basename(t.file) },
    });
  }
}
