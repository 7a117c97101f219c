// Many photo uploads at once (issue 8 finding 8: 60 parallel 39 MB uploads took the server to 5.3 GB
// and /api/health to 4.5 s). The server runs in a child process (bench/upload-concurrency-child.ts) on
// SQLite; this process sends 60 uploads of a 39 MB camera JPEG at the same moment (each for its own
// student) while it asks /api/health one request after another, and prints:
// - the server's peak RSS under that load, beside its RSS idle (same process, before the load);
// - /api/health's latency under the load (median, p95, max), beside its latency idle (same run);
// - what the uploads got (201, 503 with Retry-After …).
// With BENCH_UPLOAD_UNBOUNDED=1 the same load also runs against a server whose upload bound is out of
// the way (1,000 in flight): the behaviour before the bound, for comparison.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { makePhotoFixtures, photoFixturePath } from '../test/fixtures/make-photo-fixtures.js';
import { benchDir, fmt, median, report } from './lib.js';

const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 60);
const UPLOAD_MB = Number(process.env.BENCH_UPLOAD_MB ?? 39);

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

/** The 12 MP camera fixture (3 MB, sensor-like grain) padded with APP15 segments to `mb` MB: a big camera file. */
async function bigCameraJpeg(mb: number): Promise<Buffer> {
  const file = path.join(benchDir(), `upload-${mb}mb.jpg`);
  if (fs.existsSync(file)) return fs.readFileSync(file);
  await makePhotoFixtures();
  const jpeg = fs.readFileSync(await photoFixturePath('id-blue-12mp-grain.jpg'));
  const pad = Buffer.concat([Buffer.from([0xff, 0xef, 0xfd, 0xea]), Buffer.alloc(65_000, 0x42)]); // APP15, length 65002
  const pads: Buffer[] = [];
  for (let size = jpeg.length; size + pad.length <= mb * 1024 * 1024; size += pad.length) pads.push(pad);
  const out = Buffer.concat([jpeg.subarray(0, 2), ...pads, jpeg.subarray(2)]);
  fs.writeFileSync(file, out);
  return out;
}

interface ServerChild {
  url: string;
  operator: { username: string; password: string };
  idleRssMb: number;
  rss(): Promise<{ peakRssMb: number; rssMb: number }>;
  stop(): Promise<void>;
}

async function startServer(args: string[]): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/upload-concurrency-child.ts', String(UPLOADS), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const next = () => new Promise<Record<string, unknown>>((resolve) => lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown>)));
  const first = (await next()) as { url: string; operator: { username: string; password: string }; idleRssMb: number };
  return {
    ...first,
    rss: async () => {
      const answer = next();
      child.stdin.write('rss\n');
      return (await answer) as { peakRssMb: number; rssMb: number };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.stdin.write('exit\n');
      }),
  };
}

async function login(server: ServerChild): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(server.operator) });
  if (res.status !== 200) throw new Error(`login → ${res.status} ${await res.text()}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

async function healthOnce(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/health`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`health → ${res.status}`);
  return performance.now() - t0;
}

interface LoadResult {
  idleRssMb: number;
  peakRssMb: number;
  idleHealth: number[];
  loadHealth: number[];
  statuses: Record<string, number>;
  retryAfterMissing: number;
  seconds: number;
}

async function runLoad(args: string[], bytes: Buffer): Promise<LoadResult> {
  const server = await startServer(args);
  try {
    const cookie = await login(server);
    const idleHealth: number[] = [];
    for (let i = 0; i < 30; i++) idleHealth.push(await healthOnce(server.url));
    const idle = await server.rss();

    const blob = new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' });
    let loading = true;
    const loadHealth: number[] = [];
    const poller = (async () => {
      while (loading) {
        loadHealth.push(await healthOnce(server.url));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const statuses: Record<string, number> = {};
    let retryAfterMissing = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: UPLOADS }, async (_, i) => {
        const form = new FormData();
        form.append('studentNo', `24011${String(i).padStart(5, '0')}`);
        form.append('file', blob, `IMG_${i}.JPG`);
        let key: string;
        try {
          const res = await fetch(`${server.url}/api/photos`, { method: 'POST', headers: { cookie }, body: form });
          const body = (await res.json()) as { error?: { code: string } };
          key = body.error ? `${res.status} ${body.error.code}` : String(res.status);
          if (res.status === 503 && !res.headers.get('retry-after')) retryAfterMissing++;
        } catch {
          key = 'connection closed';
        }
        statuses[key] = (statuses[key] ?? 0) + 1;
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    loading = false;
    await poller;
    const loaded = await server.rss();
    return { idleRssMb: idle.rssMb, peakRssMb: loaded.peakRssMb, idleHealth, loadHealth, statuses, retryAfterMissing, seconds };
  } finally {
    await server.stop();
  }
}

function describe(r: LoadResult): string {
  const h = r.loadHealth;
  return `peak RSS ${fmt(r.peakRssMb)} MB; /api/health under load median ${fmt(median(h), 1)} ms, p95 ${fmt(percentile(h, 95), 1)} ms, max ${fmt(Math.max(...h), 1)} ms (${h.length} asked); uploads ${JSON.stringify(r.statuses)} in ${fmt(r.seconds, 1)} s${r.retryAfterMissing ? `, ${r.retryAfterMissing} 503 without Retry-After` : ''}`;
}

export async function benchUploadConcurrency(): Promise<void> {
  const bytes = await bigCameraJpeg(UPLOAD_MB);
  const bounded = await runLoad([], bytes);
  const name = `${UPLOADS} photo uploads of ${fmt(bytes.length / 1048576, 1)} MB at once (SQLite, default bound: two per core in flight, as many waiting)`;
  report({
    name,
    figure: describe(bounded),
    baseline: `the same server idle, before the load: RSS ${fmt(bounded.idleRssMb)} MB, /api/health median ${fmt(median(bounded.idleHealth), 1)} ms, max ${fmt(Math.max(...bounded.idleHealth), 1)} ms`,
    ratio: `+${fmt(bounded.peakRssMb - bounded.idleRssMb)} MB peak over idle; health median ×${fmt(median(bounded.loadHealth) / median(bounded.idleHealth), 1)}`,
    raw: { ...bounded },
  });
  if (process.env.BENCH_UPLOAD_UNBOUNDED === '1') {
    const unbounded = await runLoad(['1000', '0'], bytes);
    report({
      name: `${name.split(' (')[0]} with the bound out of the way (1,000 in flight): the behaviour before issue 8`,
      figure: describe(unbounded),
      baseline: `bounded, same run: ${describe(bounded)}`,
      ratio: `peak RSS ×${fmt(unbounded.peakRssMb / bounded.peakRssMb, 1)} of the bounded server's; health max ×${fmt(Math.max(...unbounded.loadHealth) / Math.max(...bounded.loadHealth), 1)}`,
      raw: { ...unbounded },
    });
  }
}
