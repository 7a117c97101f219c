// The record of processing (个人信息处理活动记录, issue 10 section 5) as a PDF: A4, Chinese text in Noto Sans SC
// (the fonts the notice embeds, as subsets), headings and numbered lines, page numbers. Made in memory.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Lang } from '../domain/i18n.js';
import type { RecordOfProcessingContent } from '../domain/retention.js';
import { loadPdfKit, NOTICE_FONT_FILES } from './notice-pdf.js';

const require = createRequire(import.meta.url);
let fonts: Promise<{ regular: Buffer; bold: Buffer }> | undefined;

function loadFonts(): Promise<{ regular: Buffer; bold: Buffer }> {
  fonts ??= Promise.all([fs.promises.readFile(require.resolve(NOTICE_FONT_FILES.regular)), fs.promises.readFile(require.resolve(NOTICE_FONT_FILES.bold))])
    .then(([regular, bold]) => ({ regular, bold }))
    .catch((e: unknown) => {
      fonts = undefined;
      throw e;
    });
  return fonts;
}

const MARGIN = { top: 56, bottom: 60, left: 54, right: 54 };

export async function renderRecordOfProcessingPdf(record: Pick<RecordOfProcessingContent, 'title' | 'subtitle'> & { sections: { heading: string; lines: string[] }[] }, meta: { lang: Lang; campaignId: string; generatedAt: string }): Promise<Buffer> {
  const { regular, bold } = await loadFonts();
  const PDFDocument = await loadPdfKit();
  const doc = new PDFDocument({ size: 'A4', margins: MARGIN, bufferPages: true, lang: meta.lang === 'zh' ? 'zh-CN' : 'en', displayTitle: true, info: { Title: record.title, Subject: meta.campaignId, Creator: 'gradphoto', Producer: 'gradphoto (pdfkit)' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  const width = doc.page.width - MARGIN.left - MARGIN.right;
  doc.font('bold').fontSize(17).fillColor('#1a1a1a').text(record.title, { width, align: 'center' });
  doc.moveDown(0.3);
  doc.font('regular').fontSize(10).fillColor('#6b6b6b').text(record.subtitle, { width, align: 'center' });
  doc.moveDown(0.8);
  for (const section of record.sections) {
    doc.font('bold').fontSize(12.5).fillColor('#1f4e9c').text(section.heading, MARGIN.left, undefined, { width });
    doc.moveDown(0.3);
    section.lines.forEach((line, i) => {
      doc.font('regular').fontSize(10).fillColor('#1a1a1a').text(`${i + 1}. ${line}`, MARGIN.left + 12, undefined, { width: width - 12, lineGap: 2 });
      doc.moveDown(0.2);
    });
    doc.moveDown(0.6);
  }
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // the footer sits below the bottom margin: lift the margin while writing it, or pdfkit adds a page for it
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const label = meta.lang === 'zh' ? `第 ${i + 1} 页 / 共 ${range.count} 页 · ${meta.generatedAt}` : `Page ${i + 1} of ${range.count} · ${meta.generatedAt}`;
    doc.font('regular').fontSize(8).fillColor('#6b6b6b').text(label, MARGIN.left, doc.page.height - MARGIN.bottom + 20, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
