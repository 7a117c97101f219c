// Who gets which reminder when, and what the mails say (issue #3 part 7; rules S1, S2, C1, C2, P1 of docs/rules/campaign-rules.md).
// Pure: the clock, the campaign and the students are passed in; times are the campaign's wall clock
// (Asia/Shanghai) whatever the server's clock.
import type { CampaignDefinition, SiteId } from './campaign.js';
import { findDepartmentDay } from './campaign.js';
import { formatCampaignDate, priceSentence, sitePlace } from './campaign-text.js';
import type { Lang } from './i18n.js';
import { zonedTimeToInstant } from './schedule.js';

/** Reminders go out at this local time: the evening before a booking, and a week before a department's day. */
export const REMINDER_LOCAL_TIME = '18:00';
/** A required student without a booking is reminded this many days before their department's day (S1). */
export const DAY_REMINDER_DAYS_BEFORE = 7;

const DAY_MS = 86_400_000;

/** A plain mailbox `local@domain.tld`, no display name, no spaces or brackets (the roster column may hold junk). */
export function isValidMailAddress(address: string): boolean {
  if (address.length > 254) return false;
  return /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/.test(address);
}

/** An address for logs and audit events: `z***@example.edu.cn` (never the whole mailbox, A3). */
export function maskMailAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '*'.repeat(Math.min(address.length, 8));
  return `${address[0]}***${address.slice(at)}`;
}

export function shiftDate(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d!) + days * DAY_MS).toISOString().slice(0, 10);
}

export interface ReminderStudent {
  id: string;
  studentNo: string;
  name: string;
  email: string | null;
  department: string;
  decision: string; // required | excluded | not_in_campaign …
  site: SiteId;
  /** already photographed and confirmed (when that is known): no reminder */
  photographed?: boolean;
}

export interface ReminderBooking {
  bookingId: string;
  studentId: string;
  site: SiteId;
  date: string; // YYYY-MM-DD, campaign time zone
  start: string; // HH:MM
  end: string;
}

export type ReminderKind = 'reminder.booking' | 'reminder.day';

export interface ReminderIntent {
  kind: ReminderKind;
  /** one mail per student and occasion: `reminder:booking:<bookingId>:<date>` / `reminder:day:<studentId>:<date>` */
  dedupeKey: string;
  studentId: string;
  email: string | null;
  /** when it was due (for the record); due intents are sent now */
  dueAt: string;
  site: SiteId;
  date: string;
  windows: { start: string; end: string }[];
  bookingId: string | null;
}

/**
 * The reminders due at `now`:
 * - a student with an active booking: from 18:00 the evening before the session until it starts;
 * - a `required` student without a booking: from 18:00 seven days before their department's day (S1) until
 *   the day's first window starts;
 * - nobody who is not `required` (E4–E6, not in the campaign), nobody already photographed.
 * Students without an address are returned too (email null): the caller records that nothing can be sent.
 */
export function planDueReminders(input: { campaign: CampaignDefinition; now: Date; students: ReminderStudent[]; bookings: ReminderBooking[] }): ReminderIntent[] {
  const { campaign, now } = input;
  const tz = campaign.timezone;
  const t = now.getTime();
  const bookingOf = new Map(input.bookings.map((b) => [b.studentId, b]));
  const firstWindow = [...campaign.windows].sort((a, b) => a.start.localeCompare(b.start))[0];
  const out: ReminderIntent[] = [];
  for (const s of input.students) {
    if (s.decision !== 'required' || s.photographed) continue;
    const booking = bookingOf.get(s.id);
    if (booking) {
      const due = zonedTimeToInstant(shiftDate(booking.date, -1), REMINDER_LOCAL_TIME, tz);
      const starts = zonedTimeToInstant(booking.date, booking.start, tz);
      if (t < due.getTime() || t >= starts.getTime()) continue;
      out.push({
        kind: 'reminder.booking',
        dedupeKey: `reminder:booking:${booking.bookingId}:${booking.date}`,
        studentId: s.id,
        email: s.email,
        dueAt: due.toISOString(),
        site: booking.site,
        date: booking.date,
        windows: [{ start: booking.start, end: booking.end }],
        bookingId: booking.bookingId,
      });
      continue;
    }
    const day = findDepartmentDay(campaign, s.department);
    if (!day || !firstWindow) continue;
    const due = zonedTimeToInstant(shiftDate(day, -DAY_REMINDER_DAYS_BEFORE), REMINDER_LOCAL_TIME, tz);
    const starts = zonedTimeToInstant(day, firstWindow.start, tz);
    if (t < due.getTime() || t >= starts.getTime()) continue;
    out.push({
      kind: 'reminder.day',
      dedupeKey: `reminder:day:${s.id}:${day}`,
      studentId: s.id,
      email: s.email,
      dueAt: due.toISOString(),
      site: s.site,
      date: day,
      windows: campaign.windows.map((w) => ({ start: w.start, end: w.end })),
      bookingId: null,
    });
  }
  return out;
}

