// The stored ZIP of the registry package (decision 0024): Debian's unzip tests it and every entry reads back with
// its bytes (yauzl, as the package tests read it); past 65,535 entries the ZIP64 end records are written and both
// still read every entry; the CRC-32 is the standard one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readZip } from '../../test/support/registry-export.js';
import { crc32, StoredZipWriter } from './stored-zip.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-stored-zip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(file: string, entries: [string, Buffer][]): void {
  const zip = new StoredZipWriter(new Date('2026-12-03T10:00:00Z'));
  const parts: Buffer[] = [];
  for (const [name, bytes] of entries) parts.push(...zip.add(name, bytes));
  parts.push(...zip.finish());
  fs.writeFileSync(file, Buffer.concat(parts));
}

describe('stored ZIP', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('is a ZIP unzip tests and reads back entry by entry (UTF-8 names)', async () => {
    const file = path.join(dir, 'small.zip');
    const entries: [string, Buffer][] = [
      ['2601000001.jpg', Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9])],
      ['物理学院_2601000002.jpg', Buffer.alloc(100_000, 7)],
      ['manifest.csv', Buffer.from('studentNo,file\r\n2601000001,2601000001.jpg\r\n')],
    ];
    write(file, entries);
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toContain('No errors detected');
    const read = await readZip(file);
    expect([...read.keys()]).toEqual(entries.map(([n]) => n));
    for (const [name, bytes] of entries) expect(read.get(name)!.equals(bytes)).toBe(true);
  });

  it('writes the ZIP64 end records past 65,535 entries; unzip and yauzl still read them all', { timeout: 120_000 }, async () => {
    const file = path.join(dir, 'many.zip');
    const n = 70_000;
    write(
      file,
      Array.from({ length: n }, (_, i) => [`${i}.txt`, Buffer.from(String(i))] as [string, Buffer]),
    );
    expect(execFileSync('unzip', ['-t', '-q', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).toContain('No errors detected');
    const read = await readZip(file);
    expect(read.size).toBe(n);
    expect(read.get('69999.txt')!.toString()).toBe('69999');
  });
});
