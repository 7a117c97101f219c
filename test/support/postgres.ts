// A throwaway PostgreSQL server for tests and benchmarks.
//
// `startThrowawayPostgres()` finds the server binaries (PG_BIN, else the highest version under
// /usr/lib/postgresql/*/bin, else `initdb` on PATH), runs `initdb` into a fresh temporary
// directory, starts the server on a free loopback port with durability switched off (fsync,
// synchronous_commit, full_page_writes: a test database need not survive a crash), creates the
// database `gradphoto_test` and returns its URL and a `stop()` that stops the server and deletes
// the directory. As root (CI), initdb and the server refuse to run, so both run as the `postgres`
// system user if it exists, else `nobody`, through `runuser -u USER --`.
//
// It never skips: without binaries it throws, saying how to install them.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:PORT/gradphoto_test (superuser, trust authentication). */
  url: string;
  /** URL of the maintenance database `postgres`, e.g. to create more databases. */
  adminUrl: string;
  port: number;
  /** Stops the server (immediate mode) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Database created for the caller (default `gradphoto_test`). */
  database?: string;
  /** Extra `-c name=value` server settings, e.g. `{ max_connections: '300' }`. */
  settings?: Record<string, string>;
  /** Milliseconds to wait for the server to accept connections (default 60 000). */
  startTimeoutMs?: number;
}

const INSTALL_HINT =
  'Install the PostgreSQL server (Debian/Ubuntu: `apt-get install postgresql`; .ci/run does this), ' +
  'point PG_BIN at a directory holding initdb and pg_ctl, or set TEST_DATABASE_URL=postgres://… ' +
  'to use an existing server.';

/** Directory holding initdb, pg_ctl and postgres; throws with install instructions if none. */
export function findPostgresBinDir(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) {
    if (existsSync(path.join(fromEnv, 'initdb'))) return fromEnv;
    throw new Error(`PG_BIN=${fromEnv} has no initdb. ${INSTALL_HINT}`);
  }
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')) && existsSync(path.join(base, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0]) return path.join(base, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error(`No PostgreSQL server binaries found (looked in $PG_BIN, /usr/lib/postgresql/*/bin, $PATH). ${INSTALL_HINT}`);
}

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** As root: the unprivileged account to run PostgreSQL as. Otherwise null (run as ourselves). */
function unprivilegedUser(): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const entry = passwd.find((fields) => fields[0] === name);
    if (entry?.[2] && entry[3]) return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error('Running as root, but neither a `postgres` nor a `nobody` user exists to run PostgreSQL as.');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startThrowawayPostgres(options: StartOptions = {}): Promise<ThrowawayPostgres> {
  const binDir = findPostgresBinDir();
  const runAs = unprivilegedUser();
  const database = options.database ?? 'gradphoto_test';
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`invalid database name: ${database}`);

  const dir = mkdtempSync(path.join(tmpdir(), 'gradphoto-pg-'));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  const logFile = path.join(dir, 'server.log');
  mkdirSync(socketDir);
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    chownSync(socketDir, runAs.uid, runAs.gid);
  }

  // cwd: the server binaries fail if they cannot read the current directory (e.g. /root).
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  const run = (program: string, args: string[]): string => {
    const file = path.join(binDir, program);
    const [cmd, argv] = runAs ? ['runuser', ['-u', runAs.name, '--', file, ...args]] : [file, args];
    const result = spawnSync(cmd, argv, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.error) throw new Error(`${program} could not start: ${result.error.message}`);
    if (result.status !== 0) {
      let log = '';
      try {
        log = readFileSync(logFile, 'utf8');
      } catch {
        /* no log yet */
      }
      throw new Error(
        `${program} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}\n${log}`.trim(),
      );
    }
    return result.stdout;
  };

  let stopped = false;
  let started = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    if (started) {
      const file = path.join(binDir, 'pg_ctl');
      const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];
      const [cmd, argv] = runAs ? ['runuser', ['-u', runAs.name, '--', file, ...args]] : [file, args];
      spawnSync(cmd, argv, { cwd: dir, env, stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test runner dies without running teardown, do not leave a server behind.
  const onExit = () => stopSync();
  process.once('exit', onExit);

  try {
    run('initdb', [
      '-D', dataDir,
      '-U', 'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ]);

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings: Record<string, string> = {
        listen_addresses: '127.0.0.1',
        port: String(port),
        unix_socket_directories: socketDir,
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        ...options.settings,
      };
      const serverOptions = Object.entries(settings)
        .map(([key, value]) => `-c ${key}=${value}`)
        .join(' ');
      const timeoutS = Math.ceil((options.startTimeoutMs ?? 60_000) / 1000);
      try {
        run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', String(timeoutS), '-o', serverOptions, 'start']);
        started = true;
        break;
      } catch (error) {
        // Someone may have taken the port between freePort() and the server's bind: retry.
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
        if (attempt >= 3 || !/could not (bind|create listen)/i.test(log)) throw error;
        await sleep(200);
      }
    }

    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`create database ${database}`);
    } finally {
      await client.end();
    }

    return {
      url: `postgres://postgres@127.0.0.1:${port}/${database}`,
      adminUrl,
      port,
      stop: async () => {
        process.removeListener('exit', onExit);
        stopSync();
      },
    };
  } catch (error) {
    process.removeListener('exit', onExit);
    stopSync();
    throw error;
  }
}

/**
 * A fresh, empty database on the server behind `url` (whose user must be allowed to create
 * databases), for a test file that needs isolation from others running in parallel.
 */
export async function createScratchDatabase(url: string, prefix = 'scratch'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    url: scratch.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** `psql`-style version string of the binaries that would be used, for reports. */
export function postgresVersion(): string {
  return execFileSync(path.join(findPostgresBinDir(), 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
}
