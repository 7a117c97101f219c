// The pure rules of prints and hand-over (A2): the 300-dpi geometry of the print sheet, the count check of each
// hand-over step, the numbers a secretary pastes, the state of a set.
import { describe, expect, it } from 'vitest';
import { A4, campaignDateTime, checkReceivedCount, copyPositions, parseStudentNos, PRINT_PHOTO, PT_PER_MM, printState, sheetGeometry, sheetPageCount } from './prints.js';

describe('print sheet geometry', () => {
  it('places the 480 × 640 photo at its 300-dpi size: 40.64 mm × 54.19 mm', () => {
    expect(PRINT_PHOTO.widthPt / PT_PER_MM).toBeCloseTo(40.64, 2);
    expect(PRINT_PHOTO.heightPt / PT_PER_MM).toBeCloseTo(54.19, 2);
  });
  it('fits four sets of 1–4 copies on a page, two of 5–8, every copy inside A4 with room for its cut marks', () => {
    for (let copies = 1; copies <= 8; copies++) {
      const g = sheetGeometry(copies);
      expect(g.setsPerPage).toBe(copies <= 4 ? 4 : 2);
      for (let slot = 0; slot < g.setsPerPage; slot++) {
        const top = g.marginTop + g.headerHeight + slot * g.setHeight;
        for (const p of copyPositions(g, copies, top)) {
          const reach = g.mark.offset + g.mark.length;
          expect(p.x - reach).toBeGreaterThanOrEqual(0);
          expect(p.x + PRINT_PHOTO.widthPt + reach).toBeLessThanOrEqual(A4.width);
          expect(p.y - reach).toBeGreaterThan(g.marginTop + 8);
          expect(p.y + PRINT_PHOTO.heightPt + reach).toBeLessThanOrEqual(A4.height);
        }
      }
    }
    expect(sheetPageCount(1000, 4)).toBe(250);
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
