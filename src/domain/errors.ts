/**
 * The one error model (docs/architecture.md). Services throw AppError with a code from this closed list;
 * only http/ maps codes to statuses and only cli/ maps them to exit codes.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'ROSTER_INVALID',
  'ROSTER_TOO_COMPLEX',
  'ROSTER_REMOVES_MANY',
  'UNSUPPORTED_FILE',
  'FILE_TOO_LARGE',
  'UPLOAD_TOO_MANY_FIELDS',
  'UPLOAD_TOO_MANY_FILES',
  'UNSUPPORTED_MEDIA_TYPE',
  'CROSS_SITE_REQUEST',
  'RATE_LIMITED',
  'SERVER_BUSY',
  'NOT_FOUND',
  'STUDENT_NOT_FOUND',
  'CAMPAIGN_NOT_FOUND',
  'USER_NOT_FOUND',
  'UNAUTHENTICATED',
  'SESSION_EXPIRED',
  'INVALID_CREDENTIALS',
  'TOTP_REQUIRED',
  'TOTP_INVALID',
  'TOO_MANY_ATTEMPTS',
  'FORBIDDEN',
  'USERNAME_TAKEN',
  'CANNOT_DISABLE_SELF',
  'CURRENT_PASSWORD_WRONG',
  'VOID_REASON_REQUIRED',
  'DEPARTMENT_UNKNOWN',
  'CAMPAIGN_TERM_DUPLICATE',
  'CONFLICT',
  'AUDIT_CHAIN_BROKEN',
  'SESSION_FULL',
  'SESSION_NOT_FOUND',
  'SESSION_IN_PAST',
  'STUDENT_NOT_ELIGIBLE',
  'WRONG_SITE',
  'WEEKEND_NOT_ALLOWED',
  'BOOKING_NOT_FOUND',
  'ALREADY_WAITLISTED',
  'IDEMPOTENCY_KEY_REUSED',
  'CAPACITY_BELOW_BOOKINGS',
  'TOO_MANY_CONNECTIONS',
  'TOO_MANY_STREAMS',
  'BOARD_VIEWERS_FULL',
  'BOARD_STREAMS_PER_ADDRESS',
  'PHOTO_EMPTY',
  'PHOTO_FORMAT_UNSUPPORTED',
  'PHOTO_TOO_MANY_PIXELS',
  'PHOTO_TRUNCATED',
  'PHOTO_CMYK_UNSUPPORTED',
  'PHOTO_UNREADABLE',
  'PHOTO_CHECKSUM_MISMATCH',
  'PHOTO_NOT_FOUND',
  'PHOTO_ALREADY_CONFIRMED',
  'PHOTO_CONFIRMATION_VOIDED',
  'PHOTO_NOT_CONFIRMABLE',
  'CONFIRMATION_NOT_FOUND',
  // the student confirms their own photo (issue 9 section 4, C3)
  'PHOTO_CONFIRMED',
  'PHOTO_NOT_AWAITING_CONFIRMATION',
  'REVIEW_PAIRING_INVALID',
  'REVIEW_PAIRING_LOCKED',
  'REVIEW_SCREEN_NOT_PAIRED',
  'KEY_UNAVAILABLE',
  'DATABASE_MIGRATION_FAILED',
  // the database cannot be reached at all (PostgreSQL down, wrong host, password or database name)
  'DATABASE_UNAVAILABLE',
  // the photo store (issue 11 section 1): an S3-compatible store that cannot be reached, refuses or answers 5xx
  'BLOB_STORE_UNAVAILABLE',
  'BLOB_STORE_OTHER_INSTALLATION',
  'BLOB_STORE_NOT_EMPTY',
  'BLOB_SOURCE_MISSING',
  'MAIL_ADDRESS_INVALID',
  'MAIL_NOT_CONFIGURED',
  'SIGNIN_LINK_INVALID',
  'OIDC_NOT_CONFIGURED',
  'OIDC_FAILED',
  'OIDC_NO_STUDENT',
  'COLLECTION_CODE_INVALID',
  'COLLECTION_CODE_IN_USE',
  'COLLECTION_CODE_IS_STUDENT_NO',
  'COLLECTION_CODE_MISMATCH',
  'PAYMENT_REQUIRED',
  'TICKET_NOT_FOUND',
  'TICKET_NOT_CALLED',
  // transferring a called ticket to another station (issue 9 section 2)
  'STATION_UNKNOWN',
  'STATION_BUSY',
  'STATION_STUDENT_UNCONFIRMED',
  // electronic payments (issue 9 section 3, P1)
  'PAYMENT_TRANSACTION_INVALID',
  'PAYMENT_AMOUNT_MISMATCH',
  'PAYMENT_REFERENCE_IN_USE',
  'ALREADY_PAID',
  'PAYMENT_STATEMENT_INVALID',
  // make-up captures (issue 10 section 3, S6)
  'OUTLET_NOT_FOUND',
  'OUTLET_EXISTS',
  'OUTLET_CITY_NOT_ALLOWED',
  'OUTLET_INACTIVE',
  'MAKEUP_NOT_YET_OPEN',
  'MAKEUP_DEADLINE_PASSED',
  'CAMPAIGN_ENDED',
  'MAKEUP_DEADLINE_TERM_UNKNOWN',
  'MAKEUP_DEADLINE_NOT_A_DATE',
  'MAKEUP_DEADLINE_BEFORE_OPENING',
  // the registry package (issue 10 section 1, A1)
  'EXPORT_KEY_INVALID',
  'EXPORT_KEY_PRIVATE',
  'EXPORT_KEY_EXPIRED',
  'EXPORT_KEY_UNUSABLE',
  'EXPORT_SIGNING_KEY_INVALID',
  'EXPORT_RECIPIENT_REQUIRED',
  'EXPORT_OUT_DIR_UNWRITABLE',
  'EXPORT_PATTERN_INVALID',
  'EXPORT_IN_PROGRESS',
  'EXPORT_NOT_FOUND',
  'EXPORT_FILE_MISSING',
  'PRINT_NOTHING_TO_PRINT',
  'PRINT_BATCH_NOT_FOUND',
  'PRINT_BATCH_NOT_OPEN',
  'PRINT_BATCH_NOT_SENT',
  'PRINT_BATCH_ALREADY_RECEIVED',
  'PRINT_COUNT_MISMATCH',
  'PRINT_SEND_COUNT_MISMATCH',
  'PRINT_DEPARTMENT_NOT_IN_BATCH',
  'PRINT_NOTHING_TO_DELIVER',
  'PRINT_DELIVERY_NOT_FOUND',
  'PRINT_DELIVERY_ALREADY_RECEIVED',
  'PRINT_DEPARTMENT_FORBIDDEN',
  'PRINT_DEPARTMENT_REQUIRED',
  'PRINT_STUDENTS_REFUSED',
  'PRINT_NOT_GIVEN',
  'PRINT_VOIDED',
  // the registry's answer (issue 10 section 1, A1)
  'REGISTRY_ANSWER_INVALID',
  'REGISTRY_ANSWER_NO_STUDENT_COLUMN',
  'REGISTRY_ANSWER_NO_STATUS_COLUMN',
  'REGISTRY_ANSWER_EMPTY',
  'PHOTO_DELETED',
  'RETENTION_DAYS_INVALID',
  'RETENTION_RUN_IN_PROGRESS',
  'CAMPAIGN_CLOSED',
  'CAMPAIGN_CLOSE_BLOCKED',
  'CAMPAIGN_CLOSE_CONFIRM_MISMATCH',
  'CAMPAIGN_CLOSE_REASON_REQUIRED',
  // backup and restore (issue 11 section 2)
  'BACKUP_OUT_EXISTS',
  'BACKUP_NOT_A_BACKUP',
  'BACKUP_DAMAGED',
  'BACKUP_KEYS_REQUIRED',
  'BACKUP_KEYS_MISMATCH',
  'BACKUP_ENGINE_MISMATCH',
  'BACKUP_SOURCE_MISSING',
  'RESTORE_TARGET_NOT_EMPTY',
  'PG_TOOL_MISSING',
  'PG_TOOL_FAILED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem a request schema found (a Zod issue without Zod): said in the caller's language by i18n.ts. */
