import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LoginResponseSchema } from '../contracts/auth.js';
import { ConsumeSignInLinkRequestSchema, SignInLinkAcceptedSchema, SignInLinkRequestSchema } from '../contracts/signin-link.js';
import { deliverDueJobs } from '../services/job-runner.js';
import { consumeSignInLink, requestSignInLink, SIGNIN_LINK_MINUTES } from '../services/signin-link.service.js';
import { setSessionCookie } from './auth.routes.js';
import { errorResponses } from './errors.js';

// One-time sign-in links by mail (issue #3 part 6). The link's page is `/signin/<token>` in the web app; the
// token reaches the API only in a POST body, and the request log never shows it (app.ts).
export const SIGNIN_LINK_REQUESTS_PER_MINUTE = 30;

export const signInLinkRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/auth/signin-link',
    {
      // per address here (like login), and per student in the service (MAX_SIGNIN_LINKS_PER_WINDOW)
      config: { permission: 'public', rateLimit: { max: SIGNIN_LINK_REQUESTS_PER_MINUTE, timeWindow: '1 minute' } },
      schema: {
        operationId: 'requestSignInLink',
        tags: ['auth'],
        summary: 'Mail a one-time sign-in link to a student on the roster; the same 202 whether or not the student exists',
        body: SignInLinkRequestSchema,
        response: { 202: SignInLinkAcceptedSchema, ...errorResponses('TOO_MANY_ATTEMPTS') },
      },
    },
    async (request, reply) => {
      const { jobId, delivery } = await requestSignInLink(app.deps, request.body, request.ip);
      if (delivery === 'unavailable') request.log.warn('a mail sign-in link was asked for, but no mail server is configured (SMTP_URL): nothing was sent');
      // Sent now by the job runner's own path, not awaited: the answer does not wait for (or reveal) the mail.
      if (jobId && app.deps.mailer) void deliverDueJobs(app.deps, { jobIds: [jobId], log: request.log }).catch((e: unknown) => request.log.error(e));
      return reply.status(202).send({ status: 'accepted' as const, delivery, validMinutes: SIGNIN_LINK_MINUTES });
    },
  );

  app.post(
    '/api/auth/signin-link/consume',
    {
      config: { permission: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        operationId: 'consumeSignInLink',
        tags: ['auth'],
        summary: 'Use a sign-in link once: signs the student in (creating their account on first use) and sets the session cookie',
        body: ConsumeSignInLinkRequestSchema,
        response: { 200: LoginResponseSchema, ...errorResponses('SIGNIN_LINK_INVALID', 'TOO_MANY_ATTEMPTS') },
      },
    },
    async (request, reply) => {
      const outcome = await consumeSignInLink(app.deps, request.body.token, request.ip, request.headers['user-agent'] ?? null);
      setSessionCookie(request, reply, outcome.token, app.deps.auth.sessionAbsoluteHours * 3600);
      return { user: outcome.me };
    },
  );
};
