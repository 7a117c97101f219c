// A booking opening at peak (issue 11 section 4): N students (default 10,000) arrive within a window, each signs
// in, lists their sessions and books one — against TWO `gradphoto serve` processes on one PostgreSQL behind a
// round-robin load balancer, with live counts on, and then the same against ONE process, on a copy of the same
// database on the same PostgreSQL server in the same run. Correctness is checked, not only printed.
//
// The opening, as it is generated:
// - Arrivals: an open schedule, student i starts at i × window / N whatever the answers before (default window
//   4 minutes: 10,000 students at 41.7 a second, the issue's "within 10 minutes" compressed 2.5× so that both
//   configurations fit in ~12 minutes on 2 cores; `--minutes 10` runs it uncompressed).
// - Each student is a client of its own: its own keep-alive connection from its own loopback address
//   (127.10.a.b), so the balancer appends a distinct X-Forwarded-For and the servers run TRUST_PROXY_HOPS=1, as
//   behind one nginx; per-address limits see students, not the generator.
// - Sign-in: the mail sign-in link (consumeSignInLink; the link rows are written before the run as
//   requestSignInLink writes them, without the mail). The accounts exist already (students who read their page
//   before the opening): a first sign-in would add one argon2id hash (m = 19 MiB, t = 2) per student, measured in
//   this run and printed beside the figures. `--sign-in password` signs in with a password instead (argon2id
//   verify on the server for every student).
// - Listing: GET /api/me/sessions (listMySessions, what /my shows). Booking: POST /api/bookings with an
//   Idempotency-Key, as the web does. Choice: among the sessions the list shows bookable with a free seat, the
//   earlier ones are preferred (weight 10 − k for the k-th), so the first days fill first and the last seats are
//   fought over; on 409 SESSION_FULL the student lists again and tries another, at most 5 attempts.
// - Seats: the 10 Beijing sessions (5 days × 2 windows; the students are employed, so weekends are open, S3) get
//   N seats in all, set in the database: every student can get a seat, none more.
// - Live counts: S secretaries (default 50) each keep the live page open on every process (two streams each with
//   two processes, both on the one process otherwise: 100 streams in both runs), through the balancer. At the
//   end every stream's counts must equal the database's — with two processes, half of the bookings were made
//   through the other process, so each stream shows what it learnt over LISTEN/NOTIFY.
// - PostgreSQL connections: pg_stat_activity of the run's database sampled every second.
// - Checked at the end: no session over capacity, no student with two bookings, every counter = its active
//   bookings (checkSeatInvariants), accepted bookings ≤ seats, no answer other than the expected ones.
//
// `npm run bench -- peak [--students N] [--minutes M] [--streams S] [--sign-in link|password]`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { hashSessionToken, login } from '../src/services/auth.service.js';
import { checkSeatInvariants } from '../src/services/booking.service.js';
import { demoCampaign, loadCampaign } from '../src/services/campaign.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { applyRosterImport } from '../src/services/roster.service.js';
import { openRuntime } from '../src/services/runtime.js';
import { createUser } from '../src/services/user.service.js';
import { rosterCsv, rosterRow } from '../test/support/rosters.js';
import { serve, stop, type ServeProcess } from '../test/support/serve-process.js';
import { benchDir, fmt, report } from './lib.js';
import { startLoadBalancer, type LoadBalancer } from './peak-lb.js';

const PASSWORD = 'bench password, long enough';
const SESSIONS = 10;
const MAX_ATTEMPTS = 5;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

