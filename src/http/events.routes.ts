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
    async (request, reply) => {
      const raw = reply.raw;
      let open = true;
      const client: LiveClient = {
        send(event, data) {
          if (open) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        },
        end() {
          if (!open) return;
          open = false;
          raw.end();
        },
      };
      // Refusals (not signed in, not allowed, too many streams) are ordinary JSON errors: thrown before hijacking.
      const { ready, release } = hub.connect(actorOf(request), client, request.sessionId ?? null);
      reply.hijack();
      const headers: Record<string, string | number | string[]> = {};
      for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
      raw.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx and similar proxies must not buffer the stream
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 3000\n\n');
      const heartbeat = setInterval(() => open && raw.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      const cleanUp = () => {
        open = false;
        clearInterval(heartbeat);
        release();
      };
      request.raw.on('close', cleanUp);
      raw.on('close', cleanUp);
      raw.on('error', cleanUp);
      try {
        await ready;
      } catch (e) {
        request.log.error({ err: e }, 'live counts: first snapshot failed');
        client.end();
        cleanUp();
      }
    },
  );
};
