// Who gets which reminder when (issue #3 part 7; rules S1, S2, C1, C2, P1, E4–E6 of docs/rules/campaign-rules.md), with
// the server's clock in UTC and every time meant in Asia/Shanghai, and what the mails say.
import { describe, expect, it } from 'vitest';
import type { CampaignDefinition } from './campaign.js';
import type { ReminderBooking, ReminderStudent } from './reminders.js';
import { campaign2024 } from '../../test/fixtures/campaign-2024.js';
import { buildNotice, formatNoticeDate, noticeLines } from './notice.js';
import { isValidMailAddress, maskMailAddress, planDueReminders, renderNotificationMail, renderReminderMail, renderSigninLinkMail, shiftDate } from './reminders.js';

const CAMPAIGN: CampaignDefinition = {
  ...campaign2024(),
  days: [
    { date: '2023-11-01', departments: ['物理学院'] },
    { date: '2023-11-02', departments: ['数学科学学院'] },
  ],
};

const student = (id: string, over: Partial<ReminderStudent> = {}): ReminderStudent => ({
  id,
  studentNo: `no-${id}`,
  name: '张小三',
  email: `${id}@example.edu.cn`,
  department: '物理学院',
  decision: 'required',
  site: 'beijing',
  ...over,
});
const booking = (studentId: string, date: string, start = '13:00', end = '17:30'): ReminderBooking => ({ bookingId: `b-${studentId}`, studentId, site: 'beijing', date, start, end });
const plan = (nowIso: string, students: ReminderStudent[], bookings: ReminderBooking[] = []) => planDueReminders({ campaign: CAMPAIGN, now: new Date(nowIso), students, bookings });

describe('planDueReminders', () => {
  // 物理学院's day is Wednesday 2023-11-01 (S1): a week before, 18:00 Beijing time = 10:00 UTC on 10-25.
  it.each([
    ['2023-10-25T09:59:59.000Z', 0, 'a second before 18:00 Beijing time, a week ahead'],
    ['2023-10-25T10:00:00.000Z', 1, 'at 18:00 Beijing time a week ahead (10:00 UTC)'],
    ['2023-10-31T23:00:00.000Z', 1, 'the night before, still not started'],
    ['2023-11-01T01:30:00.000Z', 0, 'once the day’s first window has started'],
  ])('a required student without a booking, at %s: %i (%s)', (now, count) => {
    const due = plan(now, [student('s1')]);
    expect(due).toHaveLength(count);
    if (count) expect(due[0]).toMatchObject({ kind: 'reminder.day', dedupeKey: 'reminder:day:s1:2023-11-01', date: '2023-11-01', email: 's1@example.edu.cn', windows: CAMPAIGN.windows });
  });

  // A booking on Thursday 11-02 13:00: the evening before at 18:00 Beijing time = 2023-11-01T10:00Z.
  it.each([
    ['2023-11-01T09:59:00.000Z', 0],
    ['2023-11-01T10:00:00.000Z', 1],
    ['2023-11-02T04:59:00.000Z', 1],
    ['2023-11-02T05:00:00.000Z', 0],
  ])('a student with a booking, at %s: %i booking reminder, never the department-day one', (now, count) => {
    const due = plan(now, [student('s1')], [booking('s1', '2023-11-02')]);
    expect(due).toHaveLength(count);
    if (count) expect(due[0]).toMatchObject({ kind: 'reminder.booking', dedupeKey: 'reminder:booking:b-s1:2023-11-02', windows: [{ start: '13:00', end: '17:30' }] });
  });

  it('a week before, a booked student gets no department-day reminder', () => {
    expect(plan('2023-10-26T00:00:00.000Z', [student('s1')], [booking('s1', '2023-11-02')])).toEqual([]);
  });

  it.each(['excluded', 'not_in_campaign'])('a student whose decision is %s gets nothing (E4–E6)', (decision) => {
    expect(plan('2023-10-26T00:00:00.000Z', [student('s1', { decision })])).toEqual([]);
    expect(plan('2023-11-01T12:00:00.000Z', [student('s1', { decision })], [booking('s1', '2023-11-02')])).toEqual([]);
  });

  it('a student already photographed gets nothing; one without an address is returned with email null', () => {
    expect(plan('2023-10-26T00:00:00.000Z', [student('s1', { photographed: true })])).toEqual([]);
    expect(plan('2023-10-26T00:00:00.000Z', [student('s2', { email: null })])).toMatchObject([{ studentId: 's2', email: null }]);
  });

  it('a department without a day gets nothing', () => {
    expect(plan('2023-10-26T00:00:00.000Z', [student('s1', { department: '不存在的院系' })])).toEqual([]);
  });
});

describe('mail addresses', () => {
  it.each(['zhang@example.edu.cn', 'a.b+c@pku.edu.cn', 'x_y@mail.example.com'])('%s is valid', (a) => expect(isValidMailAddress(a)).toBe(true));
  it.each(['', 'zhang', 'zhang@', '@example.com', 'zhang@example', 'a b@example.com', '张三 <z@example.com>', 'z@@example.com', 'z@example..com', `${'a'.repeat(250)}@x.cn`])(
    '%j is not',
    (a) => expect(isValidMailAddress(a)).toBe(false),
  );
  it('masks an address for logs', () => {
    expect(maskMailAddress('zhangsan@example.edu.cn')).toBe('z***@example.edu.cn');
    expect(maskMailAddress('junk')).toBe('****');
  });
  it('shifts dates across months', () => {
    expect(shiftDate('2023-11-01', -7)).toBe('2023-10-25');
    expect(shiftDate('2024-03-01', -1)).toBe('2024-02-29');
  });
});

