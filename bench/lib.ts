// Shared helpers of the benchmarks: medians of repeated runs, and one printed line per figure with the
// baseline measured in the same run beside it (these machines are noisy: ratios and medians, not absolutes).
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function timeRuns(runs: number, fn: () => Promise<void> | void): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

export interface BenchResult {
  name: string;
  figure: string;
  baseline: string;
  ratio: string;
  raw: Record<string, unknown>;
}

export const results: BenchResult[] = [];

export function report(r: BenchResult): void {
  results.push(r);
  process.stdout.write(`\n■ ${r.name}\n    figure:   ${r.figure}\n    baseline: ${r.baseline}\n    ratio:    ${r.ratio}\n`);
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function writeCsv(file: string, headers: string[], rows: string[][]): void {
  const esc = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, headers.join(',') + '\n');
  let buf = '';
  for (const r of rows) {
    buf += r.map(esc).join(',') + '\n';
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

export async function writeXlsx(file: string, headers: string[], rows: string[][]): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
  const ws = wb.addWorksheet('名单');
  ws.addRow(['2024届研究生名单']).commit();
  ws.addRow(headers).commit();
  for (const r of rows) ws.addRow(r).commit();
  await wb.commit();
}

export function benchDir(): string {
  const dir = path.resolve('bench/out');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
