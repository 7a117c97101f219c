// The capture day at full size (issue 9, "Tests and figures"): 5,000 required students of one site (Beijing)
// come through the door of a real server over HTTP — the same Fastify app `gradphoto serve` runs (buildApp),
// on SQLite and on a throwaway PostgreSQL — and every figure is printed beside the same server's
// GET /api/me (signed in, trivial) measured in the same run at the same concurrency.
//
// The day, in the order it happens:
// 1. payment: every student has paid 20 元 by WeChat Pay before queueing (the site keeps its default "payment
//    before queueing", P1, so every check-in below is checked against a recorded payment). The payments are
//    recorded over HTTP by the 20 desk clients (recordPayment, a 28-digit transaction number each) and measured;
//    BENCH_CAPTURE_PAYMENTS=N records only the last N over HTTP and writes the ones before them straight into
//    the payments table during the setup (a quicker run);
// 2. check-in: the same 20 desk clients check every student in with a collection code of their own (checkIn,
//    an opaque 60-character code as a QR payload would carry): one ticket each;
// 3. calling: 10 stations call the next ticket (callNext, each call ending the previous student's turn:
//    `releasePrevious`, as no photo is taken here) until the queue answers 204. Verified, not only
//    printed: every ticket called exactly once, none left waiting, one `ticket.called` audit event per ticket.
//
// How the load is made: each desk or station is one signed-in operator account (its own session) behind the
// campus proxy with an address of its own (X-Forwarded-For, the server trusts one hop), so the per-address API
// limit sees 20 desks, not one load generator. Requests are sent from this process (Node's fetch), one in
// flight per client. Medians are not needed here: every figure is a percentile over thousands of requests.
//
// `npm run bench -- capture-day [--students N]` (default 5,000; BENCH_CAPTURE_STUDENTS too).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { buildApp } from '../src/http/app.js';
import { login } from '../src/services/auth.service.js';
import { localDate } from '../src/domain/campaign.js';
import { demoCampaign, loadCampaign } from '../src/services/campaign.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { applyRosterImport } from '../src/services/roster.service.js';
import { openRuntime } from '../src/services/runtime.js';
import { updateSiteSettings } from '../src/services/site-settings.service.js';
import { createUser } from '../src/services/user.service.js';
import { rosterCsv, rosterRow } from '../test/support/rosters.js';
import { fmt, report } from './lib.js';

const DESKS = 20;
const STATIONS = 10;
const PASSWORD = 'bench password, long enough';
const SITE = 'beijing';
const PAYMENTS_MEASURED = Number(process.env.BENCH_CAPTURE_PAYMENTS ?? Number.POSITIVE_INFINITY);

function studentsWanted(): number {
  const at = process.argv.indexOf('--students');
  const raw = at >= 0 ? process.argv[at + 1] : process.env.BENCH_CAPTURE_STUDENTS;
  const n = Number(raw ?? 5000);
  if (!Number.isInteger(n) || n < STATIONS) throw new Error(`--students: "${raw}" is not a whole number of at least ${STATIONS}`);
  return n;
}

interface LoadResult {
  /** of the answers with content (the final 204 of a station that found the queue empty is not counted) */
  latencies: number[];
  elapsedMs: number;
  statuses: Map<number, number>;
  codes: Map<string, number>;
}

/** Client c (0 ≤ c < clients) sends its requests one after another; `send` answers null when the client is done. */
async function runClients(clients: number, send: (client: number, k: number) => Promise<Response> | null, onAnswer?: (client: number, status: number, body: unknown) => void): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const codes = new Map<string, number>();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let k = 0; ; k++) {
        const start = performance.now();
        const pending = send(client, k);
        if (!pending) return;
        const res = await pending;
        const text = await res.text();
        if (res.status !== 204) latencies.push(performance.now() - start);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body = text ? (JSON.parse(text) as unknown) : null;
        if (res.status >= 400) {
          const code = (body as { error?: { code?: string } } | null)?.error?.code ?? String(res.status);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
        onAnswer?.(client, res.status, body);
        if (res.status === 204) return;
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - t0, statuses, codes };
}

