import { describe, expect, it } from 'vitest';
import type { SiteId } from './campaign.js';
import { campaign2024 } from '../../test/fixtures/campaign-2024.js';
import {
  SHENZHEN_GRADUATE_SCHOOL,
  departmentHomeSite,
  findDepartmentDay,
  listDepartments,
  localDate,
  shiftCampaignForward,
} from './campaign.js';

const DAY_MS = 86_400_000;
const utc = (date: string) => Date.parse(`${date}T00:00:00Z`);
const weekday = (date: string) => new Date(utc(date)).getUTCDay();
const daysBetween = (a: string, b: string) => (utc(b) - utc(a)) / DAY_MS;

describe('shiftCampaignForward: the demo campaign moves forward by whole weeks until its first day is after today', () => {
  it.each([
    { today: '2026-11-28', firstDay: '2026-12-02', years: 3 },
    { today: '2023-11-01', firstDay: '2023-11-08', years: 0 }, // today is the first day: strictly after → next week
    { today: '2023-11-07', firstDay: '2023-11-08', years: 0 },
    { today: '2023-11-08', firstDay: '2023-11-15', years: 0 },
    { today: '2025-06-15', firstDay: '2025-06-18', years: 2 },
    // the shifted first day lands in a new calendar year: terms move by the whole years nearest to the
    // shift (about 1.2 years), not by the change of calendar year (2), so capture stays before the terms
    { today: '2024-12-30', firstDay: '2025-01-01', years: 1 },
  ])('today $today → first day $firstDay, terms +$years years', ({ today, firstDay, years }) => {
    const original = campaign2024();
    const shifted = shiftCampaignForward(original, today);
    const days = shifted.days.map((d) => d.date);

    expect(days[0]).toBe(firstDay);
    // first day strictly after today, and the smallest such whole-week shift
    expect(days[0]! > today).toBe(true);
    expect(daysBetween(today, days[0]!)).toBeGreaterThan(0);
    expect(daysBetween(today, days[0]!)).toBeLessThanOrEqual(7);

    // a whole number of weeks, the same for every day: weekdays unchanged
    const shiftDays = daysBetween(original.days[0]!.date, days[0]!);
    expect(shiftDays % 7).toBe(0);
    original.days.forEach((d, i) => {
      const moved = shifted.days[i]!;
      expect(daysBetween(d.date, moved.date)).toBe(shiftDays);
      expect(weekday(moved.date)).toBe(weekday(d.date));
      expect(moved.departments).toEqual(d.departments);
    });
    // weekend days (S3) are still Saturday and Sunday, and still among the campaign days
    expect(shifted.weekendDays.map(weekday)).toEqual([6, 0]);
    for (const w of shifted.weekendDays) expect(days).toContain(w);
    expect(shifted.weekendDays.map((w, i) => daysBetween(original.weekendDays[i]!, w))).toEqual([shiftDays, shiftDays]);

    // terms move by the whole years nearest to the days' shift
    expect(Math.round(shiftDays / 365.2425)).toBe(years);
    const y = (t: string, n: number) => `${Number(t.slice(0, 4)) + n}${t.slice(4)}`;
    expect(shifted.targetTerms).toEqual(['2024-01', '2024-07'].map((t) => y(t, years)));
    expect(shifted.retakeBefore).toBe(y('2023-07', years));
    expect(shifted.deferTerms).toEqual(['2025-01', '2025-07'].map((t) => y(t, years)));
    expect(shifted.id).toBe(`${2024 + years}-graduates`);

    // everything else is kept, and the input is not mutated
    expect(shifted.windows).toEqual(original.windows);
    expect(shifted.sites).toEqual(original.sites);
    expect(shifted.price).toEqual(original.price);
    expect(shifted.timezone).toBe('Asia/Shanghai');
    expect(original).toEqual(campaign2024());
  });

  it("today 2026-11-28: the exact shifted campaign (id '2024-graduates' → '2027-graduates')", () => {
    const shifted = shiftCampaignForward(campaign2024(), '2026-11-28');
    expect(shifted.id).toBe('2027-graduates');
    expect(shifted.name).toEqual({
      zh: '2027年1月、7月毕/结业研究生图像采集',
      en: 'Diploma photos for graduate students finishing in January or July 2027',
    });
    expect(shifted.days.map((d) => d.date)).toEqual(['2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
    expect(shifted.weekendDays).toEqual(['2026-12-05', '2026-12-06']);
    expect(shifted.targetTerms).toEqual(['2027-01', '2027-07']);
    expect(shifted.retakeBefore).toBe('2026-07');
    expect(shifted.deferTerms).toEqual(['2028-01', '2028-07']);
  });

  it.each([['2023-10-31'], ['2020-01-01'], ['2023-01-01']])('a campaign already in the future (today %s) is unchanged', (today) => {
    const c = campaign2024();
    const shifted = shiftCampaignForward(c, today);
    expect(shifted).toEqual(campaign2024());
    expect(shifted.id).toBe('2024-graduates');
  });

  it('uses the earliest day even when days are listed out of order', () => {
    const c = campaign2024();
    c.days = [...c.days].reverse();
    const shifted = shiftCampaignForward(c, '2026-11-28');
    expect([...shifted.days.map((d) => d.date)].sort()).toEqual(['2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
  });

  it('shifting an already shifted campaign with the same today changes nothing', () => {
    const once = shiftCampaignForward(campaign2024(), '2026-11-28');
    expect(shiftCampaignForward(once, '2026-11-28')).toEqual(once);
  });
});

describe('localDate: the server clock is UTC, campaign dates are in Asia/Shanghai', () => {
  it.each([
    ['2026-11-28T17:00:00Z', 'Asia/Shanghai', '2026-11-29'],
    ['2026-11-28T15:59:59Z', 'Asia/Shanghai', '2026-11-28'],
    ['2026-11-28T16:00:00Z', 'Asia/Shanghai', '2026-11-29'],
    ['2026-12-31T16:30:00Z', 'Asia/Shanghai', '2027-01-01'],
    ['2026-11-28T17:00:00Z', 'UTC', '2026-11-28'],
    ['2026-11-28T03:00:00Z', 'America/New_York', '2026-11-27'],
  ])('%s in %s → %s', (iso, tz, date) => {
    expect(localDate(new Date(iso), tz)).toBe(date);
  });
});

describe('departmentHomeSite (S4)', () => {
  const cases: Array<{ department: string; departmentSites?: Record<string, SiteId>; site: SiteId }> = [
    { department: SHENZHEN_GRADUATE_SCHOOL, site: 'shenzhen' },
    { department: '深圳研究生院', site: 'shenzhen' },
    { department: '物理学院', site: 'beijing' },
    { department: '不存在的学院', site: 'beijing' },
    { department: '信息工程学院', departmentSites: { 信息工程学院: 'shenzhen' }, site: 'shenzhen' },
    { department: '深圳研究生院', departmentSites: { 深圳研究生院: 'beijing' }, site: 'beijing' },
    { department: '深圳研究生院', departmentSites: { 物理学院: 'beijing' }, site: 'shenzhen' },
    { department: '物理学院', departmentSites: { 信息工程学院: 'shenzhen' }, site: 'beijing' },
  ];
  it.each(cases)('$department with departmentSites $departmentSites → $site', ({ department, departmentSites, site }) => {
    const c = campaign2024();
    if (departmentSites) c.departmentSites = departmentSites;
    expect(departmentHomeSite(c, department)).toBe(site);
  });
});

describe('listDepartments and findDepartmentDay (S1)', () => {
  it('lists the 45 departments of the real campaign, each once', () => {
    const list = listDepartments(campaign2024());
    expect(list).toHaveLength(45);
    expect(new Set(list).size).toBe(45);
    expect(list[0]).toBe('数学科学学院');
    expect(list[44]).toBe('国家发展研究院');
    expect(list).toContain('深圳研究生院');
  });

  it.each([
    ['数学科学学院', '2023-11-01'],
    ['深圳研究生院', '2023-11-02'],
    ['未来技术学院', '2023-11-03'],
    ['法学院', '2023-11-04'],
    ['国家发展研究院', '2023-11-05'],
    ['不存在的学院', undefined],
  ])('%s → %s', (department, date) => {
    expect(findDepartmentDay(campaign2024(), department)).toBe(date);
  });
});
