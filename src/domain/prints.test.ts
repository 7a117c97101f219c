// The pure rules of prints and hand-over (A2): the 300-dpi geometry of the print sheet, the count check of each
// hand-over step, the numbers a secretary pastes, the state of a set.
import { describe, expect, it } from 'vitest';
import { A4, campaignDateTime, checkReceivedCount, copyPositions, parseStudentNos, PRINT_PHOTO, PT_PER_MM, printState, sheetGeometry, sheetPageCount } from './prints.js';

describe('print sheet geometry', () => {
  it('places the 480 × 640 photo at its 300-dpi size: 40.64 mm × 54.19 mm', () => {
    expect(PRINT_PHOTO.widthPt / PT_PER_MM).toBeCloseTo(40.64, 2);
    expect(PRINT_PHOTO.heightPt / PT_PER_MM).toBeCloseTo(54.19, 2);
  });
  it('fills A4 with a grid of 4 × 4 photos: sets of 1 copy 16 a page, 2: 8, 3–4: 4, 5–8: 2; a set’s copies in a row; no overlap, all inside A4 with room for marks and labels', () => {
    const expected: Record<number, number> = { 1: 16, 2: 8, 3: 4, 4: 4, 5: 2, 6: 2, 7: 2, 8: 2 };
    for (let copies = 1; copies <= 8; copies++) {
      const g = sheetGeometry(copies);
      expect([g.columns, g.rows]).toEqual([4, 4]);
      expect(g.setsPerPage).toBe(expected[copies]);
      const reach = g.mark.offset + g.mark.length;
      const boxes: { x: number; y: number }[] = [];
      for (let slot = 0; slot < g.setsPerPage; slot++) {
        const ps = copyPositions(g, copies, slot);
        expect(ps).toHaveLength(copies);
        // the copies of a set side by side: the same row while they fit (4 a row)
        for (let i = 1; i < Math.min(copies, 4); i++) expect(ps[i]!.y).toBe(ps[0]!.y);
        for (const p of ps) {
          expect(p.x - reach).toBeGreaterThanOrEqual(0);
          expect(p.x + PRINT_PHOTO.widthPt + reach).toBeLessThanOrEqual(A4.width);
          expect(p.y - reach).toBeGreaterThan(g.marginTop + 8);
          // the photo, its cut marks and its label line end above the bottom margin
          expect(p.y + PRINT_PHOTO.heightPt + g.labelHeight).toBeLessThanOrEqual(A4.height - g.marginBottom);
          boxes.push(p);
        }
      }
      // no two photos overlap, and the gap between neighbours leaves room for both cut marks
      for (const [i, a] of boxes.entries())
        for (const b of boxes.slice(i + 1)) {
          const apartX = Math.abs(a.x - b.x) >= PRINT_PHOTO.widthPt + 2 * reach - 1e-9;
          const apartY = Math.abs(a.y - b.y) >= PRINT_PHOTO.heightPt + g.labelHeight;
          expect(apartX || apartY).toBe(true);
        }
    }
    expect(sheetPageCount(1000, 4)).toBe(250);
    expect(sheetPageCount(1000, 1)).toBe(63);
    expect(sheetPageCount(0, 4)).toBe(1);
  });
});

describe('hand-over rules', () => {
  it('accepts an equal count; a different one only with a note, which is the discrepancy', () => {
    expect(checkReceivedCount(10, 10, undefined)).toEqual({ ok: true, discrepancy: null });
    expect(checkReceivedCount(10, 9, '  ')).toEqual({ ok: false });
    expect(checkReceivedCount(10, 9, ' 一套压坏 ')).toEqual({ ok: true, discrepancy: '一套压坏' });
  });
  it('reads pasted student numbers in order, once each', () => {
    expect(parseStudentNos('2601000001\n2601000002，2601000003、2601000001; 2601000004 ')).toEqual(['2601000001', '2601000002', '2601000003', '2601000004']);
    expect(parseStudentNos('  ')).toEqual([]);
  });
  it('names where a set is', () => {
    const base = { batchStatus: 'received' as const, deliverySent: false, deliveryReceived: false, handed: false, voided: false };
    expect(printState(null)).toBe('none');
    expect(printState({ ...base, batchStatus: 'open' })).toBe('printing');
    expect(printState({ ...base, batchStatus: 'sent' })).toBe('printing');
    expect(printState(base)).toBe('at_school');
    expect(printState({ ...base, deliverySent: true })).toBe('sent_to_department');
    expect(printState({ ...base, deliverySent: true, deliveryReceived: true })).toBe('at_department');
    expect(printState({ ...base, deliverySent: true, deliveryReceived: true, voided: true })).toBe('voided');
    expect(printState({ ...base, handed: true, voided: true })).toBe('handed');
  });
});

describe('campaignDateTime', () => {
  it('says an instant as the campaign’s wall clock', () => {
    expect(campaignDateTime('2026-12-03T12:19:02.000Z', 'Asia/Shanghai')).toBe('2026-12-03 20:19');
    expect(campaignDateTime('2026-12-03T16:30:00.000Z', 'Asia/Shanghai')).toBe('2026-12-04 00:30');
  });
});
