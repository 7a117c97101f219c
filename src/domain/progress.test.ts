import { describe, expect, it } from 'vitest';
import type { ProgressFacts, ProgressState } from './progress.js';
import { addToProgressCounts, campaignWallClock, emptyProgressCounts, isNoShow, PROGRESS_STATES, progressCondition, progressOf } from './progress.js';

const none: Omit<ProgressFacts, 'paid'> = { booked: false, checkedIn: false, photographed: false, confirmed: false };

describe('progress of a student (issue 9: not booked → booked → checked in → photographed → confirmed)', () => {
  it('takes the furthest step whose fact holds; only required students have a state', () => {
    expect(progressOf('required', none)).toBe('not-booked');
    expect(progressOf('required', { ...none, booked: true })).toBe('booked');
    // a walk-in: checked in without a booking
    expect(progressOf('required', { ...none, checkedIn: true })).toBe('checked-in');
    expect(progressOf('required', { ...none, booked: true, checkedIn: true, photographed: true })).toBe('photographed');
    // confirmed wins whatever else is known (C3)
    expect(progressOf('required', { booked: false, checkedIn: false, photographed: true, confirmed: true })).toBe('confirmed');
    expect(progressOf('excluded', { ...none, booked: true })).toBeNull();
    expect(progressOf('not-in-campaign', none)).toBeNull();
  });

  it('the filter condition of each state agrees with progressOf for every combination of facts', () => {
    const facts = ['booked', 'checkedIn', 'photographed', 'confirmed'] as const;
    for (let mask = 0; mask < 16; mask++) {
      const f = Object.fromEntries(facts.map((k, i) => [k, Boolean(mask & (1 << i))])) as Omit<ProgressFacts, 'paid'>;
      const state = progressOf('required', f);
      for (const s of PROGRESS_STATES) {
        const { holds, absent } = progressCondition(s);
        const matches = (holds === null || f[holds]) && absent.every((a) => !f[a]);
        expect(matches, `${JSON.stringify(f)} as ${s}`).toBe(state === s);
      }
    }
  });

  it('a no-show booked a session that is over (campaign wall clock) and has no ticket or shot', () => {
    const session = { date: '2023-11-01', end: '12:00' };
    expect(isNoShow('booked', session, { date: '2023-11-01', time: '11:59' })).toBe(false);
    expect(isNoShow('booked', session, { date: '2023-11-01', time: '12:00' })).toBe(true);
    expect(isNoShow('booked', session, { date: '2023-11-02', time: '08:00' })).toBe(true);
    expect(isNoShow('checked-in', session, { date: '2023-11-02', time: '08:00' })).toBe(false);
    expect(isNoShow('booked', null, { date: '2023-11-02', time: '08:00' })).toBe(false);
  });

  it('reads the wall clock in the campaign’s zone whatever the server’s (Asia/Shanghai is UTC+8)', () => {
    expect(campaignWallClock(new Date('2023-10-31T16:30:00Z'), 'Asia/Shanghai')).toEqual({ date: '2023-11-01', time: '00:30' });
    expect(campaignWallClock(new Date('2023-11-01T06:05:00Z'), 'Asia/Shanghai')).toEqual({ date: '2023-11-01', time: '14:05' });
  });

  it('counts each step as reached at least, and paid apart', () => {
    const counts = emptyProgressCounts();
    const add = (state: ProgressState, paid: boolean, n = 1) => addToProgressCounts(counts, state, paid, n);
    add('not-booked', true);
    add('booked', false, 2);
    add('checked-in', true);
    add('photographed', false);
    add('confirmed', true);
    expect(counts).toEqual({ required: 6, booked: 5, checkedIn: 3, photographed: 2, confirmed: 1, paid: 3 });
  });
});
