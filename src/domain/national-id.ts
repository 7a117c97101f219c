/** PRC resident identity numbers (GB 11643): 17 digits and an ISO 7064 MOD 11-2 check character. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

export function computeNationalIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

export type NationalIdProblem = 'format' | 'birthDate' | 'checkDigit';

/** Normalises (trim, upper-case x) and validates; returns the normalised id or the problem found. */
export function validateNationalId(raw: string): { ok: true; value: string } | { ok: false; problem: NationalIdProblem } {
  const value = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(value)) return { ok: false, problem: 'format' };
  const y = Number(value.slice(6, 10));
  const m = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { ok: false, problem: 'birthDate' };
  }
  if (computeNationalIdCheckChar(value.slice(0, 17)) !== value[17]) return { ok: false, problem: 'checkDigit' };
  return { ok: true, value };
}

/** Shows only the region's first two digits and the last two characters: 11**************1X. */
export function maskNationalId(id: string): string {
  if (id.length < 6) return '*'.repeat(id.length);
  return id.slice(0, 2) + '*'.repeat(id.length - 4) + id.slice(-2);
}

const NATIONAL_ID_LIKE = /\d{17}[\dXx]/g;

/** 18 characters shaped like an ID number, not part of a longer run of digits (a long number is not an ID). */
const NATIONAL_ID_WORD = /(?<![0-9])\d{17}[\dXx](?![0-9A-Za-z])/g;

/** Masks, in place, anything shaped like an 18-character ID number (the same length: 11**************1X). */
export function maskNationalIdsIn(text: string): string {
  return text.replace(NATIONAL_ID_WORD, (id) => maskNationalId(id));
}

/** Replaces anything shaped like an 18-character ID number: for log lines and audit details (A3). */
export function scrubNationalIds(text: string): string {
  return text.replace(NATIONAL_ID_LIKE, '[national-id]');
}
