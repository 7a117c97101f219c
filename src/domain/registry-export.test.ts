// Pure rules of the registry package (issue 10 section 1, A1): file name patterns (never an ID number, never a
// path), CSV fields, the JPEG frame size, the package's name, when a builder counts as gone.
import { describe, expect, it } from 'vitest';
import { computeNationalIdCheckChar } from './national-id.js';
import { csvField, csvLine, filePatternProblem, isBuildStale, jpegSize, packageFileName, renderFileName, sha256sumsLine } from './registry-export.js';

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
