import type { AuditEventView } from '../../../contracts/audit.js';
import type { PhotoConfirmation, PhotoReport } from '../../../contracts/photo.js';

/** What the page says about a confirmation: who, when, where, how, the collection-code match. */
export interface ConfirmationView {
  at: string | null;
  /** the account's user name (and role), or null when the station's review screen confirmed */
  by: { username: string; role: string } | null;
  byReviewScreen: boolean;
  station: string | null;
  method: PhotoConfirmation['method'];
  codeMatch: boolean | null;
}

/** The confirmation that counts (C3): the shot's one confirmation not voided. */
export function activeConfirmation(shot: PhotoReport): PhotoConfirmation | undefined {
  return shot.confirmations.find((c) => c.voided === null);
}

/**
 * The active confirmation of a confirmed shot, from the report's record; for a confirmation recorded before
 * its details were (no record), who and when come from the shot's newest `photo.confirmed` audit event.
 */
export function confirmationOf(shot: PhotoReport, history: AuditEventView[] | undefined): ConfirmationView {
  const c = activeConfirmation(shot);
  if (c) return { at: c.confirmedAt, by: c.confirmedBy, byReviewScreen: c.byReviewScreen, station: c.stationId ?? shot.station, method: c.method, codeMatch: c.codeMatch };
  const event = history?.find((e) => e.action === 'photo.confirmed' && e.targetId === shot.id && e.result !== 'denied');
  return {
    at: event?.at ?? null,
    by: event?.actorName ? { username: event.actorName, role: event.actorRole ?? '' } : null,
    byReviewScreen: false,
    station: shot.station,
    method: null,
    codeMatch: null,
  };
}
