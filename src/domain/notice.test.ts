// The notice's content (issue #3 part 5): every rule stated in plain words, the department table exactly as
// the campaign has it, times on the campaign's wall clock whatever the server's time zone.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignDefinition } from './campaign.js';
import { shiftCampaignForward } from './campaign.js';
import { decideEligibility } from './eligibility.js';
import type { Lang } from './i18n.js';
import type { NoticeContent, NoticeRule } from './notice.js';
import { buildDepartmentTable, buildNotice, collectionCodeDeadline, eligibilityExamples, formatNoticeDate, NOTICE_RULES, noticeLines } from './notice.js';

/** The notice's campaign as the product ships it (src/services/demo/campaign-2024.json). */
function campaign2024(): CampaignDefinition {
  return JSON.parse(fs.readFileSync(new URL('../services/demo/campaign-2024.json', import.meta.url), 'utf8')) as CampaignDefinition;
}

function lineOf(notice: NoticeContent, rule: NoticeRule): string {
  const lines = noticeLines(notice).filter((l) => l.rule === rule);
  expect(lines, `a line for ${rule}`).toHaveLength(1);
  return lines[0]!.text;
}

/** What each rule's line must say, in words a student recognises (docs/rules/campaign-rules.md). */
const PLAIN_WORDS: Record<NoticeRule, Record<Lang, string[]>> = {
  E1: { zh: ['双证', '2024年1月、2024年7月', '须参加'], en: ['Dual-certificate', 'January 2024 or July 2024', 'must be photographed'] },
  E2: { zh: ['结业', '结业换毕业时不再重新采集'], en: ['complete', 'convert to graduation'] },
  E3: { zh: ['2023年7月', '延期', '须重新采集'], en: ['July 2023', 'deferred', 'photographed again'] },
  E4: { zh: ['2025年1月、2025年7月', '请勿参加', '无效'], en: ['January 2025 or July 2025', 'must not take part', 'invalid'] },
  E5: { zh: ['结业换毕业', '沿用结业时采集的照片'], en: ['convert to graduation', 'photo from their completion'] },
  E6: { zh: ['单证', '无需参加'], en: ['Single-certificate', 'do not take part'] },
  E7: { zh: ['照片也无效', '不会上报'], en: ['invalid', 'not sent'] },
  S1: { zh: ['09:30–12:00、13:00–17:30', '北京时间', '任一时段'], en: ['09:30–12:00, 13:00–17:30', 'Beijing time', 'either window'] },
  S2: { zh: ['其他任一时段', '预约'], en: ['any other listed time', 'book'] },
  S3: { zh: ['11月4日（周六）、11月5日（周日）', '周末', '在职研究生'], en: ['Sat 4 Nov and Sun 5 Nov', 'weekend', 'Employed students'] },
  S4: { zh: ['深圳研究生院', '在北京学习', '在深圳学习'], en: ['深圳研究生院', 'studying in Beijing', 'studying in Shenzhen'] },
  S5: { zh: ['新太阳学生活动中心105、106', '105、106'], en: ['新太阳学生活动中心105、106', '105, 106'] },
  S6: { zh: ['图片社北京分店', '其他城市', '无效', '截止日期'], en: ["the agency's Beijing branch", 'other cities', 'invalid', 'deadline'] },
  C1: { zh: ['采集码', '至少提前 3 天', '学信网', '学信档案 → 图像校对'], en: ['Collection code', 'at least 3 days ahead', '学信网', '学信档案 → 图像校对'] },
  C2: { zh: ['深色正装', '不戴帽子', '蓝色背景'], en: ['dark formal clothes', 'no hat', 'blue background'] },
  C3: { zh: ['当场核对', '确认', '不再重拍'], en: ['on the spot', 'confirm', 'no retakes'] },
  C4: { zh: ['取号', '叫号顺序', '请勿插队'], en: ['queue number', 'in order', 'jumps the queue'] },
  P1: { zh: ['20 元/套', '仅限电子支付', '不收现金'], en: ['CNY 20 per set', 'electronic payment only', 'no cash'] },
  A3: { zh: ['加密', '明文身份', '记录', '删除'], en: ['encrypted', 'plain identities', 'logged', 'deleted'] },
};

