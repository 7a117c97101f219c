import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BookingIdParamsSchema,
  BookingSchema,
  CampaignScheduleSchema,
  CreateBookingRequestSchema,
  JoinWaitlistRequestSchema,
  JoinWaitlistResponseSchema,
  MyBookingQuerySchema,
  MyBookingSchema,
  SessionIdParamsSchema,
  SessionListQuerySchema,
  SessionListSchema,
  SiteSettingsRequestSchema,
  SiteSettingsResponseSchema,
  SiteSettingsSchema,
  UpdateCampaignScheduleRequestSchema,
  UpdateCampaignScheduleResponseSchema,
} from '../contracts/booking.js';
import { SiteSchema } from '../contracts/common.js';
import { canonicalJson } from '../domain/audit.js';
import { AppError } from '../domain/errors.js';
import * as bookingService from '../services/booking.service.js';
import type { IdempotencyInput, IdempotentOutcome } from '../services/change.js';
import * as scheduleService from '../services/schedule.service.js';
import * as sessionService from '../services/session.service.js';
import * as siteSettingsService from '../services/site-settings.service.js';
import { actorOf } from './context.js';
import { errorResponses, HTTP_STATUS } from './errors.js';

/** Documents the optional Idempotency-Key header; other headers pass through untouched. */
const IdempotencyHeadersSchema = z.looseObject({
  'idempotency-key': z.string().min(1).max(255).optional().describe('a retry with the same key and body gets the first answer again; another body is refused (422)'),
});

function statusOf(outcome: IdempotentOutcome): number {
  return outcome.ok ? (outcome.created ? 201 : 200) : HTTP_STATUS[outcome.code];
}

/**
 * The Idempotency-Key of a changing request, with a fingerprint of what was asked (method, path, body):
 * the service stores the first answer under the key and replays it, or refuses the key for another request.
 */
