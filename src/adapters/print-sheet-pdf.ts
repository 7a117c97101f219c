// Prints and hand-over (issue 10 section 2, A2; docs/decisions/0025-prints-handover.md): the two PDFs.
//
// The print sheet: for the agency's printer, A4 at 300 dpi — each student's set is N copies of the standard
// 480 × 640 photo placed at its physical size (40.64 mm × 54.19 mm), cut marks at every corner, and a label under
// the set (student number, masked name, department; never an ID number). Streamed: a set's JPEG is read, drawn and
// dropped before the next is asked for, and the writer waits while the reader is slow, so a department of 1,000
// students never holds more than a page's photos.
//
// The hand-over list: a department's paper trail — one row per student with a signature column and a date
// column, the header repeated on every page, page numbers, the secretary's signature line at the end.
import { once } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { PassThrough, type Readable } from 'node:stream';
import { A4, copyPositions, PRINT_PHOTO, sheetGeometry } from '../domain/prints.js';
import { loadPdfKit, NOTICE_FONT_FILES } from './notice-pdf.js';

const require = createRequire(import.meta.url);
let font: Promise<Buffer> | undefined;

function loadRegularFont(): Promise<Buffer> {
  font ??= fs.promises.readFile(require.resolve(NOTICE_FONT_FILES.regular)).catch((e: unknown) => {
    font = undefined;
    throw e;
  });
  return font;
}

export interface SheetSet {
  /** the label under each copy: student number and masked name, then the department (two lines) */
  label: string;
  department?: string;
  jpeg: Buffer;
}

export interface PrintSheetOptions {
  title: string;
  /** the header of page i of n */
  pageHeader: (page: number, pages: number) => string;
  copies: number;
  /** sets in the sheet (for "page i of n") */
  total: number;
  /** the sets not printed, listed on a last page: its heading and one line each */
  skipped?: { heading: string; lines: string[] };
}

type Doc = PDFKit.PDFDocument;

/** What the sheet's stream holds before the writer waits for the reader. */
const OUT_BUFFER = 1 << 20;

function cutMarks(doc: Doc, x: number, y: number, w: number, h: number, len: number, off: number): void {
  doc.save().lineWidth(0.3).strokeColor('#000000');
  for (const [cx, cy, dx, dy] of [
    [x, y, -1, -1],
    [x + w, y, 1, -1],
    [x, y + h, -1, 1],
    [x + w, y + h, 1, 1],
  ] as const) {
    doc.moveTo(cx + dx * off, cy).lineTo(cx + dx * (off + len), cy).stroke();
    doc.moveTo(cx, cy + dy * off).lineTo(cx, cy + dy * (off + len)).stroke();
  }
  doc.restore();
}

/** The print sheet as a stream; `sets` is read one set at a time, as the stream is consumed. */
export function streamPrintSheetPdf(opts: PrintSheetOptions, sets: AsyncIterable<SheetSet>): Readable {
  const out = new PassThrough({ highWaterMark: OUT_BUFFER });
  void (async () => {
    const regular = await loadRegularFont();
    const PDFDocument = await loadPdfKit();
    const g = sheetGeometry(opts.copies);
    const skippedLines = opts.skipped?.lines ?? [];
    const linesPerPage = 60;
    const pages = (opts.total > 0 || skippedLines.length === 0 ? Math.max(1, Math.ceil(opts.total / g.setsPerPage)) : 0) + Math.ceil(skippedLines.length / linesPerPage);
    const doc = new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: false, info: { Title: opts.title, Creator: 'gradphoto', Producer: 'gradphoto (pdfkit)' } });
    doc.registerFont('regular', regular);
    doc.on('data', (chunk: Buffer) => out.write(chunk));
    const ended = once(doc, 'end');
    let page = 0;
    let slot = g.setsPerPage;
    const newPage = () => {
      doc.addPage({ size: 'A4', margin: 0 });
      page++;
      slot = 0;
      doc.font('regular').fontSize(8).fillColor('#555555').text(opts.pageHeader(page, pages), g.marginX, g.marginTop, { width: A4.width - 2 * g.marginX, lineBreak: false });
    };
    for await (const set of sets) {
      if (slot >= g.setsPerPage) newPage();
      // one image object per set, drawn N times (pdfkit's openImage; missing from its types)
      const image = (doc as unknown as { openImage(src: Buffer): never }).openImage(set.jpeg);
      for (const p of copyPositions(g, opts.copies, slot)) {
        doc.image(image, p.x, p.y, { width: PRINT_PHOTO.widthPt, height: PRINT_PHOTO.heightPt });
        cutMarks(doc, p.x, p.y, PRINT_PHOTO.widthPt, PRINT_PHOTO.heightPt, g.mark.length, g.mark.offset);
        // each cut photo keeps its label: student number and masked name, the department below
        const labelY = p.y + PRINT_PHOTO.heightPt + g.mark.offset + g.mark.length + 2;
        const w = PRINT_PHOTO.widthPt + g.gap - 2;
        doc.font('regular').fontSize(7).fillColor('#000000').text(set.label, p.x, labelY, { width: w, lineBreak: false, ellipsis: true });
        if (set.department) doc.font('regular').fontSize(7).fillColor('#000000').text(set.department, p.x, labelY + 9, { width: w, lineBreak: false, ellipsis: true });
      }
      slot++;
      // pdfkit hands its output over on the next tick: let it reach `out`, then, when the reader is slower than the
      // writer, wait for it, so that no more than about a megabyte is ever held (the sets are pulled as it reads)
      await new Promise((resolve) => setImmediate(resolve));
      if (out.writableNeedDrain || doc.readableLength > OUT_BUFFER) await once(out, 'drain');
    }
    if (page === 0 && (opts.total > 0 || skippedLines.length === 0)) newPage();
    // the sets not printed (e.g. their photo deleted under the retention policy), on a last page of their own
    for (let i = 0; i < skippedLines.length; i += linesPerPage) {
      newPage();
      let y = g.marginTop + g.headerHeight + 4;
      if (i === 0) {
        doc.font('regular').fontSize(13).fillColor('#000000').text(opts.skipped!.heading, g.marginX, y, { width: A4.width - 2 * g.marginX, lineBreak: false });
        y += 26;
      }
      for (const line of skippedLines.slice(i, i + linesPerPage)) {
        doc.font('regular').fontSize(9).fillColor('#000000').text(line, g.marginX, y, { width: A4.width - 2 * g.marginX, lineBreak: false, ellipsis: true });
        y += 12.5;
      }
    }
    doc.end();
    await ended;
    out.end();
  })().catch((e: unknown) => out.destroy(e as Error));
  return out;
}

