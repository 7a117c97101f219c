import crypto from 'node:crypto';
import type { RosterApplyResult, RosterChange, RosterError, RosterPreview, RosterRemovals, RosterSummary } from '../contracts/roster.js';
import type { RosterSource } from '../adapters/roster-file.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import type { Decision, EligibilityRule } from '../domain/eligibility.js';
import { decideEligibility } from '../domain/eligibility.js';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { maskNationalId } from '../domain/national-id.js';
import type { RosterField, RosterIssue, RosterStudent } from '../domain/roster.js';
import { ROSTER_FIELD_NOTES, ROSTER_FIELDS } from '../domain/roster.js';
import { writeXlsx } from '../adapters/xlsx-export.js';
import * as campaignRepo from '../repositories/campaign.repository.js';
import * as importRepo from '../repositories/roster-import.repository.js';
import type { NewStudentRow, StudentRow } from '../repositories/student.repository.js';
import * as studentRepo from '../repositories/student.repository.js';
import { mutate } from './change.js';
import { flagInvalidConfirmedPhotos } from './photo-validity.js';
import { getActiveCampaign } from './campaign.service.js';
import type { ParsedRosterStudent, ParsedRosterSummary, ParseRosterOptions, ProgressListener } from './roster-parse.js';
import { parseRosterInWorker } from './roster-worker.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { assertCampaignOpen } from './campaign-close.service.js';

export type { RosterSource } from '../adapters/roster-file.js';
export type { ParsedRosterStudent, ProgressListener } from './roster-parse.js';

/** At most this many students per list in a preview; the summary has the full counts. */
const MAX_LISTED_CHANGES = 1_000;

export interface ParsedRoster extends ParsedRosterSummary {
  students: Map<string, ParsedRosterStudent>;
}

/**
 * Reads and validates a whole roster file in the roster worker thread (roster-worker.ts), streaming
 * it row by row. Every problem is collected (not only the first): the caller decides nothing is
 * written unless there are none (all-or-nothing).
 */
export async function parseRoster(source: RosterSource, campaign: CampaignDefinition, opts: ParseRosterOptions = {}): Promise<ParsedRoster> {
  const { summary, students } = await parseRosterInWorker(source, campaign, opts);
  return { ...summary, students };
}

/** The errors in one language; values come shortened and ID numbers masked from the domain (finding M4). */
export function translateIssues(issues: RosterIssue[], lang: Lang): RosterError[] {
  return issues.map((i) => ({ row: i.row, column: i.column, value: i.value?.[lang] ?? null, message: i.message[lang] }));
}

/** `gradphoto eligibility FILE`: decides a roster without storing anything. */
export async function decideRosterFile(source: RosterSource, campaign: CampaignDefinition) {
  const parsed = await parseRoster(source, campaign);
  const items = [...parsed.students.values()]
    .sort((a, b) => a.row - b.row)
    .map(({ student, decision }) => ({ studentNo: student.studentNo, decision: decision.decision, rule: decision.rule, site: decision.site }));
  return { parsed, items };
}

// ---- comparing a roster with what is stored -------------------------------------------------------

const COMPARED_FIELDS: [RosterField, keyof StudentRow][] = [
  ['name', 'name'],
  ['department', 'department'],
  ['level', 'level'],
  ['certificate', 'certificate'],
  ['expectedTerm', 'expected_term'],
  ['finish', 'finish'],
  ['employed', 'employed'],
  ['studyCity', 'study_city'],
  ['priorCaptureTerm', 'prior_capture_term'],
  ['deferredTo', 'deferred_to'],
  ['convertingFromCompletion', 'converting_from_completion'],
  ['nationalId', 'national_id_hmac'],
  ['email', 'email'],
  ['phone', 'phone'],
];

