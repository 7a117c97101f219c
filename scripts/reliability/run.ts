// The reliability run (issue 11 section 3, docs/decisions/0031-reliability-run.md): the README's promises
// checked against real `gradphoto serve` processes over HTTP on loopback, on SQLite and on PostgreSQL (a
// throwaway server when DATABASE_URL / TEST_DATABASE_URL name none). One line per promise with its figure;
// exit 1 when any promise failed, 2 when the run itself could not be made.
//
//   npm run reliability                      # full counts, both databases (≤ 10 minutes on 2 cores)
//   npm run reliability -- --short           # scaled-down counts, the same checks (CI)
//   npm run reliability -- --db sqlite|pg|both --json --seed N
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makePhotoFixtures } from '../../test/fixtures/make-photo-fixtures.js';
import { createScratchDatabase, startThrowawayPostgres, type ThrowawayPostgres } from '../../test/support/postgres.js';
import { auditCompleteness, auditCounts, bookingInvariants, codeInvariants, nationalIdLeaks, tamperCases, withData } from './audit.js';
import { bookingStorm, collectionCodeRace, fuzzing, healthOutcome, makeFuzzInputs, idempotentRetries, killDuringUploads, matrixObjects, permissionMatrix, type Ctx, type Outcome } from './checks.js';
import { Client, freePort, healthSampler, serveProcess, type HealthSampler } from './harness.js';
import { FULL, prepare, SHORT } from './setup.js';

interface Args {
  short: boolean;
  json: boolean;
  db: ('sqlite' | 'postgres')[];
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { short: false, json: false, db: ['sqlite', 'postgres'], seed: Number(process.env.RELIABILITY_SEED ?? Date.now() % 100_000) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--short') args.short = true;
    else if (a === '--json') args.json = true;
    else if (a === '--db') {
      const v = argv[++i];
      if (v === 'sqlite') args.db = ['sqlite'];
      else if (v === 'pg' || v === 'postgres') args.db = ['postgres'];
      else if (v === 'both') args.db = ['sqlite', 'postgres'];
      else throw new Error(`--db: "${v ?? ''}" is not sqlite, pg or both`);
    } else if (a === '--seed') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v)) throw new Error(`--seed: "${argv[i] ?? ''}" is not a whole number`);
      args.seed = v;
    } else throw new Error(`unknown argument "${a}" (known: --short, --json, --db sqlite|pg|both, --seed N)`);
  }
  return args;
}

interface DbRun {
  database: string;
  seconds: number;
  outcomes: Outcome[];
}

