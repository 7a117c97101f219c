/**
 * Entry of the roster worker thread (started by roster-worker.ts): parses one roster per message and
 * answers with batches of students, progress, and a final summary or error. Jobs arrive one at a time.
 */
import { parentPort } from 'node:worker_threads';
import { isAppError } from '../domain/errors.js';
import type { WorkerReply, WorkerJob } from './roster-worker.js';
import { parseRosterFile } from './roster-parse.js';

const port = parentPort;
if (!port) throw new Error('roster-parse.worker.ts runs as a worker thread only');

port.on('message', (job: WorkerJob) => {
  const send = (reply: WorkerReply) => port.postMessage(reply);
  const source = 'path' in job.source ? { path: job.source.path } : { buffer: Buffer.from(job.source.bytes.buffer, job.source.bytes.byteOffset, job.source.bytes.byteLength) };
  parseRosterFile(source, job.campaign, (students) => send({ id: job.id, type: 'students', students }), {
    maxBytes: job.maxBytes,
    limits: job.limits,
    onProgress: (p) => send({ id: job.id, type: 'progress', progress: p }),
  }).then(
    (summary) => send({ id: job.id, type: 'done', summary }),
    (e: unknown) =>
      send({
        id: job.id,
        type: 'error',
        error: isAppError(e)
          ? { appError: true, code: e.code, params: e.params, details: e.details, message: e.message }
          : { appError: false, message: (e as Error)?.stack ?? String(e) },
      }),
  );
});