describe('buildNotice: every rule in plain words (docs/rules/campaign-rules.md)', () => {
  for (const lang of ['zh', 'en'] as const) {
    it.each(NOTICE_RULES.map((r) => [r]))(`${lang}: the line of %s says it in words`, (rule) => {
      const text = lineOf(buildNotice(campaign2024(), lang), rule);
      for (const words of PLAIN_WORDS[rule][lang]) expect(text).toContain(words);
    });
  }

  it('has a Chinese title, the key facts and a footer naming the campaign', () => {
    const zh = buildNotice(campaign2024(), 'zh');
    expect(zh.title).toBe('关于2024年1月、7月毕/结业研究生图像采集的通知');
    expect(Object.fromEntries(zh.facts.map((f) => [f.key, f.value]))).toEqual({
      dates: '2023年11月1日（星期三） 至 2023年11月5日（星期日）',
      windows: '每天 09:30–12:00、13:00–17:30（北京时间）',
      place: '新太阳学生活动中心105、106 事务中心大厅',
      price: '20 元/套，现场缴费，仅限电子支付，不收现金',
    });
    expect(zh.footer).toContain('2024-graduates');
    expect(buildNotice(campaign2024(), 'en').title).toBe('Notice: Diploma photos for graduate students finishing in January or July 2024');
  });

  it('groups who must and who need not by what decideEligibility answers (E1–E6), with E7 and "not in campaign" after them', () => {
    const notice = buildNotice(campaign2024(), 'zh');
    const rulesOf = (id: string) => notice.sections.find((s) => s.id === id)!.lines.map((l) => l.rule);
    expect(rulesOf('must')).toEqual(['E1', 'E2', 'E3']);
    expect(rulesOf('mustNot')).toEqual(['E4', 'E5', 'E6', 'E7', null]);
    const examples = eligibilityExamples(campaign2024());
    for (const [rule, facts] of Object.entries(examples)) expect(decideEligibility(facts, campaign2024()).rule).toBe(rule);
  });

  it('follows the campaign moved forward (terms and dates shift together)', () => {
    const moved = shiftCampaignForward(campaign2024(), '2026-11-28');
    const notice = buildNotice(moved, 'zh');
    expect(lineOf(notice, 'E1')).toContain(`${moved.targetTerms[0]!.slice(0, 4)}年1月`);
    expect(lineOf(notice, 'E1')).not.toContain('2024年');
    expect(notice.sections.find((s) => s.id === 'schedule')!.table!.rows.map((r) => r.date)).toEqual(moved.days.map((d) => d.date));
  });

  it('price: electronic only says "no cash"; a campaign that takes cash does not (P1)', () => {
    const withCash: CampaignDefinition = { ...campaign2024(), price: { amount: 25, currency: 'CNY', unit: 'set', methods: ['electronic', 'cash'] } };
    const text = lineOf(buildNotice(withCash, 'zh'), 'P1');
    expect(text).toContain('25 元/套');
    expect(text).toContain('现金');
    expect(text).not.toContain('不收现金');
    expect(text).not.toContain('仅限');
  });

  it('make-up (S6): the deadline per target term and the outlets, with address and hours', () => {
    const outlets = [{ name: { zh: '图片社海淀店', en: 'Agency, Haidian' }, address: '北京市海淀区中关村大街 1 号', hours: '周一至周六 9:00–17:00' }];
    const zh = buildNotice(campaign2024(), 'zh', undefined, outlets).sections.find((s) => s.id === 'makeUp')!;
    expect(zh.lines.map((l) => l.text)).toEqual([
      '确实无法在上述时间参加的，请在集中采集结束后、在本人毕（结）业时间对应的补采截止日期前到图片社北京分店补采（20 元/套）；在其他城市门店拍摄的照片无效。',
      '补采截止日期：2024年1月毕（结）业者 2023年11月30日（星期四）；2024年7月毕（结）业者 2024年4月30日（星期二）（截止当天仍可补采）。',
      '图片社海淀店：北京市海淀区中关村大街 1 号（营业时间：周一至周六 9:00–17:00）',
    ]);
    const en = buildNotice(campaign2024(), 'en', undefined, outlets).sections.find((s) => s.id === 'makeUp')!;
    expect(en.lines[1]!.text).toContain('January 2024: Thursday 30 November 2023; July 2024: Tuesday 30 April 2024');
    expect(en.lines[2]!.text).toBe('Agency, Haidian: 北京市海淀区中关村大街 1 号 (opening hours: 周一至周六 9:00–17:00)');
  });

  it('make-up (S6): a deadline, when the campaign has one, is written as a date', () => {
    const withDeadline: CampaignDefinition = { ...campaign2024(), makeUp: { city: 'Beijing', where: "the agency's Beijing branch", fee: 20, deadline: '2023-12-15' } };
    expect(lineOf(buildNotice(withDeadline, 'zh'), 'S6')).toContain('于 2023年12月15日（星期五） 前到图片社北京分店补采');
    expect(lineOf(buildNotice(withDeadline, 'en'), 'S6')).toContain('by Friday 15 December 2023');
  });

  it('a campaign without a Shenzhen site or department has no S4 line, and no weekend line without weekend days', () => {
    const c = campaign2024();
    const plain: CampaignDefinition = {
      ...c,
      sites: c.sites.filter((s) => s.id === 'beijing'),
      weekendDays: [],
      days: c.days.map((d) => ({ ...d, departments: d.departments.filter((x) => x !== '深圳研究生院') })),
    };
    const rules = noticeLines(buildNotice(plain, 'zh')).map((l) => l.rule);
    expect(rules).not.toContain('S4');
    expect(rules).not.toContain('S3');
    expect(rules).toContain('S1');
  });
});

