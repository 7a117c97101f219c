// Check-in with the collection code and the queue of the capture day (issue 9 sections 1 and 2; rules C1, C4;
// docs/decisions/0019-collection-code.md).
//
// Decisions:
// - The desk is the operator role (permission `checkin.create`, with the admin): the agency's staff at the door
//   are the same people as at the stations, and see what operators see (masked names, no ID, phone or e-mail).
// - The collection code is an opaque token: trimmed, 1–2,048 printable characters. Only HMAC-SHA-256 under a
//   key derived from the master key ('collection-code', never in the database) and its last 4 characters are
//   stored. The first student to present a code owns it (the primary key (campaign, hmac) decides under
//   concurrency); another student presenting it is refused COLLECTION_CODE_IN_USE, a student presenting a
//   second, different code COLLECTION_CODE_MISMATCH; both refusals are audit events `collection_code.refused`
//   with both students' ids and no names.
// - Refusals in this order: not on the roster, the code (identity first), not required (E4–E6), photo already
//   confirmed (C3), wrong site (S4); a student already in today's queue gets their ticket back (200); then
//   payment when the site asks for it before queueing (P1, PAYMENT_REQUIRED). Nothing is bound or numbered when
//   the check-in is refused.
// - Tickets are numbered per site and day (B-001…) from a counter row updated in the check-in's transaction.
// - A ticket is served when its student's photo is confirmed (photo.service, in the confirmation's transaction;
//   its service time feeds the estimate). Calling the next ticket at a station whose called student has no
//   confirmed photo is refused (STATION_STUDENT_UNCONFIRMED: a second press of N, a second tab or a script must
//   not end a turn); with `releasePrevious` the operator ends that turn (served, audited as without a photo). The
//   call names the called student at the station, so camera files go to them. The station must be one the site
//   has (STATION_UNKNOWN: never send a student to a station that does not exist).
// - Skip = the called student did not come: back of the queue; the second skip removes the ticket.
// - Transfer = the called student goes to another station of the site, which must be free (no called ticket):
//   the ticket is called there (called_at restarts: the service time is the new station's).
import crypto from 'node:crypto';
import type { CalledTicket, CheckInResponse, QueueList, QueueStudent, Ticket } from '../contracts/queue.js';
import { CallNextRequestSchema, CheckInRequestSchema, TransferTicketRequestSchema } from '../contracts/queue.js';
import { StationIdSchema } from '../contracts/station.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import { localDate } from '../domain/campaign.js';
import type { Decision } from '../domain/eligibility.js';
import { AppError, schemaIssues } from '../domain/errors.js';
import { maskName } from '../domain/masking.js';
import type { Principal } from '../domain/permissions.js';
import { canSeeStudent, seesFullNames } from '../domain/permissions.js';
import type { TicketStatus } from '../domain/queue.js';
import { afterSkip, checkCollectionCode, ETA_WINDOW, estimateWaitMinutes, median, ticketNumber } from '../domain/queue.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import * as paymentRepo from '../repositories/payment.repository.js';
import * as photoRepo from '../repositories/photo.repository.js';
import type { QueueStudentRow, TicketRow } from '../repositories/queue.repository.js';
import * as queueRepo from '../repositories/queue.repository.js';
import * as stationRepo from '../repositories/station.repository.js';
import type { AuditInput } from './audit.service.js';
import { recordAuditEvent } from './audit.service.js';
import type { Done } from './change.js';
import { change, mutate, RetryTransaction } from './change.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { settingsLookup } from './session-slots.js';
import { assertStationOfSite } from './station.service.js';
import { assertCampaignOpen } from './campaign-close.service.js';

/** The purpose the collection code's HMAC key is derived for (HKDF from the master key). */
const CODE_KEY_PURPOSE = 'collection-code';

/** Refusals recorded as audit events after their transaction rolled back (the caller never sees these details). */
const refusalAudits = new WeakMap<AppError, AuditInput>();

/** A refused request body: `issues` (Zod's) give the message in the caller's language (domain/errors.ts schemaIssues). */
function validationFailed(detail: string, issues?: Parameters<typeof schemaIssues>[0]): AppError {
  return new AppError('VALIDATION_FAILED', { params: { detail }, ...(issues ? { issues: schemaIssues(issues) } : {}) });
}

