// Live session counts between the database and the SSE clients of every process (issue #3, part 8).
//
// In one process (SQLite, or tests): an EventEmitter. With PostgreSQL several processes serve the same
// database: a change is announced with NOTIFY on `gradphoto_sessions` inside its own transaction (PostgreSQL
// delivers it only if the transaction commits), and every process LISTENs on one dedicated connection and
// hands what arrives to its subscribers. A dropped LISTEN connection is opened again with backoff; since
// notifications sent meanwhile are lost, the subscribers are then told to resynchronise (`resync`).
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type pg from 'pg';

/** The driver's Client, loaded when a PostgreSQL bus connects (a SQLite process never loads pg). */
const pgClient = (): typeof pg.Client => (createRequire(import.meta.url)('pg') as typeof pg).Client;

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

/**
 * The capture day's queue of one site and day changed (check-in, call, recall, skip, transfer, serve): the
 * call boards of that site read it again (docs/decisions/0021-call-board.md). Carries no ticket or student.
 * `resync`: messages may have been lost (the PostgreSQL listener reconnected); every board reads again.
 */
export type QueueMessage = { type: 'queue'; site: string; date: string } | { type: 'resync'; reason: 'reconnected' };
export type QueueListener = (message: QueueMessage) => void;

export interface EventBus {
  /** true when messages cross processes through PostgreSQL (publishers NOTIFY inside their transaction) */
  readonly crossProcess: boolean;
  /** Delivers a message to the subscribers of this process (memory) or of every process (PostgreSQL). */
  publish(message: LiveMessage): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(listener: LiveListener): () => void;
  subscriberCount(): number;
  /** Queue changes (the call boards), on the same channel as the live counts. */
  publishQueue(message: QueueMessage): Promise<void>;
  subscribeQueue(listener: QueueListener): () => void;
  /** Resolves once messages from other processes can arrive (PostgreSQL: LISTEN is in place; memory: at once). */
  listening(): Promise<void>;
  close(): Promise<void>;
}

/** The text sent with NOTIFY for a message (a `resync` when the counts would not fit). */
export function encodeLiveMessage(message: LiveMessage): string {
  const text = JSON.stringify(message);
  return Buffer.byteLength(text) <= MAX_NOTIFY_PAYLOAD ? text : JSON.stringify({ type: 'resync', reason: 'schedule' } satisfies LiveMessage);
}

export function encodeQueueMessage(message: QueueMessage): string {
  return JSON.stringify(message);
}

export function decodeQueueMessage(text: string): QueueMessage | undefined {
  try {
    const m = JSON.parse(text) as { type?: unknown; site?: unknown; date?: unknown };
    if (m.type === 'queue' && typeof m.site === 'string' && typeof m.date === 'string') return { type: 'queue', site: m.site, date: m.date };
  } catch {
    /* not ours */
  }
  return undefined;
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

class Subscribers<M = LiveMessage> {
  private readonly emitter = new EventEmitter();
  constructor() {
    // every SSE connection of the process does not subscribe: the live hub does, once
    this.emitter.setMaxListeners(0);
  }
  add(listener: (message: M) => void): () => void {
    // one listener's failure must not stop the others
    const safe = (m: M) => {
      try {
        listener(m);
      } catch {
        /* the listener reports its own errors */
      }
    };
    this.emitter.on('message', safe);
    return () => void this.emitter.off('message', safe);
  }
  emit(message: M): void {
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
  const queueSubscribers = new Subscribers<QueueMessage>();
  return {
    crossProcess: false,
    publish: async (message) => subscribers.emit(message),
    subscribe: (listener) => subscribers.add(listener),
    subscriberCount: () => subscribers.count(),
    publishQueue: async (message) => queueSubscribers.emit(message),
    subscribeQueue: (listener) => queueSubscribers.add(listener),
    listening: async () => {},
    close: async () => {
      subscribers.clear();
      queueSubscribers.clear();
    },
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
  const queueSubscribers = new Subscribers<QueueMessage>();
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
    const c = new (pgClient())({ connectionString: opts.connectionString });
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
      const queueMessage = decodeQueueMessage(n.payload);
      if (queueMessage) queueSubscribers.emit(queueMessage);
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
    if (isReconnect) {
      subscribers.emit({ type: 'resync', reason: 'reconnected' });
      queueSubscribers.emit({ type: 'resync', reason: 'reconnected' });
    }
  }

  /** Outside a transaction (changes inside one NOTIFY through their own connection). */
  async function notifyOutsideTransaction(payload: string): Promise<void> {
    const c = new (pgClient())({ connectionString: opts.connectionString });
    c.on('error', report);
    await c.connect();
    try {
      await c.query('SELECT pg_notify($1, $2)', [SESSIONS_CHANNEL, payload]);
    } finally {
      await c.end();
    }
  }

  function start(): void {
    if (started) return;
    started = true;
    connecting = connect(false);
  }

  return {
    crossProcess: true,
    async publish(message) {
      await notifyOutsideTransaction(encodeLiveMessage(message));
    },
    async publishQueue(message) {
      await notifyOutsideTransaction(encodeQueueMessage(message));
    },
    subscribeQueue(listener) {
      const off = queueSubscribers.add(listener);
      start();
      return off;
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
      queueSubscribers.clear();
    },
  };
}
