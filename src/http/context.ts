import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import type { Permission, Principal } from '../domain/permissions.js';
import type { Actor, ServiceDeps } from '../services/deps.js';

declare module 'fastify' {
  interface FastifyInstance {
    deps: ServiceDeps;
    maxUploadBytes: number;
  }
  interface FastifyRequest {
    lang: Lang;
    principal: Principal | null;
    sessionId: string | null;
  }
  interface FastifyContextConfig {
    /**
     * Who may call the route, declared once on the route and checked by one hook (app.ts) before the
     * handler: a permission of src/domain/permissions.ts, 'signed-in' (any session: getMe, logout…), or
     * 'public' (no session needed: health, login, the notice). An /api route without it does not start.
     * The use cases check again (the CLI calls them without HTTP) and decide whose data (canSeeStudent).
     */
    permission?: RouteAccess;
  }
}

export type RouteAccess = Permission | 'signed-in' | 'public';

export const SESSION_COOKIE = 'gp_session';

/** Whether a route is reachable without a session. */
export function isPublicRoute(config: { permission?: RouteAccess } | undefined): boolean {
  return config?.permission === 'public';
}

export function actorOf(request: FastifyRequest): Actor {
  return { principal: request.principal, ip: request.ip ?? null };
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED');
  return request.principal;
}
