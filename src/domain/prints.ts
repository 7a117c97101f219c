// Prints and hand-over (issue 10 section 2, rule A2; docs/decisions/0025-prints-handover.md): the pure rules —
// copies per set, the print sheet's geometry at 300 dpi, the count check of each hand-over step, the student
// numbers a secretary pastes, and the state of one student's print set.

import { wallClockText } from './wall-clock.js';

/** Copies of the standard photo per student's set (a batch setting). */
export const PRINT_COPIES = { min: 1, max: 8, default: 4 } as const;

/** Student numbers one hand-over call may mark at once. */
export const HANDOVER_MAX_STUDENTS = 500;

/** Points per millimetre (PDF units: 1/72 inch). */
export const PT_PER_MM = 72 / 25.4;

/** The standard photo (F1: 480 × 640 px) printed at 300 dpi: 40.64 mm × 54.19 mm, i.e. 115.2 pt × 153.6 pt. */
export const PRINT_PHOTO = { widthPx: 480, heightPx: 640, dpi: 300, widthPt: (480 / 300) * 72, heightPt: (640 / 300) * 72 } as const;

/** A4 in points. */
export const A4 = { width: 595.28, height: 841.89 } as const;

export interface SheetGeometry {
  /** page margin, left and right / top and bottom (pt) */
  marginX: number;
  marginTop: number;
  marginBottom: number;
  /** gap between two photos (pt): the cut marks are drawn in it */
  gap: number;
  /** the page's grid of photos: columns × rows (4 × 4 on A4) */
  columns: number;
  rows: number;
  /** a set's block in the grid: its copies side by side, 4 a row (copies 5–8: two rows) */
  setColumns: number;
  setRows: number;
  /** the label lines under each photo (below its cut marks) */
  labelHeight: number;
  /** one grid row: photo + label + gap */
  cellHeight: number;
  setsPerPage: number;
  /** the header line at the top of each page */
  headerHeight: number;
  /** cut-mark length and its distance from the photo's edge (pt) */
  mark: { length: number; offset: number };
}

/**
 * The print sheet's grid on A4: as many 40.64 × 54.19 mm photos as fit with a 6 mm gap for the cut marks and two
 * label lines under each photo — 4 columns (4 × 40.64 mm + 3 × 6 mm in 210 mm with 12 mm margins) × 4 rows. A set
 * takes a block of its copies side by side (copies 1: one cell, 2: two, 3–4: a row, 5–8: two rows), blocks filling
 * the page row by row in student-number order: copies 1 → 16 sets a page, 2 → 8, 3–4 → 4, 5–8 → 2.
 */
export function sheetGeometry(copies: number): SheetGeometry {
  const c = Math.min(PRINT_COPIES.max, Math.max(PRINT_COPIES.min, Math.trunc(copies)));
  const gap = 6 * PT_PER_MM;
  const marginX = 12 * PT_PER_MM;
  const marginTop = 7 * PT_PER_MM;
  const marginBottom = 5 * PT_PER_MM;
  const headerHeight = 18;
  // two 7-pt lines below the cut marks (3 mm under the photo) so that no mark crosses them
  const labelHeight = 27;
  const cellHeight = PRINT_PHOTO.heightPt + labelHeight + gap;
  const columns = Math.floor((A4.width - 2 * marginX + gap) / (PRINT_PHOTO.widthPt + gap));
  const usable = A4.height - marginTop - marginBottom - headerHeight;
  const rows = Math.floor((usable + gap) / cellHeight);
  const setColumns = Math.min(columns, c);
  const setRows = Math.ceil(c / columns);
  const setsPerPage = Math.max(1, Math.floor(columns / setColumns) * Math.floor(rows / setRows));
  return { marginX, marginTop, marginBottom, gap, columns, rows, setColumns, setRows, labelHeight, cellHeight, setsPerPage, headerHeight, mark: { length: 2.5 * PT_PER_MM, offset: 0.5 * PT_PER_MM } };
}

