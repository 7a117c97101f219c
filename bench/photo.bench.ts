// The photo pipeline per shot (issue #4), for a 24 MP and a 12 MP camera JPEG built by
// test/fixtures/make-photo-fixtures.ts from Debian's astronaut portrait (the "grain" variants: sensor-like
// noise at quality 95 makes them 6 and 3 MB like a real camera's files; decoding time follows the bytes):
// - median and p95 of uploadPhoto end to end (SHA-256, safe decode, face detection, crop, checks, encode,
//   envelope encryption, blobs synced, row and audit event committed on SQLite), beside sharp alone decoding
//   and resizing the same file to 480 × 640 in the same run (ratio), with where the time goes;
// - photos/s with both cores busy (two processes, started together), beside sharp alone the same way;
// - peak memory of a process doing the pipeline, beside one doing sharp alone;
// - the face detector's own time.
// Each measurement runs in a child process (bench/photo-child.ts).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import readline from 'node:readline';
import { FRAME_12MP, FRAME_24MP, makePhotoFixtures, photoFixturePath } from '../test/fixtures/make-photo-fixtures.js';
import { fmt, median, report } from './lib.js';

const RUNS = Number(process.env.BENCH_PHOTO_RUNS ?? 15);
const PARALLEL_RUNS = Number(process.env.BENCH_PHOTO_PARALLEL_RUNS ?? 8);

interface ChildResult {
  times: number[];
  startedAt: number;
  endedAt: number;
  maxRssMb: number;
  accepted?: boolean;
  breakdown?: { decodeMs: number[]; detectMs: number[]; stages: Record<string, number[]> };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

/** Starts `count` children at once; with count > 1 they wait for each other (barrier) before their timed runs. */
async function runChildren(count: number, mode: 'sharp' | 'pipeline', file: string, runs: number): Promise<ChildResult[]> {
  const args = ['--import', 'tsx', 'bench/photo-child.ts', mode, file, String(runs), ...(count > 1 ? ['--barrier'] : [])];
  const children = Array.from({ length: count }, () => spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] }));
  const ready: Promise<void>[] = [];
  const results = children.map((child, i) => {
    const lines = readline.createInterface({ input: child.stdout });
    let last = '';
    let signalReady: () => void = () => undefined;
    ready.push(new Promise<void>((resolve) => (signalReady = resolve)));
    lines.on('line', (line) => {
      if (line === 'ready') signalReady();
      else if (line.trim()) last = line;
    });
    return new Promise<ChildResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`photo-child ${mode} #${i} exited with ${code}`));
        else resolve(JSON.parse(last) as ChildResult);
      });
    });
  });
  if (count > 1) {
    await Promise.all(ready);
    for (const c of children) c.stdin.write('go\n');
  }
  for (const c of children) c.stdin.end();
  return Promise.all(results);
}

const ms = (v: number) => `${fmt(v, v < 10 ? 1 : 0)} ms`;
const med = (values: number[] | undefined) => (values && values.length ? median(values) : NaN);

async function benchSize(label: string, file: string): Promise<void> {
  const size = fs.statSync(file).size;
  const [base] = await runChildren(1, 'sharp', file, RUNS);
  const [pipe] = await runChildren(1, 'pipeline', file, RUNS);
  const b = base!;
  const p = pipe!;
  const bd = p.breakdown!;
  const stages = ['decode', 'detect', 'crop', 'checks', 'encode', 'total']
    .filter((k) => bd.stages[k])
    .map((k) => `${k} ${ms(med(bd.stages[k]))}`)
    .join(', ');
  report({
    name: `photo pipeline per shot, ${label} camera JPEG (${fmt(size / 1048576, 1)} MB), ${RUNS} shots, SQLite`,
    figure:
      `uploadPhoto end to end: median ${ms(median(p.times))}, p95 ${ms(percentile(p.times, 95))} (accepted: ${p.accepted}); ` +
      `of which safe-decode checks ${ms(med(bd.decodeMs))}, analysePhoto ${stages}; face detector alone ${ms(med(bd.detectMs))}; ` +
      `peak RSS ${fmt(p.maxRssMb)} MB`,
    baseline: `sharp alone, decode + resize to 480 × 640 (raw): median ${ms(median(b.times))}, p95 ${ms(percentile(b.times, 95))}; peak RSS ${fmt(b.maxRssMb)} MB`,
    ratio: `median ${fmt(median(p.times) / median(b.times), 1)}× sharp alone, p95 ${fmt(percentile(p.times, 95) / percentile(b.times, 95), 1)}×; +${fmt(p.maxRssMb - b.maxRssMb)} MB peak RSS`,
    raw: {
      file: label,
      bytes: size,
      runs: RUNS,
      pipelineMs: p.times,
      sharpMs: b.times,
      pipelineMedianMs: median(p.times),
      pipelineP95Ms: percentile(p.times, 95),
      sharpMedianMs: median(b.times),
      sharpP95Ms: percentile(b.times, 95),
      decodeChecksMedianMs: med(bd.decodeMs),
      detectorMedianMs: med(bd.detectMs),
      stagesMedianMs: Object.fromEntries(Object.entries(bd.stages).map(([k, v]) => [k, median(v)])),
      pipelinePeakRssMb: p.maxRssMb,
      sharpPeakRssMb: b.maxRssMb,
    },
  });

  // Both cores busy: two processes, each doing PARALLEL_RUNS shots, started together after their warm-up.
  const rate = (rs: ChildResult[]) => {
    const start = Math.min(...rs.map((r) => r.startedAt));
    const end = Math.max(...rs.map((r) => r.endedAt));
    return (rs.reduce((n, r) => n + r.times.length, 0) / (end - start)) * 1000;
  };
  const pipes = await runChildren(2, 'pipeline', file, PARALLEL_RUNS);
  const bases = await runChildren(2, 'sharp', file, PARALLEL_RUNS);
  const pRate = rate(pipes);
  const bRate = rate(bases);
  report({
    name: `photos/s with both cores busy, ${label}: two processes × ${PARALLEL_RUNS} shots`,
    figure: `${fmt(pRate, 2)} photos/s through uploadPhoto (median per shot under load ${ms(median(pipes.flatMap((r) => r.times)))}; peak RSS per process ${fmt(Math.max(...pipes.map((r) => r.maxRssMb)))} MB)`,
    baseline: `sharp alone (decode + resize to 480 × 640), the same way: ${fmt(bRate, 1)} photos/s`,
    ratio: `${fmt(pRate / bRate, 2)}× sharp alone's rate (${fmt(bRate / pRate, 1)}× slower)`,
    raw: { file: label, processes: 2, runsEach: PARALLEL_RUNS, photosPerSecond: pRate, sharpPhotosPerSecond: bRate },
  });
}

export async function benchPhoto(): Promise<void> {
  await makePhotoFixtures();
  const load = os.loadavg()[0]!;
  if (load > os.cpus().length) process.stdout.write(`\n(note: load average ${fmt(load, 1)} on ${os.cpus().length} cores while the photo bench starts: absolute times are inflated, ratios less so)\n`);
  await benchSize(`24 MP (${FRAME_24MP.width} × ${FRAME_24MP.height})`, await photoFixturePath('id-blue-24mp-grain.jpg'));
  await benchSize(`12 MP (${FRAME_12MP.width} × ${FRAME_12MP.height})`, await photoFixturePath('id-blue-12mp-grain.jpg'));
}

