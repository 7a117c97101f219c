// 10,000 concurrent booking attempts over HTTP for 1,000 seats in 10 sessions (issue #3), on SQLite and
// on PostgreSQL, beside the same server's throughput on a trivial signed-in route (GET /api/me) measured
// in the same run with the same concurrency. Correctness is asserted, not only printed: accepted = seats
// exactly, no session over capacity, no student with two bookings, every counter = its active bookings.
//
// How the load is made, and why:
// - One admin session books on behalf of 10,000 distinct required students (`studentNo`): signing in
//   10,000 students would measure argon2, not bookings.
// - The server counts requests per client address (global limit 1,200 a minute). The load generator is
//   one address; it presents itself as students behind the campus proxy instead: the server trusts one
//   proxy hop (trustProxyHops: 1) and every request carries an X-Forwarded-For address of its own student.
// - The 10 sessions are the Beijing site's 5 days × 2 windows. Their capacities are set to 100 seats each
//   directly in the database (no stations/minutes pair gives 100 to both a 150- and a 270-minute window);
//   the students are employed (在职), so the weekend days are open to them (S3).
// - Concurrency: ~100 requests in flight, from Node's fetch (undici) with Promise workers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { buildApp } from '../src/http/app.js';
import { login } from '../src/services/auth.service.js';
import { checkSeatInvariants } from '../src/services/booking.service.js';
import { demoCampaign, loadCampaign } from '../src/services/campaign.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { applyRosterImport } from '../src/services/roster.service.js';
import { openRuntime } from '../src/services/runtime.js';
import { createUser } from '../src/services/user.service.js';
import { rosterCsv, rosterRow } from '../test/support/rosters.js';
import { fmt, report } from './lib.js';

const ATTEMPTS = Number(process.env.BENCH_BOOKING_ATTEMPTS ?? 10_000);
const SESSIONS = 10;
const SEATS_PER_SESSION = Number(process.env.BENCH_BOOKING_SEATS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_BOOKING_CONCURRENCY ?? 100);
const ADMIN = 'bench-admin';
const PASSWORD = 'bench password, long enough';

interface LoadResult {
  statuses: Map<number, number>;
  latencies: number[];
  latenciesByStatus: Map<number, number[]>;
  elapsedMs: number;
  codes: Map<string, number>;
  /** ms from the start to the last answer with this status */
  lastAt: Map<number, number>;
}

/** `n` requests with `concurrency` in flight; each worker takes the next index until all are done. */
async function runLoad(n: number, concurrency: number, send: (i: number) => Promise<Response>): Promise<LoadResult> {
  const statuses = new Map<number, number>();
  const codes = new Map<string, number>();
  const latencies: number[] = [];
  const latenciesByStatus = new Map<number, number[]>();
  const lastAt = new Map<number, number>();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const start = performance.now();
        const res = await send(i);
        const text = await res.text();
        const ms = performance.now() - start;
        latencies.push(ms);
        const same = latenciesByStatus.get(res.status) ?? [];
        same.push(ms);
        latenciesByStatus.set(res.status, same);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        lastAt.set(res.status, performance.now() - t0);
        if (res.status >= 400) {
          const code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? String(res.status);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      }
    }),
  );
  return { statuses, latencies, latenciesByStatus, elapsedMs: performance.now() - t0, codes, lastAt };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

