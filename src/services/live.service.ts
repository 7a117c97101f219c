// Live booked / capacity per session for the admin, secretary and operator pages (issue #3, part 8).
//
// One hub per server process: it subscribes to the event bus once (while it has clients) and fans each
// message out to its SSE clients. A client first gets every current session's figures (`snapshot`), then one
// `session` event per changed session; a `resync` from the bus (the schedule changed, or the PostgreSQL
// LISTEN connection was lost and reopened) sends everyone a fresh snapshot.
import type { LiveMessage, SessionCounts } from '../adapters/event-bus.js';

export type { SessionCounts };
import { AppError } from '../domain/errors.js';
import { readCurrentSessionCounts } from './session.service.js';
import { findValidSessionIds } from './auth.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';

/** One open stream, as the HTTP layer writes it. */
export interface LiveClient {
  send(event: 'snapshot' | 'session', data: unknown): void;
  /** ends the stream (server shutdown) */
  end(): void;
}

export interface LiveSnapshot {
  items: SessionCounts[];
  /** why it was sent: a new connection, a changed schedule, or a reconnected PostgreSQL listener */
  reason: 'connected' | 'schedule' | 'reconnected';
}

export interface LiveHub {
  /**
   * Registers a client (refused beyond the caps: per process, per user), then sends it the current figures.
   * `sessionId` (the hashed session id of the request) ties the stream to its sign-in: when that session ends
   * (logout, timeout, password change, on any process) the stream is ended. Returns the function that
   * unregisters it; the caller calls it when the connection closes.
   */
  connect(actor: Actor, client: LiveClient, sessionId?: string | null): { ready: Promise<void>; release: () => void };
  clientCount(): number;
  close(): void;
}

export const DEFAULT_MAX_LIVE_CLIENTS = 1000;
/** Streams one user may hold at once (a few tabs); more are refused with 429 TOO_MANY_STREAMS. */
export const DEFAULT_MAX_LIVE_STREAMS_PER_USER = 5;
/** How often the sessions of open streams are checked (one query for all of a process's streams). */
export const DEFAULT_SESSION_CHECK_MS = 2_000;

export interface LiveHubOptions {
  maxClients?: number;
  /** open streams per user (issue 8 finding 11: one account could otherwise take every seat of the process) */
  maxPerUser?: number;
  /** how often the streams' sessions are checked; a stream whose session ended is closed */
  sessionCheckMs?: number;
  onError?: (e: unknown) => void;
  /** reads every current session's figures (default readCurrentSessionCounts; tests slow it down) */
  readCounts?: (deps: ServiceDeps) => Promise<SessionCounts[]>;
}

/** A client, and the `session` events held back while a snapshot for it is being read. */
interface Subscriber {
  client: LiveClient;
  userId: string | null;
  /** the session the stream was opened with; null for callers without one (the system, tests) */
  sessionId: string | null;
  /** snapshots being read for this client (its own first one, a resync) */
  reading: number;
  held: SessionCounts[];
}

/**
 * Ordering: a snapshot is read from the database while `session` events keep arriving (from any process),
 * so an event may be newer than the snapshot being read, yet arrive before it. Each client therefore holds
 * its `session` events back while a snapshot for it is pending, and gets them after the snapshot. Events
 * carry absolute figures in commit order, so applying them after the snapshot always ends on the newest
 * figures (an event already contained in the snapshot only repeats it).
 */
