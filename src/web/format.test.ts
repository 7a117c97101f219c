import { describe, expect, it } from 'vitest';
import { formatInstant, wallClockNow, wallClockParts } from './format.js';

describe('the campaign wall clock in the browser', () => {
  it('shows an instant in Beijing time whatever the browser zone, across midnight (hour 00, not 24)', () => {
    expect(formatInstant('2024-10-31T16:05:09.000Z')).toBe('2024-11-01 00:05:09');
    expect(formatInstant('not a date')).toBe('not a date');
    expect(wallClockNow('Asia/Shanghai', new Date('2024-11-01T01:30:59.000Z'))).toBe('2024-11-01 09:30');
    expect(wallClockNow('America/New_York', new Date('2024-07-01T12:00:00.000Z'))).toBe('2024-07-01 08:00');
    expect(wallClockParts(new Date('2024-11-01T01:30:05.000Z'))).toEqual({ date: '2024-11-01', time: '09:30', seconds: '05' });
  });
});
