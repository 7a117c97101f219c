// The live-count bus (issue #3, part 8): in one process an EventEmitter; with PostgreSQL, NOTIFY inside a
// transaction reaches every LISTENing bus only if the transaction commits, and a LISTEN connection that
// drops is reopened and tells its subscribers to resynchronise.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createScratchDatabase } from '../../test/support/postgres.js';
import type { EventBus, LiveMessage } from './event-bus.js';
import { createMemoryEventBus, createPgEventBus, decodeLiveMessage, encodeLiveMessage, MAX_NOTIFY_PAYLOAD, SESSIONS_CHANNEL } from './event-bus.js';

const counts = (sessionId: string, booked: number): LiveMessage => ({ type: 'counts', items: [{ sessionId, booked, capacity: 5, waitlist: 0 }] });

/** Collects what a bus delivers; `next(pred)` waits for the first matching message (the test's timeout bounds it). */
function collect(bus: EventBus) {
  const seen: LiveMessage[] = [];
  const waiters: { pred: (m: LiveMessage) => boolean; resolve: (m: LiveMessage) => void }[] = [];
  const off = bus.subscribe((m) => {
    seen.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  return {
    seen,
    off,
    next: (pred: (m: LiveMessage) => boolean) =>
      new Promise<LiveMessage>((resolve) => {
        const earlier = seen.find(pred);
        if (earlier) resolve(earlier);
        else waiters.push({ pred, resolve });
      }),
  };
}

const isCounts = (sessionId: string) => (m: LiveMessage) => m.type === 'counts' && m.items.some((i) => i.sessionId === sessionId);

describe('memory event bus', () => {
  it('delivers to every subscriber until it unsubscribes; a throwing subscriber does not stop the others', async () => {
    const bus = createMemoryEventBus();
    const a: LiveMessage[] = [];
    const b: LiveMessage[] = [];
    const offA = bus.subscribe((m) => a.push(m));
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((m) => b.push(m));
    expect(bus.subscriberCount()).toBe(3);
    await bus.publish(counts('s1', 1));
    offA();
    await bus.publish(counts('s1', 2));
    expect(a).toEqual([counts('s1', 1)]);
    expect(b).toEqual([counts('s1', 1), counts('s1', 2)]);
    expect(bus.subscriberCount()).toBe(2);
    await bus.close();
    expect(bus.subscriberCount()).toBe(0);
  });

  it('encodes a message too large for NOTIFY as a resync, and decodes only its own messages', () => {
    const many: LiveMessage = { type: 'counts', items: Array.from({ length: 400 }, (_, i) => ({ sessionId: `session-${i}-${'x'.repeat(20)}`, booked: i, capacity: 500, waitlist: 0 })) };
    expect(JSON.stringify(many).length).toBeGreaterThan(MAX_NOTIFY_PAYLOAD);
    expect(decodeLiveMessage(encodeLiveMessage(many))).toEqual({ type: 'resync', reason: 'schedule' });
    expect(decodeLiveMessage(encodeLiveMessage(counts('s', 3)))).toEqual(counts('s', 3));
    expect(decodeLiveMessage('not json')).toBeUndefined();
    expect(decodeLiveMessage('{"type":"other"}')).toBeUndefined();
  });
});

describe('PostgreSQL event bus (LISTEN/NOTIFY)', () => {
  let url: string;
  let drop: () => Promise<void>;
  let pool: pg.Pool;

  beforeAll(async () => {
    const scratch = await createScratchDatabase(inject('postgresUrl'), 'gp_bus');
    url = scratch.url;
    drop = scratch.drop;
    pool = new pg.Pool({ connectionString: url, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await drop();
  });

  async function inTransaction(payload: LiveMessage, outcome: 'commit' | 'rollback') {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_notify($1, $2)', [SESSIONS_CHANNEL, encodeLiveMessage(payload)]);
      await c.query(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
    } finally {
      c.release();
    }
  }

  it('delivers a committed NOTIFY to every listening bus, and never a rolled-back one', async () => {
    const a = createPgEventBus({ connectionString: url });
    const b = createPgEventBus({ connectionString: url });
    try {
      const seenA = collect(a);
      const seenB = collect(b);
      await Promise.all([a.listening(), b.listening()]);
      await inTransaction(counts('rolled-back', 1), 'rollback');
      await inTransaction(counts('committed', 2), 'commit');
      expect(await seenA.next(isCounts('committed'))).toEqual(counts('committed', 2));
      expect(await seenB.next(isCounts('committed'))).toEqual(counts('committed', 2));
      // NOTIFYs arrive in commit order: the rolled-back one, sent first, would have come before.
      expect(seenA.seen.filter(isCounts('rolled-back'))).toEqual([]);
      expect(seenB.seen.filter(isCounts('rolled-back'))).toEqual([]);
      await a.publish(counts('published', 3));
      expect(await seenB.next(isCounts('published'))).toEqual(counts('published', 3));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reopens a dropped LISTEN connection with backoff and asks its subscribers to resynchronise', async () => {
    const bus = createPgEventBus({ connectionString: url, minBackoffMs: 50, maxBackoffMs: 200 });
    try {
      const seen = collect(bus);
      await bus.listening();
      // The server ends the listener's session (as a restart or a network cut would).
      const killed = await pool.query<{ n: string }>(
        "SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
      );
      expect(Number(killed.rows[0]!.n)).toBe(1);
      expect(await seen.next((m) => m.type === 'resync')).toEqual({ type: 'resync', reason: 'reconnected' });
      await inTransaction(counts('after-reconnect', 4), 'commit');
      expect(await seen.next(isCounts('after-reconnect'))).toEqual(counts('after-reconnect', 4));
    } finally {
      await bus.close();
    }
  });
});
