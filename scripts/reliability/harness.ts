// The reliability run's harness (docs/decisions/0031): a real `gradphoto serve` process on loopback (started,
// killed with SIGKILL, started again on the same data and port), an HTTP client that counts every answer, and
// a /api/health sampler in a worker thread of its own (so that the load this process makes does not delay
// the samples).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'bin', 'gradphoto.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Server {
  url: string;
  /** everything the server wrote to stdout and stderr over all its starts */
  output(): string;
  start(): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
  running(): boolean;
}

/** `gradphoto serve` on `port` with `dataDir` (and DATABASE_URL on PostgreSQL); logs at info, every request. */
export function serveProcess(opts: { dataDir: string; port: number; databaseUrl?: string }): Server {
  let child: ChildProcess | undefined;
  let all = '';
  const url = `http://127.0.0.1:${opts.port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GRADPHOTO_DATA: opts.dataDir,
    DATABASE_URL: opts.databaseUrl ?? '',
    GRADPHOTO_MASTER_KEY: '',
    GRADPHOTO_PHOTO_KEY: '',
    GRADPHOTO_AUDIT_KEY: '',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    COOKIE_SECURE: 'false',
    // one load generator on one address stands for a campus of clients: the per-address limit is lifted
    API_RATE_LIMIT_PER_MINUTE: '1000000',
  };
  const running = () => !!child && child.exitCode === null && child.signalCode === null;
  return {
    url,
    output: () => all,
    running,
    start() {
      const c = spawn(process.execPath, [...(process.env.RELIABILITY_NODE_ARGS ?? '').split(' ').filter(Boolean), BIN, 'serve', '--port', String(opts.port)], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let mine = '';
      const onData = (d: string) => {
        mine += d;
        all += d;
      };
      c.stdout!.setEncoding('utf8').on('data', onData);
      c.stderr!.setEncoding('utf8').on('data', onData);
      return new Promise((resolve, reject) => {
        const check = setInterval(() => {
          if (/is running: http/.test(mine)) {
            clearInterval(check);
            resolve();
          } else if (c.exitCode !== null || c.signalCode !== null) {
            clearInterval(check);
            reject(new Error(`gradphoto serve exited (${c.exitCode ?? c.signalCode}):\n${mine.slice(-4000)}`));
          }
        }, 20);
      });
    },
    kill9() {
      const c = child;
      return new Promise((resolve) => {
        if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('close', () => resolve());
        c.kill('SIGKILL');
      });
    },
    stop() {
      const c = child;
      return new Promise((resolve) => {
        if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
        const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
        c.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        c.kill('SIGTERM');
      });
    },
  };
}

export interface Answer {
  status: number;
  body: unknown;
  code: string | null;
}

/** Every answer of the run, counted: mutating 2xx answers by operation feed T13's audit comparison. */
export class Client {
  readonly statuses = new Map<number, number>();
  /** 5xx answers (and dropped connections) by what was asked */
  readonly serverErrors: string[] = [];
  constructor(readonly base: () => string) {}

  async send(method: string, url: string, opts: { cookie?: string; json?: unknown; form?: FormData; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.cookie) headers.cookie = opts.cookie;
    let body: BodyInit | undefined;
    if (opts.form) body = opts.form;
    else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const res = await fetch(`${this.base()}${url}`, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
    const type = res.headers.get('content-type') ?? '';
    let parsed: unknown = null;
    if (type.includes('text/event-stream')) await res.body?.cancel();
    else {
      const text = await res.text();
      if (type.includes('json') && text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
    }
    this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) this.serverErrors.push(`${method} ${url.split('?')[0]} → ${res.status} ${JSON.stringify(parsed).slice(0, 200)}`);
    const code = (parsed as { error?: { code?: string } } | null)?.error?.code ?? null;
    return { status: res.status, body: parsed, code };
  }
}

/** `n` tasks run by `concurrency` workers, each taking the next index when its previous task is done. */
export async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      for (let i = next++; i < n; i = next++) await task(i);
    }),
  );
}

export interface HealthStats {
  samples: number;
  p50: number;
  p99: number;
  max: number;
  over100: number;
  failed: number;
  /** the same figures for each phase of the run (what the server was doing meanwhile) */
  phases: Record<string, { samples: number; p50: number; p99: number; max: number; over100: number; failed: number }>;
  /** every sample over 100 ms: its phase, duration and start (monotonic clock in µs, as in a `--cpu-prof` profile) */
  slow: { phase: string; ms: number; atUs: number }[];
}

function statsOf(values: number[], failed: number) {
  const s = [...values].sort((a, b) => a - b);
  const pct = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
  const r1 = (v: number) => Math.round(v * 10) / 10;
  return { samples: s.length, p50: r1(pct(50)), p99: r1(pct(99)), max: r1(s[s.length - 1] ?? 0), over100: s.filter((v) => v > 100).length, failed };
}

const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
let url = workerData.url, paused = false, stopped = false, phase = 'start';
const samples = []; const failed = {}; const slow = [];
parentPort.on('message', (m) => { if (m.type === 'pause') paused = true; if (m.type === 'resume') paused = false; if (m.type === 'phase') phase = m.phase; if (m.type === 'stop') stopped = true; });
(async () => {
  // This thread's first fetch loads and compiles Node's fetch internals (undici) in its own isolate: 50-100 ms
  // that are the sampler's, not the server's. One request first, not counted.
  try { await (await fetch(url + '/api/health', { signal: AbortSignal.timeout(5000) })).text(); } catch {}
  parentPort.postMessage({ type: 'ready' });
  while (!stopped) {
    if (!paused) {
      const t0 = performance.now();
      try {
        const res = await fetch(url + '/api/health', { signal: AbortSignal.timeout(5000) });
        await res.text();
        const ms = performance.now() - t0;
        if (res.status === 200 && !paused) {
          samples.push([phase, ms]);
          // the slow ones with when they began (CLOCK_MONOTONIC, µs: the clock of a --cpu-prof profile)
          if (ms > 100) slow.push({ phase, ms: Math.round(ms * 10) / 10, atUs: Number(process.hrtime.bigint() / 1000n) - Math.round(ms * 1000) });
        } else if (!paused) failed[phase] = (failed[phase] || 0) + 1;
      } catch { if (!paused) failed[phase] = (failed[phase] || 0) + 1; }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  parentPort.postMessage({ samples, failed, slow });
})();
`;

export interface HealthSampler {
  pause(): void;
  resume(): void;
  phase(name: string): void;
  stop(): Promise<HealthStats>;
}

/**
 * Samples GET /api/health every 25 ms from a worker thread until `stop()`; paused while the server is down on
 * purpose. Answers once the sampler's own first request is done (a cold client is not a slow server).
 */
export async function healthSampler(url: string): Promise<HealthSampler> {
  const worker = new Worker(SAMPLER, { eval: true, workerData: { url } });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => {
      worker.off('error', reject);
      resolve();
    });
    worker.once('error', reject);
  });
  // a sampler that fails later fails the run, loudly, instead of leaving stop() waiting for its figures
  worker.on('error', (e) => {
    throw e;
  });
  return {
    pause: () => worker.postMessage({ type: 'pause' }),
    resume: () => worker.postMessage({ type: 'resume' }),
    phase: (name) => worker.postMessage({ type: 'phase', phase: name }),
    stop: () =>
      new Promise((resolve) => {
        worker.once('message', (m: { samples: [string, number][]; failed: Record<string, number>; slow: HealthStats['slow'] }) => {
          void worker.terminate();
          const phases: HealthStats['phases'] = {};
          for (const name of new Set([...m.samples.map(([p]) => p), ...Object.keys(m.failed)])) {
            phases[name] = statsOf(m.samples.filter(([p]) => p === name).map(([, v]) => v), m.failed[name] ?? 0);
          }
          const failed = Object.values(m.failed).reduce((a, b) => a + b, 0);
          resolve({ ...statsOf(m.samples.map(([, v]) => v), failed), phases, slow: m.slow });
        });
        worker.postMessage({ type: 'stop' });
      }),
  };
}
