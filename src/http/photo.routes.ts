import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ConfirmPhotoRequestSchema,
  MyPhotoAnswerRequestSchema,
  MyPhotoSchema,
  PhotoIdParamsSchema,
  PhotoListSchema,
  PhotoReportSchema,
  StudentIdParamsSchema,
  UploadPhotoFieldsSchema,
  VoidConfirmationRequestSchema,
} from '../contracts/photo.js';
import { AppError, isAppError } from '../domain/errors.js';
import type { Actor } from '../services/deps.js';
import * as photoService from '../services/photo.service.js';
import { errorResponses } from './errors.js';
import { actorOf } from './context.js';
import type { Upload, UploadLimits } from './multipart.js';
import { readUpload, releaseRequestBody, UploadAborted } from './multipart.js';

/** Largest camera file accepted (a 24 MP JPEG is 8–15 MB); the decoder's own byte limit is the same. */
export const PHOTO_MAX_BYTES = 40 * 1024 * 1024;
const PHOTO_LIMIT_TEXT = '40 MB';

export const PHOTO_UPLOAD_URL = '/api/photos';

/** The multipart body of uploadPhoto, for the OpenAPI document (the route itself reads the parts). */
export const PHOTO_UPLOAD_OPENAPI = {
  consumes: ['multipart/form-data'],
  body: {
    type: 'object',
    required: ['file', 'studentNo'],
    properties: {
      file: { type: 'string', format: 'binary', description: 'the camera JPEG, at most 40 MB' },
      studentNo: { type: 'string', description: 'the student photographed' },
      sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: "the file's SHA-256 as the station computed it; a mismatch is refused" },
      station: { type: 'string', description: 'the station label' },
    },
  },
};

/** The photo form: one JPEG in `file`, studentNo, sha256 and station; a few spare fields for later clients. */
const PHOTO_UPLOAD_LIMITS: UploadLimits = { fileField: 'file', maxFileBytes: PHOTO_MAX_BYTES, maxFileText: PHOTO_LIMIT_TEXT, maxFields: 10, maxFieldBytes: 4096 };

function parseFields(fields: Record<string, string>) {
  const parsed = UploadPhotoFieldsSchema.safeParse(fields);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    throw new AppError('VALIDATION_FAILED', { params: { detail: issues.map((i) => `${i.field}: ${i.message}`).join('; ') }, details: issues });
  }
  return parsed.data;
}

const ERRORS = errorResponses(
  'STUDENT_NOT_FOUND',
  'STUDENT_NOT_ELIGIBLE',
  'PHOTO_NOT_FOUND',
  'CONFIRMATION_NOT_FOUND',
  'PHOTO_ALREADY_CONFIRMED',
  'PHOTO_NOT_AWAITING_CONFIRMATION',
  'PHOTO_NOT_CONFIRMABLE',
  'VOID_REASON_REQUIRED',
  'PHOTO_EMPTY',
  'PHOTO_TRUNCATED',
  'PHOTO_CMYK_UNSUPPORTED',
  'PHOTO_UNREADABLE',
  'PHOTO_CHECKSUM_MISMATCH',
  'PHOTO_FORMAT_UNSUPPORTED',
  'PHOTO_TOO_MANY_PIXELS',
  'FILE_TOO_LARGE',
  'UPLOAD_TOO_MANY_FIELDS',
  'UPLOAD_TOO_MANY_FILES',
  'SERVER_BUSY',
);

