import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CreateUserRequestSchema, UserListSchema, UserSchema } from '../contracts/user.js';
import * as userService from '../services/user.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';

export const userRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/users', { config: { permission: 'user.manage' }, schema: { operationId: 'listUsers', tags: ['users'], response: { 200: UserListSchema } } }, async (request) => ({
    items: await userService.listUsers(app.deps, actorOf(request)),
  }));
  app.post(
    '/api/users',
    { config: { permission: 'user.manage' }, schema: { operationId: 'createUser', tags: ['users'], body: CreateUserRequestSchema, response: { 201: UserSchema, ...errorResponses('USERNAME_TAKEN', 'DEPARTMENT_UNKNOWN') } } },
    async (request, reply) => reply.status(201).send(await userService.createUser(app.deps, actorOf(request), request.body)),
  );
};
