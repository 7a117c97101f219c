// Prints and hand-over (issue 10 section 2, rule A2; docs/decisions/0025-prints-handover.md).
//
// agency (print.produce): a batch of every confirmed, valid photo not yet printed (one department or all) → the
// print sheet PDF per department → marks it sent with its count. graduate school (handover.school): receives it
// with the count it checked (another count only with a note: a discrepancy) → sends a department its sets.
// department (handover.department): the secretary receives them with their count → marks students handed over;
// or the student confirms on /my (handover.confirmMine). Each step is one audit event with its count; the keyed
// audit chain is its signature. A photo whose confirmation is voided (or that becomes invalid, E7) leaves an open
// batch and is flagged in a printed one: never handed over.
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { openBlob } from '../adapters/envelope-crypto.js';
import { renderHandoverListPdf, streamPrintSheetPdf, type SheetSet } from '../adapters/print-sheet-pdf.js';
import { writeXlsx } from '../adapters/xlsx-export.js';
import type {
  CreatePrintBatchRequest,
  HandOverRequest,
  HandOverResponse,
  HandoverList,
  HandoverQuery,
  HandoverRow,
  MyPrints,
  PrintBatch,
  PrintBatchList,
  PrintDelivery,
  PrintDeliveryList,
  ReceivePrintsRequest,
} from '../contracts/print.js';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { maskName } from '../domain/masking.js';
import type { Principal } from '../domain/permissions.js';
import { seesFullNames, studentScope } from '../domain/permissions.js';
import type { HandoverRefusal, PrintState } from '../domain/prints.js';
import { campaignDateTime, checkReceivedCount, HANDOVER_REFUSAL_TEXT, PRINT_COPIES, PRINT_STATE_TEXT, printState } from '../domain/prints.js';
import * as photoRepo from '../repositories/photo.repository.js';
import type { HandoverItemRow, PrintBatchRow, PrintDeliveryRow } from '../repositories/print.repository.js';
import * as repo from '../repositories/print.repository.js';
import { assertCampaignOpenForWrite } from './campaign-close.service.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Done } from './change.js';
import { change, mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { listShreddedOfPhotos, photoDeletedError } from './retention-readers.js';

const SHEET_PAGE = 50;

function actorName(actor: Actor): string | null {
  return actor.principal?.username ?? actor.system?.label ?? null;
}

/** Full names for the graduate school, the department and the student; 张*三 for the agency. */
function nameFor(actor: Actor, name: string): string {
  return !actor.principal || seesFullNames(actor.principal) ? name : maskName(name);
}

/** A secretary acts for their own departments only; the admin (and the system) for any. */
function assertDepartment(actor: Actor, department: string): void {
  if (!actor.principal) return;
  const scope = studentScope(actor.principal);
  if (scope.kind === 'departments' && !scope.departments.includes(department)) throw new AppError('PRINT_DEPARTMENT_FORBIDDEN', { params: { department } });
  if (scope.kind === 'self') throw new AppError('FORBIDDEN');
}

/**
 * The department a hand-over request is about: the one given, else a secretary's only department; several (or the
 * admin, who has them all) are told the choices (PRINT_DEPARTMENT_REQUIRED, 400).
 */
async function resolveDepartment(deps: ServiceDeps, actor: Actor, department: string | undefined): Promise<string> {
  if (department) {
    assertDepartment(actor, department);
    return department;
  }
  const own = departmentsOf(actor.principal);
  if (own && own.length === 1) return own[0]!;
  const choices = own ?? (await repo.listPrintedDepartments(deps.db.db, (await getActiveCampaign(deps)).id));
  throw new AppError('PRINT_DEPARTMENT_REQUIRED', { params: { choicesZh: choices.join('、'), choicesEn: choices.join(', ') }, details: { choices } });
}

function departmentsOf(principal: Principal | null): string[] | null {
  if (!principal) return null;
  const scope = studentScope(principal);
  return scope.kind === 'departments' ? scope.departments : null;
}

function toBatch(row: PrintBatchRow, counts: { department: string; sets: number; voided: number }[]): PrintBatch {
  return {
    id: row.id,
    number: row.number,
    department: row.department,
    copies: row.copies,
    status: row.status,
    sets: counts.reduce((n, c) => n + c.sets, 0),
    voided: counts.reduce((n, c) => n + c.voided, 0),
    departments: counts.map((c) => ({ department: c.department, sets: c.sets, voided: c.voided })),
    createdBy: row.created_by,
    createdAt: row.created_at,
    ...handoverStep(row),
  };
}

/** The two signed sides of a hand-over step (a batch agency → school, a delivery school → department): same columns. */
function handoverStep<Count extends number | null, At extends string | null>(row: { sent_count: Count; sent_by: string | null; sent_at: At; received_count: number | null; received_by: string | null; received_at: string | null; discrepancy_note: string | null }) {
  return {
    sentCount: row.sent_count,
    sentBy: row.sent_by,
    sentAt: row.sent_at,
    receivedCount: row.received_count,
    receivedBy: row.received_by,
    receivedAt: row.received_at,
    discrepancyNote: row.discrepancy_note,
  };
}

async function batchView(db: ServiceDeps['db']['db'], row: PrintBatchRow): Promise<PrintBatch> {
  const counts = await repo.countBatchSets(db, [row.id]);
  return toBatch(row, counts);
}

async function getBatchRow(db: ServiceDeps['db']['db'], id: string): Promise<PrintBatchRow> {
  const row = await repo.findPrintBatch(db, id);
  if (!row) throw new AppError('PRINT_BATCH_NOT_FOUND');
  return row;
}

// ───────────────────────────── the agency ─────────────────────────────

export async function listPrintBatches(deps: ServiceDeps, actor: Actor): Promise<PrintBatchList> {
  authorize(actor, 'print.produce');
  const campaign = await getActiveCampaign(deps);
  const db = deps.db.db;
  const rows = await repo.listPrintBatches(db, campaign.id);
  const counts = await repo.countBatchSets(
    db,
    rows.map((r) => r.id),
  );
  return {
    items: rows.map((r) => toBatch(r, counts.filter((c) => c.batch_id === r.id))),
    unprinted: await repo.countPrintCandidatesByDepartment(db, campaign.id),
  };
}

/** A batch of every confirmed, valid photo not yet printed (of one department, or all), sorted as the hand-over goes. */
export async function createPrintBatch(deps: ServiceDeps, actor: Actor, input: CreatePrintBatchRequest, lang: Lang = 'zh'): Promise<Done<PrintBatch>> {
  authorize(actor, 'print.produce');
  const campaign = await getActiveCampaign(deps);
  const department = input.department ?? null;
  const copies = input.copies ?? PRINT_COPIES.default;
  return change(
    deps,
    actor,
    async (tx) => {
      await assertCampaignOpenForWrite(deps, tx, campaign);
      const at = nowIso(deps);
      const candidates = await repo.listPrintCandidates(tx, campaign.id, department);
      if (candidates.length === 0) throw new AppError('PRINT_NOTHING_TO_PRINT', { params: { scope: department ?? (lang === 'en' ? 'any department' : '所有院系') } });
      const id = crypto.randomUUID();
      const number = await repo.nextBatchNumber(tx, campaign.id);
      await repo.insertPrintBatch(tx, { id, campaign_id: campaign.id, number, department, copies, status: 'open', created_by: actorName(actor), created_at: at, sent_count: null, sent_by: null, sent_at: null, received_count: null, received_by: null, received_at: null, discrepancy_note: null });
      const rows = candidates.map((c) => ({ id: crypto.randomUUID(), campaign_id: campaign.id, batch_id: id, student_id: c.student_id, photo_id: c.photo_id, confirmation_id: c.confirmation_id, department: c.department, student_no: c.student_no, delivery_id: null, handed_to_student_at: null, handed_by: null, handed_method: null, voided_at: null, created_at: at }));
      for (let i = 0; i < rows.length; i += 200) await repo.insertPrintItems(tx, rows.slice(i, i + 200));
      const row = await getBatchRow(tx, id);
      const view = await batchView(tx, row);
      return {
        value: view,
        created: true,
        audit: { action: 'prints.batch_created', targetType: 'print_batch', targetId: id, details: { number, department, copies, sets: rows.length, departments: view.departments.length } },
      };
    },
    // two agencies' clicks at once: the loser's second attempt sees the winner's sets (unique photo, batch number)
    { retryConflicts: true },
  );
}

export interface PrintSheetFile {
  fileName: string;
  stream: Readable;
  /** sets not printed (their standard photo deleted under the retention policy), listed on the sheet's last page */
  skipped: number;
}

async function readStandardJpeg(deps: ServiceDeps, photoId: string): Promise<Buffer> {
  const blob = await photoRepo.findPhotoBlob(deps.db.db, photoId, 'standard');
  if (!blob) throw (await photoDeletedError(deps.db.db, photoId, 'standard')) ?? new AppError('PHOTO_NOT_FOUND');
  const sealed = await deps.photos.blobs.read(blob.id);
  return openBlob(deps.photos.keyring, blob.id, sealed, blob.wrapped_key, blob.kek_version);
}

/**
 * The print sheet of one department of a batch (PDF, streamed). Reading the photos is a photo read: one audit
 * event per sheet with the count, written before a byte leaves.
 */
export async function openPrintSheet(deps: ServiceDeps, actor: Actor, batchId: string, department: string, lang: Lang = 'zh'): Promise<PrintSheetFile> {
  authorize(actor, 'print.produce');
  const db = deps.db.db;
  const batch = await getBatchRow(db, batchId);
  const counts = (await repo.countBatchSets(db, [batch.id])).find((c) => c.department === department);
  if (!counts || counts.sets === 0) throw new AppError('PRINT_DEPARTMENT_NOT_IN_BATCH', { params: { number: batch.number, department } });
  // the sets, by student number (a few short rows each; the photos are read one at a time as the PDF is read),
  // and those whose standard photo the retention policy deleted: skipped, listed on the last page
  const items: Awaited<ReturnType<typeof repo.listSheetItems>> = [];
  for (let after: string | null = null; ; ) {
    const page = await repo.listSheetItems(db, batch.id, department, after, SHEET_PAGE);
    items.push(...page);
    if (page.length < SHEET_PAGE) break;
    after = page[page.length - 1]!.student_no;
  }
  const shredded = await listShreddedOfPhotos(db, items.map((i) => i.photo_id));
  const { timezone } = await getActiveCampaign(deps);
  const skipped = items.filter((i) => shredded.get(i.photo_id)?.standard).map((i) => ({ item: i, deletedOn: campaignDateTime(shredded.get(i.photo_id)!.standard!, timezone).slice(0, 10) }));
  const printed = items.filter((i) => !shredded.get(i.photo_id)?.standard);
  await change(deps, actor, async () => ({
    value: undefined,
    audit: { action: 'prints.sheet_downloaded', targetType: 'print_batch', targetId: batch.id, details: { number: batch.number, department, sets: printed.length, skipped: skipped.length, copies: batch.copies } },
  }));
  async function* sets(): AsyncGenerator<SheetSet> {
    for (const item of printed) {
      const jpeg = await readStandardJpeg(deps, item.photo_id);
      yield { label: `${item.student_no}  ${maskName(item.name)}`, department: item.department, jpeg };
    }
  }
  const en = lang === 'en';
  const title = en ? `Print batch ${batch.number} · ${department} · ${printed.length} sets × ${batch.copies}` : `打印批次 ${batch.number} · ${department} · ${printed.length} 套 × ${batch.copies} 张`;
  const stream = streamPrintSheetPdf(
    {
      title,
      copies: batch.copies,
      total: printed.length,
      pageHeader: (i, n) => (en ? `${title} · 300 dpi, 40.64 × 54.19 mm · page ${i} of ${n}` : `${title} · 300 dpi，40.64 × 54.19 毫米 · 第 ${i} 页 / 共 ${n} 页`),
      skipped: skipped.length
        ? {
            heading: en ? `Sets not printed (${skipped.length})` : `未打印的照片（${skipped.length} 套）`,
            lines: skipped.map(({ item, deletedOn }) => `${item.student_no}   ${maskName(item.name)}   ${en ? `photo deleted under the retention policy (${deletedOn})` : `照片已按保留策略删除（${deletedOn}）`}`),
          }
        : undefined,
    },
    sets(),
  );
  return { fileName: `print-batch-${batch.number}-${department}.pdf`, stream, skipped: skipped.length };
}

/** The agency marks the batch sent to the graduate school with the sets it counted (the batch's own count). */
export async function sendPrintBatch(deps: ServiceDeps, actor: Actor, batchId: string, input: { count: number }): Promise<PrintBatch> {
  authorize(actor, 'print.produce');
  const campaign = await getActiveCampaign(deps);
  const { timezone } = campaign;
  return mutate(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const at = nowIso(deps);
    const batch = await getBatchRow(tx, batchId);
    if (batch.status !== 'open') throw new AppError('PRINT_BATCH_NOT_OPEN', { params: { number: batch.number, at: batch.sent_at ? campaignDateTime(batch.sent_at, timezone) : '' } });
    // sets whose photo was voided meanwhile were never printed for good: out of the batch
    const removed = await repo.removeVoidSetsOfOpenBatch(tx, batch.id);
    const sets = (await repo.countBatchSets(tx, [batch.id])).reduce((n, c) => n + c.sets, 0);
    if (input.count !== sets) throw new AppError('PRINT_SEND_COUNT_MISMATCH', { params: { count: input.count, expected: sets } });
    if (!(await repo.markBatchSent(tx, batch.id, { count: sets, by: actorName(actor), at }))) throw new AppError('PRINT_BATCH_NOT_OPEN', { params: { number: batch.number, at: campaignDateTime(at, timezone) } });
    return {
      value: await batchView(tx, await getBatchRow(tx, batch.id)),
      audit: { action: 'prints.batch_sent', targetType: 'print_batch', targetId: batch.id, details: { number: batch.number, count: sets, removedVoid: removed } },
    };
  });
}

