import type { CampaignDefinition } from '../domain/campaign.js';
import { listDepartments, SHENZHEN_GRADUATE_SCHOOL } from '../domain/campaign.js';
import type { Lang } from '../domain/i18n.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { shiftTermByYears } from '../domain/term.js';
import { applyRosterImport } from './roster.service.js';
import type { Actor, ServiceDeps } from './deps.js';

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '欧阳', '司马'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平', '晨曦', '思远', '雨桐', '子涵', '浩然', '欣怡', '梓萱', '一鸣'];
const REGIONS = ['110101', '110108', '310104', '440305', '330106', '420111', '510107', '320102', '370102', '610113'];

export const DEMO_ROSTER_HEADERS = [
  '学号', '姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型', '在职', '学习地点', '已采集时间', '确定延期至', '结业换毕业', '身份证号', '邮箱', '手机',
];

/** A small seeded generator: the same N gives the same roster. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Case = 'E1' | 'E2' | 'E3' | 'E4' | 'E5' | 'E6' | 'none';
// Shares of each eligibility case: most students simply graduate (E1).
const CASE_WEIGHTS: [Case, number][] = [
  ['E1', 0.62],
  ['E2', 0.06],
  ['E3', 0.05],
  ['E4', 0.05],
  ['E5', 0.04],
  ['E6', 0.12],
  ['none', 0.06],
];

/**
 * A realistic synthetic roster for the campaign: every eligibility case (E1–E6, not in campaign), both
 * sites (S4), employed students (S3), valid national ID numbers, terms written in the formats registrars use.
 */
export function generateDemoRoster(campaign: CampaignDefinition, count: number, seed = 2024): string[][] {
  // The seed does not depend on N: a larger demo roster extends a smaller one.
  const rnd = createRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const departments = listDepartments(campaign);
  const targets = campaign.targetTerms;
  const later = campaign.deferTerms.length ? campaign.deferTerms : targets.map((t) => shiftTermByYears(t, 1));
  const earlier = shiftTermByYears(targets[0]!, -1);
  const year = Number(targets[0]!.slice(0, 4));
  const rows: string[][] = [];
  for (let i = 0; i < count; i++) {
    let r = rnd();
    let kase: Case = 'E1';
    for (const [c, w] of CASE_WEIGHTS) {
      if (r < w) {
        kase = c;
        break;
      }
      r -= w;
    }
    // Every case appears at least once in the first rows, whatever N.
    if (i < CASE_WEIGHTS.length) kase = CASE_WEIGHTS[i]![0];
    const department = i === CASE_WEIGHTS.length ? SHENZHEN_GRADUATE_SCHOOL : pick(departments);
    const level = rnd() < 0.7 ? '硕士' : '博士';
    const entryYear = year - (level === '硕士' ? 3 : 5);
    const studentNo = `${entryYear}${level === "硕士" ? "1" : "0"}${String(i).padStart(6, "0")}`;
    const name = pick(SURNAMES) + pick(GIVEN) + (rnd() < 0.5 ? pick(GIVEN) : '');
    let expected = pick(targets);
    let finish = '毕业';
    let certificate = '双证';
    let prior = '';
    let deferred = '';
    let converting = '否';
    switch (kase) {
      case 'E2':
        finish = '结业';
        break;
      case 'E3':
        prior = campaign.retakeBefore;
        expected = shiftTermByYears(campaign.retakeBefore, 0);
        deferred = pick(targets);
        break;
      case 'E4':
        deferred = pick(later);
        break;
      case 'E5':
        converting = '是';
        break;
      case 'E6':
        certificate = '单证';
        break;
      case 'none':
        expected = rnd() < 0.5 ? earlier : pick(later);
        break;
      default:
        break;
    }
    const birthYear = entryYear - 22 - Math.floor(rnd() * 6);
    const birth = `${birthYear}${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
    const first17 = `${pick(REGIONS)}${birth}${String(Math.floor(rnd() * 1000)).padStart(3, '0')}`;
    const nationalId = first17 + computeNationalIdCheckChar(first17);
    const studyCity = department === SHENZHEN_GRADUATE_SCHOOL ? (rnd() < 0.8 || i === CASE_WEIGHTS.length ? '深圳' : '北京') : '';
    // Registrars write terms in several ways; the importer normalises them.
    const writeTerm = (t: string) => (t && rnd() < 0.3 ? `${t.slice(0, 4)}年${Number(t.slice(5))}月` : t);
    rows.push([
      studentNo,
      name,
      department,
      level,
      certificate,
      writeTerm(expected),
      finish,
      rnd() < 0.12 ? '是' : '否',
      studyCity,
      prior,
      deferred,
      converting,
      nationalId,
      `${studentNo}@stu.example.edu.cn`,
      `1${pick(['38', '39', '50', '86', '88'])}${String(Math.floor(rnd() * 1e8)).padStart(8, '0')}`,
    ]);
  }
  return rows;
}

export function toCsv(headers: string[], rows: string[][]): string {
  const esc = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [headers, ...rows].map((r) => r.map(esc).join(',')).join('\r\n') + '\r\n';
}

/**
 * `gradphoto demo --students N`: imports a synthetic roster through the normal import path. It adds and
 * updates students but never removes any (a real roster imported before stays whole).
 */
export async function loadDemoRoster(deps: ServiceDeps, actor: Actor, campaign: CampaignDefinition, count: number, lang: Lang = 'zh') {
  const csv = toCsv(DEMO_ROSTER_HEADERS, generateDemoRoster(campaign, count));
  return applyRosterImport(deps, actor, { buffer: Buffer.from(csv, 'utf8') }, `demo-${count}.csv`, lang, { keepMissing: true });
}
