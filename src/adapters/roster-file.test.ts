import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  docxLikeZipBuffer,
  makeRosterTable,
  nulBinaryBuffer,
  oleXlsBuffer,
  orderedXlsx,
  plainZipBuffer,
  PNG_BYTES,
  rawXlsxBuffer,
  REQUIRED_HEADERS,
  rosterCsvBuffer,
  rosterXlsxBuffer,
  sampleRosterRow,
  sharedStringsBombXlsx,
  streamedZipBuffer,
  writeRosterCsv,
  writeRosterXlsx,
  zipBuffer,
  type XlsxCell,
} from '../../test/fixtures/make-roster-fixtures.js';
import { AppError } from '../domain/errors.js';
import { translateError } from '../domain/i18n.js';
import { formatByteLimit, openRosterFile } from './roster-file.js';
import type { OpenedRosterFile, RosterFileRow } from './roster-file.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradphoto-roster-file-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, data: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

async function collect(opened: OpenedRosterFile): Promise<RosterFileRow[]> {
  const rows: RosterFileRow[] = [];
  for await (const row of opened.rows) rows.push(row);
  return rows;
}

function requiredRows(count: number, lang: 'zh' | 'en' = 'zh'): string[][] {
  return Array.from({ length: count }, (_, i) => sampleRosterRow(i, { lang }).slice(0, 7));
}

/** Resolves to the AppError the promise rejects with. */
async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function expectUnsupported(promise: Promise<unknown>, reason: RegExp): Promise<AppError> {
  const error = await appErrorOf(promise);
  expect(error.code).toBe('UNSUPPORTED_FILE');
  expect(String(error.params.reason)).toMatch(reason);
  return error;
}

describe('openRosterFile: CSV encodings', () => {
  it('reads UTF-8 without BOM', async () => {
    const rows = requiredRows(5);
    const path = await fixture('utf8.csv', rosterCsvBuffer({ headers: REQUIRED_HEADERS.zh, rows }));
    const opened = await openRosterFile({ path });
    expect(opened).toMatchObject({ format: 'csv', encoding: 'utf-8', headerRow: 1, headers: REQUIRED_HEADERS.zh });
    expect(await collect(opened)).toEqual(rows.map((cells, i) => ({ row: i + 2, cells })));
  });

  it('reads UTF-8 with BOM and strips it from the first header', async () => {
    const rows = requiredRows(3);
    const path = await fixture('utf8-bom.csv', rosterCsvBuffer({ headers: REQUIRED_HEADERS.zh, rows }, { bom: true }));
    const opened = await openRosterFile({ path });
    expect(opened.encoding).toBe('utf-8-bom');
    expect(opened.headers[0]).toBe('学号');
    expect(await collect(opened)).toEqual(rows.map((cells, i) => ({ row: i + 2, cells })));
  });

  it('reads GBK (as GB18030) with Chinese headers below a title row', async () => {
    const rows = [['2101110001', '张三', '物理学院', '硕士', '双证', '2024年7月', '毕业'], ...requiredRows(3)];
    const data = rosterCsvBuffer({ headers: REQUIRED_HEADERS.zh, rows }, { encoding: 'gbk', titleRows: ['2024届研究生名单'] });
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(data)).toThrow();
    const opened = await openRosterFile({ path: await fixture('gbk.csv', data) });
    expect(opened).toMatchObject({ format: 'csv', encoding: 'gb18030', headerRow: 2, headers: REQUIRED_HEADERS.zh });
    const read = await collect(opened);
    expect(read[0]).toEqual({ row: 3, cells: rows[0] });
    expect(read.map((r) => r.cells)).toEqual(rows);
  });

  it('detects GBK that only starts after 64 KB of ASCII', async () => {
    const ascii = Array.from({ length: 2000 }, (_, i) => [String(2101110001 + i), `Student Number ${i}`, 'Physics', 'master', 'dual', '2024-07', 'graduate']);
    const rows = [...ascii, ['2101119999', '欧阳娜娜', '物理学院', '硕士', '双证', '2024-07', '毕业']];
    const data = rosterCsvBuffer({ headers: REQUIRED_HEADERS.en, rows }, { encoding: 'gbk' });
    expect(data.subarray(0, 64 * 1024).every((b) => b < 0x80)).toBe(true);
    const opened = await openRosterFile({ path: await fixture('late-gbk.csv', data) });
    expect(opened.encoding).toBe('gb18030');
    const read = await collect(opened);
    expect(read).toHaveLength(2001);
    expect(read.at(-1)).toEqual({ row: 2002, cells: rows.at(-1) });
  });

  it("reads Excel's Unicode text (UTF-16LE, tab-separated)", async () => {
    const rows = requiredRows(3);
    const opened = await openRosterFile({ buffer: rosterCsvBuffer({ headers: REQUIRED_HEADERS.zh, rows }, { encoding: 'utf-16le' }) });
    expect(opened).toMatchObject({ format: 'csv', encoding: 'utf-16le', headers: REQUIRED_HEADERS.zh });
    expect((await collect(opened)).map((r) => r.cells)).toEqual(rows);
  });

  it('fails when a UTF-8 file turns into another encoding after the sample', async () => {
    const utf8 = rosterCsvBuffer(makeRosterTable(1500, { headers: 'required' }));
    expect(utf8.length).toBeGreaterThan(64 * 1024);
    const data = Buffer.concat([utf8, iconv.encode('2109990001,王五,物理学院,硕士,双证,2024-07,毕业\r\n', 'gbk')]);
    // Depending on how far the decoder has read ahead, this surfaces while opening or while iterating.
    const read = (async () => collect(await openRosterFile({ buffer: data })))();
    await expectUnsupported(read, /UTF-8/);
  });
});

