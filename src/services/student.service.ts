import type { z } from 'zod';
import type { StudentDetail, StudentExportQuerySchema, StudentListItem, StudentListQuery, StudentListSchema } from '../contracts/student.js';
import { writeXlsx } from '../adapters/xlsx-export.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { findDepartmentDay, listDepartments } from '../domain/campaign.js';
import type { Decision, EligibilityRule } from '../domain/eligibility.js';
import { decideEligibility } from '../domain/eligibility.js';
import { AppError } from '../domain/errors.js';
import { maskName } from '../domain/masking.js';
import type { Principal } from '../domain/permissions.js';
import { canSeeStudent, hasPermission, seesContactDetails, seesFullNames, studentScope } from '../domain/permissions.js';
import type { ProgressState } from '../domain/progress.js';
import { campaignWallClock, isNoShow, progressOf } from '../domain/progress.js';
import type { StudentListFilter, StudentProgressColumns, StudentRow } from '../repositories/student.repository.js';
import * as studentRepo from '../repositories/student.repository.js';
import { recordAuditEvent } from './audit.service.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';

function decisionOf(row: StudentRow, campaign: CampaignDefinition) {
  return decideEligibility(studentRepo.eligibilityFactsOf(row), campaign);
}

type WallClock = { date: string; time: string };

/** The progress of a listed student (domain/progress.ts); the facts come from the list's joins. */
function progressView(row: StudentRow, cols: StudentProgressColumns | undefined, now: WallClock): Pick<StudentListItem, 'progress' | 'noShow' | 'bookedDate' | 'paid'> {
  if (!cols) return { progress: null, noShow: false, bookedDate: null, paid: false };
  const facts = studentRepo.progressFactsOf(cols);
  const progress: ProgressState | null = progressOf(row.decision, facts);
  const session = cols.p_session_date && cols.p_session_end ? { date: cols.p_session_date, end: cols.p_session_end } : null;
  return { progress, noShow: isNoShow(progress, session, now), bookedDate: cols.p_session_date, paid: facts.paid };
}

function wallClock(deps: ServiceDeps, campaign: CampaignDefinition): WallClock {
  return campaignWallClock(deps.clock(), campaign.timezone);
}

function toListItem(row: StudentRow, principal: Principal, campaign: CampaignDefinition, now: WallClock, cols?: StudentProgressColumns): StudentListItem {
  const full = seesFullNames(principal);
  return {
    id: row.id,
    studentNo: row.student_no,
    name: full ? row.name : maskName(row.name),
    nameMasked: !full,
    department: row.department,
    level: row.level as StudentListItem['level'],
    certificate: row.certificate as StudentListItem['certificate'],
    expectedTerm: row.expected_term,
    finish: row.finish as StudentListItem['finish'],
    employed: row.employed === 1,
    decision: row.decision as Decision,
    rule: row.rule as EligibilityRule | null,
    site: row.site as StudentListItem['site'],
    // The same sentence for student, secretary and admin (docs/rules/campaign-rules.md: every decision shown with its rule).
    reason: decisionOf(row, campaign).reason,
    ...progressView(row, cols, now),
  };
}

function scopedFilter(principal: Principal, campaignId: string): StudentListFilter {
  const scope = studentScope(principal);
  if (scope.kind === 'departments') return { campaignId, departments: scope.departments };
  if (scope.kind === 'self') return { campaignId, studentNo: scope.studentNo ?? '\u0000' };
  return { campaignId };
}

function requirePrincipal(actor: Actor): Principal {
  if (!actor.principal) throw new AppError('UNAUTHENTICATED');
  return actor.principal;
}

