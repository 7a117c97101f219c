// Retention and deletion (issue 10 section 5, rule A3; PIPL art. 19 and 47: delete when the purpose is served;
// docs/decisions/0027-retention.md). Pure rules: the policy's bounds and defaults, the cut-off instants, the
// plain-words sentences of the notice, and the content of the record of processing. Time is passed in.
import type { Lang } from './i18n.js';

/** The largest delay a policy may set: ten years. */
export const RETENTION_DAYS_MAX = 3650;

export interface RetentionPolicyValues {
  /** camera originals (and the shots not chosen) are deleted this many days after the student's photo is confirmed */
  originalsDays: number;
  /** the standard photo is deleted this many days after the registry accepted it AND its prints were handed over */
  standardDays: number;
}

/** Safe defaults: a month for complaints and reprints, then gone. */
export const DEFAULT_RETENTION_POLICY: RetentionPolicyValues = { originalsDays: 30, standardDays: 30 };

/** A purge run's lease: a run whose process died is taken over after this long. */
export const RETENTION_LEASE_MS = 15 * 60_000;

/** The scheduler in `serve` runs a purge when the last one started longer ago than this. */
export const RETENTION_SCHEDULE_MS = 24 * 3_600_000;

const DAY_MS = 86_400_000;

/** The instant before which (inclusive) something `days` old is due: now − days. ISO strings compare as instants. */
export function retentionCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

/** A problem with one field of a policy, or null: whole days from 0 to 3650. */
export function retentionDaysProblem(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'integer';
  if (value < 0 || value > RETENTION_DAYS_MAX) return 'range';
  return null;
}

/** The policy in plain words, for the notice (web and PDF) and the record of processing. */
export function retentionSentences(policy: RetentionPolicyValues, lang: Lang): string[] {
  const zh = lang === 'zh';
  const days = (n: number) => (zh ? `${n} 天` : `${n} day${n === 1 ? '' : 's'}`);
  return zh
    ? [
        `相机原始照片（及未选用的照片）在本人确认照片 ${days(policy.originalsDays)}后删除。`,
        `标准照片在学信网确认接收、且打印照片已交到本人手中 ${days(policy.standardDays)}后删除。`,
        '采集活动结束（关闭）时，删除身份证件号码、手机号码和电子邮箱。',
        '删除即销毁每张照片的加密密钥并删除文件：删除后任何人（包括从备份中）都无法再恢复这些照片。',
      ]
    : [
        `Camera originals (and the shots not chosen) are deleted ${days(policy.originalsDays)} after you confirm your photo.`,
        `The standard photo is deleted ${days(policy.standardDays)} after the registry has accepted it and your printed photos have been handed to you.`,
        'When the campaign is closed, national ID numbers, phone numbers and e-mail addresses are deleted.',
        'Deleting destroys each photo’s encryption key and removes the file: nobody can recover a deleted photo afterwards, not even from a backup.',
      ];
}

/** The counts a purge run reports (no student numbers, no names). */
export interface PurgeCounts {
  originals: number;
  standards: number;
  photos: number;
  bytes: number;
}

export const NO_PURGE: PurgeCounts = { originals: 0, standards: 0, photos: 0, bytes: 0 };

/** One department's line of a closing report. */
export interface ClosingDepartmentCounts {
  department: string;
  required: number;
  photographed: number;
  confirmed: number;
  exported: number;
  accepted: number;
  printed: number;
  handedOver: number;
}

/** Adds the departments' lines into one total line. */
export function totalOf(rows: ClosingDepartmentCounts[]): Omit<ClosingDepartmentCounts, 'department'> {
  const total = { required: 0, photographed: 0, confirmed: 0, exported: 0, accepted: 0, printed: 0, handedOver: 0 };
  for (const r of rows) {
    total.required += r.required;
    total.photographed += r.photographed;
    total.confirmed += r.confirmed;
    total.exported += r.exported;
    total.accepted += r.accepted;
    total.printed += r.printed;
    total.handedOver += r.handedOver;
  }
  return total;
}

// ───────────────────────────── the record of processing ─────────────────────────────

export interface RecordFacts {
  campaignId: string;
  campaignName: string;
  generatedAt: string;
  closedAt: string | null;
  policy: RetentionPolicyValues;
  counts: {
    students: number;
    required: number;
    studentsWithNationalId: number;
    studentsWithContact: number;
    photos: number;
    blobsHeld: number;
    bytesHeld: number;
    blobsShredded: number;
    exports: number;
    exportedPhotos: number;
    purgeRuns: number;
  };
}

export interface RecordSection {
  id: 'controller' | 'purpose' | 'categories' | 'recipients' | 'retention' | 'measures' | 'counts';
  heading: string;
  lines: string[];
}

export interface RecordOfProcessingContent {
  title: string;
  subtitle: string;
  sections: RecordSection[];
}

/**
 * The record of processing (个人信息处理活动记录; PIPL art. 55-style impact record) in one language: what the
 * product processes, why, for whom, how long, how it is protected, and how much it holds now. Only what the
 * product really does; counts only.
 */
