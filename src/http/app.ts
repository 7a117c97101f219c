import fs from 'node:fs';
import path from 'node:path';
import compress from '@fastify/compress';
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
import { defaultPhotoUploadsInFlight } from '../config/config.js';
import type { ErrorCode } from '../domain/errors.js';
import { AppError, isAppError } from '../domain/errors.js';
import { pickLang } from '../domain/i18n.js';
import { hasPermission } from '../domain/permissions.js';
import { scrubNationalIds } from '../domain/national-id.js';
import { recordAuditEvent } from '../services/audit.service.js';
import * as authService from '../services/auth.service.js';
import type { ServiceDeps } from '../services/deps.js';
import { auditRoutes } from './audit.routes.js';
import { authRoutes } from './auth.routes.js';
import { boardRoutes } from './board.routes.js';
import { bookingRoutes } from './booking.routes.js';
import { campaignRoutes } from './campaign.routes.js';
import { eventsRoutes } from './events.routes.js';
import type { RouteAccess } from './context.js';
import { actorOf, isPublicRoute, SESSION_COOKIE } from './context.js';
import { errorResponses, handleError, sendAppError } from './errors.js';
import { PHOTO_UPLOAD_OPENAPI, PHOTO_UPLOAD_URL, photoRoutes } from './photo.routes.js';
import { refuseCrossSiteRequest, refuseNonJsonBody, STATE_CHANGING_METHODS } from './request-guards.js';
import type { UploadGate } from './upload-gate.js';
import { createUploadGate } from './upload-gate.js';
import { plannerRoutes } from './planner.routes.js';
import { progressRoutes } from './progress.routes.js';
import { registryExportRoutes } from './registry-export.routes.js';
import { printRoutes } from './print.routes.js';
import { retentionRoutes } from './retention.routes.js';
import { correctionsRoutes } from './corrections.routes.js';
import { dashboardRoutes } from './dashboard.routes.js';
import { registryAnswerRoutes } from './registry-answer.routes.js';
import { makeupRoutes } from './makeup.routes.js';
import { noticeRoutes } from './notice.routes.js';
import { oidcRoutes } from './oidc.routes.js';
import { paymentRoutes } from './payment.routes.js';
import { signInLinkRoutes } from './signin-link.routes.js';
import { MULTIPART_FILE_ROUTES, rosterRoutes } from './roster.routes.js';
import { queueRoutes } from './queue.routes.js';
import { reviewScreenRoutes } from './review-screen.routes.js';
import { stationRoutes } from './station.routes.js';
import { studentRoutes } from './student.routes.js';
import { userRoutes } from './user.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    httpSettings: { cookieSecure: boolean | 'auto' };
    /** photo uploads read and processed at once (issue 8 finding 8) */
    photoUploads: UploadGate;
  }
}

