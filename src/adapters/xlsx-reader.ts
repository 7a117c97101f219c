/**
 * Reads the first visible worksheet of an .xlsx as rows of display text, streaming, in memory, with
 * limits (issue 8 findings 1–3). It replaces exceljs's reader, which (1) kept every shared string of a
 * zip bomb until the process died, (2) decoded UTF-8 per chunk and so broke characters split across
 * chunk boundaries into U+FFFD, and (3) spooled a worksheet to /tmp when the sheet preceded
 * workbook.xml in the zip. Here the zip's central directory is read first (yauzl), so entries are
 * opened in the order needed whatever their order in the file, nothing is written anywhere, and every
 * entry is inflated and SAX-parsed (saxes) chunk by chunk behind a streaming UTF-8 decoder, counting
 * bytes, strings, rows, columns and cell lengths as it goes.
 * exceljs stays for writing exports (xlsx-export.ts).
 */
import type { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import type { RosterLimits } from './roster-limits.js';
import { formatByteLimit, tooComplex } from './roster-limits.js';

export interface XlsxSheetRow {
  /** the worksheet's row number (1-based) */
  row: number;
  /** display text by column, '' for empty */
  cells: string[];
}

export interface XlsxReadErrors {
  /** the zip holds no readable workbook (a Word file, a plain zip, a damaged xlsx …) */
  notWorkbook(): Error;
  /** the workbook is there but broken (bad XML, bad UTF-8, a dangling shared string …) */
  damaged(message: string): Error;
}

// ---------------------------------------------------------------------------------------------
// Zip access

async function openZip(source: { path: string } | { buffer: Buffer }): Promise<ZipFile> {
  const options = { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: false };
  return 'buffer' in source ? yauzl.fromBufferPromise(source.buffer, options) : yauzl.openPromise(source.path, options);
}

async function listEntries(zip: ZipFile, limits: RosterLimits): Promise<Map<string, Entry>> {
  if (zip.entryCount > limits.maxZipEntries) throw tooComplex('xlsx-zip-entries', zip.entryCount, limits.maxZipEntries);
  return new Promise((resolve, reject) => {
    const entries = new Map<string, Entry>();
    zip.on('entry', (entry: Entry) => {
      // Part names are case-insensitive in OOXML; some writers prefix a slash.
      entries.set(entry.fileName.replace(/^\/+/, '').toLowerCase(), entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** Unpacked bytes of all entries read so far, against the limit. */
class ByteBudget {
  total = 0;
  constructor(private readonly limits: RosterLimits) {}

  add(bytes: number): void {
    this.total += bytes;
    if (this.total > this.limits.maxUncompressedBytes) {
      const max = formatByteLimit(this.limits.maxUncompressedBytes);
      throw tooComplex('xlsx-uncompressed-size', `> ${max}`, max);
    }
  }
}

/**
 * The entry's text, decoded chunk by chunk with one streaming decoder, so a character whose bytes
 * straddle two chunks is decoded whole (finding 2); invalid UTF-8 fails instead of becoming U+FFFD.
 */
async function* entryText(zip: ZipFile, entry: Entry, budget: ByteBudget, limits: RosterLimits, errors: XlsxReadErrors): AsyncGenerator<string> {
  if (entry.isEncrypted()) throw errors.damaged(`${entry.fileName} is encrypted`);
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) throw errors.damaged(`${entry.fileName}: compression method ${entry.compressionMethod}`);
  // The declared size may lie, and is checked again while inflating; when it is honest, refuse early.
  if (entry.uncompressedSize > limits.maxUncompressedBytes) {
    throw tooComplex('xlsx-uncompressed-size', formatByteLimit(entry.uncompressedSize), formatByteLimit(limits.maxUncompressedBytes));
  }
  // Inflated here rather than by yauzl, to count packed against unpacked bytes as they stream. A zip whose entry
  // points outside the file ("file data overflows file bounds") is refused here, as damaged, by yauzl.
  const raw: Readable = await zip.openReadStreamPromise(entry, entry.compressionMethod === 8 ? { decompress: false } : {}).catch((e: unknown) => {
    throw errors.damaged(`${entry.fileName}: ${(e as Error)?.message ?? String(e)}`);
  });
  const inflate = entry.compressionMethod === 8 ? createInflateRaw() : undefined;
  const inflated: Readable = inflate ? raw.pipe(inflate) : raw;
  if (inflated !== raw) raw.once('error', (e) => inflated.destroy(e));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let unpacked = 0;
  try {
    for await (const chunk of inflated as AsyncIterable<Buffer>) {
      unpacked += chunk.length;
      budget.add(chunk.length);
      // bytesWritten: packed bytes the inflater has consumed so far (not merely those read from the zip).
      const packed = inflate ? Math.max(inflate.bytesWritten, 1) : unpacked;
      if (unpacked > limits.ratioCheckAfterBytes && unpacked > packed * limits.maxCompressionRatio) {
        throw tooComplex('xlsx-compression-ratio', `${Math.round(unpacked / packed)}:1`, `${limits.maxCompressionRatio}:1`);
      }
      yield decodeChunk(decoder, chunk, true, entry, errors);
    }
    yield decodeChunk(decoder, undefined, false, entry, errors);
  } catch (e) {
    // our own refusals (limits, invalid UTF-8) pass; anything the zip or the inflater says means a damaged file
    if (e instanceof Error && e.name === 'AppError') throw e;
    throw errors.damaged(`${entry.fileName}: ${(e as Error)?.message ?? String(e)}`);
  } finally {
    inflated.destroy();
    raw.destroy();
  }
}

function decodeChunk(decoder: TextDecoder, chunk: Buffer | undefined, stream: boolean, entry: Entry, errors: XlsxReadErrors): string {
  try {
    return decoder.decode(chunk, { stream });
  } catch {
    throw errors.damaged(`${entry.fileName} is not valid UTF-8`);
  }
}

/** Tag names without their namespace prefix (`x:row` → `row`): some writers prefix every element. */
const local = (name: string) => name.slice(name.indexOf(':') + 1);

function attr(tag: SaxesTagPlain, name: string): string | undefined {
  const direct = tag.attributes[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(tag.attributes)) if (local(key) === name) return value;
  return undefined;
}

/** A SAX parser fed the entry's text; `onChunk` runs after each chunk (the sheet reader yields rows there). */
function createParser(entry: Entry, errors: XlsxReadErrors): SaxesParser {
  const parser = new SaxesParser({ position: false });
  parser.on('doctype', () => {
    // No part of a workbook has a DOCTYPE; refusing it rules out entity tricks altogether.
    throw errors.damaged(`${entry.fileName} has a DOCTYPE`);
  });
  return parser;
}

async function parseEntry(
  zip: ZipFile,
  entry: Entry,
  budget: ByteBudget,
  limits: RosterLimits,
  errors: XlsxReadErrors,
  handlers: (parser: SaxesParser) => void,
): Promise<void> {
  const parser = createParser(entry, errors);
  handlers(parser);
  for await (const text of entryText(zip, entry, budget, limits, errors)) writeXml(parser, text, entry, errors);
  closeXml(parser, entry, errors);
}

function writeXml(parser: SaxesParser, text: string, entry: Entry, errors: XlsxReadErrors): void {
  if (text === '') return;
  try {
    parser.write(text);
  } catch (e) {
    throw asXmlError(e, entry, errors);
  }
}

function closeXml(parser: SaxesParser, entry: Entry, errors: XlsxReadErrors): void {
  try {
    parser.close();
  } catch (e) {
    throw asXmlError(e, entry, errors);
  }
}

function asXmlError(e: unknown, entry: Entry, errors: XlsxReadErrors): Error {
  // Our own refusals (limits, damaged) are thrown from handlers through saxes: pass them on.
  if (e instanceof Error && (e.name === 'AppError' || (e as { code?: unknown }).code !== undefined)) return e;
  return errors.damaged(`${entry.fileName}: ${(e as Error)?.message ?? String(e)}`);
}

// ---------------------------------------------------------------------------------------------
// Workbook structure

interface SheetInfo {
  name: string;
  state: string | undefined;
  relId: string | undefined;
}

async function readWorkbook(zip: ZipFile, entry: Entry, budget: ByteBudget, limits: RosterLimits, errors: XlsxReadErrors) {
  const sheets: SheetInfo[] = [];
  let date1904 = false;
  await parseEntry(zip, entry, budget, limits, errors, (p) => {
    p.on('opentag', (tag) => {
      const name = local(tag.name);
      if (name === 'sheet' && sheets.length < limits.maxZipEntries) {
        sheets.push({ name: attr(tag, 'name') ?? '', state: attr(tag, 'state'), relId: attr(tag, 'id') });
      } else if (name === 'workbookPr') {
        const v = attr(tag, 'date1904');
        date1904 = v === '1' || v === 'true';
      }
    });
  });
  return { sheets, date1904 };
}

/** Relationship id → part name (relative to xl/), and the shared strings' and styles' parts. */
async function readRelationships(zip: ZipFile, entry: Entry | undefined, budget: ByteBudget, limits: RosterLimits, errors: XlsxReadErrors) {
  const targets = new Map<string, string>();
  const byType = new Map<string, string>();
  if (!entry) return { targets, byType };
  let count = 0;
  await parseEntry(zip, entry, budget, limits, errors, (p) => {
    p.on('opentag', (tag) => {
      if (local(tag.name) !== 'Relationship' || ++count > limits.maxZipEntries) return;
      const id = attr(tag, 'Id');
      const target = attr(tag, 'Target');
      if (!target) return;
      const part = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
      const normalised = normalisePart(part);
      if (id) targets.set(id, normalised);
      const type = attr(tag, 'Type')?.split('/').pop();
      if (type && !byType.has(type)) byType.set(type, normalised);
    });
  });
  return { targets, byType };
}

/** `xl/worksheets/../sharedStrings.xml` → `xl/sharedstrings.xml` (lower case, as entries are keyed). */
function normalisePart(part: string): string {
  const out: string[] = [];
  for (const seg of part.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '.' && seg !== '') out.push(seg);
  }
  return out.join('/').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Shared strings

async function readSharedStrings(zip: ZipFile, entry: Entry | undefined, budget: ByteBudget, limits: RosterLimits, errors: XlsxReadErrors): Promise<string[]> {
  const strings: string[] = [];
  if (!entry) return strings;
  let chars = 0;
  let inSi = false;
  let textDepth = 0; // inside a <t> of the string (not of a phonetic run)
  let phonetic = 0; // inside <rPh>: Japanese readings, not part of the text Excel shows
  let current = '';
  await parseEntry(zip, entry, budget, limits, errors, (p) => {
    p.on('opentag', (tag) => {
      const name = local(tag.name);
      if (name === 'si') {
        // Counted when opened, so 150 million empty <si/> are refused after the first 2 million.
        if (strings.length >= limits.maxSharedStrings) throw tooComplex('xlsx-shared-strings', `> ${limits.maxSharedStrings.toLocaleString('en-US')}`, limits.maxSharedStrings);
        inSi = true;
        current = '';
      } else if (name === 'rPh') phonetic++;
      else if (name === 't' && inSi && phonetic === 0) textDepth++;
    });
    p.on('text', (text) => {
      if (textDepth === 0) return;
      current += text;
      if (current.length > limits.maxCellChars) throw tooComplex('roster-cell-length', `> ${limits.maxCellChars.toLocaleString('en-US')}`, limits.maxCellChars);
    });
    p.on('cdata', (text) => {
      if (textDepth > 0) current += text;
    });
    p.on('closetag', (tag) => {
      const name = local(tag.name);
      if (name === 'si') {
        inSi = false;
        chars += current.length;
        if (chars > limits.maxSharedStringChars) throw tooComplex('xlsx-shared-string-chars', `> ${limits.maxSharedStringChars.toLocaleString('en-US')}`, limits.maxSharedStringChars);
        strings.push(unescapeXstring(current));
        current = '';
      } else if (name === 'rPh') phonetic--;
      else if (name === 't' && textDepth > 0) textDepth--;
    });
  });
  return strings;
}

/** OOXML writes characters XML cannot hold as `_xHHHH_` (e.g. `_x000D_` for CR); Excel shows the character. */
function unescapeXstring(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

// ---------------------------------------------------------------------------------------------
// Styles: which cells are dates, and how many decimals a number shows

/** Built-in number formats (ECMA-376 §18.8.30) that decide how a cell is shown here. */
const BUILTIN_FORMATS: Record<number, string> = {
  0: 'General',
  1: '0',
  2: '0.00',
  3: '#,##0',
  4: '#,##0.00',
  9: '0%',
  10: '0.00%',
  11: '0.00E+00',
  12: '# ?/?',
  13: '# ??/??',
  14: 'mm-dd-yy',
  15: 'd-mmm-yy',
  16: 'd-mmm',
  17: 'mmm-yy',
  18: 'h:mm AM/PM',
  19: 'h:mm:ss AM/PM',
  20: 'h:mm',
  21: 'h:mm:ss',
  22: 'm/d/yy h:mm',
  37: '#,##0 ;(#,##0)',
  38: '#,##0 ;[Red](#,##0)',
  39: '#,##0.00;(#,##0.00)',
  40: '#,##0.00;[Red](#,##0.00)',
  45: 'mm:ss',
  46: '[h]:mm:ss',
  47: 'mmss.0',
  48: '##0.0E+0',
  49: '@',
  // Built-ins whose code depends on the locale; these are zh-CN's (date formats only). A date that
  // Chinese Excel formats as `2024年6月` (id 57) must not come out as the serial number 45444.
  27: 'yyyy"年"m"月"',
  28: 'm"月"d"日"',
  29: 'm"月"d"日"',
  30: 'm-d-yy',
  31: 'yyyy"年"m"月"d"日"',
  36: 'yyyy"年"m"月"',
  50: 'yyyy"年"m"月"',
  51: 'm"月"d"日"',
  52: 'yyyy"年"m"月"',
  53: 'm"月"d"日"',
  54: 'm"月"d"日"',
  57: 'yyyy"年"m"月"',
  58: 'm"月"d"日"',
};

/** Number format code per cell style index (the `s` attribute of a cell). */
async function readStyles(zip: ZipFile, entry: Entry | undefined, budget: ByteBudget, limits: RosterLimits, errors: XlsxReadErrors): Promise<(string | undefined)[]> {
  const custom = new Map<number, string>();
  const xfFormats: number[] = [];
  if (!entry) return [];
  let inCellXfs = false;
  await parseEntry(zip, entry, budget, limits, errors, (p) => {
    p.on('opentag', (tag) => {
      const name = local(tag.name);
      if (name === 'numFmt') {
        const id = Number(attr(tag, 'numFmtId'));
        const code = attr(tag, 'formatCode');
        if (Number.isInteger(id) && code !== undefined && custom.size < limits.maxZipEntries) custom.set(id, code);
      } else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs && xfFormats.length < limits.maxRows) xfFormats.push(Number(attr(tag, 'numFmtId') ?? 0));
    });
    p.on('closetag', (tag) => {
      if (local(tag.name) === 'cellXfs') inCellXfs = false;
    });
  });
  return xfFormats.map((id) => custom.get(id) ?? BUILTIN_FORMATS[id]);
}

/** Drops what a number format shows literally: "quoted text", [colours/locales], \\x escapes, _x padding, *x fills. */
function formatCodeOf(fmt: string): string {
  return fmt.replace(/"[^"]*"/g, '').replace(/\[[^\]]*]/g, '').replace(/[\\_*]./g, '').trim();
}

/** Date letters outside literals, case-insensitive as Excel is. */
function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  const code = formatCodeOf(fmt.split(';')[0]!);
  return !/^general$/i.test(code) && /[ymdhsb]/i.test(code);
}

function excelSerialToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

/** 2024-06-01 → '2024-06' (Excel often stores 预计毕业时间 as the month's first day); else YYYY-MM-DD. */
function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const y = String(date.getUTCFullYear()).padStart(4, '0');
  const m = String(date.getUTCMonth() + 1).padStart(2, '0');
  const d = date.getUTCDate();
  return d === 1 ? `${y}-${m}` : `${y}-${m}-${String(d).padStart(2, '0')}`;
}

/** As Excel shows it: no exponent, no float noise, fixed decimals when the format asks (2024.10). */
function formatNumber(n: number, numFmt: string | undefined): string {
  if (!Number.isFinite(n)) return '';
  // '0.00', '#,##0.00', '0.00_ ' (Chinese Excel's default): 2024.10 must not become 2024.1 (= 2024-01).
  const decimals = numFmt ? /^[#,]*0\.(0+)$/.exec(formatCodeOf(numFmt.split(';')[0]!)) : null;
  if (decimals) return n.toFixed(decimals[1]!.length);
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  const s = String(Number(n.toPrecision(15)));
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

// ---------------------------------------------------------------------------------------------
// The worksheet

/** 'A' → 0, 'AB' → 27; -1 when the reference has no letters. */
function columnIndex(ref: string): number {
  let n = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i) | 0x20; // lower case
    if (c < 0x61 || c > 0x7a) break;
    n = n * 26 + (c - 0x60);
    if (n > 1_000_000) break;
  }
  return i === 0 ? -1 : n - 1;
}

interface SheetContext {
  strings: string[];
  formats: (string | undefined)[];
  date1904: boolean;
  limits: RosterLimits;
  errors: XlsxReadErrors;
}

function cellDisplay(type: string | undefined, value: string, style: number, ctx: SheetContext): string {
  switch (type) {
    case 's': {
      const s = ctx.strings[Number(value)];
      // A dangling index means a damaged workbook: fail rather than import empty names.
      if (s === undefined) throw ctx.errors.damaged(`shared string ${value} not found`);
      return s;
    }
    case 'str':
    case 'inlineStr':
    case 'e':
      return unescapeXstring(value);
    case 'b':
      return value === '1' || value === 'true' ? 'true' : value === '' ? '' : 'false';
    case 'd':
      return value === '' ? '' : formatDate(new Date(value));
    default: {
      if (value.trim() === '') return '';
      const n = Number(value);
      if (Number.isNaN(n)) return value;
      const fmt = ctx.formats[style];
      return isDateFormat(fmt) ? formatDate(excelSerialToDate(n, ctx.date1904)) : formatNumber(n, fmt);
    }
  }
}

/** Rows of the sheet as they are parsed; yields after each inflated chunk, so memory holds one chunk's rows. */
async function* readSheetRows(zip: ZipFile, entry: Entry, budget: ByteBudget, ctx: SheetContext): AsyncGenerator<XlsxSheetRow> {
  const { limits } = ctx;
  const parser = createParser(entry, ctx.errors);
  const ready: XlsxSheetRow[] = [];
  let rowNumber = 0;
  let rowCount = 0;
  let cells: string[] = [];
  let column = -1;
  let cellType: string | undefined;
  let cellStyle = 0;
  let capture: 'v' | 't' | null = null;
  let inInline = false;
  let phonetic = 0;
  let value = '';

  parser.on('opentag', (tag) => {
    switch (local(tag.name)) {
      case 'row': {
        const r = Number(attr(tag, 'r'));
        rowNumber = Number.isInteger(r) && r > rowNumber ? r : rowNumber + 1;
        if (rowNumber > limits.maxRows || ++rowCount > limits.maxRows) {
          throw tooComplex('roster-rows', `> ${limits.maxRows.toLocaleString('en-US')}`, limits.maxRows, { row: rowNumber });
        }
        cells = [];
        column = -1;
        break;
      }
      case 'c': {
        const ref = attr(tag, 'r');
        const c = ref ? columnIndex(ref) : -1;
        column = c >= 0 ? c : column + 1;
        cellType = attr(tag, 't');
        cellStyle = Number(attr(tag, 's') ?? 0) || 0;
        value = '';
        break;
      }
      case 'v':
        capture = 'v';
        break;
      case 'is':
        inInline = true;
        break;
      case 'rPh':
        phonetic++;
        break;
      case 't':
        if (inInline && phonetic === 0) capture = 't';
        break;
    }
  });
  const addText = (text: string) => {
    if (capture === null) return;
    value += text;
    if (value.length > limits.maxCellChars) {
      throw tooComplex('roster-cell-length', `> ${limits.maxCellChars.toLocaleString('en-US')}`, limits.maxCellChars, { row: rowNumber, column: column + 1 });
    }
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', (tag) => {
    switch (local(tag.name)) {
      case 'v':
      case 't':
        capture = null;
        break;
      case 'is':
        inInline = false;
        break;
      case 'rPh':
        phonetic--;
        break;
      case 'c': {
        const text = cellDisplay(cellType, value, cellStyle, ctx).trim();
        if (text === '') break;
        // Empty cells far to the right (formatting only) are harmless; values there are not a roster.
        if (column >= limits.maxColumns) throw tooComplex('roster-columns', column + 1, limits.maxColumns, { row: rowNumber, column: column + 1 });
        cells[column] = text;
        break;
      }
      case 'row':
        ready.push({ row: rowNumber, cells: Array.from(cells, (c) => c ?? '') });
        break;
    }
  });

  for await (const text of entryText(zip, entry, budget, limits, ctx.errors)) {
    writeXml(parser, text, entry, ctx.errors);
    while (ready.length > 0) yield ready.shift()!;
  }
  closeXml(parser, entry, ctx.errors);
  while (ready.length > 0) yield ready.shift()!;
}

// ---------------------------------------------------------------------------------------------

/**
 * Rows of the workbook's first visible sheet (a hidden first sheet is usually a lookup table, not the
 * roster). Throws `errors.notWorkbook()` when the zip is no workbook, ROSTER_TOO_COMPLEX at a limit.
 */
export async function* readXlsxRows(
  source: { path: string } | { buffer: Buffer },
  limits: RosterLimits,
  errors: XlsxReadErrors,
): AsyncGenerator<XlsxSheetRow> {
  let zip: ZipFile;
  try {
    zip = await openZip(source);
  } catch {
    throw errors.notWorkbook();
  }
  try {
    const entries = await listEntries(zip, limits).catch((e: unknown) => {
      throw (e as Error).name === 'AppError' ? e : errors.notWorkbook();
    });
    const workbookEntry = entries.get('xl/workbook.xml');
    if (!workbookEntry) throw errors.notWorkbook();
    const budget = new ByteBudget(limits);
    const { sheets, date1904 } = await readWorkbook(zip, workbookEntry, budget, limits, errors);
    const rels = await readRelationships(zip, entries.get('xl/_rels/workbook.xml.rels'), budget, limits, errors);
    const index = sheets.findIndex((s) => s.state !== 'hidden' && s.state !== 'veryHidden');
    const target = sheets[index >= 0 ? index : 0];
    const sheetPart = (target?.relId && rels.targets.get(target.relId)) || `xl/worksheets/sheet${(index >= 0 ? index : 0) + 1}.xml`;
    const sheetEntry = entries.get(sheetPart);
    if (!target || !sheetEntry) throw errors.notWorkbook();
    const strings = await readSharedStrings(zip, entries.get(rels.byType.get('sharedStrings') ?? 'xl/sharedstrings.xml'), budget, limits, errors);
    const formats = await readStyles(zip, entries.get(rels.byType.get('styles') ?? 'xl/styles.xml'), budget, limits, errors);
    yield* readSheetRows(zip, sheetEntry, budget, { strings, formats, date1904, limits, errors });
  } finally {
    zip.close();
  }
}