async function runOn(dialect: 'sqlite' | 'postgres', args: Args, postgresUrl: string | undefined, log: (s: string) => void): Promise<DbRun> {
  const t0 = Date.now();
  const scale = args.short ? SHORT : FULL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `gradphoto-reliability-${dialect}-`));
  const scratch = dialect === 'postgres' ? await createScratchDatabase(postgresUrl!, 'gp_reliability') : undefined;
  const databaseUrl = scratch?.url;
  const outcomes: Outcome[] = [];
  let health: HealthSampler | undefined;
  const phase = (name: string) => {
    log(`  [${dialect} ${((Date.now() - t0) / 1000).toFixed(0)} s] ${name}`);
    health?.phase(name.split(' ')[0]!);
  };
  try {
    phase('set-up: campaign, roster, accounts');
    const prepared = await prepare(dataDir, databaseUrl, scale);
    const before = await withData(dataDir, databaseUrl, auditCounts);
    const server = serveProcess({ dataDir, port: await freePort(), databaseUrl });
    await server.start();
    health = await healthSampler(server.url);
    const ctx: Ctx = { server, client: new Client(() => server.url), prepared, scale, seed: args.seed, created: new Map(), pauseHealth: health.pause, resumeHealth: health.resume };
    const sampler = health;
    let stats;
    let t1Answers = new Map<string, number>();
    let race: Awaited<ReturnType<typeof collectionCodeRace>> | undefined;
    try {
      phase('objects for the permission matrix');
      const objects = await matrixObjects(ctx);
      phase('T6 permission matrix');
      outcomes.push(await permissionMatrix(ctx, objects));
      phase(`T1 ${scale.bookingAttempts} booking attempts`);
      t1Answers = (await bookingStorm(ctx)).outcome.answers;
      phase('T2 idempotent retries');
      outcomes.push(await idempotentRetries(ctx));
      phase(`T5 one collection code, ${scale.codeTries} tries`);
      race = await collectionCodeRace(ctx);
      phase('inputs: T9\'s fuzzed files made');
      const inputs = makeFuzzInputs(ctx);
      phase(`T9 ${scale.images} fuzzed images, ${scale.rosters} roster files`);
      outcomes.push(await fuzzing(ctx, inputs));
      phase(`T7 ${scale.kills} × kill -9 during uploads`);
      outcomes.push(await killDuringUploads(ctx));
    } finally {
      stats = await sampler.stop();
      health = undefined;
      await server.stop();
    }
    outcomes.push(healthOutcome(stats));
    phase('T13 and the invariants in the database');
    await withData(dataDir, databaseUrl, async (rt) => {
      outcomes.push(await bookingInvariants(rt, scale, t1Answers));
      if (race) outcomes.push(await codeInvariants(rt, race));
      const after = await auditCounts(rt);
      const complete = auditCompleteness(before, after, ctx.created);
      const leaks = nationalIdLeaks(prepared.nationalIds, server.output(), dataDir, databaseUrl);
      const tamper = await tamperCases(rt, dialect);
      const serverErrors = ctx.client.serverErrors;
      outcomes.push({
        id: 'T13',
        promise: 'every change audited; no national ID number outside its encrypted column; audit tampering detected',
        figure: `${complete.figure}; ${leaks.leaks.length} national ID numbers found in ${(leaks.bytesSearched / 1e6).toFixed(1)} MB (server output, ${leaks.files} files of the data directory${databaseUrl ? ', pg_dump' : ', the SQLite file itself'}); tampering detected ${tamper.detected} of ${tamper.cases} (edit, delete, reorder)`,
        ok: complete.ok && leaks.leaks.length === 0 && tamper.detected === tamper.cases && tamper.cleanBefore && tamper.cleanAfter,
        raw: { ...complete.raw, leaks: leaks.leaks, tamper, serverErrors: serverErrors.slice(0, 20) },
      });
      const all5xx = serverErrors.length;
      outcomes.push({
        id: '5xx',
        promise: 'no answer 5xx over the whole run',
        figure: `${all5xx} answers 5xx of ${[...ctx.client.statuses.values()].reduce((a, b) => a + b, 0)} requests`,
        ok: all5xx === 0,
        raw: { statuses: Object.fromEntries(ctx.client.statuses), serverErrors: serverErrors.slice(0, 20) },
      });
    });
  } finally {
    await scratch?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const order = ['T1', 'T2', 'T5', 'T6', 'T7', 'T9', 'T10', 'T13', '5xx'];
  outcomes.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  return { database: dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL', seconds: (Date.now() - t0) / 1000, outcomes };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const log = (s: string) => (args.json ? process.stderr : process.stdout).write(`${s}\n`);
  const started = new Date();
  log(`reliability run (${args.short ? 'short' : 'full'}; seed ${args.seed}; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, Node ${process.version})`);
  await makePhotoFixtures();
  let pg: ThrowawayPostgres | undefined;
  const runs: DbRun[] = [];
  try {
    for (const dialect of args.db) {
      let url: string | undefined;
      if (dialect === 'postgres') {
        url = process.env.TEST_DATABASE_URL ?? (process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined);
        if (!url) {
          pg = await startThrowawayPostgres({ settings: { max_connections: '200' } });
          url = pg.url;
        }
      }
      const run = await runOn(dialect, args, url, log);
      runs.push(run);
      if (!args.json) {
        log(`\n${run.database} (${run.seconds.toFixed(0)} s):`);
        for (const o of run.outcomes) log(`  ${o.ok ? 'ok  ' : 'FAIL'} ${o.id.padEnd(4)} ${o.figure}`);
        for (const o of run.outcomes.filter((x) => !x.ok)) log(`\n  ${o.id} failed: ${JSON.stringify(o.raw, null, 2).slice(0, 3000)}`);
      }
    }
  } catch (e) {
    process.stderr.write(`the reliability run could not be made: ${(e as Error).stack ?? String(e)}\n`);
    return 2;
  } finally {
    await pg?.stop();
  }
  const failed = runs.flatMap((r) => r.outcomes.filter((o) => !o.ok).map((o) => `${r.database} ${o.id}`));
  if (args.json) process.stdout.write(JSON.stringify({ started: started.toISOString(), short: args.short, seed: args.seed, cpus: os.cpus().length, node: process.version, runs, failed }, null, 2) + '\n');
  else log(failed.length ? `\nFAILED: ${failed.join(', ')}` : `\nall promises held (${((Date.now() - started.getTime()) / 1000).toFixed(0)} s)`);
  return failed.length ? 1 : 0;
}

process.exitCode = await main();
