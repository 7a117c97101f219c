// Progress everywhere (issue 9, "Progress everywhere"): where each student of the campaign stands on the capture
// day, derived in this one place from facts the repositories read in SQL (bookings, queue tickets, photos,
// confirmations, payments). Pure: the clock and the campaign's wall clock are passed in.
//
//   not booked → booked → checked in (a ticket today or earlier) → photographed (an accepted shot) → confirmed
//   (an active confirmation, C3); paid (a recorded payment, P1) is a separate flag.
//
// Only `required` students have a state; the others show their decision (E4–E6, not in the campaign).
import type { CampaignDefinition, SiteId } from './campaign.js';
import { formatCampaignDate, sitePlace } from './campaign-text.js';
import { wallClockOf } from './wall-clock.js';

export const PROGRESS_STATES = ['not-booked', 'booked', 'checked-in', 'photographed', 'confirmed'] as const;
export type ProgressState = (typeof PROGRESS_STATES)[number];

/** What the database knows of one student; each is read by one join or aggregate (no query per student). */
export interface ProgressFacts {
  /** an active booking */
  booked: boolean;
  /** a queue ticket dated today or earlier (the desk checked them in with their collection code, C1) */
  checkedIn: boolean;
  /** a shot that passed its checks */
  photographed: boolean;
  /** a confirmation that is not voided (C3) */
  confirmed: boolean;
  /** a recorded payment that counts (not a recorded duplicate), P1 */
  paid: boolean;
}

export type ProgressFact = Exclude<keyof ProgressFacts, 'paid'>;

/**
 * The ladder, furthest step first: a student is in the first state whose fact holds, else not booked. The
 * repositories build their SQL filter from this same list, so a filter and the derived state cannot disagree.
 */
export const PROGRESS_LADDER: readonly { state: Exclude<ProgressState, 'not-booked'>; fact: ProgressFact }[] = [
  { state: 'confirmed', fact: 'confirmed' },
  { state: 'photographed', fact: 'photographed' },
  { state: 'checked-in', fact: 'checkedIn' },
  { state: 'booked', fact: 'booked' },
];

/** The state of a `required` student; null for everyone else (they show their decision instead). */
export function progressOf(decision: string, facts: Omit<ProgressFacts, 'paid'>): ProgressState | null {
  if (decision !== 'required') return null;
  for (const step of PROGRESS_LADDER) if (facts[step.fact]) return step.state;
  return 'not-booked';
}

/** For a filter on state `state`: the facts that must hold and those that must not (from the ladder). */
export function progressCondition(state: ProgressState): { holds: ProgressFact | null; absent: ProgressFact[] } {
  const index = PROGRESS_LADDER.findIndex((s) => s.state === state);
  if (index < 0) return { holds: null, absent: PROGRESS_LADDER.map((s) => s.fact) };
  return { holds: PROGRESS_LADDER[index]!.fact, absent: PROGRESS_LADDER.slice(0, index).map((s) => s.fact) };
}

/** Whether a state is at least as far as another (booked counts everyone booked or further). */
export function reached(state: ProgressState | null, atLeast: ProgressState): boolean {
  if (state === null) return false;
  return PROGRESS_STATES.indexOf(state) >= PROGRESS_STATES.indexOf(atLeast);
}

/**
 * A student who booked a session that is over and did not come: still `booked` (no ticket, no shot) after the
 * session's end. `nowLocal` is the campaign's wall clock now (`YYYY-MM-DD HH:MM`).
 */
export function isNoShow(state: ProgressState | null, session: { date: string; end: string } | null, nowLocal: { date: string; time: string }): boolean {
  if (state !== 'booked' || !session) return false;
  return session.date < nowLocal.date || (session.date === nowLocal.date && session.end <= nowLocal.time);
}

