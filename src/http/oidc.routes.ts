import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OidcStatusSchema } from '../contracts/auth.js';
import { AppError, isAppError } from '../domain/errors.js';
import * as oidcService from '../services/oidc.service.js';
import { setSessionCookie } from './auth.routes.js';

/** Binds a pending campus sign-on to the browser that started it (decision 0008). */
export const OIDC_BROWSER_COOKIE = 'gp_oidc';
const OIDC_COOKIE_PATH = '/api/auth/oidc';

/** Where a failed sign-on lands: the login page shows the code's message (zh/en) with its parameters. */
export function loginErrorLocation(error: AppError): string {
  const query = new URLSearchParams({ error: error.code });
  for (const [key, value] of Object.entries(error.params)) query.set(key, String(value));
  return `/login?${query.toString()}`;
}

function setBrowserCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  const mode = request.server.httpSettings.cookieSecure;
  reply.setCookie(OIDC_BROWSER_COOKIE, token, {
    httpOnly: true,
    // Lax, not Strict: the provider sends the browser back with a cross-site top-level GET, which must carry it.
    sameSite: 'lax',
    secure: mode === 'auto' ? request.protocol === 'https' : mode,
    path: OIDC_COOKIE_PATH,
    maxAge: oidcService.OIDC_REQUEST_MINUTES * 60,
  });
}

/** Browser redirects, not JSON: every failure goes back to the login page with its code. */
function failTo(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  if (!isAppError(error)) throw error;
  // The message carries the provider's error (never tokens); the request log has no query string (app.ts).
  request.log.warn({ code: error.code, reason: error.params.reason, detail: error.message }, 'campus sign-on refused');
  return reply.redirect(loginErrorLocation(error), 302);
}

const redirectResponse = { 302: z.null().describe('a redirect (Location header)') };

export const oidcRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/auth/oidc',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getOidcStatus',
        tags: ['auth'],
        summary: 'Whether campus sign-on (OpenID Connect) is offered to students',
        response: { 200: OidcStatusSchema },
      },
    },
    async () => ({ enabled: oidcService.isOidcEnabled(app.deps) }),
  );

  app.get(
    '/api/auth/oidc/start',
    {
      config: { permission: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        operationId: 'startOidcSignIn',
        tags: ['auth'],
        summary: 'Campus sign-on for students: 302 to the OpenID provider (authorization code flow, PKCE S256, state, nonce)',
        response: redirectResponse,
      },
    },
    async (request, reply) => {
      try {
        const start = await oidcService.startOidcSignIn(app.deps);
        setBrowserCookie(request, reply, start.browserToken);
        return reply.redirect(start.redirectUrl, 302);
      } catch (error) {
        return failTo(request, reply, error);
      }
    },
  );

  app.get(
    '/api/auth/oidc/callback',
    {
      config: { permission: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        operationId: 'finishOidcSignIn',
        tags: ['auth'],
        summary: 'Where the OpenID provider sends the browser back: checks the answer, signs the student in (session cookie), 302 to /my',
        // The provider's parameters (code, state, iss, or error); all are read from the URL by the client library.
        querystring: z.object({}).passthrough(),
        response: redirectResponse,
      },
    },
    async (request, reply) => {
      const browserToken = request.cookies[OIDC_BROWSER_COOKIE];
      // The binding cookie is single use whatever happens next.
      reply.clearCookie(OIDC_BROWSER_COOKIE, { path: OIDC_COOKIE_PATH });
      try {
        if (!oidcService.isOidcEnabled(app.deps)) throw new AppError('OIDC_NOT_CONFIGURED');
        const outcome = await oidcService.finishOidcSignIn(app.deps, {
          callbackParams: new URL(request.url, 'http://callback.invalid').searchParams,
          browserToken,
          ip: request.ip ?? null,
          userAgent: request.headers['user-agent'] ?? null,
        });
        setSessionCookie(request, reply, outcome.token, app.deps.auth.sessionAbsoluteHours * 3600);
        return reply.redirect('/my', 302);
      } catch (error) {
        return failTo(request, reply, error);
      }
    },
  );
};