// ───────────────────────────── the graduate school ─────────────────────────────

function countParams(lang: Lang, timeZone: string, row: { received_at: string | null; received_by: string | null; received_count: number | null }) {
  return { at: row.received_at ? campaignDateTime(row.received_at, timeZone) : '', by: row.received_by ?? (lang === 'en' ? 'someone' : '他人'), count: row.received_count ?? 0 };
}

/** The admin receives a sent batch with the count they checked; a different count only with a note (a discrepancy). */
export async function receivePrintBatch(deps: ServiceDeps, actor: Actor, batchId: string, input: ReceivePrintsRequest, lang: Lang = 'zh'): Promise<PrintBatch> {
  authorize(actor, 'handover.school');
  const campaign = await getActiveCampaign(deps);
  const { timezone } = campaign;
  return mutate(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const at = nowIso(deps);
    const batch = await getBatchRow(tx, batchId);
    if (batch.status === 'received') throw new AppError('PRINT_BATCH_ALREADY_RECEIVED', { params: { number: batch.number, ...countParams(lang, timezone, batch) } });
    if (batch.status !== 'sent') throw new AppError('PRINT_BATCH_NOT_SENT', { params: { number: batch.number } });
    const sent = batch.sent_count ?? 0;
    const check = checkReceivedCount(sent, input.count, input.note);
    if (!check.ok) throw new AppError('PRINT_COUNT_MISMATCH', { params: { count: input.count, expected: sent } });
    if (!(await repo.markBatchReceived(tx, batch.id, { count: input.count, by: actorName(actor), at, note: check.discrepancy }))) {
      const now = await getBatchRow(tx, batch.id);
      throw new AppError('PRINT_BATCH_ALREADY_RECEIVED', { params: { number: batch.number, ...countParams(lang, timezone, now) } });
    }
    const flagged = await repo.flagVoidPrintedSets(tx, batch.campaign_id, at);
    return {
      value: await batchView(tx, await getBatchRow(tx, batch.id)),
      audit: { action: 'prints.batch_received', targetType: 'print_batch', targetId: batch.id, details: { number: batch.number, sent, count: input.count, discrepancy: check.discrepancy, flaggedVoid: flagged } },
    };
  });
}

