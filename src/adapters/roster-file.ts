/**
 * Opens an uploaded roster (docs/rules/roster-format.md) as a stream of rows, whatever the user sent: .xlsx, or
 * CSV in UTF-8 (with or without BOM), GBK/GB18030 or Excel's "Unicode text" (UTF-16). The content is
 * sniffed; the file name is never trusted. Files from a path are streamed, so memory stays flat for
 * rosters of hundreds of thousands of rows.
 *
 * `rows` can be iterated once. Iterate it to the end or break out of the loop: either releases the
 * file. Nothing is written to disk (issue 8 finding 3). Every size that could grow without bound —
 * columns, rows, cell length, and for .xlsx unpacked bytes and shared strings — is checked while
 * streaming against `RosterLimits` (roster-limits.ts) and refused with ROSTER_TOO_COMPLEX.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Readable, Transform, pipeline } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import type { InfoRecord, Options } from 'csv-parse';
import iconv from 'iconv-lite';
import { AppError, isAppError } from '../domain/errors.js';
import { countKnownHeaders } from '../domain/roster.js';
import type { RosterLimits } from './roster-limits.js';
import { DEFAULT_ROSTER_LIMITS, formatByteLimit, tooComplex } from './roster-limits.js';
import { readXlsxRows } from './xlsx-reader.js';

export { formatByteLimit } from './roster-limits.js';
/**
 * A roster on disk or in memory. `handOver`: the caller will not use the buffer again (an upload), so
 * the roster worker may take its memory instead of copying it (roster-worker.ts).
 */
export type RosterSource = { path: string } | { buffer: Buffer; handOver?: boolean };
export interface RosterFileRow {
  /** 1-based physical row number as Excel / a text editor shows it (a multi-line CSV record: the line it starts on). */
  row: number;
  /** In the header's column order, trimmed; '' for empty. Padded to the header's width; cells past it are kept. */
  cells: string[];
}

/** What a file read here is, as its refusals name it (UNSUPPORTED_FILE, ROSTER_TOO_COMPLEX {what}). */
export type FileKind = 'file-roster' | 'file-registry-answer';

export interface OpenedRosterFile {
  format: 'csv' | 'xlsx';
  /** 'utf-8', 'utf-8-bom', 'gb18030' (also for GBK), 'utf-16le' or 'utf-16be' for CSV; null for xlsx. */
  encoding: string | null;
  headerRow: number;
  /** As written, trimmed, without BOM; trailing empty cells dropped. */
  headers: string[];
  /** Data rows after the header; rows whose cells are all empty are skipped. */
  rows: AsyncIterable<RosterFileRow>;
}

export const DEFAULT_MAX_ROSTER_BYTES = 100 * 1024 * 1024;

/** Bytes examined to choose the encoding (of text from the first non-ASCII byte on). */
const ENCODING_SAMPLE_BYTES = 64 * 1024;
/** A NUL in this many leading bytes marks a binary file. */
const BINARY_SNIFF_BYTES = 8 * 1024;
/** The header must be among the first this many non-empty rows. */
const HEADER_SCAN_ROWS = 20;
/** A record longer than this is almost certainly an unclosed quote swallowing the file. */
const MAX_CSV_RECORD_CHARS = 1024 * 1024;
const READ_CHUNK_BYTES = 64 * 1024;

type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'gb18030' | 'utf-16le' | 'utf-16be';

/** A raw row before the header is known. */
interface SheetRow {
  row: number;
  cells: string[];
}

// ---------------------------------------------------------------------------------------------
// Reasons: one short string per case, readable in both languages, as it fills {reason} in
// UNSUPPORTED_FILE's Chinese and English messages alike.

