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

/** An instant in Beijing time: `2024-11-01 09:30:05`. */
export function formatInstant(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
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