export async function listStudents(deps: ServiceDeps, actor: Actor, query: StudentListQuery): Promise<z.infer<typeof StudentListSchema>> {
  const principal = requirePrincipal(actor);
  if (!hasPermission(principal, 'student.list')) throw new AppError('FORBIDDEN');
  const campaign = await getActiveCampaign(deps);
  const now = wallClock(deps, campaign);
  const filter: StudentListFilter = { ...scopedFilter(principal, campaign.id), ...pickFilters(query), searchNames: seesFullNames(principal), asOf: now };
  const { rows, total } = await studentRepo.listStudents(deps.db.db, filter, query.page, query.pageSize);
  return { items: rows.map((r) => toListItem(r, principal, campaign, now, r)), total, page: query.page, pageSize: query.pageSize };
}

function pickFilters(q: Partial<StudentListQuery>) {
  return {
    department: q.department,
    decision: q.decision,
    rule: q.rule,
    site: q.site,
    q: q.q || undefined,
    progress: q.progress,
    paid: q.paid === undefined ? undefined : q.paid === 'true',
  };
}

/** Loads a student the principal may see; a refused look is recorded (who tried to see whom). */
async function getVisibleStudent(deps: ServiceDeps, actor: Actor, id: string): Promise<{ row: StudentRow; principal: Principal }> {
  const principal = requirePrincipal(actor);
  if (!hasPermission(principal, 'student.read')) throw new AppError('FORBIDDEN');
  const row = await studentRepo.findStudentById(deps.db.db, id);
  if (!row) throw new AppError('STUDENT_NOT_FOUND');
  if (!canSeeStudent(principal, { department: row.department, studentNo: row.student_no })) {
    await recordAuditEvent(deps, actor, { action: 'student.access_denied', result: 'denied', targetType: 'student', targetId: id });
    throw new AppError('FORBIDDEN');
  }
  return { row, principal };
}