function toDelivery(row: PrintDeliveryRow & { handed: number }): PrintDelivery {
  return {
    id: row.id,
    department: row.department,
    ...handoverStep(row),
    handed: row.handed,
  };
}

/** Deliveries to the departments (a secretary: their own), and what the graduate school holds ready per department. */
export async function listPrintDeliveries(deps: ServiceDeps, actor: Actor): Promise<PrintDeliveryList> {
  authorize(actor, 'handover.department');
  const campaign = await getActiveCampaign(deps);
  const departments = departmentsOf(actor.principal);
  const rows = await repo.listDeliveries(deps.db.db, campaign.id, departments);
  const ready = await repo.countReadyByDepartment(deps.db.db, campaign.id);
  return { items: rows.map(toDelivery), ready: departments === null ? ready : ready.filter((r) => departments.includes(r.department)) };
}

/** The admin sends a department every set at the graduate school not yet sent to it. */
export async function createPrintDelivery(deps: ServiceDeps, actor: Actor, input: { department: string }): Promise<Done<PrintDelivery>> {
  authorize(actor, 'handover.school');
  const campaign = await getActiveCampaign(deps);
  return change(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const at = nowIso(deps);
    await repo.flagVoidPrintedSets(tx, campaign.id, at);
    const ids = await repo.listReadyItemIds(tx, campaign.id, input.department);
    if (ids.length === 0) throw new AppError('PRINT_NOTHING_TO_DELIVER', { params: { department: input.department } });
    const id = crypto.randomUUID();
    await repo.insertDelivery(tx, { id, campaign_id: campaign.id, department: input.department, sent_count: ids.length, sent_by: actorName(actor), sent_at: at, received_count: null, received_by: null, received_at: null, discrepancy_note: null });
    const assigned = await repo.assignDelivery(tx, id, ids);
    if (assigned !== ids.length) throw new AppError('CONFLICT');
    const row = (await repo.listDeliveries(tx, campaign.id, [input.department])).find((d) => d.id === id)!;
    return { value: toDelivery(row), created: true, audit: { action: 'prints.delivery_sent', targetType: 'print_delivery', targetId: id, details: { department: input.department, count: ids.length } } };
  });
}

