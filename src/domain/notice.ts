// The campaign notice (issue #3 part 5), built from the campaign's data only: the same content feeds the
// public page (GET /api/notice) and the PDF. Every line cites the rule of docs/rules/campaign-rules.md it states, so a test can
// check that no rule is missing and a reader can find the rule behind a sentence.
//
// Times are the campaign's wall clock (Asia/Shanghai): windows are printed as the campaign writes them and
// never converted; the one computed time (the date by which to fetch the collection code, C1) goes through
// the campaign's time zone, whatever the server's clock.
import type { CampaignDefinition, SiteId } from './campaign.js';
import { departmentHomeSite, localDate } from './campaign.js';
import { formatCampaignDate, MONTHS_EN, priceSentence, priceText, sitePlace } from './campaign-text.js';
import type { EligibilityFacts, EligibilityRule } from './eligibility.js';
import { decideEligibility } from './eligibility.js';
import type { Lang, Text } from './i18n.js';
import type { RetentionPolicyValues } from './retention.js';
import { DEFAULT_RETENTION_POLICY, retentionSentences } from './retention.js';
import { fill } from './i18n.js';
import { cityName } from './makeup.js';
import { windowsOf, zonedTimeToInstant } from './schedule.js';
import type { Term } from './term.js';
import { compareTerms, shiftTermByYears } from './term.js';

/** The rules a notice line can state (docs/rules/campaign-rules.md). */
export type NoticeRule = EligibilityRule | 'E7' | 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6' | 'C1' | 'C2' | 'C3' | 'C4' | 'P1' | 'A3';