function idempotencyOf(request: FastifyRequest): IdempotencyInput | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || header.length === 0 || header.length > 255) {
    throw new AppError('VALIDATION_FAILED', { params: { detail: 'Idempotency-Key: one value of 1–255 characters' } });
  }
  const fingerprint = crypto
    .createHash('sha256')
    .update(`${request.method}\n${request.url}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');
  return { key: header, fingerprint, statusOf };
}

/** What booking routes may refuse with, beside the answers of every route (documented from HTTP_STATUS). */
const ERRORS = errorResponses(
  'STUDENT_NOT_FOUND',
  'SESSION_NOT_FOUND',
  'BOOKING_NOT_FOUND',
  'SESSION_FULL',
  'ALREADY_WAITLISTED',
  'CAPACITY_BELOW_BOOKINGS',
  'CONFLICT',
  'SESSION_IN_PAST',
  'STUDENT_NOT_ELIGIBLE',
  'WRONG_SITE',
  'WEEKEND_NOT_ALLOWED',
  'IDEMPOTENCY_KEY_REUSED',
  'PHOTO_CONFIRMED',
);

export const bookingRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/sessions',
    {
      config: { permission: 'session.list' },
      schema: {
        operationId: 'listSessions',
        tags: ['bookings'],
        summary: 'Every (site, day, window) of the campaign with its capacity, seats booked, expected load and waitlist (S1)',
        querystring: SessionListQuerySchema,
        response: { 200: SessionListSchema },
      },
    },
    async (request) => sessionService.listSessions(app.deps, actorOf(request), request.query),
  );

  app.post(
    '/api/bookings',
    {
      config: { permission: 'booking.create' },
      schema: {
        operationId: 'createBooking',
        tags: ['bookings'],
        summary: 'Books a session (or moves the booking there); a full session answers 409 SESSION_FULL',
        headers: IdempotencyHeadersSchema,
        body: CreateBookingRequestSchema,
        response: { 201: BookingSchema, 200: BookingSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const done = await bookingService.createBooking(app.deps, actorOf(request), request.body, { idempotency: idempotencyOf(request) });
      return reply.status(done.created ? 201 : 200).send(done.value);
    },
  );

  app.get(
    '/api/bookings/me',
    {
      config: { permission: 'booking.read' },
      schema: {
        operationId: 'getMyBooking',
        tags: ['bookings'],
        summary: "A student's booking, or their department's day, and their waitlist places; staff name the student",
        querystring: MyBookingQuerySchema,
        response: { 200: MyBookingSchema, ...ERRORS },
      },
    },
    async (request) => bookingService.getMyBooking(app.deps, actorOf(request), request.query),
  );

  app.delete(
    '/api/bookings/:id',
    {
      config: { permission: 'booking.cancel' },
      schema: {
        operationId: 'cancelBooking',
        tags: ['bookings'],
        summary: "Cancels a booking; its seat goes to the session's waitlist",
        headers: IdempotencyHeadersSchema,
        params: BookingIdParamsSchema,
        response: { 200: BookingSchema, ...ERRORS },
      },
    },
    async (request) => (await bookingService.cancelBooking(app.deps, actorOf(request), request.params.id, { idempotency: idempotencyOf(request) })).value,
  );

  app.post(
    '/api/sessions/:id/waitlist',
    {
      config: { permission: 'waitlist.join' },
      schema: {
        operationId: 'joinWaitlist',
        tags: ['bookings'],
        summary: "Joins a full session's waitlist; a session with a free seat is booked instead",
        headers: IdempotencyHeadersSchema,
        params: SessionIdParamsSchema,
        body: JoinWaitlistRequestSchema.nullish(),
        response: { 201: JoinWaitlistResponseSchema, 200: JoinWaitlistResponseSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const done = await bookingService.joinWaitlist(app.deps, actorOf(request), request.params.id, request.body ?? {}, { idempotency: idempotencyOf(request) });
      return reply.status(done.created ? 201 : 200).send(done.value);
    },
  );

  app.put(
    '/api/sites/:site/settings',
    {
      config: { permission: 'schedule.manage' },
      schema: {
        operationId: 'updateSiteSettings',
        tags: ['bookings'],
        summary: "A site's stations and minutes per student; refused (409) when seats would fall below bookings unless moveAffected",
        params: z.object({ site: SiteSchema }),
        body: SiteSettingsRequestSchema,
        response: { 200: SiteSettingsResponseSchema, ...ERRORS },
      },
    },
    async (request) => siteSettingsService.updateSiteSettings(app.deps, actorOf(request), request.params.site, request.body),
  );

  app.get(
    '/api/sites/:site/settings',
    {
      config: { permission: 'session.list' },
      schema: {
        operationId: 'getSiteSettings',
        tags: ['bookings'],
        summary: "A site's stations and minutes per student (the defaults, 2 and 1, until the admin sets them)",
        params: z.object({ site: SiteSchema }),
        response: { 200: SiteSettingsSchema, ...ERRORS },
      },
    },
    async (request) => siteSettingsService.getSiteSettings(app.deps, actorOf(request), request.params.site),
  );

  app.get(
    '/api/campaign/schedule',
    {
      config: { permission: 'session.list' },
      schema: {
        operationId: 'getCampaignSchedule',
        tags: ['bookings'],
        summary: "The campaign's days, each with its departments and each site's windows (Asia/Shanghai wall clock)",
        response: { 200: CampaignScheduleSchema, ...ERRORS },
      },
    },
    async (request) => scheduleService.getCampaignSchedule(app.deps, actorOf(request)),
  );

  app.put(
    '/api/campaign/schedule',
    {
      config: { permission: 'schedule.manage' },
      schema: {
        operationId: 'updateCampaignSchedule',
        tags: ['bookings'],
        summary:
          'Changes the days, their departments and the windows per site, and regenerates the sessions; 409 CAPACITY_BELOW_BOOKINGS when bookings would lose their seat unless moveAffected',
        body: UpdateCampaignScheduleRequestSchema,
        response: { 200: UpdateCampaignScheduleResponseSchema, ...ERRORS },
      },
    },
    async (request) => scheduleService.updateCampaignSchedule(app.deps, actorOf(request), request.body, request.lang),
  );
};
