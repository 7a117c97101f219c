import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CallNextRequestSchema,
  CalledTicketSchema,
  CheckInRequestSchema,
  CheckInResponseSchema,
  QueueListSchema,
  QueueSiteParamsSchema,
  TicketIdParamsSchema,
  TransferTicketRequestSchema,
} from '../contracts/queue.js';
import * as queueService from '../services/queue.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';

// Check-in with the collection code and the queue (issue 9 sections 1 and 2; C1, C4). The desk is the
// operator role (docs/decisions/0019-collection-code.md).

const CHECKIN_ERRORS = errorResponses(
  'COLLECTION_CODE_INVALID',
  'COLLECTION_CODE_IN_USE',
  'COLLECTION_CODE_IS_STUDENT_NO',
  'COLLECTION_CODE_MISMATCH',
  'STUDENT_NOT_FOUND',
  'STUDENT_NOT_ELIGIBLE',
  'PHOTO_ALREADY_CONFIRMED',
  'WRONG_SITE',
  'PAYMENT_REQUIRED',
  'CONFLICT',
);
const TICKET_ERRORS = errorResponses('TICKET_NOT_FOUND', 'TICKET_NOT_CALLED', 'CONFLICT');

export const queueRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/checkins',
    {
      config: { permission: 'checkin.create' },
      schema: {
        operationId: 'checkIn',
        tags: ['queue'],
        summary:
          "Checks a student in with their collection code (C1) and gives them a ticket of today's queue of their site (C4): 201, or 200 with the ticket they already hold; a code of another student is 409 COLLECTION_CODE_IN_USE (audited)",
        body: CheckInRequestSchema,
        response: { 200: CheckInResponseSchema, 201: CheckInResponseSchema, ...CHECKIN_ERRORS },
      },
    },
    async (request, reply) => {
      const done = await queueService.checkIn(app.deps, actorOf(request), request.body);
      return reply.status(done.created ? 201 : 200).send(done.value);
    },
  );

  app.get(
    '/api/queue/:site',
    {
      config: { permission: 'queue.operate' },
      schema: {
        operationId: 'listQueue',
        tags: ['queue'],
        summary: "Today's queue of a site: called tickets, then the waiting ones in order, with positions and estimates (masked names for the agency)",
        params: QueueSiteParamsSchema,
        response: { 200: QueueListSchema, ...errorResponses('NOT_FOUND') },
      },
    },
    async (request) => queueService.listQueue(app.deps, actorOf(request), request.params.site),
  );

  app.post(
    '/api/queue/:site/next',
    {
      config: { permission: 'queue.operate' },
      schema: {
        operationId: 'callNext',
        tags: ['queue'],
        summary:
          "A station calls the next waiting ticket of today's queue (the ticket it called before is served); 204 when the queue is empty. Two stations never get the same ticket",
        params: QueueSiteParamsSchema,
        body: CallNextRequestSchema,
        response: { 200: CalledTicketSchema, 204: z.null(), ...errorResponses('NOT_FOUND', 'CONFLICT') },
      },
    },
    async (request, reply) => {
      const called = await queueService.callNext(app.deps, actorOf(request), request.params.site, request.body);
      if (!called) return reply.status(204).send(null);
      return called;
    },
  );

  app.get(
    '/api/tickets/:id',
    {
      config: { permission: 'ticket.read' },
      schema: {
        operationId: 'getTicket',
        tags: ['queue'],
        summary: 'A ticket with its position and estimated wait; the queue roles read any, a student only their own',
        params: TicketIdParamsSchema,
        response: { 200: CalledTicketSchema, ...errorResponses('TICKET_NOT_FOUND') },
      },
    },
    async (request) => queueService.getTicket(app.deps, actorOf(request), request.params.id),
  );

  app.post(
    '/api/tickets/:id/recall',
    {
      config: { permission: 'queue.operate' },
      schema: {
        operationId: 'recallTicket',
        tags: ['queue'],
        summary: 'Calls a called ticket again (the student has not come yet); audited',
        params: TicketIdParamsSchema,
        response: { 200: CalledTicketSchema, ...TICKET_ERRORS },
      },
    },
    async (request) => queueService.recallTicket(app.deps, actorOf(request), request.params.id),
  );

  app.post(
    '/api/tickets/:id/skip',
    {
      config: { permission: 'queue.operate' },
      schema: {
        operationId: 'skipTicket',
        tags: ['queue'],
        summary: 'The called student did not come: the ticket goes to the back of the queue; after 2 skips it is removed; audited',
        params: TicketIdParamsSchema,
        response: { 200: CalledTicketSchema, ...TICKET_ERRORS },
      },
    },
    async (request) => queueService.skipTicket(app.deps, actorOf(request), request.params.id),
  );

  app.post(
    '/api/tickets/:id/transfer',
    {
      config: { permission: 'queue.operate' },
      schema: {
        operationId: 'transferTicket',
        tags: ['queue'],
        summary:
          'Transfers a called ticket to another station of its site, which calls it now and names the student (the old station no longer does); 422 STATION_UNKNOWN, 409 STATION_BUSY or TICKET_NOT_CALLED; audited',
        params: TicketIdParamsSchema,
        body: TransferTicketRequestSchema,
        response: { 200: CalledTicketSchema, ...errorResponses('TICKET_NOT_FOUND', 'TICKET_NOT_CALLED', 'STATION_UNKNOWN', 'STATION_BUSY', 'CONFLICT') },
      },
    },
    async (request) => queueService.transferTicket(app.deps, actorOf(request), request.params.id, request.body),
  );
};
