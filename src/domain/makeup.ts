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

/** Days after make-ups open given as the suggested deadline when the term's usual one is already before that. */
export const MAKEUP_MIN_SUGGESTED_DAYS = 30;

/**
 * The suggested deadline of each target term: its usual one (`defaultMakeUpDeadline`), unless that falls before
 * make-ups open (a campaign held late, e.g. in December for January graduates): then 30 days after they open.
 */
export function defaultMakeUpDeadlines(campaign: Pick<CampaignDefinition, 'targetTerms' | 'days'>): Record<Term, string> {
  const opensOn = addDays([...campaign.days.map((d) => d.date)].sort().at(-1) ?? '', 1);
  return Object.fromEntries(
    campaign.targetTerms.map((t) => {
      const usual = defaultMakeUpDeadline(t);
      return [t, usual < opensOn ? addDays(opensOn, MAKEUP_MIN_SUGGESTED_DAYS) : usual];
    }),
  );
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

// ───────────────────────────── reminder mail ─────────────────────────────

/** Make-up reminders go out from this wall-clock time of the day make-ups open. */
export const MAKEUP_REMINDER_LOCAL_TIME = '09:00';

export interface MakeUpReminderStudent {
  id: string;
  email: string | null;
  term: Term;
  /** confirmations of theirs voided so far: a new voiding (e.g. a 有误 answer) warrants a new reminder */
  voided: number;
}

export interface MakeUpReminderIntent {
  studentId: string;
  email: string | null;
  /** one mail per student (and per withdrawn confirmation): `reminder:makeup:<studentId>:<voided>` */
  dedupeKey: string;
  term: Term;
  deadline: string | null;
}

/**
 * Make-up reminders due at `today`/`time` (the campaign's wall clock): every student still owing a photo once
 * make-ups are open (from 09:00 of the day after the campaign's last day) and until their term's deadline has
 * passed. The caller passes only outstanding students (required, no valid confirmed photo) and only when an
 * outlet can take them.
 */
export function planMakeUpReminders(input: { campaign: CampaignDefinition; today: string; time: string; students: MakeUpReminderStudent[] }): MakeUpReminderIntent[] {
  const { campaign, today, time } = input;
  const opensOn = makeUpOpensOn(campaign);
  if (today < opensOn || (today === opensOn && time < MAKEUP_REMINDER_LOCAL_TIME)) return [];
  const out: MakeUpReminderIntent[] = [];
  for (const s of input.students) {
    const window = makeUpWindow(campaign, s.term, today);
    if (window.state !== 'open') continue;
    out.push({ studentId: s.id, email: s.email, dedupeKey: `reminder:makeup:${s.id}:${s.voided}`, term: s.term, deadline: window.deadline });
  }
  return out;
}

function mailDate(date: string, lang: 'zh' | 'en'): string {
  const [y, m, d] = date.split('-').map(Number);
  if (lang === 'zh') return `${y}年${m}月${d}日`;
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${d} ${months[m! - 1]} ${y}`;
}

/**
 * The make-up reminder (S6), Chinese then English: where (the outlets with address and hours) and by when (the
 * student's term's deadline). No student number or ID number in it; the name only in the greeting.
 */
export function renderMakeUpReminderMail(input: { campaign: CampaignDefinition; studentName: string; term: Term; deadline: string | null; outlets: { name: Text; address: string; hours: string }[]; voided: boolean }): { subject: string; text: string } {
  const { campaign } = input;
  const fee = campaign.makeUp.fee;
  const money = campaign.price.currency === 'CNY' ? { zh: `${fee} 元/套`, en: `CNY ${fee} per set` } : { zh: `${fee} ${campaign.price.currency}`, en: `${fee} ${campaign.price.currency}` };
  const city = { zh: cityName(campaign.makeUp.city, 'zh'), en: cityName(campaign.makeUp.city, 'en') };
  const by = input.deadline ? { zh: `请于 ${mailDate(input.deadline, 'zh')}（含当天）前`, en: `by ${mailDate(input.deadline, 'en')} (that day included)` } : { zh: '请在研究生院规定的截止日期前', en: 'by the deadline the graduate school sets' };
  const zh = [
    `${input.studentName} 同学：`,
    '',
    input.voided ? '你此前确认的采集照片已被撤销（例如学信网反馈“有误”），需要重新拍摄。' : '学校的集中图像采集已经结束，系统中还没有你确认的采集照片。',
    `${by.zh}到图片社${city.zh}门店补采（${money.zh}）；在其他城市门店拍摄的照片无效（S6）。`,
    '',
    '补采门店：',
    ...input.outlets.map((o) => `· ${o.name.zh}：${o.address}（营业时间：${o.hours}）`),
    '',
    '拍摄后请在门店确认屏或登录系统“我的采集”页面确认照片（确认后不可重拍，C3）。',
  ];
  const en = [
    input.voided ? 'Your confirmed diploma photo was withdrawn (for example, the registry marked it 有误): it must be taken again.' : "The school's photo campaign has ended and you have no confirmed photo yet.",
    `Please go ${by.en} to one of the agency's ${city.en} outlets (${money.en}); photos taken at outlets in other cities are invalid (S6).`,
    '',
    'Outlets:',
    ...input.outlets.map((o) => `- ${o.name.en}: ${o.address} (opening hours: ${o.hours})`),
    '',
    'After the shot, confirm your photo on the outlet’s review screen or on your page in the system (no retakes after confirming, C3).',
  ];
  const subject = input.deadline ? `【图像采集】请于 ${input.deadline} 前到${city.zh}门店补采 / Make-up photo by ${input.deadline}` : `【图像采集】请到${city.zh}门店补采 / Make-up photo`;
  return { subject, text: [...zh, '', '—', '', ...en, ''].join('\n') };
}
