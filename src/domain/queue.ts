// The capture day's check-in and queue (issue 9 sections 1 and 2; rules C1, C4): the collection code as an
// opaque token, ticket numbers per site and day, the order of a queue and its waiting-time estimate. Pure:
// no I/O, time is passed in.
import type { SiteId } from './campaign.js';

/** The longest collection code accepted (characters, after trimming). Its payload is not published (C1). */
export const COLLECTION_CODE_MAX = 2048;

/** Letters, marks, digits, punctuation, symbols and the plain space: what a scanner or a keyboard types. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export type CollectionCodeCheck =
  | { ok: true; code: string; last4: string }
  | { ok: false; length: number; chars: string[] };

/**
 * A presented collection code (C1): trimmed, then 1–2,048 printable characters. Control characters (NUL,
 * line breaks inside the code…), bidirectional-text and zero-width controls (which make a code look like
 * another one), private-use characters and lone surrogates are refused; `chars` names them as `U+202E`.
 * The code is never decoded: it is an opaque token.
 */
export function checkCollectionCode(raw: string): CollectionCodeCheck {
  const code = raw.trim();
  const chars = [...code];
  const bad = new Set<string>();
  for (const c of chars) if (!PRINTABLE.test(c)) bad.add(`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
  if (chars.length < 1 || chars.length > COLLECTION_CODE_MAX || bad.size > 0) return { ok: false, length: chars.length, chars: [...bad].slice(0, 10) };
  return { ok: true, code, last4: chars.slice(-4).join('') };
}

/** The letter of a site's tickets: B-037 in Beijing, S-012 in Shenzhen. */
export const TICKET_PREFIX: Record<SiteId, string> = { beijing: 'B', shenzhen: 'S' };

/** The number a student reads and the board shows: prefix and at least three digits (B-007, B-1234). */
export function ticketNumber(site: SiteId, n: number): string {
  return `${TICKET_PREFIX[site]}-${String(n).padStart(3, '0')}`;
}

/** waiting → called → served / skipped (back to waiting) / removed (C4). */
export type TicketStatus = 'waiting' | 'called' | 'served' | 'removed';
export const TICKET_STATUSES: TicketStatus[] = ['waiting', 'called', 'served', 'removed'];

/** A ticket skipped this many times (no-show when called) leaves the queue (status removed). */
export const MAX_SKIPS = 2;

/** What a skip does to a called ticket: back of the queue, or out after MAX_SKIPS skips. */
export function afterSkip(skips: number): { skips: number; status: 'waiting' | 'removed' } {
  const next = skips + 1;
  return { skips: next, status: next >= MAX_SKIPS ? 'removed' : 'waiting' };
}

/** How many service times the estimate looks at (the most recent ones of the site). */
export const ETA_WINDOW = 20;

/** The median of some numbers (the mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface EtaInput {
  /** seconds from called to served of the site's most recent tickets, newest first (only the first ETA_WINDOW count) */
  recentServiceSeconds: readonly number[];
  /** tickets before this one that are still waiting, plus one for itself (1 = next to be called); 0 = called */
  position: number;
  /** the site's open stations (site settings) */
  stations: number;
  /** minutes per student of the site's settings: the estimate before anyone has been served */
  fallbackMinutesPerStudent: number;
}

/**
 * Minutes until a ticket is called (C4, issue 9 section 2): the rolling median of the last 20 service
 * times of the site × position ÷ open stations, rounded up to a whole minute; the site's minutes per
 * student stand in for the median until a ticket has been served. A called ticket waits 0 minutes.
 */
export function estimateWaitMinutes(input: EtaInput): number {
  if (input.position <= 0) return 0;
  const measured = median(input.recentServiceSeconds.slice(0, ETA_WINDOW).filter((s) => Number.isFinite(s) && s >= 0));
  const perStudentMinutes = measured === null ? input.fallbackMinutesPerStudent : measured / 60;
  const stations = Math.max(1, Math.floor(input.stations));
  return Math.ceil((perStudentMinutes * input.position) / stations);
}

/**
 * Whether a station id can serve a site (C4; the transfer, the call and the station's own pages ask): an id
 * named after another site (`shenzhen-1` in Beijing) never can, nor a numbered one beyond the site's stations
 * (`beijing-0`, `beijing-9` with 2 stations). Other names (`studio-a`, `beijing-east`) are the agency's own.
 */
export function stationSiteProblem(stationId: string, site: string, siteIds: readonly string[], stations: number): 'other-site' | 'not-numbered' | null {
  if (siteIds.some((other) => other !== site && stationId.startsWith(`${other}-`))) return 'other-site';
  const numbered = new RegExp(`^${site}-(\\d+)$`).exec(stationId);
  if (numbered && !(Number(numbered[1]) >= 1 && Number(numbered[1]) <= stations)) return 'not-numbered';
  return null;
}

/** The site a station id is named after (`beijing-2` → beijing), or null for the agency's own names. */
export function siteOfStation(stationId: string, siteIds: readonly string[]): string | null {
  return siteIds.find((site) => stationId.startsWith(`${site}-`)) ?? null;
}
