// Invalid photos (E7) and corrections (issue 10 section 4): the list of photos flagged invalid (why in words,
// since when, whether they had been confirmed, and what the registry package did with them — never exported,
// or withdrawn in a later batch's withdrawn.csv), and the list of voided confirmations (who, when, why — an
// admin or the registry's 有误 answer — and whether the student has a confirmed photo since). Read-only: the
// admin sees everything, a secretary their departments. Names are masked for any role without
// `student.name.read` (the agency's roles have no access at all today).
import { writeXlsx } from '../adapters/xlsx-export.js';
import type {
  CorrectionsExportQuery,
  InvalidPhoto,
  InvalidPhotoList,
  InvalidPhotoQuery,
  VoidedConfirmation,
  VoidedConfirmationList,
  VoidedConfirmationQuery,
} from '../contracts/corrections.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { invalidReasonText, registryStatusOf, registryStatusText } from '../domain/corrections.js';
import type { Lang } from '../domain/i18n.js';
import { maskName } from '../domain/masking.js';
import { seesFullNames } from '../domain/permissions.js';
import { wallClockText } from '../domain/wall-clock.js';
import * as correctionsRepo from '../repositories/corrections.repository.js';
import { recordAuditEvent } from './audit.service.js';
import { getActiveCampaign } from './campaign.service.js';
import { checkDepartment, visibleDepartments } from './dashboard.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';

function nameFor(actor: Actor): (name: string) => string {
  return actor.principal && !seesFullNames(actor.principal) ? maskName : (n) => n;
}

function registryOf(exportedIn: string | null, withdrawnIn: string | null, lang: Lang): InvalidPhoto['registry'] {
  const status = registryStatusOf(exportedIn, withdrawnIn);
  return {
    kind: status.kind,
    exportedIn: status.kind === 'never' ? null : status.exportedIn,
    withdrawnIn: status.kind === 'withdrawn' ? status.withdrawnIn : null,
    text: registryStatusText(status, lang),
  };
}

async function scope(deps: ServiceDeps, actor: Actor, department: string | undefined): Promise<{ campaign: CampaignDefinition; filter: correctionsRepo.CorrectionsFilter }> {
  authorize(actor, 'corrections.read');
  const campaign = await getActiveCampaign(deps);
  if (department) await checkDepartment(deps, actor, campaign, department, await correctionsRepo.listRosterDepartments(deps.db.db, campaign.id));
  return { campaign, filter: { campaignId: campaign.id, departments: visibleDepartments(actor) ?? undefined, department } };
}

/** listInvalidPhotos: every photo flagged invalid (E7), newest flag first. */
export async function listInvalidPhotos(deps: ServiceDeps, actor: Actor, query: InvalidPhotoQuery, lang: Lang): Promise<InvalidPhotoList> {
  const { filter } = await scope(deps, actor, query.department);
  const name = nameFor(actor);
  const rows = await correctionsRepo.listInvalidPhotos(deps.db.db, { ...filter, reason: query.reason });
  const items = rows.map(
    (r): InvalidPhoto => ({
      photoId: r.photo_id,
      studentNo: r.student_no,
      name: name(r.name),
      department: r.department,
      reason: r.invalid_reason,
      reasonText: invalidReasonText(r.invalid_reason, lang),
      since: r.invalid_at ?? r.created_at,
      photographedAt: r.created_at,
      wasConfirmed: r.confirmed_at !== null,
      confirmedAt: r.confirmed_at,
      confirmationVoided: r.voided_at !== null,
      registry: registryOf(r.exported_in, r.withdrawn_in, lang),
    }),
  );
  return { items, total: items.length };
}

/** listVoidedConfirmations: every voided confirmation (C3), newest first, with who, why and what came since. */
export async function listVoidedConfirmations(deps: ServiceDeps, actor: Actor, query: VoidedConfirmationQuery, lang: Lang): Promise<VoidedConfirmationList> {
  const { filter } = await scope(deps, actor, query.department);
  const name = nameFor(actor);
  const rows = await correctionsRepo.listVoidedConfirmations(deps.db.db, { ...filter, kind: query.kind, open: query.open === undefined ? undefined : query.open === 'true' });
  const items = rows.map(
    (r): VoidedConfirmation => ({
      confirmationId: r.confirmation_id,
      photoId: r.photo_id,
      studentNo: r.student_no,
      name: name(r.name),
      department: r.department,
      confirmedAt: r.confirmed_at,
      voidedAt: r.voided_at,
      voidedBy: r.voided_by_name,
      reason: r.void_reason ?? '',
      kind: r.registry_answer_id ? 'registry' : 'manual',
      newConfirmedAt: r.new_confirmed_at,
      registry: registryOf(r.exported_in, r.withdrawn_in, lang),
    }),
  );
  return { items, total: items.length };
}

