// The station label of an upload (issue 8 finding 11): shown on screens and in the audit log as written, so
// only printable characters; control, bidirectional-text and zero-width characters and lone surrogates are
// refused, and the error shows them escaped.
import { describe, expect, it } from 'vitest';
import { UploadPhotoFieldsSchema } from './photo.js';

const parseStation = (station: string) => UploadPhotoFieldsSchema.safeParse({ studentNo: '2101110001', station });

describe('StationLabelSchema', () => {
  it.each(['A-1', 'beijing-1', '北京 1 号工位', 'Studio #2 (东)', 'x'.repeat(64), '工位①'])('accepts %j', (station) => {
    const r = parseStation(station);
    expect(r.success).toBe(true);
  });

  it('trims surrounding spaces', () => {
    expect(parseStation('  A-1 ').data?.station).toBe('A-1');
  });

  it.each([
    ['NUL', 'a\u0000b', 'a\\u{0}b'],
    ['a tab', 'a\tb', 'a\\u{9}b'],
    ['a line break', 'a\nb', 'a\\u{A}b'],
    ['right-to-left override', 'x\u202Egnp.exe', 'x\\u{202E}gnp.exe'],
    ['right-to-left isolate', 'x\u2067y', 'x\\u{2067}y'],
    ['left-to-right mark', 'x\u200Ey', 'x\\u{200E}y'],
    ['zero-width space', '工位\u200B1', '工位\\u{200B}1'],
    ['a lone surrogate', 'a\uD800b', 'a\\u{D800}b'],
    ['DEL', 'a\u007Fb', 'a\\u{7F}b'],
    ['nothing', '', ''],
    ['spaces only', '   ', ''],
  ])('refuses %s, naming the field and showing the value escaped', (_what, station, shown) => {
    const r = parseStation(station);
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path).toEqual(['station']);
    expect(issue.message).toBe(`1–64 printable characters without control or bidirectional-text characters, not "${shown}"`);
  });

  it('refuses 65 characters, giving the length', () => {
    const r = parseStation('x'.repeat(65));
    expect(r.error!.issues[0]!.message).toMatch(/\(65 characters\)$/);
  });
});
