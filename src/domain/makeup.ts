// Make-up captures (rule S6; issue 10 section 3; docs/decisions/0026-makeup.md). Pure rules: which city is the
// make-up city, how an outlet's stations are named, when make-ups open and when a target term's deadline has
// passed. Time is passed in (the campaign's wall-clock date), never read here.
import type { CampaignDefinition } from './campaign.js';
import type { Text } from './i18n.js';
import type { Term } from './term.js';

/** An outlet's id: lowercase letters and digits, 1–20 (it is part of its stations' ids, URLs and logs). */
export const OUTLET_ID_PATTERN = /^[a-z0-9]{1,20}$/;
/** Stations of an outlet: `makeup-<outletId>-<n>`, n = 1 … the outlet's stations (at most 20). */
export const OUTLET_STATION_PREFIX = 'makeup-';
export const MAX_OUTLET_STATIONS = 20;

export function outletStationId(outletId: string, n: number): string {
  return `${OUTLET_STATION_PREFIX}${outletId}-${n}`;
}

/** `makeup-haidian-2` → { outletId: 'haidian', number: 2 }; `makeup-haidian` or `makeup-x-0` → number null; not a make-up station → null. */
export function parseOutletStation(stationId: string): { outletId: string; number: number | null } | null {
  if (!stationId.startsWith(OUTLET_STATION_PREFIX)) return null;
  const rest = stationId.slice(OUTLET_STATION_PREFIX.length);
  const m = /^([a-z0-9]{1,20})-(\d{1,2})$/.exec(rest);
  if (!m) return { outletId: rest.split('-')[0] ?? rest, number: null };
  const n = Number(m[2]);
  return { outletId: m[1]!, number: n >= 1 && n <= MAX_OUTLET_STATIONS ? n : null };
}

// ───────────────────────────── cities ─────────────────────────────

/** Cities people write in either language, with their usual suffixes: one key per city. */
const CITY_ALIASES: Record<string, string[]> = {
  beijing: ['beijing', 'peking', '北京', '北京市', 'beijing shi', 'beijing city'],
  shanghai: ['shanghai', '上海', '上海市', 'shanghai city'],
  shenzhen: ['shenzhen', '深圳', '深圳市', 'shenzhen city'],
  tianjin: ['tianjin', '天津', '天津市'],
  guangzhou: ['guangzhou', 'canton', '广州', '广州市'],
};

const CITY_NAMES: Record<string, Text> = {
  beijing: { zh: '北京', en: 'Beijing' },
  shanghai: { zh: '上海', en: 'Shanghai' },
  shenzhen: { zh: '深圳', en: 'Shenzhen' },
  tianjin: { zh: '天津', en: 'Tianjin' },
  guangzhou: { zh: '广州', en: 'Guangzhou' },
};

/**
 * A comparable key of a city name: "Beijing", "北京", "北京市", " beijing city " → `beijing`; an unknown city
 * is its text lowercased without spaces and without a trailing 市 / "city" / "shi".
 */
export function cityKey(name: string): string {
  const text = name.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
  for (const [key, aliases] of Object.entries(CITY_ALIASES)) if (aliases.includes(text)) return key;
  return text.replace(/(\s*city|\s*shi|市)$/u, '').replace(/\s/g, '');
}

export function sameCity(a: string, b: string): boolean {
  const ka = cityKey(a);
  return ka !== '' && ka === cityKey(b);
}

/** The city in the reader's language (北京 / Beijing); an unknown city as written. */
export function cityName(name: string, lang: 'zh' | 'en'): string {
  return CITY_NAMES[cityKey(name)]?.[lang] ?? name.trim();
}

// ───────────────────────────── when ─────────────────────────────

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

/** The campaign's last day (its latest `days[].date`). */
export function campaignLastDay(campaign: CampaignDefinition): string {
  return [...campaign.days.map((d) => d.date)].sort().at(-1) ?? '';
}

/** Make-ups open the day after the campaign's last day (S6: "after the school's campaign has ended"). */
export function makeUpOpensOn(campaign: CampaignDefinition): string {
  return addDays(campaignLastDay(campaign), 1);
}

/** A calendar date that exists (2023-02-30 does not). */
export function isRealDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y!, m! - 1, d!));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m! - 1 && t.getUTCDate() === d;
}

/**
 * The usual deadline of a target term (the sibling notice: 30 Nov for January graduates, 30 Apr for July
 * graduates): the last day of the month two months before a January term, three months before a July term,
 * and two months before any other month.
 */
export function defaultMakeUpDeadline(term: Term): string {
  const [y, m] = term.split('-').map(Number);
  const back = m === 7 ? 3 : 2;
  // the last day of month (m - back): day 0 of the month after it
  return new Date(Date.UTC(y!, m! - back, 0)).toISOString().slice(0, 10);
}

export function defaultMakeUpDeadlines(campaign: Pick<CampaignDefinition, 'targetTerms'>): Record<Term, string> {
  return Object.fromEntries(campaign.targetTerms.map((t) => [t, defaultMakeUpDeadline(t)]));
}

/** The last day of make-ups for students finishing in `term`: its own deadline, else the campaign's one `deadline`, else none. */
export function makeUpDeadlineOf(campaign: CampaignDefinition, term: Term): string | null {
  return campaign.makeUp.deadlines?.[term] ?? campaign.makeUp.deadline ?? null;
}

export type MakeUpWindow = { state: 'not-yet-open'; opensOn: string } | { state: 'open'; deadline: string | null } | { state: 'deadline-passed'; deadline: string };

/** Where `today` (the campaign's wall-clock date) stands for a student finishing in `term`. The deadline day itself is open. */
export function makeUpWindow(campaign: CampaignDefinition, term: Term, today: string): MakeUpWindow {
  const opensOn = makeUpOpensOn(campaign);
  if (today < opensOn) return { state: 'not-yet-open', opensOn };
  const deadline = makeUpDeadlineOf(campaign, term);
  if (deadline !== null && today > deadline) return { state: 'deadline-passed', deadline };
  return { state: 'open', deadline };
}