describe('openRosterFile: CSV structure', () => {
  const header = REQUIRED_HEADERS.zh.join(',');
  const rest = '物理学院,硕士,双证,2024-07,毕业';

  for (const eol of ['\n', '\r\n']) {
    it(`keeps quoted commas and line breaks and reports physical row numbers (${JSON.stringify(eol)} lines)`, async () => {
      const text = [
        '2024届研究生名单,,,,,,',
        header,
        `2101110001,"Li, Lei",${rest}`,
        `2101110002,"王${eol}五",${rest}`,
        '',
        `2101110003,"多\r\n行\n""引号""",${rest}`,
        ',,,,,,',
        `  2101110004 , 张三 ,${rest}`,
      ].join(eol);
      const opened = await openRosterFile({ buffer: Buffer.from(text + eol, 'utf8') });
      expect(opened.headerRow).toBe(2);
      const read = await collect(opened);
      expect(read.map((r) => r.row)).toEqual([3, 4, 7, 11]);
      expect(read.map((r) => r.cells[1])).toEqual(['Li, Lei', `王${eol}五`, '多\r\n行\n"引号"', '张三']);
      expect(read[3]!.cells[0]).toBe('2101110004');
    });
  }

  it('unwraps ="…" cells that records systems write to keep leading zeros', async () => {
    const text = `${header}\n="0021011100",张三,${rest}\n"=""2101110002""",李四,${rest}\n`;
    const opened = await openRosterFile({ buffer: Buffer.from(text) });
    expect((await collect(opened)).map((r) => r.cells[0])).toEqual(['0021011100', '2101110002']);
  });

  it('reads English headers', async () => {
    const rows = requiredRows(4, 'en');
    const opened = await openRosterFile({ buffer: rosterCsvBuffer({ headers: REQUIRED_HEADERS.en, rows }, { eol: '\n' }) });
    expect(opened.headers).toEqual(REQUIRED_HEADERS.en);
    expect((await collect(opened)).map((r) => r.cells)).toEqual(rows);
  });

  for (const delimiter of [';', '\t']) {
    it(`accepts ${JSON.stringify(delimiter)} as the delimiter when the header has no comma`, async () => {
      const rows = [['2101110001', 'Li, Lei', '物理学院', '硕士', '双证', '2024-07', '毕业'], ...requiredRows(2)];
      const data = rosterCsvBuffer({ headers: REQUIRED_HEADERS.zh, rows }, { delimiter, bom: true, titleRows: ['2024届研究生名单'] });
      const opened = await openRosterFile({ buffer: data });
      expect(opened.headers).toEqual(REQUIRED_HEADERS.zh);
      expect((await collect(opened)).map((r) => r.cells)).toEqual(rows);
    });
  }

  it('pads short rows to the header width, keeps extra cells and drops trailing empty headers', async () => {
    const text = `${header},,\n2101110001,张三\n2101110002,李四,${rest},,extra,\n`;
    const opened = await openRosterFile({ buffer: Buffer.from(text) });
    expect(opened.headers).toEqual(REQUIRED_HEADERS.zh);
    const read = await collect(opened);
    expect(read[0]!.cells).toEqual(['2101110001', '张三', '', '', '', '', '']);
    expect(read[1]!.cells).toEqual(['2101110002', '李四', ...rest.split(','), '', 'extra']);
  });

  it('takes the first non-empty row as the header when none looks like one', async () => {
    const opened = await openRosterFile({ buffer: Buffer.from('\n\nfoo,bar,baz\n1,2,3\n') });
    expect(opened).toMatchObject({ headerRow: 3, headers: ['foo', 'bar', 'baz'] });
    expect(await collect(opened)).toEqual([{ row: 4, cells: ['1', '2', '3'] }]);
  });

  it('rejects an unclosed quote, naming the line', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${2101110001 + i},张三,${rest}`);
    const text = [header, ...rows, `2101119999,"李四,${rest}`, ...rows].join('\n');
    const read = (async () => collect(await openRosterFile({ buffer: Buffer.from(text) })))();
    await expectUnsupported(read, /unclosed quote near line 32\b/);
  });

  it('reads a buffer the same as a file', async () => {
    const data = rosterCsvBuffer({ headers: REQUIRED_HEADERS.zh, rows: requiredRows(10) }, { encoding: 'gbk' });
    const fromPath = await collect(await openRosterFile({ path: await fixture('same.csv', data) }));
    const fromBuffer = await collect(await openRosterFile({ buffer: data }));
    expect(fromBuffer).toEqual(fromPath);
  });

  it('releases the file when the caller stops early', async () => {
    const path = join(dir, 'early.csv');
    await writeRosterCsv(path, makeRosterTable(5000));
    const opened = await openRosterFile({ path });
    let seen = 0;
    for await (const row of opened.rows) {
      expect(row.row).toBe(seen + 2);
      if (++seen === 10) break;
    }
    expect(seen).toBe(10);
  });
});

