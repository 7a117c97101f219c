// A real `gradphoto serve` process for the multi-process tests (test/live/): started on a free port with its
// own data directory, resolved with its URL once it prints it, stopped with SIGTERM; and two of them on one
// PostgreSQL database (servePair).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRuntime } from '../../src/services/runtime.js';
import { createScratchDatabase } from './postgres.js';

type Runtime = Awaited<ReturnType<typeof openRuntime>>;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** `node bin/gradphoto.js serve --port 0` on `dataDir`, just spawned. */
export function spawnServe(dataDir: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [path.join(REPO, 'bin', 'gradphoto.js'), 'serve', '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, ...env, GRADPHOTO_DATA: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `node bin/gradphoto.js serve --port 0`, resolved with its URL once it prints it. */
export function serve(env: NodeJS.ProcessEnv, dataDir: string): Promise<ServeProcess> {
  const child = spawnServe(dataDir, env);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /is running: (http:\/\/\S+)/.exec(output);
      if (m) resolve({ url: m[1]!.replace('localhost', '127.0.0.1'), child, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gradphoto serve exited with ${code}:\n${output}`)));
  });
}

export async function stop(server: ServeProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

export interface ServePair {
  a: ServeProcess;
  b: ServeProcess;
  /** stops both processes, drops the database, removes the data directories */
  close(): Promise<void>;
}

/**
 * Two `gradphoto serve` processes on one scratch PostgreSQL database, as several machines would run them: each
 * with its own data directory, both with the same master and audit keys (docs/decisions/0002: else the second
 * refuses to start). `prepare` sets the database up first through the services (campaign, accounts, roster).
 */
export async function servePair(postgresUrl: string, label: string, prepare: (deps: Runtime) => Promise<void>, extraEnv: NodeJS.ProcessEnv = {}): Promise<ServePair> {
  const scratch = await createScratchDatabase(postgresUrl, `gp_${label}`);
  const dirs: string[] = [];
  const mkdir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `gradphoto-${label}-`));
    dirs.push(d);
    return d;
  };
  const masterKey = crypto.randomBytes(32).toString('base64');
  const auditKey = crypto.randomBytes(32).toString('base64');
  // Every process of one database has the same keys (README "Running on several machines"; a process with another
  // photo key than the one the database's check value names refuses to start, src/services/key-check.ts).
  const photoKey = extraEnv.GRADPHOTO_PHOTO_KEY ?? crypto.randomBytes(32).toString('base64');
  const started: ServeProcess[] = [];
  const close = async () => {
    await Promise.all(started.map(stop));
    await scratch.drop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  };
  try {
    const deps = await openRuntime({ dataDir: mkdir(), databaseUrl: scratch.url, masterKey, auditKey, photoKey });
    try {
      await prepare(deps);
    } finally {
      await deps.close();
    }
    // extraEnv: e.g. one photo store for both (BLOB_STORE_URL, its AWS_* credentials, a shared GRADPHOTO_PHOTO_KEY)
    const env = { DATABASE_URL: scratch.url, GRADPHOTO_MASTER_KEY: masterKey, GRADPHOTO_AUDIT_KEY: auditKey, ...extraEnv, GRADPHOTO_PHOTO_KEY: photoKey };
    const servers = await Promise.allSettled([serve(env, mkdir()), serve(env, mkdir())]);
    for (const r of servers) if (r.status === 'fulfilled') started.push(r.value);
    const failed = servers.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { a: started[0]!, b: started[1]!, close };
  } catch (e) {
    await close();
    throw e;
  }
}