/** The department's secretary receives a delivery with the count they checked (another count only with a note). */
export async function receivePrintDelivery(deps: ServiceDeps, actor: Actor, deliveryId: string, input: ReceivePrintsRequest, lang: Lang = 'zh'): Promise<PrintDelivery> {
  authorize(actor, 'handover.department');
  const campaign = await getActiveCampaign(deps);
  const { timezone } = campaign;
  return mutate(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const at = nowIso(deps);
    const d = await repo.findDelivery(tx, deliveryId);
    if (!d) throw new AppError('PRINT_DELIVERY_NOT_FOUND');
    assertDepartment(actor, d.department);
    const refuse = (row: PrintDeliveryRow) => new AppError('PRINT_DELIVERY_ALREADY_RECEIVED', { params: { department: row.department, ...countParams(lang, timezone, row) } });
    if (d.received_at) throw refuse(d);
    const check = checkReceivedCount(d.sent_count, input.count, input.note);
    if (!check.ok) throw new AppError('PRINT_COUNT_MISMATCH', { params: { count: input.count, expected: d.sent_count } });
    if (!(await repo.markDeliveryReceived(tx, d.id, { count: input.count, by: actorName(actor), at, note: check.discrepancy }))) throw refuse((await repo.findDelivery(tx, d.id))!);
    const row = (await repo.listDeliveries(tx, d.campaign_id, [d.department])).find((x) => x.id === d.id)!;
    return {
      value: toDelivery(row),
      audit: { action: 'prints.delivery_received', targetType: 'print_delivery', targetId: d.id, details: { department: d.department, sent: d.sent_count, count: input.count, discrepancy: check.discrepancy } },
    };
  });
}

