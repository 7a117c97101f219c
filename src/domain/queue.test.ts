import { describe, expect, it } from 'vitest';
import { afterSkip, checkCollectionCode, COLLECTION_CODE_MAX, estimateWaitMinutes, median, ticketNumber } from './queue.js';

describe('the collection code (C1)', () => {
  it.each([
    ['a typical payload', 'XJ2024ABCD1234', 'XJ2024ABCD1234', '1234'],
    ['trimmed (a scanner adds a line break)', '  abcDEF-123\r\n', 'abcDEF-123', '-123'],
    ['URL-like payload with spaces and punctuation', 'https://example.cn/c?x=1 y', 'https://example.cn/c?x=1 y', '=1 y'],
    ['Chinese characters', '采集码甲乙丙丁', '采集码甲乙丙丁', '甲乙丙丁'],
    ['one character', 'Z', 'Z', 'Z'],
    ['2,048 characters', 'a'.repeat(COLLECTION_CODE_MAX), 'a'.repeat(COLLECTION_CODE_MAX), 'aaaa'],
  ])('accepts %s', (_, raw, code, last4) => {
    expect(checkCollectionCode(raw)).toEqual({ ok: true, code, last4 });
  });

  it.each([
    ['empty', '', 0, []],
    ['only spaces', '   ', 0, []],
    ['2,049 characters', 'a'.repeat(COLLECTION_CODE_MAX + 1), COLLECTION_CODE_MAX + 1, []],
    ['NUL', 'abc\u0000def', 7, ['U+0000']],
    ['a line break inside', 'abc\ndef', 7, ['U+000A']],
    ['a right-to-left override', 'abc\u202Edef', 7, ['U+202E']],
    ['a bidi isolate', '\u2066abc', 4, ['U+2066']],
    ['a zero-width space', 'ab\u200Bcd', 5, ['U+200B']],
    ['a lone surrogate', 'ab\uD800cd', 5, ['U+D800']],
  ])('refuses %s, naming the characters', (_, raw, length, chars) => {
    expect(checkCollectionCode(raw)).toEqual({ ok: false, length, chars });
  });
});

describe('ticket numbers and skips (C4)', () => {
  it.each([
    ['beijing', 37, 'B-037'],
    ['beijing', 1, 'B-001'],
    ['shenzhen', 12, 'S-012'],
    ['beijing', 1234, 'B-1234'],
  ] as const)('%s #%d is %s', (site, n, number) => expect(ticketNumber(site, n)).toBe(number));

  it('a first skip sends the ticket back to waiting, the second removes it', () => {
    expect(afterSkip(0)).toEqual({ skips: 1, status: 'waiting' });
    expect(afterSkip(1)).toEqual({ skips: 2, status: 'removed' });
  });
});

describe('the waiting-time estimate', () => {
  it.each([
    [[], null],
    [[60], 60],
    [[30, 90], 60],
    [[100, 20, 60], 60],
    [[10, 40, 20, 30], 25],
  ])('median of %j is %s', (values, m) => expect(median(values)).toBe(m));

  it.each([
    // service seconds (newest first), position, stations, fallback minutes → minutes
    ['called: 0', [60, 60], 0, 2, 1, 0],
    ['median 60 s × 10 ÷ 2 stations', [60, 60, 60], 10, 2, 1, 5],
    ['median 90 s × 3 ÷ 1 station, rounded up', [90, 80, 100], 3, 1, 1, 5],
    ['next in line with 4 stations: at least a minute', [60], 1, 4, 1, 1],
    ['before anyone was served: the site’s minutes per student', [], 6, 2, 1.5, 5],
    ['only the last 20 count', [...Array<number>(20).fill(60), ...Array<number>(30).fill(600)], 2, 1, 1, 2],
    ['a slow outlier does not move the median', [60, 60, 60, 60, 3600], 4, 2, 1, 2],
    ['no open station counts as one', [120], 2, 0, 1, 4],
  ])('%s', (_, seconds, position, stations, fallback, minutes) => {
    expect(estimateWaitMinutes({ recentServiceSeconds: seconds, position, stations, fallbackMinutesPerStudent: fallback })).toBe(minutes);
  });
});
