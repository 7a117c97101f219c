import { describe, expect, it } from 'vitest';
import { wallClockOf, wallClockText } from './wall-clock.js';

describe('the campaign wall clock', () => {
  it('reads an instant in Asia/Shanghai whatever the server zone, across the date line of UTC', () => {
    // 2024-10-20 16:30 UTC is 2024-10-21 00:30 in Beijing: the date moves, the hour is 00 (not 24)
    const w = wallClockOf('2024-10-20T16:30:05Z', 'Asia/Shanghai');
    expect(w).toEqual({ date: '2024-10-21', time: '00:30', timeWithSeconds: '00:30:05', asUtcMs: Date.UTC(2024, 9, 21, 0, 30, 5) });
    expect(wallClockText(new Date('2024-10-20T02:00:00Z'), 'Asia/Shanghai')).toBe('2024-10-20 10:00');
    expect(wallClockText(Date.parse('2024-10-20T02:00:00Z'), 'UTC')).toBe('2024-10-20 02:00');
  });

  it('follows daylight saving time in zones that have it', () => {
    expect(wallClockOf('2024-07-01T12:00:00Z', 'America/New_York').time).toBe('08:00');
    expect(wallClockOf('2024-12-01T12:00:00Z', 'America/New_York').time).toBe('07:00');
  });

  it('answers the same reading on repeated use of one zone (its formatter is reused)', () => {
    const a = wallClockOf('2024-10-20T02:00:00Z', 'Asia/Shanghai');
    const b = wallClockOf('2024-10-20T02:00:00Z', 'Asia/Shanghai');
    expect(b).toEqual(a);
  });
});
