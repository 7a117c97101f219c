import type { Term } from './term.js';
import { shiftTermByYears } from './term.js';
import { wallClockOf } from './wall-clock.js';
import type { Text } from './i18n.js';

export type SiteId = 'beijing' | 'shenzhen';

export interface CampaignWindow {
  start: string; // HH:MM, campaign time zone
  end: string;
}

export interface CampaignSite {
  id: SiteId;
  city: string;
  rooms: string[];
  place: string;
}

export interface CampaignDay {
  date: string; // YYYY-MM-DD, campaign time zone
  departments: string[];
  /** This day's windows per site when they differ from the campaign's `windows` (set by updateCampaignSchedule). */
  windows?: Partial<Record<SiteId, CampaignWindow[]>>;
}

/** The campaign document: docs/rules/campaign-file.md. */
export interface CampaignDefinition {
  id: string;
  name: Text;
  targetTerms: Term[];
  retakeBefore: Term;
  deferTerms: Term[];
  timezone: string;
  price: { amount: number; currency: string; unit: string; methods: string[] };
  windows: CampaignWindow[];
  sites: CampaignSite[];
  weekendDays: string[];
  /**
   * S6: the make-up capture; `deadline` (YYYY-MM-DD) when the graduate school has set one for everybody,
   * `deadlines` per target term (a term's own deadline wins; src/domain/makeup.ts, updateMakeUpSettings).
   */
  makeUp: { city: string; where: string; fee: number; deadline?: string; deadlines?: Record<Term, string> };
  days: CampaignDay[];
  /** The first and last day a schedule change may use: the campaign's span as loaded (kept by updateCampaignSchedule). */
  schedulePeriod?: { firstDay: string; lastDay: string };
  /** Optional department → home site; a department not listed is at the Beijing site except 深圳研究生院 (S4). */
  departmentSites?: Record<string, SiteId>;
}

/** The Shenzhen graduate school: its students studying in Shenzhen are handled at the Shenzhen site (S4). */
export const SHENZHEN_GRADUATE_SCHOOL = '深圳研究生院';

export function listDepartments(campaign: CampaignDefinition): string[] {
  return campaign.days.flatMap((d) => d.departments);
}

/** The home site of a department (S4); used when a roster row leaves the study city empty. */
export function departmentHomeSite(campaign: CampaignDefinition, department: string): SiteId {
  const explicit = campaign.departmentSites?.[department];
  if (explicit) return explicit;
  return department === SHENZHEN_GRADUATE_SCHOOL ? 'shenzhen' : 'beijing';
}

export function findDepartmentDay(campaign: CampaignDefinition, department: string): string | undefined {
  return campaign.days.find((d) => d.departments.includes(department))?.date;
}

const DAY_MS = 86_400_000;

function dateToUtcMs(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y!, m! - 1, d!);
}

function utcMsToDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Today's date (YYYY-MM-DD) in the given IANA time zone. */
export function localDate(now: Date, timeZone: string): string {
  return wallClockOf(now, timeZone).date;
}

/**
 * The notice's dates are in the past: the demo campaign keeps its structure but moves forward by whole
 * weeks (so weekend days stay weekend days) until its first day is after `today`, and its terms by the
 * whole number of years the first day moved. Ids and names that carry the first target year follow.
 */
export function shiftCampaignForward(campaign: CampaignDefinition, today: string): CampaignDefinition {
  const firstDay = [...campaign.days.map((d) => d.date)].sort()[0];
  if (!firstDay || firstDay > today) return campaign;
  const gapDays = (dateToUtcMs(today) - dateToUtcMs(firstDay)) / DAY_MS;
  const weeks = Math.floor(gapDays / 7) + 1;
  const shiftDate = (date: string) => utcMsToDate(dateToUtcMs(date) + weeks * 7 * DAY_MS);
  // Whole years nearest to the shift, not the change of calendar year: a first day moved across New Year
  // must not push the terms a year further than the days moved.
  const years = Math.round((weeks * 7) / 365.2425);
  const shiftTerm = (t: Term) => shiftTermByYears(t, years);
  const firstYear = campaign.targetTerms[0]?.slice(0, 4);
  const replaceYear = (s: string) => (firstYear ? s.split(firstYear).join(String(Number(firstYear) + years)) : s);
  return {
    ...campaign,
    id: replaceYear(campaign.id),
    name: { zh: replaceYear(campaign.name.zh), en: replaceYear(campaign.name.en) },
    targetTerms: campaign.targetTerms.map(shiftTerm),
    retakeBefore: shiftTerm(campaign.retakeBefore),
    deferTerms: campaign.deferTerms.map(shiftTerm),
    weekendDays: campaign.weekendDays.map(shiftDate),
    // S6: the make-up deadlines keep their terms (shifted by years) and move with the days (the same whole
    // weeks), so they stay as far after the campaign's last day as in the file and never before make-ups open
    makeUp: {
      ...campaign.makeUp,
      ...(campaign.makeUp.deadline ? { deadline: shiftDate(campaign.makeUp.deadline) } : {}),
      ...(campaign.makeUp.deadlines ? { deadlines: Object.fromEntries(Object.entries(campaign.makeUp.deadlines).map(([t, d]) => [shiftTerm(t), shiftDate(d)])) } : {}),
    },
    days: campaign.days.map((d) => ({ ...d, date: shiftDate(d.date) })),
  };
}
