// Editing the campaign's days and windows (issue #3 part 1, rule S1): what is wrong with a proposed schedule,
// and the campaign with it. Pure: the schedule service validates, then writes in one transaction.
import type { CampaignDay, CampaignDefinition, CampaignWindow, SiteId } from './campaign.js';
import { listDepartments } from './campaign.js';
import type { Lang, Text } from './i18n.js';
import { fill } from './i18n.js';

/** One day of a proposed schedule, as the admin's editor sends it (contracts: ScheduleDaySchema). */
export interface ScheduleDayInput {
  date: string;
  departments: string[];
  windows: Partial<Record<SiteId, { start: string; end: string }[]>>;
}

export function schedulePeriod(campaign: CampaignDefinition): { firstDay: string; lastDay: string } {
  if (campaign.schedulePeriod) return campaign.schedulePeriod;
  const dates = campaign.days.map((d) => d.date).sort();
  return { firstDay: dates[0]!, lastDay: dates.at(-1)! };
}

export function isSaturdayOrSunday(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

export interface ScheduleIssue {
  /** the day's date as sent (null: the schedule as a whole) */
  day: string | null;
  field: string;
  value: string;
  message: string;
}

const SCHEDULE_MESSAGES = {
  dateTwice: { zh: '日期 {date} 出现了两次', en: 'The date {date} is listed twice' },
  dateOutside: { zh: '日期 {date} 不在采集活动期间（{first} 至 {last}）', en: 'The date {date} is outside the campaign ({first} to {last})' },
  siteUnknown: { zh: '{date}：采集地点“{site}”不属于本次活动', en: '{date}: "{site}" is not a site of this campaign' },
  endNotAfterStart: { zh: '{date} {site}第 {n} 个时段：结束时间 {end} 不晚于开始时间 {start}', en: '{date}, {site} window {n}: the end {end} is not after the start {start}' },
  overlap: { zh: '{date} {site}：时段 {a} 与 {b} 重叠', en: '{date}, {site}: the windows {a} and {b} overlap' },
  departmentUnknown: { zh: '{date}：院系“{department}”不在本次采集活动中', en: '{date}: "{department}" is not a department of this campaign' },
  departmentTwice: { zh: '院系“{department}”同时安排在 {first} 和 {second}', en: '"{department}" is scheduled on both {first} and {second}' },
  departmentMissing: { zh: '院系“{department}”没有安排采集日', en: '"{department}" has no day' },
} satisfies Record<string, Text>;

const SITE_WORDS: Record<SiteId, Text> = { beijing: { zh: '北京', en: 'Beijing' }, shenzhen: { zh: '深圳', en: 'Shenzhen' } };

/**
 * What is wrong with a proposed schedule, every problem at once, each naming its day, field and value (in
 * the caller's language): dates twice or outside the campaign, windows that end before they start or
 * overlap, departments unknown, on two days or on none (every department keeps exactly one day, S1, so
 * that no decision changes with the schedule).
 */
export function validateCampaignSchedule(campaign: CampaignDefinition, days: ScheduleDayInput[], lang: Lang): ScheduleIssue[] {
  const issues: ScheduleIssue[] = [];
  const say = (key: keyof typeof SCHEDULE_MESSAGES, params: Record<string, string | number>) => fill(SCHEDULE_MESSAGES[key][lang], params);
  const { firstDay, lastDay } = schedulePeriod(campaign);
  const known = new Set(listDepartments(campaign));
  const sites = new Set(campaign.sites.map((s) => s.id));
  const seenDates = new Set<string>();
  const dayOf = new Map<string, string>();
  days.forEach((day, i) => {
    const date = day.date;
    if (seenDates.has(date)) issues.push({ day: date, field: `days[${i}].date`, value: date, message: say('dateTwice', { date }) });
    seenDates.add(date);
    if (date < firstDay || date > lastDay) issues.push({ day: date, field: `days[${i}].date`, value: date, message: say('dateOutside', { date, first: firstDay, last: lastDay }) });
    for (const [site, windows] of Object.entries(day.windows) as [SiteId, { start: string; end: string }[]][]) {
      const siteName = SITE_WORDS[site]?.[lang] ?? site;
      if (!sites.has(site)) {
        issues.push({ day: date, field: `days[${i}].windows.${site}`, value: site, message: say('siteUnknown', { date, site }) });
        continue;
      }
      windows.forEach((w, j) => {
        if (w.end <= w.start) {
          issues.push({ day: date, field: `days[${i}].windows.${site}[${j}].end`, value: w.end, message: say('endNotAfterStart', { date, site: siteName, n: j + 1, start: w.start, end: w.end }) });
        }
      });
      const sorted = windows.map((w, j) => ({ ...w, j })).filter((w) => w.end > w.start).sort((a, b) => a.start.localeCompare(b.start));
      for (let k = 1; k < sorted.length; k++) {
        const a = sorted[k - 1]!;
        const b = sorted[k]!;
        if (b.start < a.end) {
          issues.push({
            day: date,
            field: `days[${i}].windows.${site}[${b.j}].start`,
            value: b.start,
            message: say('overlap', { date, site: siteName, a: `${a.start}–${a.end}`, b: `${b.start}–${b.end}` }),
          });
        }
      }
    }
    day.departments.forEach((department, j) => {
      if (!known.has(department)) {
        issues.push({ day: date, field: `days[${i}].departments[${j}]`, value: department, message: say('departmentUnknown', { date, department }) });
        return;
      }
      const first = dayOf.get(department);
      if (first !== undefined) {
        issues.push({ day: date, field: `days[${i}].departments[${j}]`, value: department, message: say('departmentTwice', { department, first, second: date }) });
      } else dayOf.set(department, date);
    });
  });
  for (const department of known) {
    if (!dayOf.has(department)) issues.push({ day: null, field: 'days', value: department, message: say('departmentMissing', { department }) });
  }
  return issues;
}

/** The campaign with the new days: windows stored per day only where they differ from the campaign's. */
export function withSchedule(campaign: CampaignDefinition, days: ScheduleDayInput[]): CampaignDefinition {
  const same = (a: { start: string; end: string }[], b: { start: string; end: string }[]) => a.length === b.length && a.every((w, i) => w.start === b[i]!.start && w.end === b[i]!.end);
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  const next: CampaignDay[] = sorted.map((d) => {
    const windows: Partial<Record<SiteId, CampaignWindow[]>> = {};
    for (const site of campaign.sites) {
      const own = [...(d.windows[site.id] ?? campaign.windows)].sort((a, b) => a.start.localeCompare(b.start)).map((w) => ({ start: w.start, end: w.end }));
      if (!same(own, campaign.windows)) windows[site.id] = own;
    }
    return Object.keys(windows).length ? { date: d.date, departments: d.departments, windows } : { date: d.date, departments: d.departments };
  });
  // A day added on a Saturday or Sunday is a weekend day (S3); the campaign's own list is kept.
  const weekendDays = [...new Set([...campaign.weekendDays, ...next.map((d) => d.date).filter(isSaturdayOrSunday)])].sort();
  return { ...campaign, days: next, weekendDays, schedulePeriod: schedulePeriod(campaign) };
}