describe('openRosterFile: XLSX', () => {
  const headers = ['学号', '姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型', '手机', '备注'];
  const xlsxRows: XlsxCell[][] = [
    [2101110001, '张三', '物理学院', '硕士', '双证', new Date(Date.UTC(2024, 6, 1)), '毕业', 13800138000, { richText: [{ text: '富' }, { text: '文本' }] }],
    [2101110002, ' 李四 ', '物理学院', '博士', '双证', new Date(Date.UTC(2024, 0, 15)), '结业', null, { formula: '1+1', result: 2 }],
    ['2101110003', '王五', '物理学院', '硕士', '双证', 2024.1, '毕业', 1e22, true],
    [null, null, null, null, null, null, null, null, null],
    [2101110004, '赵六', '物理学院', '硕士', '双证', '2024-07', '毕业', 0.1 + 0.2, false],
  ];
  const expected = [
    { row: 3, cells: ['2101110001', '张三', '物理学院', '硕士', '双证', '2024-07', '毕业', '13800138000', '富文本'] },
    { row: 4, cells: ['2101110002', '李四', '物理学院', '博士', '双证', '2024-01-15', '结业', '', '2'] },
    { row: 5, cells: ['2101110003', '王五', '物理学院', '硕士', '双证', '2024.10', '毕业', '10000000000000000000000', 'true'] },
    { row: 7, cells: ['2101110004', '赵六', '物理学院', '硕士', '双证', '2024-07', '毕业', '0.3', 'false'] },
  ];
  const options = { titleRow: '2024届研究生名单', numberFormats: { 预计毕业时间: '0.00_ ' }, dateFormat: 'yyyy-mm' };

  it('reads a workbook with a merged title row, numbers, dates, rich text and formulas (from a path)', async () => {
    const path = join(dir, 'title.xlsx');
    await writeRosterXlsx(path, { headers, rows: xlsxRows }, options);
    const opened = await openRosterFile({ path });
    expect(opened).toMatchObject({ format: 'xlsx', encoding: null, headerRow: 2, headers });
    expect(await collect(opened)).toEqual(expected);
  });

  it('reads the same workbook from a buffer, whatever it is called', async () => {
    const opened = await openRosterFile({ buffer: await rosterXlsxBuffer({ headers, rows: xlsxRows }, options) });
    expect(await collect(opened)).toEqual(expected);
  });

  it('reads a .xlsx saved under a .csv name', async () => {
    const path = await fixture('really-xlsx.csv', await rosterXlsxBuffer({ headers: REQUIRED_HEADERS.zh, rows: requiredRows(2) }));
    const opened = await openRosterFile({ path });
    expect(opened.format).toBe('xlsx');
    expect((await collect(opened)).map((r) => r.cells)).toEqual(requiredRows(2));
  });

  for (const [sharedStringsFirst, store] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ]) {
    it(`reads Chinese built-in date formats, row gaps and the first visible sheet (shared strings ${sharedStringsFirst ? 'first' : 'last'}, ${store ? 'stored' : 'deflated'})`, async () => {
      const data = rawXlsxBuffer(
        [
          { name: '说明', state: 'hidden', rows: [{ r: 1, cells: ['not', 'the', 'roster'] }] },
          {
            name: '名单',
            rows: [
              { r: 1, cells: ['2024届研究生名单'] },
              { r: 3, cells: [...REQUIRED_HEADERS.zh] },
              { r: 4, cells: [2101110001, '张三', '物理学院', '硕士', '双证', { value: 45474, numFmtId: 57 }, '毕业'] },
              { r: 6, cells: [2101110002, '李四', '物理学院', '硕士', '双证', { value: 45306, numFmtId: 31 }, '毕业'] },
            ],
          },
          { name: '其他', rows: [{ r: 1, cells: ['other'] }] },
        ],
        { sharedStringsFirst, store },
      );
      const opened = await openRosterFile({ buffer: data });
      expect(opened).toMatchObject({ headerRow: 3, headers: REQUIRED_HEADERS.zh });
      expect(await collect(opened)).toEqual([
        { row: 4, cells: ['2101110001', '张三', '物理学院', '硕士', '双证', '2024-07', '毕业'] },
        { row: 6, cells: ['2101110002', '李四', '物理学院', '硕士', '双证', '2024-01-15', '毕业'] },
      ]);
    });
  }

  it('rejects a workbook whose first sheet is empty', async () => {
    const data = rawXlsxBuffer([{ name: 'Sheet1', rows: [] }]);
    await expectUnsupported(openRosterFile({ buffer: data }), /empty/);
  });

  it('stops early without hanging', async () => {
    const path = join(dir, 'early.xlsx');
    await writeRosterXlsx(path, makeRosterTable(3000));
    const opened = await openRosterFile({ path });
    let seen = 0;
    for await (const row of opened.rows) {
      expect(row.row).toBe(seen + 2);
      if (++seen === 5) break;
    }
    expect((await collect(await openRosterFile({ path }))).length).toBe(3000);
  });
});

