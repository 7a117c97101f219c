// The campaign's facts in words, one wording for every text that states them: the notice (notice.ts), the
// reminder and notification mails (reminders.ts). Dates are the campaign's calendar days (no time zone is
// involved); places and the price come from the campaign's data (rules S4, S5, P1 of docs/rules/campaign-rules.md).
import type { CampaignDefinition, SiteId } from './campaign.js';
import type { Lang, Text } from './i18n.js';

const WEEKDAYS: Record<Lang, { long: string[]; short: string[] }> = {
  zh: { long: ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'], short: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'] },
  en: { long: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'], short: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] },
};
export const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function parseDate(date: string): { y: number; m: number; d: number; weekday: number } {
  const [y, m, d] = date.split('-').map(Number);
  // A calendar day of the campaign: no time zone is involved, only the weekday is read.
  return { y: y!, m: m!, d: d!, weekday: new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay() };
}

/** `2023-11-01` → `2023年11月1日（星期三）` / `Wednesday 1 November 2023`; `short` drops the year. */
export function formatCampaignDate(date: string, lang: Lang, opts: { short?: boolean; weekday?: boolean } = {}): string {
  const { y, m, d, weekday } = parseDate(date);
  const withWeekday = opts.weekday ?? true;
  if (lang === 'en') {
    const wd = withWeekday ? `${(opts.short ? WEEKDAYS.en.short : WEEKDAYS.en.long)[weekday]} ` : '';
    const month = opts.short ? MONTHS_EN[m - 1]!.slice(0, 3) : MONTHS_EN[m - 1]!;
    return `${wd}${d} ${month}${opts.short ? '' : ` ${y}`}`;
  }
  const wd = withWeekday ? `（${(opts.short ? WEEKDAYS.zh.short : WEEKDAYS.zh.long)[weekday]}）` : '';
  return `${opts.short ? '' : `${y}年`}${m}月${d}日${wd}`;
}

export const SITE_NAMES: Record<SiteId, Text> = { beijing: { zh: '北京', en: 'Beijing' }, shenzhen: { zh: '深圳', en: 'Shenzhen' } };

/** Where a site photographs, in the reader's language; '' when the campaign has no such site. */
export function sitePlace(campaign: CampaignDefinition, site: SiteId, lang: Lang): string {
  const s = campaign.sites.find((x) => x.id === site);
  if (!s) return '';
  // The data writes the Shenzhen arrangement in English only: say it in the reader's language (S4).
  if (s.rooms.length === 0 && site === 'shenzhen') return lang === 'zh' ? '由深圳研究生院教务办公室在深圳另行安排' : "arranged in Shenzhen by the Shenzhen graduate school's academic office";
  return s.place;
}

/** The price per set and how it is paid (P1): `20 元/套` + `现场缴费，仅限电子支付，不收现金`. */
export function priceText(campaign: CampaignDefinition, lang: Lang): { amount: string; payment: string } {
  const { amount, currency, methods } = campaign.price;
  const money = currency === 'CNY' ? (lang === 'zh' ? `${amount} 元` : `CNY ${amount}`) : `${amount} ${currency}`;
  const unit = lang === 'zh' ? '/套' : ' per set';
  const electronicOnly = methods.length > 0 && methods.every((m) => m === 'electronic');
  const payment = electronicOnly
    ? lang === 'zh'
      ? '现场缴费，仅限电子支付，不收现金'
      : 'paid on site by electronic payment only (no cash)'
    : lang === 'zh'
      ? `现场缴费（${methods.map((m) => (m === 'electronic' ? '电子支付' : m === 'cash' ? '现金' : m)).join('、')}）`
      : `paid on site (${methods.join(', ')})`;
  return { amount: `${money}${unit}`, payment };
}

/** `费用：20 元/套，现场缴费，仅限电子支付，不收现金` / `Price: CNY 20 per set, paid on site …` (no final stop). */
export function priceSentence(campaign: CampaignDefinition, lang: Lang): string {
  const p = priceText(campaign, lang);
  return lang === 'zh' ? `费用：${p.amount}，${p.payment}` : `Price: ${p.amount}, ${p.payment}`;
}
