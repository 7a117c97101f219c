// The campaign notice as a PDF (issue #3 part 5): A4, Chinese text in Noto Sans SC (the TTF published on
// the npm registry, embedded as a subset of the glyphs used), the department table drawn as a real table
// whose header repeats on every page it spans, page numbers. Made in memory: never written to disk.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { NoticeContent, NoticeDayRow, NoticeLine, NoticeTable } from '../domain/notice.js';

const require = createRequire(import.meta.url);

export const NOTICE_FONT_FILES = {
  regular: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  bold: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf',
} as const;

interface Fonts {
  regular: Buffer;
  bold: Buffer;
}

let fonts: Promise<Fonts> | undefined;

/** The two TTF files (about 10 MB each), read once per process. */
function loadFonts(): Promise<Fonts> {
  fonts ??= Promise.all([fs.promises.readFile(require.resolve(NOTICE_FONT_FILES.regular)), fs.promises.readFile(require.resolve(NOTICE_FONT_FILES.bold))])
    .then(([regular, bold]) => ({ regular, bold }))
    .catch((e: unknown) => {
      fonts = undefined;
      throw e;
    });
  return fonts;
}

// A4 in points, and the page's frame.
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { top: 56, bottom: 60, left: 54, right: 54 };
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const BOTTOM = PAGE.height - MARGIN.bottom;

const COLOR = { text: '#1a1a1a', muted: '#6b6b6b', rule: '#1f4e9c', line: '#9aa7b8', headerFill: '#e6edf7', weekend: '#ad6800', weekendFill: '#fff8e6' };
const SIZE = { title: 17, subtitle: 10.5, heading: 12.5, body: 10, table: 9, small: 8 };
const CELL_PAD = 5;

type Doc = PDFKit.PDFDocument;

/** pdfkit (~150 ms to load) on first use: most processes never render a PDF. */
export const loadPdfKit = async () => (await import('pdfkit')).default;

/** Column widths of the department table: day, windows, departments, code-by. */
const COLUMNS = (() => {
  const day = 94;
  const windows = 80;
  const codeBy = 88;
  return { day, windows, departments: CONTENT_WIDTH - day - windows - codeBy, codeBy };
})();

function labels(lang: NoticeContent['lang']) {
  return lang === 'zh'
    ? { page: (i: number, n: number) => `第 ${i} 页 / 共 ${n} 页`, continued: '（续）', separator: '、' }
    : { page: (i: number, n: number) => `Page ${i} of ${n}`, continued: ' (cont.)', separator: ', ' };
}

function writeLine(doc: Doc, line: NoticeLine): void {
  doc.font('regular').fontSize(SIZE.body).fillColor(COLOR.text);
  const options = { width: CONTENT_WIDTH, lineGap: 2, paragraphGap: 4 };
  if (!line.rule) {
    doc.text(line.text, MARGIN.left, doc.y, options);
    return;
  }
  doc.text(line.text, MARGIN.left, doc.y, { ...options, continued: true });
  // The rule ID after the sentence, so a reader can look it up (docs/rules/campaign-rules.md).
  doc.fillColor(COLOR.muted).fontSize(SIZE.small).text(`  ${line.rule}`, options);
  doc.fillColor(COLOR.text).fontSize(SIZE.body);
}

function ensureRoom(doc: Doc, height: number): void {
  if (doc.y + height > BOTTOM) doc.addPage();
}

// ───────────────────────────── the department table ─────────────────────────────

interface CellTexts {
  day: string;
  windows: string;
  departments: string;
  codeBy: string;
}

function cellTexts(row: NoticeDayRow, departments: string[], table: NoticeTable, lang: NoticeContent['lang'], continued: boolean): CellTexts {
  const l = labels(lang);
  return {
    day: `${row.day}${continued ? l.continued : ''}${row.weekend ? `\n${table.weekendLabel}` : ''}`,
    windows: row.windows.split(/、|, /).join('\n'),
    departments: departments.join(l.separator),
    codeBy: row.codeBy,
  };
}

function textHeight(doc: Doc, text: string, width: number, font: 'regular' | 'bold'): number {
  doc.font(font).fontSize(SIZE.table);
  return doc.heightOfString(text, { width: width - 2 * CELL_PAD, lineGap: 1.5 });
}