// ───────────────────────────── messages ─────────────────────────────

export interface MailContent {
  subject: string;
  text: string;
}

/** Where a site photographs, in the mail's language (the notice's wording, S4); the site id if unknown. */
function placeOf(campaign: CampaignDefinition, site: SiteId, lang: Lang): string {
  return sitePlace(campaign, site, lang) || site;
}

/** The price line of the mails: the notice's wording (P1). */
function priceLine(campaign: CampaignDefinition): { zh: string; en: string } {
  return { zh: `${priceSentence(campaign, 'zh')}（P1）。`, en: `${priceSentence(campaign, 'en')} (P1).` };
}

const BRING_ZH = [
  '请至少提前 3 天在学信网（学信档案 → 图像校对）或其 App 获取本人的采集码，现场出示（C1）；',
  '请穿深色正装，不戴帽子（C2）。',
];
const BRING_EN = [
  'Fetch your collection code (采集码) from CHSI (学信档案 → 图像校对) or its app at least 3 days ahead and show it at the station (C1);',
  'wear dark formal clothes and no hat (C2).',
];

const TIME_ZONE_NOTE = { zh: '（北京时间）', en: ' (Beijing time, UTC+8)' };

/** The reminder mail, in Chinese then English, with the time in the campaign's zone. */
export function renderReminderMail(intent: Pick<ReminderIntent, 'kind' | 'site' | 'date' | 'windows'>, campaign: CampaignDefinition, studentName: string): MailContent {
  const windowsText = intent.windows.map((w) => `${w.start}–${w.end}`).join('、');
  const windowsEn = intent.windows.map((w) => `${w.start}–${w.end}`).join(' or ');
  const place = { zh: placeOf(campaign, intent.site, 'zh'), en: placeOf(campaign, intent.site, 'en') };
  const p = priceLine(campaign);
  const booking = intent.kind === 'reminder.booking';
  const zh = booking
    ? [`${studentName} 同学：`, '', `你预约的图像采集时间是 ${formatCampaignDate(intent.date, 'zh')} ${windowsText}${TIME_ZONE_NOTE.zh}，地点：${place.zh}。`]
    : [
        `${studentName} 同学：`,
        '',
        `你所在院系的图像采集日是 ${formatCampaignDate(intent.date, 'zh')}，时段 ${windowsText}${TIME_ZONE_NOTE.zh}，地点：${place.zh}（S1）。`,
        '如当天不能前来，可登录系统预约其他时段（S2）。',
      ];
  zh.push('', '请携带与注意：', ...BRING_ZH.map((l) => `· ${l}`), `· ${p.zh}`);
  const en = booking
    ? [`Your diploma-photo session is on ${formatCampaignDate(intent.date, 'en')}, ${windowsEn}${TIME_ZONE_NOTE.en}, at ${place.en}.`]
    : [
        `Your department's photo day is ${formatCampaignDate(intent.date, 'en')}, ${windowsEn}${TIME_ZONE_NOTE.en}, at ${place.en} (S1).`,
        'If you cannot come that day, sign in and book another listed time (S2).',
      ];
  en.push('', 'Bring and note:', ...BRING_EN.map((l) => `- ${l}`), `- ${p.en}`);
  const subject = booking
    ? `【图像采集】明天 ${intent.date} ${windowsText} 请按时前来 / Your photo session is tomorrow`
    : `【图像采集】${intent.date} 是你所在院系的采集日 / Your department's photo day`;
  return { subject, text: [...zh, '', '—', '', ...en, ''].join('\n') };
}

