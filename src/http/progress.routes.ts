import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ProgressQuerySchema, ProgressSchema, RemindStudentsRequestSchema, RemindStudentsResponseSchema } from '../contracts/progress.js';
import * as progressService from '../services/progress.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';

/** Progress everywhere (issue 9): counts per department and day, and the secretary's reminder by mail. */
export const progressRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/progress',
    {
      config: { permission: 'campaign.overview' },
      schema: {
        operationId: 'getProgress',
        tags: ['progress'],
        summary:
          'Required students per department and per day (the day of the booking’s session) and in all, counted as reached at least booked, checked in, photographed, confirmed, and paid; a secretary sees their departments only (another department: 403, audited). Counts only',
        querystring: ProgressQuerySchema,
        response: { 200: ProgressSchema, ...errorResponses('DEPARTMENT_UNKNOWN', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return progressService.getProgress(app.deps, actorOf(request), request.query);
    },
  );

  app.post(
    '/api/progress/reminders',
    {
      config: { permission: 'student.remind' },
      schema: {
        operationId: 'remindStudents',
        tags: ['progress'],
        summary:
          'Mails the required students of one department who have not booked (`not-booked`) or who booked a session that is over and did not come (`no-show`): one durable mail job per student; a student reminded in the last 24 hours is skipped. A secretary reminds their own departments only (403, audited). One audit event with the counts',
        body: RemindStudentsRequestSchema,
        response: { 200: RemindStudentsResponseSchema, ...errorResponses('DEPARTMENT_UNKNOWN', 'CAMPAIGN_NOT_FOUND', 'CONFLICT') },
      },
    },
    async (request) => progressService.remindStudents(app.deps, actorOf(request), request.body),
  );
};
