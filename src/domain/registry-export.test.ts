// Pure rules of the registry package (issue 10 section 1, A1): file name patterns (never an ID number, never a
// path), CSV fields, the JPEG frame size, the package's name, when a builder counts as gone.
import { describe, expect, it } from 'vitest';
import { computeNationalIdCheckChar } from './national-id.js';
import { csvField, csvLine, csvText, filePatternProblem, invisibleChars, isBuildStale, jpegSize, manifestLine, packageFileName, renderFileName, sha256sumsLine, showInvisibleChars, withdrawnLine } from './registry-export.js';
import { validateRosterRow } from './roster.js';

describe('file name patterns (A1, A3)', () => {
  it.each([
    ['<studentNo>.jpg', null],
    ['<department>_<studentNo>.JPG', null],
    ['2024-<studentNo>.jpg', null],
    ['<nationalId>.jpg', 'pattern-placeholder'],
    ['<studentNo>-<name>.jpg', 'pattern-placeholder'],
    ['<idNo>.jpg', 'pattern-placeholder'],
    ['../<studentNo>.jpg', 'pattern-separator'],
    ['a/<studentNo>.jpg', 'pattern-separator'],
    ['a\\<studentNo>.jpg', 'pattern-separator'],
    ['photo.jpg', 'pattern-student-no'],
    ['<studentNo>.png', 'pattern-extension'],
    ['<studentNo>:x.jpg', 'pattern-characters'],
    [`${'x'.repeat(95)}<studentNo>.jpg`, 'pattern-characters'],
  ])('%s → %s', (pattern, problem) => {
    expect(filePatternProblem(pattern)).toBe(problem);
  });

  it('renders names without separators, and refuses a name shaped like an ID number', () => {
    expect(renderFileName('<studentNo>.jpg', { studentNo: '2601000001', department: '物理学院' })).toBe('2601000001.jpg');
    expect(renderFileName('<department>_<studentNo>.jpg', { studentNo: 'A/../1', department: '物理学院' })).toBe('物理学院_A___1.jpg');
    const id = '11010819990101001' + computeNationalIdCheckChar('11010819990101001');
    expect(renderFileName('<studentNo>.jpg', { studentNo: id, department: 'x' })).toBeNull();
  });
});

describe('CSV and SHA256SUMS', () => {
  it('quotes only what needs it', () => {
    expect(csvField('张*三')).toBe('张*三');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(null)).toBe('');
    expect(csvLine(['1', null, 2])).toBe('1,,2\r\n');
    expect(sha256sumsLine('ab', 'x.jpg')).toBe('ab  x.jpg\n');
  });
});

