// Audited writes at once on PostgreSQL (issue 11 section 4, decision 0032): 20 writers, each write one
// transaction with one audit event, through
//   (a) the path before decision 0032: the event chained inside the transaction, the head row locked until commit;
//   (b) today's path: the event written pending in the transaction, chained in batches after the commit;
//   baseline: the same transactions with two plain inserts into a table no other write touches.
// Medians of 3 rounds of 2,000 writes each, on a throwaway PostgreSQL with durable commits (fsync on).
// Run: npm run bench -- audit-append
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { recordAuditEvent } from '../src/services/audit.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { openRuntime } from '../src/services/runtime.js';
import { appendAuditEvent } from '../src/repositories/audit.repository.js';
import { startThrowawayPostgres } from '../test/support/postgres.js';
import { fmt, median, report } from './lib.js';

const WRITES = 2_000;
const WRITERS = 20;
const ROUNDS = 3;

async function perSecond(write: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let i = next++; i < WRITES; i = next++) await write(i);
    }),
  );
  return WRITES / ((performance.now() - t0) / 1000);
}

export async function benchAuditAppend(): Promise<void> {
  const server = await startThrowawayPostgres({ settings: { fsync: 'on', synchronous_commit: 'on' } });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-audit-append-'));
  const deps = await openRuntime({ dataDir, databaseUrl: server.url });
  try {
    await sql`create table bench_free (id serial primary key, v text not null)`.execute(deps.db.db);
    const event = (i: number) => ({ action: 'student.access_denied' as const, targetType: 'student', targetId: `s${i}`, result: 'denied' as const });
    const inline = (i: number) =>
      deps.db.db.transaction().execute((tx) =>
        appendAuditEvent(tx, 'postgres', deps.audit.key, { at: new Date().toISOString(), actorId: null, actorName: 'bench', actorRole: null, action: 'student.access_denied', targetType: 'student', targetId: `s${i}`, ip: null, result: 'denied', details: '{}' }),
      );
    const pending = (i: number) => recordAuditEvent(deps, SYSTEM, event(i));
    const free = (i: number) =>
      deps.db.db.transaction().execute(async (tx) => {
        await sql`insert into bench_free (v) values (${`a${i}`})`.execute(tx);
        await sql`insert into bench_free (v) values (${`b${i}`})`.execute(tx);
      });
    const runs = { inline: [] as number[], pending: [] as number[], free: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.inline.push(await perSecond(inline));
      runs.pending.push(await perSecond(pending));
      runs.free.push(await perSecond(free));
    }
    const m = { inline: median(runs.inline), pending: median(runs.pending), free: median(runs.free) };
    report({
      name: `audited writes on PostgreSQL, ${WRITERS} at once (median of ${ROUNDS} × ${fmt(WRITES)})`,
      figure: `${fmt(m.pending)} writes/s chained after commit (decision 0032); ${fmt(m.inline)} writes/s with the head locked until commit (before)`,
      baseline: `${fmt(m.free)} transactions/s with two plain inserts and no shared row`,
      ratio: `${fmt(m.pending / m.free, 2)}× the baseline now, ${fmt(m.inline / m.free, 2)}× before (${fmt(m.pending / m.inline, 1)}× faster)`,
      raw: { ...runs, writers: WRITERS, writes: WRITES },
    });
    const verify = await import('../src/services/audit.service.js').then((a) => a.verifyAuditChain(deps));
    if (!verify.ok) throw new Error(`audit chain does not verify after the benchmark: ${verify.problem}`);
  } finally {
    await deps.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