function options() {
  const students = Number(option('students', process.env.BENCH_PEAK_STUDENTS ?? '10000'));
  const minutes = Number(option('minutes', process.env.BENCH_PEAK_MINUTES ?? '4'));
  const streams = Number(option('streams', '50'));
  const signIn = option('sign-in', 'link');
  const graceMinutes = Number(option('grace-minutes', '2'));
  if (!Number.isInteger(students) || students < SESSIONS) throw new Error(`--students: "${students}" is not a whole number of at least ${SESSIONS}`);
  if (!(minutes > 0 && minutes <= 15)) throw new Error(`--minutes: "${minutes}" is not between 0 and 15 (a sign-in link lasts 15 minutes)`);
  if (!Number.isInteger(streams) || streams < 1 || streams > 400) throw new Error(`--streams: "${streams}" is not a whole number from 1 to 400`);
  if (signIn !== 'link' && signIn !== 'password') throw new Error(`--sign-in: "${signIn}" is neither link nor password`);
  if (!(graceMinutes >= 0)) throw new Error(`--grace-minutes: "${graceMinutes}" is not a number of minutes`);
  return { students, windowMs: minutes * 60_000, graceMs: graceMinutes * 60_000, streams, signIn: signIn as 'link' | 'password' };
}

const studentNo = (i: number) => `P${String(i).padStart(9, '0')}`;
/** student i's own loopback address, 127.10.0.1 onwards (all of 127/8 is this machine on Linux) */
const studentAddress = (i: number) => `127.${10 + Math.floor(i / 250 / 250)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
const secretaryAddress = (k: number) => `127.9.${Math.floor(k / 250)}.${(k % 250) + 1}`;

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The client side: one keep-alive connection per student, from the student's own address.

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(base: URL, agent: http.Agent, localAddress: string, method: string, pathname: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path: pathname,
        agent,
        localAddress,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
    req.end(payload);
  });
}

const codeOf = (a: Answer): string => {
  if (a.status === 0) return 'NETWORK';
  try {
    return (JSON.parse(a.body) as { error?: { code?: string } }).error?.code ?? String(a.status);
  } catch {
    return String(a.status);
  }
};

/** A live-count stream read with the least memory: the last counts per session and how many events came. */
interface LiveStream {
  backend: number;
  status: number;
  booked: Map<string, number>;
  sessionEvents: number;
  snapshots: number;
  close(): void;
}

function openLiveStream(base: URL, cookie: string, localAddress: string): Promise<LiveStream> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: base.hostname, port: base.port, path: '/api/sessions/events', localAddress, agent: false, headers: { accept: 'text/event-stream', cookie } }, (res) => {
      const stream: LiveStream = { backend: Number(res.headers['x-bench-backend'] ?? -1), status: res.statusCode ?? 0, booked: new Map(), sessionEvents: 0, snapshots: 0, close: () => req.destroy() };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trimStart();
          }
          if (!data) continue;
          if (event === 'snapshot') {
            stream.snapshots++;
            for (const item of (JSON.parse(data) as { items: { sessionId: string; booked: number }[] }).items) stream.booked.set(item.sessionId, item.booked);
          } else if (event === 'session') {
            stream.sessionEvents++;
            const s = JSON.parse(data) as { sessionId: string; booked: number };
            stream.booked.set(s.sessionId, s.booked);
          }
        }
      });
      res.on('error', () => undefined);
      resolve(stream);
    });
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements beside the load: PostgreSQL connections, the servers' CPU time.

function sampleConnections(serverUrl: string, database: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  const samples: { total: number; active: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  return {
    async start() {
      await client.connect();
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        client
          .query<{ total: string; active: string }>(
            `select count(*) as total, count(*) filter (where state = 'active') as active from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
            [database],
          )
          .then((r) => samples.push({ total: Number(r.rows[0]!.total), active: Number(r.rows[0]!.active) }))
          .catch(() => undefined)
          .finally(() => (busy = false));
      }, 1000);
    },
    async stop() {
      clearInterval(timer);
      await client.end();
      const totals = samples.map((s) => s.total);
      const actives = samples.map((s) => s.active);
      return {
        samples: samples.length,
        max: Math.max(0, ...totals),
        mean: totals.length ? totals.reduce((a, b) => a + b, 0) / totals.length : 0,
        maxActive: Math.max(0, ...actives),
      };
    },
  };
}

