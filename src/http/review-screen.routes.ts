// The station's review screen (issue 9 section 4, C3; docs/decisions/0022-student-confirmation.md): the
// operator's side (ask the student, pair a screen, revoke) under /api/stations/:stationId/…, and the screen's
// own side under /api/review-screen/:stationId/… — public routes that need the screen's device cookie, which
// the browser sends only to that one station's paths.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  PairReviewScreenRequestSchema,
  PairReviewScreenResponseSchema,
  RequestPhotoReviewSchema,
  ReviewPairingSchema,
  ReviewScreenAnswerRequestSchema,
  ReviewScreenAnswerSchema,
  ReviewScreenParamsSchema,
  ReviewScreenPhotoParamsSchema,
  ReviewScreenStateSchema,
  RevokeReviewScreensSchema,
  StationReviewSchema,
} from '../contracts/review-screen.js';
import { StationIdParamsSchema } from '../contracts/station.js';
import type { ReviewScreenDevice } from '../services/review-screen.service.js';
import * as reviewService from '../services/review-screen.service.js';
import { actorOf } from './context.js';
import { errorResponses } from './errors.js';

/** The screen's cookie: HttpOnly, SameSite=Strict, sent only to its station's review-screen paths. */
export const REVIEW_SCREEN_COOKIE = 'gp_review';

function screenPath(stationId: string): string {
  return `/api/review-screen/${stationId}`;
}

const STATION_ERRORS = errorResponses('PHOTO_NOT_FOUND', 'PHOTO_NOT_CONFIRMABLE', 'PHOTO_ALREADY_CONFIRMED', 'STUDENT_NOT_ELIGIBLE');
const SCREEN_ERRORS = errorResponses('REVIEW_SCREEN_NOT_PAIRED', 'FORBIDDEN', 'PHOTO_NOT_AWAITING_CONFIRMATION', 'PHOTO_NOT_FOUND', 'PHOTO_NOT_CONFIRMABLE', 'PHOTO_ALREADY_CONFIRMED', 'STUDENT_NOT_ELIGIBLE');