/** `n` requests shared by `clients` clients, each taking the next index when its previous answer came. */
function shared(n: number, send: (client: number, i: number) => Promise<Response>): (client: number) => Promise<Response> | null {
  let next = 0;
  return (client) => {
    const i = next++;
    return i < n ? send(client, i) : null;
  };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

const rateOf = (r: LoadResult, n = r.latencies.length) => (n / r.elapsedMs) * 1000;
const studentNo = (i: number) => `C${String(i).padStart(9, '0')}`;
/** a 28-digit 微信支付订单号 of its own per student */
const wechatTx = (i: number) => `4200${String(20_240_000_000 + i).padStart(24, '0')}`;

interface Row {
  operation: string;
  concurrency: number;
  requests: number;
  rate: number;
  p50: number;
  p99: number;
  baseRate: number;
  baseP50: number;
  baseP99: number;
}
const table: { label: string; students: number; rows: Row[]; checks: string }[] = [];

function row(operation: string, concurrency: number, load: LoadResult, base: LoadResult, count = load.latencies.length): Row {
  return {
    operation,
    concurrency,
    requests: count,
    rate: rateOf(load, count),
    p50: percentile(load.latencies, 50),
    p99: percentile(load.latencies, 99),
    baseRate: rateOf(base),
    baseP50: percentile(base.latencies, 50),
    baseP99: percentile(base.latencies, 99),
  };
}

function print(label: string, students: number, r: Row, checks: string): void {
  report({
    name: `capture day over HTTP, ${label}, ${fmt(students)} required students of one site: ${r.operation}, ${r.concurrency} clients`,
    figure: `${fmt(r.requests)} requests, ${fmt(r.rate)}/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms; ${checks}`,
    baseline: `GET /api/me on the same server, same ${r.concurrency} clients: ${fmt(r.baseRate)}/s, p50 ${fmt(r.baseP50, 1)} ms, p99 ${fmt(r.baseP99, 1)} ms`,
    ratio: `${fmt(r.rate / r.baseRate, 2)}× the trivial route's throughput; p99 ${fmt(r.p99 / r.baseP99, 2)}×`,
    raw: { database: label, students, ...r },
  });
}

async function benchOne(label: string, students: number, databaseUrl?: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-capture-'));
  const deps = await openRuntime({ dataDir, databaseUrl, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    const t0 = performance.now();
    const campaign = demoCampaign(new Date());
    await loadCampaign(deps, SYSTEM, campaign);
    const term = campaign.targetTerms[campaign.targetTerms.length - 1]!;
    const roster = rosterCsv(Array.from({ length: students }, (_, i) => rosterRow(studentNo(i), { 姓名: `学生${i}`, 预计毕业时间: term, 学习地点: '北京' })));
    const imported = await applyRosterImport(deps, SYSTEM, { buffer: Buffer.from(roster) }, 'capture-day-roster.csv', 'zh');
    if (imported.summary.added !== students) throw new Error(`roster: ${imported.summary.added} of ${students} imported`);
    const required = Number(
      (await deps.db.db.selectFrom('students').select((eb) => eb.fn.countAll<number>().as('n')).where('decision', '=', 'required').where('site', '=', SITE).executeTakeFirstOrThrow()).n,
    );
    if (required !== students) throw new Error(`roster: ${required} of ${students} required at ${SITE}`);
    // the site has the 10 stations that call (a station the site does not have is refused)
    await updateSiteSettings(deps, SYSTEM, SITE, { stations: STATIONS, minutesPerStudent: 1 });

    // The day's earlier payments, as recordPayment would have written them (no audit events: setup, not load).
    const measuredPayments = Math.min(students, PAYMENTS_MEASURED);
    const earlier = students - measuredPayments;
    const ids = await deps.db.db.selectFrom('students').select(['id', 'student_no']).where('campaign_id', '=', campaign.id).execute();
    const idOf = new Map(ids.map((r) => [r.student_no, r.id]));
    const now = new Date().toISOString();
    for (let from = 0; from < earlier; from += 500) {
      const rows = Array.from({ length: Math.min(500, earlier - from) }, (_, k) => from + k).map((i) => ({
        id: crypto.randomUUID(),
        campaign_id: campaign.id,
        student_id: idOf.get(studentNo(i))!,
        site: SITE,
        method: 'wechat' as const,
        transaction_id: wechatTx(i),
        amount_fen: 2000,
        duplicate_of: null,
        recorded_by: null,
        recorded_at: now,
        date: localDate(new Date(), campaign.timezone),
      }));
      await deps.db.db.insertInto('payments').values(rows).execute();
    }

    const cookies: string[] = [];
    for (let c = 0; c < DESKS + STATIONS; c++) {
      const username = c < DESKS ? `desk-${c + 1}` : `station-${c - DESKS + 1}`;
      await createUser(deps, SYSTEM, { username, role: 'operator', departments: [], password: PASSWORD });
      cookies.push(`gp_session=${(await login(deps, { username, password: PASSWORD }, '127.0.0.1', 'bench')).token}`);
    }
    const address = (c: number) => `10.9.0.${c + 1}`;
    const setupSeconds = (performance.now() - t0) / 1000;

    app = await buildApp({ deps, config: { trustProxyHops: 1, cookieSecure: false, maxUploadBytes: 10 * 1024 * 1024, logLevel: 'silent' }, logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const headers = (c: number) => ({ cookie: cookies[c]!, 'x-forwarded-for': address(c), 'content-type': 'application/json' });
    const me = (c: number) => fetch(`${url}/api/me`, { headers: { cookie: cookies[c]!, 'x-forwarded-for': address(c) } });
    const post = (c: number, p: string, body: unknown) => fetch(`${url}${p}`, { method: 'POST', headers: headers(c), body: JSON.stringify(body) });
    const expectAll = (what: string, r: LoadResult, status: number, n: number) => {
      if (r.statuses.get(status) !== n) throw new Error(`${what} on ${label}: expected ${n} × ${status}, got ${JSON.stringify([...r.statuses])} ${JSON.stringify([...r.codes])}`);
    };

    // Warm-up (connections, JIT), then the desks' baseline.
    await runClients(DESKS, shared(Math.min(1000, students), (c) => me(c)));
    const deskBase = await runClients(DESKS, shared(students, (c) => me(c)));
    expectAll('GET /api/me', deskBase, 200, students);

    // 1. Payments, as the desk records them (P1: the site keeps payment before queueing on).
    const pay = await runClients(
      DESKS,
      shared(measuredPayments, (c, k) => post(c, '/api/payments', { studentNo: studentNo(earlier + k), method: 'wechat', transactionId: wechatTx(earlier + k), amountFen: 2000 })),
    );
    expectAll('recordPayment', pay, 201, measuredPayments);

    // 2. Check-in: each student's own collection code.
    const codes = Array.from({ length: students }, () => crypto.randomBytes(45).toString('base64'));
    const numbers = new Set<string>();
    const checkIn = await runClients(
      DESKS,
      shared(students, (c, i) => post(c, '/api/checkins', { studentNo: studentNo(i), collectionCode: codes[i], site: SITE })),
      (_c, status, body) => {
        if (status === 201) numbers.add((body as { ticket: { number: string } }).ticket.number);
      },
    );
    expectAll('checkIn', checkIn, 201, students);
    if (numbers.size !== students) throw new Error(`checkIn on ${label}: ${numbers.size} distinct ticket numbers for ${students} tickets`);

    // 3. Ten stations call until the queue is empty.
    const stationClient = (s: number) => DESKS + s;
    const stationBase = await runClients(STATIONS, shared(students, (s) => me(stationClient(s))));
    expectAll('GET /api/me (stations)', stationBase, 200, students);
    const calledIds: string[] = [];
    const perStation = new Array<number>(STATIONS).fill(0);
    const calls = await runClients(
      STATIONS,
      (s) => post(stationClient(s), `/api/queue/${SITE}/next`, { stationId: `beijing-${s + 1}`, releasePrevious: true }),
      (s, status, body) => {
        if (status === 200) {
          calledIds.push((body as { ticket: { id: string } }).ticket.id);
          perStation[s]!++;
        }
      },
    );
    const called = calls.statuses.get(200) ?? 0;
    const distinct = new Set(calledIds).size;
    const db = deps.db.db;
    const byStatus = await db.selectFrom('queue_tickets').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    const status = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
    const calledEvents = Number(
      (await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'ticket.called').executeTakeFirstOrThrow()).n,
    );
    const problems: string[] = [];
    if (called !== students) problems.push(`${called} calls answered a ticket for ${students} tickets`);
    if (distinct !== called) problems.push(`${called - distinct} tickets called twice`);
    if (calls.statuses.get(204) !== STATIONS) problems.push(`204 answers: ${calls.statuses.get(204) ?? 0} (one per station expected)`);
    if ((status.waiting ?? 0) !== 0) problems.push(`${status.waiting} tickets still waiting`);
    if ((status.served ?? 0) + (status.called ?? 0) !== students) problems.push(`served + called = ${(status.served ?? 0) + (status.called ?? 0)}`);
    if (calledEvents !== students) problems.push(`${calledEvents} ticket.called audit events`);
    if ([...calls.statuses.keys()].some((s) => s !== 200 && s !== 204)) problems.push(`other answers: ${JSON.stringify([...calls.statuses])} ${JSON.stringify([...calls.codes])}`);
    if (problems.length) throw new Error(`capture-day bench on ${label}: ${problems.join('; ')}`);

    const rows = [
      row(earlier === 0 ? `recordPayment (POST /api/payments), all ${fmt(measuredPayments)}` : `recordPayment (POST /api/payments), the day's last ${fmt(measuredPayments)}`, DESKS, pay, deskBase),
      row('checkIn (POST /api/checkins)', DESKS, checkIn, deskBase),
      row('callNext (POST /api/queue/beijing/next) until empty', STATIONS, calls, stationBase, called),
    ];
    const checks = [
      `${fmt(measuredPayments)} × 201${earlier > 0 ? ` after ${fmt(earlier)} payments already recorded (written in the setup)` : ''}; payment before queueing on`,
      `${fmt(students)} tickets, ${fmt(numbers.size)} distinct numbers`,
      `${fmt(called)} tickets called, each once (${fmt(distinct)} distinct), ${STATIONS} × 204 at the end, waiting left ${status.waiting ?? 0}, served ${fmt(status.served ?? 0)} + still called ${status.called ?? 0}, ${fmt(calledEvents)} ticket.called events; calls per station ${Math.min(...perStation)}–${Math.max(...perStation)}`,
    ];
    rows.forEach((r, k) => print(label, students, r, checks[k]!));
    table.push({ label, students, rows, checks: `setup (roster, ${DESKS + STATIONS} accounts) ${fmt(setupSeconds, 1)} s; ${checks[2]}` });
  } finally {
    await app?.close();
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The figures as one Markdown table (for the README). */
function printTable(): void {
  const lines = [
    '',
    '| database | operation | clients | requests | req/s | p50 ms | p99 ms | GET /api/me req/s | p50 ms | p99 ms | throughput ratio |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const t of table) {
    for (const r of t.rows) {
      lines.push(
        `| ${t.label} | ${r.operation} | ${r.concurrency} | ${fmt(r.requests)} | ${fmt(r.rate)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.baseRate)} | ${fmt(r.baseP50, 1)} | ${fmt(r.baseP99, 1)} | ${fmt(r.rate / r.baseRate, 2)}× |`,
      );
    }
  }
  for (const t of table) lines.push('', `${t.label}, ${fmt(t.students)} students: ${t.checks}`);
  process.stdout.write(lines.join('\n') + '\n');
}

export async function benchCaptureDay(opts: { postgresUrl?: (() => Promise<{ url: string; drop(): Promise<void> }>) | undefined } = {}): Promise<void> {
  const students = studentsWanted();
  table.length = 0;
  await benchOne('SQLite', students);
  if (opts.postgresUrl) {
    const scratch = await opts.postgresUrl();
    try {
      await benchOne('PostgreSQL', students, scratch.url);
    } finally {
      await scratch.drop();
    }
  }
  printTable();
}
