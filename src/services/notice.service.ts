// The campaign notice (issue #3 part 5) as data and as a PDF, both public (the notice holds no personal
// data), and what the notice means for the signed-in student: their day, the date by which to fetch the
// collection code (C1), and for each session whether they may book it and, if not, why (S2–S4, E1–E7).
import crypto from 'node:crypto';
import type { MySession, MySessions } from '../contracts/notice.js';
import { renderNoticePdf } from '../adapters/notice-pdf.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import { findDepartmentDay } from '../domain/campaign.js';
import { canonicalJson } from '../domain/audit.js';
import type { Decision, EligibilityRule } from '../domain/eligibility.js';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { translateError } from '../domain/i18n.js';
import type { NoticeContent, NoticeOutlet } from '../domain/notice.js';
import { buildNotice, collectionCodeDeadline, NOTICE_FORMAT_VERSION } from '../domain/notice.js';
import type { BookingRefusal } from '../domain/schedule.js';
import { checkBookingAllowed, windowsOf } from '../domain/schedule.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import { listSessions } from './session.service.js';
import { getActiveCampaign } from './campaign.service.js';
import { listNoticeOutlets } from './makeup.service.js';
import { readRetentionPolicy } from './retention.service.js';
import type { RetentionPolicyValues } from '../domain/retention.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';

export type NoticeFormat = 'json' | 'pdf';

/**
 * The notice's version: a hash of the campaign's data, the notice's format version, the language and the
 * format. It changes exactly when what the notice says changes, so it serves as the HTTP ETag.
 */
export function noticeVersion(campaign: CampaignDefinition, lang: Lang, format: NoticeFormat, retention?: RetentionPolicyValues, outlets: NoticeOutlet[] = []): string {
  // the retention policy the notice states (issue 10 section 5) is part of what it says, and so are the make-up outlets (S6)
  const policy = (retention ? `\n${canonicalJson(retention)}` : '') + (outlets.length > 0 ? `\n${canonicalJson(outlets)}` : '');
  return crypto.createHash('sha256').update(`notice/${NOTICE_FORMAT_VERSION}/${format}/${lang}\n${canonicalJson(campaign)}${policy}`).digest('base64url').slice(0, 27);
}

/** The active campaign's notice version, without building anything (a conditional request needs only this). */
export async function getNoticeVersion(deps: Pick<ServiceDeps, 'db'>, lang: Lang, format: NoticeFormat): Promise<{ version: string; campaignId: string }> {
  const campaign = await getActiveCampaign(deps);
  return { version: noticeVersion(campaign, lang, format, await readRetentionPolicy(deps, campaign.id), await listNoticeOutlets(deps, campaign)), campaignId: campaign.id };
}

/** The notice of the active campaign, in one language. Public. */
export async function getNotice(deps: Pick<ServiceDeps, 'db'>, lang: Lang): Promise<{ notice: NoticeContent; version: string }> {
  const campaign = await getActiveCampaign(deps);
  const retention = await readRetentionPolicy(deps, campaign.id);
  const outlets = await listNoticeOutlets(deps, campaign);
  return { notice: buildNotice(campaign, lang, retention, outlets), version: noticeVersion(campaign, lang, 'json', retention, outlets) };
}

/** PDFs by version: a few hundred milliseconds each to make, the same bytes until the campaign changes. */
const pdfCache = new Map<string, Promise<Buffer>>();
const PDF_CACHE_SIZE = 6;

function cachedPdf(version: string, make: () => Promise<Buffer>): Promise<Buffer> {
  const hit = pdfCache.get(version);
  if (hit) return hit;
  const made = make();
  pdfCache.set(version, made);
  made.catch(() => pdfCache.delete(version));
  while (pdfCache.size > PDF_CACHE_SIZE) pdfCache.delete(pdfCache.keys().next().value!);
  return made;
}

