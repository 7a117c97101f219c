import { z } from 'zod';

/** Check ids of the report (issue #4 part 10); F1–F4 of docs/rules/campaign-rules.md. */
export const PhotoCheckIdSchema = z.enum(['format', 'geometry', 'background', 'exposure', 'sharpness', 'faces', 'pose']);
export const PhotoCheckStatusSchema = z.enum(['pass', 'warn', 'fail']);

export const PhotoCheckSchema = z.object({
  id: PhotoCheckIdSchema,
  status: PhotoCheckStatusSchema,
  value: z.unknown(),
  threshold: z.unknown(),
  /** in the request's language */
  message: z.string(),
  /**
   * false when the check could not be run (no face to measure on): its status is then `fail` (the photo is not
   * accepted) and the message says why; screens show it as "not checked", not as a failed measurement.
   */
  measured: z.boolean(),
});

/**
 * How a confirmation was given (issue 9 section 4, C3): by the student on the station's paired review screen,
 * by the student on their own /my page, or by the operator's button with the student present (a student
 * without a phone).
 */
export const ConfirmationMethodSchema = z.enum(['student_review_screen', 'student_my_page', 'operator_in_presence']);
export type ConfirmationMethod = z.infer<typeof ConfirmationMethodSchema>;

/**
 * One confirmation of a shot: who, where, when, how, and the collection-code match. A voided confirmation
 * keeps its record (`voided`: when, by whom, why). StudentDetailPage shows these.
 */
export const PhotoConfirmationSchema = z.object({
  id: z.string(),
  /** ISO instant (shown in Beijing time) */
  confirmedAt: z.string(),
  /** null for confirmations recorded before issue 9 (method not recorded then) */
  method: ConfirmationMethodSchema.nullable(),
  /** the station where it was confirmed (its review screen, or the one asking the student on /my), when known */
  stationId: z.string().nullable(),
  /** the account that confirmed: the student's own (user name = student number) or the operator's; null when the paired review screen did */
  confirmedBy: z.object({ username: z.string(), role: z.string() }).nullable(),
  /** the paired review screen of `stationId` confirmed (no account: the screen itself) */
  byReviewScreen: z.boolean(),
  /** the student checked in that day with their bound collection code (C1); null for older confirmations */
  codeMatch: z.boolean().nullable(),
  voided: z.object({ at: z.string(), by: z.string().nullable(), reason: z.string() }).nullable(),
});
export type PhotoConfirmation = z.infer<typeof PhotoConfirmationSchema>;

/** A shot and its checks report, as the station shows it (no name, no student number, no ID number). */
export const PhotoReportSchema = z.object({
  id: z.string(),
  studentId: z.string(),
  createdAt: z.string(),
  station: z.string().nullable(),
  checks: z.array(PhotoCheckSchema),
  accepted: z.boolean(),
  /** this shot is the student's confirmed photo (C3) */
  confirmed: z.boolean(),
  /** E7: the confirmed photo of a student who should not have been photographed (decision changed since) */
  invalid: z.object({ rule: z.string() }).nullable(),
  /** a standard 480×640 JPEG exists (getPhotoImage) */
  hasImage: z.boolean(),
  /** every confirmation of this shot, oldest first: at most one with `voided: null` (the one that counts) */
  confirmations: z.array(PhotoConfirmationSchema),
  /** when the retention policy deleted (crypto-shredded) this shot's camera original / standard image, or null (issue 10 section 5) */
  deleted: z.object({ original: z.string().nullable(), standard: z.string().nullable() }).optional(),
});
export type PhotoReport = z.infer<typeof PhotoReportSchema>;

/** The operator's button (confirmPhoto): optionally the station where the student stands. */
export const ConfirmPhotoRequestSchema = z.object({ stationId: z.string().regex(/^[a-z0-9-]{1,32}$/, 'lowercase letters, digits and -, at most 32').optional() }).nullish();

/**
 * getMyPhoto: the student's own photo — the confirmed one (`confirmed`), the shot a station asks them to
 * confirm (`awaiting`; `retake` once they asked for a retake), or nothing yet (`none`).
 */
export const MyPhotoSchema = z.object({
  state: z.enum(['none', 'awaiting', 'retake', 'confirmed']),
  photo: PhotoReportSchema.nullable(),
  /** the station asking (awaiting / retake) or where it was confirmed */
  stationId: z.string().nullable(),
  requestedAt: z.string().nullable(),
  confirmedAt: z.string().nullable(),
});
export type MyPhoto = z.infer<typeof MyPhotoSchema>;

/** confirmMyPhoto / requestMyPhotoRetake: the shot the student saw (a newer shot makes it stale: refused). */
export const MyPhotoAnswerRequestSchema = z.object({ photoId: z.string().trim().min(1).max(64) });

export const PhotoListSchema = z.object({ items: z.array(PhotoReportSchema) });

export const Sha256HexSchema = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 in hexadecimal (64 characters)')
  .transform((s) => s.toLowerCase());

/** Letters, marks, digits, punctuation, symbols and the plain space: what a screen shows as written. */
const PRINTABLE_CHARACTER = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;
const STATION_LABEL_MAX = 64;

/** A value shown in an error: anything not printable as \u{…}, so the message itself cannot be reordered. */
function escapeForMessage(value: string): string {
  return [...value.slice(0, 40)].map((c) => (PRINTABLE_CHARACTER.test(c) ? c : `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`)).join('');
}

/**
 * The station's label on an upload (issue 8 finding 11): it is stored with the photo and shown on the
 * station's and the admins' screens and in the audit log, so it is 1–64 printable characters — no NUL or
 * other control characters, no bidirectional-text or zero-width controls (which reorder or hide what an
 * operator reads), no lone surrogates.
 */
export const StationLabelSchema = z
  .string()
  .trim()
  .superRefine((label, ctx) => {
    const chars = [...label];
    if (chars.length >= 1 && chars.length <= STATION_LABEL_MAX && chars.every((c) => PRINTABLE_CHARACTER.test(c))) return;
    ctx.addIssue({
      code: 'custom',
      message: `1–${STATION_LABEL_MAX} printable characters without control or bidirectional-text characters, not "${escapeForMessage(label)}"${chars.length > 40 ? ` (${chars.length} characters)` : ''}`,
    });
  });

/** The text fields of uploadPhoto's multipart body (the file is the field `file`). */
export const UploadPhotoFieldsSchema = z.object({
  studentNo: z.string().trim().min(1).max(32),
  sha256: Sha256HexSchema.optional(),
  station: StationLabelSchema.optional(),
});

/** Opaque ids only (A3): a photo id is random, a student id is the students table's random id. */
export const PhotoIdParamsSchema = z.object({ id: z.string().min(1).max(64) });
export const StudentIdParamsSchema = z.object({ studentId: z.string().min(1).max(64) });

// the length rule (at least 2 characters) is the service's, with a sentence in the user's language (VOID_REASON_REQUIRED)
export const VoidConfirmationRequestSchema = z.object({ reason: z.string().max(500) });

export const KeysRotateResultSchema = z.object({
  toVersion: z.number(),
  fromVersions: z.array(z.number()),
  rewrapped: z.number(),
  removedVersions: z.array(z.number()),
});
export type KeysRotateResult = z.infer<typeof KeysRotateResultSchema>;