/** user + system CPU seconds of a process so far (Linux /proc) */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One run: P processes on a database prepared from the template.

interface RunResult {
  label: string;
  processes: number;
  students: number;
  arrivalPerSecond: number;
  elapsedS: number;
  studentsPerSecond: number;
  requestsPerSecond: number;
  steps: Record<'signIn' | 'list' | 'book', { n: number; p50: number; p99: number }>;
  booked: number;
  withoutSeat: number;
  /** students who had not finished when the window and its grace were over: they take no further step */
  gaveUp: number;
  sessionFull: number;
  errors: Record<string, number>;
  maxStartLagMs: number;
  pg: { samples: number; max: number; mean: number; maxActive: number };
  serverCpuS: number[];
  forwarded: number[];
  streams: { perProcess: number[]; sessionEvents: number; converged: boolean; convergeMs: number; stale: number };
  invariants: { counterMismatches: number; sessionsOverCapacity: number; studentsWithSeveralBookings: number };
  seats: number;
}

interface Prepared {
  serverUrl: string;
  keys: { GRADPHOTO_MASTER_KEY: string; GRADPHOTO_AUDIT_KEY: string; GRADPHOTO_PHOTO_KEY: string };
  secretaries: string[];
  seats: number;
}

async function runOnce(label: string, processes: number, databaseUrl: string, database: string, prep: Prepared, opts: ReturnType<typeof options>): Promise<RunResult> {
  const dirs: string[] = [];
  const servers: ServeProcess[] = [];
  let lb: LoadBalancer | undefined;
  const streams: LiveStream[] = [];
  try {
    // The sign-in links of this run, written as requestSignInLink writes them (valid 15 minutes from now).
    const deps = await openRuntime({ dataDir: mkdir(dirs), databaseUrl, masterKey: prep.keys.GRADPHOTO_MASTER_KEY, auditKey: prep.keys.GRADPHOTO_AUDIT_KEY, photoKey: prep.keys.GRADPHOTO_PHOTO_KEY });
    const tokens: string[] = [];
    try {
      if (opts.signIn === 'link') {
        const ids = new Map((await deps.db.db.selectFrom('students').select(['id', 'student_no']).execute()).map((r) => [r.student_no, r.id]));
        const now = new Date();
        for (let from = 0; from < opts.students; from += 500) {
          const rows = [];
          for (let i = from; i < Math.min(opts.students, from + 500); i++) {
            const token = crypto.randomBytes(32).toString('base64url');
            tokens.push(token);
            rows.push({ token_hash: hashSessionToken(token), student_id: ids.get(studentNo(i))!, created_at: now.toISOString(), expires_at: new Date(now.getTime() + 15 * 60_000).toISOString(), used_at: null });
          }
          await deps.db.db.insertInto('signin_links').values(rows).execute();
        }
      }
    } finally {
      await deps.close();
    }

    const env = { DATABASE_URL: databaseUrl, ...prep.keys, TRUST_PROXY_HOPS: '1', COOKIE_SECURE: 'false' };
    for (const s of await Promise.all(Array.from({ length: processes }, () => serve(env, mkdir(dirs))))) servers.push(s);
    lb = await startLoadBalancer(servers.map((s) => s.url));
    const base = new URL(lb.url);

    // The secretaries' live pages: each signs in once and opens one stream per process (round robin places them).
    for (let k = 0; k < prep.secretaries.length; k++) {
      const a = await send(base, new http.Agent(), secretaryAddress(k), 'POST', '/api/auth/login', {}, { username: prep.secretaries[k], password: PASSWORD });
      if (a.status !== 200) throw new Error(`secretary sign-in: ${a.status} ${a.body}`);
      const cookie = String(a.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
      for (let p = 0; p < 2; p++) {
        const s = await openLiveStream(base, cookie, secretaryAddress(k));
        if (s.status !== 200) throw new Error(`live stream: ${s.status}`);
        streams.push(s);
      }
    }
    const perProcess = servers.map((_, k) => streams.filter((s) => s.backend === k).length);
    const forwardedBefore = [...lb.forwarded];
    const cpuBefore = servers.map((s) => cpuSeconds(s.child.pid));

    const sampler = sampleConnections(prep.serverUrl, database);
    await sampler.start();

    const lat = { signIn: [] as number[], list: [] as number[], book: [] as number[] };
    const errors: Record<string, number> = {};
    const error = (step: string, a: Answer) => {
      const key = `${step} ${a.status} ${codeOf(a)}`;
      errors[key] = (errors[key] ?? 0) + 1;
    };
    let booked = 0;
    let withoutSeat = 0;
    let gaveUp = 0;
    let sessionFull = 0;
    let requests = 0;
    let maxStartLagMs = 0;
    const timed = async (step: keyof typeof lat, p: Promise<Answer>) => {
      const t = performance.now();
      const a = await p;
      lat[step].push(performance.now() - t);
      requests++;
      return a;
    };
    const rng = (i: number, attempt: number) => (((i * 2654435761 + attempt * 40503) >>> 0) % 10_000) / 10_000;

    // A run that falls behind is not waited for forever: past the window and its grace, no student takes another step.
    // Then the requests still waiting are abandoned too (their connections closed), as a student would give up.
    let giveUpAt = Number.POSITIVE_INFINITY;
    let abandoned = false;
    const agents = new Set<http.Agent>();
    const late = () => {
      if (!abandoned && performance.now() < giveUpAt) return false;
      gaveUp++;
      return true;
    };
    const student = async (i: number): Promise<void> => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      agents.add(agent);
      const from = studentAddress(i);
      try {
        const signIn =
          opts.signIn === 'link'
            ? await timed('signIn', send(base, agent, from, 'POST', '/api/auth/signin-link/consume', {}, { token: tokens[i] }))
            : await timed('signIn', send(base, agent, from, 'POST', '/api/auth/login', {}, { username: studentNo(i), password: PASSWORD }));
        if (signIn.status === 0 && abandoned) return void gaveUp++;
        if (signIn.status !== 200) return error('sign-in', signIn);
        const cookie = { cookie: String(signIn.headers['set-cookie']?.[0] ?? '').split(';')[0]! };
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          if (late()) return;
          const list = await timed('list', send(base, agent, from, 'GET', '/api/me/sessions', cookie));
          if (list.status === 0 && abandoned) return void gaveUp++;
          if (list.status !== 200) return error('list', list);
          const items = (JSON.parse(list.body) as { items: { id: string; bookable: boolean; capacity: number; booked: number }[] }).items;
          const open = items.filter((s) => s.bookable && s.booked < s.capacity);
          if (open.length === 0) {
            withoutSeat++;
            return;
          }
          // earlier sessions preferred: weight (10 − k) for the k-th open one
          const weights = open.map((_, k) => Math.max(1, SESSIONS - k));
          let r = rng(i, attempt) * weights.reduce((a, b) => a + b, 0);
          let pick = 0;
          while (r >= weights[pick]! && pick < open.length - 1) r -= weights[pick++]!;
          if (late()) return;
          const book = await timed('book', send(base, agent, from, 'POST', '/api/bookings', { ...cookie, 'idempotency-key': crypto.randomUUID() }, { sessionId: open[pick]!.id }));
          if (book.status === 201) {
            booked++;
            return;
          }
          if (book.status === 409 && codeOf(book) === 'SESSION_FULL') {
            sessionFull++;
            continue;
          }
          if (book.status === 0 && abandoned) return void gaveUp++;
          return error('book', book);
        }
        withoutSeat++;
      } finally {
        agent.destroy();
        agents.delete(agent);
      }
    };

    // The open arrival schedule.
    const spacing = opts.windowMs / opts.students;
    const t0 = performance.now();
    giveUpAt = t0 + opts.windowMs + opts.graceMs;
    const running: Promise<void>[] = [];
    for (let i = 0; i < opts.students; i++) {
      const due = t0 + i * spacing;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      maxStartLagMs = Math.max(maxStartLagMs, performance.now() - due);
      running.push(student(i));
    }
    const abandon = setTimeout(() => {
      abandoned = true;
      for (const a of agents) a.destroy();
    }, Math.max(0, giveUpAt - performance.now()) + 5_000);
    await Promise.all(running);
    clearTimeout(abandon);
    const elapsedMs = performance.now() - t0;
    const serverCpuS = servers.map((s, k) => cpuSeconds(s.child.pid) - cpuBefore[k]!);
    const pgFigures = await sampler.stop();
    const forwarded = lb.forwarded.map((n, k) => n - forwardedBefore[k]!);

    // Every stream must come to the database's counts (a few seconds at most: NOTIFY, then the stream).
    const finalDeps = await openRuntime({ dataDir: mkdir(dirs), databaseUrl, masterKey: prep.keys.GRADPHOTO_MASTER_KEY, auditKey: prep.keys.GRADPHOTO_AUDIT_KEY, photoKey: prep.keys.GRADPHOTO_PHOTO_KEY });
    let convergeMs = 0;
    let stale = streams.length;
    let invariants: RunResult['invariants'];
    try {
      const tc = performance.now();
      for (;;) {
        // read each time: requests abandoned by students may still be committing in the servers
        const truth = new Map((await finalDeps.db.db.selectFrom('schedule_sessions').select(['id', 'booked']).execute()).map((r) => [r.id, Number(r.booked)]));
        stale = streams.filter((s) => [...truth].some(([id, n]) => (s.booked.get(id) ?? 0) !== n)).length;
        convergeMs = performance.now() - tc;
        if (stale === 0 || convergeMs > 15_000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      invariants = await checkSeatInvariants(finalDeps);
    } finally {
      await finalDeps.close();
    }
    const summarize = (v: number[]) => ({ n: v.length, p50: percentile(v, 50), p99: percentile(v, 99) });
    return {
      label,
      processes,
      students: opts.students,
      arrivalPerSecond: opts.students / (opts.windowMs / 1000),
      elapsedS: elapsedMs / 1000,
      studentsPerSecond: (booked + withoutSeat) / (elapsedMs / 1000),
      requestsPerSecond: requests / (elapsedMs / 1000),
      steps: { signIn: summarize(lat.signIn), list: summarize(lat.list), book: summarize(lat.book) },
      booked,
      withoutSeat,
      gaveUp,
      sessionFull,
      errors,
      maxStartLagMs,
      pg: pgFigures,
      serverCpuS,
      forwarded,
      streams: { perProcess, sessionEvents: streams.reduce((a, s) => a + s.sessionEvents, 0), converged: stale === 0, convergeMs, stale },
      invariants,
      seats: prep.seats,
    };
  } finally {
    for (const s of streams) s.close();
    await lb?.close();
    // a server still working through abandoned requests is not waited for past 30 s
    await Promise.all(
      servers.map((s) =>
        Promise.race([stop(s), new Promise<void>((r) => setTimeout(r, 30_000).unref())]).then(() => {
          if (s.child.exitCode === null) s.child.kill('SIGKILL');
        }),
      ),
    );
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

function mkdir(dirs: string[]): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-peak-'));
  dirs.push(d);
  return d;
}

// ---------------------------------------------------------------------------------------------------------------
// Preparing the database once (the template both runs are copied from).

async function prepare(serverUrl: string, database: string, opts: ReturnType<typeof options>): Promise<Prepared> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const keys = { GRADPHOTO_MASTER_KEY: crypto.randomBytes(32).toString('base64'), GRADPHOTO_AUDIT_KEY: crypto.randomBytes(32).toString('base64'), GRADPHOTO_PHOTO_KEY: crypto.randomBytes(32).toString('base64') };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-peak-prep-'));
  // The setup's own accounts are hashed cheaply (setup, not load); the servers verify with what each hash says.
  const deps = await openRuntime({ dataDir, databaseUrl: url.toString(), masterKey: keys.GRADPHOTO_MASTER_KEY, auditKey: keys.GRADPHOTO_AUDIT_KEY, photoKey: keys.GRADPHOTO_PHOTO_KEY, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  try {
    const campaign = demoCampaign(new Date());
    await loadCampaign(deps, SYSTEM, campaign);
    const term = campaign.targetTerms[campaign.targetTerms.length - 1]!;
    const roster = rosterCsv(Array.from({ length: opts.students }, (_, i) => rosterRow(studentNo(i), { 姓名: `学生${i}`, 预计毕业时间: term, 在职: '是' })));
    const imported = await applyRosterImport(deps, SYSTEM, { buffer: Buffer.from(roster) }, 'peak-roster.csv', 'zh');
    if (imported.summary.added !== opts.students) throw new Error(`roster: ${imported.summary.added} of ${opts.students} imported`);

    // N seats over the 10 Beijing sessions.
    const sessions = await deps.db.db.selectFrom('schedule_sessions').select(['id']).where('site', '=', 'beijing').orderBy('date').orderBy('start_time').execute();
    if (sessions.length !== SESSIONS) throw new Error(`expected ${SESSIONS} Beijing sessions, found ${sessions.length}`);
    for (let k = 0; k < SESSIONS; k++) {
      const capacity = Math.floor(opts.students / SESSIONS) + (k < opts.students % SESSIONS ? 1 : 0);
      await deps.db.db.updateTable('schedule_sessions').set({ capacity }).where('id', '=', sessions[k]!.id).execute();
    }

    // The students' accounts, as their first sign-in created them (role student, user name = student number).
    // With --sign-in password they carry a real argon2id hash (production parameters) of the bench password.
    const hash = opts.signIn === 'password' ? await createArgon2Hasher().hash(PASSWORD) : await deps.hasher.hash(crypto.randomBytes(32).toString('base64url'));
    const now = new Date().toISOString();
    for (let from = 0; from < opts.students; from += 500) {
      const rows = [];
      for (let i = from; i < Math.min(opts.students, from + 500); i++)
        rows.push({ id: crypto.randomUUID(), username: studentNo(i), password_hash: hash, role: 'student', display_name: `学生${i}`, student_no: studentNo(i), totp_secret: null, totp_enabled: 0, totp_last_step: null, disabled: 0, created_at: now, updated_at: now });
      await deps.db.db.insertInto('users').values(rows).execute();
    }

    const secretaries: string[] = [];
    for (let k = 0; k < opts.streams; k++) {
      const username = `peak-secretary-${k + 1}`;
      await createUser(deps, SYSTEM, { username, role: 'secretary', departments: ['物理学院'], password: PASSWORD });
      secretaries.push(username);
    }
    // one sign-in checks the accounts work before the servers start
    await login(deps, { username: secretaries[0]!, password: PASSWORD }, '127.0.0.1', 'bench');
    return { serverUrl, keys, secretaries, seats: opts.students };
  } finally {
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function copyDatabase(serverUrl: string, template: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabases(serverUrl: string, names: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    for (const n of names) await admin.query(`drop database if exists ${n} with (force)`);
  } finally {
    await admin.end();
  }
}

function check(r: RunResult): string[] {
  const problems: string[] = [];
  if (r.invariants.sessionsOverCapacity !== 0) problems.push(`${r.invariants.sessionsOverCapacity} sessions over capacity`);
  if (r.invariants.studentsWithSeveralBookings !== 0) problems.push(`${r.invariants.studentsWithSeveralBookings} students with two bookings`);
  if (r.invariants.counterMismatches !== 0) problems.push(`${r.invariants.counterMismatches} seat counters ≠ active bookings`);
  if (r.booked > r.seats) problems.push(`${r.booked} bookings accepted for ${r.seats} seats`);
  if (Object.keys(r.errors).length) problems.push(`unexpected answers: ${JSON.stringify(r.errors)}`);
  if (!r.streams.converged) problems.push(`${r.streams.stale} live-count streams still differ from the database 15 s after the last answer`);
  if (r.booked + r.withoutSeat + r.gaveUp !== r.students && !Object.keys(r.errors).length) problems.push(`${r.students - r.booked - r.withoutSeat} students unaccounted for`);
  return problems;
}

export async function benchPeak(serverUrl: string): Promise<void> {
  const opts = options();
  const stamp = `${process.pid}_${Date.now().toString(36)}`;
  const template = `gp_peak_tpl_${stamp}`;
  const copies = [`gp_peak_two_${stamp}`, `gp_peak_one_${stamp}`];
  const t0 = performance.now();
  try {
    const prep = await prepare(serverUrl, template, opts);
    const setupS = (performance.now() - t0) / 1000;
    // what a first sign-in (a new account's hash) or a password sign-in costs on top, on this machine now
    const argon = createArgon2Hasher();
    const sample = await argon.hash(PASSWORD);
    const ta = performance.now();
    for (let k = 0; k < 10; k++) await argon.verify(sample, PASSWORD);
    const argonMs = (performance.now() - ta) / 10;

    const results: RunResult[] = [];
    for (const [k, processes] of [2, 1].entries()) {
      const db = copies[k]!;
      const url = await copyDatabase(serverUrl, template, db);
      const label = processes === 2 ? 'two processes' : 'one process';
      process.stdout.write(`\npeak: ${label} — ${fmt(opts.students)} students over ${fmt(opts.windowMs / 60_000, 1)} min …\n`);
      results.push(await runOnce(label, processes, url, db, prep, opts));
    }

    const [two, one] = results as [RunResult, RunResult];
    for (const r of results) {
      const s = r.steps;
      report({
        name: `booking opening at peak, ${r.label} on one PostgreSQL behind a round-robin balancer: ${fmt(r.students)} students arriving at ${fmt(r.arrivalPerSecond, 1)}/s (sign-in by ${opts.signIn}, list, book), ${fmt(r.streams.perProcess.reduce((a, b) => a + b, 0))} live-count streams`,
        figure:
          `${fmt(r.studentsPerSecond, 1)} students/s, ${fmt(r.requestsPerSecond)} requests/s over ${fmt(r.elapsedS, 1)} s; ` +
          `sign-in p50 ${fmt(s.signIn.p50, 1)} / p99 ${fmt(s.signIn.p99, 1)} ms, list p50 ${fmt(s.list.p50, 1)} / p99 ${fmt(s.list.p99, 1)} ms (${fmt(s.list.n)}), book p50 ${fmt(s.book.p50, 1)} / p99 ${fmt(s.book.p99, 1)} ms (${fmt(s.book.n)}); ` +
          `booked ${fmt(r.booked)} of ${fmt(r.seats)} seats, ${fmt(r.sessionFull)} × SESSION_FULL then another choice, ${fmt(r.withoutSeat)} without a seat, ${fmt(r.gaveUp)} gave up (not done ${fmt(opts.graceMs / 60_000, 1)} min after the window), errors ${Object.values(r.errors).reduce((a, b) => a + b, 0)}; ` +
          `over capacity ${r.invariants.sessionsOverCapacity}, two bookings ${r.invariants.studentsWithSeveralBookings}, counters ≠ bookings ${r.invariants.counterMismatches}; ` +
          `PostgreSQL connections max ${r.pg.max} (mean ${fmt(r.pg.mean, 1)}, active at most ${r.pg.maxActive}); server CPU ${r.serverCpuS.map((c) => `${fmt(c, 1)} s`).join(' + ')}; requests per process ${r.forwarded.map((n) => fmt(n)).join(' / ')}; ` +
          `streams per process ${r.streams.perProcess.join(' / ')}, ${fmt(r.streams.sessionEvents)} session events, all equal to the database ${fmt(r.streams.convergeMs)} ms after the last answer; start lag at most ${fmt(r.maxStartLagMs)} ms`,
        baseline: r === two ? `one process on a copy of the same database, same run: ${fmt(one.studentsPerSecond, 1)} students/s, book p99 ${fmt(one.steps.book.p99, 1)} ms` : `(the baseline of the two-process run)`,
        ratio: r === two ? `p99 two/one: sign-in ${fmt(two.steps.signIn.p99 / one.steps.signIn.p99, 2)}×, list ${fmt(two.steps.list.p99 / one.steps.list.p99, 2)}×, book ${fmt(two.steps.book.p99 / one.steps.book.p99, 2)}×` : '—',
        raw: { ...r, signIn: opts.signIn, setupS, argon2idMs: argonMs } as unknown as Record<string, unknown>,
      });
    }
    process.stdout.write(`\nargon2id (m = 19 MiB, t = 2) on this machine now: ${fmt(argonMs, 1)} ms a hash; setup ${fmt(setupS, 1)} s; whole bench ${fmt((performance.now() - t0) / 1000, 1)} s\n`);
    process.stdout.write(`\n${markdownTable(results, opts.signIn)}\n`);
    fs.writeFileSync(path.join(benchDir(), 'peak.json'), JSON.stringify({ options: opts, argon2idMs: argonMs, setupS, results }, null, 2));
    const problems = results.flatMap((r) => check(r).map((p) => `${r.label}: ${p}`));
    if (problems.length) throw new Error(`peak bench: ${problems.join('; ')}`);
  } finally {
    await dropDatabases(serverUrl, [...copies, template]);
  }
}

function markdownTable(results: RunResult[], signIn: string): string {
  const rows: [string, (r: RunResult) => string][] = [
    ['students (arrival rate)', (r) => `${fmt(r.students)} (${fmt(r.arrivalPerSecond, 1)}/s)`],
    ['finished in', (r) => `${fmt(r.elapsedS, 1)} s`],
    ['throughput', (r) => `${fmt(r.studentsPerSecond, 1)} students/s, ${fmt(r.requestsPerSecond)} requests/s`],
    [`sign-in (${signIn}) p50 / p99`, (r) => `${fmt(r.steps.signIn.p50, 1)} / ${fmt(r.steps.signIn.p99, 1)} ms`],
    ['list sessions p50 / p99', (r) => `${fmt(r.steps.list.p50, 1)} / ${fmt(r.steps.list.p99, 1)} ms (${fmt(r.steps.list.n)})`],
    ['book p50 / p99', (r) => `${fmt(r.steps.book.p50, 1)} / ${fmt(r.steps.book.p99, 1)} ms (${fmt(r.steps.book.n)})`],
    ['booked / seats', (r) => `${fmt(r.booked)} / ${fmt(r.seats)} (${fmt(r.sessionFull)} × SESSION_FULL, then another choice)`],
    ['gave up (not done by the end of the grace after the window)', (r) => fmt(r.gaveUp)],
    ['errors', (r) => String(Object.values(r.errors).reduce((a, b) => a + b, 0))],
    ['overbooked sessions, double bookings, counter mismatches', (r) => `${r.invariants.sessionsOverCapacity}, ${r.invariants.studentsWithSeveralBookings}, ${r.invariants.counterMismatches}`],
    ['PostgreSQL connections (max, mean, max active)', (r) => `${r.pg.max}, ${fmt(r.pg.mean, 1)}, ${r.pg.maxActive}`],
    ['server CPU', (r) => r.serverCpuS.map((c) => `${fmt(c, 1)} s`).join(' + ')],
    ['live-count streams per process', (r) => `${r.streams.perProcess.join(' + ')}; all equal to the database after ${fmt(r.streams.convergeMs)} ms`],
  ];
  const head = `| | ${results.map((r) => r.label).join(' | ')} |\n| --- | ${results.map(() => '---').join(' | ')} |`;
  return [head, ...rows.map(([name, f]) => `| ${name} | ${results.map(f).join(' | ')} |`)].join('\n');
}