// ───────────────────────────── the department and the student ─────────────────────────────

function stateOf(item: HandoverItemRow | undefined): PrintState {
  if (!item) return 'none';
  return printState({ batchStatus: item.batch_status, deliverySent: item.delivery_id !== null, deliveryReceived: item.delivery_received_at !== null, handed: item.handed_to_student_at !== null, voided: item.void === 1 });
}

/** The set that counts for a student: the newest that is not void, else the newest. */
function currentItem(items: HandoverItemRow[]): HandoverItemRow | undefined {
  const sorted = [...items].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  return sorted.find((i) => i.void === 0 || i.handed_to_student_at !== null) ?? sorted[0];
}

function toRow(actor: Actor, item: HandoverItemRow): HandoverRow {
  return { studentNo: item.student_no, name: nameFor(actor, item.name), state: stateOf(item), handedAt: item.handed_to_student_at, handedMethod: item.handed_method };
}

async function departmentRows(deps: ServiceDeps, actor: Actor, department: string, prefix: string | null): Promise<HandoverRow[]> {
  const campaign = await getActiveCampaign(deps);
  const items = await repo.listHandoverItems(deps.db.db, campaign.id, department, prefix);
  const byStudent = new Map<string, HandoverItemRow[]>();
  for (const i of items) byStudent.set(i.student_id, [...(byStudent.get(i.student_id) ?? []), i]);
  return [...byStudent.values()].map((list) => toRow(actor, currentItem(list)!)).sort((a, b) => (a.studentNo < b.studentNo ? -1 : a.studentNo > b.studentNo ? 1 : 0));
}

