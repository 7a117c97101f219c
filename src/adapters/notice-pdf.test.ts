// The notice PDF (issue #3 part 5): read back with poppler (pdftotext, pdffonts, pdfinfo, pdftoppm) as a
// reader's viewer would: Chinese text present and extractable, the CJK font embedded as a subset, A4, page
// numbers, and a department table that breaks across pages under a repeated header.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignDefinition } from '../domain/campaign.js';
import { buildNotice } from '../domain/notice.js';
import { renderNoticePdf } from './notice-pdf.js';

const run = promisify(execFile);
const SCREENS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../test-results/screens');

function campaign2024(): CampaignDefinition {
  return JSON.parse(fs.readFileSync(new URL('../services/demo/campaign-2024.json', import.meta.url), 'utf8')) as CampaignDefinition;
}

/** `pdftotext -layout - -`: the PDF on stdin, its text on stdout; pages separated by form feeds. */
function pdfToText(pdf: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`pdftotext exit ${code}: ${err}`))));
    child.stdin.end(pdf);
  });
}

describe('renderNoticePdf', () => {
  // The notice holds no personal data: a temp file for the poppler tools that need one is fine.
  let dir: string;
  let zhPdf: Buffer;
  let zhText: string;
  const file = (name: string, pdf: Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, pdf);
    return p;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-notice-pdf-'));
    zhPdf = await renderNoticePdf(buildNotice(campaign2024(), 'zh'));
    zhText = await pdfToText(zhPdf);
  }, 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is a PDF whose Chinese text can be extracted: departments, 采集码, the price, dates, every rule', () => {
    expect(zhPdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const flat = zhText.replace(/\s+/g, '');
    for (const words of ['关于2024年1月、7月毕/结业研究生图像采集的通知', '物理学院', '深圳研究生院', '习近平新时代中国特色社会主义思想研究院', '采集码', '学信网', '20元/套', '仅限电子支付', '不收现金', '2023年11月1日（星期三）', '11月4日（周六）', '10月29日（周日）', '09:30–12:00', '深色正装', '不戴帽子', '图片社北京分店']) {
      expect(flat, words).toContain(words.replace(/\s+/g, ''));
    }
    expect(zhText).toContain('20 元');
    for (const rule of ['E1', 'E4', 'E7', 'S1', 'S3', 'S4', 'S6', 'C1', 'C3', 'C4', 'P1', 'A3']) expect(zhText).toContain(rule);
  });

  it('embeds Noto Sans SC, regular and bold, as subsets (Identity-H, with a Unicode map)', async () => {
    const { stdout } = await run('pdffonts', [file('fonts.pdf', zhPdf)]);
    const fonts = stdout.split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBe(2);
    for (const weight of ['Regular', 'Bold']) {
      const line = fonts.find((l) => l.includes(`NotoSansSC-${weight}`));
      expect(line, stdout).toBeDefined();
      // name, type, encoding, emb, sub, uni
      expect(line).toMatch(/^[A-Z]{6}\+NotoSansSC-\w+\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
    }
    // A subset: far smaller than the two 10 MB font files.
    expect(zhPdf.length).toBeLessThan(400_000);
  });

  it('is A4 with numbered pages ("第 i 页 / 共 n 页"), and in English when asked', async () => {
    const { stdout } = await run('pdfinfo', [file('info.pdf', zhPdf)]);
    expect(stdout).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
    const pages = Number(/Pages:\s+(\d+)/.exec(stdout)![1]);
    expect(pages).toBeGreaterThanOrEqual(1);
    const texts = zhText.split('\f').filter((t) => t.trim());
    expect(texts).toHaveLength(pages);
    texts.forEach((t, i) => expect(t.replace(/\s+/g, '')).toContain(`第${i + 1}页/共${pages}页`));

    const en = await pdfToText(await renderNoticePdf(buildNotice(campaign2024(), 'en')));
    expect(en).toContain('Notice: Diploma photos for graduate students finishing in January or July 2024');
    expect(en).toContain('CNY 20 per set');
    expect(en).toMatch(/Page 1 of \d/);
    expect(en).toContain('物理学院'); // department names stay as the campaign writes them
  });

  it('a table longer than a page breaks across pages with its header repeated; a day taller than a page continues', async () => {
    const c = campaign2024();
    const many = Array.from({ length: 40 }, (_, i) => `测试院系${String(i + 1).padStart(3, '0')}`);
    const long: CampaignDefinition = {
      ...c,
      days: [
        ...c.days,
        ...Array.from({ length: 12 }, (_, i) => ({ date: `2023-11-${String(6 + i).padStart(2, '0')}`, departments: many.slice(0, 25).map((d) => `${d}-${i}`) })),
        { date: '2023-11-30', departments: Array.from({ length: 400 }, (_, i) => `超长日院系${i + 1}`) },
      ],
    };
    const text = await pdfToText(await renderNoticePdf(buildNotice(long, 'zh')));
    const pages = text.split('\f').filter((t) => t.trim());
    expect(pages.length).toBeGreaterThanOrEqual(4);
    const tablePages = pages.filter((p) => /测试院系|超长日院系|物理学院/.test(p));
    expect(tablePages.length).toBeGreaterThanOrEqual(3);
    for (const p of tablePages) {
      const flat = p.replace(/\s+/g, '');
      expect(flat).toContain('采集码最迟获取日');
      expect(flat).toContain('院系');
    }
    // every department of the long day is there exactly once, across pages, and the day is marked continued
    const flat = text.replace(/\s+/g, '');
    for (const n of [1, 200, 400]) expect(flat).toContain(`超长日院系${n}、`.slice(0, n === 400 ? -1 : undefined));
    expect(flat.match(/超长日院系1、/g)).toHaveLength(1);
    // the long day's row goes on over several pages, its day cell marked "continued" after the first
    const longDayPages = pages.filter((p) => p.includes('超长日院系'));
    expect(longDayPages.length).toBeGreaterThanOrEqual(2);
    for (const p of longDayPages) expect(p).toContain('11月30日（周四）');
    expect(longDayPages.slice(1).every((p) => p.includes('（续）'))).toBe(true);
    expect(longDayPages[0]).not.toContain('（续）');
  }, 60_000);

  it('page 1 renders (pdftoppm) to test-results/screens/notice-pdf-1.png', async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file('page.pdf', zhPdf), path.join(SCREENS, 'notice-pdf-1')]);
    const png = fs.readFileSync(path.join(SCREENS, 'notice-pdf-1.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // A4 at 60 dpi: about 496 × 702 pixels (poppler rounds up)
    expect(Math.abs(png.readUInt32BE(16) - 496)).toBeLessThanOrEqual(1);
    expect(Math.abs(png.readUInt32BE(20) - 702)).toBeLessThanOrEqual(1);
  });
});