export function buildRecordOfProcessing(facts: RecordFacts, lang: Lang): RecordOfProcessingContent {
  const zh = lang === 'zh';
  const c = facts.counts;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const sections: RecordSection[] = [
    {
      id: 'controller',
      heading: zh ? '一、处理者与处理活动' : '1. Controller and activity',
      lines: zh
        ? [`处理者：本校研究生院（采集活动“${facts.campaignName}”，编号 ${facts.campaignId}）。`, '受托处理者：图片社（现场拍摄、打印），按委托处理，只见到打码的姓名与学号。', `生成时间：${facts.generatedAt}${facts.closedAt ? `；采集活动已于 ${facts.closedAt} 关闭` : '；采集活动尚未关闭'}。`]
        : [`Controller: the graduate school (campaign "${facts.campaignName}", id ${facts.campaignId}).`, 'Processor: the photo agency (capture on site, printing), acting on instructions; it sees masked names and student numbers only.', `Generated ${facts.generatedAt}${facts.closedAt ? `; the campaign was closed on ${facts.closedAt}` : '; the campaign is not closed yet'}.`],
    },
    {
      id: 'purpose',
      heading: zh ? '二、处理目的' : '2. Purpose',
      lines: zh
        ? ['为应届研究生采集学历证书电子图像，上传学信网用于学历证书注册与查询，并打印照片交给学生（规则 A1、A2）。', '不用于其他目的；目的实现后按保留策略删除（规则 A3；《个人信息保护法》第十九条、第四十七条）。']
        : ['To capture the diploma photo of this year’s graduate students, deliver it to the national registry (学信网) for the diploma’s registration and verification, and hand printed photos to the students (rules A1, A2).', 'No other purpose; deleted by the retention policy once the purpose is served (rule A3; PIPL articles 19 and 47).'],
    },
    {
      id: 'categories',
      heading: zh ? '三、个人信息种类' : '3. Categories of personal information',
      lines: zh
        ? ['敏感个人信息：人脸图像（相机原图与 480×640 标准照片）、身份证件号码。', '一般个人信息：姓名、学号、院系、培养层次、预计毕业时间、手机号码、电子邮箱、预约与签到记录、缴费记录（交易号、金额）、采集码的哈希（不保存采集码本身）。']
        : ['Sensitive: facial images (camera originals and the 480×640 standard photo), national ID numbers.', 'Other: name, student number, department, level, expected term, phone, e-mail, bookings and check-ins, payments (transaction id, amount), a hash of the collection code (never the code itself).'],
    },
    {
      id: 'recipients',
      heading: zh ? '四、接收方' : '4. Recipients',
      lines: zh
        ? ['学信网：经 OpenPGP 加密的上传包（照片、学号、打码姓名、院系、校验和；不含身份证件号码）。', '图片社：打码姓名、学号与照片，用于拍摄与打印；不含身份证件号码与联系方式。', '各院系教务：本院系学生的姓名、进度与照片交接记录。']
        : ['The registry (学信网): OpenPGP-encrypted packages (photos, student number, masked name, department, checksums; never an ID number).', 'The photo agency: masked names, student numbers and photos, to capture and print; never ID numbers or contact details.', 'Department secretaries: their own students’ names, progress and the hand-over of prints.'],
    },
    {
      id: 'retention',
      heading: zh ? '五、保存期限' : '5. Retention',
      lines: retentionSentences(facts.policy, lang),
    },
    {
      id: 'measures',
      heading: zh ? '六、安全措施' : '6. Security measures',
      lines: zh
        ? [
            '照片信封加密：每个文件一把随机 AES-256-GCM 数据密钥，数据密钥由活动密钥封装后存于数据库；删除时先销毁数据密钥再删文件（密码学粉碎）。',
            '身份证件号码字段加密存储（AES-256-GCM），管理员仅见打码号码，查看完整号码逐次审计；号码不出现在网址、文件名、日志和审计事件中。',
            '图片社角色只见打码姓名；每次查看照片都记入审计日志；审计日志为带密钥的哈希链，并定期签发检查点。',
            '密码以 argon2id 保存；会话超时；管理员可启用 TOTP 两步验证；登录失败限流；跨站请求拒绝。',
          ]
        : [
            'Envelope encryption of photos: one random AES-256-GCM data key per file, wrapped by the campaign key and kept in the database; deletion destroys the data key first, then the file (crypto-shredding).',
            'National ID numbers encrypted at rest (AES-256-GCM); admins see a masked number, each reveal of the full number is audited; numbers never appear in URLs, file names, logs or audit events.',
            'The agency’s roles see masked names only; every view of a photo is an audit event; the audit log is a keyed hash chain with signed checkpoints.',
            'Passwords hashed with argon2id; session time-outs; TOTP for admins; sign-in throttling; cross-site requests refused.',
          ],
    },
    {
      id: 'counts',
      heading: zh ? '七、当前数量' : '7. Counts now',
      lines: zh
        ? [
            `学生 ${c.students} 人（须采集 ${c.required} 人）；存有身份证件号码 ${c.studentsWithNationalId} 人，存有联系方式 ${c.studentsWithContact} 人。`,
            `照片 ${c.photos} 张；仍保存的加密文件 ${c.blobsHeld} 个（${mb(c.bytesHeld)} MB）；已粉碎 ${c.blobsShredded} 个。`,
            `学信网上传包 ${c.exports} 批，共 ${c.exportedPhotos} 张照片；删除运行 ${c.purgeRuns} 次。`,
          ]
        : [
            `${c.students} students (${c.required} required); national ID numbers held for ${c.studentsWithNationalId}, contact details for ${c.studentsWithContact}.`,
            `${c.photos} photos; encrypted files still held: ${c.blobsHeld} (${mb(c.bytesHeld)} MB); shredded: ${c.blobsShredded}.`,
            `${c.exports} registry packages with ${c.exportedPhotos} photos; ${c.purgeRuns} purge runs.`,
          ],
    },
  ];
  return {
    title: zh ? '个人信息处理活动记录' : 'Record of processing of personal information',
    subtitle: zh ? `${facts.campaignName}（依《个人信息保护法》第五十五条）` : `${facts.campaignName} (after PIPL article 55)`,
    sections,
  };
}