function today(deps: ServiceDeps, campaign: CampaignDefinition): string {
  return localDate(deps.clock(), campaign.timezone);
}

function toQueueStudent(row: Pick<QueueStudentRow, 'student_no' | 'name' | 'department' | 'decision'>, principal: Principal | null): QueueStudent {
  // The agency's screens show 张*三 (docs/rules/campaign-rules.md, who uses the product); the command line too.
  const full = principal !== null && seesFullNames(principal);
  return { studentNo: row.student_no, name: full ? row.name : maskName(row.name), nameMasked: !full, department: row.department, decision: row.decision as Decision };
}

/** What the estimate of a site needs: its recent service times and its stations (read once per answer). */
interface SiteLoad {
  recentServiceSeconds: number[];
  stations: number;
  minutesPerStudent: number;
}

async function siteLoad(db: Tx, campaignId: string, site: SiteId): Promise<SiteLoad> {
  const settings = settingsLookup(await bookingRepo.listSiteSettings(db, campaignId))(site);
  return { recentServiceSeconds: await queueRepo.listRecentServiceSeconds(db, campaignId, site, ETA_WINDOW), stations: settings.stations, minutesPerStudent: settings.minutesPerStudent };
}

function ticketView(row: TicketRow, position: number | null, load: SiteLoad): Ticket {
  return {
    id: row.id,
    number: row.number,
    site: row.site as SiteId,
    date: row.date,
    status: row.status as TicketStatus,
    position,
    etaMinutes:
      position === null ? null : estimateWaitMinutes({ recentServiceSeconds: load.recentServiceSeconds, position, stations: load.stations, fallbackMinutesPerStudent: load.minutesPerStudent }),
    stationId: row.station_id,
    skips: row.skips,
    calledAt: row.called_at,
  };
}

/** A ticket as answered on its own: its position among the waiting tickets of its queue and its estimate. */
export async function toTicket(db: Tx, row: TicketRow): Promise<Ticket> {
  const load = await siteLoad(db, row.campaign_id, row.site as SiteId);
  let position: number | null = null;
  if (row.status === 'called') position = 0;
  else if (row.status === 'waiting') position = (await queueRepo.countWaitingBefore(db, row.campaign_id, row.site, row.date, row.queue_order)) + 1;
  return ticketView(row, position, load);
}

async function toCalledTicket(db: Tx, actor: Actor, row: TicketRow): Promise<CalledTicket> {
  const student = await queueRepo.findQueueStudentById(db, row.student_id);
  if (!student) throw new AppError('STUDENT_NOT_FOUND');
  return { ticket: await toTicket(db, row), student: toQueueStudent(student, actor.principal) };
}

// ───────────────────────────── check-in ─────────────────────────────

/**
 * checkIn: the desk scans the student's collection code (C1) and gives them a ticket of today's queue of
 * their site (C4): 201 with a new ticket, 200 with the ticket they already hold. Refusals have named codes;
 * a code of another student and a second code of the same student are audited as `collection_code.refused`.
 */
