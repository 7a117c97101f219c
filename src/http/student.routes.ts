import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  RevealNationalIdResponseSchema,
  StudentDetailSchema,
  StudentExportQuerySchema,
  StudentIdParamsSchema,
  StudentListQuerySchema,
  StudentListSchema,
} from '../contracts/student.js';
import * as studentService from '../services/student.service.js';
import { actorOf } from './context.js';
import { sendXlsx } from './downloads.js';
import { errorResponses } from './errors.js';

export const studentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/students',
    {
      config: { permission: 'student.list' },
      schema: {
        operationId: 'listStudents',
        tags: ['students'],
        summary: 'Students the caller may see, with their decision, rule and reason (masked names for the agency)',
        querystring: StudentListQuerySchema,
        response: { 200: StudentListSchema },
      },
    },
    async (request) => studentService.listStudents(app.deps, actorOf(request), request.query),
  );

  // Registered before /:id so that "export.xlsx" is not taken for an id.
  app.get(
    '/api/students/export.xlsx',
    {
      config: { permission: 'student.export' },
      schema: {
        operationId: 'exportStudents',
        tags: ['students'],
        summary: 'XLSX of the students the caller may see; formula-like cells are neutralised',
        querystring: StudentExportQuerySchema,
        response: { 200: z.any(), ...errorResponses('DEPARTMENT_UNKNOWN') },
      },
    },
    async (request, reply) => {
      const file = await studentService.exportStudentsXlsx(app.deps, actorOf(request), request.query);
      return sendXlsx(reply, file);
    },
  );

  app.get(
    '/api/students/:id',
    {
      config: { permission: 'student.read' },
      schema: {
        operationId: 'getStudent',
        tags: ['students'],
        params: StudentIdParamsSchema,
        response: { 200: StudentDetailSchema, ...errorResponses('STUDENT_NOT_FOUND') },
      },
    },
    async (request) => studentService.getStudent(app.deps, actorOf(request), request.params.id),
  );

  app.post(
    '/api/students/:id/national-id',
    {
      config: { permission: 'student.nationalId.read' },
      schema: {
        operationId: 'revealNationalId',
        tags: ['students'],
        summary: 'The full national ID number (admins only); every call is an audit event',
        params: StudentIdParamsSchema,
        response: { 200: RevealNationalIdResponseSchema, ...errorResponses('STUDENT_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return studentService.revealNationalId(app.deps, actorOf(request), request.params.id);
    },
  );
};
