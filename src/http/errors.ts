import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ErrorBodySchema } from '../contracts/common.js';
import type { ErrorCode } from '../domain/errors.js';
import { AppError, isAppError } from '../domain/errors.js';
import { describeValidationIssue, notJsonDetail, translateAppError, validationDetail } from '../domain/i18n.js';
import { formatMegabytes } from './multipart.js';

/** The one table from error codes to HTTP statuses (docs/architecture.md: one error model). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  ROSTER_INVALID: 422,
  ROSTER_TOO_COMPLEX: 422,
  ROSTER_REMOVES_MANY: 409,
  UNSUPPORTED_FILE: 415,
  FILE_TOO_LARGE: 413,
  UPLOAD_TOO_MANY_FIELDS: 413,
  UPLOAD_TOO_MANY_FILES: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CROSS_SITE_REQUEST: 403,
  RATE_LIMITED: 429,
  SERVER_BUSY: 503,
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
  CANNOT_DISABLE_SELF: 409,
  // 422, not 401: the session is fine, only the form is wrong (a 401 signs the web out)
  CURRENT_PASSWORD_WRONG: 422,
  VOID_REASON_REQUIRED: 422,
  DEPARTMENT_UNKNOWN: 422,
  CAMPAIGN_TERM_DUPLICATE: 422,
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
  BOARD_VIEWERS_FULL: 429,
  BOARD_STREAMS_PER_ADDRESS: 429,
  PHOTO_EMPTY: 422,
  PHOTO_FORMAT_UNSUPPORTED: 415,
  PHOTO_TOO_MANY_PIXELS: 413,
  PHOTO_TRUNCATED: 422,
  PHOTO_CMYK_UNSUPPORTED: 422,
  PHOTO_UNREADABLE: 422,
  PHOTO_CHECKSUM_MISMATCH: 422,
  PHOTO_NOT_FOUND: 404,
  PHOTO_ALREADY_CONFIRMED: 409,
  PHOTO_CONFIRMATION_VOIDED: 409,
  PHOTO_NOT_CONFIRMABLE: 422,
  CONFIRMATION_NOT_FOUND: 404,
  PHOTO_CONFIRMED: 409,
  PHOTO_NOT_AWAITING_CONFIRMATION: 409,
  REVIEW_PAIRING_INVALID: 422,
  REVIEW_PAIRING_LOCKED: 429,
  REVIEW_SCREEN_NOT_PAIRED: 401,
  KEY_UNAVAILABLE: 500,
  DATABASE_MIGRATION_FAILED: 500,
  DATABASE_UNAVAILABLE: 503,
  MAIL_ADDRESS_INVALID: 422,
  MAIL_NOT_CONFIGURED: 503,
  BLOB_STORE_UNAVAILABLE: 503,
  BLOB_STORE_OTHER_INSTALLATION: 409,
  BLOB_STORE_NOT_EMPTY: 409,
  BLOB_SOURCE_MISSING: 404,
  SIGNIN_LINK_INVALID: 401,
  OIDC_NOT_CONFIGURED: 503,
  OIDC_FAILED: 401,
  OIDC_NO_STUDENT: 403,
  COLLECTION_CODE_INVALID: 422,
  COLLECTION_CODE_IN_USE: 409,
  COLLECTION_CODE_IS_STUDENT_NO: 422,
  COLLECTION_CODE_MISMATCH: 409,
  PAYMENT_REQUIRED: 402,
  TICKET_NOT_FOUND: 404,
  TICKET_NOT_CALLED: 409,
  STATION_UNKNOWN: 422,
  STATION_BUSY: 409,
  STATION_STUDENT_UNCONFIRMED: 409,
  PAYMENT_TRANSACTION_INVALID: 422,
  PAYMENT_AMOUNT_MISMATCH: 422,
  PAYMENT_REFERENCE_IN_USE: 409,
  ALREADY_PAID: 409,
  PAYMENT_STATEMENT_INVALID: 422,
  OUTLET_NOT_FOUND: 404,
  OUTLET_EXISTS: 409,
  OUTLET_CITY_NOT_ALLOWED: 422,
  OUTLET_INACTIVE: 409,
  MAKEUP_NOT_YET_OPEN: 409,
  MAKEUP_DEADLINE_PASSED: 409,
  CAMPAIGN_ENDED: 409,
  MAKEUP_DEADLINE_TERM_UNKNOWN: 422,
  MAKEUP_DEADLINE_NOT_A_DATE: 422,
  MAKEUP_DEADLINE_BEFORE_OPENING: 422,
  EXPORT_KEY_INVALID: 422,
  EXPORT_KEY_PRIVATE: 422,
  EXPORT_KEY_EXPIRED: 422,
  EXPORT_KEY_UNUSABLE: 422,
  EXPORT_SIGNING_KEY_INVALID: 422,
  EXPORT_RECIPIENT_REQUIRED: 422,
  EXPORT_OUT_DIR_UNWRITABLE: 422,
  EXPORT_PATTERN_INVALID: 422,
  EXPORT_IN_PROGRESS: 409,
  EXPORT_NOT_FOUND: 404,
  EXPORT_FILE_MISSING: 410,
  PRINT_NOTHING_TO_PRINT: 409,
  PRINT_BATCH_NOT_FOUND: 404,
  PRINT_BATCH_NOT_OPEN: 409,
  PRINT_BATCH_NOT_SENT: 409,
  PRINT_BATCH_ALREADY_RECEIVED: 409,
  PRINT_COUNT_MISMATCH: 409,
  PRINT_SEND_COUNT_MISMATCH: 409,
  PRINT_DEPARTMENT_NOT_IN_BATCH: 404,
  PRINT_NOTHING_TO_DELIVER: 409,
  PRINT_DELIVERY_NOT_FOUND: 404,
  PRINT_DELIVERY_ALREADY_RECEIVED: 409,
  PRINT_DEPARTMENT_FORBIDDEN: 403,
  PRINT_DEPARTMENT_REQUIRED: 400,
  PRINT_STUDENTS_REFUSED: 409,
  PRINT_NOT_GIVEN: 409,
  PRINT_VOIDED: 409,
  REGISTRY_ANSWER_INVALID: 422,
  REGISTRY_ANSWER_NO_STUDENT_COLUMN: 422,
  REGISTRY_ANSWER_NO_STATUS_COLUMN: 422,
  REGISTRY_ANSWER_EMPTY: 422,
  PHOTO_DELETED: 410,
  RETENTION_DAYS_INVALID: 400,
  RETENTION_RUN_IN_PROGRESS: 409,
  CAMPAIGN_CLOSED: 409,
  CAMPAIGN_CLOSE_BLOCKED: 409,
  CAMPAIGN_CLOSE_CONFIRM_MISMATCH: 400,
  CAMPAIGN_CLOSE_REASON_REQUIRED: 400,
  BACKUP_OUT_EXISTS: 409,
  BACKUP_NOT_A_BACKUP: 422,
  BACKUP_DAMAGED: 422,
  BACKUP_KEYS_REQUIRED: 400,
  BACKUP_KEYS_MISMATCH: 400,
  BACKUP_ENGINE_MISMATCH: 400,
  BACKUP_SOURCE_MISSING: 404,
  RESTORE_TARGET_NOT_EMPTY: 409,
  PG_TOOL_MISSING: 500,
  PG_TOOL_FAILED: 500,
};

/**
 * What a 415 accepts, sent as its details in place of whatever a parser said: a parser's words are
 * internal (sometimes a JavaScript TypeError's), not an answer for the caller (issue 8 finding 11).
 */
