import { describe, expect, it } from 'vitest';
import { compareTerms, parseTerm, shiftTermByYears } from './term.js';

describe('parseTerm: the year-month spellings of docs/rules/roster-format.md normalise to YYYY-MM', () => {
  it.each([
    ['2024-01', '2024-01'],
    ['2024-1', '2024-01'],
    ['2024年1月', '2024-01'],
    ['2024年01月', '2024-01'],
    ['2024年1', '2024-01'],
    ['2024 年 1 月', '2024-01'],
    ['2024.01', '2024-01'],
    ['2024.1', '2024-01'],
    ['2024/1', '2024-01'],
    ['2024/01', '2024-01'],
    ['202401', '2024-01'],
    ['  2024-01  ', '2024-01'],
    ['\t2024年1月\n', '2024-01'],
    [' 2024/1 ', '2024-01'],
    ['2024-07', '2024-07'],
    ['2024年7月', '2024-07'],
    ['2024-12', '2024-12'],
    ['2025.7', '2025-07'],
  ])('%j → %s', (raw, expected) => {
    expect(parseTerm(raw)).toBe(expected);
  });

  it.each([
    ['2024-13'],
    ['2024-00'],
    ['2024年13月'],
    ['2024年0月'],
    ['202413'],
    ['202400'],
    ['abc'],
    [''],
    ['   '],
    ['2024'],
    ['24-01'],
    ['2024-001'],
    ['2024-01-15'],
    ['01/2024'],
    ['2024-1a'],
    ['0000-01'],
  ])('%j → undefined', (raw) => {
    expect(parseTerm(raw)).toBeUndefined();
  });
});

describe('compareTerms', () => {
  it.each([
    ['2024-01', '2024-07', -1],
    ['2024-07', '2024-01', 1],
    ['2024-07', '2024-07', 0],
    ['2023-12', '2024-01', -1],
    ['2025-01', '2024-12', 1],
    ['2023-07', '2023-08', -1],
  ])('compareTerms(%s, %s) has the sign of %i', (a, b, sign) => {
    expect(Math.sign(compareTerms(a, b))).toBe(sign);
  });

  it('sorts terms chronologically', () => {
    expect(['2025-01', '2023-07', '2024-07', '2024-01'].sort(compareTerms)).toEqual(['2023-07', '2024-01', '2024-07', '2025-01']);
  });
});

describe('shiftTermByYears', () => {
  it.each([
    ['2024-01', 3, '2027-01'],
    ['2024-07', 1, '2025-07'],
    ['2023-07', 0, '2023-07'],
    ['2024-12', -1, '2023-12'],
    ['1999-01', 1, '2000-01'],
  ])('shiftTermByYears(%s, %i) → %s', (term, years, expected) => {
    expect(shiftTermByYears(term, years)).toBe(expected);
  });
});
