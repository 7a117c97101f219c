import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PlanQuerySchema, PlanResponseSchema } from '../contracts/planner.js';
import * as plannerService from '../services/planner.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';

export const plannerRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/plan',
    {
      config: { permission: 'campaign.overview' },
      schema: {
        operationId: 'proposePlan',
        tags: ['bookings'],
        summary: "A department → day table for the Beijing site minimising the busiest window, beside today's table (S1, S3)",
        querystring: PlanQuerySchema,
        response: { 200: PlanResponseSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => plannerService.proposeCampaignPlan(app.deps, actorOf(request), request.query),
  );
};