describe('messages', () => {
  it('the booking reminder says when (Beijing time), where, what to bring (C1, C2) and the price (P1), in Chinese then English', () => {
    const m = renderReminderMail({ kind: 'reminder.booking', site: 'beijing', date: '2023-11-02', windows: [{ start: '13:00', end: '17:30' }] }, CAMPAIGN, '张小三');
    expect(m.subject).toContain('2023-11-02 13:00–17:30');
    expect(m.text).toContain('2023年11月2日（星期四） 13:00–17:30（北京时间）');
    expect(m.text).toContain('新太阳学生活动中心105、106');
    expect(m.text).toContain('至少提前 3 天');
    expect(m.text).toContain('深色正装，不戴帽子');
    expect(m.text).toContain('20 元/套');
    expect(m.text).toContain('仅限电子支付，不收现金'); // the notice's wording (P1), one source: campaign-text.ts
    expect(m.text).toContain('Thursday 2 November 2023, 13:00–17:30 (Beijing time, UTC+8)');
    expect(m.text).toContain('no hat');
    expect(m.text.indexOf('张小三')).toBeLessThan(m.text.indexOf('Thursday'));
  });

  it('the department-day reminder names both windows and the other listed times (S1, S2)', () => {
    const m = renderReminderMail({ kind: 'reminder.day', site: 'beijing', date: '2023-11-01', windows: CAMPAIGN.windows }, CAMPAIGN, '李四');
    expect(m.text).toContain('2023年11月1日（星期三），时段 09:30–12:00、13:00–17:30');
    expect(m.text).toContain('S2');
    expect(m.text).toContain('09:30–12:00 or 13:00–17:30');
  });

  it('notifications: a waitlist promotion and a move name the new session', () => {
    const promoted = renderNotificationMail('waitlist.promoted', { date: '2023-11-03', start: '09:30', end: '12:00', site: 'beijing' }, CAMPAIGN, '王五');
    expect(promoted.subject).toContain('候补成功');
    expect(promoted.text).toContain('2023年11月3日（星期五） 09:30–12:00');
    const moved = renderNotificationMail('booking.moved', { date: '2023-11-03', start: '13:00', end: '17:30', site: 'beijing', reason: 'capacity' }, CAMPAIGN, '王五');
    expect(moved.subject).toContain('已调整');
    expect(moved.text).toContain('Friday 3 November 2023, 13:00–17:30');
  });

  it('notifications from a schedule edit: a move says the schedule changed; a cancellation says so and names the lost session', () => {
    const moved = renderNotificationMail('booking.moved', { date: '2023-11-03', start: '13:00', end: '17:30', site: 'beijing', reason: 'schedule' }, CAMPAIGN, '王五');
    expect(moved.text).toContain('由于采集日程调整');
    expect(moved.text).toContain('Because the campaign schedule changed');
    const cancelled = renderNotificationMail('booking.cancelled', { date: '2023-11-03', start: '13:00', end: '17:30', site: 'beijing', reason: 'schedule' }, CAMPAIGN, '王五');
    expect(cancelled.subject).toContain('已取消');
    expect(cancelled.text).toContain('2023年11月3日（星期五） 13:00–17:30');
    expect(cancelled.text).not.toContain('已改到');
    expect(cancelled.text).toContain('was cancelled');
  });

  it('a Shenzhen student is told where in their language, in the notice’s words (S4), not the data’s English in the Chinese part', () => {
    const m = renderReminderMail({ kind: 'reminder.day', site: 'shenzhen', date: '2023-11-01', windows: CAMPAIGN.windows }, CAMPAIGN, '李四');
    const [zh, en] = m.text.split('\n—\n');
    expect(zh).toContain('地点：由深圳研究生院教务办公室在深圳另行安排（S1）');
    expect(zh).not.toContain('arranged');
    expect(en).toContain("at arranged in Shenzhen by the Shenzhen graduate school's academic office (S1)");
    const moved = renderNotificationMail('booking.moved', { date: '2023-11-03', start: '13:00', end: '17:30', site: 'shenzhen' }, CAMPAIGN, '王五');
    expect(moved.text).toContain('地点：由深圳研究生院教务办公室在深圳另行安排。');
  });

  it('dates, places and the price read exactly as in the notice (one wording for both)', () => {
    const notice = { zh: buildNotice(CAMPAIGN, 'zh'), en: buildNotice(CAMPAIGN, 'en') };
    const m = renderReminderMail({ kind: 'reminder.day', site: 'beijing', date: '2023-11-05', windows: CAMPAIGN.windows }, CAMPAIGN, '李四');
    for (const lang of ['zh', 'en'] as const) {
      const p1 = noticeLines(notice[lang]).find((l) => l.rule === 'P1')!.text;
      expect(m.text).toContain(p1.slice(0, -1)); // without the final stop: the mail cites the rule after it
      expect(m.text).toContain(formatNoticeDate('2023-11-05', lang));
      expect(m.text).toContain(notice[lang].facts.find((f) => f.key === 'place')!.value);
    }
  });

  it('the sign-in link mail carries the link twice and its validity', () => {
    const m = renderSigninLinkMail('http://localhost:8080/signin/abc', 15);
    expect(m.text.split('http://localhost:8080/signin/abc')).toHaveLength(3);
    expect(m.text).toContain('15 分钟');
  });
});
