// The print sheet streams (issue 10 section 2: memory stays bounded for a department of 1,000 students): the sets
// are pulled only as fast as the PDF is read — while nobody reads, the writer stops after about a megabyte — and a
// sheet of 1,000 sets has its 250 pages, each label once, read back with pdfinfo/pdftotext.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { streamPrintSheetPdf, type SheetSet } from './print-sheet-pdf.js';

async function noisyJpeg(): Promise<Buffer> {
  // noise compresses badly: about 100 KB, larger than a real standard photo (20–40 KB)
  const raw = Buffer.alloc(480 * 640 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
  return sharp(raw, { raw: { width: 480, height: 640, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

describe('streamPrintSheetPdf', { timeout: 120_000 }, () => {
  it('pulls sets only as the PDF is read, and lays out 1,000 sets on 250 pages', async () => {
    const jpeg = await noisyJpeg();
    let pulled = 0;
    async function* sets(): AsyncGenerator<SheetSet> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield { label: `26${String(i).padStart(8, '0')}   张*三   物理学院`, jpeg };
      }
    }
    const stream = streamPrintSheetPdf({ title: 'test', copies: 4, total: 1000, pageHeader: (i, n) => `page ${i} of ${n}` }, sets());
    // nobody reads: the writer must stop once the stream's buffer is full
    await new Promise((r) => setTimeout(r, 1500));
    const stalled = pulled;
    expect(stalled).toBeGreaterThan(0);
    expect(stalled * jpeg.length).toBeLessThan(4 * 1024 * 1024);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-sheet-'));
    try {
      const file = path.join(dir, 'sheet.pdf');
      const out = fs.createWriteStream(file);
      stream.pipe(out);
      await once(out, 'finish');
      expect(pulled).toBe(1000);
      const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
      expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBe(250);
      expect(/Page size:\s+595\.28 x 841\.89/.test(info)).toBe(true);
      const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
      expect(text).toContain('2600000000');
      expect(text).toContain('2600000999');
      expect(text).toContain('page 250 of 250');
      // each set's image is embedded once and drawn 4 times: the file is about 1,000 images, not 4,000
      expect(fs.statSync(file).size).toBeLessThan(1000 * jpeg.length * 1.2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
