import type { CampaignDefinition, CampaignWindow, SiteId } from './campaign.js';
import { findDepartmentDay } from './campaign.js';
import type { Decision, EligibilityRule } from './eligibility.js';
import { wallClockOf } from './wall-clock.js';

/** Per site: how many stations photograph at once and how many minutes one student takes. */
export interface SiteSettings {
  stations: number;
  minutesPerStudent: number;
}

export const DEFAULT_SITE_SETTINGS: SiteSettings = { stations: 2, minutesPerStudent: 1 };

/** One (site, day, window) of the campaign (S1): the unit students book. */
export interface SessionSlot {
  site: SiteId;
  date: string;
  start: string;
  end: string;
  capacity: number;
}

export function minutesBetween(start: string, end: string): number {
  const [sh, sm] = start.split(':').map(Number);
  const [eh, em] = end.split(':').map(Number);
  return eh! * 60 + em! - (sh! * 60 + sm!);
}

/** Seats of a window: stations × window minutes ÷ minutes per student, rounded down. */
export function sessionCapacity(start: string, end: string, settings: SiteSettings): number {
  return Math.max(0, Math.floor((settings.stations * minutesBetween(start, end)) / settings.minutesPerStudent));
}

/** The windows of one day at one site (S1): the day's own when the admin changed them, else the campaign's. */
export function windowsOf(campaign: CampaignDefinition, date: string, site: SiteId): CampaignWindow[] {
  const day = campaign.days.find((d) => d.date === date);
  if (!day) return [];
  return day.windows?.[site] ?? campaign.windows;
}

/** Every (site, day, window) of the campaign with its capacity (S1, S4: each site has its own sessions). */
export function planSessionSlots(campaign: CampaignDefinition, settings: (site: SiteId) => SiteSettings): SessionSlot[] {
  const slots: SessionSlot[] = [];
  for (const site of campaign.sites) {
    const s = settings(site.id);
    for (const day of campaign.days) {
      for (const w of windowsOf(campaign, day.date, site.id)) {
        slots.push({ site: site.id, date: day.date, start: w.start, end: w.end, capacity: sessionCapacity(w.start, w.end, s) });
      }
    }
  }
  return slots;
}

/**
 * The instant at which a wall-clock time of the campaign's zone happens (the server's clock may be UTC
 * while every time is shown and meant in Asia/Shanghai).
 */
export function zonedTimeToInstant(date: string, time: string, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const guess = Date.UTC(y!, mo! - 1, d!, h!, mi!);
  // The zone's offset at that moment, read back through Intl (correct across DST for zones that have it).
  const offsetAt = (ms: number) => wallClockOf(ms, timeZone).asUtcMs - ms;
  const first = guess - offsetAt(guess);
  return new Date(guess - offsetAt(first));
}

export type BookingRefusal =
  | { code: 'STUDENT_NOT_ELIGIBLE'; rule: EligibilityRule | null }
  | { code: 'WRONG_SITE'; studentSite: SiteId }
  | { code: 'WEEKEND_NOT_ALLOWED' }
  | { code: 'SESSION_IN_PAST' };

export interface BookingStudent {
  decision: Decision;
  rule: EligibilityRule | null;
  site: SiteId;
  department: string;
  employed: boolean;
}

/**
 * Whether a student may book a session, before seats are counted (that is the database's job):
 * only required students (E1–E3); their own site only (S4); any listed time of it (S2); weekend days
 * only for employed students or students whose department's day is on the weekend (S3); not in the past.
 */
export function checkBookingAllowed(
  student: BookingStudent,
  session: { site: SiteId; date: string; start: string },
  campaign: CampaignDefinition,
  now: Date,
): BookingRefusal | null {
  if (student.decision !== 'required') return { code: 'STUDENT_NOT_ELIGIBLE', rule: student.rule };
  if (session.site !== student.site) return { code: 'WRONG_SITE', studentSite: student.site };
  const weekend = new Set(campaign.weekendDays);
  if (weekend.has(session.date)) {
    const ownDay = findDepartmentDay(campaign, student.department);
    if (!student.employed && !(ownDay && weekend.has(ownDay))) return { code: 'WEEKEND_NOT_ALLOWED' };
  }
  if (zonedTimeToInstant(session.date, session.start, campaign.timezone).getTime() <= now.getTime()) return { code: 'SESSION_IN_PAST' };
  return null;
}

/** Splits a whole number over weights, largest remainder first (ties: earlier first); parts add up to the total. */
export function shareByWeight(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0 || total <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    parts[i]! += 1;
  }
  return parts;
}
