import fs from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppConfig } from '../config/config.js';
import { AppError, isAppError } from '../domain/errors.js';
import { pickLang } from '../domain/i18n.js';
import { scrubNationalIds } from '../domain/national-id.js';
import * as authService from '../services/auth.service.js';
import type { ServiceDeps } from '../services/deps.js';
import { auditRoutes } from './audit.routes.js';
import { authRoutes } from './auth.routes.js';
import { bookingRoutes } from './booking.routes.js';
import { campaignRoutes } from './campaign.routes.js';
import { eventsRoutes } from './events.routes.js';
import { SESSION_COOKIE } from './context.js';
import { handleError, sendAppError } from './errors.js';
import { PHOTO_UPLOAD_OPENAPI, PHOTO_UPLOAD_URL, photoRoutes } from './photo.routes.js';
import { plannerRoutes } from './planner.routes.js';
import { noticeRoutes } from './notice.routes.js';
import { oidcRoutes } from './oidc.routes.js';
import { signInLinkRoutes } from './signin-link.routes.js';
import { MULTIPART_FILE_ROUTES, rosterRoutes } from './roster.routes.js';
import { stationRoutes } from './station.routes.js';
import { studentRoutes } from './student.routes.js';
import { userRoutes } from './user.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    httpSettings: { cookieSecure: boolean | 'auto' };
  }
}

export interface BuildAppOptions {
  deps: ServiceDeps;
  config: Pick<AppConfig, 'trustProxyHops' | 'cookieSecure' | 'maxUploadBytes' | 'logLevel'>;
  /** the built web app (index.html + assets); absent = API only */
  webRoot?: string | undefined;
  logger?: boolean;
}

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // An exact hop count, never `true`: X-Forwarded-For can be forged beyond our own proxies (PITFALLS F14).
    trustProxy: (_address: string, hop: number) => hop < opts.config.trustProxyHops,
    bodyLimit: 1024 * 1024,
    logger:
      opts.logger === false
        ? false
        : {
            level: opts.config.logLevel,
            // Never log cookies or bodies: they may hold sessions, passwords and ID numbers (A3).
            redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
            serializers: {
              // A search box may receive an ID number; it never reaches a log line (A3).
              // The sign-on callback's query (code, state) is a credential for a few seconds: its path only.
              req: (req: { method: string; url: string; ip?: string }) => ({
                method: req.method,
                // A sign-in link's page carries its token in the path: `/signin/…` only (issue #3 part 6).
                url: scrubNationalIds(req.url.startsWith('/api/auth/oidc/callback') ? req.url.split('?')[0]! : req.url).replace(/^\/signin\/[^?#]+/, '/signin/…'),
                ip: req.ip,
              }),
            },
          },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('deps', opts.deps);
  app.decorate('maxUploadBytes', opts.config.maxUploadBytes);
  app.decorate('httpSettings', { cookieSecure: opts.config.cookieSecure });
  app.decorateRequest('lang', 'zh');
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionId', null);
  app.setErrorHandler(handleError);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // antd writes its styles at run time
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: false,
  });
  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: opts.config.maxUploadBytes, files: 1, fields: 10 } });
  await app.register(rateLimit, {
    global: true,
    max: 1200,
    timeWindow: '1 minute',
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'TOO_MANY_ATTEMPTS', message: `rate limit ${ctx.max}/${ctx.after}` }),
  });

  const transform = createJsonSchemaTransform({});
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'gradphoto API', version: '0.1.0', description: '研究生学历学位证书图像采集 — graduate diploma-photo campaign' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
      security: [{ session: [] }],
    },
    transform: (args) => {
      const out = transform(args);
      // Public routes (health, login, logout, the campaign) need no session: override the document-wide security.
      if (args.route.config?.public === true) (out.schema as Record<string, unknown>).security = [];
      if (MULTIPART_FILE_ROUTES.has(args.url)) {
        (out.schema as Record<string, unknown>).consumes = ['multipart/form-data'];
        (out.schema as Record<string, unknown>).body = {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', format: 'binary', description: 'the roster, .xlsx or .csv (UTF-8 or GBK)' } },
        };
      }
      if (args.url === PHOTO_UPLOAD_URL && args.route.method === 'POST') Object.assign(out.schema as Record<string, unknown>, PHOTO_UPLOAD_OPENAPI);
      return out;
    },
  });

  app.addHook('onRequest', async (request) => {
    request.lang = pickLang(request.headers['accept-language']);
  });

  // Every /api route needs a session unless it is marked public; public routes still learn who calls.
  app.addHook('preHandler', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    const isPublic = request.routeOptions.config?.public === true;
    const token = request.cookies[SESSION_COOKIE];
    if (!token && isPublic) return;
    try {
      const { principal, sessionId } = await authService.authenticate(opts.deps, token);
      request.principal = principal;
      request.sessionId = sessionId;
    } catch (e) {
      if (isPublic) return;
      if (isAppError(e) && e.code === 'SESSION_EXPIRED') reply.clearCookie(SESSION_COOKIE, { path: '/' });
      throw e;
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    // Personal data is never cached by browsers or proxies.
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
    return payload;
  });

  await app.register(authRoutes);
  await app.register(oidcRoutes);
  await app.register(signInLinkRoutes);
  await app.register(campaignRoutes);
  await app.register(rosterRoutes);
  await app.register(studentRoutes);
  await app.register(auditRoutes);
  await app.register(userRoutes);
  await app.register(bookingRoutes);
  await app.register(eventsRoutes);
  await app.register(plannerRoutes);
  await app.register(photoRoutes);
  await app.register(noticeRoutes);
  await app.register(stationRoutes);

  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  const webRoot = opts.webRoot && fs.existsSync(path.join(opts.webRoot, 'index.html')) ? opts.webRoot : undefined;
  if (webRoot) {
    // wildcard: files are looked up at request time, so a rebuilt app is served without a restart.
    await app.register(fastifyStatic, { root: webRoot, wildcard: true, index: ['index.html'] });
  }
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/') || request.method !== 'GET') {
      return sendAppError(request, reply, new AppError('NOT_FOUND'));
    }
    if (!webRoot) {
      return reply.type('text/plain; charset=utf-8').status(404).send('gradphoto: the web app is not built (npm run build:web). The API is under /api.');
    }
    // A missing file (an old tab asking for a chunk of the previous build) is a 404, not the app's page.
    if (/\.[a-z0-9]{1,8}$/i.test(request.url.split('?')[0]!)) {
      return reply.type('text/plain; charset=utf-8').status(404).send('Not found');
    }
    // The single-page app answers every other path.
    return reply.header('Cache-Control', 'no-cache').sendFile('index.html');
  });

  return app;
}
