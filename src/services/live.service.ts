// Live booked / capacity per session for the admin, secretary and operator pages (issue #3, part 8).
//
// One hub per server process: it subscribes to the event bus once (while it has clients) and fans each
// message out to its SSE clients. A client first gets every current session's figures (`snapshot`), then one
// `session` event per changed session; a `resync` from the bus (the schedule changed, or the PostgreSQL
// LISTEN connection was lost and reopened) sends everyone a fresh snapshot.
import type { LiveMessage, SessionCounts } from '../adapters/event-bus.js';

export type { SessionCounts };
import { AppError } from '../domain/errors.js';
import { readCurrentSessionCounts } from './booking.service.js';
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
   * Registers a client (refused beyond the cap), then sends it the current figures. Returns the function
   * that unregisters it; the caller calls it when the connection closes.
   */
  connect(actor: Actor, client: LiveClient): { ready: Promise<void>; release: () => void };
  clientCount(): number;
  close(): void;
}

export const DEFAULT_MAX_LIVE_CLIENTS = 1000;

export function createLiveHub(deps: ServiceDeps, opts: { maxClients?: number; onError?: (e: unknown) => void } = {}): LiveHub {
  const maxClients = opts.maxClients ?? DEFAULT_MAX_LIVE_CLIENTS;
  const clients = new Set<LiveClient>();
  let unsubscribe: (() => void) | null = null;

  const broadcast = (event: 'snapshot' | 'session', data: unknown) => {
    for (const c of clients) c.send(event, data);
  };

  async function onMessage(message: LiveMessage): Promise<void> {
    if (message.type === 'counts') {
      for (const item of message.items) broadcast('session', item);
      return;
    }
    try {
      const snapshot: LiveSnapshot = { items: await readCurrentSessionCounts(deps), reason: message.reason };
      broadcast('snapshot', snapshot);
    } catch (e) {
      opts.onError?.(e);
    }
  }

  function release(client: LiveClient): void {
    if (!clients.delete(client)) return;
    if (clients.size === 0 && unsubscribe) {
      unsubscribe();
      unsubscribe = null;
    }
  }

  return {
    connect(actor, client) {
      authorize(actor, 'session.live');
      if (clients.size >= maxClients) throw new AppError('TOO_MANY_CONNECTIONS', { params: { limit: maxClients } });
      clients.add(client);
      if (!unsubscribe && deps.events) unsubscribe = deps.events.subscribe((m) => void onMessage(m));
      // The figures are read after subscribing: a change committed meanwhile is in them or arrives after them.
      const ready = (async () => {
        await deps.events?.listening();
        const snapshot: LiveSnapshot = { items: await readCurrentSessionCounts(deps), reason: 'connected' };
        if (clients.has(client)) client.send('snapshot', snapshot);
      })();
      return { ready, release: () => release(client) };
    },
    clientCount: () => clients.size,
    close() {
      for (const c of [...clients]) {
        c.end();
        release(c);
      }
    },
  };
}
