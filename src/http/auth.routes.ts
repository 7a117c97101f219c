import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ChangePasswordRequestSchema, LoginRequestSchema, LoginResponseSchema, MeSchema, TotpEnableRequestSchema, TotpSetupResponseSchema } from '../contracts/auth.js';
import * as authService from '../services/auth.service.js';
import { errorResponses } from './errors.js';
import { actorOf, requirePrincipal, SESSION_COOKIE } from './context.js';

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  const mode = request.server.httpSettings.cookieSecure;
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: mode === 'auto' ? request.protocol === 'https' : mode,
    path: '/',
    maxAge: maxAgeSeconds,
  });
}

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/auth/login',
    {
      config: { permission: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Sign in with a user name and password (and a one-time code when enabled); sets the session cookie',
        body: LoginRequestSchema,
        response: { 200: LoginResponseSchema, ...errorResponses('INVALID_CREDENTIALS', 'TOTP_REQUIRED', 'TOTP_INVALID', 'TOO_MANY_ATTEMPTS') },
      },
    },
    async (request, reply) => {
      const outcome = await authService.login(app.deps, request.body, request.ip, request.headers['user-agent'] ?? null);
      setSessionCookie(request, reply, outcome.token, app.deps.auth.sessionAbsoluteHours * 3600);
      return { user: outcome.me };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { permission: 'public' }, schema: { operationId: 'logout', tags: ['auth'], summary: 'End the session', response: { 204: z.null() } } },
    async (request, reply) => {
      await authService.logout(app.deps, actorOf(request), request.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get('/api/me', { config: { permission: 'signed-in' }, schema: { operationId: 'getMe', tags: ['auth'], response: { 200: MeSchema } } }, async (request) =>
    authService.describeMe(app.deps, requirePrincipal(request)),
  );

  app.post(
    '/api/me/password',
    { config: { permission: 'signed-in' }, schema: { operationId: 'changePassword', tags: ['auth'], body: ChangePasswordRequestSchema, response: { 204: z.null(), ...errorResponses('CURRENT_PASSWORD_WRONG') } } },
    async (request, reply) => {
      await authService.changePassword(app.deps, actorOf(request), request.body.currentPassword, request.body.newPassword, request.sessionId!);
      return reply.status(204).send(null);
    },
  );

  app.post('/api/me/totp/setup', { config: { permission: 'signed-in' }, schema: { operationId: 'setupTotp', tags: ['auth'], response: { 200: TotpSetupResponseSchema } } }, async (request) =>
    authService.setupTotp(app.deps, actorOf(request)),
  );

  app.post(
    '/api/me/totp/enable',
    { config: { permission: 'signed-in' }, schema: { operationId: 'enableTotp', tags: ['auth'], body: TotpEnableRequestSchema, response: { 204: z.null() } } },
    async (request, reply) => {
      await authService.enableTotp(app.deps, actorOf(request), request.body.code);
      return reply.status(204).send(null);
    },
  );
};
