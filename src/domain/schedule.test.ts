// The schedule's pure rules, table by table (rules S1–S4, E1–E7 of docs/rules/campaign-rules.md): seats per window,
// the sessions of the campaign, wall-clock times of Asia/Shanghai on a server whose clock is UTC, and
// who may book which session.
import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignDefinition } from './campaign.js';
import type { BookingRefusal, BookingStudent, SiteSettings } from './schedule.js';
import { campaign2024 } from '../../test/fixtures/campaign-2024.js';
import { checkBookingAllowed, DEFAULT_SITE_SETTINGS, minutesBetween, planSessionSlots, sessionCapacity, zonedTimeToInstant } from './schedule.js';

/** The demo campaign (src/services/demo/campaign-2024.json) with a few departments per day. */
const CAMPAIGN: CampaignDefinition = {
  ...campaign2024(),
  days: [
    { date: '2023-11-01', departments: ['数学科学学院', '物理学院'] },
    { date: '2023-11-02', departments: ['信息管理系', '深圳研究生院'] },
    { date: '2023-11-03', departments: ['计算机学院'] },
    { date: '2023-11-04', departments: ['法学院', '教育学院'] },
    { date: '2023-11-05', departments: ['光华管理学院'] },
  ],
};

describe('minutesBetween and sessionCapacity (S1: stations × window minutes ÷ minutes per student, rounded down)', () => {
  it.each([
    ['09:30', '12:00', 150],
    ['13:00', '17:30', 270],
    ['08:00', '08:00', 0],
    ['23:00', '23:59', 59],
  ])('%s–%s lasts %i minutes', (start, end, minutes) => {
    expect(minutesBetween(start, end)).toBe(minutes);
  });

  const cases: [string, string, SiteSettings, number][] = [
    ['09:30', '12:00', DEFAULT_SITE_SETTINGS, 300], // the default: 2 stations, 1 minute
    ['13:00', '17:30', DEFAULT_SITE_SETTINGS, 540],
    ['09:30', '12:00', { stations: 1, minutesPerStudent: 30 }, 5],
    ['13:00', '17:30', { stations: 1, minutesPerStudent: 30 }, 9],
    ['09:30', '12:00', { stations: 3, minutesPerStudent: 2 }, 225],
    ['13:00', '17:30', { stations: 3, minutesPerStudent: 2 }, 405],
    ['09:30', '12:00', { stations: 1, minutesPerStudent: 7 }, 21], // 21.4: a part of a student is no seat
    ['09:30', '12:00', { stations: 1, minutesPerStudent: 50 }, 3],
    ['13:00', '17:30', { stations: 1, minutesPerStudent: 50 }, 5], // 5.4
    ['09:30', '12:00', { stations: 1, minutesPerStudent: 151 }, 0],
    ['12:00', '09:30', DEFAULT_SITE_SETTINGS, 0], // a reversed window has no seats, not negative ones
  ];
  it.each(cases)('%s–%s with %o has %i seats', (start, end, settings, seats) => {
    expect(sessionCapacity(start, end, settings)).toBe(seats);
  });
});

describe('planSessionSlots (S1, S4: every site has every day and window)', () => {
  const slots = planSessionSlots(CAMPAIGN, () => DEFAULT_SITE_SETTINGS);

  it('makes 2 sites × 5 days × 2 windows = 20 sessions, each slot once', () => {
    expect(slots).toHaveLength(2 * 5 * 2);
    expect(new Set(slots.map((s) => `${s.site} ${s.date} ${s.start}`)).size).toBe(20);
    for (const site of ['beijing', 'shenzhen'] as const) {
      for (const day of CAMPAIGN.days) {
        expect(slots.filter((s) => s.site === site && s.date === day.date).map((s) => [s.start, s.end])).toEqual([
          ['09:30', '12:00'],
          ['13:00', '17:30'],
        ]);
      }
    }
  });

  it('gives each site its own capacity', () => {
    const perSite = planSessionSlots(CAMPAIGN, (site) => (site === 'shenzhen' ? { stations: 1, minutesPerStudent: 3 } : DEFAULT_SITE_SETTINGS));
    expect(perSite.find((s) => s.site === 'beijing' && s.start === '09:30')?.capacity).toBe(300);
    expect(perSite.find((s) => s.site === 'shenzhen' && s.start === '09:30')?.capacity).toBe(50);
    expect(perSite.find((s) => s.site === 'shenzhen' && s.start === '13:00')?.capacity).toBe(90);
  });

  it('a campaign without sites or days has no sessions', () => {
    expect(planSessionSlots({ ...CAMPAIGN, days: [] }, () => DEFAULT_SITE_SETTINGS)).toEqual([]);
    expect(planSessionSlots({ ...CAMPAIGN, sites: [] }, () => DEFAULT_SITE_SETTINGS)).toEqual([]);
  });
});

