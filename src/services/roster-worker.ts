/**
 * Runs roster parsing and validation (roster-parse.ts) in a worker thread, so that no upload — a
 * million-column header, 95 MB of invalid rows, a zip bomb — stalls the event loop that answers every
 * other request (issue 8 finding 6: /api/health stopped answering for 15–19 s). The worker has its own
 * heap cap: a file that still manages to exhaust it ends the worker (refused, and a new worker starts
 * for the next file), never the server (finding 1).
 *
 * One worker, started on first use and kept (idle, it does not hold the process open); jobs run one at
 * a time, in order. Starting it costs ~0.2 s (tsx compiles the modules), paid once per process.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RosterSource } from '../adapters/roster-file.js';
import type { RosterLimits } from '../adapters/roster-limits.js';
import { tooComplex } from '../adapters/roster-limits.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import type { ErrorCode } from '../domain/errors.js';
import { AppError } from '../domain/errors.js';
import type { ParsedRosterStudent, ParsedRosterSummary, ParseRosterOptions } from './roster-parse.js';

/** Heap of the worker: the limits of roster-limits.ts need a few hundred MB at most. */
export const ROSTER_WORKER_HEAP_MB = 1024;

export interface WorkerJob {
  id: number;
  source: { path: string } | { bytes: Uint8Array };
  campaign: CampaignDefinition;
  maxBytes?: number | undefined;
  limits?: Partial<RosterLimits> | undefined;
}

export type WorkerReply =
  | { id: number; type: 'students'; students: ParsedRosterStudent[] }
  | { id: number; type: 'progress'; progress: { phase: 'parse' | 'write'; done: number; total?: number } }
  | { id: number; type: 'done'; summary: ParsedRosterSummary }
  | {
      id: number;
      type: 'error';
      error:
        | { appError: true; code: ErrorCode; params: Record<string, string | number>; details: unknown; message: string }
        | { appError: false; message: string };
    };

interface RunningJob {
  id: number;
  onReply(reply: WorkerReply): void;
  onCrash(error: Error): void;
}

let worker: Worker | undefined;
let running: RunningJob | undefined;
let queue: Promise<unknown> = Promise.resolve();
let nextId = 1;

/** The worker's bootstrap: register tsx (the project runs from its TypeScript sources), then load the entry. */
function bootstrapCode(): string {
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const tsconfig = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
  const entry = new URL('./roster-parse.worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register({ tsconfig: ${JSON.stringify(tsconfig)} }); return import(${JSON.stringify(entry)}); });`;
}

function startWorker(): Worker {
  const w = new Worker(bootstrapCode(), { eval: true, resourceLimits: { maxOldGenerationSizeMb: ROSTER_WORKER_HEAP_MB } });
  w.on('message', (reply: WorkerReply) => {
    if (running && reply.id === running.id) running.onReply(reply);
  });
  const crash = (error: Error) => {
    if (worker === w) worker = undefined;
    running?.onCrash(error);
  };
  w.on('error', crash);
  w.on('exit', (code) => crash(new Error(`roster worker exited with code ${code}`)));
  return w;
}

function toError(reply: Extract<WorkerReply, { type: 'error' }>['error']): Error {
  if (reply.appError) return new AppError(reply.code, { params: reply.params, details: reply.details, message: reply.message });
  return new Error(`roster worker: ${reply.message}`);
}

function runJob(source: RosterSource, campaign: CampaignDefinition, opts: ParseRosterOptions): Promise<{ summary: ParsedRosterSummary; students: Map<string, ParsedRosterStudent> }> {
  return new Promise((resolve, reject) => {
    worker ??= startWorker();
    const w = worker;
    const id = nextId++;
    const students = new Map<string, ParsedRosterStudent>();
    const finish = () => {
      running = undefined;
      w.unref();
    };
    running = {
      id,
      onReply(reply) {
        if (reply.type === 'students') for (const s of reply.students) students.set(s.student.studentNo, s);
        else if (reply.type === 'progress') opts.onProgress?.(reply.progress);
        else if (reply.type === 'done') {
          finish();
          resolve({ summary: reply.summary, students });
        } else {
          finish();
          reject(toError(reply.error));
        }
      },
      onCrash(error) {
        finish();
        void w.terminate();
        // Out of heap: the file needed more memory than any roster within the limits does.
        if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
          reject(tooComplex('roster-memory', `> ${ROSTER_WORKER_HEAP_MB} MB`, `${ROSTER_WORKER_HEAP_MB} MB`));
        } else reject(error);
      },
    };
    w.ref();
    const job: WorkerJob = {
      id,
      source: 'buffer' in source ? { bytes: movableBytes(source) } : { path: source.path },
      campaign,
      maxBytes: opts.maxBytes,
      limits: opts.limits,
    };
    w.postMessage(job, 'bytes' in job.source ? [job.source.bytes.buffer as ArrayBuffer] : []);
  });
}

/**
 * The bytes as a Uint8Array whose whole ArrayBuffer can be moved to the worker: the caller's own memory
 * when it hands the buffer over and the buffer spans it (an upload: no 100 MB copy on the event loop),
 * else a copy (the caller keeps its buffer intact).
 */
function movableBytes(source: { buffer: Buffer; handOver?: boolean }): Uint8Array {
  const b = source.buffer;
  if (source.handOver && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer)) {
    return new Uint8Array(b.buffer, 0, b.byteLength);
  }
  return new Uint8Array(b);
}

/** Parses and validates a roster in the worker thread; students keyed by student number. */
export function parseRosterInWorker(
  source: RosterSource,
  campaign: CampaignDefinition,
  opts: ParseRosterOptions = {},
): Promise<{ summary: ParsedRosterSummary; students: Map<string, ParsedRosterStudent> }> {
  const result = queue.then(() => runJob(source, campaign, opts));
  queue = result.catch(() => undefined);
  return result;
}
