import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DashboardQuerySchema, DashboardSchema } from '../contracts/dashboard.js';
import * as dashboardService from '../services/dashboard.service.js';
import { actorOf } from './context.js';
import { sendXlsx } from './downloads.js';
import { errorResponses } from './errors.js';

/** The dashboards (issue 10 section 6): counts per department and day, payments per day, make-ups; and their XLSX. */
export const dashboardRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/dashboard',
    {
      config: { permission: 'dashboard.read' },
      schema: {
        operationId: 'getDashboard',
        tags: ['dashboard'],
        summary:
          'Required students per department and per day, counted as reached at least booked, photographed, confirmed, exported to the registry, printed and handed over; payments per day (for callers who may read payments); make-ups outstanding. A secretary sees their departments only (another: 403, audited). Counts only',
        querystring: DashboardQuerySchema,
        response: { 200: DashboardSchema, ...errorResponses('DEPARTMENT_UNKNOWN', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return dashboardService.getDashboard(app.deps, actorOf(request), request.query);
    },
  );

  app.get(
    '/api/dashboard/export.xlsx',
    {
      config: { permission: 'dashboard.read' },
      schema: {
        operationId: 'exportDashboard',
        tags: ['dashboard'],
        summary: 'Every table of the dashboard as XLSX (by department, by day, payments per day); counts only; audited',
        querystring: DashboardQuerySchema,
        response: { 200: z.any(), ...errorResponses('DEPARTMENT_UNKNOWN', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => sendXlsx(reply, await dashboardService.exportDashboard(app.deps, actorOf(request), request.query)),
  );
};
