// The public call board (getBoard, streamBoard), the desk's look at a student before check-in (previewCheckIn)
// and a student's own ticket (getMyTicket) — issue 9 sections 1 and 2; docs/decisions/0021-call-board.md.
//
// streamBoard is public Server-Sent Events: a `board` event with the whole board on connect and after every
// change of the site's queue (from any process), a comment line as heartbeat. Beyond the process's cap of open
// boards, or beyond 20 from one client address: 429 BOARD_VIEWERS_FULL / BOARD_STREAMS_PER_ADDRESS (the page then
// polls getBoard).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BoardParamsSchema, BoardSchema, CheckInPreviewQuerySchema, CheckInPreviewSchema, MyTicketSchema } from '../contracts/board.js';
import type { BoardClient } from '../services/board.service.js';
import * as boardService from '../services/board.service.js';
import { createBoardHub, DEFAULT_MAX_BOARD_CLIENTS, DEFAULT_MAX_BOARD_CLIENTS_PER_ADDRESS } from '../services/board.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';
import { serveSse } from './sse.js';

export interface BoardRoutesOptions {
  /** open board streams per process; beyond it 429 BOARD_VIEWERS_FULL */
  maxBoardStreams?: number;
  /** open board streams per client address (request.ip, after TRUST_PROXY_HOPS); beyond it 429 BOARD_STREAMS_PER_ADDRESS */
  maxBoardStreamsPerAddress?: number;
  /** a comment line this often keeps proxies from closing an idle stream */
  heartbeatMs?: number;
}

export const BOARD_HEARTBEAT_MS = 15_000;

export const boardRoutes: FastifyPluginAsyncZod<BoardRoutesOptions> = async (app, opts) => {
  const hub = createBoardHub(app.deps, {
    maxClients: opts.maxBoardStreams ?? DEFAULT_MAX_BOARD_CLIENTS,
    maxClientsPerAddress: opts.maxBoardStreamsPerAddress ?? DEFAULT_MAX_BOARD_CLIENTS_PER_ADDRESS,
    onError: (e) => app.log.error(e) });
  const heartbeatMs = opts.heartbeatMs ?? BOARD_HEARTBEAT_MS;
  app.addHook('preClose', async () => hub.close());

  app.get(
    '/api/board/:site',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getBoard',
        tags: ['queue'],
        summary: "The public call board of a site: today's last 8 calls (ticket number and station), how many wait, the wait of a student arriving now. No personal data",
        params: BoardParamsSchema,
        response: { 200: BoardSchema, ...errorResponses('NOT_FOUND') },
      },
    },
    async (request) => boardService.getBoard(app.deps, request.params.site),
  );

  app.get(
    '/api/board/:site/stream',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'streamBoard',
        tags: ['queue'],
        summary:
          'Server-Sent Events, public: `board` (the whole board as getBoard answers it) on connect and after every change of the queue (check-in, call, recall, skip, transfer, serve), on every process; heartbeat comments',
        params: BoardParamsSchema,
        produces: ['text/event-stream'],
        response: { 200: z.string().describe('text/event-stream'), ...errorResponses('NOT_FOUND', 'BOARD_VIEWERS_FULL', 'BOARD_STREAMS_PER_ADDRESS') },
      },
    },
    async (request, reply) =>
      serveSse(request, reply, {
        heartbeatMs,
        label: 'call board',
        connect: (writer) => {
          const client: BoardClient = { send: (board) => writer.event('board', board), end: () => writer.end() };
          return hub.connect(request.params.site, client, request.ip);
        },
      }),
  );

  app.get(
    '/api/checkins/preview',
    {
      config: { permission: 'checkin.create' },
      schema: {
        operationId: 'previewCheckIn',
        tags: ['queue'],
        summary:
          "The student as the desk may see them before the code is scanned: masked name (agency), department, decision and rule, site, paid or not, a bound code's last 4, today's ticket. Never an ID number, phone or e-mail",
        querystring: CheckInPreviewQuerySchema,
        response: { 200: CheckInPreviewSchema, ...errorResponses('STUDENT_NOT_FOUND') },
      },
    },
    async (request) => boardService.previewCheckIn(app.deps, actorOf(request), request.query),
  );

  app.get(
    '/api/me/ticket',
    {
      config: { permission: 'ticket.read' },
      schema: {
        operationId: 'getMyTicket',
        tags: ['queue'],
        summary: "The signed-in student's ticket of today (waiting or called) with its position and estimated wait, or null",
        response: { 200: MyTicketSchema },
      },
    },
    async (request) => boardService.getMyTicket(app.deps, actorOf(request)),
  );
};
