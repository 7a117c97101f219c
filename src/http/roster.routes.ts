import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorBodySchema } from '../contracts/common.js';
import { RosterApplyResultSchema, RosterPreviewSchema } from '../contracts/roster.js';
import { AppError } from '../domain/errors.js';
import { authorize } from '../services/deps.js';
import * as rosterService from '../services/roster.service.js';
import { actorOf } from './context.js';

/** Routes whose body is multipart with a `file` field; the OpenAPI transform documents it. */
export const MULTIPART_FILE_ROUTES = new Set(['/api/roster/preview', '/api/roster/apply']);

/** Reads the uploaded roster into memory (bounded by the upload limit); rosters are never written to disk. */
async function readUploadedFile(request: FastifyRequest): Promise<{ buffer: Buffer; fileName: string }> {
  if (!request.isMultipart()) {
    throw new AppError('VALIDATION_FAILED', { params: { detail: 'multipart/form-data with a "file" field expected' } });
  }
  const file = await request.file({ limits: { fileSize: request.server.maxUploadBytes, files: 1 } });
  if (!file) throw new AppError('VALIDATION_FAILED', { params: { detail: 'the "file" field is missing' } });
  if (file.fieldname !== 'file') throw new AppError('VALIDATION_FAILED', { params: { detail: `unexpected field "${file.fieldname}", expected "file"` } });
  const buffer = await file.toBuffer();
  return { buffer, fileName: file.filename || 'roster' };
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