const REASONS = {
  empty: '文件是空的 (the file is empty)',
  emptySheet: '第一个工作表是空的 (the first worksheet is empty)',
  png: 'PNG 图片 (a PNG image)',
  jpeg: 'JPEG 图片 (a JPEG image)',
  gif: 'GIF 图片 (a GIF image)',
  webp: 'WebP 图片 (a WebP image)',
  tiff: 'TIFF 图片 (a TIFF image)',
  heic: 'HEIC 图片 (a HEIC image)',
  media: '音视频文件 (an audio or video file)',
  pdf: 'PDF 文档 (a PDF document)',
  rtf: 'RTF 文档 (an RTF document)',
  ole: '旧版 Excel 文件（.xls）或加密的工作簿，请在 Excel 中另存为不加密的 .xlsx (an old .xls or a password-protected workbook; save it as .xlsx without a password)',
  html: '网页（HTML）格式的表格，请在 Excel 中打开后另存为 .xlsx (an HTML table; open it in Excel and save it as .xlsx)',
  xml2003: 'Excel 2003 XML 表格，请另存为 .xlsx (an Excel 2003 XML spreadsheet; save it as .xlsx)',
  archive: '压缩包 (a compressed archive)',
  binary: '二进制文件，不是文本或 Excel 表格 (a binary file, not text or a spreadsheet)',
  zip: 'ZIP 压缩包，不是 Excel 工作簿 (a zip archive, not an Excel workbook)',
  word: 'Word 文档 (a Word document)',
  powerpoint: 'PowerPoint 演示文稿 (a PowerPoint presentation)',
  ods: 'OpenDocument 表格，请另存为 .xlsx (an OpenDocument spreadsheet; save it as .xlsx)',
  odt: 'OpenDocument 文档 (an OpenDocument document)',
  xlsb: 'Excel 二进制工作簿（.xlsb），请另存为 .xlsx (an .xlsb binary workbook; save it as .xlsx)',
  damagedXlsx: 'Excel 文件已损坏 (a damaged Excel file)',
} as const;

function unsupported(reason: string, details?: unknown): AppError {
  return new AppError('UNSUPPORTED_FILE', { params: { reason, what: 'file-roster' }, details, message: `UNSUPPORTED_FILE: ${reason}` });
}

function brokenEncoding(encoding: string): AppError {
  return unsupported(`文件中有不是 ${encoding} 编码的内容 (part of the file is not valid ${encoding} text)`);
}

// ---------------------------------------------------------------------------------------------
// Byte sources

interface ByteSource {
  size: number;
  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Promise<Buffer>;
  /** A fresh stream of the whole content (the first `size` bytes, even if the file grows). */
  stream(): Readable;
  /** Releases what sniffing opened; streams from `stream()` close themselves. */
  close(): Promise<void>;
}

function bufferChunks(buffer: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < buffer.length; i += READ_CHUNK_BYTES) yield buffer.subarray(i, i + READ_CHUNK_BYTES);
    })(),
    { objectMode: false },
  );
}

