// GET /api/sessions/events (streamSessionCounts): Server-Sent Events with each session's booked / capacity /
// waitlist, for the admin, secretary and operator pages (issue #3, part 8). The route passes the usual
// auth preHandler and helmet's headers (copied onto the hijacked response), then keeps the connection:
// a `snapshot` event first, a `session` event per change, a comment line as heartbeat.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { LiveClient } from '../services/live.service.js';
import { createLiveHub, DEFAULT_MAX_LIVE_CLIENTS, DEFAULT_MAX_LIVE_STREAMS_PER_USER } from '../services/live.service.js';
import { errorResponses } from './errors.js';
import { actorOf } from './context.js';
import { serveSse } from './sse.js';

export interface EventsRoutesOptions {
  /** open streams per process; beyond it 503 TOO_MANY_CONNECTIONS (the page then polls) */
  maxConnections?: number;
  /** open streams per user; beyond it 429 TOO_MANY_STREAMS */
  maxStreamsPerUser?: number;
  /** how often the streams' sessions are checked: a stream ends soon after its session ends (logout, timeout) */
  sessionCheckMs?: number;
  /** a comment line this often keeps proxies from closing an idle stream */
  heartbeatMs?: number;
}

export const DEFAULT_HEARTBEAT_MS = 20_000;

export const eventsRoutes: FastifyPluginAsync<EventsRoutesOptions> = async (app, opts) => {
  const hub = createLiveHub(app.deps, {
    maxClients: opts.maxConnections ?? DEFAULT_MAX_LIVE_CLIENTS,
    maxPerUser: opts.maxStreamsPerUser ?? app.deps.auth.maxLiveStreamsPerUser ?? DEFAULT_MAX_LIVE_STREAMS_PER_USER,
    ...(opts.sessionCheckMs ? { sessionCheckMs: opts.sessionCheckMs } : {}),
    onError: (e) => app.log.error(e),
  });
  const heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  // Open streams would keep the server from closing: they are ended first.
  app.addHook('preClose', async () => hub.close());

  app.get(
    '/api/sessions/events',
    {
      config: { permission: 'session.live' },
      schema: {
        operationId: 'streamSessionCounts',
        tags: ['bookings'],
        summary:
          'Server-Sent Events: `snapshot` { items: [{ sessionId, booked, capacity, waitlist }], reason } on connect and when the schedule changes, then `session` { sessionId, booked, capacity, waitlist } after each committed change',
        produces: ['text/event-stream'],
        response: { 200: z.string().describe('text/event-stream'), ...errorResponses('TOO_MANY_STREAMS', 'TOO_MANY_CONNECTIONS') },
      },
    },
    async (request, reply) =>
      serveSse(request, reply, {
        heartbeatMs,
        label: 'live counts',
        connect: (writer) => {
          const client: LiveClient = { send: (event, data) => writer.event(event, data), end: () => writer.end() };
          return hub.connect(actorOf(request), client, request.sessionId ?? null);
        },
      }),
  );
};
