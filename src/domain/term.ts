/**
 * Terms are year-months ("2024-07"). The roster may write them as `2024-07`, `2024-7`, `2024年1月`,
 * `2024.01` or `2024/1` (docs/rules/roster-format.md); all normalise to `YYYY-MM`.
 */
export type Term = string;

const TERM_PATTERNS = [
  /^(\d{4})\s*[-./]\s*(\d{1,2})$/,
  /^(\d{4})\s*年\s*(\d{1,2})\s*月?$/,
  /^(\d{4})(\d{2})$/,
];

/** Returns the normalised `YYYY-MM`, or undefined when the text is not a valid year-month. */
export function parseTerm(raw: string): Term | undefined {
  const text = raw.trim();
  for (const pattern of TERM_PATTERNS) {
    const m = pattern.exec(text);
    if (!m) continue;
    const year = Number(m[1]);
    const month = Number(m[2]);
    if (year < 1900 || year > 2200 || month < 1 || month > 12) return undefined;
    return `${year}-${String(month).padStart(2, '0')}`;
  }
  return undefined;
}

export function compareTerms(a: Term, b: Term): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function shiftTermByYears(term: Term, years: number): Term {
  const [y, m] = term.split('-');
  return `${Number(y) + years}-${m}`;
}