function rowHeight(doc: Doc, cells: CellTexts, font: 'regular' | 'bold' = 'regular'): number {
  const h = Math.max(
    textHeight(doc, cells.day, COLUMNS.day, font),
    textHeight(doc, cells.windows, COLUMNS.windows, font),
    textHeight(doc, cells.departments, COLUMNS.departments, font),
    textHeight(doc, cells.codeBy, COLUMNS.codeBy, font),
  );
  return Math.ceil(h + 2 * CELL_PAD);
}

function drawRow(doc: Doc, y: number, cells: CellTexts, height: number, style: { font: 'regular' | 'bold'; fill?: string; dayColor?: string }): void {
  const xs = [MARGIN.left, MARGIN.left + COLUMNS.day, MARGIN.left + COLUMNS.day + COLUMNS.windows, MARGIN.left + COLUMNS.day + COLUMNS.windows + COLUMNS.departments];
  const widths = [COLUMNS.day, COLUMNS.windows, COLUMNS.departments, COLUMNS.codeBy];
  const texts = [cells.day, cells.windows, cells.departments, cells.codeBy];
  if (style.fill) doc.save().rect(MARGIN.left, y, CONTENT_WIDTH, height).fill(style.fill).restore();
  doc.save().lineWidth(0.6).strokeColor(COLOR.line);
  for (let i = 0; i < 4; i++) doc.rect(xs[i]!, y, widths[i]!, height).stroke();
  doc.restore();
  for (let i = 0; i < 4; i++) {
    doc
      .font(style.font)
      .fontSize(SIZE.table)
      .fillColor(i === 0 && style.dayColor ? style.dayColor : COLOR.text)
      .text(texts[i]!, xs[i]! + CELL_PAD, y + CELL_PAD, { width: widths[i]! - 2 * CELL_PAD, lineGap: 1.5, lineBreak: true });
  }
  doc.fillColor(COLOR.text);
}

function drawHeader(doc: Doc, table: NoticeTable, y: number): number {
  const cells = table.columns;
  const h = rowHeight(doc, cells, 'bold');
  drawRow(doc, y, cells, h, { font: 'bold', fill: COLOR.headerFill });
  return y + h;
}

/**
 * Draws the table from doc.y: rows go on while they fit; a row that does not fit starts a new page under a
 * repeated header; a row taller than a whole page is split between departments and marked "continued".
 */
function drawTable(doc: Doc, table: NoticeTable, lang: NoticeContent['lang']): void {
  const headerHeight = rowHeight(doc, table.columns, 'bold');
  // The caption and the header never stand alone at the bottom of a page.
  ensureRoom(doc, 20 + headerHeight + 40);
  doc.font('bold').fontSize(SIZE.body).fillColor(COLOR.text).text(table.caption, MARGIN.left, doc.y, { width: CONTENT_WIDTH });
  doc.moveDown(0.3);
  let y = drawHeader(doc, table, doc.y);
  const newPage = () => {
    doc.addPage();
    y = drawHeader(doc, table, MARGIN.top);
  };
  for (const row of table.rows) {
    let remaining = [...row.departments];
    let continued = false;
    while (remaining.length > 0 || !continued) {
      const style = { font: 'regular' as const, fill: row.weekend ? COLOR.weekendFill : undefined, dayColor: row.weekend ? COLOR.weekend : undefined };
      const whole = cellTexts(row, remaining, table, lang, continued);
      const wholeHeight = rowHeight(doc, whole);
      if (y + wholeHeight <= BOTTOM) {
        drawRow(doc, y, whole, wholeHeight, style);
        y += wholeHeight;
        break;
      }
      const pageRoom = BOTTOM - MARGIN.top - headerHeight;
      if (wholeHeight <= pageRoom) {
        newPage();
        continue;
      }
      // Taller than a page: as many departments as fit here, the rest on the next page.
      let fit = 0;
      while (fit < remaining.length && y + rowHeight(doc, cellTexts(row, remaining.slice(0, fit + 1), table, lang, continued)) <= BOTTOM) fit++;
      const fresh = y === MARGIN.top + headerHeight;
      if (fit === 0 && !fresh) {
        newPage();
        continue;
      }
      fit = Math.max(fit, 1); // never loop on a page that cannot hold even one name
      const part = cellTexts(row, remaining.slice(0, fit), table, lang, continued);
      const h = rowHeight(doc, part);
      drawRow(doc, y, part, h, style);
      remaining = remaining.slice(fit);
      continued = true;
      newPage();
    }
  }
  doc.x = MARGIN.left;
  doc.y = y + 10;
}

