import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CreateUserRequestSchema, UpdateUserRequestSchema, UserIdParamsSchema, UserListSchema, UserSchema } from '../contracts/user.js';
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
  app.patch(
    '/api/users/:id',
    {
      config: { permission: 'user.manage' },
      schema: {
        operationId: 'updateUser',
        tags: ['users'],
        summary: 'Switches an account off or on and/or sets a new password; every session of the account ends',
        params: UserIdParamsSchema,
        body: UpdateUserRequestSchema,
        response: { 200: UserSchema, ...errorResponses('USER_NOT_FOUND', 'CANNOT_DISABLE_SELF') },
      },
    },
    async (request) => userService.updateUser(app.deps, actorOf(request), request.params.id, request.body),
  );
};
