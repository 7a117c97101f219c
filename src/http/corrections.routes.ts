import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CorrectionsExportQuerySchema, InvalidPhotoListSchema, InvalidPhotoQuerySchema, VoidedConfirmationListSchema, VoidedConfirmationQuerySchema } from '../contracts/corrections.js';
import * as correctionsService from '../services/corrections.service.js';
import { actorOf } from './context.js';
import { sendXlsx } from './downloads.js';
import { errorResponses } from './errors.js';

/** Invalid photos (E7) and corrections (issue 10 section 4): read-only lists and their XLSX. */
export const correctionsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/corrections/invalid-photos',
    {
      config: { permission: 'corrections.read' },
      schema: {
        operationId: 'listInvalidPhotos',
        tags: ['corrections'],
        summary:
          'Every photo flagged invalid (E7): the student, the rule in words, since when, whether it had been confirmed, and the registry status (never exported, or withdrawn in a batch’s withdrawn.csv). A secretary sees their departments only',
        querystring: InvalidPhotoQuerySchema,
        response: { 200: InvalidPhotoListSchema, ...errorResponses('DEPARTMENT_UNKNOWN', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return correctionsService.listInvalidPhotos(app.deps, actorOf(request), request.query, request.lang);
    },
  );

  app.get(
    '/api/corrections/voided-confirmations',
    {
      config: { permission: 'corrections.read' },
      schema: {
        operationId: 'listVoidedConfirmations',
        tags: ['corrections'],
        summary:
          'Every voided confirmation (C3): who voided it, when and why (an admin, or the registry’s 有误 answer), whether the student has a confirmed photo since, and the registry status of the voided photo. A secretary sees their departments only',
        querystring: VoidedConfirmationQuerySchema,
        response: { 200: VoidedConfirmationListSchema, ...errorResponses('DEPARTMENT_UNKNOWN', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return correctionsService.listVoidedConfirmations(app.deps, actorOf(request), request.query, request.lang);
    },
  );

  app.get(
    '/api/corrections/export.xlsx',
    {
      config: { permission: 'corrections.read' },
      schema: {
        operationId: 'exportCorrections',
        tags: ['corrections'],
        summary: 'The invalid photos and the voided confirmations as XLSX (one sheet each, or `list` = invalid | voided); audited',
        querystring: CorrectionsExportQuerySchema,
        response: { 200: z.any(), ...errorResponses('DEPARTMENT_UNKNOWN', 'CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => sendXlsx(reply, await correctionsService.exportCorrections(app.deps, actorOf(request), request.query)),
  );
};