describe('openRosterFile: files that are not rosters', () => {
  it('rejects an empty file', async () => {
    await expectUnsupported(openRosterFile({ path: await fixture('empty.csv', Buffer.alloc(0)) }), /empty/);
  });

  it('rejects a file of only a BOM, whitespace and delimiters', async () => {
    await expectUnsupported(openRosterFile({ buffer: Buffer.from('\uFEFF  \r\n\t\r\n', 'utf8') }), /empty/);
    await expectUnsupported(openRosterFile({ buffer: Buffer.from(',,,\r\n ,, \r\n', 'utf8') }), /empty/);
  });

  it('rejects a PNG renamed .csv', async () => {
    const error = await expectUnsupported(openRosterFile({ path: await fixture('photo.csv', PNG_BYTES) }), /PNG/);
    expect(translateError(error.code, error.params, 'zh')).toBe('无法读取该文件：PNG 图片 (a PNG image)。请上传 .xlsx 或 .csv 格式的名单文件');
    expect(translateError(error.code, error.params, 'en')).toContain('PNG image');
  });

  it('names other binary formats', async () => {
    await expectUnsupported(openRosterFile({ buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]) }), /JPEG/);
    await expectUnsupported(openRosterFile({ buffer: Buffer.from('GIF89a\x01\x00', 'latin1') }), /GIF/);
    await expectUnsupported(openRosterFile({ buffer: Buffer.from('%PDF-1.7\n%âãÏÓ\n', 'latin1') }), /PDF/);
    await expectUnsupported(openRosterFile({ buffer: Buffer.from('<html><body><table><tr><td>学号</td></tr></table>', 'utf8') }), /HTML/);
  });

  it('rejects a zip that is not a workbook', async () => {
    await expectUnsupported(openRosterFile({ path: await fixture('archive.xlsx', plainZipBuffer()) }), /zip archive, not an Excel workbook/);
    await expectUnsupported(openRosterFile({ buffer: docxLikeZipBuffer() }), /Word/);
    const ods = zipBuffer([
      { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet' },
      { name: 'content.xml', data: '<office:document-content/>' },
    ], { store: true }); // ODF stores its mimetype entry first and uncompressed
    await expectUnsupported(openRosterFile({ buffer: ods }), /OpenDocument spreadsheet/);
  });

  it('rejects a damaged zip', async () => {
    const data = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('this is not really a zip file at all '.repeat(10))]);
    await expectUnsupported(openRosterFile({ buffer: data }), /./);
  });

  it('rejects, as a damaged workbook, a zip whose entry claims more bytes than the file holds (reliability run T9: it was a 500)', async () => {
    const data = Buffer.from(await rosterXlsxBuffer({ headers: REQUIRED_HEADERS.zh, rows: requiredRows(2) }));
    // the central directory's compressed size of xl/workbook.xml (offset 20 of its record) made ten times the file
    const record = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
    let patched = 0;
    for (let pos = data.indexOf(record); pos >= 0; pos = data.indexOf(record, pos + 4)) {
      if (data.subarray(pos + 46, pos + 46 + data.readUInt16LE(pos + 28)).toString() === 'xl/workbook.xml') {
        data.writeUInt32LE(data.length * 10, pos + 20);
        patched++;
      }
    }
    expect(patched).toBe(1);
    const drained = (async () => {
      const file = await openRosterFile({ buffer: data });
      for await (const row of file.rows) void row;
    })();
    const error = await expectUnsupported(drained, /damaged/);
    expect(translateError(error.code, error.params, 'zh')).toContain('Excel 文件已损坏');
  });

  it('rejects an old .xls (OLE) and says to save as .xlsx', async () => {
    await expectUnsupported(openRosterFile({ path: await fixture('old.xls', oleXlsBuffer()) }), /\.xls\b.*\.xlsx/);
  });

  it('rejects a file with a NUL byte', async () => {
    await expectUnsupported(openRosterFile({ path: await fixture('binary.csv', nulBinaryBuffer()) }), /binary/);
  });

  it('rejects a file over maxBytes before reading it', async () => {
    const data = rosterCsvBuffer({ headers: REQUIRED_HEADERS.zh, rows: requiredRows(40) });
    expect(data.length).toBeGreaterThan(2048);
    const error = await appErrorOf(openRosterFile({ buffer: data }, { maxBytes: 2048 }));
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.params).toEqual({ limit: '2 KB' });
  });

  it('rejects a file over the default 100 MB limit', async () => {
    const path = join(dir, 'huge.csv');
    await writeFile(path, '');
    await truncate(path, 100 * 1024 * 1024 + 1); // sparse: nothing is written
    const error = await appErrorOf(openRosterFile({ path }));
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.params).toEqual({ limit: '100 MB' });
  });

  it('formats limits', () => {
    expect(formatByteLimit(100 * 1024 * 1024)).toBe('100 MB');
    expect(formatByteLimit(1536)).toBe('1.5 KB');
    expect(formatByteLimit(500)).toBe('500 B');
  });
});

