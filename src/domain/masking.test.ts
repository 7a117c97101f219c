import { describe, expect, it } from 'vitest';
import { maskAccount, maskName, maskPhone } from './masking.js';

describe('maskName: an operator sees 张*三, never the full name', () => {
  it.each([
    ['张三', '张*'],
    ['张小三', '张*三'],
    ['欧阳小明', '欧**明'],
    ['欧阳明', '欧*明'],
    ['张', '*'],
    ['  张小三  ', '张*三'],
    ['阿依古丽·买买提', '阿******提'],
    ['Li Lei', 'L* L**'],
    ['Anna', 'A***'],
    ['John  Smith', 'J*** S****'],
    ['A', '*'],
    ['<script>', '<*******'],
    ['', ''],
    ['   ', ''],
  ])('%j → %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  it.each([
    ['张三'],
    ['张小三'],
    ['欧阳小明'],
    ['阿依古丽·买买提'],
    ['张'],
    ['A'],
    ['Al'],
    ['Li Lei'],
    ['A B'],
    ['Mary-Jane O\u2019Neil'],
    ['<script>'],
    ['<script>alert(1)</script>'],
    ["' OR 1=1 --"],
    ['=HYPERLINK("x")'],
    ['张 三'],
    ['王abc'],
    ['𠀀𠀁'], // astral-plane Han characters
  ])('%j: never returns the full original and hides at least one character', (name) => {
    const masked = maskName(name);
    const original = name.trim();
    expect(masked).not.toBe(original);
    expect(masked).toContain('*');
    // no more characters visible than the original minus one
    const visible = Array.from(masked).filter((c) => c !== '*' && c !== ' ').length;
    const originalVisible = Array.from(original).filter((c) => c !== ' ').length;
    expect(visible).toBeLessThan(originalVisible);
  });

  it('keeps the number of characters of a Chinese name (astral-plane characters counted once)', () => {
    expect(maskName('𠀀𠀁𠀂')).toBe('𠀀*𠀂');
  });
});

describe('maskPhone', () => {
  it.each([
    ['13800138000', '138****8000'],
    ['1380013800', '**********'],
    ['', ''],
  ])('%j → %j', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });
});

describe('maskAccount: an OIDC account in a message is recognisable, not collectable', () => {
  it.each([
    ['2399999999', '23******99'],
    ['2101001', '21***01'],
    ['zhang.san', 'zh*****an'],
    ['abcdef', 'ab**ef'],
    ['abcde', 'a***e'],
    ['abc', 'a*c'],
    ['ab', '**'],
    ['a', '*'],
    ['', ''],
    // at most 8 stars: a long account does not give away its length
    ['12345678901234567890', '12********90'],
  ])('%j → %j', (account, masked) => {
    expect(maskAccount(account)).toBe(masked);
  });
});
