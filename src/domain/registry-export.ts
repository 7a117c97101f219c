// The registry package (issue 10 section 1, rule A1; docs/decisions/0023-registry-export.md): pure rules for
// what goes into a batch and how its files are named and listed. No I/O; the service streams the bytes.
import { scrubNationalIds } from './national-id.js';

/** The receiving system's default: one JPEG per student named by the student number. */
export const DEFAULT_FILE_PATTERN = '<studentNo>.jpg';

/** Placeholders a file name pattern may use; anything else (an ID number, a name, a phone) is refused (A3). */
export const FILE_PATTERN_PLACEHOLDERS = ['studentNo', 'department'] as const;

export type FilePatternProblem = 'pattern-separator' | 'pattern-placeholder' | 'pattern-student-no' | 'pattern-extension' | 'pattern-characters' | 'pattern-invisible';

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f:*?"<>|]/u;

/**
 * Characters that are not seen but change what is seen (issue 10 outside test, F3 finding 1): controls (Cc),
 * format characters (Cf: the bidi embeddings, overrides and isolates such as U+202E, which makes
 * `123\u202egpj.jpg` display as `123jpg.jpg`, zero-width spaces and joiners, the BOM), the line and paragraph
 * separators (Zl, Zp) and lone surrogates. Never in a pattern, never in a rendered file name.
 */
const INVISIBLE_CHARS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The invisible characters of a text, as `U+202E` (each once, in order). */
export function invisibleChars(text: string): string[] {
  return [...new Set([...text.matchAll(INVISIBLE_CHARS)].map((m) => codePoint(m[0])))];
}

/** The text with each invisible character written as ‹U+202E›, so that a message shows it instead of obeying it. */
export function showInvisibleChars(text: string): string {
  return text.replace(INVISIBLE_CHARS, (c) => `‹${codePoint(c)}›`);
}

/** Why a file name pattern cannot be used, or null when it can. */
export function filePatternProblem(pattern: string): FilePatternProblem | null {
  if (pattern.includes('/') || pattern.includes('\\') || pattern.includes('..')) return 'pattern-separator';
  const placeholders = [...pattern.matchAll(/<([^<>]*)>/g)].map((m) => m[1] ?? '');
  if (placeholders.some((p) => !(FILE_PATTERN_PLACEHOLDERS as readonly string[]).includes(p))) return 'pattern-placeholder';
  if (!placeholders.includes('studentNo')) return 'pattern-student-no';
  const literal = pattern.replace(/<(studentNo|department)>/g, '');
  if (invisibleChars(pattern).length > 0) return 'pattern-invisible';
  if (FORBIDDEN_CHARS.test(literal) || pattern.length > 100) return 'pattern-characters';
  if (!/\.jpg$/i.test(pattern)) return 'pattern-extension';
  return null;
}

export interface FileNameValues {
  studentNo: string;
  department: string;
}

/** A value put into a file name: path separators, control, format (bidi, zero-width) and reserved characters become "_". */
function safePart(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it replaces
  return value.replace(INVISIBLE_CHARS, '_').replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/gu, '_').replace(/\.\.+/g, '_');
}

/**
 * The file name of one student's JPEG inside the package; null when it would hold something shaped like an ID number.
 * Never an invisible character (see INVISIBLE_CHARS), and never a first character a spreadsheet reads as the start
 * of a formula (= + - @ become "_"), since the name is also a cell of manifest.csv and withdrawn.csv.
 */
export function renderFileName(pattern: string, values: FileNameValues): string | null {
  const name = pattern
    .replace(INVISIBLE_CHARS, '_')
    .replace(/<studentNo>/g, safePart(values.studentNo))
    .replace(/<department>/g, safePart(values.department))
    .replace(/^[=+\-@]/, '_');
  return scrubNationalIds(name) === name ? name : null;
}

/**
 * A free-text cell of a CSV the product writes (names, departments, station labels): one that starts with
 * = + - @, a tab or a carriage return is read as a formula by spreadsheet programs (CSV injection), so it gets
 * a leading apostrophe — the rule the XLSX exports apply (neutraliseCell in src/adapters/xlsx-export.ts).
 */
export function csvText(value: string | null): string | null {
  return value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: (string | number | null)[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

/** manifest.csv: one line per photo of the batch. No national ID, no full name, never the collection code itself. */
export const MANIFEST_HEADER = ['studentNo', 'maskedName', 'department', 'file', 'sha256', 'confirmedAt', 'station', 'collectionCodeLast4'] as const;

export interface ManifestEntry {
  studentNo: string;
  maskedName: string;
  department: string;
  file: string;
  sha256: string;
  confirmedAt: string;
  station: string | null;
  /** the last 4 characters of the bound collection code as stored for display (C1), or null */
  codeLast4: string | null;
}

export function manifestLine(e: ManifestEntry): string {
  return csvLine([csvText(e.studentNo), csvText(e.maskedName), csvText(e.department), csvText(e.file), e.sha256, e.confirmedAt, csvText(e.station), csvText(e.codeLast4)]);
}

/** withdrawn.csv: photos of earlier batches that must no longer be used (the confirmation was voided, or E7). */
export const WITHDRAWN_HEADER = ['studentNo', 'file', 'sha256', 'exportedInBatch', 'withdrawnAt', 'why'] as const;

export interface WithdrawnEntry {
  studentNo: string;
  file: string;
  sha256: string;
  exportedInBatch: string;
  withdrawnAt: string;
  /** 'voided' (an admin voided the confirmation, C3) or 'invalid:E4'… (E7) — never the free-text reason */
  why: string;
}

export function withdrawnLine(e: WithdrawnEntry): string {
  return csvLine([csvText(e.studentNo), csvText(e.file), e.sha256, e.exportedInBatch, e.withdrawnAt, e.why]);
}

/** A line of SHA256SUMS as `sha256sum -c` reads it (two spaces, binary content). */
export function sha256sumsLine(sha256: string, file: string): string {
  return `${sha256}  ${file}\n`;
}

/** The package's file name: time of the batch (UTC) and the start of its id; nothing personal. */
export function packageFileName(createdAt: string, batchId: string): string {
  const stamp = createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  return `registry-${stamp}-${batchId.slice(0, 8)}.zip.gpg`;
}

/** Width × height of a baseline or progressive JPEG read from its frame header; null when it is not a JPEG. */
export function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[i + 5]! << 8) | bytes[i + 6]!, width: (bytes[i + 7]! << 8) | bytes[i + 8]! };
    }
    i += 2 + length;
  }
  return null;
}

/** The standard's size (F1): only these go to the registry. */
export const STANDARD_SIZE = { width: 480, height: 640 } as const;

/** A builder whose heartbeat is older than this is taken for dead, whatever its host. */
export const STALE_BUILD_MS = 2 * 60_000;

/** Whether a building batch's builder is gone: its heartbeat is old, or it ran on this host and its process is dead. */
export function isBuildStale(input: { heartbeatAt: string; owner: string; now: Date; host: string; pidAlive: (pid: number) => boolean }): boolean {
  if (input.now.getTime() - Date.parse(input.heartbeatAt) > STALE_BUILD_MS) return true;
  const at = input.owner.lastIndexOf(':');
  const host = input.owner.slice(0, at);
  const pid = Number(input.owner.slice(at + 1));
  return host === input.host && Number.isInteger(pid) && pid > 0 && !input.pidAlive(pid);
}