describe('zonedTimeToInstant (the server clock in UTC; every time meant in Asia/Shanghai)', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  const cases: [string, string, string, string][] = [
    ['2023-11-01', '09:30', 'Asia/Shanghai', '2023-11-01T01:30:00.000Z'],
    ['2023-11-01', '13:00', 'Asia/Shanghai', '2023-11-01T05:00:00.000Z'],
    ['2023-11-01', '00:30', 'Asia/Shanghai', '2023-10-31T16:30:00.000Z'], // the day before in UTC
    ['2024-01-01', '07:59', 'Asia/Shanghai', '2023-12-31T23:59:00.000Z'], // the year before in UTC
    ['2023-11-01', '09:30', 'UTC', '2023-11-01T09:30:00.000Z'],
    ['2023-03-26', '10:00', 'Europe/Berlin', '2023-03-26T08:00:00.000Z'], // after the spring change: UTC+2
    ['2023-03-25', '10:00', 'Europe/Berlin', '2023-03-25T09:00:00.000Z'], // before it: UTC+1
    ['2023-11-05', '12:00', 'America/New_York', '2023-11-05T17:00:00.000Z'], // after the autumn change: UTC−5
  ];

  it.each(cases)('%s %s in %s is %s', (date, time, zone, iso) => {
    expect(zonedTimeToInstant(date, time, zone).toISOString()).toBe(iso);
  });

  it.each(['UTC', 'America/Los_Angeles', 'Asia/Shanghai'])('does not depend on the server’s own time zone (TZ=%s)', (tz) => {
    process.env.TZ = tz;
    expect(zonedTimeToInstant('2023-11-01', '09:30', 'Asia/Shanghai').toISOString()).toBe('2023-11-01T01:30:00.000Z');
  });
});