export interface SchemaIssue {
  /** where, for a request's own schema: 'body', 'querystring', 'params' (absent: the body) */
  context?: string;
  path: readonly (string | number)[];
  code: string;
  /** the validator's own message: only a format hint (YYYY-MM-DD) or the English fallback */
  message?: string;
  /** the rest of the issue: origin, maximum, minimum, expected, values, format, keys… */
  params: Record<string, unknown>;
}

/** Zod's issues as SchemaIssues (the domain does not import zod: any object of that shape). */
export function schemaIssues(issues: readonly { path: readonly PropertyKey[]; code: string; message: string }[]): SchemaIssue[] {
  return issues.map(({ path, code, message, ...rest }) => ({ path: path.map((k) => (typeof k === 'number' ? k : String(k))), code, message, params: rest }));
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Values substituted into the translated message, e.g. { department: '物理学院' }. */
  readonly params: Record<string, string | number>;
  /** VALIDATION_FAILED from a schema: the problems, so that {detail} is said in the caller's language */
  readonly issues: readonly SchemaIssue[] | undefined;

  constructor(code: ErrorCode, opts: { details?: unknown; params?: Record<string, string | number>; message?: string; issues?: readonly SchemaIssue[] } = {}) {
    super(opts.message ?? code);
    this.name = 'AppError';
    this.code = code;
    this.details = opts.details;
    this.params = opts.params ?? {};
    this.issues = opts.issues;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