/** A time as the campaign's wall clock, `YYYY-MM-DD HH:MM` (Asia/Shanghai), for the spreadsheet. */
function wallClock(iso: string | null, timeZone: string): string | null {
  if (!iso) return null;
  return wallClockText(iso, timeZone);
}

/**
 * exportCorrections: the two lists as XLSX (one sheet each, or the one asked for), Chinese texts and
 * bilingual headers. Audited (`corrections.exported`, counts only). No personal data in the file name.
 */
export async function exportCorrections(deps: ServiceDeps, actor: Actor, query: CorrectionsExportQuery): Promise<{ fileName: string; body: Buffer }> {
  const { campaign } = await scope(deps, actor, query.department);
  const tz = campaign.timezone;
  const yes = '是 Yes';
  const no = '否 No';
  const sheets = [];
  let invalidCount = 0;
  let voidedCount = 0;
  if (query.list !== 'voided') {
    const list = await listInvalidPhotos(deps, actor, { department: query.department }, 'zh');
    invalidCount = list.total;
    sheets.push({
      name: '无效照片 Invalid photos (E7)',
      columns: [
        { header: '学号 Student no.', key: 'studentNo', width: 14 },
        { header: '姓名 Name', key: 'name', width: 12 },
        { header: '院系 Department', key: 'department', width: 22 },
        { header: '规则 Rule', key: 'reason', width: 10 },
        { header: '原因 Why', key: 'reasonText', width: 44 },
        { header: '标记时间 Flagged at', key: 'since', width: 18 },
        { header: '曾确认 Had been confirmed', key: 'confirmed', width: 14 },
        { header: '确认时间 Confirmed at', key: 'confirmedAt', width: 18 },
        { header: '上传学信网 Registry', key: 'registry', width: 60 },
      ],
      rows: list.items.map((r) => ({
        studentNo: r.studentNo,
        name: r.name,
        department: r.department,
        reason: r.reason,
        reasonText: r.reasonText,
        since: wallClock(r.since, tz),
        confirmed: r.wasConfirmed ? yes : no,
        confirmedAt: wallClock(r.confirmedAt, tz),
        registry: r.registry.text,
      })),
    });
  }
  if (query.list !== 'invalid') {
    const list = await listVoidedConfirmations(deps, actor, { department: query.department }, 'zh');
    voidedCount = list.total;
    sheets.push({
      name: '撤销确认 Voided confirmations',
      columns: [
        { header: '学号 Student no.', key: 'studentNo', width: 14 },
        { header: '姓名 Name', key: 'name', width: 12 },
        { header: '院系 Department', key: 'department', width: 22 },
        { header: '确认时间 Confirmed at', key: 'confirmedAt', width: 18 },
        { header: '撤销时间 Voided at', key: 'voidedAt', width: 18 },
        { header: '撤销人 Voided by', key: 'voidedBy', width: 14 },
        { header: '来源 Kind', key: 'kind', width: 16 },
        { header: '原因 Reason', key: 'reason', width: 40 },
        { header: '此后重新确认 Confirmed again at', key: 'newConfirmedAt', width: 20 },
        { header: '上传学信网 Registry', key: 'registry', width: 60 },
      ],
      rows: list.items.map((r) => ({
        studentNo: r.studentNo,
        name: r.name,
        department: r.department,
        confirmedAt: wallClock(r.confirmedAt, tz),
        voidedAt: wallClock(r.voidedAt, tz),
        voidedBy: r.voidedBy ?? '系统 System',
        kind: r.kind === 'registry' ? '学信网有误 Registry' : '管理员 Admin',
        reason: r.reason,
        newConfirmedAt: wallClock(r.newConfirmedAt, tz) ?? '尚无 None yet',
        registry: r.registry.text,
      })),
    });
  }
  const body = await writeXlsx(sheets);
  await recordAuditEvent(deps, actor, { action: 'corrections.exported', targetType: 'corrections', targetId: query.department ?? null, details: { list: query.list, invalid: invalidCount, voided: voidedCount } });
  return { fileName: `corrections-${new Date(deps.clock()).toISOString().slice(0, 10)}.xlsx`, body };
}
