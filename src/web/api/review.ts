// The student's confirmation of their own photo (issue 9 section 4, C3): the station's requests and the
// review-screen pairing (operator), the review screen's own calls (device cookie, no account), and /my.
import type { z } from 'zod';
import { ErrorBodySchema } from '../../contracts/common.js';
import { MyPhotoSchema } from '../../contracts/photo.js';
import {
  PairReviewScreenResponseSchema,
  ReviewPairingSchema,
  ReviewScreenAnswerSchema,
  ReviewScreenStateSchema,
  RevokeReviewScreensSchema,
  StationReviewSchema,
} from '../../contracts/review-screen.js';
import i18n from '../i18n/index.js';
import { acceptLanguage, api, ApiError } from './client.js';

const station = (stationId: string) => `/api/stations/${encodeURIComponent(stationId)}`;
const screen = (stationId: string) => `/api/review-screen/${encodeURIComponent(stationId)}`;

export const reviewApi = {
  /** getStationReview */
  stationReview: (stationId: string) => api(`${station(stationId)}/review`, { schema: StationReviewSchema }),
  /** requestPhotoReview (请学生确认) */
  requestReview: (stationId: string, photoId: string) => api(`${station(stationId)}/review`, { method: 'PUT', body: { photoId }, schema: StationReviewSchema }),
  /** withdrawPhotoReview */
  withdrawReview: (stationId: string) => api(`${station(stationId)}/review`, { method: 'DELETE', schema: StationReviewSchema }),
  /** createReviewPairing (配对学生确认屏) */
  createPairing: (stationId: string) => api(`${station(stationId)}/review-pairings`, { method: 'POST', schema: ReviewPairingSchema }),
  /** revokeReviewScreens */
  revokeScreens: (stationId: string) => api(`${station(stationId)}/review-screens`, { method: 'DELETE', schema: RevokeReviewScreensSchema }),
  /** getMyPhoto */
  myPhoto: () => api('/api/me/photo', { schema: MyPhotoSchema }),
  /** confirmMyPhoto */
  confirmMine: (photoId: string) => api('/api/me/photo/confirm', { method: 'POST', body: { photoId }, schema: MyPhotoSchema }),
  /** requestMyPhotoRetake */
  retakeMine: (photoId: string) => api('/api/me/photo/retake', { method: 'POST', body: { photoId }, schema: MyPhotoSchema }),
};

export const reviewKeys = {
  station: (stationId: string) => ['review', 'station', stationId] as const,
  screen: (stationId: string) => ['review', 'screen', stationId] as const,
  mine: ['review', 'mine'] as const,
};

/**
 * The review screen's calls: no account, only the station's device cookie. They do not go through `api`: a
 * 401 here means "not paired" (the screen asks for the code), not a signed-in session that ended.
 */
async function screenCall<S extends z.ZodType>(url: string, schema: S, init: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<z.infer<S>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Accept-Language': acceptLanguage(), ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', i18n.t('errors.network'));
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const body = ErrorBodySchema.safeParse(json);
    if (body.success) throw new ApiError(response.status, body.data.error.code, body.data.error.message, body.data.error.details);
    throw new ApiError(response.status, `HTTP_${response.status}`, i18n.t('errors.http', { status: response.status }));
  }
  const checked = schema.safeParse(json);
  if (!checked.success) throw new ApiError(response.status, 'CONTRACT_MISMATCH', i18n.t('errors.contract', { url }));
  return checked.data;
}

export const reviewScreenApi = {
  /** pairReviewScreen: sets the station's device cookie */
  pair: (stationId: string, code: string) => screenCall(`${screen(stationId)}/pair`, PairReviewScreenResponseSchema, { method: 'POST', body: { code } }),
  /** getReviewScreen */
  state: (stationId: string) => screenCall(screen(stationId), ReviewScreenStateSchema),
  /** getReviewScreenImage (the device cookie goes with it; no-store) */
  imageUrl: (stationId: string, photoId: string) => `${screen(stationId)}/photos/${encodeURIComponent(photoId)}/image`,
  /** confirmOnReviewScreen */
  confirm: (stationId: string, photoId: string) => screenCall(`${screen(stationId)}/confirm`, ReviewScreenAnswerSchema, { method: 'POST', body: { photoId } }),
  /** requestRetakeOnReviewScreen */
  retake: (stationId: string, photoId: string) => screenCall(`${screen(stationId)}/retake`, ReviewScreenAnswerSchema, { method: 'POST', body: { photoId } }),
};

/** Times of the capture day are Beijing time (the campaign's zone), whatever the browser's zone. */
export function beijingTime(iso: string, lang: string, withDate = false): string {
  return new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    ...(withDate ? { year: 'numeric', month: '2-digit', day: '2-digit' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    ...(withDate ? {} : { second: '2-digit' }),
    hour12: false,
  });
}

export function beijingDate(iso: string, lang: string): string {
  return new Date(iso).toLocaleDateString(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric' });
}
