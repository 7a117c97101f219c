import type { ErrorCode } from '../domain/errors.js';

/** The CLI's table from error codes to exit statuses, the twin of http/errors.ts. 2 = bad input. */
export const EXIT_CODE: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 2,
  ROSTER_INVALID: 2,
  UNSUPPORTED_FILE: 2,
  FILE_TOO_LARGE: 2,
  DEPARTMENT_UNKNOWN: 2,
  NOT_FOUND: 3,
  STUDENT_NOT_FOUND: 3,
  CAMPAIGN_NOT_FOUND: 3,
  USER_NOT_FOUND: 3,
  UNAUTHENTICATED: 4,
  SESSION_EXPIRED: 4,
  INVALID_CREDENTIALS: 4,
  TOTP_REQUIRED: 4,
  TOTP_INVALID: 4,
  TOO_MANY_ATTEMPTS: 4,
  FORBIDDEN: 4,
  USERNAME_TAKEN: 5,
  CONFLICT: 5,
  AUDIT_CHAIN_BROKEN: 6,
  INTERNAL: 1,
};