describe('openRosterFile: a large roster', () => {
  it('streams a 200,000-row CSV from a path with bounded memory', { timeout: 120_000 }, async () => {
    const count = 200_000;
    const path = join(dir, 'large.csv');
    await writeRosterCsv(path, makeRosterTable(count), { bom: true });

    // Retained heap after a full GC: a reader that buffers the file or its rows grows by hundreds of MB.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const used = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = used();
    let peak = 0;
    let rows = 0;
    let lastRow = 0;
    const opened = await openRosterFile({ path });
    for await (const row of opened.rows) {
      rows++;
      lastRow = row.row;
      if (rows % 25_000 === 0) peak = Math.max(peak, used() - before);
    }
    expect(opened.headerRow).toBe(1);
    expect(rows).toBe(count);
    expect(lastRow).toBe(count + 1);
    expect(peak).toBeLessThan(32 * 1024 * 1024); // measured ~2 MB; holding the rows would take ~100 MB
  });
});

describe('openRosterFile: hostile workbooks are refused while streaming (issue 8 finding 1)', () => {
  async function expectTooComplex(promise: Promise<unknown>, limit: string): Promise<AppError> {
    const error = await appErrorOf(promise);
    expect(error.code).toBe('ROSTER_TOO_COMPLEX');
    expect(error.params.limit).toBe(limit);
    return error;
  }
  const read = (source: { buffer: Buffer }, limits?: Parameters<typeof openRosterFile>[1]) => (async () => collect(await openRosterFile(source, limits)))();

  it('refuses ~1 MB whose shared strings are 150 million empty <si/> (750 MB unpacked), naming the limit and the value', { timeout: 120_000 }, async () => {
    const bomb = await sharedStringsBombXlsx(150_000_000);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    // Its zip directory declares the unpacked size honestly: refused before inflating anything.
    const error = await expectTooComplex(read({ buffer: bomb }), 'xlsx-uncompressed-size');
    expect(translateError(error.code, error.params, 'zh')).toBe('名单文件超出可处理的范围：解压后的大小为 715.3 MB，上限 512 MB');
    expect(translateError(error.code, error.params, 'en')).toBe('The roster file is beyond what can be processed: the unpacked size is 715.3 MB, the limit is 512 MB');
  });

  it('refuses the same bomb when its zip directory lies about the unpacked size: stopped by the packing ratio while inflating', { timeout: 120_000 }, async () => {
    const bomb = await sharedStringsBombXlsx(150_000_000, { declaredSize: 1000 });
    const error = await expectTooComplex(read({ buffer: bomb }), 'xlsx-compression-ratio');
    expect(translateError(error.code, error.params, 'en')).toMatch(/^The roster file is beyond what can be processed: the compression ratio is \d+:1, the limit is 200:1$/);
    // With the ratio allowed, the count of strings stops it, still long before 150 million.
    const counted = await expectTooComplex(read({ buffer: bomb }, { limits: { maxCompressionRatio: 100_000 } }), 'xlsx-shared-strings');
    expect(translateError(counted.code, counted.params, 'zh')).toBe('名单文件超出可处理的范围：共享字符串数为 > 2,000,000，上限 2,000,000');
  });

  it('refuses too many rows, columns with values, too long cells and too many string characters', async () => {
    const rows = requiredRows(30);
    const book = await orderedXlsx(rows, 'workbook-first');
    expect((await read({ buffer: book })).length).toBe(30);
    await expectTooComplex(read({ buffer: book }, { limits: { maxRows: 20 } }), 'roster-rows');
    await expectTooComplex(read({ buffer: book }, { limits: { maxColumns: 6 } }), 'roster-columns');
    await expectTooComplex(read({ buffer: book }, { limits: { maxCellChars: 5 } }), 'roster-cell-length');
    await expectTooComplex(read({ buffer: book }, { limits: { maxSharedStringChars: 100 } }), 'xlsx-shared-string-chars');
    await expectTooComplex(read({ buffer: book }, { limits: { maxZipEntries: 3 } }), 'xlsx-zip-entries');
    // Only cells with a value count as columns: formatting far to the right is harmless.
    const padded = await orderedXlsx(rows, 'workbook-first', { extraSheetXml: ['<row r="200"><c r="XFD200" s="0"/></row>'] });
    expect((await read({ buffer: padded })).length).toBe(30);
    const wide = await orderedXlsx(rows, 'workbook-first', { extraSheetXml: ['<row r="200"><c r="GT200" t="inlineStr"><is><t>x</t></is></c></row>'] });
    const error = await expectTooComplex(read({ buffer: wide }), 'roster-columns');
    expect(error.params).toMatchObject({ value: '202', max: '200' });
  });

  it('refuses a sheet that unpacks past the size limit or packs like a bomb', async () => {
    // 40 MB of blank rows: valid XML, packed ~1000×.
    const blank = Buffer.from('<row/>'.repeat(100_000));
    const bloated = await orderedXlsx(requiredRows(2), 'workbook-first', { extraSheetXml: Array.from({ length: 70 }, () => blank.toString()) });
    expect(bloated.length).toBeLessThan(1024 * 1024);
    await expectTooComplex(read({ buffer: bloated }), 'xlsx-compression-ratio');
    const error = await expectTooComplex(read({ buffer: bloated }, { limits: { maxUncompressedBytes: 4 * 1024 * 1024, maxCompressionRatio: 10_000 } }), 'xlsx-uncompressed-size');
    expect(translateError(error.code, error.params, 'en')).toMatch(/^The roster file is beyond what can be processed: the unpacked size is [\d.]+ MB, the limit is 4 MB$/);
    // A directory that understates the size does not help: the bytes are counted as they unpack.
    const lying = await orderedXlsx(requiredRows(2), 'workbook-first', { extraSheetXml: Array.from({ length: 70 }, () => blank.toString()), declaredSheetSize: 1000 });
    const counted = await expectTooComplex(read({ buffer: lying }, { limits: { maxUncompressedBytes: 4 * 1024 * 1024, maxCompressionRatio: 10_000 } }), 'xlsx-uncompressed-size');
    expect(counted.params).toMatchObject({ value: '> 4 MB', max: '4 MB' });
  });

  it('refuses a DOCTYPE (no entity expansion of any kind)', async () => {
    const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
    const lol = `<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><sst xmlns="${ns}"><si><t>&b;</t></si></sst>`;
    await expectUnsupported(read({ buffer: await orderedXlsxWithSharedStrings(lol) }), /damaged/);
  });
});

