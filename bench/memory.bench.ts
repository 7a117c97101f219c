// Peak memory of a 200,000-row import (a child process per measurement), beside the peak of the same
// process that starts, opens the database and loads the campaign but imports nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { demoCampaign } from '../src/services/campaign.service.js';
import { DEMO_ROSTER_HEADERS, generateDemoRoster } from '../src/services/demo.service.js';
import { benchDir, fmt, report, writeCsv } from './lib.js';

const ROWS = Number(process.env.BENCH_MEMORY_ROWS ?? 200_000);

function child(mode: 'baseline' | 'import', file: string): { maxRssMb: number; rows: number; ms: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/memory-child.ts', mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

export async function benchMemory(): Promise<void> {
  const file = path.join(benchDir(), `roster-${ROWS}.csv`);
  if (!fs.existsSync(file)) writeCsv(file, DEMO_ROSTER_HEADERS, generateDemoRoster(demoCampaign(new Date()), ROWS));
  const base = child('baseline', file);
  const run = child('import', file);
  if (run.rows !== ROWS) throw new Error(`imported ${run.rows} of ${ROWS}`);
  report({
    name: `memory peak of a ${fmt(ROWS)}-row import (${fmt(fs.statSync(file).size / 1048576, 1)} MB CSV, SQLite)`,
    figure: `peak RSS ${fmt(run.maxRssMb)} MB (import took ${fmt(run.ms)} ms, ${fmt((ROWS / run.ms) * 1000)} rows/s)`,
    baseline: `the same process without the import: peak RSS ${fmt(base.maxRssMb)} MB`,
    ratio: `+${fmt(run.maxRssMb - base.maxRssMb)} MB for the import, about ${fmt(((run.maxRssMb - base.maxRssMb) * 1024) / ROWS, 2)} KB per row`,
    raw: { rows: ROWS, peakMb: run.maxRssMb, baselineMb: base.maxRssMb, importMs: run.ms },
  });
}