describe('checkBookingAllowed (S2–S4, E1–E7; seats are counted by the database, not here)', () => {
  const BEFORE = new Date('2023-10-20T02:00:00.000Z');

  function student(over: Partial<BookingStudent> = {}): BookingStudent {
    return { decision: 'required', rule: 'E1', site: 'beijing', department: '物理学院', employed: false, ...over };
  }
  const session = (date: string, start = '09:30', site: 'beijing' | 'shenzhen' = 'beijing') => ({ site, date, start });

  const cases: { name: string; student: BookingStudent; session: ReturnType<typeof session>; now?: Date; refusal: BookingRefusal | null }[] = [
    // Allowed.
    { name: 'E1 on the department’s own day (S1)', student: student(), session: session('2023-11-01'), refusal: null },
    { name: 'E1 on another weekday (S2)', student: student(), session: session('2023-11-03', '13:00'), refusal: null },
    { name: 'E2 (completing) books like anyone required', student: student({ rule: 'E2' }), session: session('2023-11-02'), refusal: null },
    { name: 'E3 (deferred, photographed again) books like anyone required', student: student({ rule: 'E3' }), session: session('2023-11-02'), refusal: null },
    { name: 'an employed student on the weekend (S3)', student: student({ employed: true }), session: session('2023-11-04'), refusal: null },
    { name: 'a weekend department on its own weekend day (S3)', student: student({ department: '法学院' }), session: session('2023-11-04'), refusal: null },
    { name: 'a weekend department on the other weekend day (S3)', student: student({ department: '法学院' }), session: session('2023-11-05', '13:00'), refusal: null },
    { name: 'a weekend department on a weekday (S2)', student: student({ department: '法学院' }), session: session('2023-11-01'), refusal: null },
    { name: 'a Shenzhen student at the Shenzhen site (S4)', student: student({ department: '深圳研究生院', site: 'shenzhen' }), session: session('2023-11-02', '09:30', 'shenzhen'), refusal: null },
    { name: 'a Shenzhen-school student studying in Beijing at the Beijing site (S4)', student: student({ department: '深圳研究生院', site: 'beijing' }), session: session('2023-11-02'), refusal: null },
    { name: 'one minute before the start', student: student(), session: session('2023-11-01'), now: new Date('2023-11-01T01:29:00.000Z'), refusal: null },
    // Refused: not required (E4–E7), with the rule that excludes them.
    { name: 'E4 (deferring to a later term)', student: student({ decision: 'excluded', rule: 'E4' }), session: session('2023-11-01'), refusal: { code: 'STUDENT_NOT_ELIGIBLE', rule: 'E4' } },
    { name: 'E5 (completed earlier, converting)', student: student({ decision: 'excluded', rule: 'E5' }), session: session('2023-11-01'), refusal: { code: 'STUDENT_NOT_ELIGIBLE', rule: 'E5' } },
    { name: 'E6 (single certificate)', student: student({ decision: 'excluded', rule: 'E6' }), session: session('2023-11-01'), refusal: { code: 'STUDENT_NOT_ELIGIBLE', rule: 'E6' } },
    { name: 'not in the campaign’s terms (no rule)', student: student({ decision: 'not-in-campaign', rule: null }), session: session('2023-11-01'), refusal: { code: 'STUDENT_NOT_ELIGIBLE', rule: null } },
    {
      name: 'eligibility comes first: an excluded student at the wrong site on the weekend in the past hears about eligibility',
      student: student({ decision: 'excluded', rule: 'E6', site: 'shenzhen' }),
      session: session('2023-11-04'),
      now: new Date('2023-12-01T00:00:00.000Z'),
      refusal: { code: 'STUDENT_NOT_ELIGIBLE', rule: 'E6' },
    },
    // Refused: the wrong site (S4).
    { name: 'a Shenzhen student choosing Beijing (S4)', student: student({ department: '深圳研究生院', site: 'shenzhen' }), session: session('2023-11-02'), refusal: { code: 'WRONG_SITE', studentSite: 'shenzhen' } },
    { name: 'a Beijing student choosing Shenzhen (S4)', student: student(), session: session('2023-11-01', '09:30', 'shenzhen'), refusal: { code: 'WRONG_SITE', studentSite: 'beijing' } },
    // Refused: the weekend (S3).
    { name: 'a non-employed weekday student on Saturday (S3)', student: student(), session: session('2023-11-04'), refusal: { code: 'WEEKEND_NOT_ALLOWED' } },
    { name: 'a non-employed weekday student on Sunday afternoon (S3)', student: student(), session: session('2023-11-05', '13:00'), refusal: { code: 'WEEKEND_NOT_ALLOWED' } },
    { name: 'a department not in the table is no weekend department (S3)', student: student({ department: '不存在的学院' }), session: session('2023-11-04'), refusal: { code: 'WEEKEND_NOT_ALLOWED' } },
    // Refused: the past (the session's Shanghai start against the UTC clock).
    { name: 'exactly at the start (09:30 Shanghai = 01:30 UTC)', student: student(), session: session('2023-11-01'), now: new Date('2023-11-01T01:30:00.000Z'), refusal: { code: 'SESSION_IN_PAST' } },
    { name: 'a day later', student: student(), session: session('2023-11-01', '13:00'), now: new Date('2023-11-02T00:00:00.000Z'), refusal: { code: 'SESSION_IN_PAST' } },
    {
      name: 'the UTC date is still the day before (17:00 UTC = 01:00 in Shanghai): that morning is still open',
      student: student(),
      session: session('2023-11-02'),
      now: new Date('2023-11-01T17:00:00.000Z'),
      refusal: null,
    },
    {
      name: 'the UTC clock says 01:30, which is 09:30 in Shanghai: started',
      student: student(),
      session: session('2023-11-02'),
      now: new Date('2023-11-02T01:30:00.000Z'),
      refusal: { code: 'SESSION_IN_PAST' },
    },
    { name: 'the afternoon of a day whose morning has started is still open', student: student(), session: session('2023-11-01', '13:00'), now: new Date('2023-11-01T01:30:00.000Z'), refusal: null },
  ];

  it.each(cases)('$name', (c) => {
    expect(checkBookingAllowed(c.student, c.session, CAMPAIGN, c.now ?? BEFORE)).toEqual(c.refusal);
  });
});