/** A one-student workbook whose xl/sharedStrings.xml is `xml` as given. */
async function orderedXlsxWithSharedStrings(xml: string): Promise<Buffer> {
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  return streamedZipBuffer([
    { name: 'xl/workbook.xml', chunks: [`<workbook xmlns="${ns}" xmlns:r="${rel}"><sheets><sheet name="a" sheetId="1" r:id="rId1"/></sheets></workbook>`] },
    {
      name: 'xl/_rels/workbook.xml.rels',
      chunks: [`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`],
    },
    { name: 'xl/worksheets/sheet1.xml', chunks: [`<worksheet xmlns="${ns}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`] },
    { name: 'xl/sharedStrings.xml', chunks: [xml] },
  ]);
}

describe('openRosterFile: multibyte characters across chunk boundaries (issue 8 finding 2)', () => {
  // 3-byte (CJK) and 4-byte (CJK Extension B) characters, so every split position 1..3 can occur.
  const POOL = [...'司马晨曦欧阳娜诸葛亮端木蓉上官婉儿令狐冲独孤求败'];
  const WIDE = [...'𠮷𡈽𠀋𪚲𤭢'];
  function nameOf(i: number): string {
    // i written in base POOL.length first: every name distinct, so none is merged into an earlier shared string
    let name = '';
    for (let n = i; n > 0 || name === ''; n = Math.floor(n / POOL.length)) name += POOL[n % POOL.length];
    const length = 20 + (i % 11); // varied lengths move every later string, and so the boundaries
    for (let j = 0; j < length; j++) name += j % 2 === 1 ? WIDE[(i + j) % WIDE.length] : POOL[(i * 7 + j) % POOL.length];
    return name;
  }
  const rows = Array.from({ length: 20_000 }, (_, i) => {
    const row = sampleRosterRow(i).slice(0, 7);
    row[1] = nameOf(i);
    return row;
  });

  /** Split positions ("<char bytes>:<bytes before the boundary>") of the characters cut by boundaries every `step` bytes from `origin`. */
  function splitsAt(bytes: Buffer, start: number, end: number, origin: number, step: number): Set<string> {
    const seen = new Set<string>();
    for (let b = origin + Math.ceil((start - origin) / step) * step; b < end; b += step) {
      if ((bytes[b]! & 0xc0) !== 0x80) continue; // the boundary falls between characters
      let lead = b;
      while ((bytes[lead]! & 0xc0) === 0x80) lead--;
      const length = bytes[lead]! >= 0xf0 ? 4 : bytes[lead]! >= 0xe0 ? 3 : 2;
      seen.add(`${length}:${b - lead}`);
    }
    return seen;
  }

  for (const store of [true, false]) {
    it(`reads every name exactly (shared strings ${store ? 'stored: checked to straddle every 16 and 64 KiB boundary at every byte offset' : 'deflated'})`, async () => {
      const data = rawXlsxBuffer([{ name: '名单', rows: [{ r: 1, cells: [...REQUIRED_HEADERS.zh] }, ...rows.map((cells, i) => ({ r: i + 2, cells }))] }], { store });
      if (store) {
        const start = data.lastIndexOf('<?xml', data.indexOf('<sst '));
        const end = data.indexOf('</sst>');
        const all = ['3:1', '3:2', '4:1', '4:2', '4:3'];
        for (const step of [16 * 1024, 64 * 1024]) {
          // boundaries counted from the entry's first byte (inflate/entry chunks) and from the file's (read chunks)
          expect([...splitsAt(data, start, end, start, step)].sort()).toEqual(all);
          expect([...splitsAt(data, start, end, 0, step)].sort()).toEqual(all);
        }
      }
      const fromBuffer = await collect(await openRosterFile({ buffer: data }));
      const fromPath = await collect(await openRosterFile({ path: await fixture(`boundaries-${store}.xlsx`, data) }));
      for (const read of [fromBuffer, fromPath]) {
        expect(read).toHaveLength(rows.length);
        const wrong = read.filter((r, i) => r.cells[1] !== rows[i]![1]);
        expect(wrong.map((r) => r.cells[1])).toEqual([]);
        expect(read.every((r) => !r.cells.join('').includes('\uFFFD'))).toBe(true);
      }
    });
  }
});