export interface BuildAppOptions {
  deps: ServiceDeps;
  config: Pick<AppConfig, 'trustProxyHops' | 'cookieSecure' | 'maxUploadBytes' | 'logLevel'> &
    Partial<Pick<AppConfig, 'publicUrl' | 'apiRateLimitPerMinute' | 'photoUploadsInFlight' | 'photoUploadsQueued'>>;
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
  const photoUploadsInFlight = opts.config.photoUploadsInFlight ?? defaultPhotoUploadsInFlight();
  app.decorate(
    'photoUploads',
    createUploadGate({
      maxInFlight: photoUploadsInFlight,
      maxWaiting: opts.config.photoUploadsQueued ?? photoUploadsInFlight,
      // A station's upload waits for a place (a 12 MP shot takes seconds on a busy machine) rather than
      // being sent again; past a minute the station is told to come back.
      maxWaitMs: 60_000,
      retryAfterSeconds: 10,
    }),
  );
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
    max: opts.config.apiRateLimitPerMinute ?? 6000,
    timeWindow: '1 minute',
    // Static files are not counted: a page load is 25–31 of them, and behind a campus NAT everybody shares
    // one address (issue 8 finding 11). The pages themselves are static too.
    allowList: (request) => !request.url.startsWith('/api/'),
    // Each limit says what it is: sign-in routes (their own, lower limits) are attempts to sign in, the
    // rest is the API's general limit.
    errorResponseBuilder: (request, ctx) => {
      const seconds = Math.max(1, Math.ceil(ctx.ttl / 1000));
      if (request.url.startsWith('/api/auth/')) return new AppError('TOO_MANY_ATTEMPTS', { params: { minutes: Math.max(1, Math.ceil(seconds / 60)) } });
      return new AppError('RATE_LIMITED', { params: { seconds } });
    },
  });
  // JS, CSS, HTML and JSON are compressed (brotli or gzip, as the client accepts); images are already
  // compressed and the event stream must not be buffered, so neither is. Request bodies are never
  // inflated (no gzip bomb behind the body limit).
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    customTypes: /^(?:text\/(?:html|css|javascript|plain)|application\/(?:javascript|json|problem\+json)|image\/svg\+xml)(?:;|$)/,
    globalDecompression: false,
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
      const access = args.route.config?.permission;
      if (isPublicRoute(args.route.config)) (out.schema as Record<string, unknown>).security = [];
      // The declared permission is part of the contract: clients and reviewers read it beside the operation.
      (out.schema as Record<string, unknown>)['x-permission'] = access;
      if (MULTIPART_FILE_ROUTES.has(args.url)) {
        (out.schema as Record<string, unknown>).consumes = ['multipart/form-data'];
        (out.schema as Record<string, unknown>).body = {
          type: 'object',
          required: ['file'],
          properties: {
            file: { type: 'string', format: 'binary', description: 'the roster, .xlsx or .csv (UTF-8 or GBK)' },
            ...(args.url === '/api/roster/apply'
              ? { confirmRemovals: { type: 'integer', minimum: 0, description: 'the number of students the import removes, confirmed a second time (needed when it removes more than 20%: ROSTER_REMOVES_MANY)' } }
              : {}),
          },
        };
      }
      if (args.url === PHOTO_UPLOAD_URL && args.route.method === 'POST') Object.assign(out.schema as Record<string, unknown>, PHOTO_UPLOAD_OPENAPI);
      return out;
    },
  });

  app.addHook('onRequest', async (request) => {
    request.lang = pickLang(request.headers['accept-language']);
  });

  // Cross-site requests and non-JSON bodies are refused before anything else reads the request (issue 8
  // finding 9; request-guards.ts says why each).
  const uploadRoutes = new Set([...MULTIPART_FILE_ROUTES, PHOTO_UPLOAD_URL]);
  app.addHook('onRequest', async (request) => {
    if (!STATE_CHANGING_METHODS.has(request.method) || !request.url.startsWith('/api/')) return;
    refuseCrossSiteRequest(request, { publicUrl: opts.config.publicUrl });
    refuseNonJsonBody(request, uploadRoutes);
  });

  // Every /api route declares who may call it (context.ts); one without a declaration is a start-up error,
  // so that a new route cannot be reachable by accident.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const access = (route.config as { permission?: RouteAccess } | undefined)?.permission;
    if (access === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no permission (config.permission)`);
    // The answers every route may give, documented from the error-code table beside the route's own.
    if (route.schema && !route.schema.hide) {
      const generic: ErrorCode[] = ['VALIDATION_FAILED', 'RATE_LIMITED', 'INTERNAL'];
      if (access !== 'public') generic.push('UNAUTHENTICATED');
      if (access !== 'public' && access !== 'signed-in') generic.push('FORBIDDEN');
      route.schema.response = { ...errorResponses(...generic), ...(route.schema.response as Record<number, unknown> | undefined) };
    }
  });

  // Every /api route needs a session unless it is public (public routes still learn who calls), and the
  // permission it declares: the one check before any handler. It runs before the schema validation
  // (preValidation), so that an unknown caller hears 401 and a caller without the permission 403 whatever
  // the request holds: a validation answer would tell them about a route they may not call.
  app.addHook('preValidation', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    const access = request.routeOptions.config?.permission;
    const isPublic = access === 'public';
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
    // An unknown /api path (no route, so no declaration) answers 404 to a signed-in caller, 401 to others.
    if (isPublic || access === 'signed-in' || access === undefined) return;
    if (!request.principal) throw new AppError('UNAUTHENTICATED');
    if (!hasPermission(request.principal, access)) {
      // Every refused look is recorded (A3): who tried which operation on what, without personal data.
      const params = request.params as Record<string, unknown> | undefined;
      await recordAuditEvent(opts.deps, actorOf(request), {
        action: 'access.denied',
        result: 'denied',
        targetType: 'operation',
        targetId: request.routeOptions.schema?.operationId ?? request.routeOptions.url ?? null,
        details: { permission: access, ...(typeof params?.id === 'string' ? { id: params.id } : {}) },
      });
      throw new AppError('FORBIDDEN');
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    // An answer sent before its request's body was read to the end (a refused upload, see multipart.ts)
    // closes the connection: what is left of the body would otherwise be parsed as the next request, or
    // stall it. The rest is read and dropped meanwhile, so the client is not stuck sending it.
    if (!request.raw.complete) {
      reply.header('Connection', 'close');
      request.raw.resume();
    }
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
  await app.register(queueRoutes);
  await app.register(boardRoutes);
  await app.register(paymentRoutes);
  await app.register(makeupRoutes);
  await app.register(reviewScreenRoutes);
  await app.register(progressRoutes);
  await app.register(registryExportRoutes);
  await app.register(printRoutes);
  await app.register(retentionRoutes);
  await app.register(dashboardRoutes);
  await app.register(correctionsRoutes);
  await app.register(registryAnswerRoutes);

  app.get('/api/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => app.swagger());
  // The document is built once and cached; building it converts every route's Zod schemas in one synchronous
  // stretch (200–300 ms on 2 cores). Built when the server starts listening, not in the middle of the first
  // request for it, during which no other request is answered (the reliability run's T10 found it). Requests
  // made through inject() (the tests) never listen and do not pay for it.
  app.addHook('onListen', () => {
    app.swagger();
  });

  const webRoot = opts.webRoot && fs.existsSync(path.join(opts.webRoot, 'index.html')) ? opts.webRoot : undefined;
  if (webRoot) {
    // wildcard: files are looked up at request time, so a rebuilt app is served without a restart.
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: true,
      index: ['index.html'],
      // Vite names every file under /assets/ by its content's hash: a new build means new names, so these
      // are cached for a year without asking again (issue 8 finding 11). The rest (index.html names the
      // assets) is asked for again each time.
      cacheControl: false,
      setHeaders: (res, filePath) => {
        const immutable = path.relative(webRoot, filePath).split(path.sep)[0] === 'assets';
        res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
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
