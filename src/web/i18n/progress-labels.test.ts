// The progress and after-capture dashboards say what their figures count (outside test of issue 10, F4 finding 1):
// the "booked" figure counts students who reached booking or further (a walk-in photographed without booking too),
// so it is named 已预约或已到场 / Booked or came, and the group without a booked or check-in day is not "未预约".
import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { zh } from './zh.js';

describe('progress labels', () => {
  it('name the booked figure as reached-or-further and the day-less group truly, in zh and en', () => {
    expect(zh.progress.counts.booked).toBe('已预约或已到场');
    expect(en.progress.counts.booked).toBe('Booked or came');
    expect(zh.corrections.dashboard.figures.booked).toBe('已预约或已到场');
    expect(en.corrections.dashboard.figures.booked).toBe('Booked or came');
    expect(zh.progress.noDay).toBe('无预约或签到日期');
    expect(en.progress.noDay).toBe('No booked or check-in day');
    expect(zh.corrections.dashboard.hint).toContain('按照片确认的日期');
    expect(en.corrections.dashboard.hint).toContain('the day the photo was confirmed');
  });
});
