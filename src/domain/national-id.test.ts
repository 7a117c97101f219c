import { describe, expect, it } from 'vitest';
import { computeNationalIdCheckChar, maskNationalId, scrubNationalIds, validateNationalId } from './national-id.js';

// Check characters worked out by hand with ISO 7064 MOD 11-2 (GB 11643); 11010519491231002X is the standard's example.
describe('computeNationalIdCheckChar', () => {
  it.each([
    ['11010519491231002', 'X'],
    ['44052418800101001', '4'],
    ['11010120000229123', 'X'],
    ['44030419991231456', '9'],
    ['11010119900307123', '3'],
    ['11010119900307987', '6'],
    ['32010219850615001', '4'],
    // one for each of the 11 check characters (sum mod 11 = 0..10)
    ['11010819950817109', '0'],
    ['11010819950817103', '1'],
    ['11010819950817108', '2'],
    ['11010819950817102', '3'],
    ['11010819950817107', '4'],
    ['11010819950817101', '5'],
    ['11010819950817106', '6'],
    ['11010819950817100', '7'],
    ['11010819950817105', '8'],
    ['11010819950817118', '9'],
    ['11010819950817104', 'X'],
  ])('%s → %s', (first17, check) => {
    expect(computeNationalIdCheckChar(first17)).toBe(check);
  });
});

describe('validateNationalId', () => {
  it.each([
    ['11010519491231002X', '11010519491231002X'],
    ['11010519491231002x', '11010519491231002X'], // lower-case x normalised
    ['  11010519491231002x  ', '11010519491231002X'], // trimmed
    ['110101199003071233', '110101199003071233'],
    ['110101199003079876', '110101199003079876'],
    ['11010120000229123X', '11010120000229123X'], // 29 February of a leap year
    ['440304199912314569', '440304199912314569'],
    ['320102198506150014', '320102198506150014'],
    ['110108199508171082', '110108199508171082'],
    ['110108199508171090', '110108199508171090'],
  ])('%j is valid and normalises to %s', (raw, value) => {
    expect(validateNationalId(raw)).toEqual({ ok: true, value });
  });

  it.each([
    // wrong check digit
    ['110105194912310021', 'checkDigit'],
    ['110101199003071234', 'checkDigit'],
    ['11010119900307123X', 'checkDigit'],
    ['440304199912314560', 'checkDigit'],
    ['32010219850615001X', 'checkDigit'],
    // bad birth dates (check digit computed so that only the date is wrong)
    ['11010519990230' + '123' + computeNationalIdCheckChar('11010519990230123'), 'birthDate'],
    ['11010519991301' + '123' + computeNationalIdCheckChar('11010519991301123'), 'birthDate'],
    ['11010519990100' + '123' + computeNationalIdCheckChar('11010519990100123'), 'birthDate'],
    ['11010519010229' + '123' + computeNationalIdCheckChar('11010519010229123'), 'birthDate'], // 1901 is not a leap year
    ['11010518991231' + '123' + computeNationalIdCheckChar('11010518991231123'), 'birthDate'], // before 1900
    ['440524188001010014', 'birthDate'], // 1880: valid check digit, but before 1900
    // wrong length or characters
    ['11010519491231002', 'format'],
    ['11010519491231002X1', 'format'],
    ['110105194912310', 'format'],
    ['', 'format'],
    ['1101051949123100XX', 'format'],
    ['X10105194912310021', 'format'],
    ['11010519491231002Y', 'format'],
    ['110105 19491231002X', 'format'],
    ['１１０１０５１９４９１２３１００２Ｘ', 'format'], // full-width digits
  ])('%j → problem %s', (raw, problem) => {
    expect(validateNationalId(raw)).toEqual({ ok: false, problem });
  });
});

describe('maskNationalId never reveals more than the first 2 and last 2 characters', () => {
  it.each([
    ['11010519491231002X', '11**************2X'],
    ['110101199003071233', '11**************33'],
    ['123456', '12**56'],
    ['12345', '*****'],
    ['1', '*'],
    ['', ''],
  ])('%j → %s', (id, masked) => {
    expect(maskNationalId(id)).toBe(masked);
  });

  it.each([['11010519491231002X'], ['440524188001010014'], ['1234567'], ['123456'], ['12345'], ['1234'], ['12']])(
    '%j: same length, at most 4 characters visible, middle all stars',
    (id) => {
      const masked = maskNationalId(id);
      expect(masked).toHaveLength(id.length);
      const visible = Array.from(masked).filter((c) => c !== '*').length;
      expect(visible).toBeLessThanOrEqual(4);
      if (id.length >= 2) expect(masked).not.toBe(id);
      expect(masked.slice(2, -2)).toMatch(/^\**$/);
    },
  );
});

describe('scrubNationalIds (A3: no ID number in a log line or an audit event)', () => {
  it.each([
    ['/api/students?q=11010519491231002X', '/api/students?q=[national-id]'],
    ['id 110105194912310021 and 11010519491231002x', 'id [national-id] and [national-id]'],
    ['student 2101110001', 'student 2101110001'],
  ])('%s → %s', (input, expected) => {
    expect(scrubNationalIds(input)).toBe(expected);
  });
});