/** Top-left corners (pt) of the copies of the set in `slot` (0 … setsPerPage − 1) of a page. */
export function copyPositions(g: SheetGeometry, copies: number, slot: number): { x: number; y: number }[] {
  const gridWidth = g.columns * PRINT_PHOTO.widthPt + (g.columns - 1) * g.gap;
  const left = (A4.width - gridWidth) / 2;
  const top = g.marginTop + g.headerHeight;
  const perRow = Math.floor(g.columns / g.setColumns);
  const col0 = (slot % perRow) * g.setColumns;
  const row0 = Math.floor(slot / perRow) * g.setRows;
  return Array.from({ length: copies }, (_, i) => ({
    x: left + (col0 + (i % g.columns)) * (PRINT_PHOTO.widthPt + g.gap),
    y: top + (row0 + Math.floor(i / g.columns)) * g.cellHeight,
  }));
}

/** Pages a department's sheet takes. */
export function sheetPageCount(sets: number, copies: number): number {
  return Math.max(1, Math.ceil(sets / sheetGeometry(copies).setsPerPage));
}

/**
 * The receiving side's count against the sender's: equal, or different with a note (recorded as a discrepancy),
 * or different without one (refused: count again, or say why).
 */
export type CountCheck = { ok: true; discrepancy: null } | { ok: true; discrepancy: string } | { ok: false };

export function checkReceivedCount(sent: number, received: number, note: string | null | undefined): CountCheck {
  if (sent === received) return { ok: true, discrepancy: null };
  const n = (note ?? '').trim();
  return n.length > 0 ? { ok: true, discrepancy: n } : { ok: false };
}

/**
 * The student numbers in what a secretary typed or pasted (one per line, or separated by spaces, commas, 、 or
 * semicolons), in order, each once.
 */
export function parseStudentNos(text: string): string[] {
  const seen = new Set<string>();
  for (const token of text.split(/[\s,，、;；]+/u)) {
    const t = token.trim();
    if (t) seen.add(t);
  }
  return [...seen];
}

/**
 * Where one student's prints are: none made yet; printed (the agency's batch, not yet at the graduate school or
 * not yet sent to the department); at the department (delivered, the secretary to receive or hand over); handed
 * to the student; voided (the photo's confirmation was voided or the photo became invalid after printing).
 */
export type PrintState = 'none' | 'printing' | 'at_school' | 'sent_to_department' | 'at_department' | 'handed' | 'voided';

export interface PrintStateInput {
  batchStatus: 'open' | 'sent' | 'received';
  deliverySent: boolean;
  deliveryReceived: boolean;
  handed: boolean;
  voided: boolean;
}

export function printState(item: PrintStateInput | null): PrintState {
  if (!item) return 'none';
  if (item.handed) return 'handed';
  if (item.voided) return 'voided';
  if (item.deliveryReceived) return 'at_department';
  if (item.deliverySent) return 'sent_to_department';
  if (item.batchStatus === 'received') return 'at_school';
  return 'printing';
}

/** A print set's state in words (messages, lists, the hand-over PDF). */
export const PRINT_STATE_TEXT: Record<PrintState, { zh: string; en: string }> = {
  none: { zh: '尚未打印', en: 'not printed yet' },
  printing: { zh: '制作中', en: 'being printed' },
  at_school: { zh: '在研究生院', en: 'at the graduate school' },
  sent_to_department: { zh: '已发往院系，待院系签收', en: 'sent to the department, not yet received there' },
  at_department: { zh: '在院系，待领取', en: 'at the department, to be collected' },
  handed: { zh: '已领取', en: 'collected' },
  voided: { zh: '已作废（照片确认已撤销）', en: 'void (the photo’s confirmation was voided)' },
};

/** Why a student number cannot be marked as handed over (PRINT_STUDENTS_REFUSED lists them). */
export type HandoverRefusal = 'unknown' | 'other_department' | 'no_prints' | 'voided' | 'not_at_department';

export const HANDOVER_REFUSAL_TEXT: Record<HandoverRefusal, { zh: string; en: string }> = {
  unknown: { zh: '名单中没有此学号', en: 'not on the roster' },
  other_department: { zh: '不是本院系的学生', en: 'a student of another department' },
  no_prints: { zh: '没有打印的照片', en: 'has no prints' },
  voided: { zh: '照片已作废', en: 'the prints are void' },
  not_at_department: { zh: '照片尚未送达院系', en: 'the prints have not reached the department' },
};

/** An instant as the campaign's wall clock, `YYYY-MM-DD HH:mm` (messages and the hand-over list). */
export function campaignDateTime(iso: string, timeZone: string): string {
  return wallClockText(iso, timeZone);
}
