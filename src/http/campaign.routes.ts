import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CampaignOverviewSchema, CampaignSchema, UpdateCampaignTermsRequestSchema, UpdateCampaignTermsResponseSchema } from '../contracts/campaign.js';
import { HealthSchema } from '../contracts/common.js';
import * as campaignService from '../services/campaign.service.js';
import { actorOf } from './context.js';

export const campaignRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/health',
    { config: { permission: 'public' }, schema: { operationId: 'getHealth', tags: ['system'], response: { 200: HealthSchema } } },
    async () => {
      await campaignService.findActiveCampaign(app.deps); // answers only when the database does
      return { status: 'ok' as const };
    },
  );

  app.get(
    '/api/campaign',
    {
      // The campaign is the public notice (dates, rooms, price): no sign-in needed.
      config: { permission: 'public' },
      schema: { operationId: 'getCampaign', tags: ['campaign'], summary: 'The active campaign: sites, days, windows, departments, price', response: { 200: CampaignSchema } },
    },
    async () => campaignService.getCampaign(app.deps),
  );

  app.get(
    '/api/campaign/overview',
    { config: { permission: 'campaign.overview' }, schema: { operationId: 'getCampaignOverview', tags: ['campaign'], summary: 'Days × departments with counts per decision', response: { 200: CampaignOverviewSchema } } },
    async (request) => campaignService.getCampaignOverview(app.deps, actorOf(request)),
  );

  app.put(
    '/api/campaign/terms',
    {
      config: { permission: 'campaign.manage' },
      schema: {
        operationId: 'updateCampaignTerms',
        tags: ['campaign'],
        summary: 'Change the target terms; every decision is recomputed',
        body: UpdateCampaignTermsRequestSchema,
        response: { 200: UpdateCampaignTermsResponseSchema },
      },
    },
    async (request) => campaignService.updateCampaignTerms(app.deps, actorOf(request), request.body),
  );
};
