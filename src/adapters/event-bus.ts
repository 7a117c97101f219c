// Live session counts between the database and the SSE clients of every process (issue #3, part 8).
//
// In one process (SQLite, or tests): an EventEmitter. With PostgreSQL several processes serve the same
// database: a change is announced with NOTIFY on `gradphoto_sessions` inside its own transaction (PostgreSQL
// delivers it only if the transaction commits), and every process LISTENs on one dedicated connection and
// hands what arrives to its subscribers. A dropped LISTEN connection is opened again with backoff; since
// notifications sent meanwhile are lost, the subscribers are then told to resynchronise (`resync`).
import { EventEmitter } from 'node:events';
import pg from 'pg';

/** The channel every process listens on (PostgreSQL). */
export const SESSIONS_CHANNEL = 'gradphoto_sessions';

/** NOTIFY payloads must stay under 8000 bytes: a larger change is announced as a `resync`. */
export const MAX_NOTIFY_PAYLOAD = 7500;

/** One session's figures, as the SSE stream sends them. */
export interface SessionCounts {
  sessionId: string;
  booked: number;
  capacity: number;
  waitlist: number;
}

export type LiveMessage =
  /** sessions whose seats or waitlist changed */
  | { type: 'counts'; items: SessionCounts[] }
  /** read everything again: the schedule changed, or messages may have been missed */
  | { type: 'resync'; reason: 'schedule' | 'reconnected' };

export type LiveListener = (message: LiveMessage) => void;

export interface EventBus {
  /** true when messages cross processes through PostgreSQL (publishers NOTIFY inside their transaction) */
  readonly crossProcess: boolean;
  /** Delivers a message to the subscribers of this process (memory) or of every process (PostgreSQL). */
  publish(message: LiveMessage): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(listener: LiveListener): () => void;
  subscriberCount(): number;
  /** Resolves once messages from other processes can arrive (PostgreSQL: LISTEN is in place; memory: at once). */
  listening(): Promise<void>;
  close(): Promise<void>;
}

/** The text sent with NOTIFY for a message (a `resync` when the counts would not fit). */
export function encodeLiveMessage(message: LiveMessage): string {
  const text = JSON.stringify(message);
  return Buffer.byteLength(text) <= MAX_NOTIFY_PAYLOAD ? text : JSON.stringify({ type: 'resync', reason: 'schedule' } satisfies LiveMessage);
}

export function decodeLiveMessage(text: string): LiveMessage | undefined {
  try {
    const m = JSON.parse(text) as Partial<LiveMessage>;
    if (m.type === 'counts' && Array.isArray(m.items)) return { type: 'counts', items: m.items };
    if (m.type === 'resync') return { type: 'resync', reason: m.reason === 'reconnected' ? 'reconnected' : 'schedule' };
  } catch {
    /* not ours */
  }
  return undefined;
}

class Subscribers {
  private readonly emitter = new EventEmitter();
  constructor() {
    // every SSE connection of the process does not subscribe: the live hub does, once
    this.emitter.setMaxListeners(0);
  }
  add(listener: LiveListener): () => void {
    // one listener's failure must not stop the others
    const safe = (m: LiveMessage) => {
      try {
        listener(m);
      } catch {
        /* the listener reports its own errors */
      }
    };
    this.emitter.on('message', safe);
    return () => void this.emitter.off('message', safe);
  }
  emit(message: LiveMessage): void {
    this.emitter.emit('message', message);
  }
  count(): number {
    return this.emitter.listenerCount('message');
  }
  clear(): void {
    this.emitter.removeAllListeners();
  }
}

/** One process: publishing is delivering. */
export function createMemoryEventBus(): EventBus {
  const subscribers = new Subscribers();
  return {
    crossProcess: false,
    publish: async (message) => subscribers.emit(message),
    subscribe: (listener) => subscribers.add(listener),
    subscriberCount: () => subscribers.count(),
    listening: async () => {},
    close: async () => subscribers.clear(),
  };
}

export interface PgEventBusOptions {
  connectionString: string;
  /** first reconnect delay; doubles up to maxBackoffMs */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  onError?: (error: Error) => void;
}

/**
 * LISTEN on a dedicated connection, opened when the first subscriber arrives (a CLI command that only
 * publishes never opens it), reopened with backoff when it drops.
 */
export function createPgEventBus(opts: PgEventBusOptions): EventBus {
  const subscribers = new Subscribers();
  const minBackoff = opts.minBackoffMs ?? 200;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  let client: pg.Client | null = null;
  let started = false;
  let closed = false;
  let backoff = minBackoff;
  let timer: NodeJS.Timeout | null = null;
  let connecting: Promise<void> | null = null;

  const report = (e: unknown) => opts.onError?.(e instanceof Error ? e : new Error(String(e)));

  function scheduleReconnect(): void {
    if (closed || timer) return;
    const delay = backoff;
    backoff = Math.min(maxBackoff, backoff * 2);
    timer = setTimeout(() => {
      timer = null;
      void connect(true);
    }, delay);
    timer.unref();
  }

  async function connect(isReconnect: boolean): Promise<void> {
    if (closed) return;
    const c = new pg.Client({ connectionString: opts.connectionString });
    const dropped = (e?: Error) => {
      if (e) report(e);
      if (client !== c) return;
      client = null;
      c.removeAllListeners('notification');
      void c.end().catch(() => {});
      scheduleReconnect();
    };
    c.on('error', dropped);
    c.on('end', () => dropped());
    c.on('notification', (n) => {
      if (n.channel !== SESSIONS_CHANNEL || n.payload === undefined) return;
      const message = decodeLiveMessage(n.payload);
      if (message) subscribers.emit(message);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${SESSIONS_CHANNEL}`);
    } catch (e) {
      report(e);
      c.removeAllListeners();
      c.on('error', () => {});
      void c.end().catch(() => {});
      scheduleReconnect();
      return;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    backoff = minBackoff;
    // Whatever was notified while we were away is lost: everybody reads the full figures again.
    if (isReconnect) subscribers.emit({ type: 'resync', reason: 'reconnected' });
  }

  function start(): void {
    if (started) return;
    started = true;
    connecting = connect(false);
  }

  return {
    crossProcess: true,
    async publish(message) {
      // Outside a transaction (changes inside one NOTIFY through their own connection).
      const c = new pg.Client({ connectionString: opts.connectionString });
      c.on('error', report);
      await c.connect();
      try {
        await c.query('SELECT pg_notify($1, $2)', [SESSIONS_CHANNEL, encodeLiveMessage(message)]);
      } finally {
        await c.end();
      }
    },
    subscribe(listener) {
      const off = subscribers.add(listener);
      start();
      return off;
    },
    subscriberCount: () => subscribers.count(),
    async listening() {
      start();
      await connecting;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await connecting?.catch(() => {});
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => {});
      }
      subscribers.clear();
    },
  };
}
