import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MySessionsSchema, NoticeQuerySchema, NoticeSchema } from '../contracts/notice.js';
import type { Lang } from '../domain/i18n.js';
import type { NoticeFormat } from '../services/notice.service.js';
import * as noticeService from '../services/notice.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';

// The notice is the same for everyone and changes only with the campaign: caches may keep it, but must ask
// again each time (no-cache), and get a 304 while the ETag (the campaign's notice version) is unchanged.
const NOTICE_CACHE_CONTROL = 'public, no-cache';

function langOf(request: FastifyRequest, query: { lang?: Lang | undefined }): Lang {
  return query.lang ?? request.lang;
}

function etagOf(version: string): string {
  return `"${version}"`;
}

/** If-None-Match holds this ETag (or `*`): weak comparison, as RFC 9110 asks for GET. */
function isNotModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

function cacheHeaders(reply: FastifyReply, etag: string, lang: Lang): FastifyReply {
  return reply.header('ETag', etag).header('Cache-Control', NOTICE_CACHE_CONTROL).header('Vary', 'Accept-Language').header('Content-Language', lang === 'zh' ? 'zh-CN' : 'en');
}

/** Answers 304 when the client's copy is current; only the campaign's version is read for that. */
async function answeredNotModified(request: FastifyRequest, reply: FastifyReply, lang: Lang, format: NoticeFormat): Promise<boolean> {
  if (!request.headers['if-none-match']) return false;
  const { version } = await noticeService.getNoticeVersion(request.server.deps, lang, format);
  const etag = etagOf(version);
  if (!isNotModified(request, etag)) return false;
  await cacheHeaders(reply, etag, lang).status(304).send();
  return true;
}

export const noticeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/notice',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getNotice',
        tags: ['notice'],
        summary: 'The campaign notice, generated from the campaign (dates, windows, place, price, who takes part, the department table); public, ETag',
        querystring: NoticeQuerySchema,
        response: { 200: NoticeSchema, 304: z.null().describe('the copy of this ETag is current'), ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const lang = langOf(request, request.query);
      if (await answeredNotModified(request, reply, lang, 'json')) return reply;
      const { notice, version } = await noticeService.getNotice(app.deps, lang);
      return cacheHeaders(reply, etagOf(version), lang).send(notice);
    },
  );

  app.get(
    '/api/notice.pdf',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getNoticePdf',
        tags: ['notice'],
        summary: 'The campaign notice as an A4 PDF with Chinese text (fonts embedded); public, ETag',
        querystring: NoticeQuerySchema,
        produces: ['application/pdf'],
        response: { 200: z.any().describe('application/pdf'), 304: z.null(), ...errorResponses('CAMPAIGN_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const lang = langOf(request, request.query);
      if (await answeredNotModified(request, reply, lang, 'pdf')) return reply;
      const { pdf, version, fileName } = await noticeService.getNoticePdf(app.deps, lang);
      return cacheHeaders(reply, etagOf(version), lang)
        .header('Content-Type', 'application/pdf')
        .header('Content-Disposition', `inline; filename="${fileName}"`)
        .send(pdf);
    },
  );

  app.get(
    '/api/me/sessions',
    {
      config: { permission: 'session.listMine' },
      schema: {
        operationId: 'listMySessions',
        tags: ['bookings'],
        summary: "The signed-in student's sessions, each with whether they may book it and why not (S2–S4, E1–E7), their day and the date to fetch the collection code by (C1)",
        response: { 200: MySessionsSchema, ...errorResponses('STUDENT_NOT_FOUND') },
      },
    },
    async (request) => noticeService.listMySessions(app.deps, actorOf(request)),
  );
};