export async function getStudent(deps: ServiceDeps, actor: Actor, id: string): Promise<StudentDetail> {
  const { row, principal } = await getVisibleStudent(deps, actor, id);
  const campaign = await getActiveCampaign(deps);
  const contact = seesContactDetails(principal);
  const isAdmin = hasPermission(principal, 'student.nationalId.read');
  const now = wallClock(deps, campaign);
  const cols = await studentRepo.findProgressColumns(deps.db.db, row.campaign_id, row.id, now);
  return {
    ...toListItem(row, principal, campaign, now, cols),
    studyCity: row.study_city as StudentDetail['studyCity'],
    priorCaptureTerm: row.prior_capture_term,
    deferredTo: row.deferred_to,
    convertingFromCompletion: row.converting_from_completion === 1,
    departmentDay: findDepartmentDay(campaign, row.department) ?? null,
    // The mask was stored at import: showing it decrypts nothing (the full number: revealNationalId).
    nationalIdMasked: isAdmin ? row.national_id_mask : null,
    email: contact ? row.email : null,
    phone: contact ? row.phone : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The full national ID number, for admins only; every read is an audit event (A3). */
export async function revealNationalId(deps: ServiceDeps, actor: Actor, id: string): Promise<{ nationalId: string | null }> {
  const { row, principal } = await getVisibleStudent(deps, actor, id);
  if (!hasPermission(principal, 'student.nationalId.read')) {
    await recordAuditEvent(deps, actor, { action: 'student.access_denied', result: 'denied', targetType: 'student', targetId: id, details: { field: 'nationalId' } });
    throw new AppError('FORBIDDEN');
  }
  const nationalId = row.national_id_enc ? deps.cipher.decrypt(row.national_id_enc) : null;
  await recordAuditEvent(deps, actor, { action: 'student.national_id_viewed', targetType: 'student', targetId: id });
  return { nationalId };
}

const DECISION_LABELS: Record<string, string> = { required: '须采集', excluded: '不参加', 'not-in-campaign': '非本批次' };
const PROGRESS_LABELS: Record<ProgressState, string> = { 'not-booked': '未预约', booked: '已预约', 'checked-in': '已签到', photographed: '已拍摄', confirmed: '已确认' };

/** The export's progress cell: the state, a missed session named; empty for students who are not required. */
function progressLabel(item: Pick<StudentListItem, 'progress' | 'noShow'>): string {
  if (!item.progress) return '';
  return item.noShow ? '已预约，未到场' : PROGRESS_LABELS[item.progress];
}

/** XLSX of the students a principal may see; formula-like cells are neutralised by the writer. */
export async function exportStudentsXlsx(deps: ServiceDeps, actor: Actor, query: z.infer<typeof StudentExportQuerySchema>): Promise<{ fileName: string; body: Buffer; rows: number }> {
  const principal = requirePrincipal(actor);
  if (!hasPermission(principal, 'student.export')) throw new AppError('FORBIDDEN');
  const campaign = await getActiveCampaign(deps);
  // Only the campaign's own departments (issue 8 finding 10): anything else is named back, never written.
  if (query.department && !listDepartments(campaign).includes(query.department)) {
    throw new AppError('DEPARTMENT_UNKNOWN', { params: { department: query.department.slice(0, 80) } });
  }
  const scope = scopedFilter(principal, campaign.id);
  if (query.department && scope.departments && !scope.departments.includes(query.department)) {
    await recordAuditEvent(deps, actor, { action: 'student.access_denied', result: 'denied', targetType: 'department', targetId: query.department });
    throw new AppError('FORBIDDEN');
  }
  const rows: Record<string, string | number | null>[] = [];
  const now = wallClock(deps, campaign);
  const filter: StudentListFilter = { ...scope, ...pickFilters({ department: query.department, decision: query.decision, progress: query.progress, paid: query.paid }), asOf: now };
  for await (const row of studentRepo.iterateStudents(deps.db.db, filter)) {
    const item = toListItem(row, principal, campaign, now, row);
    rows.push({
      studentNo: item.studentNo,
      name: item.name,
      department: item.department,
      level: item.level === 'doctor' ? '博士' : '硕士',
      certificate: item.certificate === 'dual' ? '双证' : '单证',
      expectedTerm: item.expectedTerm,
      finish: item.finish === 'complete' ? '结业' : '毕业',
      decision: DECISION_LABELS[item.decision] ?? item.decision,
      rule: item.rule ?? '',
      reason: item.reason.zh,
      day: findDepartmentDay(campaign, item.department) ?? '',
      progress: progressLabel(item),
      bookedDate: item.bookedDate ?? '',
      paid: item.progress ? (item.paid ? '是' : '否') : item.paid ? '是' : '',
      email: seesContactDetails(principal) ? row.email : null,
      phone: seesContactDetails(principal) ? row.phone : null,
    });
  }
  const body = await writeXlsx([
    {
      name: query.department || '学生名单',
      columns: [
        { header: '学号', key: 'studentNo', width: 14 },
        { header: '姓名', key: 'name', width: 12 },
        { header: '院系', key: 'department', width: 20 },
        { header: '层次', key: 'level', width: 8 },
        { header: '证书类型', key: 'certificate', width: 10 },
        { header: '预计毕业时间', key: 'expectedTerm', width: 12 },
        { header: '毕业类型', key: 'finish', width: 10 },
        { header: '采集资格', key: 'decision', width: 10 },
        { header: '依据', key: 'rule', width: 6 },
        { header: '说明', key: 'reason', width: 60 },
        { header: '院系采集日', key: 'day', width: 12 },
        { header: '采集进度', key: 'progress', width: 14 },
        { header: '预约日期', key: 'bookedDate', width: 12 },
        { header: '已缴费', key: 'paid', width: 8 },
        { header: '邮箱', key: 'email', width: 24 },
        { header: '手机', key: 'phone', width: 14 },
      ],
      rows,
    },
  ]);
  await recordAuditEvent(deps, actor, { action: 'students.exported', targetType: 'department', targetId: query.department ?? null, details: { rows: rows.length } });
  // The file name carries no personal data (A3): the department name and the date only.
  const date = deps.clock().toISOString().slice(0, 10);
  return { fileName: `students-${date}.xlsx`, body, rows: rows.length };
}