const ACCEPTED_TYPES: Partial<Record<ErrorCode, string>> = {
  UNSUPPORTED_FILE: 'a roster as .xlsx, or .csv in UTF-8 or GBK',
  PHOTO_FORMAT_UNSUPPORTED: 'a camera JPEG (.jpg)',
  UNSUPPORTED_MEDIA_TYPE: 'application/json; multipart/form-data for the photo and roster uploads',
};

/** Codes whose answer carries Retry-After: its `seconds` parameter. */
const RETRY_AFTER_CODES: ReadonlySet<ErrorCode> = new Set(['RATE_LIMITED', 'SERVER_BUSY']);

export function sendAppError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const status = HTTP_STATUS[error.code];
  const body: { error: { code: string; message: string; details?: unknown } } = {
    error: { code: error.code, message: translateAppError(error, request.lang) },
  };
  if (status === 415) body.error.details = { accepted: ACCEPTED_TYPES[error.code] ?? 'see the API documentation (/api/openapi.json)' };
  // A schema's problems, one per field, in the caller's language (not Zod's English): pages list them as they are.
  else if (error.code === 'VALIDATION_FAILED' && error.issues?.length) body.error.details = error.issues.map((i) => ({ field: [...(i.context ? [i.context] : []), ...i.path].join('.'), message: describeValidationIssue(i, request.lang) }));
  else if (error.details !== undefined) body.error.details = error.details;
  if (RETRY_AFTER_CODES.has(error.code) && error.params.seconds !== undefined) reply.header('Retry-After', String(error.params.seconds));
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isAppError(error)) return sendAppError(request, reply, error);
  if (hasZodFastifySchemaValidationErrors(error)) {
    // Said in the caller's language: the field by the name the user knows, what was expected (not Zod's English),
    // in the message and in `details` (one { field, message } per problem).
    const issues = error.validation.map((v) => ({ context: error.validationContext ?? 'body', path: v.instancePath.split('/').filter(Boolean), code: v.keyword, params: v.params, message: v.message ?? '' }));
    return sendAppError(request, reply, new AppError('VALIDATION_FAILED', { params: { detail: validationDetail(issues, request.lang) }, issues }));
  }
  const fe = error as FastifyError;
  if (fe.code === 'FST_REQ_FILE_TOO_LARGE') {
    return sendAppError(request, reply, new AppError('FILE_TOO_LARGE', { params: { limit: formatMegabytes(request.server.maxUploadBytes) } }));
  }
  // Any other 413 is a JSON body over its route's limit (1 MB unless the route says otherwise): that limit.
  if (fe.statusCode === 413) {
    const limit = request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit ?? 1024 * 1024;
    return sendAppError(request, reply, new AppError('FILE_TOO_LARGE', { params: { limit: formatMegabytes(limit) } }));
  }
  if (fe.statusCode === 415) {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().slice(0, 100) || '—';
    return sendAppError(request, reply, new AppError('UNSUPPORTED_MEDIA_TYPE', { params: { type, accepted: 'application/json' } }));
  }
  if (fe.statusCode === 429) return sendAppError(request, reply, new AppError('RATE_LIMITED', { params: { seconds: 60 } }));
  // The static files' own refusals (a path that climbs out of the web root, `/..%2f..`: "Forbidden"; a missing
  // file) say, in the caller's language, that there is nothing there, not the library's English.
  if ((fe.statusCode === 403 || fe.statusCode === 404) && !request.url.startsWith('/api/')) return sendAppError(request, reply, new AppError('NOT_FOUND'));
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode = fe.statusCode === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED';
    // Fastify's words for its own refusals; a JSON syntax error's message is the parser's, so a fixed one.
    const detail =
      fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
        ? notJsonDetail(request.lang)
        : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
          ? notJsonDetail(request.lang, 'empty')
          : fe.message;
    return sendAppError(request, reply, new AppError(code, { params: { detail } }));
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendAppError(request, reply, new AppError('INTERNAL'));
}

/**
 * The error responses of a route for its OpenAPI document, generated from the table above: one entry per
 * status, naming the codes that answer with it. Every route also gets the generic ones (app.ts adds them).
 */
export function errorResponses(...codes: ErrorCode[]): Record<number, typeof ErrorBodySchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, ErrorBodySchema.describe(list.join(', '))]));
}
