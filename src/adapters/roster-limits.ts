/**
 * How much of a roster file the reader will process before refusing it (issue 8 findings 1 and 6). A
 * real roster is a few hundred thousand rows of 15 short columns; these limits sit far above that and
 * far below what would exhaust the process. They are checked while the file streams, so a hostile file
 * is refused after reading at most the limit, never after unpacking it whole.
 */
import { AppError } from '../domain/errors.js';

export interface RosterLimits {
  /** Columns with a value (CSV fields, XLSX cells): a roster has 15; Excel exports pad to a few dozen. */
  maxColumns: number;
  /** Rows of the sheet (Excel's own maximum, 1,048,576). */
  maxRows: number;
  /** Characters of one cell (Excel's own maximum, 32,767). */
  maxCellChars: number;
  /** Entries of xl/sharedStrings.xml: 2 million is ~5 distinct strings for each of 400,000 students. */
  maxSharedStrings: number;
  /** Characters of all shared strings together (they are held in memory while the sheet is read). */
  maxSharedStringChars: number;
  /**
   * Bytes unpacked from the zip, all entries together. 512 MB of sheet XML is ~400,000 rows of 15
   * columns, twice the largest roster expected; the upload itself is at most 100 MB.
   */
  maxUncompressedBytes: number;
  /** Unpacked ÷ packed bytes of one entry; Excel's XML packs 5–20×, a zip bomb 1,000× and more. */
  maxCompressionRatio: number;
  /** The ratio is only judged once an entry has unpacked this much (tiny entries pack oddly). */
  ratioCheckAfterBytes: number;
  /** Entries in the zip's directory (a workbook has a dozen). */
  maxZipEntries: number;
}

export const DEFAULT_ROSTER_LIMITS: RosterLimits = {
  maxColumns: 200,
  maxRows: 1_048_576,
  maxCellChars: 32_767,
  maxSharedStrings: 2_000_000,
  maxSharedStringChars: 64 * 1024 * 1024,
  maxUncompressedBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 200,
  ratioCheckAfterBytes: 1024 * 1024,
  maxZipEntries: 10_000,
};

/** Which limit was exceeded: keys of the translated words in domain/i18n.ts (PARAM_WORDS). */
export type RosterLimitName =
  | 'roster-columns'
  | 'roster-rows'
  | 'roster-cell-length'
  | 'xlsx-shared-strings'
  | 'xlsx-shared-string-chars'
  | 'xlsx-uncompressed-size'
  | 'xlsx-compression-ratio'
  | 'xlsx-zip-entries'
  | 'roster-memory';

/** ROSTER_TOO_COMPLEX naming the limit, the value found (or reached when reading stopped) and the maximum. */
export function tooComplex(limit: RosterLimitName, value: number | string, max: number | string, where?: { row?: number; column?: number }): AppError {
  const show = (v: number | string) => (typeof v === 'number' ? v.toLocaleString('en-US') : v);
  return new AppError('ROSTER_TOO_COMPLEX', {
    params: { limit, value: show(value), max: show(max), what: 'file-roster' },
    details: { limit, value, max, ...where },
    message: `ROSTER_TOO_COMPLEX: ${limit} ${value} > ${max}`,
  });
}

/** 100 MiB → '100 MB'; 1536 → '1.5 KB'. */
export function formatByteLimit(bytes: number): string {
  const units: [number, string][] = [
    [1024 ** 3, 'GB'],
    [1024 ** 2, 'MB'],
    [1024, 'KB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}
