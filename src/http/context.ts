import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import type { Principal } from '../domain/permissions.js';
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
    /** routes reachable without a session: health, login, OpenAPI */
    public?: boolean;
  }
}

export const SESSION_COOKIE = 'gp_session';

export function actorOf(request: FastifyRequest): Actor {
  return { principal: request.principal, ip: request.ip ?? null };
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED');
  return request.principal;
}