describe('buildDepartmentTable (S1, S3, C1)', () => {
  it('the 2024 campaign: every day with exactly its departments, in order, weekend days marked', () => {
    const json = campaign2024();
    const table = buildDepartmentTable(json, 'zh');
    expect(table.rows.map((r) => ({ date: r.date, departments: r.departments }))).toEqual(json.days.map((d) => ({ date: d.date, departments: d.departments })));
    expect(table.rows.filter((r) => r.weekend).map((r) => r.date)).toEqual(json.weekendDays);
    expect(table.rows.map((r) => r.day)).toEqual(['11月1日（周三）', '11月2日（周四）', '11月3日（周五）', '11月4日（周六）', '11月5日（周日）']);
    expect(new Set(table.rows.map((r) => r.windows))).toEqual(new Set(['09:30–12:00、13:00–17:30']));
    // C1: the code is fetched at least 3 days before the day
    expect(table.rows.map((r) => r.codeByDate)).toEqual(['2023-10-29', '2023-10-30', '2023-10-31', '2023-11-01', '2023-11-02']);
    expect(table.rows[0]!.codeBy).toBe('10月29日（周日）');
    expect(buildDepartmentTable(json, 'en').rows[0]).toMatchObject({ day: 'Wed 1 Nov', codeBy: 'Sun 29 Oct' });
    expect(table.rows.flatMap((r) => r.departments)).toHaveLength(45);
  });

  it('a day whose windows were changed shows its own windows', () => {
    const c = campaign2024();
    const changed: CampaignDefinition = { ...c, days: c.days.map((d, i) => (i === 0 ? { ...d, windows: { beijing: [{ start: '08:30', end: '11:30' }] } } : d)) };
    const table = buildDepartmentTable(changed, 'zh');
    expect(table.rows[0]!.windows).toBe('08:30–11:30');
    expect(table.rows[1]!.windows).toBe('09:30–12:00、13:00–17:30');
  });
});

describe('times are the campaign’s wall clock (Asia/Shanghai) whatever the server’s time zone', () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  for (const tz of ['UTC', 'America/Los_Angeles', 'Asia/Shanghai']) {
    it(`server clock in ${tz}: a window at 08:30 Beijing shows 08:30; the code date is counted in Beijing`, () => {
      process.env.TZ = tz;
      const c = campaign2024();
      const early: CampaignDefinition = { ...c, windows: [{ start: '08:30', end: '11:30' }, { start: '13:00', end: '17:30' }] };
      const notice = buildNotice(early, 'zh');
      expect(notice.facts.find((f) => f.key === 'windows')!.value).toBe('每天 08:30–11:30、13:00–17:30（北京时间）');
      expect(lineOf(notice, 'S1')).toContain('08:30–11:30');
      expect(notice.sections.find((s) => s.id === 'schedule')!.table!.rows[0]!.windows).toBe('08:30–11:30、13:00–17:30');
      // 07:30 on 1 Nov in Beijing is 23:30 on 31 Oct in UTC: three days before is 29 Oct in Beijing, not 28 Oct.
      expect(collectionCodeDeadline({ date: '2023-11-01', start: '07:30' }, 'Asia/Shanghai')).toBe('2023-10-29');
      expect(collectionCodeDeadline({ date: '2023-11-01', start: '08:30' }, 'Asia/Shanghai')).toBe('2023-10-29');
      expect(collectionCodeDeadline({ date: '2024-03-01', start: '09:30' }, 'Asia/Shanghai')).toBe('2024-02-27'); // leap year
      expect(formatNoticeDate('2023-11-05', 'zh')).toBe('2023年11月5日（星期日）');
    });
  }
});
