import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorCode } from '../domain/errors.js';
import { AppError, isAppError } from '../domain/errors.js';
import { translateError } from '../domain/i18n.js';

/** The one table from error codes to HTTP statuses (docs/architecture.md: one error model). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  ROSTER_INVALID: 422,
  UNSUPPORTED_FILE: 415,
  FILE_TOO_LARGE: 413,
  NOT_FOUND: 404,
  STUDENT_NOT_FOUND: 404,
  CAMPAIGN_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  TOTP_REQUIRED: 401,
  TOTP_INVALID: 401,
  TOO_MANY_ATTEMPTS: 429,
  FORBIDDEN: 403,
  USERNAME_TAKEN: 409,
  DEPARTMENT_UNKNOWN: 422,
  CAMPAIGN_TERM_DUPLICATE: 422,
  STATION_LABEL_INVALID: 422,
  CONFLICT: 409,
  AUDIT_CHAIN_BROKEN: 500,
  INTERNAL: 500,
  SESSION_FULL: 409,
  SESSION_NOT_FOUND: 404,
  SESSION_IN_PAST: 422,
  STUDENT_NOT_ELIGIBLE: 422,
  WRONG_SITE: 422,
  WEEKEND_NOT_ALLOWED: 422,
  BOOKING_NOT_FOUND: 404,
  ALREADY_WAITLISTED: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  CAPACITY_BELOW_BOOKINGS: 409,
  TOO_MANY_CONNECTIONS: 503,
  TOO_MANY_STREAMS: 429,
  PHOTO_EMPTY: 422,
  PHOTO_FORMAT_UNSUPPORTED: 415,
  PHOTO_TOO_MANY_PIXELS: 413,
  PHOTO_TRUNCATED: 422,
  PHOTO_CMYK_UNSUPPORTED: 422,
  PHOTO_UNREADABLE: 422,
  PHOTO_CHECKSUM_MISMATCH: 422,
  PHOTO_NOT_FOUND: 404,
  PHOTO_ALREADY_CONFIRMED: 409,
  PHOTO_NOT_CONFIRMABLE: 422,
  CONFIRMATION_NOT_FOUND: 404,
  KEY_UNAVAILABLE: 500,
  MAIL_ADDRESS_INVALID: 422,
  MAIL_NOT_CONFIGURED: 503,
  SIGNIN_LINK_INVALID: 401,
  OIDC_NOT_CONFIGURED: 503,
  OIDC_FAILED: 401,
  OIDC_NO_STUDENT: 403,
};

export function sendAppError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const body: { error: { code: string; message: string; details?: unknown } } = {
    error: { code: error.code, message: translateError(error.code, error.params, request.lang) },
  };
  if (error.details !== undefined) body.error.details = error.details;
  return reply.status(HTTP_STATUS[error.code]).type('application/json; charset=utf-8').send(body);
}

export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isAppError(error)) return sendAppError(request, reply, error);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({ field: `${error.validationContext ?? ''}${v.instancePath}`.replace(/\//g, '.'), message: v.message }));
    const detail = issues.map((i) => `${i.field || 'body'}: ${i.message}`).join('; ');
    return sendAppError(request, reply, new AppError('VALIDATION_FAILED', { params: { detail }, details: issues }));
  }
  const fe = error as FastifyError;
  if (fe.code === 'FST_REQ_FILE_TOO_LARGE' || fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendAppError(request, reply, new AppError('FILE_TOO_LARGE', { params: { limit: `${Math.round(request.server.maxUploadBytes / 1048576)} MB` } }));
  }
  if (fe.statusCode === 429) return sendAppError(request, reply, new AppError('TOO_MANY_ATTEMPTS', { params: { minutes: 1 } }));
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode = fe.statusCode === 404 ? 'NOT_FOUND' : fe.statusCode === 413 ? 'FILE_TOO_LARGE' : 'VALIDATION_FAILED';
    return sendAppError(request, reply, new AppError(code, { params: { detail: fe.message, limit: '' } }));
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendAppError(request, reply, new AppError('INTERNAL'));
}
