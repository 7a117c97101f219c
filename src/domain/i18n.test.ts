import { describe, expect, it } from 'vitest';
import type { Lang } from './i18n.js';
import { fill, pickLang, translateError } from './i18n.js';
import { ERROR_CODES } from './errors.js';

describe('pickLang: Chinese first, English when preferred', () => {
  it.each([
    [undefined, 'zh'],
    [null, 'zh'],
    ['', 'zh'],
    ['en-US,en;q=0.9', 'en'],
    ['en', 'en'],
    ['EN-GB', 'en'],
    ['zh-CN', 'zh'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    ['zh-TW', 'zh'],
    ['fr, en;q=0.5', 'en'],
    ['fr, de;q=0.5', 'zh'],
    ['en;q=0.1, zh;q=0.9', 'zh'],
    ['zh;q=0.1, en;q=0.9', 'en'],
    ['en;q=0, zh;q=0.1', 'zh'],
    ['en;q=0', 'zh'],
    ['*', 'zh'],
    ['*, en;q=0.5', 'en'],
    [' en-US ; q=0.8 , fr;q=0.9', 'en'],
    ['en;q=0.8, zh;q=0.8', 'en'], // equal q: the first listed wins
  ] as Array<[string | undefined | null, Lang]>)('%j → %s', (header, lang) => {
    expect(pickLang(header)).toBe(lang);
  });
});

describe('fill', () => {
  it.each([
    ['第 {row} 行', { row: 12 }, '第 12 行'],
    ['{a}-{b}-{a}', { a: 'x', b: 'y' }, 'x-y-x'],
    ['{missing} stays', {}, '{missing} stays'],
    ['no params', { a: 1 }, 'no params'],
    ['{v}', { v: '{w}' }, '{w}'],
  ])('fill(%j, %j) → %j', (template, params, out) => {
    expect(fill(template, params)).toBe(out);
  });
});

describe('translateError fills params in both languages', () => {
  it.each([
    ['ROSTER_INVALID', { count: 3 }, 'zh', '名单有 3 处错误，未导入任何数据'],
    ['ROSTER_INVALID', { count: 3 }, 'en', 'The roster has 3 error(s); nothing was imported'],
    ['DEPARTMENT_UNKNOWN', { department: '物理学院' }, 'zh', '院系不在本次采集活动中：物理学院'],
    ['DEPARTMENT_UNKNOWN', { department: '物理学院' }, 'en', 'Not a department of this campaign: 物理学院'],
    ['TOO_MANY_ATTEMPTS', { minutes: 15 }, 'zh', '登录尝试过多，请 15 分钟后再试'],
    ['TOO_MANY_ATTEMPTS', { minutes: 15 }, 'en', 'Too many sign-in attempts; try again in 15 minutes'],
    ['FILE_TOO_LARGE', { limit: '10 MB' }, 'en', 'The file is too large (limit 10 MB)'],
    ['NOT_FOUND', {}, 'zh', '未找到'],
  ] as Array<[(typeof ERROR_CODES)[number], Record<string, string | number>, Lang, string]>)('%s %j in %s → %j', (code, params, lang, out) => {
    expect(translateError(code, params, lang)).toBe(out);
  });

  it.each(ERROR_CODES.map((c) => [c]))('%s has a non-empty message in zh and en', (code) => {
    const zh = translateError(code, {}, 'zh');
    const en = translateError(code, {}, 'en');
    expect(zh.length).toBeGreaterThan(0);
    expect(en.length).toBeGreaterThan(0);
    expect(zh).not.toBe(en);
  });
});

describe('translateError shows code-like parameters in words', () => {
  it.each([
    ['WRONG_SITE', { site: 'beijing' }, 'zh', '只能预约本人采集地点（北京）的时段'],
    ['WRONG_SITE', { site: 'shenzhen' }, 'en', 'Only sessions at the student’s own site (Shenzhen) can be booked'],
    ['STUDENT_NOT_ELIGIBLE', { rule: 'not-in-campaign' }, 'zh', '该学生无需参加本次采集（不在本次采集范围），不能预约或拍摄'],
    ['STUDENT_NOT_ELIGIBLE', { rule: 'E6' }, 'en', 'This student does not take part in this campaign (E6) and cannot book or be photographed'],
  ] as const)('%s %j (%s)', (code, params, lang, expected) => {
    expect(translateError(code, params, lang)).toBe(expected);
  });
});