async function openByteSource(source: RosterSource): Promise<ByteSource> {
  if ('buffer' in source) {
    const buffer = source.buffer;
    return {
      size: buffer.length,
      read: async (position, length) => buffer.subarray(position, position + length),
      stream: () => bufferChunks(buffer),
      close: async () => {},
    };
  }
  const { path } = source;
  const size = (await stat(path)).size;
  let handle: FileHandle | undefined;
  return {
    size,
    async read(position, length) {
      handle ??= await open(path, 'r');
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
      const { bytesRead } = await handle.read(buf, 0, buf.length, position);
      return buf.subarray(0, bytesRead);
    },
    stream: () => (size === 0 ? Readable.from([]) : createReadStream(path, { start: 0, end: size - 1, highWaterMark: READ_CHUNK_BYTES })),
    async close() {
      await handle?.close();
      handle = undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Sniffing

function startsWith(head: Buffer, bytes: number[] | string, at = 0): boolean {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return head.length >= at + b.length && head.subarray(at, at + b.length).equals(b);
}

const isZip = (head: Buffer) => startsWith(head, [0x50, 0x4b, 0x03, 0x04]);

/** What a non-text, non-xlsx file looks like, or undefined when it may be a CSV. */
function describeNonText(head: Buffer): string | undefined {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return REASONS.png;
  if (startsWith(head, [0xff, 0xd8, 0xff])) return REASONS.jpeg;
  if (startsWith(head, 'GIF87a') || startsWith(head, 'GIF89a')) return REASONS.gif;
  if (startsWith(head, 'RIFF') && startsWith(head, 'WEBP', 8)) return REASONS.webp;
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return REASONS.tiff;
  if (startsWith(head, 'ftyp', 4)) {
    const brand = head.subarray(8, 12).toString('latin1');
    return ['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1', 'avif'].includes(brand) ? REASONS.heic : REASONS.media;
  }
  if (startsWith(head, '%PDF-')) return REASONS.pdf;
  if (startsWith(head, '{\\rtf')) return REASONS.rtf;
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return REASONS.ole;
  if (startsWith(head, [0x50, 0x4b, 0x05, 0x06]) || startsWith(head, [0x50, 0x4b, 0x07, 0x08])) return REASONS.zip;
  if (
    startsWith(head, 'Rar!\x1a\x07') ||
    startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) ||
    startsWith(head, [0x1f, 0x8b]) ||
    startsWith(head, 'BZh')
  ) {
    return REASONS.archive;
  }
  // UTF-16 text is full of NULs but is Excel's "Unicode text" export: not binary.
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return undefined;
  if (head.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return REASONS.binary;
  // Many records systems export an HTML or XML table under an .xls name.
  const start = head.subarray(0, 2048).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  if (start.startsWith('<?xml') && start.includes('urn:schemas-microsoft-com:office:spreadsheet')) return REASONS.xml2003;
  if (/^(<!doctype html|<html|<table|<meta|<\?xml[^>]*>\s*<html)/.test(start)) return REASONS.html;
  return undefined;
}

/** Why a zip without a readable first worksheet is not a roster. */
function describeNonWorkbookZip(head: Buffer): string {
  const text = head.toString('latin1');
  if (text.startsWith('mimetype', 30)) {
    return text.includes('opendocument.spreadsheet') ? REASONS.ods : REASONS.odt;
  }
  if (text.includes('xl/workbook.bin')) return REASONS.xlsb;
  if (text.includes('word/')) return REASONS.word;
  if (text.includes('ppt/')) return REASONS.powerpoint;
  if (text.includes('xl/')) return REASONS.damagedXlsx;
  return REASONS.zip;
}

function isValidUtf8(sample: Buffer, atEnd: boolean): boolean {
  try {
    // `stream: true` keeps a multi-byte sequence cut by the sample's end from counting as invalid.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !atEnd });
    return true;
  } catch {
    return false;
  }
}

function firstNonAscii(buf: Buffer): number {
  for (let i = 0; i < buf.length; i++) if (buf[i]! >= 0x80) return i;
  return -1;
}

/**
 * UTF-8 when the text (from its first non-ASCII byte: a roster whose first 64 KB are ASCII may still
 * hold GBK names further down) decodes as UTF-8, else GB18030, the superset of GBK.
 */
async function detectCsvEncoding(src: ByteSource, head: Buffer): Promise<CsvEncoding> {
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return 'utf-8-bom';
  if (startsWith(head, [0xff, 0xfe])) return 'utf-16le';
  if (startsWith(head, [0xfe, 0xff])) return 'utf-16be';
  let offset = firstNonAscii(head);
  for (let pos = head.length; offset < 0 && pos < src.size; pos += READ_CHUNK_BYTES * 16) {
    const chunk = await src.read(pos, READ_CHUNK_BYTES * 16);
    if (chunk.length === 0) break;
    const i = firstNonAscii(chunk);
    if (i >= 0) offset = pos + i;
  }
  if (offset < 0) return 'utf-8';
  const sample = await src.read(offset, ENCODING_SAMPLE_BYTES);
  return isValidUtf8(sample, offset + sample.length >= src.size) ? 'utf-8' : 'gb18030';
}

function decodeSample(head: Buffer, encoding: CsvEncoding): string {
  if (encoding === 'gb18030') return iconv.decode(head, 'gb18030');
  return new TextDecoder(encoding === 'utf-8-bom' ? 'utf-8' : encoding).decode(head, { stream: true });
}

function splitNaively(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim());
}

/**
 * Excel in locales whose decimal mark is a comma writes `;`; its "Unicode text" writes tabs. The
 * delimiter is the one that makes a header-looking line; failing that, a comma unless the first
 * line with any of them has none.
 */
function detectDelimiter(sample: string): string {
  const lines = sample
    .split(/\r\n|\n|\r/)
    .filter((l) => l.trim() !== '')
    .slice(0, HEADER_SCAN_ROWS);
  for (const line of lines) {
    for (const d of [',', ';', '\t']) if (countKnownHeaders(splitNaively(line, d)) >= 3) return d;
  }
  const first = lines.find((l) => /[,;\t]/.test(l));
  if (!first || first.includes(',')) return ',';
  return first.split(';').length >= first.split('\t').length ? ';' : '\t';
}

/**
 * A header of a million columns is refused from the first 64 KB, before the parser reads a 2 MB line
 * (finding 6). Only the header region is looked at, split naively (a quoted delimiter in a header is
 * not plausible); trailing empty cells (Excel pads every line to the widest) do not count. Lines further
 * down are checked as the parser reads them (readCsvRows).
 */
function refuseWideLines(sample: string, delimiter: string, limits: RosterLimits, sampleIsPartial: boolean): void {
  const lines = sample.split(/\r\n|\n|\r/);
  const cutOff = sampleIsPartial ? lines.length - 1 : -1; // the sample's last line may continue beyond it
  for (let i = 0; i < Math.min(lines.length, HEADER_SCAN_ROWS); i++) {
    const cells = lines[i]!.split(delimiter);
    let width = cells.length;
    if (width <= limits.maxColumns) continue;
    while (width > limits.maxColumns && cells[width - 1]!.trim() === '') width--;
    if (width > limits.maxColumns) throw tooComplex('roster-columns', i === cutOff ? `> ${width.toLocaleString('en-US')}` : width, limits.maxColumns, { row: i + 1 });
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

/** Decodes to text; fails (instead of writing U+FFFD into names) when the bytes are not that encoding. */
function createTextDecoder(encoding: CsvEncoding): Transform {
  if (encoding === 'gb18030') {
    const decoder = iconv.getDecoder('gb18030');
    const check = (text: string) => {
      // GB18030 maps almost every byte sequence; U+FFFD only comes out of bytes that are not GB18030.
      if (text.includes('\uFFFD')) throw brokenEncoding('GB18030/GBK');
      return text;
    };
    return new Transform({
      transform(chunk: Buffer, _enc, cb) {
        try {
          cb(null, check(decoder.write(chunk)));
        } catch (e) {
          cb(e as Error);
        }
      },
      flush(cb) {
        try {
          cb(null, check(decoder.end() ?? ''));
        } catch (e) {
          cb(e as Error);
        }
      },
    });
  }
  const label = encoding === 'utf-8-bom' ? 'utf-8' : encoding;
  const decoder = new TextDecoder(label, { fatal: true });
  const name = label.toUpperCase();
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        cb(null, decoder.decode(chunk, { stream: true }));
      } catch {
        cb(brokenEncoding(name));
      }
    },
    flush(cb) {
      try {
        cb(null, decoder.decode());
      } catch {
        cb(brokenEncoding(name));
      }
    },
  });
}