// ───────────────────────────── the document ─────────────────────────────

function writeNotice(doc: Doc, notice: NoticeContent): void {
  doc.font('bold').fontSize(SIZE.title).fillColor(COLOR.text).text(notice.title, MARGIN.left, MARGIN.top, { width: CONTENT_WIDTH, align: 'center', lineGap: 3 });
  doc.moveDown(0.2);
  doc.font('regular').fontSize(SIZE.subtitle).fillColor(COLOR.muted).text(notice.subtitle, { width: CONTENT_WIDTH, align: 'center' });
  doc.moveDown(0.8);

  // The key facts in a framed box: label in bold, value beside it.
  const labelWidth = notice.lang === 'zh' ? 62 : 70;
  const top = doc.y;
  let y = top + 8;
  for (const fact of notice.facts) {
    doc.font('regular').fontSize(SIZE.body);
    const h = Math.max(doc.heightOfString(fact.value, { width: CONTENT_WIDTH - labelWidth - 20 }), 14);
    doc.font('bold').fillColor(COLOR.rule).text(fact.label, MARGIN.left + 10, y, { width: labelWidth });
    doc.font('regular').fillColor(COLOR.text).text(fact.value, MARGIN.left + 10 + labelWidth, y, { width: CONTENT_WIDTH - labelWidth - 20 });
    y += h + 4;
  }
  doc.save().lineWidth(0.8).strokeColor(COLOR.rule).rect(MARGIN.left, top, CONTENT_WIDTH, y - top + 4).stroke().restore();
  doc.x = MARGIN.left;
  doc.y = y + 16;

  for (const section of notice.sections) {
    ensureRoom(doc, 60);
    doc.font('bold').fontSize(SIZE.heading).fillColor(COLOR.rule).text(section.heading, MARGIN.left, doc.y, { width: CONTENT_WIDTH });
    doc.moveDown(0.35);
    for (const line of section.lines) writeLine(doc, line);
    if (section.table) {
      doc.moveDown(0.3);
      drawTable(doc, section.table, notice.lang);
    }
    doc.moveDown(0.6);
  }
}

/** Page numbers, after the first page the title as a running header, on the last page the footer. */
function stampPages(doc: Doc, notice: NoticeContent): void {
  const l = labels(notice.lang);
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin must not start a new page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('regular').fontSize(SIZE.small).fillColor(COLOR.muted);
    doc.text(l.page(i - start + 1, count), MARGIN.left, PAGE.height - 36, { width: CONTENT_WIDTH, align: 'center', lineBreak: false });
    if (i > start) doc.text(notice.title, MARGIN.left, 26, { width: CONTENT_WIDTH, align: 'center', lineBreak: false, ellipsis: true, height: 12 });
    if (i === start + count - 1) doc.text(notice.footer, MARGIN.left, PAGE.height - 50, { width: CONTENT_WIDTH, align: 'center', lineBreak: false, ellipsis: true, height: 12 });
    doc.page.margins.bottom = bottom;
  }
}

/** The notice as PDF bytes, in memory. */
export async function renderNoticePdf(notice: NoticeContent): Promise<Buffer> {
  const { regular, bold } = await loadFonts();
  const PDFDocument = await loadPdfKit();
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    lang: notice.lang === 'zh' ? 'zh-CN' : 'en',
    displayTitle: true,
    info: { Title: notice.title, Author: notice.subtitle, Subject: notice.campaignId, Creator: 'gradphoto', Producer: 'gradphoto (pdfkit)' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  writeNotice(doc, notice);
  stampPages(doc, notice);
  doc.end();
  return done;
}