export async function checkIn(deps: ServiceDeps, actor: Actor, body: unknown): Promise<Done<CheckInResponse>> {
  authorize(actor, 'checkin.create');
  const parsed = CheckInRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw validationFailed(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`, parsed.error.issues);
  }
  const req = parsed.data;
  const checked = checkCollectionCode(req.collectionCode);
  if (!checked.ok) throw new AppError('COLLECTION_CODE_INVALID', { params: { length: checked.length, chars: checked.chars.length > 0 ? checked.chars.join(', ') : '—' }, details: { field: 'collectionCode', length: checked.length, chars: checked.chars } });
  const campaign = await getActiveCampaign(deps);
  await assertCampaignOpen(deps.db.db, campaign);
  const date = today(deps, campaign);
  const codeHmac = deps.cipher.keyedHashFor(CODE_KEY_PURPOSE, checked.code);
  try {
    return await change<CheckInResponse>(
      deps,
      actor,
      async (tx, effects) => {
        const student = await queueRepo.findQueueStudentByNo(tx, campaign.id, req.studentNo);
        if (!student || student.removed_at) throw new AppError('STUDENT_NOT_FOUND', { details: { studentNo: req.studentNo } });
        // A student number scanned into the code box (the next student's card at a busy desk) is not a code.
        if (await queueRepo.findQueueStudentByNo(tx, campaign.id, checked.code)) {
          throw new AppError('COLLECTION_CODE_IS_STUDENT_NO', { params: { code: checked.code }, details: { field: 'collectionCode' } });
        }
        // C1: one code, one student; identity before anything else is said about the student.
        const owner = await queueRepo.findCodeByHmac(tx, campaign.id, codeHmac);
        if (owner && owner.student_id !== student.id) {
          const e = new AppError('COLLECTION_CODE_IN_USE', { params: { studentNo: student.student_no } });
          refusalAudits.set(e, {
            action: 'collection_code.refused',
            result: 'denied',
            targetType: 'student',
            targetId: student.id,
            details: { reason: 'in_use', studentId: student.id, ownerStudentId: owner.student_id, site: req.site },
          });
          throw e;
        }
        const own = owner ?? (await queueRepo.findCodeOfStudent(tx, campaign.id, student.id));
        if (own && own.code_hmac !== codeHmac) {
          const e = new AppError('COLLECTION_CODE_MISMATCH', { params: { studentNo: student.student_no, last4: own.last4 } });
          refusalAudits.set(e, {
            action: 'collection_code.refused',
            result: 'denied',
            targetType: 'student',
            targetId: student.id,
            details: { reason: 'mismatch', studentId: student.id, ownerStudentId: student.id, site: req.site },
          });
          throw e;
        }
        // E4–E6 (and E7: a photo of a student who must not be photographed is invalid).
        if (student.decision !== 'required') {
          const rule = student.rule ?? student.decision;
          throw new AppError('STUDENT_NOT_ELIGIBLE', { params: { rule }, details: { decision: student.decision, rule: student.rule } });
        }
        // C3: a confirmed photo is final.
        if (await photoRepo.findActiveConfirmationOfStudent(tx, student.id)) throw new AppError('PHOTO_ALREADY_CONFIRMED');
        // S4: the student's own site.
        if (student.site !== req.site) throw new AppError('WRONG_SITE', { params: { site: student.site }, details: { studentSite: student.site, site: req.site } });
        const student_ = toQueueStudent(student, actor.principal);
        const existing = await queueRepo.findActiveTicketOfStudent(tx, campaign.id, date, student.id);
        if (existing) return { value: { ticket: await toTicket(tx, existing), student: student_, codeLast4: own?.last4 ?? checked.last4 }, created: false, audit: null };
        // P1: pay (electronically) before taking a number, when the site says so (default).
        if ((await paymentRepo.getPaymentBeforeQueue(tx, campaign.id, req.site)) && !(await paymentRepo.findPaymentOfStudent(tx, campaign.id, student.id))) {
          throw new AppError('PAYMENT_REQUIRED', { params: { studentNo: student.student_no } });
        }
        const now = nowIso(deps);
        if (!own) await queueRepo.insertCode(tx, { campaign_id: campaign.id, code_hmac: codeHmac, student_id: student.id, last4: checked.last4, created_by: actor.principal?.userId ?? null, created_at: now });
        const { seq, order } = await queueRepo.takeTicketNumber(tx, campaign.id, req.site, date);
        const id = crypto.randomUUID();
        await queueRepo.insertTicket(tx, {
          id,
          campaign_id: campaign.id,
          site: req.site,
          date,
          seq,
          number: ticketNumber(req.site, seq),
          queue_order: order,
          student_id: student.id,
          status: 'waiting',
          skips: 0,
          recalls: 0,
          station_id: null,
          created_by: actor.principal?.userId ?? null,
          created_at: now,
          called_at: null,
          served_at: null,
          updated_at: now,
        });
        const row = (await queueRepo.findTicket(tx, id))!;
        effects.queueChanged(req.site, date); // the call boards (docs/decisions/0021-call-board.md)
        return {
          value: { ticket: await toTicket(tx, row), student: student_, codeLast4: checked.last4 },
          created: true,
          audit: { action: 'ticket.checked_in', targetType: 'ticket', targetId: id, details: { studentId: student.id, site: req.site, date, number: row.number, codeBound: !own } },
        };
      },
      // a concurrent check-in that bound the code (or numbered the student) first: the next attempt sees its row
      { retryConflicts: true },
    );
  } catch (e) {
    const audit = e instanceof AppError ? refusalAudits.get(e) : undefined;
    if (audit) await recordAuditEvent(deps, actor, audit);
    throw e;
  }
}

// ───────────────────────────── the queue ─────────────────────────────

function checkCallNext(body: unknown): { stationId: string; releasePrevious: boolean } {
  const parsed = CallNextRequestSchema.safeParse(body);
  if (!parsed.success) throw validationFailed(`${parsed.error.issues[0]?.path.join('.') || 'stationId'}: ${parsed.error.issues[0]?.message ?? 'required'}`, parsed.error.issues);
  return { stationId: parsed.data.stationId, releasePrevious: parsed.data.releasePrevious === true };
}

function checkSite(campaign: CampaignDefinition, site: SiteId): void {
  if (!campaign.sites.some((s) => s.id === site)) throw new AppError('NOT_FOUND');
}

/**
 * callNext: the station calls the first waiting ticket of today's queue of the site (C4), or null when the
 * queue is empty (204). Two stations never get the same ticket: PostgreSQL skips rows another station has
 * locked (FOR UPDATE SKIP LOCKED), SQLite writes one transaction at a time, and the ticket is taken with a
 * conditional UPDATE … WHERE status = 'waiting' whose row count is checked.
 */
export async function callNext(deps: ServiceDeps, actor: Actor, site: SiteId, body: unknown): Promise<CalledTicket | null> {
  authorize(actor, 'queue.operate');
  const { stationId, releasePrevious } = checkCallNext(body);
  const campaign = await getActiveCampaign(deps);
  checkSite(campaign, site);
  await assertStationOfSite(deps.db.db, campaign, stationId, site);
  const date = today(deps, campaign);
  const done = await change<TicketRow | null>(deps, actor, async (tx, effects) => {
    const now = nowIso(deps);
    const audit: AuditInput[] = [];
    // The student the station called before: served once their photo is confirmed (the confirmation serves it;
    // this is the fallback). Without a confirmed photo the call is refused, unless the operator ends that turn
    // (`releasePrevious`: the student left or will come back later): served then too, and the audit event says
    // that it was without a confirmed photo.
    for (const previous of await queueRepo.listCalledAtStation(tx, campaign.id, site, date, stationId)) {
      const confirmed = (await photoRepo.findActiveConfirmationOfStudent(tx, previous.student_id)) !== undefined;
      if (!confirmed && !releasePrevious) {
        throw new AppError('STATION_STUDENT_UNCONFIRMED', { params: { stationId, number: previous.number }, details: { stationId, ticketId: previous.id, number: previous.number } });
      }
      if (await queueRepo.serveTicket(tx, previous.id, now)) {
        audit.push({ action: 'ticket.served', targetType: 'ticket', targetId: previous.id, details: { site, number: previous.number, stationId, studentId: previous.student_id, photoConfirmed: confirmed } });
      }
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      const next = await queueRepo.findFirstWaiting(tx, deps.db.dialect, campaign.id, site, date);
      if (!next) {
        if (audit.length > 0) {
          effects.queueChanged(site, date);
          await stationRepo.upsertStationStudent(tx, { id: stationId, studentId: null, by: actor.principal?.userId ?? null, at: now });
        }
        return { value: null, audit: audit.length > 0 ? audit : null };
      }
      if (!(await queueRepo.callTicket(tx, next.id, stationId, now))) continue; // another station took it first
      // The station's camera files go to the called student from now on.
      await stationRepo.upsertStationStudent(tx, { id: stationId, studentId: next.student_id, by: actor.principal?.userId ?? null, at: now });
      effects.queueChanged(site, date);
      audit.push({ action: 'ticket.called', targetType: 'ticket', targetId: next.id, details: { site, date, number: next.number, stationId, studentId: next.student_id } });
      return { value: (await queueRepo.findTicket(tx, next.id))!, audit };
    }
    throw new RetryTransaction();
    // One called ticket per station (a unique index): a ticket transferred to this station meanwhile makes this
    // attempt run again, which serves it as the station's previous ticket.
  }, { retryConflicts: true });
  const called = done.value;
  return called ? toCalledTicket(deps.db.db, actor, called) : null;
}

async function findTicketOr404(db: Tx, id: string): Promise<TicketRow> {
  const row = await queueRepo.findTicket(db, id);
  if (!row) throw new AppError('TICKET_NOT_FOUND');
  return row;
}

function notCalled(row: TicketRow): AppError {
  return new AppError('TICKET_NOT_CALLED', { params: { number: row.number, status: row.status }, details: { status: row.status } });
}

/** recallTicket: calls a called ticket again (the board shows and speaks it again); audited. */
export async function recallTicket(deps: ServiceDeps, actor: Actor, id: string): Promise<CalledTicket> {
  authorize(actor, 'queue.operate');
  const row = await mutate(deps, actor, async (tx, effects) => {
    const ticket = await findTicketOr404(tx, id);
    if (!(await queueRepo.recallTicket(tx, ticket.id, nowIso(deps)))) throw notCalled(ticket);
    effects.queueChanged(ticket.site, ticket.date);
    return {
      value: (await queueRepo.findTicket(tx, ticket.id))!,
      audit: { action: 'ticket.recalled', targetType: 'ticket', targetId: ticket.id, details: { site: ticket.site, number: ticket.number, stationId: ticket.station_id, studentId: ticket.student_id } },
    };
  });
  return toCalledTicket(deps.db.db, actor, row);
}

/**
 * skipTicket: the called student did not come (no-show). The ticket goes to the back of the queue; at its
 * second skip it is removed (the student checks in again at the desk). Audited as `ticket.skipped` / `ticket.removed`.
 */
export async function skipTicket(deps: ServiceDeps, actor: Actor, id: string): Promise<CalledTicket> {
  authorize(actor, 'queue.operate');
  const row = await change<TicketRow>(deps, actor, async (tx, effects) => {
    const ticket = await findTicketOr404(tx, id);
    if (ticket.status !== 'called') throw notCalled(ticket);
    effects.queueChanged(ticket.site, ticket.date);
    const next = afterSkip(ticket.skips);
    const order = next.status === 'waiting' ? await queueRepo.takeQueuePlace(tx, ticket.campaign_id, ticket.site, ticket.date) : null;
    // Conditional on the state read: a concurrent skip or call makes this attempt start again.
    if (!(await queueRepo.skipTicket(tx, ticket.id, { ...next, order }, nowIso(deps)))) throw new RetryTransaction();
    // The station that called them no longer names the absent student: new camera files wait for the next call.
    const station = ticket.station_id ? await stationRepo.findStation(tx, ticket.station_id) : undefined;
    if (station?.current_student_id === ticket.student_id) await stationRepo.upsertStationStudent(tx, { id: station.id, studentId: null, by: actor.principal?.userId ?? null, at: nowIso(deps) });
    return {
      value: (await queueRepo.findTicket(tx, ticket.id))!,
      audit: {
        action: next.status === 'removed' ? 'ticket.removed' : 'ticket.skipped',
        targetType: 'ticket',
        targetId: ticket.id,
        details: { site: ticket.site, number: ticket.number, stationId: ticket.station_id, studentId: ticket.student_id, skips: next.skips },
      },
    };
  });
  return toCalledTicket(deps.db.db, actor, row.value);
}

/**
 * transferTicket: the called student goes to another station of the site (a camera fails, a colleague is free).
 * The ticket is called at that station (the board shows the new call), which names the student from now on;
 * the old station no longer does. Refused: a ticket that is not called (TICKET_NOT_CALLED), a station id of the
 * wrong form (VALIDATION_FAILED naming it), a station the site does not have (STATION_UNKNOWN: `<site>-1…N` of
 * the site's settings or a station used before, never one named after another site), a station serving another
 * ticket (STATION_BUSY). The same station again changes nothing. Audited as `ticket.transferred`.
 */
export async function transferTicket(deps: ServiceDeps, actor: Actor, id: string, body: unknown): Promise<CalledTicket> {
  authorize(actor, 'queue.operate');
  const parsed = TransferTicketRequestSchema.safeParse(body);
  if (!parsed.success) throw validationFailed(`stationId: ${parsed.error.issues[0]?.message ?? 'required'}`, parsed.error.issues);
  const raw = parsed.data.stationId.trim();
  const checked = StationIdSchema.safeParse(raw);
  if (!checked.success) throw validationFailed(`stationId "${raw.slice(0, 40)}": lowercase letters, digits and -, 1–32 characters`);
  const target = checked.data;
  const campaign = await getActiveCampaign(deps);
  const done = await change<TicketRow>(deps, actor, async (tx, effects) => {
    const ticket = await findTicketOr404(tx, id);
    const from = ticket.station_id;
    if (ticket.status !== 'called' || !from) throw notCalled(ticket);
    if (from === target) return { value: ticket, audit: null };
    const site = ticket.site as SiteId;
    await assertStationOfSite(tx, campaign, target, site, { usedBefore: 'required' });
    const now = nowIso(deps);
    const by = actor.principal?.userId ?? null;
    // Name the student at the new station first: on PostgreSQL this locks the station's row, so that two
    // transfers to one station wait for each other and the second sees the first's ticket (STATION_BUSY).
    await stationRepo.upsertStationStudent(tx, { id: target, studentId: ticket.student_id, by, at: now });
    const busy = (await queueRepo.listCalledAtStation(tx, ticket.campaign_id, ticket.site, ticket.date, target)).find((t) => t.id !== ticket.id);
    if (busy) throw new AppError('STATION_BUSY', { params: { stationId: target, number: busy.number }, details: { stationId: target, ticketId: busy.id } });
    // Conditional on the state read: a concurrent skip, transfer or call makes this attempt start again.
    if (!(await queueRepo.transferTicket(tx, ticket.id, from, target, now))) throw new RetryTransaction();
    const old = await stationRepo.findStation(tx, from);
    if (old?.current_student_id === ticket.student_id) await stationRepo.upsertStationStudent(tx, { id: from, studentId: null, by, at: now });
    effects.queueChanged(ticket.site, ticket.date);
    return {
      value: (await queueRepo.findTicket(tx, ticket.id))!,
      audit: { action: 'ticket.transferred', targetType: 'ticket', targetId: ticket.id, details: { site, number: ticket.number, fromStationId: from, stationId: target, studentId: ticket.student_id } },
    };
    // One called ticket per station (a unique index): a ticket called there meanwhile makes this attempt run
    // again, which answers STATION_BUSY.
  }, { retryConflicts: true });
  return toCalledTicket(deps.db.db, actor, done.value);
}

/** getTicket: a ticket, its position and estimate; the queue's roles read any, a student only their own. */
export async function getTicket(deps: ServiceDeps, actor: Actor, id: string): Promise<CalledTicket> {
  authorize(actor, 'ticket.read');
  const row = await findTicketOr404(deps.db.db, id);
  const principal = actor.principal;
  if (principal && !actor.system) {
    const student = await queueRepo.findQueueStudentById(deps.db.db, row.student_id);
    if (!student || !canSeeStudent(principal, { department: student.department, studentNo: student.student_no })) {
      await recordAuditEvent(deps, actor, { action: 'student.access_denied', result: 'denied', targetType: 'ticket', targetId: row.id, details: { operation: 'ticket' } });
      throw new AppError('FORBIDDEN');
    }
  }
  return toCalledTicket(deps.db.db, actor, row);
}

/** listQueue: today's queue of a site — called tickets (newest call first), then the waiting ones in order; masked names. */
export async function listQueue(deps: ServiceDeps, actor: Actor, site: SiteId): Promise<QueueList> {
  authorize(actor, 'queue.operate');
  const campaign = await getActiveCampaign(deps);
  checkSite(campaign, site);
  const date = today(deps, campaign);
  const db = deps.db.db;
  const [rows, load] = await Promise.all([queueRepo.listOpenTickets(db, campaign.id, site, date), siteLoad(db, campaign.id, site)]);
  const called = rows.filter((r) => r.status === 'called').sort((a, b) => (b.called_at ?? '').localeCompare(a.called_at ?? ''));
  const waiting = rows.filter((r) => r.status === 'waiting');
  const student = (r: (typeof rows)[number]) => toQueueStudent({ student_no: r.student_no, name: r.student_name, department: r.department, decision: r.decision }, actor.principal);
  return {
    site,
    date,
    items: [...called.map((r) => ({ ticket: ticketView(r, 0, load), student: student(r) })), ...waiting.map((r, i) => ({ ticket: ticketView(r, i + 1, load), student: student(r) }))],
    waiting: waiting.length,
    called: called.length,
    medianServiceSeconds: median(load.recentServiceSeconds),
    stations: load.stations,
  };
}