export const photoRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    PHOTO_UPLOAD_URL,
    {
      config: { permission: 'photo.upload' },
      schema: {
        operationId: 'uploadPhoto',
        tags: ['photos'],
        summary: 'A station uploads a camera JPEG for a student (multipart: file, studentNo, optional sha256 and station); answers the checks report. The same bytes again answer the first photo (200)',
        response: { 201: PhotoReportSchema, 200: PhotoReportSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      // (photo.upload was checked by the route's permission hook before a byte of the body was read)
      const actor = actorOf(request);
      // A place among the uploads read and processed at once, before a byte of the body is read (issue 8
      // finding 8). A refusal (SERVER_BUSY, 503 with Retry-After) is not audited: it says nothing about a
      // student, and under load it would add a write per refusal.
      let release: () => void;
      try {
        release = await app.photoUploads.acquire();
      } catch (e) {
        // The body is read and dropped before the 503 (the client, still sending, then reads the answer
        // and its Retry-After rather than a reset connection); nothing of it is kept.
        await releaseRequestBody(request, PHOTO_MAX_BYTES + 1024 * 1024);
        throw e;
      }
      try {
        return await receivePhoto(request, reply, actor);
      } finally {
        release();
      }
    },
  );

  async function receivePhoto(request: FastifyRequest, reply: FastifyReply, actor: Actor): Promise<FastifyReply> {
    let upload: Upload;
    try {
      upload = await readUpload(request, PHOTO_UPLOAD_LIMITS);
    } catch (e) {
      const code = e instanceof UploadAborted ? 'UPLOAD_ABORTED' : isAppError(e) ? e.code : 'UPLOAD_FAILED';
      await photoService.recordUploadRefused(app.deps, actor, code, {});
      if (e instanceof UploadAborted) {
        // Nothing was stored and no answer is sent. The connection is closed, not left open: a client whose
        // body stopped short of its Content-Length (the socket still open) would otherwise wait forever.
        reply.hijack();
        request.raw.destroy();
        return reply;
      }
      throw e;
    }
    let fields;
    try {
      fields = parseFields(upload.fields);
    } catch (e) {
      await photoService.recordUploadRefused(app.deps, actor, 'VALIDATION_FAILED', { size: upload.bytes.length });
      throw e;
    }
    const done = await photoService.uploadPhoto(app.deps, actor, { bytes: upload.bytes, ...fields }, request.lang);
    return reply.status(done.created ? 201 : 200).send(done.value);
  }

  app.get(
    '/api/photos/:id/report',
    {
      config: { permission: 'photo.read' },
      schema: {
        operationId: 'getPhotoReport',
        tags: ['photos'],
        summary: "A shot's checks report (format, geometry, background, exposure, sharpness, faces, pose), whether it is confirmed, and the E7 flag",
        params: PhotoIdParamsSchema,
        response: { 200: PhotoReportSchema, ...ERRORS },
      },
    },
    async (request) => photoService.getPhotoReport(app.deps, actorOf(request), request.params.id, request.lang),
  );

  app.get(
    '/api/photos/:id/image',
    {
      config: { permission: 'photo.read' },
      schema: {
        operationId: 'getPhotoImage',
        tags: ['photos'],
        summary: 'The standard 480×640 JPEG (image/jpeg, Cache-Control: no-store); every view is an audit event',
        params: PhotoIdParamsSchema,
        produces: ['image/jpeg'],
      },
    },
    async (request, reply) => {
      const jpeg = await photoService.getPhotoImage(app.deps, actorOf(request), request.params.id);
      return reply.type('image/jpeg').header('Cache-Control', 'no-store').header('Content-Disposition', 'inline').send(jpeg);
    },
  );

  app.post(
    '/api/photos/:id/confirm',
    {
      config: { permission: 'photo.confirm' },
      schema: {
        operationId: 'confirmPhoto',
        tags: ['photos'],
        summary:
          "The operator's button for a student without a phone, in the student's presence: locks this shot as the student's photo (C3; method operator_in_presence; optional body { stationId }); no retakes afterwards unless an admin voids it",
        params: PhotoIdParamsSchema,
        body: ConfirmPhotoRequestSchema,
        response: { 200: PhotoReportSchema, ...ERRORS },
      },
    },
    async (request) => photoService.confirmPhoto(app.deps, actorOf(request), request.params.id, request.lang, request.body),
  );

  app.get(
    '/api/me/photo',
    {
      config: { permission: 'photo.confirmMine' },
      schema: {
        operationId: 'getMyPhoto',
        tags: ['photos'],
        summary: "The signed-in student's photo: the confirmed one, the shot a station asks them to confirm (awaiting / retake), or none",
        response: { 200: MyPhotoSchema, ...ERRORS },
      },
    },
    async (request) => photoService.getMyPhoto(app.deps, actorOf(request), request.lang),
  );

  app.post(
    '/api/me/photo/confirm',
    {
      config: { permission: 'photo.confirmMine' },
      schema: {
        operationId: 'confirmMyPhoto',
        tags: ['photos'],
        summary: 'The student confirms on /my the shot a station asks them to confirm (C3; method student_my_page): only their own, only while it awaits them; the same photo again: 200',
        body: MyPhotoAnswerRequestSchema,
        response: { 201: MyPhotoSchema, 200: MyPhotoSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const done = await photoService.confirmMyPhoto(app.deps, actorOf(request), request.body, request.lang);
      return reply.status(done.created ? 201 : 200).send(done.value);
    },
  );

  app.post(
    '/api/me/photo/retake',
    {
      config: { permission: 'photo.confirmMine' },
      schema: {
        operationId: 'requestMyPhotoRetake',
        tags: ['photos'],
        summary: '重拍 on /my: the station is told the student wants another shot; the shot stays unconfirmed',
        body: MyPhotoAnswerRequestSchema,
        response: { 200: MyPhotoSchema, ...ERRORS },
      },
    },
    async (request) => photoService.requestMyPhotoRetake(app.deps, actorOf(request), request.body, request.lang),
  );

  app.post(
    '/api/photos/:id/void-confirmation',
    {
      config: { permission: 'photo.void' },
      schema: {
        operationId: 'voidPhotoConfirmation',
        tags: ['photos'],
        summary: 'An admin voids the confirmation of this shot with a reason (audited); the student may be photographed again',
        params: PhotoIdParamsSchema,
        body: VoidConfirmationRequestSchema,
        response: { 200: PhotoReportSchema, ...ERRORS },
      },
    },
    async (request) => photoService.voidPhotoConfirmation(app.deps, actorOf(request), request.params.id, request.body.reason, request.lang),
  );

  app.get(
    '/api/students/:studentId/photos',
    {
      config: { permission: 'photo.read' },
      schema: {
        operationId: 'listStudentPhotos',
        tags: ['photos'],
        summary: "A student's shots, newest first, each with its report (a student sees only their own)",
        params: StudentIdParamsSchema,
        response: { 200: PhotoListSchema, ...ERRORS },
      },
    },
    async (request) => photoService.listStudentPhotos(app.deps, actorOf(request), request.params.studentId, request.lang),
  );
};
