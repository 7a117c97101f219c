// Sessions with live booked / capacity / waiting figures (issue #3, part 8). The list comes from
// GET /api/sessions (listSessions); one EventSource on GET /api/sessions/events (streamSessionCounts) then
// patches the cached lists as bookings happen, in whichever server process they happen (PostgreSQL
// LISTEN/NOTIFY). While the stream is down (the server refused it, a proxy cut it) the list is polled
// instead, and the stream is tried again with a growing delay.
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Session } from '../contracts/booking.js';
import { endpoints, queryKeys, type Site } from './api/endpoints.js';
import { can, useMe } from './session.js';

export type LiveStatus = 'connecting' | 'live' | 'polling';

interface Counts {
  sessionId: string;
  booked: number;
  capacity: number;
  waitlist: number;
}

/** polling while the stream is down */
const POLL_MS = 15_000;
/** while live, the list is still read now and then: the expected load (S1) is not part of the stream */
const LIVE_REFRESH_MS = 120_000;
const RETRY_MIN_MS = 3_000;
const RETRY_MAX_MS = 60_000;

function isSessionList(value: unknown): value is { items: Session[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { items?: unknown }).items);
}

/** Applies figures to every cached session list. */
function patchLists(client: QueryClient, counts: Counts[]): void {
  const byId = new Map(counts.map((c) => [c.sessionId, c]));
  client.setQueriesData({ queryKey: ['sessions'] }, (old: unknown) => {
    if (!isSessionList(old)) return old;
    let changed = false;
    const items = old.items.map((s) => {
      const c = byId.get(s.id);
      if (!c || (c.booked === s.booked && c.capacity === s.capacity && c.waitlist === s.waiting)) return s;
      changed = true;
      return { ...s, booked: c.booked, capacity: c.capacity, waiting: c.waitlist };
    });
    return changed ? { ...old, items } : old;
  });
}

function knownIds(client: QueryClient): Set<string> {
  const ids = new Set<string>();
  for (const [, data] of client.getQueriesData({ queryKey: ['sessions'] })) if (isSessionList(data)) for (const s of data.items) ids.add(s.id);
  return ids;
}

/** The one stream of the page, shared by every component that shows sessions. */
let shared: { refs: number; status: LiveStatus; listeners: Set<(s: LiveStatus) => void>; stop: () => void } | null = null;

function openStream(client: QueryClient) {
  const state = { refs: 0, status: 'connecting' as LiveStatus, listeners: new Set<(s: LiveStatus) => void>(), stop: () => {} };
  const setStatus = (s: LiveStatus) => {
    if (state.status === s) return;
    state.status = s;
    for (const l of state.listeners) l(s);
  };
  let source: EventSource | null = null;
  let retry = RETRY_MIN_MS;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const connect = () => {
    if (stopped) return;
    source = new EventSource('/api/sessions/events');
    source.addEventListener('open', () => {
      retry = RETRY_MIN_MS;
      setStatus('live');
    });
    source.addEventListener('snapshot', (e) => {
      const snapshot = JSON.parse((e as MessageEvent<string>).data) as { items: Counts[]; reason: string };
      const current = new Set(snapshot.items.map((c) => c.sessionId));
      // The schedule changed (sessions came or went): read the lists again; else patch the figures.
      if (snapshot.reason === 'schedule' || [...knownIds(client)].some((id) => !current.has(id))) {
        void client.invalidateQueries({ queryKey: ['sessions'] });
      }
      patchLists(client, snapshot.items);
      setStatus('live');
    });
    source.addEventListener('session', (e) => patchLists(client, [JSON.parse((e as MessageEvent<string>).data) as Counts]));
    source.addEventListener('error', () => {
      // The browser reconnects by itself after a dropped stream (readyState CONNECTING); a refused one (401,
      // 403, 503) is CLOSED: poll, and try again later.
      setStatus('polling');
      if (source?.readyState === EventSource.CLOSED) {
        source.close();
        source = null;
        timer = setTimeout(connect, retry);
        retry = Math.min(RETRY_MAX_MS, retry * 2);
      }
    });
  };
  connect();
  state.stop = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    source?.close();
  };
  return state;
}

function useLiveStream(): LiveStatus {
  const client = useQueryClient();
  // A user without session.live (a cashier) polls: asking for a stream the server refuses would only
  // fill the audit log with refusals.
  const allowed = can(useMe().me, 'session.live');
  const [status, setStatus] = useState<LiveStatus>(allowed ? (shared?.status ?? 'connecting') : 'polling');
  useEffect(() => {
    if (typeof EventSource === 'undefined' || !allowed) {
      setStatus('polling');
      return;
    }
    shared ??= openStream(client);
    const stream = shared;
    stream.refs++;
    stream.listeners.add(setStatus);
    setStatus(stream.status);
    return () => {
      stream.listeners.delete(setStatus);
      if (--stream.refs === 0) {
        stream.stop();
        if (shared === stream) shared = null;
      }
    };
  }, [client, allowed]);
  return status;
}

/** The sessions of a site (and day), kept up to date live, or by polling when the stream is down. */
export function useLiveSessions(site?: Site, date?: string) {
  const status = useLiveStream();
  const query = useQuery({
    queryKey: date ? [...queryKeys.sessions(site), date] : queryKeys.sessions(site),
    queryFn: () => endpoints.sessions(site, date),
    refetchInterval: status === 'live' ? LIVE_REFRESH_MS : POLL_MS,
    staleTime: 0,
  });
  return { ...query, live: status };
}