/** Every rule the notice must state in plain words (the tests check each one is there). */
export const NOTICE_RULES: readonly NoticeRule[] = ['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'C1', 'C2', 'C3', 'C4', 'P1', 'A3'];

/** The collection code is fetched from the registry at least this many days before one comes (C1). */
export const COLLECTION_CODE_DAYS_AHEAD = 3;

/** Bumped when the notice's wording or layout changes, so that cached copies (ETag) are renewed. */
export const NOTICE_FORMAT_VERSION = 1;

export interface NoticeLine {
  rule: NoticeRule | null;
  text: string;
}

export type NoticeSectionId = 'must' | 'mustNot' | 'schedule' | 'bring' | 'onSite' | 'makeUp' | 'privacy';

export interface NoticeDayRow {
  date: string; // YYYY-MM-DD, campaign time zone
  day: string; // as people write it, with the weekday
  weekend: boolean;
  windows: string;
  departments: string[];
  /** the last day to fetch the collection code for this day (C1), YYYY-MM-DD */
  codeByDate: string;
  codeBy: string;
}

export interface NoticeTable {
  caption: string;
  columns: { day: string; windows: string; departments: string; codeBy: string };
  weekendLabel: string;
  rows: NoticeDayRow[];
}

export interface NoticeSection {
  id: NoticeSectionId;
  heading: string;
  lines: NoticeLine[];
  /** the department → day table (S1), after the lines of the schedule section */
  table?: NoticeTable;
}

export interface NoticeFact {
  key: 'dates' | 'windows' | 'place' | 'price';
  label: string;
  value: string;
}

export interface NoticeContent {
  campaignId: string;
  lang: Lang;
  title: string;
  subtitle: string;
  facts: NoticeFact[];
  sections: NoticeSection[];
  footer: string;
}

// ───────────────────────────── dates and terms, in words ─────────────────────────────

// The date, place and price wording is shared with the mails (campaign-text.ts); the notice's name for the
// date format is kept for its readers.
export { formatCampaignDate as formatNoticeDate } from './campaign-text.js';

/** `2024-07` → `2024年7月` / `July 2024`. */
export function formatNoticeTerm(term: Term, lang: Lang): string {
  const [y, m] = term.split('-').map(Number);
  return lang === 'en' ? `${MONTHS_EN[m! - 1]} ${y}` : `${y}年${m}月`;
}

function joinList(items: string[], lang: Lang, last: { zh: string; en: string } = { zh: '、', en: ' and ' }): string {
  if (items.length <= 1) return items.join('');
  if (lang === 'zh') return items.slice(0, -1).join('、') + last.zh + items[items.length - 1];
  return items.slice(0, -1).join(', ') + last.en + items[items.length - 1];
}

function formatWindows(campaign: CampaignDefinition, lang: Lang, windows = campaign.windows): string {
  return windows.map((w) => `${w.start}–${w.end}`).join(lang === 'zh' ? '、' : ', ');
}

/** The site the notice's table describes: Beijing (S4: Shenzhen arranges its own), or the only site. */
function mainSite(campaign: CampaignDefinition): SiteId {
  return (campaign.sites.find((s) => s.id === 'beijing') ?? campaign.sites[0])?.id ?? 'beijing';
}

function zoneLabel(campaign: CampaignDefinition, lang: Lang): string {
  if (campaign.timezone === 'Asia/Shanghai') return lang === 'zh' ? '北京时间' : 'Beijing time';
  return campaign.timezone;
}

// ───────────────────────────── the collection code's date (C1) ─────────────────────────────

/**
 * The last day (YYYY-MM-DD, campaign time zone) on which a student coming at `date` `start` (campaign wall
 * clock) should have fetched their collection code: at least 3 days ahead (C1). Computed on instants in the
 * campaign's zone, so a server whose clock is UTC gives the same day as one in Beijing.
 */
export function collectionCodeDeadline(session: { date: string; start: string }, timeZone: string): string {
  const comes = zonedTimeToInstant(session.date, session.start, timeZone).getTime();
  return localDate(new Date(comes - COLLECTION_CODE_DAYS_AHEAD * 86_400_000), timeZone);
}

// ───────────────────────────── eligibility in plain words (E1–E7) ─────────────────────────────

/**
 * One example of each rule, made from the campaign's own terms. The notice groups a rule under "must" or
 * "need not" by what `decideEligibility` answers for its example, so the notice cannot drift from the rules.
 */
export function eligibilityExamples(campaign: CampaignDefinition): Record<EligibilityRule, EligibilityFacts> {
  const target = campaign.targetTerms[0]!;
  const lastTarget = [...campaign.targetTerms].sort(compareTerms)[campaign.targetTerms.length - 1]!;
  const later = campaign.deferTerms.find((t) => compareTerms(t, lastTarget) > 0) ?? shiftTermByYears(lastTarget, 1);
  const base: EligibilityFacts = { department: campaign.days[0]?.departments[0] ?? '', certificate: 'dual', expectedTerm: target, finish: 'graduate' };
  return {
    E1: base,
    E2: { ...base, finish: 'complete' },
    E3: { ...base, priorCaptureTerm: campaign.retakeBefore },
    E4: { ...base, deferredTo: later },
    E5: { ...base, convertingFromCompletion: true },
    E6: { ...base, certificate: 'single' },
  };
}

const ELIGIBILITY_LINES: Record<EligibilityRule | 'E7' | 'none', Text> = {
  E1: {
    zh: '双证（学历证书 + 学位证书）研究生，预计于 {targets} 毕业或结业的，须参加本次图像采集。',
    en: 'Dual-certificate students (diploma and degree) expected to graduate or complete in {targets} must be photographed in this campaign.',
  },
  E2: {
    zh: '预计于 {targets} 结业的研究生也须参加：今后结业换毕业时不再重新采集，没有这张照片将无法完成学历认证。',
    en: 'Students expected to complete (结业) in {targets} must take part too: no new photo is taken when they later convert to graduation, and without it their credential cannot be certified.',
  },
  E3: {
    zh: '曾于 {retake} 或更早采集过图像、之后延期至 {targets} 毕/结业的，原照片已不能使用，须重新采集。',
    en: 'Students photographed in {retake} or earlier who were then deferred to {targets} must be photographed again: the earlier photo can no longer be used.',
  },
  E4: {
    zh: '已确定延期至 {defer} 或以后毕/结业的，请勿参加本次采集：现在拍摄的照片届时无效，待延期后的批次再采集。',
    en: 'Students who already know they will defer to {defer} or later must not take part now: a photo taken now would be invalid then; they are photographed in a later campaign.',
  },
  E5: {
    zh: '此前已结业、本次办理结业换毕业的，无需参加：沿用结业时采集的照片。',
    en: 'Students who completed (结业) earlier and now convert to graduation do not take part: the photo from their completion is used.',
  },
  E6: {
    zh: '单证（仅学位证书）研究生无需参加本次学历图像采集。',
    en: 'Single-certificate students (degree only) do not take part in this campaign.',
  },
  E7: {
    zh: '不属于本次采集对象的同学即使拍摄，照片也无效，不会上报学信网。',
    en: 'A photo of anyone who should not have taken part this year is invalid and is not sent to the national registry.',
  },
  none: {
    zh: '预计毕/结业时间不在 {targets} 的，不在本次采集范围内。',
    en: 'Students expected to finish in a term other than {targets} are not part of this campaign.',
  },
};

function eligibilitySections(campaign: CampaignDefinition, lang: Lang): NoticeSection[] {
  const terms = (ts: Term[]) => joinList(ts.map((t) => formatNoticeTerm(t, lang)), lang, { zh: '、', en: ' or ' });
  const params = {
    targets: terms(campaign.targetTerms),
    retake: formatNoticeTerm(campaign.retakeBefore, lang),
    defer: terms(campaign.deferTerms.length ? campaign.deferTerms : [shiftTermByYears([...campaign.targetTerms].sort(compareTerms).at(-1)!, 1)]),
  };
  const line = (rule: EligibilityRule | 'E7' | 'none'): NoticeLine => ({ rule: rule === 'none' ? null : rule, text: fill(ELIGIBILITY_LINES[rule][lang], params) });
  const examples = eligibilityExamples(campaign);
  const rules = Object.keys(examples) as EligibilityRule[];
  const required = rules.filter((r) => decideEligibility(examples[r], campaign).decision === 'required');
  const notRequired = rules.filter((r) => !required.includes(r));
  return [
    { id: 'must', heading: lang === 'zh' ? '一、须参加采集的同学' : '1. Who must be photographed', lines: required.map(line) },
    {
      id: 'mustNot',
      heading: lang === 'zh' ? '二、无需参加（请勿参加）的同学' : '2. Who need not (and must not) take part',
      lines: [...notRequired.map(line), line('E7'), line('none')],
    },
  ];
}

// ───────────────────────────── rooms ─────────────────────────────

function roomNumbers(rooms: string[]): string[] {
  return rooms.map((r) => r.match(/(\d+)\s*$/)?.[1] ?? r);
}

// ───────────────────────────── the notice ─────────────────────────────

/** The department → day table (S1): every day with its windows, departments and the collection-code date (C1). */
export function buildDepartmentTable(campaign: CampaignDefinition, lang: Lang): NoticeTable {
  const weekend = new Set(campaign.weekendDays);
  const site = mainSite(campaign);
  const rows = [...campaign.days]
    .sort((a, b) => a.date.localeCompare(b.date))
    .map((d) => {
      // A day whose windows the admin changed shows its own (S1).
      const dayWindows = [...windowsOf(campaign, d.date, site)].sort((a, b) => a.start.localeCompare(b.start));
      const codeByDate = collectionCodeDeadline({ date: d.date, start: dayWindows[0]?.start ?? '00:00' }, campaign.timezone);
      return {
        date: d.date,
        day: formatCampaignDate(d.date, lang, { short: true }),
        weekend: weekend.has(d.date),
        windows: formatWindows(campaign, lang, dayWindows),
        departments: [...d.departments],
        codeByDate,
        codeBy: formatCampaignDate(codeByDate, lang, { short: true }),
      };
    });
  return {
    caption: lang === 'zh' ? '各院系采集日期' : 'Days of the departments',
    columns:
      lang === 'zh'
        ? { day: '日期', windows: '时段', departments: '院系', codeBy: '采集码最迟获取日' }
        : { day: 'Day', windows: 'Windows', departments: 'Departments', codeBy: 'Fetch the code by' },
    weekendLabel: lang === 'zh' ? '周末' : 'weekend',
    rows,
  };
}

function scheduleSection(campaign: CampaignDefinition, lang: Lang): NoticeSection {
  const zh = lang === 'zh';
  const windows = formatWindows(campaign, lang);
  const lines: NoticeLine[] = [
    {
      rule: 'S1',
      text: zh
        ? `各院系按下表日期采集，每天两个时段：${windows}（${zoneLabel(campaign, lang)}），当天任一时段到场即可。`
        : `Each department has a day (table below); each day has the windows ${windows} (${zoneLabel(campaign, lang)}): come in either window of your department's day.`,
    },
    {
      rule: 'S2',
      text: zh
        ? '本院系安排的日期确实不能到场的，可在下表其他任一时段到场，也可登录本系统预约其他时段。'
        : "If you cannot come on your department's day, come at any other listed time; you can also book another session in this system.",
    },
  ];
  if (campaign.weekendDays.length) {
    const days = joinList(
      campaign.weekendDays.map((d) => formatCampaignDate(d, lang, { short: true })),
      lang,
    );
    lines.push({
      rule: 'S3',
      text: zh
        ? `${days}为周末。院系未安排在周末的在职研究生，可以选择这两天参加；其他同学请在本院系日期或工作日时段参加。`
        : `${days} are weekend days. Employed students whose department is not scheduled on the weekend may choose them; other students come on their department's day or another weekday session.`,
    });
  }
  const shenzhenDepartments = campaign.days.flatMap((d) => d.departments).filter((dep) => departmentHomeSite(campaign, dep) === 'shenzhen');
  if (campaign.sites.some((s) => s.id === 'shenzhen') || shenzhenDepartments.length) {
    const names = joinList(shenzhenDepartments.length ? shenzhenDepartments : [zh ? '深圳研究生院' : 'the Shenzhen graduate school'], lang);
    lines.push({
      rule: 'S4',
      text: zh
        ? `${names}在北京学习的同学，可按下表在北京参加；在深圳学习的同学${sitePlace(campaign, 'shenzhen', lang) || '在深圳另行安排'}，不在北京采集。`
        : `Students of ${names} studying in Beijing may take part in Beijing as listed below; those studying in Shenzhen are photographed in Shenzhen (${sitePlace(campaign, 'shenzhen', lang) || 'arranged there'}), not in Beijing.`,
    });
  }
  const beijing = campaign.sites.find((s) => s.id === mainSite(campaign));
  if (beijing) {
    const rooms = roomNumbers(beijing.rooms);
    const place = sitePlace(campaign, beijing.id, lang);
    lines.push({
      rule: 'S5',
      text: zh
        ? `地点：${place}${rooms.length ? `（${rooms.length} 个采集室：${rooms.join('、')}）` : ''}。`
        : `Place: ${place}${rooms.length ? ` (${rooms.length} rooms: ${rooms.join(', ')})` : ''}.`,
    });
  }
  return { id: 'schedule', heading: zh ? '三、采集时间与地点' : '3. When and where', lines, table: buildDepartmentTable(campaign, lang) };
}

function bringSection(campaign: CampaignDefinition, lang: Lang): NoticeSection {
  const zh = lang === 'zh';
  return {
    id: 'bring',
    heading: zh ? '四、请携带与准备' : '4. What to bring and wear',
    lines: [
      {
        rule: 'C1',
        text: zh
          ? `采集码：请至少提前 ${COLLECTION_CODE_DAYS_AHEAD} 天登录学信网（学信档案 → 图像校对，或学信网 App）获取采集码（最迟日期见上表），采集时出示；一人一码，仅限本人使用。`
          : `Collection code (采集码): fetch it at least ${COLLECTION_CODE_DAYS_AHEAD} days ahead from the national registry 学信网 (学信档案 → 图像校对, or its app; last day in the table above) and show it at the station; one code per student, valid for that student only.`,
      },
      {
        rule: 'C2',
        text: zh
          ? '着装：请穿深色正装，不戴帽子；正面免冠拍摄，现场为蓝色背景。'
          : 'Clothes: dark formal clothes, no hat; the photo is frontal, against the blue background provided on site.',
      },
    ],
  };
}

function onSiteSection(campaign: CampaignDefinition, lang: Lang): NoticeSection {
  const zh = lang === 'zh';
  return {
    id: 'onSite',
    heading: zh ? '五、现场流程与费用' : '5. On site, and the price',
    lines: [
      {
        rule: 'C4',
        text: zh ? '到场后签到取号，按叫号顺序拍摄，请勿插队。' : 'Check in for a queue number; the photographer calls numbers in order; no one jumps the queue.',
      },
      {
        rule: 'C3',
        text: zh
          ? '拍摄后请当场核对照片并确认；确认后不再重拍，也不作修改。'
          : 'Check your photo on the spot and confirm it; after confirmation there are no retakes and no edits.',
      },
      { rule: 'P1', text: `${priceSentence(campaign, lang)}${zh ? '。' : '.'}` },
    ],
  };
}

/** An outlet where make-ups are taken (S6): what the notice and the mails show of it. */
export interface NoticeOutlet {
  name: Text;
  address: string;
  hours: string;
}

function makeUpSection(campaign: CampaignDefinition, lang: Lang, outlets: NoticeOutlet[]): NoticeSection {
  const zh = lang === 'zh';
  const deadline = campaign.makeUp.deadline;
  // S6: a deadline per target term (makeUp.deadlines, src/domain/makeup.ts); a term without one has the campaign's `deadline`
  const perTerm = campaign.targetTerms.flatMap((term) => {
    const date = campaign.makeUp.deadlines?.[term] ?? deadline;
    return date ? [{ term, date }] : [];
  });
  const byTerm = campaign.makeUp.deadlines !== undefined && Object.keys(campaign.makeUp.deadlines).length > 0;
  const fee = campaign.makeUp.fee;
  const money = campaign.price.currency === 'CNY' ? (zh ? `${fee} 元/套` : `CNY ${fee} per set`) : `${fee} ${campaign.price.currency}`;
  // the make-up city in the reader's language whatever was typed (Beijing, BEIJING, Peking, 北京市 → 北京 / Beijing)
  const city = cityName(campaign.makeUp.city, lang);
  const where = zh ? `图片社${city}分店` : campaign.makeUp.where;
  const by = byTerm
    ? zh
      ? '在本人毕（结）业时间对应的补采截止日期前'
      : 'by the deadline of your term (below)'
    : deadline
      ? zh
        ? `于 ${formatCampaignDate(deadline, lang)} 前`
        : `by ${formatCampaignDate(deadline, lang)}`
      : zh
        ? '在研究生院规定的截止日期前'
        : 'by the deadline the graduate school sets';
  const lines: NoticeLine[] = [
    {
      rule: 'S6',
      text: zh
        ? `确实无法在上述时间参加的，请在集中采集结束后、${by}到${where}补采（${money}）；在其他城市门店拍摄的照片无效。`
        : `If you cannot come at any listed time, go after the campaign, ${by}, to ${where} to be photographed (${money}); photos taken at branches in other cities are invalid.`,
    },
  ];
  if (byTerm && perTerm.length > 0) {
    const items = perTerm.map(({ term, date }) => (zh ? `${formatNoticeTerm(term, lang)}毕（结）业者 ${formatCampaignDate(date, lang)}` : `${formatNoticeTerm(term, lang)}: ${formatCampaignDate(date, lang)}`));
    lines.push({ rule: null, text: zh ? `补采截止日期：${items.join('；')}（截止当天仍可补采）。` : `Make-up deadlines by term of graduation or completion: ${items.join('; ')} (the deadline day itself included).` });
  }
  for (const o of outlets) lines.push({ rule: null, text: zh ? `${o.name.zh}：${o.address}（营业时间：${o.hours}）` : `${o.name.en}: ${o.address} (opening hours: ${o.hours})` });
  return { id: 'makeUp', heading: zh ? '六、补采' : '6. If you cannot come at all', lines };
}

function privacySection(lang: Lang, retention: RetentionPolicyValues): NoticeSection {
  const zh = lang === 'zh';
  return {
    id: 'privacy',
    heading: zh ? '七、信息安全' : '7. Your data',
    lines: [
      {
        rule: 'A3',
        text: zh
          ? '照片的采集与传输全程加密；图片社不会收到含明文身份信息的名单；每次查看照片都有记录；照片与个人信息仅用于学历学位证书，用途完成后按规定删除。'
          : 'Photos are captured and transferred encrypted; the photo agency never receives lists with plain identities; every look at a photo is logged; photos and personal data serve only the certificates and are deleted when that purpose is served.',
      },
      // the retention policy in plain words, after the A3 line it details (issue 10 section 5; docs/decisions/0027-retention.md)
      ...retentionSentences(retention, lang).map((text) => ({ rule: null, text })),
    ],
  };
}

/** The campaign's notice in one language, from its data alone (no personal data: anyone may read it). */
export function buildNotice(campaign: CampaignDefinition, lang: Lang, retention: RetentionPolicyValues = DEFAULT_RETENTION_POLICY, outlets: NoticeOutlet[] = []): NoticeContent {
  const zh = lang === 'zh';
  const dates = [...campaign.days.map((d) => d.date)].sort();
  const first = dates[0];
  const last = dates[dates.length - 1];
  const range = !first || !last ? '' : first === last ? formatCampaignDate(first, lang) : `${formatCampaignDate(first, lang)}${zh ? ' 至 ' : ' to '}${formatCampaignDate(last, lang)}`;
  const price = priceText(campaign, lang);
  const main = mainSite(campaign);
  return {
    campaignId: campaign.id,
    lang,
    title: zh ? `关于${campaign.name.zh}的通知` : `Notice: ${campaign.name.en}`,
    subtitle: zh ? '研究生院' : 'Graduate School',
    facts: [
      { key: 'dates', label: zh ? '采集日期' : 'Dates', value: range },
      { key: 'windows', label: zh ? '采集时段' : 'Windows', value: zh ? `每天 ${formatWindows(campaign, lang)}（${zoneLabel(campaign, lang)}）` : `each day ${formatWindows(campaign, lang)} (${zoneLabel(campaign, lang)})` },
      { key: 'place', label: zh ? '地点' : 'Place', value: sitePlace(campaign, main, lang) },
      { key: 'price', label: zh ? '费用' : 'Price', value: `${price.amount}${zh ? '，' : ', '}${price.payment}` },
    ],
    sections: [...eligibilitySections(campaign, lang), scheduleSection(campaign, lang), bringSection(campaign, lang), onSiteSection(campaign, lang), makeUpSection(campaign, lang, outlets), privacySection(lang, retention)],
    footer: zh
      ? `研究生院 · 本通知根据采集活动（${campaign.id}）的数据生成，如有调整以本系统公布为准。`
      : `Graduate School · generated from the data of campaign ${campaign.id}; this system always shows the current arrangements.`,
  };
}

/** Every line of a notice with its rule, in reading order (for renderers and tests). */
export function noticeLines(notice: NoticeContent): NoticeLine[] {
  return notice.sections.flatMap((s) => s.lines);
}