export interface NotificationPayload {
  date?: string;
  start?: string;
  end?: string;
  site?: string;
  reason?: string;
}

/**
 * The mail for a `notifications` row the booking service wrote: a waitlist promotion, a booking moved (capacity
 * lowered, or the schedule edited: `reason: 'schedule'`), or a booking cancelled because its session was removed
 * and no other seat was free.
 */
export function renderNotificationMail(kind: string, payload: NotificationPayload, campaign: CampaignDefinition, studentName: string): MailContent {
  const site = (payload.site === 'shenzhen' ? 'shenzhen' : 'beijing') as SiteId;
  const when = payload.date && payload.start && payload.end ? { zh: `${formatCampaignDate(payload.date, 'zh')} ${payload.start}–${payload.end}${TIME_ZONE_NOTE.zh}`, en: `${formatCampaignDate(payload.date, 'en')}, ${payload.start}–${payload.end}${TIME_ZONE_NOTE.en}` } : { zh: '', en: '' };
  const place = { zh: placeOf(campaign, site, 'zh'), en: placeOf(campaign, site, 'en') };
  const bySchedule = payload.reason === 'schedule';
  const cause = bySchedule ? { zh: '由于采集日程调整', en: 'Because the campaign schedule changed' } : { zh: '由于采集时段容量调整', en: 'Because the capacity of your session changed' };
  let zh: string;
  let en: string;
  let subject: string;
  if (kind === 'waitlist.promoted') {
    zh = `${studentName} 同学：你候补的时段有了空位，已为你预约：${when.zh}，地点：${place.zh}。如不能前来，请登录系统取消，把名额留给他人。`;
    en = `A seat opened in the session you were waiting for, and it is now booked for you: ${when.en}, at ${place.en}. If you cannot come, sign in and cancel so that someone else gets the seat.`;
    subject = '【图像采集】候补成功，已为你预约 / A seat is booked for you';
  } else if (kind === 'booking.cancelled') {
    zh = `${studentName} 同学：${cause.zh}，你预约的时段 ${when.zh} 已取消，且没有其他空余时段可以改约。请按本院系的采集日前来，或登录系统预约其他时段。`;
    en = `${cause.en}, your booking for ${when.en} was cancelled and no other seat was free to move it to. Come on your department's day, or sign in and book another time.`;
    subject = '【图像采集】你的预约已取消 / Your booking was cancelled';
  } else {
    zh = `${studentName} 同学：${cause.zh}，你的预约已改到 ${when.zh}，地点：${place.zh}。如不方便，可登录系统改约其他时段。`;
    en = `${cause.en}, your booking was moved to ${when.en}, at ${place.en}. If that does not suit you, sign in and book another time.`;
    subject = '【图像采集】你的预约时段已调整 / Your booking was moved';
  }
  return { subject, text: [zh, '', ...BRING_ZH.map((l) => `· ${l}`), `· ${priceLine(campaign).zh}`, '', '—', '', en, ''].join('\n') };
}

/** The one-time sign-in link mail. */
export function renderSigninLinkMail(link: string, validMinutes: number): MailContent {
  return {
    subject: '【图像采集】登录链接 / Your sign-in link',
    text: [
      `请在 ${validMinutes} 分钟内打开以下链接登录（只能使用一次）：`,
      link,
      '如果不是你本人申请的，请忽略本邮件。',
      '',
      '—',
      '',
      `Open this link within ${validMinutes} minutes to sign in (it works once):`,
      link,
      'If you did not ask for it, ignore this mail.',
      '',
    ].join('\n'),
  };
}