function toColumnValue(field: RosterField, student: RosterStudent, nationalIdHmac: string | null): string | number | null {
  if (field === 'nationalId') return nationalIdHmac;
  const v = student[field];
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

const HASHED_FIELDS: RosterField[] = [
  'studentNo', 'name', 'department', 'level', 'certificate', 'expectedTerm', 'finish', 'employed', 'studyCity',
  'priorCaptureTerm', 'deferredTo', 'convertingFromCompletion', 'nationalId', 'email', 'phone',
];

/** A digest of the stored facts of a row (the ID number by its keyed hash): equal digests = nothing to update. */
function rowHashOf(student: RosterStudent, nationalIdHmac: string | null): string {
  const parts = HASHED_FIELDS.map((f) => (f === 'nationalId' ? nationalIdHmac : student[f]) ?? '\u0000');
  return crypto.createHash('sha256').update(parts.join('\u001f')).digest('hex');
}

interface PlannedChange {
  incoming: ParsedRosterStudent | null;
  existing: StudentRow | null;
  nationalIdHmac: string | null;
  rowHash: string;
  fields: RosterChange['fields'];
}

interface RosterPlan {
  added: PlannedChange[];
  changed: PlannedChange[];
  removed: PlannedChange[];
  summary: RosterSummary;
  /** students stored (not removed) before this import */
  stored: number;
}

/**
 * Share of the stored students an import may remove without a second, explicit confirmation of the
 * count (issue 8 finding 13): a roster exported with a filter on (one department, one level) would
 * otherwise silently remove everybody else.
 */
export const REMOVAL_CONFIRMATION_SHARE = 0.2;

function removalsOf(plan: RosterPlan): RosterRemovals {
  const count = plan.removed.length;
  return {
    count,
    stored: plan.stored,
    thresholdPercent: Math.round(REMOVAL_CONFIRMATION_SHARE * 100),
    needsConfirmation: count > 0 && count > plan.stored * REMOVAL_CONFIRMATION_SHARE,
  };
}

function refuseUnconfirmedRemovals(plan: RosterPlan, confirmRemovals: number | undefined): void {
  const r = removalsOf(plan);
  if (!r.needsConfirmation || confirmRemovals === r.count) return;
  const percent = Math.round((r.count / r.stored) * 1000) / 10;
  throw new AppError('ROSTER_REMOVES_MANY', {
    params: { count: r.count, total: r.stored, percent, threshold: r.thresholdPercent },
    details: { removals: r.count, stored: r.stored, thresholdPercent: r.thresholdPercent, confirmRemovals: confirmRemovals ?? null },
  });
}

function planRosterChanges(parsed: ParsedRoster, existingRows: StudentRow[], deps: Pick<ServiceDeps, 'cipher'>, keepMissing = false): RosterPlan {
  const existingByNo = new Map(existingRows.map((r) => [r.student_no, r]));
  const plan: RosterPlan = {
    added: [],
    changed: [],
    removed: [],
    summary: { rows: parsed.students.size, added: 0, changed: 0, removed: 0, unchanged: 0, decisionChanged: 0 },
    stored: existingRows.filter((r) => !r.removed_at).length,
  };
  for (const incoming of parsed.students.values()) {
    const s = incoming.student;
    const hmac = s.nationalId ? deps.cipher.keyedHash(s.nationalId) : null;
    const rowHash = rowHashOf(s, hmac);
    const existing = existingByNo.get(s.studentNo) ?? null;
    existingByNo.delete(s.studentNo);
    const d = incoming.decision;
    if (!existing || existing.removed_at) {
      plan.added.push({ incoming, existing, nationalIdHmac: hmac, rowHash, fields: [] });
      continue;
    }
    const sameDecision = existing.decision === d.decision && existing.rule === d.rule && existing.site === d.site;
    if (existing.row_hash === rowHash && sameDecision) {
      plan.summary.unchanged++;
      continue;
    }
    const fields: RosterChange['fields'] = [];
    for (const [field, column] of COMPARED_FIELDS) {
      const before = existing[column] as string | number | null;
      const after = toColumnValue(field, s, hmac);
      if ((before ?? null) !== (after ?? null)) {
        // National ID numbers are never shown in a preview: only that they change.
        const show = (v: string | number | null) => (v === null ? null : field === 'nationalId' ? '******' : String(v));
        fields.push({ field, before: show(before), after: show(after) });
      }
    }
    if (!sameDecision) plan.summary.decisionChanged++;
    plan.changed.push({ incoming, existing, nationalIdHmac: hmac, rowHash, fields });
  }
  for (const existing of keepMissing ? [] : existingByNo.values()) {
    if (!existing.removed_at) plan.removed.push({ incoming: null, existing, nationalIdHmac: null, rowHash: existing.row_hash, fields: [] });
  }
  plan.summary.added = plan.added.length;
  plan.summary.changed = plan.changed.length;
  plan.summary.removed = plan.removed.length;
  return plan;
}

function describeChange(c: PlannedChange): RosterChange {
  const s = c.incoming?.student;
  const e = c.existing;
  return {
    studentNo: s?.studentNo ?? e!.student_no,
    name: s?.name ?? e!.name,
    department: s?.department ?? e!.department,
    fields: c.fields,
    before: e && !e.removed_at ? { decision: e.decision as Decision, rule: e.rule as EligibilityRule | null } : null,
    after: c.incoming ? { decision: c.incoming.decision.decision, rule: c.incoming.decision.rule } : null,
  };
}


/** What an import would change, shown before it is applied; writes nothing. */
export async function previewRosterImport(
  deps: ServiceDeps,
  actor: Actor,
  source: RosterSource,
  fileName: string,
  lang: Lang,
  opts: { maxBytes?: number; onProgress?: ProgressListener } = {},
): Promise<RosterPreview> {
  authorize(actor, 'roster.import');
  const campaign = await getActiveCampaign(deps);
  const parsed = await parseRoster(source, campaign, opts);
  const valid = parsed.issueCount === 0;
  const plan = valid
    ? planRosterChanges(parsed, await studentRepo.listCampaignStudentRows(deps.db.db, campaign.id), deps)
    : { added: [], changed: [], removed: [], stored: 0, summary: { rows: parsed.rows, added: 0, changed: 0, removed: 0, unchanged: 0, decisionChanged: 0 } };
  return {
    fileName,
    sha256: parsed.sha256,
    format: parsed.format,
    encoding: parsed.encoding,
    valid,
    errors: translateIssues(parsed.issues, lang),
    errorCount: parsed.issueCount,
    unknownColumns: parsed.unknownColumns,
    summary: plan.summary,
    added: plan.added.slice(0, MAX_LISTED_CHANGES).map(describeChange),
    changed: plan.changed.slice(0, MAX_LISTED_CHANGES).map(describeChange),
    removed: plan.removed.slice(0, MAX_LISTED_CHANGES).map(describeChange),
    removals: removalsOf(plan),
  };
}

function toStudentColumns(p: PlannedChange, deps: Pick<ServiceDeps, 'cipher'>) {
  const s = p.incoming!.student;
  const d = p.incoming!.decision;
  return {
    student_no: s.studentNo,
    name: s.name,
    department: s.department,
    level: s.level,
    certificate: s.certificate,
    expected_term: s.expectedTerm,
    finish: s.finish,
    employed: s.employed ? 1 : 0,
    study_city: s.studyCity,
    prior_capture_term: s.priorCaptureTerm,
    deferred_to: s.deferredTo,
    converting_from_completion: s.convertingFromCompletion ? 1 : 0,
    // rule A3: the national ID is stored encrypted; only its keyed hash is compared.
    national_id_enc: s.nationalId ? deps.cipher.encrypt(s.nationalId) : null,
    national_id_hmac: p.nationalIdHmac,
    national_id_mask: s.nationalId ? maskNationalId(s.nationalId) : null,
    email: s.email,
    phone: s.phone,
    decision: d.decision,
    rule: d.rule,
    site: d.site,
    row_hash: p.rowHash,
    removed_at: null,
    // a new address is tried again by the reminders even if the old one bounced (issue #3 part 7)
    ...(p.existing && p.existing.email !== s.email ? { email_bounced_at: null } : {}),
  };
}

/**
 * Applies a roster in one transaction: either every row is valid and the roster is written, or nothing
 * is written and every error is listed. Importing the same file again changes nothing.
 */
export async function applyRosterImport(
  deps: ServiceDeps,
  actor: Actor,
  source: RosterSource,
  fileName: string,
  lang: Lang,
  opts: {
    maxBytes?: number;
    onProgress?: ProgressListener;
    keepMissing?: boolean;
    /** the number of students the caller has confirmed this import removes (needed above REMOVAL_CONFIRMATION_SHARE) */
    confirmRemovals?: number | undefined;
  } = {},
): Promise<RosterApplyResult> {
  authorize(actor, 'roster.import');
  const campaign = await getActiveCampaign(deps);
  // a closed campaign's identities were purged (decision 0027): a roster would bring them back
  await assertCampaignOpen(deps.db.db, campaign);
  const parsed = await parseRoster(source, campaign, opts);
  if (parsed.issueCount > 0) {
    throw new AppError('ROSTER_INVALID', {
      params: { count: parsed.issueCount },
      details: { errorCount: parsed.issueCount, errors: translateIssues(parsed.issues, lang) },
    });
  }
  return mutate<RosterApplyResult>(deps, actor, async (tx) => {
    // The campaign row is locked first: imports and changes of terms are serialised, so the decisions
    // written are those of the terms in force now (they may have changed while the file was read), and
    // a concurrent import of the same file waits, then finds nothing to change.
    const current = await campaignRepo.lockActiveCampaign(tx, deps.db.dialect);
    if (current?.id !== campaign.id) throw new AppError('CONFLICT');
    if (JSON.stringify(current) !== JSON.stringify(campaign)) {
      for (const s of parsed.students.values()) s.decision = decideEligibility(s.student, current);
    }
    // The plan is made again inside the transaction: what is written is what is stored now.
    const plan = planRosterChanges(parsed, await studentRepo.listCampaignStudentRows(tx, campaign.id), deps, opts.keepMissing);
    // Checked on the plan made inside the transaction: the confirmed count is the count written.
    refuseUnconfirmedRemovals(plan, opts.confirmRemovals);
    const total = plan.added.length + plan.changed.length + plan.removed.length;
    if (total === 0) {
      return { value: { importId: null, applied: false, summary: plan.summary, unknownColumns: parsed.unknownColumns }, audit: null };
    }
    const now = nowIso(deps);
    // Written in batches as they are built, so that the rows to insert never all sit in memory at once.
    let fresh: NewStudentRow[] = [];
    let done = 0;
    for (const p of plan.added) {
      if (p.existing) await studentRepo.updateStudent(tx, p.existing.id, { ...toStudentColumns(p, deps), updated_at: now });
      else fresh.push({ id: crypto.randomUUID(), campaign_id: campaign.id, ...toStudentColumns(p, deps), created_at: now, updated_at: now });
      if (fresh.length >= studentRepo.INSERT_BATCH) {
        await studentRepo.insertStudents(tx, fresh);
        fresh = [];
      }
      if (++done % 5000 === 0) opts.onProgress?.({ phase: 'write', done, total });
    }
    await studentRepo.insertStudents(tx, fresh);
    for (const p of plan.changed) {
      await studentRepo.updateStudent(tx, p.existing!.id, { ...toStudentColumns(p, deps), updated_at: now });
      if (++done % 5000 === 0) opts.onProgress?.({ phase: 'write', done, total });
    }
    await studentRepo.markStudentsRemoved(
      tx,
      plan.removed.map((p) => p.existing!.id),
      now,
    );
    opts.onProgress?.({ phase: 'write', done: total, total });
    await flagInvalidConfirmedPhotos(tx, deps, actor, campaign.id); // E7
    const importId = crypto.randomUUID();
    await importRepo.insertRosterImport(tx, {
      id: importId,
      campaign_id: campaign.id,
      file_sha256: parsed.sha256,
      file_name: fileName.slice(0, 255),
      format: parsed.format,
      summary: JSON.stringify(plan.summary),
      created_by: actor.principal?.userId ?? null,
      created_at: now,
    });
    return {
      value: { importId, applied: true, summary: plan.summary, unknownColumns: parsed.unknownColumns },
      audit: {
        action: 'roster.imported',
        targetType: 'campaign',
        targetId: campaign.id,
        details: { importId, fileSha256: parsed.sha256, format: parsed.format, ...plan.summary },
      },
    };
  });
}

// ---- the template to download ---------------------------------------------------------------------

/**
 * An empty roster with every accepted column, required ones first (issue 8 finding 13): the .xlsx has
 * the header row on its first sheet and a notes sheet after it (the reader takes the first sheet);
 * the .csv is UTF-8 with a BOM, which Excel opens correctly.
 */
export async function buildRosterTemplate(actor: Actor, format: 'xlsx' | 'csv', lang: Lang): Promise<{ body: Buffer; fileName: string; contentType: string }> {
  authorize(actor, 'roster.import');
  const headers = ROSTER_FIELDS.map((f) => (lang === 'en' ? f.label.en : f.label.zh));
  const base = lang === 'en' ? 'roster-template' : '名单模板';
  if (format === 'csv') {
    return { body: Buffer.from(`\uFEFF${headers.join(',')}\r\n`, 'utf8'), fileName: `${base}.csv`, contentType: 'text/csv; charset=utf-8' };
  }
  const t = (zh: string, en: string) => (lang === 'en' ? en : zh);
  const body = await writeXlsx([
    { name: t('名单', 'Roster'), columns: headers.map((h, i) => ({ header: h, key: `c${i}`, width: Math.max(10, h.length * 2) })), rows: [] },
    {
      name: t('说明', 'Notes'),
      columns: [
        { header: t('列', 'column'), key: 'column', width: 18 },
        { header: t('必填', 'required'), key: 'required', width: 8 },
        { header: t('可用的表头', 'accepted headers'), key: 'headers', width: 36 },
        { header: t('取值', 'values'), key: 'values', width: 60 },
      ],
      rows: ROSTER_FIELDS.map((f) => ({
        column: lang === 'en' ? f.label.en : f.label.zh,
        required: f.required ? t('是', 'yes') : t('否', 'no'),
        headers: f.headers.join(' / '),
        values: ROSTER_FIELD_NOTES[f.field][lang],
      })),
    },
  ]);
  return { body, fileName: `${base}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };
}