/** A department's students with prints: where each one's set is; `notReceived`: everyone who does not have theirs yet. */
export async function getHandoverList(deps: ServiceDeps, actor: Actor, query: HandoverQuery): Promise<HandoverList> {
  authorize(actor, 'handover.department');
  const department = await resolveDepartment(deps, actor, query.department);
  const all = await departmentRows(deps, actor, department, query.q ?? null);
  const counts = {
    total: all.length,
    handed: all.filter((r) => r.state === 'handed').length,
    atDepartment: all.filter((r) => r.state === 'at_department').length,
    notYetAtDepartment: all.filter((r) => r.state !== 'handed' && r.state !== 'at_department' && r.state !== 'voided').length,
    voided: all.filter((r) => r.state === 'voided').length,
  };
  const items = query.notReceived === 'true' ? all.filter((r) => r.state !== 'handed') : all;
  return { department, counts, items };
}


/** The not-received list of a department as XLSX (who still has to collect their prints). */
export async function exportNotReceived(deps: ServiceDeps, actor: Actor, requested: string | undefined, lang: Lang = 'zh'): Promise<{ fileName: string; body: Buffer; rows: number }> {
  authorize(actor, 'handover.department');
  const department = await resolveDepartment(deps, actor, requested);
  const rows = (await departmentRows(deps, actor, department, null)).filter((r) => r.state !== 'handed');
  const body = await writeXlsx([
    {
      name: `${department} 未领取`,
      columns: [
        { header: '学号 Student no.', key: 'studentNo', width: 14 },
        { header: '姓名 Name', key: 'name', width: 12 },
        { header: '院系 Department', key: 'department', width: 20 },
        { header: '状态 State', key: 'state', width: 30 },
      ],
      rows: rows.map((r) => ({ studentNo: r.studentNo, name: r.name, department, state: PRINT_STATE_TEXT[r.state][lang] })),
    },
  ]);
  await change(deps, actor, async () => ({ value: undefined, audit: { action: 'prints.handover_list_downloaded', targetType: 'department', targetId: department, details: { department, kind: 'not-received-xlsx', rows: rows.length } } }));
  return { fileName: lang === 'en' ? `prints-not-received-${department}.xlsx` : `照片未领取名单-${department}.xlsx`, body, rows: rows.length };
}

