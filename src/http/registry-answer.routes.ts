import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RegistryAnswerImportListSchema, RegistryAnswerImportSchema, RetakeListSchema } from '../contracts/registry-answer.js';
import * as answerService from '../services/registry-answer.service.js';
import { actorOf } from './context.js';
import { sendXlsx } from './downloads.js';
import { errorResponses } from './errors.js';
import { formatMegabytes, readUpload } from './multipart.js';

export const REGISTRY_ANSWER_URL = '/api/exports/answers';

/**
 * The registry's answer (issue 10 section 1, A1; docs/decisions/0024-registry-answer.md): import the answer file
 * (the admin, export.manage), list the imports, and the re-take list that follows the 有误 answers (retake.read:
 * the admin, a secretary for their departments, the agency's operator with masked names).
 */
export const registryAnswerRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    REGISTRY_ANSWER_URL,
    {
      config: { permission: 'export.manage' },
      schema: {
        operationId: 'importRegistryAnswer',
        tags: ['exports'],
        summary:
          'Imports the registry’s answer (multipart field `file`: CSV in UTF-8 or GB18030, or XLSX, with a student-number column and a status column: 通过/accepted or 有误/rejected). All rows or nothing: a bad row (not on the roster, never exported, unknown status, contradicting rows) refuses the file with every bad row listed (422 REGISTRY_ANSWER_INVALID). Each 有误 voids the confirmation of the photo it is about (the student needs a make-up). The same answer again stores nothing and counts the rows as already known. One audit event',
        response: {
          201: RegistryAnswerImportSchema,
          ...errorResponses(
            'REGISTRY_ANSWER_INVALID',
            'REGISTRY_ANSWER_NO_STUDENT_COLUMN',
            'REGISTRY_ANSWER_NO_STATUS_COLUMN',
            'REGISTRY_ANSWER_EMPTY',
            'UNSUPPORTED_FILE',
            'FILE_TOO_LARGE',
            'ROSTER_TOO_COMPLEX',
            'UPLOAD_TOO_MANY_FIELDS',
            'UPLOAD_TOO_MANY_FILES',
            'CONFLICT',
            'CAMPAIGN_NOT_FOUND',
          ),
        },
      },
    },
    async (request, reply) => {
      const maxFileBytes = Math.min(request.server.maxUploadBytes, answerService.MAX_ANSWER_BYTES);
      const upload = await readUpload(request, { fileField: 'file', maxFileBytes, maxFileText: formatMegabytes(maxFileBytes), maxFields: 10, maxFieldBytes: 4096 });
      const done = await answerService.importRegistryAnswer(app.deps, actorOf(request), { buffer: upload.bytes, fileName: upload.fileName || 'answer' }, request.lang);
      return reply.status(201).send(done);
    },
  );

  app.get(
    REGISTRY_ANSWER_URL,
    {
      config: { permission: 'export.manage' },
      schema: {
        operationId: 'listRegistryAnswerImports',
        tags: ['exports'],
        summary: 'The imported answers of the active campaign, newest first: counts of accepted, 有误, already known and voided confirmations',
        response: { 200: RegistryAnswerImportListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => answerService.listRegistryAnswerImports(app.deps, actorOf(request)),
  );

  app.get(
    '/api/retakes',
    {
      config: { permission: 'retake.read' },
      schema: {
        operationId: 'listRetakes',
        tags: ['exports'],
        summary: 'The re-take list: students whose latest registry answer is 有误 and who have no confirmed photo since, by department; whether they booked or were photographed again since (a secretary: their departments; the agency: masked names)',
        response: { 200: RetakeListSchema, ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request) => answerService.listRetakes(app.deps, actorOf(request)),
  );

  app.get(
    '/api/retakes.xlsx',
    {
      config: { permission: 'retake.read' },
      schema: {
        operationId: 'exportRetakes',
        tags: ['exports'],
        summary: 'The re-take list as XLSX (names as the caller may see them; audited)',
        response: { 200: z.any(), ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => sendXlsx(reply, await answerService.exportRetakes(app.deps, actorOf(request))),
  );
};
