import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RosterApplyFieldsSchema, RosterApplyResultSchema, RosterPreviewSchema, RosterTemplateQuerySchema } from '../contracts/roster.js';
import { AppError } from '../domain/errors.js';
import * as rosterService from '../services/roster.service.js';
import { errorResponses } from './errors.js';
import { actorOf } from './context.js';
import { formatMegabytes, readUpload } from './multipart.js';

/** Routes whose body is multipart with a `file` field; the OpenAPI transform documents it. */
export const MULTIPART_FILE_ROUTES = new Set(['/api/roster/preview', '/api/roster/apply', '/api/payments/statements' /* payment.routes.ts */, '/api/exports/answers' /* registry-answer.routes.ts */]);

/** Reads the uploaded roster into memory (bounded by the upload limit); rosters are never written to disk. */
async function readUploadedFile(request: FastifyRequest): Promise<{ buffer: Buffer; fileName: string; fields: Record<string, string> }> {
  const maxFileBytes = request.server.maxUploadBytes;
  const upload = await readUpload(request, { fileField: 'file', maxFileBytes, maxFileText: formatMegabytes(maxFileBytes), maxFields: 10, maxFieldBytes: 4096 });
  return { buffer: upload.bytes, fileName: upload.fileName || 'roster', fields: upload.fields };
}

/** What a roster upload may be refused with (beside the answers of every route). */
const ROSTER_ERRORS = errorResponses('FILE_TOO_LARGE', 'UPLOAD_TOO_MANY_FIELDS', 'UPLOAD_TOO_MANY_FILES', 'UNSUPPORTED_FILE', 'ROSTER_INVALID', 'ROSTER_TOO_COMPLEX', 'DEPARTMENT_UNKNOWN', 'CAMPAIGN_NOT_FOUND');

export const rosterRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/roster/preview',
    {
      config: { permission: 'roster.import' },
      schema: {
        operationId: 'previewRosterImport',
        tags: ['roster'],
        summary: 'Check a roster file (multipart field `file`, .csv or .xlsx) and show what importing it would change; writes nothing',
        response: { 200: RosterPreviewSchema, ...ROSTER_ERRORS },
      },
    },
    async (request) => {
      const { buffer, fileName } = await readUploadedFile(request);
      return rosterService.previewRosterImport(app.deps, actorOf(request), { buffer, handOver: true }, fileName, request.lang);
    },
  );

  app.post(
    '/api/roster/apply',
    {
      config: { permission: 'roster.import' },
      schema: {
        operationId: 'applyRosterImport',
        tags: ['roster'],
        summary:
          'Import a roster file (multipart field `file`) in one transaction: all rows or nothing. Removing more than the preview’s `removals.thresholdPercent` of the stored students needs the field `confirmRemovals` equal to the count (409 ROSTER_REMOVES_MANY otherwise)',
        response: { 200: RosterApplyResultSchema, ...ROSTER_ERRORS, ...errorResponses('ROSTER_REMOVES_MANY', 'CONFLICT') },
      },
    },
    async (request) => {
      const { buffer, fileName, fields } = await readUploadedFile(request);
      const parsed = RosterApplyFieldsSchema.safeParse(fields);
      if (!parsed.success) throw new AppError('VALIDATION_FAILED', { params: { detail: `confirmRemovals: "${String(fields.confirmRemovals).slice(0, 40)}" is not a count` } });
      return rosterService.applyRosterImport(app.deps, actorOf(request), { buffer, handOver: true }, fileName, request.lang, { confirmRemovals: parsed.data.confirmRemovals });
    },
  );

  app.get(
    '/api/roster/template',
    {
      config: { permission: 'roster.import' },
      schema: {
        operationId: 'getRosterTemplate',
        tags: ['roster'],
        summary: 'An empty roster with every accepted column (.xlsx with a notes sheet, or .csv in UTF-8 with BOM)',
        querystring: RosterTemplateQuerySchema,
        response: { 200: z.any() },
      },
    },
    async (request, reply) => {
      const file = await rosterService.buildRosterTemplate(actorOf(request), request.query.format, request.query.lang);
      return reply
        .header('Content-Type', file.contentType)
        .header('Content-Disposition', `attachment; filename="${file.fileName.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
        .header('Cache-Control', 'no-store')
        .send(file.body);
    },
  );
};