describe('jpegSize', () => {
  it('reads the frame header after other segments, and refuses what is not a JPEG', () => {
    // SOI, APP0 (length 16), SOF0 with height 640 and width 480
    const app0 = [0xff, 0xe0, 0x00, 0x10, ...new Array<number>(14).fill(0)];
    const sof0 = [0xff, 0xc0, 0x00, 0x11, 0x08, 0x02, 0x80, 0x01, 0xe0, 0x03, ...new Array<number>(9).fill(0)];
    expect(jpegSize(Uint8Array.from([0xff, 0xd8, ...app0, ...sof0]))).toEqual({ width: 480, height: 640 });
    expect(jpegSize(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
    expect(jpegSize(Uint8Array.from([0xff, 0xd8]))).toBeNull();
  });
});

describe('the package and its builder', () => {
  it('names the package by time and batch, nothing personal', () => {
    expect(packageFileName('2026-12-03T10:26:00.123Z', '1a2b3c4d-0000-4000-8000-000000000000')).toBe('registry-20261203-102600Z-1a2b3c4d.zip.gpg');
  });

  it('takes a builder for gone when its heartbeat is old, or its process on this host is dead', () => {
    const now = new Date('2026-12-03T10:00:00.000Z');
    const alive = () => true;
    const dead = () => false;
    expect(isBuildStale({ heartbeatAt: '2026-12-03T09:59:30.000Z', owner: 'host-a:123', now, host: 'host-a', pidAlive: alive })).toBe(false);
    expect(isBuildStale({ heartbeatAt: '2026-12-03T09:59:30.000Z', owner: 'host-a:123', now, host: 'host-a', pidAlive: dead })).toBe(true);
    // another machine's builder: only its heartbeat tells
    expect(isBuildStale({ heartbeatAt: '2026-12-03T09:59:30.000Z', owner: 'host-b:123', now, host: 'host-a', pidAlive: dead })).toBe(false);
    expect(isBuildStale({ heartbeatAt: '2026-12-03T09:57:00.000Z', owner: 'host-b:123', now, host: 'host-a', pidAlive: alive })).toBe(true);
  });
});

describe('invisible characters and spreadsheet formulas (issue 10 outside test, F3 findings 1 and 2)', () => {
  it.each([
    ['U+202E', '<studentNo>\u202egpj.jpg'],
    ['U+200B', '<studentNo>\u200b.jpg'],
    ['U+2066', '\u2066<studentNo>.jpg'],
    ['U+2028', '<studentNo>\u2028.jpg'],
    ['U+FEFF', '<studentNo>\ufeff.jpg'],
    ['U+0085', '<studentNo>\u0085.jpg'],
  ])('a pattern holding %s is refused, the character named', (char, pattern) => {
    expect(filePatternProblem(pattern)).toBe('pattern-invisible');
    expect(invisibleChars(pattern)).toEqual([char]);
    expect(showInvisibleChars(pattern)).toContain(`‹${char}›`);
  });

  it('no rendered file name holds an invisible character, whatever the values', () => {
    const hostile = ['1\u202e2', '1\u200b2', '1\u20662', '1\u20282', '1\u00852', '\ufeff12', '1\u200d2'];
    for (const v of hostile) {
      const name = renderFileName('<department>_<studentNo>.jpg', { studentNo: v, department: `物理${v}` })!;
      expect(invisibleChars(name)).toEqual([]);
    }
  });

  it('the roster refuses a student number that could put one in a file name (letters and digits only)', () => {
    const ctx = { departments: new Set(['物理学院']), headerText: new Map() };
    for (const no of ['26\u202e01', '26\u200b01', '26\u206601']) {
      const r = validateRosterRow(2, { studentNo: no, name: '张三', department: '物理学院' }, ctx);
      expect(r.ok ? [] : r.issues.map((e) => e.column)).toContain('学号');
    }
  });

  it('a file name never starts a spreadsheet formula', () => {
    expect(renderFileName('<department>_<studentNo>.jpg', { studentNo: '1', department: '=HYPERLINK("x")' })).toBe('_HYPERLINK(_x_)_1.jpg');
    expect(renderFileName('-<studentNo>.jpg', { studentNo: '1', department: 'x' })).toBe('_1.jpg');
  });

  it('manifest.csv and withdrawn.csv neutralise a free-text cell that starts with = + - @ tab or CR', () => {
    const line = manifestLine({ studentNo: '2601', maskedName: '=***** /* c*******', department: '+物理', file: '2601.jpg', sha256: 'ab', confirmedAt: '2026-12-03T01:00:00.000Z', station: '@st', codeLast4: '-1+1' });
    expect(line).toBe("2601,'=***** /* c*******,'+物理,2601.jpg,ab,2026-12-03T01:00:00.000Z,'@st,'-1+1\r\n");
    expect(csvText('\tx')).toBe("'\tx");
    expect(csvText('\rx')).toBe("'\rx");
    expect(csvText('张*三')).toBe('张*三');
    expect(withdrawnLine({ studentNo: '2601', file: '=x.jpg', sha256: 'ab', exportedInBatch: 'b', withdrawnAt: 't', why: 'voided' })).toBe("2601,'=x.jpg,ab,b,t,voided\r\n");
  });
});