export interface HandoverListRow {
  studentNo: string;
  name: string;
  /** e.g. "已领取 2026-12-03" or "" */
  status: string;
}

export interface HandoverListOptions {
  title: string;
  subtitle: string;
  headers: { index: string; studentNo: string; name: string; status: string; signature: string; date: string };
  pageFooter: (page: number, pages: number) => string;
  /** the closing line: the secretary's signature and date */
  closing: string;
}

/** The hand-over list of a department, with signature lines; a few hundred text rows: made in memory. */
export async function renderHandoverListPdf(opts: HandoverListOptions, rows: HandoverListRow[]): Promise<Buffer> {
  const regular = await loadRegularFont();
  const PDFDocument = await loadPdfKit();
  const doc = new PDFDocument({ size: 'A4', margins: { top: 48, bottom: 48, left: 42, right: 42 }, bufferPages: true, info: { Title: opts.title, Creator: 'gradphoto', Producer: 'gradphoto (pdfkit)' } });
  doc.registerFont('regular', regular);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = once(doc, 'end');
  const left = 42;
  const width = A4.width - 84;
  const cols = [
    { key: 'index', w: 34 },
    { key: 'studentNo', w: 96 },
    { key: 'name', w: 96 },
    { key: 'status', w: 110 },
    { key: 'signature', w: 110 },
    { key: 'date', w: width - 34 - 96 - 96 - 110 - 110 },
  ] as const;
  const rowH = 24;
  const bottom = A4.height - 60;
  doc.font('regular').fontSize(15).fillColor('#000000').text(opts.title, left, 48, { width, align: 'center' });
  doc.fontSize(9).fillColor('#444444').text(opts.subtitle, left, doc.y + 4, { width, align: 'center' });
  let y = doc.y + 12;
  const header = () => {
    doc.save().rect(left, y, width, rowH).fill('#eeeeee').restore();
    let x = left;
    for (const c of cols) {
      doc.save().lineWidth(0.6).strokeColor('#555555').rect(x, y, c.w, rowH).stroke().restore();
      doc.font('regular').fontSize(9).fillColor('#000000').text(opts.headers[c.key], x + 4, y + 8, { width: c.w - 8, lineBreak: false });
      x += c.w;
    }
    y += rowH;
  };
  header();
  rows.forEach((r, i) => {
    if (y + rowH > bottom) {
      doc.addPage();
      y = 48;
      header();
    }
    const cells: Record<(typeof cols)[number]['key'], string> = { index: String(i + 1), studentNo: r.studentNo, name: r.name, status: r.status, signature: '', date: '' };
    let x = left;
    for (const c of cols) {
      doc.save().lineWidth(0.6).strokeColor('#555555').rect(x, y, c.w, rowH).stroke().restore();
      if (cells[c.key]) doc.font('regular').fontSize(9).fillColor('#000000').text(cells[c.key], x + 4, y + 8, { width: c.w - 8, lineBreak: false, ellipsis: true });
      x += c.w;
    }
    y += rowH;
  });
  if (y + 50 > bottom) {
    doc.addPage();
    y = 48;
  }
  doc.font('regular').fontSize(10).fillColor('#000000').text(opts.closing, left, y + 24, { width, lineBreak: false });
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // the footer sits in the bottom margin: without this pdfkit would start a new page for it
    doc.page.margins.bottom = 0;
    doc.font('regular').fontSize(8).fillColor('#666666').text(opts.pageFooter(i + 1, range.count), left, A4.height - 40, { width, align: 'center', lineBreak: false });
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