/** Line breaks as csv-parse counts them inside a quoted field (CR and LF each), and as they really are. */
function countBreaks(field: string): { parser: number; physical: number } {
  let parser = 0;
  let physical = 0;
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    if (c === 10) {
      parser++;
      if (i === 0 || field.charCodeAt(i - 1) !== 13) physical++;
    } else if (c === 13) {
      parser++;
      physical++;
    }
  }
  return { parser, physical };
}

function csvParseError(e: unknown, lastLine: number): unknown {
  if (isAppError(e)) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('CSV_') && code !== 'INVALID_OPENING_QUOTE') return e;
  const near = lastLine + 1;
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return unsupported(`CSV 第 ${near} 行附近的引号没有闭合 (an unclosed quote near line ${near})`, { code });
  }
  if (code === 'CSV_MAX_RECORD_SIZE') {
    return unsupported(
      `CSV 第 ${near} 行起有一行超过 1 MB，可能是引号没有闭合 (a row from line ${near} is longer than 1 MB; perhaps an unclosed quote)`,
      { code },
    );
  }
  return unsupported(`CSV 格式错误（第 ${near} 行附近）(malformed CSV near line ${near})`, { code, message: (e as Error).message });
}

/**
 * Trims, and unwraps `="0123"`: records systems write numbers so, to keep Excel from dropping
 * leading zeros or showing 2.10111E+09; Excel shows the text inside.
 */