/** The notice as a PDF (A4, Chinese text, the department table), made in memory. Public. */
export async function getNoticePdf(deps: Pick<ServiceDeps, 'db'>, lang: Lang): Promise<{ pdf: Buffer; version: string; fileName: string }> {
  const campaign = await getActiveCampaign(deps);
  const retention = await readRetentionPolicy(deps, campaign.id);
  const outlets = await listNoticeOutlets(deps, campaign);
  const version = noticeVersion(campaign, lang, 'pdf', retention, outlets);
  const pdf = await cachedPdf(version, () => renderNoticePdf(buildNotice(campaign, lang, retention, outlets)));
  // The campaign id is [A-Za-z0-9._-] (contracts/campaign.ts); anything else would not reach a header.
  return { pdf, version, fileName: `notice-${campaign.id.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf` };
}

// ───────────────────────────── the signed-in student ─────────────────────────────

const REFUSAL_RULE: Record<BookingRefusal['code'], (r: BookingRefusal, decision: Decision) => string | null> = {
  STUDENT_NOT_ELIGIBLE: (r, decision) => (r.code === 'STUDENT_NOT_ELIGIBLE' ? (r.rule ?? decision) : null),
  WRONG_SITE: () => 'S4',
  WEEKEND_NOT_ALLOWED: () => 'S3',
  SESSION_IN_PAST: () => null,
};

/** The refusal the server would answer, in both languages, told before the student clicks. */
function reasonOf(refusal: BookingRefusal, decision: Decision): NonNullable<MySession['reason']> {
  const params: Record<string, string> =
    refusal.code === 'WRONG_SITE' ? { site: refusal.studentSite } : refusal.code === 'STUDENT_NOT_ELIGIBLE' ? { rule: refusal.rule ?? decision } : {};
  return {
    code: refusal.code,
    rule: REFUSAL_RULE[refusal.code](refusal, decision),
    message: { zh: translateError(refusal.code, params, 'zh'), en: translateError(refusal.code, params, 'en') },
  };
}

/**
 * Every session of the campaign for the signed-in student, each with whether they may book it and why not
 * (the same rule the server applies to a booking: `checkBookingAllowed`), their day (booking, else their
 * department's, S1) and the last day to fetch the collection code (C1), counted in the campaign's time zone.
 */
export async function listMySessions(deps: ServiceDeps, actor: Actor): Promise<MySessions> {
  authorize(actor, 'session.listMine');
  const principal = actor.principal;
  if (!principal?.studentNo) throw new AppError('FORBIDDEN');
  const campaign = await getActiveCampaign(deps);
  const student = principal.studentNo ? await bookingRepo.findBookableStudentByNo(deps.db.db, campaign.id, principal.studentNo) : undefined;
  if (!student) throw new AppError('STUDENT_NOT_FOUND');
  const { items } = await listSessions(deps, actor, {});
  const active = await bookingRepo.findActiveBookingOfStudent(deps.db.db, student.id);
  const decision = student.decision as Decision;
  const facts = { decision, rule: student.rule as EligibilityRule | null, site: student.site as SiteId, department: student.department, employed: student.employed === 1 };
  const now = deps.clock();

  const booked = active ? items.find((s) => s.id === active.session_id) : undefined;
  let day: MySessions['day'] = null;
  if (booked) {
    day = { date: booked.date, start: booked.start, source: 'booking' };
  } else if (decision === 'required') {
    const date = findDepartmentDay(campaign, student.department);
    const first = date ? [...windowsOf(campaign, date, facts.site)].sort((a, b) => a.start.localeCompare(b.start))[0] : undefined;
    if (date && first) day = { date, start: first.start, source: 'department' };
  }

  return {
    site: facts.site,
    day,
    collectionCodeBy: day && decision === 'required' ? collectionCodeDeadline(day, campaign.timezone) : null,
    items: items.map((s) => {
      const refusal = checkBookingAllowed(facts, { site: s.site, date: s.date, start: s.start }, campaign, now);
      return { ...s, bookable: refusal === null, reason: refusal ? reasonOf(refusal, decision) : null };
    }),
  };
}