/** The campaign's wall clock at `now`: the date and HH:MM in its time zone (Asia/Shanghai). */
export function campaignWallClock(now: Date, timeZone: string): { date: string; time: string } {
  const { date, time } = wallClockOf(now, timeZone);
  return { date, time };
}

// ───────────────────────────── counts ─────────────────────────────

/** Counts of one department, day or the whole: each step counts the students who reached it or went further. */
export interface ProgressCounts {
  required: number;
  booked: number;
  checkedIn: number;
  photographed: number;
  confirmed: number;
  paid: number;
}

export const emptyProgressCounts = (): ProgressCounts => ({ required: 0, booked: 0, checkedIn: 0, photographed: 0, confirmed: 0, paid: 0 });

/** Adds `n` required students in `state` (paid or not) to `counts`. */
export function addToProgressCounts(counts: ProgressCounts, state: ProgressState, paid: boolean, n: number): void {
  counts.required += n;
  if (reached(state, 'booked')) counts.booked += n;
  if (reached(state, 'checked-in')) counts.checkedIn += n;
  if (reached(state, 'photographed')) counts.photographed += n;
  if (reached(state, 'confirmed')) counts.confirmed += n;
  if (paid) counts.paid += n;
}

// ───────────────────────────── the secretary's reminder ─────────────────────────────

/** Whom a secretary reminds: who has not booked, or who booked a session that is over and did not come. */
export type RemindWhich = 'not-booked' | 'no-show';

/** A student reminded by mail this recently is not mailed again (by hand or by the scheduler). */
export const REMIND_AGAIN_AFTER_HOURS = 24;

export interface ProgressMailContent {
  subject: string;
  text: string;
}

/**
 * The mail a secretary's reminder sends, Chinese then English: book a time (S1, S2), or come again after a
 * missed session. Names the department's day and the place; no personal data beyond the student's own name.
 */
export function renderProgressReminderMail(which: RemindWhich, campaign: CampaignDefinition, input: { name: string; department: string; site: SiteId; departmentDay: string | null }): ProgressMailContent {
  const placeZh = sitePlace(campaign, input.site, 'zh') || input.site;
  const placeEn = sitePlace(campaign, input.site, 'en') || input.site;
  const dayZh = input.departmentDay ? `你所在院系（${input.department}）的采集日是 ${formatCampaignDate(input.departmentDay, 'zh')}（北京时间），` : '';
  const dayEn = input.departmentDay ? `Your department's photo day is ${formatCampaignDate(input.departmentDay, 'en')} (Beijing time). ` : '';
  const zh =
    which === 'not-booked'
      ? [`${input.name} 同学：`, '', `院系提醒：你须参加本次研究生学历学位证书图像采集，但尚未预约采集时间。${dayZh}请尽快登录系统预约（S1、S2），地点：${placeZh}。`]
      : [`${input.name} 同学：`, '', `院系提醒：你预约的采集时段已经结束，系统没有你的签到或拍摄记录。请登录系统重新预约其他时段，或按院系采集日前来（S2），地点：${placeZh}。`];
  zh.push('', '请至少提前 3 天在学信网获取采集码，现场出示（C1）；请穿深色正装，不戴帽子（C2）。');
  const en =
    which === 'not-booked'
      ? [`A reminder from your department: you must be photographed for your diploma in this campaign and have not booked a time yet. ${dayEn}Please sign in and book a time (S1, S2), at ${placeEn}.`]
      : [`A reminder from your department: the session you booked is over and there is no check-in or photo for you. Please sign in and book another time, or come on your department's day (S2), at ${placeEn}.`];
  en.push('', 'Fetch your collection code (采集码) from CHSI at least 3 days ahead and show it on site (C1); wear dark formal clothes and no hat (C2).');
  const subject = which === 'not-booked' ? '【图像采集】请尽快预约采集时间 / Please book your photo session' : '【图像采集】你错过了预约的采集时段 / You missed your photo session';
  return { subject, text: [...zh, '', '—', '', ...en, ''].join('\n') };
}