/** The hand-over list PDF of a department with signature lines (its paper trail). */
export async function renderHandoverList(deps: ServiceDeps, actor: Actor, requested: string | undefined, lang: Lang = 'zh'): Promise<{ fileName: string; body: Buffer }> {
  authorize(actor, 'handover.department');
  const department = await resolveDepartment(deps, actor, requested);
  const rows = (await departmentRows(deps, actor, department, null)).filter((r) => r.state !== 'voided');
  const en = lang === 'en';
  const { timezone } = await getActiveCampaign(deps);
  const dateOf = (iso: string | null) => (iso ? campaignDateTime(iso, timezone).slice(0, 10) : '');
  const now = dateOf(nowIso(deps));
  const body = await renderHandoverListPdf(
    {
      title: en ? `Graduation photo prints: hand-over list · ${department}` : `毕业证书照片领取签字表 · ${department}`,
      subtitle: en ? `${rows.length} students · printed ${now} · sign on receipt` : `共 ${rows.length} 人 · 打印日期 ${now} · 领取时请本人签字`,
      headers: en
        ? { index: 'No.', studentNo: 'Student no.', name: 'Name', status: 'State', signature: 'Signature', date: 'Date' }
        : { index: '序号', studentNo: '学号', name: '姓名', status: '状态', signature: '领取人签字', date: '日期' },
      pageFooter: (i, n) => (en ? `${department} · page ${i} of ${n}` : `${department} · 第 ${i} 页 / 共 ${n} 页`),
      closing: en ? 'Department secretary: ____________________    Date: ______________' : '院系经办人签字：____________________    日期：______________',
    },
    rows.map((r) => ({ studentNo: r.studentNo, name: r.name, status: r.state === 'handed' ? `${PRINT_STATE_TEXT.handed[lang]} ${dateOf(r.handedAt)}` : PRINT_STATE_TEXT[r.state][lang] })),
  );
  await change(deps, actor, async () => ({ value: undefined, audit: { action: 'prints.handover_list_downloaded', targetType: 'department', targetId: department, details: { department, kind: 'handover-pdf', rows: rows.length } } }));
  return { fileName: en ? `prints-handover-list-${department}.pdf` : `照片领取签字表-${department}.pdf`, body };
}

/**
 * The secretary marks students of their department as handed over (one, or many pasted at once). All or
 * nothing: a number that cannot be marked (not on the roster, another department's, no prints, void prints, not
 * at the department yet) refuses the call naming each such number and why; numbers already handed over are told.
 */
