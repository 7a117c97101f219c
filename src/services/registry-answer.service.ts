// The registry's answer to the packages (issue 10 section 1, rule A1; docs/decisions/0024-registry-answer.md).
//
// The registry (学信网) answers, per student, whether the photo it received is accepted or 有误. The answer file
// (CSV in UTF-8 / GB18030, or XLSX: read by the roster reader with its size and bomb limits) names the student
// number and the status; the answer is about the student's latest photo in a delivered batch. A file with any
// bad row is refused whole, every bad row listed; otherwise one change stores the new answers (one row per
// photo: the same answer again is "already known"), voids the confirmation of every 有误 photo (the student then
// needs a make-up, S6) and writes one audit event. The re-take list follows from the stored answers.
import crypto from 'node:crypto';
import type { RosterFileRow } from '../adapters/roster-file.js';
import { openRosterFile } from '../adapters/roster-file.js';
import { writeXlsx } from '../adapters/xlsx-export.js';
import type { RegistryAnswerImport, RegistryAnswerRowError, Retake } from '../contracts/registry-answer.js';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { maskName } from '../domain/masking.js';
import { campaignDateTime } from '../domain/prints.js';
import { scrubNationalIds } from '../domain/national-id.js';
import { seesFullNames, studentScope } from '../domain/permissions.js';
import type { AnswerRowProblem, RegistryAnswerStatus } from '../domain/registry-answer.js';
import { describeAnswerProblem, findAnswerColumns, normaliseStudentNo, parseAnswerStatus, REGISTRY_VOID_REASON } from '../domain/registry-answer.js';
import * as photoRepo from '../repositories/photo.repository.js';
import type { RegistryAnswerImportRow } from '../repositories/registry-answer.repository.js';
import * as repo from '../repositories/registry-answer.repository.js';
import { lockStudent } from '../repositories/student.repository.js';
import { assertCampaignOpen, assertCampaignOpenForWrite } from './campaign-close.service.js';
import { getActiveCampaign } from './campaign.service.js';
import { mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';

/** An answer file is a list of student numbers: 20 MB is far above 100,000 rows. */
export const MAX_ANSWER_BYTES = 20 * 1024 * 1024;
/** Rows of an answer file (a campaign has at most tens of thousands of students). */
export const MAX_ANSWER_ROWS = 200_000;
/** Bad rows listed in the refusal (the count says how many there are in all). */
const MAX_LISTED_ERRORS = 1000;
/** Rows above the header a file may have (a title, a date line). */
const HEADER_SCAN_ROWS = 20;

export function toAnswerImport(row: RegistryAnswerImportRow): RegistryAnswerImport {
  return {
    id: row.id,
    fileName: row.file_name,
    fileSha256: row.file_sha256,
    rows: row.row_count,
    accepted: row.accepted_count,
    rejected: row.rejected_count,
    alreadyKnown: row.known_count,
    voided: row.voided_count,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

interface AnswerLine {
  row: number;
  studentNo: string;
  value: string;
  status: RegistryAnswerStatus;
}

/** Reads the file into rows: the header is the first row (of the first 20) naming a student-number column. */
async function readAnswerRows(buffer: Buffer): Promise<{ lines: AnswerLine[]; problems: AnswerRowProblem[]; rowCount: number }> {
  const file = await openRosterFile({ buffer }, { maxBytes: MAX_ANSWER_BYTES, limits: { maxRows: MAX_ANSWER_ROWS, maxColumns: 100 }, what: 'file-registry-answer' });
  let columns = findAnswerColumns(file.headers);
  let headerFound = columns.studentNo >= 0;
  const firstHeaders = file.headers;
  const data: RosterFileRow[] = [];
  for await (const r of file.rows) {
    if (!headerFound && data.length < HEADER_SCAN_ROWS) {
      const c = findAnswerColumns(r.cells);
      if (c.studentNo >= 0) {
        columns = c;
        headerFound = true;
        data.length = 0;
        continue;
      }
    }
    data.push(r);
  }
  const shown = firstHeaders.filter((h) => h !== '').slice(0, 8).join(', ').slice(0, 200);
  if (!headerFound) throw new AppError('REGISTRY_ANSWER_NO_STUDENT_COLUMN', { params: { headers: shown } });
  if (columns.status < 0) throw new AppError('REGISTRY_ANSWER_NO_STATUS_COLUMN', { params: { headers: shown } });
  if (data.length === 0) throw new AppError('REGISTRY_ANSWER_EMPTY');

  const lines: AnswerLine[] = [];
  const problems: AnswerRowProblem[] = [];
  for (const r of data) {
    const studentNo = normaliseStudentNo(r.cells[columns.studentNo] ?? '');
    const value = (r.cells[columns.status] ?? '').trim();
    if (studentNo === '') {
      problems.push({ row: r.row, studentNo: '', value, problem: 'student-no-missing' });
      continue;
    }
    const status = parseAnswerStatus(value);
    if (!status) {
      problems.push({ row: r.row, studentNo, value: value.slice(0, 60), problem: 'status-unknown' });
      continue;
    }
    lines.push({ row: r.row, studentNo, value, status });
  }
  return { lines, problems, rowCount: data.length };
}

function refuse(problems: AnswerRowProblem[], lang: Lang): never {
  problems.sort((a, b) => a.row - b.row);
  const errors: RegistryAnswerRowError[] = problems.slice(0, MAX_LISTED_ERRORS).map((p) => ({ row: p.row, studentNo: p.studentNo, value: p.value, problem: p.problem, message: describeAnswerProblem(p, lang) }));
  throw new AppError('REGISTRY_ANSWER_INVALID', { params: { count: problems.length }, details: { errorCount: problems.length, errors } });
}

/**
 * Imports the registry's answer file: all rows or nothing. Refused with every bad row listed when a student
 * number is empty or not on the roster, a status is not understood, a student was never exported, the file says
 * two different things about a student, or contradicts an answer stored before about the same photo.
 */
export async function importRegistryAnswer(deps: ServiceDeps, actor: Actor, input: { buffer: Buffer; fileName: string }, lang: Lang): Promise<RegistryAnswerImport> {
  authorize(actor, 'export.manage');
  const campaign = await getActiveCampaign(deps);
  const db = deps.db.db;
  await assertCampaignOpen(db, campaign);
  const { lines, problems, rowCount } = await readAnswerRows(input.buffer);

  // the same student twice: once if the rows agree, refused (both rows named) if they do not
  const byNo = new Map<string, AnswerLine>();
  for (const l of lines) {
    const first = byNo.get(l.studentNo);
    if (!first) byNo.set(l.studentNo, l);
    else if (first.status !== l.status) problems.push({ row: l.row, studentNo: l.studentNo, value: l.value, problem: 'conflicting-rows', other: String(first.row) });
  }
  const students = await repo.listStudentsByNo(db, campaign.id, [...byNo.keys()]);
  const onRoster = [...byNo.values()].filter((l) => {
    const s = students.get(l.studentNo);
    if (s && s.removed_at === null) return true;
    problems.push({ row: l.row, studentNo: l.studentNo, value: l.value, problem: 'not-on-roster' });
    return false;
  });
  const latest = await repo.listLatestExportedPhotos(db, campaign.id, onRoster.map((l) => students.get(l.studentNo)!.id));
  const exported = onRoster.filter((l) => {
    if (latest.has(students.get(l.studentNo)!.id)) return true;
    problems.push({ row: l.row, studentNo: l.studentNo, value: l.value, problem: 'never-exported' });
    return false;
  });
  const earlier = await repo.listAnswersOfPhotos(db, exported.map((l) => latest.get(students.get(l.studentNo)!.id)!.photo_id));
  let known = 0;
  const fresh: { line: AnswerLine; studentId: string; photo: repo.LatestExportedPhotoRow }[] = [];
  for (const l of exported) {
    const studentId = students.get(l.studentNo)!.id;
    const photo = latest.get(studentId)!;
    const before = earlier.get(photo.photo_id);
    if (!before) fresh.push({ line: l, studentId, photo });
    else if (before.status === l.status) known++;
    else problems.push({ row: l.row, studentNo: l.studentNo, value: l.value, problem: 'already-answered-differently', other: before.created_at.slice(0, 10) });
  }
  if (problems.length > 0) refuse(problems, lang);

  const id = crypto.randomUUID();
  const fileName = scrubNationalIds(input.fileName).slice(0, 200) || 'answer';
  const fileSha256 = crypto.createHash('sha256').update(input.buffer).digest('hex');
  return mutate(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const at = nowIso(deps);
    const voided: { studentId: string; photoId: string; confirmationId: string }[] = [];
    const rows = fresh.map(({ line, studentId, photo }) => ({
      id: crypto.randomUUID(),
      campaign_id: campaign.id,
      import_id: id,
      student_id: studentId,
      photo_id: photo.photo_id,
      export_id: photo.export_id,
      status: line.status,
      voided_confirmation_id: null as string | null,
      created_at: at,
    }));
    for (const r of rows) {
      if (r.status !== 'rejected') continue;
      // 有误: the confirmation of the photo the registry refused is voided (C3), so the student needs a make-up
      // (S6) and their next confirmed photo goes in the next batch; a newer confirmed photo is left alone.
      await lockStudent(tx, deps.db.dialect, r.student_id);
      const active = await photoRepo.findActiveConfirmationOfStudent(tx, r.student_id);
      if (active?.photo_id === r.photo_id && (await photoRepo.voidConfirmation(tx, active.id, actor.principal?.userId ?? null, REGISTRY_VOID_REASON, at))) {
        r.voided_confirmation_id = active.id;
        voided.push({ studentId: r.student_id, photoId: r.photo_id, confirmationId: active.id });
      }
    }
    const accepted = rows.filter((r) => r.status === 'accepted').length;
    const row: RegistryAnswerImportRow = {
      id,
      campaign_id: campaign.id,
      file_name: fileName,
      file_sha256: fileSha256,
      row_count: rowCount,
      accepted_count: accepted,
      rejected_count: rows.length - accepted,
      known_count: known,
      voided_count: voided.length,
      created_by: actor.principal?.username ?? actor.system?.label ?? null,
      created_at: at,
    };
    await repo.insertAnswerImport(tx, row);
    try {
      await repo.insertAnswers(tx, rows);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      // another import of an answer about the same photo committed meanwhile: nothing of this one is kept
      if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') throw new AppError('CONFLICT');
      throw e;
    }
    return {
      value: toAnswerImport(row),
      // one event for the import; the confirmations it voided are named (ids only, no personal data)
      audit: {
        action: 'registry.answer_imported',
        targetType: 'registry_answer_import',
        targetId: id,
        details: { file: fileName, sha256: fileSha256, rows: rowCount, accepted, rejected: rows.length - accepted, alreadyKnown: known, voided: voided.length, voidedConfirmations: voided, reason: REGISTRY_VOID_REASON },
      },
    };
  });
}

export async function listRegistryAnswerImports(deps: ServiceDeps, actor: Actor): Promise<{ items: RegistryAnswerImport[] }> {
  authorize(actor, 'export.manage');
  const campaign = await getActiveCampaign(deps);
  return { items: (await repo.listAnswerImports(deps.db.db, campaign.id)).map(toAnswerImport) };
}

/** The re-take list: students whose latest answer is 有误 and who have no confirmed photo since (→ make-up). */
export async function listRetakes(deps: ServiceDeps, actor: Actor): Promise<{ items: Retake[] }> {
  authorize(actor, 'retake.read');
  const campaign = await getActiveCampaign(deps);
  const scope = actor.principal ? studentScope(actor.principal) : { kind: 'all' as const };
  if (scope.kind === 'self') throw new AppError('FORBIDDEN');
  const rows = await repo.listRetakes(deps.db.db, campaign.id, scope.kind === 'departments' ? scope.departments : undefined);
  const full = !actor.principal || seesFullNames(actor.principal);
  return {
    items: rows.map((r) => ({
      studentNo: r.student_no,
      name: full ? r.name : maskName(r.name),
      department: r.department,
      answeredAt: r.answered_at,
      bookedAt: r.booked_at,
      rephotographedAt: r.rephotographed_at,
    })),
  };
}

/** The re-take list as XLSX (names as the caller may see them); audited: the file holds names. */
export async function exportRetakes(deps: ServiceDeps, actor: Actor): Promise<{ fileName: string; body: Buffer }> {
  const { items } = await listRetakes(deps, actor);
  // times in the sheet are the campaign's wall clock (2026-12-03 20:19), as on the page, not UTC ISO strings
  const { timezone } = await getActiveCampaign(deps);
  const at = (iso: string | null) => (iso ? campaignDateTime(iso, timezone) : '');
  const body = await writeXlsx([
    {
      name: '重拍名单 Re-takes',
      columns: [
        { header: '学号 Student no.', key: 'studentNo', width: 14 },
        { header: '姓名 Name', key: 'name', width: 12 },
        { header: '院系 Department', key: 'department', width: 22 },
        { header: '学信网反馈有误 Answered 有误', key: 'answeredAt', width: 22 },
        { header: '已预约 Booked', key: 'bookedAt', width: 22 },
        { header: '已重拍（待确认）Re-photographed', key: 'rephotographedAt', width: 22 },
      ],
      rows: items.map((i) => ({ ...i, answeredAt: at(i.answeredAt), bookedAt: at(i.bookedAt), rephotographedAt: at(i.rephotographedAt) })),
    },
  ]);
  await mutate(deps, actor, async () => ({ value: undefined, audit: { action: 'registry.retakes_exported', targetType: 'registry_answer_import', targetId: null, details: { count: items.length } } }));
  // named by the campaign's day (at 07:30 in Beijing, that day; not UTC's, still the day before)
  const day = campaignDateTime(nowIso(deps), timezone).slice(0, 10).replace(/-/g, '');
  return { fileName: `重拍名单-${day}.xlsx`, body };
}