function cleanCsvCell(raw: string): string {
  const cell = raw.trim();
  const formulaText = /^="(.*)"$/s.exec(cell);
  return formulaText ? formulaText[1]!.trim() : cell;
}

async function* readCsvRows(src: ByteSource, encoding: CsvEncoding, delimiter: string, limits: RosterLimits): AsyncGenerator<SheetRow> {
  // csv-parse's `lines` is the line a record ends on, but it counts a CRLF inside a quoted field as
  // two lines; `overcount` undoes that, and the record's own line breaks give the line it starts on.
  // Done in on_record, as records are parsed: an error destroys the stream with records still unread,
  // and its message needs the last line parsed.
  let overcount = 0;
  let lastLine = 0;
  let records = 0;
  const toRow = (record: string[], info: InfoRecord): SheetRow => {
    let parserBreaks = 0;
    let physicalBreaks = 0;
    for (const field of record) {
      if (!field.includes('\n') && !field.includes('\r')) continue;
      const b = countBreaks(field);
      parserBreaks += b.parser;
      physicalBreaks += b.physical;
    }
    overcount += parserBreaks - physicalBreaks;
    lastLine = info.lines - overcount;
    const row = lastLine - physicalBreaks;
    if (++records > limits.maxRows) throw tooComplex('roster-rows', `> ${limits.maxRows.toLocaleString('en-US')}`, limits.maxRows, { row });
    // A header of a million columns took 15–19 s of the event loop to map (finding 6): refuse it here.
    // Trailing empty fields (Excel pads every line to the widest) do not count.
    if (record.length > limits.maxColumns) {
      let width = record.length;
      while (width > limits.maxColumns && record[width - 1]!.trim() === '') width--;
      if (width > limits.maxColumns) throw tooComplex('roster-columns', width, limits.maxColumns, { row });
      record = record.slice(0, width);
    }
    return { row, cells: record.map(cleanCsvCell) };
  };
  const input = src.stream();
  const parser = parseCsv({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_CSV_RECORD_CHARS,
    // The typings assume on_record returns a record; ours returns the row, which the stream then yields.
    on_record: toRow as unknown as Options['on_record'],
  });
  // Errors of any stage reach the parser, and so the loop below.
  pipeline(input, createTextDecoder(encoding), parser, () => {});
  try {
    for await (const row of parser as AsyncIterable<SheetRow>) yield row;
  } catch (e) {
    throw csvParseError(e, lastLine);
  } finally {
    parser.destroy();
    input.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// XLSX (xlsx-reader.ts: streaming, in memory, with limits)

function readXlsxSheet(source: RosterSource, head: Buffer, limits: RosterLimits): AsyncGenerator<SheetRow> {
  return readXlsxRows(source, limits, {
    notWorkbook: () => unsupported(describeNonWorkbookZip(head)),
    damaged: (message) => unsupported(REASONS.damagedXlsx, { message }),
  });
}

// ---------------------------------------------------------------------------------------------
// Header and rows

const isBlank = (cells: string[]) => cells.every((c) => c === '');

async function openRows(
  format: 'csv' | 'xlsx',
  encoding: string | null,
  source: AsyncGenerator<SheetRow>,
  emptyReason: string,
): Promise<OpenedRosterFile> {
  const scanned: SheetRow[] = [];
  let header: SheetRow | undefined;
  try {
    while (scanned.length < HEADER_SCAN_ROWS) {
      const next = await source.next();
      if (next.done) break;
      if (isBlank(next.value.cells)) continue;
      scanned.push(next.value);
      if (countKnownHeaders(next.value.cells) >= 3) {
        header = next.value;
        break;
      }
    }
    if (scanned.length === 0) throw unsupported(emptyReason);
  } catch (e) {
    await source.return(undefined);
    throw e;
  }
  // No row looks like a header: take the first and let the caller report the missing columns.
  header ??= scanned[0]!;
  const pending = scanned.slice(scanned.indexOf(header) + 1);
  const headers = header.cells.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '').trim() : c));
  while (headers.length > 0 && headers[headers.length - 1] === '') headers.pop();
  const width = headers.length;
  const shape = (r: SheetRow): RosterFileRow => {
    const cells = r.cells.slice();
    while (cells.length > width && cells[cells.length - 1] === '') cells.pop();
    while (cells.length < width) cells.push('');
    return { row: r.row, cells };
  };
  async function* rows(): AsyncGenerator<RosterFileRow> {
    try {
      for (const r of pending) yield shape(r);
      for await (const r of source) if (!isBlank(r.cells)) yield shape(r);
    } finally {
      await source.return(undefined);
    }
  }
  return { format, encoding, headerRow: header.row, headers, rows: rows() };
}

