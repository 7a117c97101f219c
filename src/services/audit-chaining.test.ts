// How audit events reach the chain (decision 0032): on PostgreSQL a write puts its events in `audit_pending`
// inside its own transaction and chains them after its commit, so that writes no longer wait for each other's
// commit on the audit head row; on SQLite they are chained inside the transaction. Either way every committed
// event ends up in the chain exactly once, in a gapless order that verifies.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { appendAuditEvents, chainAuditEvents, checkpointAuditChain, recordAuditEvent, verifyAuditChain } from './audit.service.js';
import { mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { openRuntime } from './runtime.js';

const pendingCount = async (deps: ServiceDeps) => Number((await deps.db.db.selectFrom('audit_pending').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const chained = (deps: ServiceDeps) => deps.db.db.selectFrom('audit_events').select(['seq', 'action', 'target_id']).orderBy('seq').execute();

describe.each(DIALECTS)('audit chaining on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  beforeEach(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin');
  });
  afterEach(async () => {
    await rt.close();
  });

  it('a change answers with its event already chained, and nothing is left pending', async () => {
    const before = (await chained(rt.deps)).length;
    await mutate(rt.deps, admin, async () => ({ value: null, audit: { action: 'student.access_denied', targetType: 'student', targetId: 'one', result: 'denied' } }));
    const after = await chained(rt.deps);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ seq: before + 1, action: 'student.access_denied', target_id: 'one' });
    expect(await pendingCount(rt.deps)).toBe(0);
  });

  it('200 concurrent writes from two runtimes on one database: every event chained once, numbers without gaps, the chain verifies', async () => {
    const second = dialect === 'postgres' ? await openRuntime({ dataDir: rt.dataDir, databaseUrl: rt.databaseUrl, clock: rt.clock.now }) : undefined;
    try {
      const before = (await chained(rt.deps)).length;
      const runtimes = second ? [rt.deps, second] : [rt.deps];
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          mutate(runtimes[i % runtimes.length]!, admin, async () => ({ value: null, audit: { action: 'student.access_denied', targetType: 'student', targetId: `w${i}`, result: 'denied' } })),
        ),
      );
      const after = await chained(rt.deps);
      expect(after.map((e) => e.seq)).toEqual(Array.from({ length: before + 200 }, (_, i) => i + 1));
      const written = after.slice(before).map((e) => e.target_id);
      expect(new Set(written).size).toBe(200);
      expect(written.sort()).toEqual(Array.from({ length: 200 }, (_, i) => `w${i}`).sort());
      expect(await pendingCount(rt.deps)).toBe(0);
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: true, checked: before + 200 });
    } finally {
      await second?.close();
    }
  });
});

describe('audit chaining on postgres: no write waits for another one’s commit', () => {
  let rt: TestRuntime;
  let admin: Actor;
  beforeEach(async () => {
    rt = await createTestRuntime('postgres');
    admin = await createActor(rt.deps, 'admin');
  });
  afterEach(async () => {
    await rt.close();
  });

  it('while one transaction holding an audit event is still open, another change commits, chains and answers; the first is chained after it', async () => {
    const before = (await chained(rt.deps)).length;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    // A slow change: its event is written, then it waits (a long upload's transaction, a busy row elsewhere).
    const slow = mutate(rt.deps, admin, async () => {
      inside();
      await held;
      return { value: 'slow', audit: { action: 'student.access_denied', targetType: 'student', targetId: 'slow', result: 'denied' } };
    });
    await entered;
    // Until its work returns nothing is written; write its event now from inside a transaction kept open instead.
    const open = rt.deps.db.db.transaction().execute(async (tx) => {
      await appendAuditEvents(tx, rt.deps, admin, [{ action: 'student.access_denied', targetType: 'student', targetId: 'open', result: 'denied' }]);
      await held;
    });
    // Before decision 0032 this waited on the audit head row until `open` committed (it never would: released below).
    const fast = await Promise.race([
      mutate(rt.deps, admin, async () => ({ value: 'fast', audit: { action: 'student.access_denied', targetType: 'student', targetId: 'fast', result: 'denied' } })),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 20 s'), 20_000)),
    ]);
    expect(fast).toBe('fast');
    expect((await chained(rt.deps)).slice(before).map((e) => e.target_id)).toEqual(['fast']);
    release();
    await Promise.all([slow, open]);
    await chainAuditEvents(rt.deps); // `open` is a bare transaction: its committer chains it (here, the test)
    expect((await chained(rt.deps)).slice(before).map((e) => e.target_id).sort()).toEqual(['fast', 'open', 'slow']);
    expect((await chained(rt.deps)).slice(before)[0]!.target_id).toBe('fast');
    expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: true });
  });

  it('events left pending by a process that died after its commit are chained by the checkpoint timer and at the next start', async () => {
    const before = (await chained(rt.deps)).length;
    // committed, never chained: the process died between the two steps
    await rt.deps.db.db.transaction().execute((tx) => appendAuditEvents(tx, rt.deps, admin, [{ action: 'student.access_denied', targetType: 'student', targetId: 'orphan-1', result: 'denied' }]));
    expect(await pendingCount(rt.deps)).toBe(1);
    await checkpointAuditChain(rt.deps, { force: true });
    expect(await pendingCount(rt.deps)).toBe(0);
    expect((await chained(rt.deps)).slice(before).map((e) => e.target_id)).toEqual(['orphan-1']);

    await rt.deps.db.db.transaction().execute((tx) => appendAuditEvents(tx, rt.deps, admin, [{ action: 'student.access_denied', targetType: 'student', targetId: 'orphan-2', result: 'denied' }]));
    const next = await openRuntime({ dataDir: rt.dataDir, databaseUrl: rt.databaseUrl, clock: rt.clock.now });
    try {
      expect(await pendingCount(next)).toBe(0);
      expect((await chained(next)).slice(before).map((e) => e.target_id)).toEqual(['orphan-1', 'orphan-2']);
      expect(await verifyAuditChain(next)).toMatchObject({ ok: true });
    } finally {
      await next.close();
    }
  });

  it('a change whose events cannot be chained right away still answers; they stay pending and are chained once the fault is gone', async () => {
    const before = (await chained(rt.deps)).length;
    // the head row locked by someone else for a moment longer than the chaining waits: make chaining fail instead
    await sql`create function refuse_chain() returns trigger language plpgsql as $$ begin raise exception 'chaining refused for the test'; end $$`.execute(rt.deps.db.db);
    await sql`create trigger refuse_chain before insert on audit_events for each row execute function refuse_chain()`.execute(rt.deps.db.db);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await recordAuditEvent(rt.deps, admin, { action: 'student.access_denied', targetType: 'student', targetId: 'later', result: 'denied' });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.some((w) => w.includes('pending events not chained yet'))).toBe(true);
    expect(await pendingCount(rt.deps)).toBe(1);
    await sql`drop trigger refuse_chain on audit_events`.execute(rt.deps.db.db);
    await chainAuditEvents(rt.deps);
    expect((await chained(rt.deps)).slice(before).map((e) => e.target_id)).toEqual(['later']);
    expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: true });
  });
});