describe('openRosterFile: nothing personal touches the disk (issue 8 finding 3)', () => {
  it('reads a workbook whose worksheet precedes xl/workbook.xml in memory: no temp file appears while or after it is read', async () => {
    const rows = requiredRows(5000);
    const data = await orderedXlsx(rows, 'sheet-first');
    const tmp = await mkdtemp(join(tmpdir(), 'gradphoto-tmpdir-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp; // os.tmpdir() follows TMPDIR: any spooled sheet would land here
    try {
      const opened = await openRosterFile({ buffer: data });
      let n = 0;
      for await (const row of opened.rows) {
        if (n === 0) expect(await readdir(tmp)).toEqual([]);
        expect(row.cells).toEqual(rows[n]);
        n++;
      }
      expect(n).toBe(rows.length);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('openRosterFile: CSV limits (issue 8 finding 6)', () => {
  it('refuses a header of 1,000,000 columns from its first 64 KB, naming the limit', async () => {
    const header = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(',');
    const error = await appErrorOf(openRosterFile({ buffer: Buffer.from(`${header}\r\n1,2,3\r\n`) }));
    expect(error.code).toBe('ROSTER_TOO_COMPLEX');
    expect(error.params.limit).toBe('roster-columns');
    expect(String(error.params.value)).toMatch(/^> [\d,]+$/);
    expect(translateError(error.code, error.params, 'zh')).toMatch(/^名单文件超出可处理的范围：列数为 > [\d,]+，上限 200$/);
  });

  it('refuses a wide row further down as it is read; trailing empty cells do not count', async () => {
    const rows = requiredRows(3);
    const padded = rosterCsvBuffer({ headers: [...REQUIRED_HEADERS.zh, ...Array<string>(300).fill('')], rows: rows.map((r) => [...r, ...Array<string>(300).fill('')]) });
    expect((await collect(await openRosterFile({ buffer: padded }))).map((r) => r.cells)).toEqual(rows);
    const wide = rosterCsvBuffer({ headers: REQUIRED_HEADERS.zh, rows: [...rows, [...rows[0]!, ...Array.from({ length: 250 }, (_, i) => `x${i}`)]] });
    const error = await appErrorOf((async () => collect(await openRosterFile({ buffer: wide })))());
    expect(error.code).toBe('ROSTER_TOO_COMPLEX');
    expect(error.params).toMatchObject({ limit: 'roster-columns', value: '257', max: '200' });
    expect(error.details).toMatchObject({ row: 5 });
  });
});