/** A proxy-forwarded client address per student (10.x.y.z), so that per-address limits see students, not the generator. */
function studentAddress(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

const studentNo = (i: number) => `B${String(i).padStart(9, '0')}`;

async function benchOne(label: string, databaseUrl?: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-booking-'));
  const deps = await openRuntime({ dataDir, databaseUrl, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    // The campaign moved forward so that every session is in the future, and 10,000 required students (E1).
    const campaign = demoCampaign(new Date());
    await loadCampaign(deps, SYSTEM, campaign);
    const term = campaign.targetTerms[campaign.targetTerms.length - 1]!;
    const roster = rosterCsv(Array.from({ length: ATTEMPTS }, (_, i) => rosterRow(studentNo(i), { 预计毕业时间: term, 在职: '是' })));
    const imported = await applyRosterImport(deps, SYSTEM, { buffer: Buffer.from(roster) }, 'bench-roster.csv', 'zh');
    if (imported.summary.added !== ATTEMPTS) throw new Error(`roster: ${imported.summary.added} of ${ATTEMPTS} imported`);

    await deps.db.db.updateTable('schedule_sessions').set({ capacity: SEATS_PER_SESSION }).where('site', '=', 'beijing').execute();
    const sessions = await deps.db.db.selectFrom('schedule_sessions').select(['id']).where('site', '=', 'beijing').orderBy('date').orderBy('start_time').execute();
    if (sessions.length !== SESSIONS) throw new Error(`expected ${SESSIONS} Beijing sessions, found ${sessions.length}`);
    const seats = SESSIONS * SEATS_PER_SESSION;

    await createUser(deps, SYSTEM, { username: ADMIN, role: 'admin', departments: [], password: PASSWORD });
    const { token } = await login(deps, { username: ADMIN, password: PASSWORD }, '127.0.0.1', 'bench');
    const cookie = `gp_session=${token}`;

    app = await buildApp({ deps, config: { trustProxyHops: 1, cookieSecure: false, maxUploadBytes: 10 * 1024 * 1024, logLevel: 'silent' }, logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const me = (i: number) => fetch(`${url}/api/me`, { headers: { cookie, 'x-forwarded-for': studentAddress(i) } });
    const book = (i: number) =>
      fetch(`${url}/api/bookings`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-forwarded-for': studentAddress(i) },
        // Student i tries session i mod 10: 1,000 attempts for each session's 100 seats.
        body: JSON.stringify({ sessionId: sessions[i % SESSIONS]!.id, studentNo: studentNo(i) }),
      });

    // Warm-up (connections, JIT), then the baseline, then the bookings, all on the same server.
    await runLoad(Math.min(1000, ATTEMPTS), CONCURRENCY, me);
    const baseline = await runLoad(ATTEMPTS, CONCURRENCY, me);
    if (baseline.statuses.get(200) !== ATTEMPTS) throw new Error(`GET /api/me: ${JSON.stringify([...baseline.statuses])}`);
    const load = await runLoad(ATTEMPTS, CONCURRENCY, book);

    const accepted = load.statuses.get(201) ?? 0;
    const full = load.codes.get('SESSION_FULL') ?? 0;
    const invariants = await checkSeatInvariants(deps);
    const active = Number(
      (await deps.db.db.selectFrom('bookings').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'active').executeTakeFirstOrThrow()).n,
    );
    const problems: string[] = [];
    if (accepted !== seats) problems.push(`accepted ${accepted} ≠ seats ${seats}`);
    if (active !== seats) problems.push(`active bookings ${active} ≠ seats ${seats}`);
    if (accepted + full !== ATTEMPTS) problems.push(`other answers than 201 / 409 SESSION_FULL: ${JSON.stringify([...load.statuses])} ${JSON.stringify([...load.codes])}`);
    if (invariants.sessionsOverCapacity !== 0) problems.push(`${invariants.sessionsOverCapacity} sessions over capacity`);
    if (invariants.studentsWithSeveralBookings !== 0) problems.push(`${invariants.studentsWithSeveralBookings} students with two bookings`);
    if (invariants.counterMismatches !== 0) problems.push(`${invariants.counterMismatches} seat counters ≠ active bookings (F4)`);
    if (problems.length) throw new Error(`booking bench on ${label}: ${problems.join('; ')}`);

    const rate = (ATTEMPTS / load.elapsedMs) * 1000;
    // Seats are gone before the attempts are: bookings/s counts the accepted ones until the last seat went.
    const bookingRate = (accepted / (load.lastAt.get(201) ?? load.elapsedMs)) * 1000;
    const p99 = percentile(load.latencies, 99);
    const baseRate = (ATTEMPTS / baseline.elapsedMs) * 1000;
    const baseP99 = percentile(baseline.latencies, 99);
    report({
      name: `booking over HTTP, ${label}: ${fmt(ATTEMPTS)} attempts by distinct students for ${fmt(seats)} seats in ${SESSIONS} sessions, ${CONCURRENCY} in flight`,
      figure:
        `accepted ${fmt(accepted)} (= seats), ${fmt(full)} × 409 SESSION_FULL, sessions over capacity ${invariants.sessionsOverCapacity}, ` +
        `students with two bookings ${invariants.studentsWithSeveralBookings}, counters ≠ bookings ${invariants.counterMismatches}; ` +
        `${fmt(rate)} attempts/s (${fmt(bookingRate)} bookings/s until the last seat went), p50 ${fmt(percentile(load.latencies, 50), 1)} ms, p99 ${fmt(p99, 1)} ms ` +
        `(accepted ones: p99 ${fmt(percentile(load.latenciesByStatus.get(201) ?? [], 99), 1)} ms)`,
      baseline: `GET /api/me (signed in, trivial) on the same server, same concurrency: ${fmt(baseRate)} req/s, p50 ${fmt(percentile(baseline.latencies, 50), 1)} ms, p99 ${fmt(baseP99, 1)} ms`,
      ratio: `booking attempts/s = ${fmt(rate / baseRate, 2)}× the trivial route's; p99 ${fmt(p99 / baseP99, 2)}×`,
      raw: {
        database: label,
        attempts: ATTEMPTS,
        seats,
        concurrency: CONCURRENCY,
        accepted,
        sessionFull: full,
        ...invariants,
        attemptsPerSecond: rate,
        bookingsPerSecond: bookingRate,
        p50Ms: percentile(load.latencies, 50),
        p99Ms: p99,
        acceptedP99Ms: percentile(load.latenciesByStatus.get(201) ?? [], 99),
        baselinePerSecond: baseRate,
        baselineP99Ms: baseP99,
      },
    });
  } finally {
    await app?.close();
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchBookings(opts: { postgresUrl?: (() => Promise<{ url: string; drop(): Promise<void> }>) | undefined } = {}): Promise<void> {
  await benchOne('SQLite');
  if (opts.postgresUrl) {
    const scratch = await opts.postgresUrl();
    try {
      await benchOne('PostgreSQL', scratch.url);
    } finally {
      await scratch.drop();
    }
  }
}
