import { z } from 'zod';
import { StationIdSchema } from './station.js';

// The student confirms their own photo on the station's review screen (issue 9 section 4, C3;
// docs/decisions/0022-student-confirmation.md): the operator asks, the paired screen shows the shot, the student
// answers 确认 or 重拍.

export const ReviewStatusSchema = z.enum(['awaiting', 'retake']);

/** The station's side (getStationReview): the shot awaiting the student's answer, and the paired screens. */
export const StationReviewSchema = z.object({
  stationId: StationIdSchema,
  review: z
    .object({
      photoId: z.string(),
      studentId: z.string(),
      /** awaiting the student's answer, or `retake`: the student asked for another shot */
      status: ReviewStatusSchema,
      requestedAt: z.string(),
      updatedAt: z.string(),
    })
    .nullable(),
  screens: z.object({ paired: z.number().int(), lastSeenAt: z.string().nullable() }),
});
export type StationReview = z.infer<typeof StationReviewSchema>;

export const RequestPhotoReviewSchema = z.object({ photoId: z.string().trim().min(1).max(64) });

/** A one-time code to pair a review screen with the station: 6 digits, valid a few minutes, shown once. */
export const ReviewPairingSchema = z.object({
  stationId: StationIdSchema,
  code: z.string(),
  expiresAt: z.string(),
  /** the page to open on the screen; the code rides in the fragment (never sent to a server or logged by a proxy) */
  path: z.string(),
});
export type ReviewPairing = z.infer<typeof ReviewPairingSchema>;

export const RevokeReviewScreensSchema = z.object({ revoked: z.number().int() });

export const ReviewScreenParamsSchema = z.object({ stationId: StationIdSchema });
export const ReviewScreenPhotoParamsSchema = z.object({ stationId: StationIdSchema, photoId: z.string().min(1).max(64) });

/** The code as typed on the screen; checked by the service so that the refusal names what was typed. */
export const PairReviewScreenRequestSchema = z.object({ code: z.string().max(64) });
export const PairReviewScreenResponseSchema = z.object({ stationId: StationIdSchema, pairedUntil: z.string() });

/** What the review screen shows: nothing (请稍候), or the shot awaiting the student and their masked name. */
export const ReviewScreenStateSchema = z.object({
  stationId: StationIdSchema,
  state: z.enum(['idle', 'awaiting', 'retake']),
  photoId: z.string().nullable(),
  /** masked (张*三): the screen faces the room */
  name: z.string().nullable(),
  requestedAt: z.string().nullable(),
  pairedUntil: z.string(),
});
export type ReviewScreenState = z.infer<typeof ReviewScreenStateSchema>;

export const ReviewScreenAnswerRequestSchema = z.object({ photoId: z.string().trim().min(1).max(64) });
export const ReviewScreenAnswerSchema = z.object({ outcome: z.enum(['confirmed', 'retake']), photoId: z.string(), at: z.string() });
export type ReviewScreenAnswer = z.infer<typeof ReviewScreenAnswerSchema>;
