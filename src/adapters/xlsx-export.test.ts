// Sheet names (issue 8 finding 10): whatever a department is called, the name given to Excel is one it accepts.
import { describe, expect, it } from 'vitest';
import { toSheetName } from './xlsx-export.js';

describe('toSheetName (Excel’s rules for sheet names)', () => {
  it.each([
    ['物理学院', '物理学院'],
    ["'引号'", '引号'],
    ["O'Neil", "O'Neil"],
    ['a\\b/c*d?e:f[g]h', 'a_b_c_d_e_f_g_h'],
    ['History', 'Sheet1'],
    ['', 'Sheet1'],
    ["'''", 'Sheet1'],
    ['制表\t符', '制表_符'],
    ['x'.repeat(40), 'x'.repeat(31)],
    [`${'x'.repeat(30)}😀`, 'x'.repeat(30)],
    [`${'x'.repeat(30)}'y`, 'x'.repeat(30)],
  ])('%j → %j', (input, expected) => {
    expect(toSheetName(input)).toBe(expected);
  });
});