export function createLiveHub(deps: ServiceDeps, opts: LiveHubOptions = {}): LiveHub {
  const maxClients = opts.maxClients ?? DEFAULT_MAX_LIVE_CLIENTS;
  const maxPerUser = opts.maxPerUser ?? DEFAULT_MAX_LIVE_STREAMS_PER_USER;
  const sessionCheckMs = opts.sessionCheckMs ?? DEFAULT_SESSION_CHECK_MS;
  const readCounts = opts.readCounts ?? readCurrentSessionCounts;
  const subscribers = new Map<LiveClient, Subscriber>();
  let unsubscribe: (() => void) | null = null;
  let sessionCheck: NodeJS.Timeout | null = null;
  let checking = false;

  /**
   * Ends the streams whose session is over. Polling the database (not a message from the logout) is what also
   * covers timeouts, a password change and a logout on another process of a PostgreSQL deployment.
   */
  async function endStreamsOfEndedSessions(): Promise<void> {
    if (checking) return;
    const ids = [...new Set([...subscribers.values()].flatMap((s) => (s.sessionId ? [s.sessionId] : [])))];
    if (ids.length === 0) return;
    checking = true;
    try {
      const valid = await findValidSessionIds(deps, ids);
      for (const s of [...subscribers.values()]) {
        if (s.sessionId && !valid.has(s.sessionId)) {
          s.client.end();
          release(s.client);
        }
      }
    } catch (e) {
      opts.onError?.(e);
    } finally {
      checking = false;
    }
  }

  const sendSession = (s: Subscriber, item: SessionCounts) => {
    if (s.reading > 0) s.held.push(item);
    else s.client.send('session', item);
  };

  /**
   * Reads a snapshot for subscribers already holding back (`reading` counted for each; `before` runs first),
   * sends it, then what was held back.
   */
  async function readAndSend(targets: Subscriber[], reason: LiveSnapshot['reason'], before?: () => Promise<void>): Promise<void> {
    let snapshot: LiveSnapshot | undefined;
    try {
      await before?.();
      snapshot = { items: await readCounts(deps), reason };
    } finally {
      for (const s of targets) {
        s.reading--;
        // a client that left meanwhile gets nothing
        if (subscribers.get(s.client) !== s) continue;
        if (snapshot) s.client.send('snapshot', snapshot);
        if (s.reading > 0) continue;
        // newer than (or equal to) the snapshot: after it. Also after a failed read: they are still right.
        for (const item of s.held.splice(0)) s.client.send('session', item);
      }
    }
  }

  async function onMessage(message: LiveMessage): Promise<void> {
    if (message.type === 'counts') {
      for (const item of message.items) for (const s of subscribers.values()) sendSession(s, item);
      return;
    }
    // Only the clients present now: one that connects meanwhile reads its own, newer, snapshot.
    const targets = [...subscribers.values()];
    for (const s of targets) s.reading++;
    try {
      await readAndSend(targets, message.reason);
    } catch (e) {
      opts.onError?.(e);
    }
  }

  function release(client: LiveClient): void {
    if (!subscribers.delete(client)) return;
    if (subscribers.size === 0 && unsubscribe) {
      unsubscribe();
      unsubscribe = null;
    }
    if (subscribers.size === 0 && sessionCheck) {
      clearInterval(sessionCheck);
      sessionCheck = null;
    }
  }

  return {
    connect(actor, client, sessionId = null) {
      authorize(actor, 'session.live');
      const userId = actor.principal?.userId ?? null;
      if (userId !== null && [...subscribers.values()].filter((s) => s.userId === userId).length >= maxPerUser) {
        throw new AppError('TOO_MANY_STREAMS', { params: { limit: maxPerUser } });
      }
      if (subscribers.size >= maxClients) throw new AppError('TOO_MANY_CONNECTIONS', { params: { limit: maxClients } });
      // Held back from now until its first snapshot is sent (see above).
      const subscriber: Subscriber = { client, userId, sessionId, reading: 1, held: [] };
      subscribers.set(client, subscriber);
      if (!unsubscribe) unsubscribe = deps.events.subscribe((m) => void onMessage(m));
      if (!sessionCheck && sessionId) {
        sessionCheck = setInterval(() => void endStreamsOfEndedSessions(), sessionCheckMs);
        // Open streams alone do not keep the process alive.
        sessionCheck.unref();
      }
      // The figures are read after subscribing: a change committed meanwhile is in them or arrives after them.
      const ready = readAndSend([subscriber], 'connected', async () => {
        await deps.events.listening();
      });
      return { ready, release: () => release(client) };
    },
    clientCount: () => subscribers.size,
    close() {
      if (sessionCheck) clearInterval(sessionCheck);
      sessionCheck = null;
      for (const c of [...subscribers.keys()]) {
        c.end();
        release(c);
      }
    },
  };
}