export async function handOverPrints(deps: ServiceDeps, actor: Actor, input: HandOverRequest, lang: Lang = 'zh'): Promise<HandOverResponse> {
  authorize(actor, 'handover.department');
  assertDepartment(actor, input.department);
  const campaign = await getActiveCampaign(deps);
  const nos = [...new Set(input.studentNos.map((s) => s.trim()).filter(Boolean))];
  return mutate(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const at = nowIso(deps);
    await repo.flagVoidPrintedSets(tx, campaign.id, at);
    const students = new Map((await repo.findStudentsByNos(tx, campaign.id, nos)).map((s) => [s.student_no, s]));
    const items = await repo.listItemsOfStudentNos(tx, campaign.id, nos);
    const refused: { studentNo: string; reason: HandoverRefusal }[] = [];
    const toHand: string[] = [];
    const handedNos: string[] = [];
    const already: string[] = [];
    for (const no of nos) {
      const s = students.get(no);
      if (!s) refused.push({ studentNo: no, reason: 'unknown' });
      else if (s.department !== input.department) refused.push({ studentNo: no, reason: 'other_department' });
      else {
        const item = currentItem(items.filter((i) => i.student_no === no));
        const state = stateOf(item);
        if (state === 'handed') already.push(no);
        else if (state === 'none') refused.push({ studentNo: no, reason: 'no_prints' });
        else if (state === 'voided') refused.push({ studentNo: no, reason: 'voided' });
        else if (state !== 'at_department') refused.push({ studentNo: no, reason: 'not_at_department' });
        else {
          toHand.push(item!.id);
          handedNos.push(no);
        }
      }
    }
    if (refused.length > 0) {
      const sep = lang === 'en' ? '; ' : '；';
      const list = refused.map((r) => (lang === 'en' ? `${r.studentNo} (${HANDOVER_REFUSAL_TEXT[r.reason].en})` : `${r.studentNo}（${HANDOVER_REFUSAL_TEXT[r.reason].zh}）`)).join(sep);
      throw new AppError('PRINT_STUDENTS_REFUSED', { params: { list }, details: { refused } });
    }
    if (toHand.length === 0) return { value: { handed: [], alreadyHanded: already }, audit: null };
    const n = await repo.markHandedOver(tx, toHand, { by: actorName(actor), at, method: 'secretary' });
    if (n !== toHand.length) throw new AppError('CONFLICT');
    return {
      value: { handed: handedNos, alreadyHanded: already },
      audit: { action: 'prints.handed_over', targetType: 'department', targetId: input.department, details: { department: input.department, count: n, method: 'secretary', studentNos: handedNos } },
    };
  });
}

async function myItem(deps: ServiceDeps, actor: Actor, tx = deps.db.db): Promise<{ campaignId: string; studentId: string | null; item: HandoverItemRow | undefined }> {
  const campaign = await getActiveCampaign(deps, tx);
  const studentNo = actor.principal?.studentNo ?? null;
  if (!studentNo) return { campaignId: campaign.id, studentId: null, item: undefined };
  const student = await photoRepo.findStudentByNo(tx, campaign.id, studentNo);
  if (!student) return { campaignId: campaign.id, studentId: null, item: undefined };
  return { campaignId: campaign.id, studentId: student.id, item: currentItem(await repo.listItemsOfStudent(tx, campaign.id, student.id)) };
}

function toMyPrints(item: HandoverItemRow | undefined): MyPrints {
  const state = stateOf(item);
  return { state, department: item?.department ?? null, handedAt: item?.handed_to_student_at ?? null, handedMethod: item?.handed_method ?? null, canConfirm: state === 'at_department' };
}

/** Where the student's own prints are (/my). */
export async function getMyPrints(deps: ServiceDeps, actor: Actor): Promise<MyPrints> {
  authorize(actor, 'handover.confirmMine');
  return toMyPrints((await myItem(deps, actor)).item);
}

/** The student confirms "我已领取": only a set at their department (received there), not void; twice is no change. */
export async function confirmMyPrints(deps: ServiceDeps, actor: Actor, lang: Lang = 'zh'): Promise<Done<MyPrints>> {
  authorize(actor, 'handover.confirmMine');
  const campaign = await getActiveCampaign(deps);
  return change(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const at = nowIso(deps);
    const { campaignId, item } = await myItem(deps, actor, tx);
    await repo.flagVoidPrintedSets(tx, campaignId, at);
    const state = stateOf(item);
    if (state === 'handed') return { value: toMyPrints(item), audit: null };
    if (state === 'voided') throw new AppError('PRINT_VOIDED');
    if (state !== 'at_department' || !item) throw new AppError('PRINT_NOT_GIVEN', { params: { state: PRINT_STATE_TEXT[state][lang] } });
    if ((await repo.markHandedOver(tx, [item.id], { by: actorName(actor), at, method: 'student' })) !== 1) throw new AppError('CONFLICT');
    const { item: now } = await myItem(deps, actor, tx);
    return { value: toMyPrints(now), created: true, audit: { action: 'prints.handed_over', targetType: 'department', targetId: item.department, details: { department: item.department, count: 1, method: 'student', studentNos: [item.student_no] } } };
  });
}
