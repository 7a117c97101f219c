// `npm run bench roster-import`: how long /api/health takes to answer while hostile rosters are previewed
// over HTTP (issue 8 finding 6: a 1,000,000-column header stopped it for 15–19 s, a 95 MB CSV of invalid
// rows for 19 s), beside the same server idle, measured in the same run. Health is polled one request
// at a time, 20 ms apart, by a client in the server's own process: a blocked event loop delays it.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { buildApp } from '../src/http/app.js';
import { demoCampaign, loadCampaign } from '../src/services/campaign.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { openRuntime } from '../src/services/runtime.js';
import { createUser } from '../src/services/user.service.js';
import { fmt, report } from './lib.js';

const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 5000);
const INVALID_MB = Number(process.env.BENCH_HOSTILE_MB ?? 95);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function invalidRowsCsv(bytes: number): Buffer {
  const lines = ['学号,姓名,院系,层次,证书类型,预计毕业时间,毕业类型,手机'];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `${3000000000 + i},张三${i % 10},火星学院,本科,三证,2024-13,肄业,12345`;
    lines.push(line);
    size += Buffer.byteLength(line) + 2;
  }
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}

function wideHeaderCsv(columns: number): Buffer {
  const header = Array.from({ length: columns }, (_, i) => (i < 7 ? ['学号', '姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型'][i] : `列${i}`));
  return Buffer.from(`${header.join(',')}\r\n1,张三,物理学院,硕士,双证,2024-07,毕业\r\n`, 'utf8');
}

export async function benchRosterHealth(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-health-'));
  const deps = await openRuntime({ dataDir, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  const app = await buildApp({ deps, config: { trustProxyHops: 0, cookieSecure: false, maxUploadBytes: 100 * 1024 * 1024, logLevel: 'silent' }, logger: false });
  try {
    await loadCampaign(deps, SYSTEM, demoCampaign(new Date()));
    await createUser(deps, SYSTEM, { username: 'bench-admin', role: 'admin', departments: [], password: 'bench-password-2024' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench-admin', password: 'bench-password-2024' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

    const poll = async (until: () => boolean): Promise<number[]> => {
      const ms: number[] = [];
      while (!until()) {
        const t0 = performance.now();
        const res = await fetch(`${url}/api/health`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`/api/health answered ${res.status}`);
        ms.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
      return ms.sort((a, b) => a - b);
    };
    const preview = async (file: Buffer, name: string): Promise<{ status: number; ms: number }> => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(file)]), name);
      const t0 = performance.now();
      const res = await fetch(`${url}/api/roster/preview`, { method: 'POST', body: form, headers: { cookie } });
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - t0 };
    };

    // Warm-up: the roster worker starts on first use.
    await preview(wideHeaderCsv(10), 'warm.csv');
    const idleEnd = performance.now() + IDLE_MS;
    const idle = await poll(() => performance.now() > idleEnd);

    const files = [
      { label: '1,000,000-column header', file: wideHeaderCsv(1_000_000) },
      // Under csv-parse's 1 MB record limit: before issue 8 this header reached the header mapping.
      { label: '140,000-column header', file: wideHeaderCsv(140_000) },
      { label: `${INVALID_MB} MB CSV of invalid rows`, file: invalidRowsCsv(INVALID_MB * 1024 * 1024) },
    ];
    for (const { label, file } of files) {
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      let done = false;
      const run = preview(file, 'hostile.csv').finally(() => (done = true));
      const during = await poll(() => done);
      const result = await run;
      loop.disable();
      report({
        name: `/api/health during a hostile roster preview over HTTP: ${label} (${fmt(file.length / 1048576, 1)} MB, answered ${result.status} in ${fmt(result.ms)} ms)`,
        figure: `p50 ${fmt(percentile(during, 50), 1)} ms, p99 ${fmt(percentile(during, 99), 1)} ms, max ${fmt(during.at(-1)!, 1)} ms over ${during.length} polls; event-loop delay max ${fmt(loop.max / 1e6, 1)} ms`,
        baseline: `idle: p50 ${fmt(percentile(idle, 50), 1)} ms, p99 ${fmt(percentile(idle, 99), 1)} ms, max ${fmt(idle.at(-1)!, 1)} ms over ${idle.length} polls`,
        ratio: `p99 ${fmt(percentile(during, 99) / percentile(idle, 99), 1)}× idle`,
        raw: { label, bytes: file.length, status: result.status, importMs: result.ms, during, idle, loopDelayMaxMs: loop.max / 1e6 },
      });
    }
  } finally {
    await app.close();
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
