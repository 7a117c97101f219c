import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorBodySchema } from '../contracts/common.js';
import { RosterApplyResultSchema, RosterPreviewSchema } from '../contracts/roster.js';
import { authorize } from '../services/deps.js';
import * as rosterService from '../services/roster.service.js';
import { actorOf } from './context.js';
import { formatMegabytes, readUpload } from './multipart.js';

/** Routes whose body is multipart with a `file` field; the OpenAPI transform documents it. */
export const MULTIPART_FILE_ROUTES = new Set(['/api/roster/preview', '/api/roster/apply']);

/** Reads the uploaded roster into memory (bounded by the upload limit); rosters are never written to disk. */
async function readUploadedFile(request: FastifyRequest): Promise<{ buffer: Buffer; fileName: string }> {
  const maxFileBytes = request.server.maxUploadBytes;
  const upload = await readUpload(request, { fileField: 'file', maxFileBytes, maxFileText: formatMegabytes(maxFileBytes), maxFields: 10, maxFieldBytes: 4096 });
  return { buffer: upload.bytes, fileName: upload.fileName || 'roster' };
}

export const rosterRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/roster/preview',
    {
      schema: {
        operationId: 'previewRosterImport',
        tags: ['roster'],
        summary: 'Check a roster file (multipart field `file`, .csv or .xlsx) and show what importing it would change; writes nothing',
        response: { 200: RosterPreviewSchema, 413: ErrorBodySchema, 415: ErrorBodySchema },
      },
    },
    async (request) => {
      authorize(actorOf(request), 'roster.import');
      const { buffer, fileName } = await readUploadedFile(request);
      return rosterService.previewRosterImport(app.deps, actorOf(request), { buffer }, fileName, request.lang);
    },
  );

  app.post(
    '/api/roster/apply',
    {
      schema: {
        operationId: 'applyRosterImport',
        tags: ['roster'],
        summary: 'Import a roster file (multipart field `file`) in one transaction: all rows or nothing',
        response: { 200: RosterApplyResultSchema, 413: ErrorBodySchema, 415: ErrorBodySchema, 422: ErrorBodySchema },
      },
    },
    async (request) => {
      authorize(actorOf(request), 'roster.import');
      const { buffer, fileName } = await readUploadedFile(request);
      return rosterService.applyRosterImport(app.deps, actorOf(request), { buffer }, fileName, request.lang);
    },
  );
};
