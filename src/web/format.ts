import type { Language } from './i18n/index.js';

const TIME_ZONE = 'Asia/Shanghai';

/** `2024-11-01` → `11月1日（周五）` / `Fri 1 Nov`; a calendar day, so no time zone shift. */
export function formatDay(date: string, lang: Language, withYear = false): string {
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return date;
  if (lang === 'en') {
    return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: withYear ? 'numeric' : undefined, month: 'short', day: 'numeric', weekday: 'short' }).format(day);
  }
  const weekday = new Intl.DateTimeFormat('zh-CN', { timeZone: 'UTC', weekday: 'short' }).format(day);
  const year = withYear ? `${day.getUTCFullYear()}年` : '';
  return `${year}${day.getUTCMonth() + 1}月${day.getUTCDate()}日（${weekday}）`;
}

const CLOCK_FORMATTERS = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant on the wall clock of `timeZone` (the campaign's: Beijing), whatever the browser's zone: `date`
 * YYYY-MM-DD, `time` HH:MM, `seconds` SS. One formatter per zone, built once: lists show an instant per row, and
 * building a formatter costs far more than using one. (The server's twin is src/domain/wall-clock.ts; the web app
 * imports contracts only, docs/architecture.md.)
 */
export function wallClockParts(at: Date, timeZone: string = TIME_ZONE): { date: string; time: string; seconds: string } {
  let formatter = CLOCK_FORMATTERS.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    CLOCK_FORMATTERS.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}`, seconds: get('second') };
}

/** An instant in Beijing time: `2024-11-01 09:30:05`. */
export function formatInstant(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const { date, time, seconds } = wallClockParts(at);
  return `${date} ${time}:${seconds}`;
}

/** A `YYYY-MM` term as people write it: `2024年7月` / `Jul 2024`. */
export function formatTerm(term: string, lang: Language): string {
  const match = /^(\d{4})-(\d{2})$/.exec(term);
  if (!match) return term;
  const [, year, month] = match;
  if (lang === 'en') {
    return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', month: 'short', year: 'numeric' }).format(
      new Date(`${year}-${month}-01T00:00:00Z`),
    );
  }
  return `${year}年${Number(month)}月`;
}

/** A session's window as the campaign writes it: `09:30–12:00` (wall-clock strings, never converted). */
export function formatWindow(window: { start: string; end: string }): string {
  return `${window.start}–${window.end}`;
}

/** A session as people say it: `11月1日（周五） 09:30–12:00`. */
export function formatSession(session: { date: string; start: string; end: string }, lang: Language, withYear = false): string {
  return `${formatDay(session.date, lang, withYear)} ${formatWindow(session)}`;
}

/** The campaign's wall clock now (`2024-11-01 09:30`), whatever the browser's time zone. */
export function wallClockNow(timeZone: string = TIME_ZONE, now: Date = new Date()): string {
  const { date, time } = wallClockParts(now, timeZone);
  return `${date} ${time}`;
}

/** Whether a session has started, comparing the campaign's wall-clock strings (no browser time zone involved). */
export function hasStarted(session: { date: string; start: string }, nowWallClock: string): boolean {
  return `${session.date} ${session.start}` <= nowWallClock;
}

/** A calendar day plus `days` (negative: before). */
export function addDays(date: string, days: number): string {
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return date;
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

/** "label：" in Chinese, "label: " in English (full-width punctuation only in Chinese text). */
export function labelled(label: string, lang: Language): string {
  return lang === 'zh' ? `${label}：` : `${label}: `;
}

/** "text（note）" in Chinese, "text (note)" in English. */
export function withNote(text: string, note: string, lang: Language): string {
  return lang === 'zh' ? `${text}（${note}）` : `${text} (${note})`;
}
