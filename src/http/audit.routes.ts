import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AuditListSchema, AuditQuerySchema, AuditVerifySchema } from '../contracts/audit.js';
import * as auditService from '../services/audit.service.js';
import { authorize } from '../services/deps.js';
import { actorOf } from './context.js';

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/audit',
    { config: { permission: 'audit.read' }, schema: { operationId: 'listAuditEvents', tags: ['audit'], querystring: AuditQuerySchema, response: { 200: AuditListSchema } } },
    async (request) => auditService.listAuditEvents(app.deps, actorOf(request), request.query),
  );
  app.get('/api/audit/verify', { config: { permission: 'audit.read' }, schema: { operationId: 'verifyAuditChain', tags: ['audit'], response: { 200: AuditVerifySchema } } }, async (request) => {
    authorize(actorOf(request), 'audit.read');
    return auditService.verifyAuditChain(app.deps);
  });
};