/**
 * Opens a roster upload. Throws AppError UNSUPPORTED_FILE (empty, an image, an .xls, a zip that is
 * not a workbook, binary …) or FILE_TOO_LARGE. A file broken further down (unclosed quote, mixed
 * encodings, damaged sheet) throws UNSUPPORTED_FILE too, from here or while `rows` is iterated,
 * depending on how far the stream had read ahead.
 */
export async function openRosterFile(source: RosterSource, opts: { maxBytes?: number; limits?: Partial<RosterLimits>; what?: FileKind } = {}): Promise<OpenedRosterFile> {
  if (opts.what && opts.what !== 'file-roster') {
    // the same reader for another kind of file (the registry's answer): its refusals name that file, not a roster
    const what = opts.what;
    const tag = (e: unknown): unknown => {
      if (isAppError(e) && (e.code === 'UNSUPPORTED_FILE' || e.code === 'ROSTER_TOO_COMPLEX')) e.params.what = what;
      return e;
    };
    let opened: OpenedRosterFile;
    try {
      opened = await openRosterFile(source, { ...opts, what: 'file-roster' });
    } catch (e) {
      throw tag(e);
    }
    const inner = opened.rows;
    async function* rows(): AsyncGenerator<RosterFileRow> {
      try {
        yield* inner;
      } catch (e) {
        throw tag(e);
      }
    }
    return { ...opened, rows: rows() };
  }
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_ROSTER_BYTES;
  const limits = { ...DEFAULT_ROSTER_LIMITS, ...opts.limits };
  const src = await openByteSource(source);
  try {
    if (src.size > maxBytes) throw new AppError('FILE_TOO_LARGE', { params: { limit: formatByteLimit(maxBytes) } });
    if (src.size === 0) throw unsupported(REASONS.empty);
    const head = await src.read(0, ENCODING_SAMPLE_BYTES);
    if (isZip(head)) return await openRows('xlsx', null, readXlsxSheet(source, head, limits), REASONS.emptySheet);
    const notText = describeNonText(head);
    if (notText) throw unsupported(notText);
    const encoding = await detectCsvEncoding(src, head);
    const sample = decodeSample(head, encoding);
    const delimiter = detectDelimiter(sample);
    refuseWideLines(sample, delimiter, limits, head.length < src.size);
    return await openRows('csv', encoding, readCsvRows(src, encoding, delimiter, limits), REASONS.empty);
  } finally {
    await src.close();
  }
}