export const reviewScreenRoutes: FastifyPluginAsyncZod = async (app) => {
  const device = (request: FastifyRequest, stationId: string): Promise<ReviewScreenDevice> =>
    reviewService.authenticateReviewScreen(app.deps, stationId, request.cookies[REVIEW_SCREEN_COOKIE], request.ip ?? null);

  // ───────── the station's side ─────────

  app.get(
    '/api/stations/:stationId/review',
    {
      config: { permission: 'station.read' },
      schema: {
        operationId: 'getStationReview',
        tags: ['photos'],
        summary: "The shot the station awaits the student's answer for (awaiting, or retake when the student asked for one), and how many review screens are paired",
        params: StationIdParamsSchema,
        response: { 200: StationReviewSchema },
      },
    },
    async (request) => reviewService.getStationReview(app.deps, actorOf(request), request.params.stationId),
  );

  app.put(
    '/api/stations/:stationId/review',
    {
      config: { permission: 'photo.confirm' },
      schema: {
        operationId: 'requestPhotoReview',
        tags: ['photos'],
        summary: '请学生确认: the station asks its student to confirm this shot (one that passed its checks) on the paired review screen or on /my; audited',
        params: StationIdParamsSchema,
        body: RequestPhotoReviewSchema,
        response: { 200: StationReviewSchema, ...STATION_ERRORS },
      },
    },
    async (request) => reviewService.requestPhotoReview(app.deps, actorOf(request), request.params.stationId, request.body, request.lang),
  );

  app.delete(
    '/api/stations/:stationId/review',
    {
      config: { permission: 'photo.confirm' },
      schema: {
        operationId: 'withdrawPhotoReview',
        tags: ['photos'],
        summary: 'The station no longer asks its student to confirm (the screen shows 请稍候); audited',
        params: StationIdParamsSchema,
        response: { 200: StationReviewSchema },
      },
    },
    async (request) => reviewService.withdrawPhotoReview(app.deps, actorOf(request), request.params.stationId),
  );

  app.post(
    '/api/stations/:stationId/review-pairings',
    {
      config: { permission: 'photo.confirm' },
      schema: {
        operationId: 'createReviewPairing',
        tags: ['photos'],
        summary: "配对学生确认屏: a 6-digit one-time code (5 minutes) and the screen's page (the code in its fragment); a new code ends the older one; audited without the code",
        params: StationIdParamsSchema,
        response: { 201: ReviewPairingSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await reviewService.createReviewPairing(app.deps, actorOf(request), request.params.stationId)),
  );

  app.delete(
    '/api/stations/:stationId/review-screens',
    {
      config: { permission: 'photo.confirm' },
      schema: {
        operationId: 'revokeReviewScreens',
        tags: ['photos'],
        summary: "取消配对: every review screen paired with the station stops at once (its cookie no longer works); open codes end; audited",
        params: StationIdParamsSchema,
        response: { 200: RevokeReviewScreensSchema },
      },
    },
    async (request) => reviewService.revokeReviewScreens(app.deps, actorOf(request), request.params.stationId),
  );

  // ───────── the screen's side (no account: the device cookie of one station) ─────────

  app.post(
    '/api/review-screen/:stationId/pair',
    {
      // few tries per address, besides the 5 wrong codes a station's open code survives
      config: { permission: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        operationId: 'pairReviewScreen',
        tags: ['photos'],
        summary: "The review screen sends the station's one-time code and gets an HttpOnly cookie for that station only, valid until the end of the day (its token stored hashed); refusals audited",
        params: ReviewScreenParamsSchema,
        body: PairReviewScreenRequestSchema,
        response: { 200: PairReviewScreenResponseSchema, ...errorResponses('REVIEW_PAIRING_INVALID', 'REVIEW_PAIRING_LOCKED', 'TOO_MANY_ATTEMPTS') },
      },
    },
    async (request, reply) => {
      const paired = await reviewService.pairReviewScreen(app.deps, request.params.stationId, request.body, request.ip ?? null);
      const mode = app.httpSettings.cookieSecure;
      reply.setCookie(REVIEW_SCREEN_COOKIE, paired.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: mode === 'auto' ? request.protocol === 'https' : mode,
        path: screenPath(paired.stationId),
        expires: new Date(paired.pairedUntil),
      });
      return { stationId: paired.stationId, pairedUntil: paired.pairedUntil };
    },
  );

  app.get(
    '/api/review-screen/:stationId',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getReviewScreen',
        tags: ['photos'],
        summary: 'What the paired review screen shows: idle (请稍候), or the shot awaiting the student with the masked name; device cookie of this station',
        params: ReviewScreenParamsSchema,
        response: { 200: ReviewScreenStateSchema, ...SCREEN_ERRORS },
      },
    },
    async (request) => reviewService.getReviewScreen(app.deps, await device(request, request.params.stationId)),
  );

  app.get(
    '/api/review-screen/:stationId/photos/:photoId/image',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getReviewScreenImage',
        tags: ['photos'],
        summary: "The standard 480×640 JPEG of the shot the station awaits, for its paired screen only (no-store); every view audited photo.viewed with the screen as actor",
        params: ReviewScreenPhotoParamsSchema,
        produces: ['image/jpeg'],
      },
    },
    async (request, reply) => {
      const screen = await reviewService.authenticateReviewScreen(app.deps, request.params.stationId, request.cookies[REVIEW_SCREEN_COOKIE], request.ip ?? null);
      const jpeg = await reviewService.getReviewScreenImage(app.deps, screen, request.params.photoId, request.ip ?? null);
      return reply.type('image/jpeg').header('Cache-Control', 'no-store').header('Content-Disposition', 'inline').send(jpeg);
    },
  );

  app.post(
    '/api/review-screen/:stationId/confirm',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'confirmOnReviewScreen',
        tags: ['photos'],
        summary: '确认 on the review screen: the student confirms the shot the station awaits (C3; method student_review_screen); the same shot again answers the same',
        params: ReviewScreenParamsSchema,
        body: ReviewScreenAnswerRequestSchema,
        response: { 200: ReviewScreenAnswerSchema, ...SCREEN_ERRORS },
      },
    },
    async (request) => reviewService.confirmOnReviewScreen(app.deps, await device(request, request.params.stationId), request.body, request.ip ?? null, request.lang),
  );

  app.post(
    '/api/review-screen/:stationId/retake',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'requestRetakeOnReviewScreen',
        tags: ['photos'],
        summary: '重拍 on the review screen: the station is told; the shot stays unconfirmed; audited',
        params: ReviewScreenParamsSchema,
        body: ReviewScreenAnswerRequestSchema,
        response: { 200: ReviewScreenAnswerSchema, ...SCREEN_ERRORS },
      },
    },
    async (request) => reviewService.requestRetakeOnReviewScreen(app.deps, await device(request, request.params.stationId), request.body, request.ip ?? null),
  );
};
