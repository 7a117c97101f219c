// Sessions, bookings and the waitlist (issue #3, rules S1–S4, E1–E7).
//
// Seats are the database's business (PITFALLS F1–F5): a seat is taken by `UPDATE … SET booked = booked + 1
// WHERE id = ? AND booked < capacity` with its row count checked, a CHECK keeps booked ≤ capacity, and a
// partial unique index keeps one active booking per student. Every change runs in one transaction with its
// audit event (`mutate`), its Idempotency-Key answer, and what it causes (a waitlisted student promoted, a
// notification written).
//
// Decisions (see the report of issue #3):
// - Booking the session one already holds changes nothing and answers the booking (a double click gets
//   the same booking twice, with 201 then 200; no second seat, no event).
// - Booking another session while holding one moves the booking in one transaction; if the new
//   session is full nothing changes.
// - Joining the waitlist of a session with a free seat books that seat (the waitlist is only for full
//   sessions); the answer says which happened.
// - A freed seat goes to the first waiting student (created_at, then id) who may still book it and holds no
//   other booking; a waiting student who holds another booking is passed over but keeps their place.
import crypto from 'node:crypto';
import type { LiveMessage, SessionCounts } from '../adapters/event-bus.js';
import { encodeLiveMessage, SESSIONS_CHANNEL } from '../adapters/event-bus.js';
import type { z } from 'zod';
import type {
  Booking,
  CampaignScheduleSchema,
  CreateBookingRequestSchema,
  JoinWaitlistRequestSchema,
  MyBookingSchema,
  Session,
  SessionListQuerySchema,
  SessionListSchema,
  SiteSettingsRequestSchema,
  ScheduleDaySchema,
  SiteSettingsResponseSchema,
  SiteSettingsSchema,
  UpdateCampaignScheduleRequestSchema,
  UpdateCampaignScheduleResponseSchema,
  WaitlistEntrySchema,
} from '../contracts/booking.js';
import type { Tx } from '../db/database.js';
import type { CampaignDay, CampaignDefinition, CampaignWindow, SiteId } from '../domain/campaign.js';
import { findDepartmentDay, listDepartments } from '../domain/campaign.js';
import type { Decision, EligibilityRule } from '../domain/eligibility.js';
import type { ErrorCode } from '../domain/errors.js';
import { AppError, isAppError } from '../domain/errors.js';
import type { Lang, Text } from '../domain/i18n.js';
import { fill } from '../domain/i18n.js';
import type { Principal } from '../domain/permissions.js';
import { canSeeStudent } from '../domain/permissions.js';
import type { BookingRefusal, BookingStudent, SessionSlot, SiteSettings } from '../domain/schedule.js';
import { checkBookingAllowed, DEFAULT_SITE_SETTINGS, minutesBetween, planSessionSlots, sessionCapacity, shareByWeight, windowsOf, zonedTimeToInstant } from '../domain/schedule.js';
import type { BookableStudentRow, BookingRow, SessionRow, WaitlistRow } from '../repositories/booking.repository.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import * as campaignRepo from '../repositories/campaign.repository.js';
import { lockStudent } from '../repositories/student.repository.js';
import type { AuditInput } from './audit.service.js';
import { mutate, recordAuditEvent } from './audit.service.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso, SYSTEM } from './deps.js';

export type CreateBookingRequest = z.infer<typeof CreateBookingRequestSchema>;
export type JoinWaitlistRequest = z.infer<typeof JoinWaitlistRequestSchema>;
export type SiteSettingsRequest = z.input<typeof SiteSettingsRequestSchema>;
export type SiteSettingsResponse = z.infer<typeof SiteSettingsResponseSchema>;
export type WaitlistEntry = z.infer<typeof WaitlistEntrySchema>;
export type MyBooking = z.infer<typeof MyBookingSchema>;
export type SiteSettingsView = z.infer<typeof SiteSettingsSchema>;
export type ScheduleDayInput = z.input<typeof ScheduleDaySchema>;
export type CampaignSchedule = z.infer<typeof CampaignScheduleSchema>;
export type UpdateCampaignScheduleRequest = z.input<typeof UpdateCampaignScheduleRequestSchema>;
export type UpdateCampaignScheduleResponse = z.infer<typeof UpdateCampaignScheduleResponseSchema>;

/** What a changing call answers: its value, and whether it created something (201) or changed nothing (200). */
export interface Done<T> {
  value: T;
  created: boolean;
}

export interface JoinWaitlistResult {
  /** set when the session had a free seat: the student was booked instead of waiting */
  booking: Booking | null;
  waitlistEntry: WaitlistEntry | null;
}

// ───────────────────────────── idempotency ─────────────────────────────

/** The first answer to one request, as stored under its Idempotency-Key. */
export type IdempotentOutcome =
  | { ok: true; created: boolean; value: unknown }
  | { ok: false; code: ErrorCode; params: Record<string, string | number>; details?: unknown };

export interface IdempotencyInput {
  key: string;
  /** a hash of what was asked (method, path, body): the same key with another request is refused */
  fingerprint: string;
  /** the status the caller answers for an outcome; stored beside it (the service knows no HTTP) */
  statusOf: (outcome: IdempotentOutcome) => number;
}

export interface ChangeOptions {
  idempotency?: IdempotencyInput | undefined;
}

/** Refusals are answers too: a retry gets the same one. Transient failures and refused keys are not stored. */
const UNSTORED_ERRORS = new Set<ErrorCode>(['CONFLICT', 'INTERNAL', 'IDEMPOTENCY_KEY_REUSED', 'UNAUTHENTICATED', 'SESSION_EXPIRED', 'TOO_MANY_ATTEMPTS']);

/** Thrown inside a transaction whose Idempotency-Key was answered by another request meanwhile. */
class KeyAnsweredMeanwhile extends Error {}
/** Thrown inside a transaction that lost a race it can win by running again (state changed under it). */
class RetryTransaction extends Error {}

function idempotencyUser(actor: Actor): string {
  return actor.principal?.userId ?? `system:${actor.system?.label ?? 'anonymous'}`;
}

function replay<T>(row: bookingRepo.IdempotencyRow, idem: IdempotencyInput): Done<T> {
  if (row.request_hash !== idem.fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED');
  const outcome = JSON.parse(row.response) as IdempotentOutcome;
  if (!outcome.ok) throw new AppError(outcome.code, { params: outcome.params, details: outcome.details });
  return { value: outcome.value as T, created: outcome.created };
}

/**
 * Runs a changing call at most once per Idempotency-Key: an earlier answer to the same key is replayed (the
 * same request) or refused (another request). A success is stored by the call's own transaction; a
 * refusal, which changed nothing, is stored after it.
 */
async function withIdempotency<T>(deps: ServiceDeps, actor: Actor, idem: IdempotencyInput | undefined, call: () => Promise<Done<T>>): Promise<Done<T>> {
  if (!idem) return call();
  const userId = idempotencyUser(actor);
  const earlier = await bookingRepo.findIdempotencyKey(deps.db.db, userId, idem.key);
  if (earlier && earlier.status_code !== 0) return replay<T>(earlier, idem);
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof KeyAnsweredMeanwhile)) {
      if (!isAppError(e) || UNSTORED_ERRORS.has(e.code)) throw e;
      const outcome: IdempotentOutcome = { ok: false, code: e.code, params: e.params, ...(e.details === undefined ? {} : { details: e.details }) };
      await bookingRepo.insertIdempotencyAnswer(deps.db.db, {
        user_id: userId,
        key: idem.key,
        request_hash: idem.fingerprint,
        status_code: idem.statusOf(outcome),
        response: JSON.stringify(outcome),
        created_at: nowIso(deps),
      });
    }
    // Whatever was stored first under the key is the answer, ours or a concurrent request's.
    const stored = await bookingRepo.findIdempotencyKey(deps.db.db, userId, idem.key);
    if (!stored || stored.status_code === 0) throw e;
    return replay<T>(stored, idem);
  }
}

// ───────────────────────────── transactions ─────────────────────────────

const MAX_ATTEMPTS = 6;

/** Deadlocks and serialisation failures (PostgreSQL) and lost races are worth running again. */
function isTransient(e: unknown): boolean {
  if (e instanceof RetryTransaction) return true;
  const code = (e as { code?: unknown } | null)?.code;
  // 40P01 deadlock, 40001 serialisation failure, 23505 / SQLITE_CONSTRAINT_UNIQUE: a unique index refused a
  // row a concurrent transaction wrote first (the next attempt sees that row), 23514 / CHECK: the same for seats.
  return code === '40P01' || code === '40001' || code === '23505' || code === '23514' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_CHECK';
}

type Work<T> = (tx: Tx) => Promise<Done<T> & { audit: AuditInput | null }>;

/**
 * One change in one transaction: the Idempotency-Key is claimed first (a concurrent request with the same
 * key waits for this one and then replays its answer), then the work, its answer and its audit event.
 * A transaction that lost a race is run again; after a few losses the caller gets CONFLICT, never a 500.
 */
async function runChange<T>(deps: ServiceDeps, actor: Actor, idem: IdempotencyInput | undefined, work: Work<T>): Promise<Done<T>> {
  const userId = idempotencyUser(actor);
  for (let attempt = 1; ; attempt++) {
    let live: LiveMessage | null = null;
    try {
      const committed = await mutate(deps, actor, async (tx) => {
        if (idem && !(await bookingRepo.claimIdempotencyKey(tx, { user_id: userId, key: idem.key, request_hash: idem.fingerprint, created_at: nowIso(deps) }))) {
          throw new KeyAnsweredMeanwhile();
        }
        const { audit, ...done } = await work(tx);
        if (idem) {
          const outcome: IdempotentOutcome = { ok: true, created: done.created, value: done.value };
          await bookingRepo.completeIdempotencyKey(tx, userId, idem.key, idem.statusOf(outcome), JSON.stringify(outcome));
        }
        live = await announceInTransaction(tx, deps);
        return { value: done, audit };
      });
      // Committed: only now may this process's subscribers hear of it (PostgreSQL did it through NOTIFY).
      await announceAfterCommit(deps, live);
      return committed;
    } catch (e) {
      if (!isTransient(e)) throw e;
      if (attempt >= MAX_ATTEMPTS) throw new AppError('CONFLICT', { details: { attempts: attempt } });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

// ───────────────────────────── live counts ─────────────────────────────

/** Sessions whose seats or waitlist a transaction changed (or `resync` for a change of the schedule). */
const liveChanges = new WeakMap<Tx, { sessions: Set<string>; resync: boolean }>();

function changesOf(tx: Tx) {
  let c = liveChanges.get(tx);
  if (!c) liveChanges.set(tx, (c = { sessions: new Set(), resync: false }));
  return c;
}

/** Marks sessions whose booked / capacity / waitlist figures change in this transaction. */
function seatsChanged(tx: Tx, ...sessionIds: string[]): void {
  const c = changesOf(tx);
  for (const id of sessionIds) c.sessions.add(id);
}

/**
 * The message a transaction's changes make, read at its end (inside it, so the figures are its own). On
 * PostgreSQL it is NOTIFYed in the transaction: delivered to every process only if it commits.
 */
async function announceInTransaction(tx: Tx, deps: ServiceDeps): Promise<LiveMessage | null> {
  const c = liveChanges.get(tx);
  liveChanges.delete(tx);
  if (!c || !deps.events) return null;
  let message: LiveMessage | null = null;
  if (c.resync) message = { type: 'resync', reason: 'schedule' };
  else if (c.sessions.size > 0) message = { type: 'counts', items: await bookingRepo.readSessionCounts(tx, [...c.sessions]) };
  if (message && deps.events.crossProcess && deps.db.dialect === 'postgres') await bookingRepo.notifyChannel(tx, SESSIONS_CHANNEL, encodeLiveMessage(message));
  return message;
}

async function announceAfterCommit(deps: ServiceDeps, message: LiveMessage | null): Promise<void> {
  if (!message || !deps.events || (deps.events.crossProcess && deps.db.dialect === 'postgres')) return;
  await deps.events.publish(message);
}

/** Booked / capacity / waiting of every current session of the active campaign (the SSE stream's first event). */
export async function readCurrentSessionCounts(deps: ServiceDeps): Promise<SessionCounts[]> {
  const campaign = await getActiveCampaign(deps);
  await ensureSessions(deps, campaign);
  const rows = (await bookingRepo.listCampaignSessions(deps.db.db, campaign.id)).filter((r) => isCurrentSlot(campaign, r));
  return bookingRepo.readSessionCounts(deps.db.db, rows.map((r) => r.id));
}

// ───────────────────────────── sessions ─────────────────────────────

/** Per database handle and campaign layout: the one generation run (concurrent first requests share it). */
const ensuredSessions = new WeakMap<object, Map<string, Promise<number>>>();

function slotSignature(campaign: CampaignDefinition): string {
  return JSON.stringify([campaign.id, campaign.sites.map((s) => s.id), campaign.days.map((d) => [d.date, d.windows ?? null]), campaign.windows]);
}

function settingsLookup(rows: bookingRepo.SiteSettingsRow[]): (site: SiteId) => SiteSettings {
  return (site) => {
    const row = rows.find((r) => r.site === site);
    return row ? { stations: row.stations, minutesPerStudent: row.minutes_per_student } : DEFAULT_SITE_SETTINGS;
  };
}

/**
 * Every (site, day, window) of the active campaign as a row of schedule_sessions (S1, S4), made on demand
 * and idempotently: only missing slots are inserted (the slot's unique key decides), with the capacity of
 * the site's settings. Runs its transaction once per process and campaign layout.
 */
export async function ensureSessions(deps: ServiceDeps, active?: CampaignDefinition): Promise<{ created: number }> {
  const campaign = active ?? (await getActiveCampaign(deps));
  const signature = slotSignature(campaign);
  const runs = ensuredSessions.get(deps.db) ?? new Map<string, Promise<number>>();
  ensuredSessions.set(deps.db, runs);
  const earlier = runs.get(signature);
  if (earlier) {
    await earlier;
    return { created: 0 };
  }
  const run = mutate(deps, SYSTEM, async (tx) => {
    const now = nowIso(deps);
    const slots = planSessionSlots(campaign, settingsLookup(await bookingRepo.listSiteSettings(tx, campaign.id)));
    const n = await bookingRepo.insertMissingSessions(
      tx,
      slots.map((s) => ({ id: crypto.randomUUID(), campaign_id: campaign.id, site: s.site, date: s.date, start_time: s.start, end_time: s.end, capacity: s.capacity, booked: 0, updated_at: now })),
    );
    return { value: n, audit: n > 0 ? { action: 'sessions.generated', targetType: 'campaign', targetId: campaign.id, details: { created: n, slots: slots.length } } : null };
  });
  runs.set(signature, run);
  // A failed run is forgotten, so that the next call tries again.
  run.catch(() => runs.delete(signature));
  return { created: await run };
}

/** Whether a stored session is one of the campaign's current slots (days or windows may have changed). */
function isCurrentSlot(campaign: CampaignDefinition, row: SessionRow): boolean {
  return campaign.sites.some((s) => s.id === row.site) && windowsOf(campaign, row.date, row.site as SiteId).some((w) => w.start === row.start_time && w.end === row.end_time);
}


/**
 * The default expectation (S1): required students of the departments of a session's day at its site who
 * have not booked, shared over the day's windows in proportion to their length.
 */
async function expectedLoad(db: Tx, campaign: CampaignDefinition, rows: SessionRow[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (rows.length === 0) return out;
  const dates = new Set(rows.map((r) => r.date));
  const sites = new Set(rows.map((r) => r.site));
  const days = campaign.days.filter((d) => dates.has(d.date));
  const counts = await bookingRepo.countUnbookedRequiredByDepartment(db, campaign.id, {
    site: sites.size === 1 ? [...sites][0] : undefined,
    departments: days.flatMap((d) => d.departments),
  });
  for (const row of rows) {
    const departments = new Set(days.find((d) => d.date === row.date)?.departments ?? []);
    const total = counts.filter((c) => c.site === row.site && departments.has(c.department)).reduce((a, c) => a + c.n, 0);
    const windows = windowsOf(campaign, row.date, row.site as SiteId);
    const w = windows.findIndex((x) => x.start === row.start_time);
    out.set(row.id, w < 0 ? 0 : (shareByWeight(total, windows.map((x) => minutesBetween(x.start, x.end)))[w] ?? 0));
  }
  return out;
}

async function toSessionViews(db: Tx, campaign: CampaignDefinition, rows: SessionRow[]): Promise<Session[]> {
  const weekend = new Set(campaign.weekendDays);
  const [expected, waiting] = await Promise.all([expectedLoad(db, campaign, rows), bookingRepo.countWaitingBySession(db, rows.map((r) => r.id))]);
  return rows.map((r) => ({
    id: r.id,
    site: r.site as SiteId,
    date: r.date,
    start: r.start_time,
    end: r.end_time,
    capacity: r.capacity,
    booked: r.booked,
    expected: expected.get(r.id) ?? 0,
    weekend: weekend.has(r.date),
    waiting: waiting.get(r.id) ?? 0,
  }));
}

export async function listSessions(deps: ServiceDeps, actor: Actor, query: z.infer<typeof SessionListQuerySchema>): Promise<z.infer<typeof SessionListSchema>> {
  authorize(actor, 'session.list');
  const campaign = await getActiveCampaign(deps);
  await ensureSessions(deps, campaign);
  const rows = (await bookingRepo.listCampaignSessions(deps.db.db, campaign.id, query)).filter((r) => isCurrentSlot(campaign, r));
  return { items: await toSessionViews(deps.db.db, campaign, rows) };
}

// ───────────────────────────── who books what ─────────────────────────────

interface BookingContext {
  deps: ServiceDeps;
  actor: Actor;
  campaign: CampaignDefinition;
}

function toBookingStudent(s: BookableStudentRow): BookingStudent {
  return { decision: s.decision as Decision, rule: s.rule as EligibilityRule | null, site: s.site as SiteId, department: s.department, employed: s.employed === 1 };
}

function refusalError(refusal: BookingRefusal, student: BookableStudentRow): AppError {
  switch (refusal.code) {
    case 'STUDENT_NOT_ELIGIBLE':
      // The rule that excludes them (E4–E6), or "not-in-campaign" when no rule applies (docs/rules/campaign-rules.md: every decision with its rule).
      return new AppError('STUDENT_NOT_ELIGIBLE', { params: { rule: refusal.rule ?? student.decision }, details: { decision: student.decision, rule: refusal.rule } });
    case 'WRONG_SITE':
      return new AppError('WRONG_SITE', { params: { site: refusal.studentSite }, details: { rule: 'S4', studentSite: refusal.studentSite } });
    case 'WEEKEND_NOT_ALLOWED':
      return new AppError('WEEKEND_NOT_ALLOWED', { details: { rule: 'S3' } });
    case 'SESSION_IN_PAST':
      return new AppError('SESSION_IN_PAST');
  }
}

function requirePrincipalOrSystem(actor: Actor): Principal | null {
  if (actor.system) return null;
  if (!actor.principal) throw new AppError('UNAUTHENTICATED');
  return actor.principal;
}

/**
 * The student a call is about: a student acts for themself; a secretary for students of their departments;
 * an admin (or the system) for anyone, naming the student by number. A refused look is an audit event.
 */
async function resolveStudent(ctx: BookingContext, studentNo: string | undefined): Promise<BookableStudentRow> {
  const principal = requirePrincipalOrSystem(ctx.actor);
  if (principal?.role === 'student' && studentNo !== undefined && studentNo !== principal.studentNo) throw new AppError('FORBIDDEN');
  const no = studentNo ?? (principal?.role === 'student' ? principal.studentNo : null);
  if (!no) throw new AppError('VALIDATION_FAILED', { params: { detail: 'studentNo: required when acting for a student' }, details: [{ field: 'studentNo', message: 'required' }] });
  const student = await bookingRepo.findBookableStudentByNo(ctx.deps.db.db, ctx.campaign.id, no);
  if (!student) throw new AppError('STUDENT_NOT_FOUND');
  if (principal && !canSeeStudent(principal, { department: student.department, studentNo: student.student_no })) {
    await recordAuditEvent(ctx.deps, ctx.actor, { action: 'student.access_denied', result: 'denied', targetType: 'student', targetId: student.id, details: { operation: 'booking' } });
    throw new AppError('FORBIDDEN');
  }
  return student;
}

async function getCampaignSession(ctx: BookingContext, sessionId: string): Promise<SessionRow> {
  const session = await bookingRepo.findSession(ctx.deps.db.db, sessionId);
  if (!session || session.campaign_id !== ctx.campaign.id || !isCurrentSlot(ctx.campaign, session)) throw new AppError('SESSION_NOT_FOUND');
  return session;
}

/** Rules S2–S4 and E1–E7 before any seat is counted (seats are the database's job). */
function assertMayBook(ctx: BookingContext, student: BookableStudentRow, session: SessionRow): void {
  const refusal = checkBookingAllowed(toBookingStudent(student), { site: session.site as SiteId, date: session.date, start: session.start_time }, ctx.campaign, ctx.deps.clock());
  if (refusal) throw refusalError(refusal, student);
}

async function toBookingView(db: Tx, campaign: CampaignDefinition, booking: BookingRow, studentNo: string): Promise<Booking> {
  const session = await bookingRepo.findSession(db, booking.session_id);
  if (!session) throw new Error(`booking ${booking.id} refers to a missing session`);
  const [view] = await toSessionViews(db, campaign, [session]);
  return toBooking(booking, studentNo, view!);
}

// ───────────────────────────── seats, inside a transaction ─────────────────────────────

interface Promotion {
  studentId: string;
  bookingId: string;
  waitlistEntryId: string;
}

type SeatOutcome =
  | { kind: 'unchanged'; booking: BookingRow }
  | { kind: 'created'; booking: BookingRow; session: Session }
  | { kind: 'moved'; booking: BookingRow; session: Session; from: BookingRow; promoted: Promotion[] }
  | { kind: 'waitlisted'; entry: WaitlistRow };

function newBookingRow(ctx: BookingContext, sessionId: string, studentId: string, now: string): Omit<BookingRow, 'status' | 'cancelled_at'> {
  return { id: crypto.randomUUID(), campaign_id: ctx.campaign.id, session_id: sessionId, student_id: studentId, created_by: ctx.actor.principal?.userId ?? null, created_at: now };
}

/**
 * Gives a student a seat in a session in one step (F1, F5): their current booking, if any, is moved (if
 * the new session is full nothing changes, the transaction is rolled back); the seat they leave goes to
 * that session's waitlist. A full session refuses with SESSION_FULL, or queues the student when asked to.
 *
 * The booking rows are written first and the seat is taken last: the session's row, which every student
 * of that session wants, then stays locked (PostgreSQL) only for the audit event and the commit.
 */
async function takeSeatFor(tx: Tx, ctx: BookingContext, student: BookableStudentRow, session: SessionRow, opts: { waitlistIfFull: boolean }): Promise<SeatOutcome> {
  const { deps } = ctx;
  const dialect = deps.db.dialect;
  const now = nowIso(deps);
  await lockStudent(tx, dialect, student.id);
  const current = await bookingRepo.findActiveBookingOfStudent(tx, student.id);
  if (current?.session_id === session.id) return { kind: 'unchanged', booking: current };
  if (opts.waitlistIfFull) {
    // Waiting is for full sessions only. Decided on the locked row, so no seat frees between the look and the queueing.
    const seats = await bookingRepo.readSeatsForUpdate(tx, dialect, session.id);
    if (seats && seats.booked >= seats.capacity) {
      const entry = { id: crypto.randomUUID(), session_id: session.id, student_id: student.id, created_at: now };
      if (!(await bookingRepo.insertWaitingEntry(tx, entry))) throw new AppError('ALREADY_WAITLISTED', { details: { sessionId: session.id } });
      seatsChanged(tx, session.id);
      return { kind: 'waitlisted', entry: { ...entry, status: 'waiting', resolved_at: null } };
    }
  }
  // Compare-and-swap (F3): a concurrent cancel or move of the same booking makes this attempt run again.
  if (current && !(await bookingRepo.cancelActiveBooking(tx, current.id, now))) throw new RetryTransaction();
  const booking = newBookingRow(ctx, session.id, student.id, now);
  if (!(await bookingRepo.insertActiveBooking(tx, booking))) throw new RetryTransaction();
  await bookingRepo.closeWaitingEntry(tx, session.id, student.id, now);
  const [view] = await toSessionViews(tx, ctx.campaign, [session]);
  if (current) await bookingRepo.lockSessions(tx, dialect, [current.session_id, session.id]);
  // The seat: `booked < capacity` is evaluated by the database on the row it updates (F1).
  const seats = await bookingRepo.takeSeatReturning(tx, session.id, now);
  if (!seats) throw new AppError('SESSION_FULL', { details: { sessionId: session.id } });
  seatsChanged(tx, session.id);
  const row: BookingRow = { ...booking, status: 'active', cancelled_at: null };
  const sessionView: Session = { ...view!, booked: seats.booked, capacity: seats.capacity };
  if (!current) return { kind: 'created', booking: row, session: sessionView };
  if (!(await bookingRepo.releaseSeat(tx, current.session_id, now))) throw new Error(`seat counter of session ${current.session_id} is out of step (F4)`);
  seatsChanged(tx, current.session_id);
  const promoted = await promoteFromWaitlist(tx, ctx, current.session_id);
  return { kind: 'moved', booking: row, session: sessionView, from: current, promoted };
}

function toBooking(booking: BookingRow, studentNo: string, session: Session): Booking {
  return {
    id: booking.id,
    sessionId: booking.session_id,
    studentId: booking.student_id,
    studentNo,
    status: booking.status as Booking['status'],
    createdAt: booking.created_at,
    session,
  };
}

const WAITLIST_PAGE = 50;

/**
 * Fills the free seats of a session from its waitlist, in queue order, in the caller's transaction: each
 * promoted student gets a booking, their entry becomes 'promoted', and a notification is written for the
 * mail job. Entries of students who may no longer book it are closed; students holding another booking
 * are passed over and keep their place.
 */
async function promoteFromWaitlist(tx: Tx, ctx: BookingContext, sessionId: string): Promise<Promotion[]> {
  const now = nowIso(ctx.deps);
  const session = await bookingRepo.findSession(tx, sessionId);
  const promoted: Promotion[] = [];
  if (!session) return promoted;
  seatsChanged(tx, sessionId);
  let free = session.capacity - session.booked;
  let cursor: { createdAt: string; id: string } | undefined;
  while (free > 0) {
    const entries = await bookingRepo.listWaitingEntries(tx, sessionId, WAITLIST_PAGE, cursor);
    if (entries.length === 0) break;
    for (const entry of entries) {
      if (free <= 0) break;
      cursor = { createdAt: entry.created_at, id: entry.id };
      const student = await bookingRepo.findBookableStudentById(tx, entry.student_id);
      const refusal = student
        ? checkBookingAllowed(toBookingStudent(student), { site: session.site as SiteId, date: session.date, start: session.start_time }, ctx.campaign, ctx.deps.clock())
        : ({ code: 'STUDENT_NOT_ELIGIBLE', rule: null } as const);
      if (refusal?.code === 'SESSION_IN_PAST') return promoted;
      if (refusal || !student) {
        await bookingRepo.resolveWaitingEntry(tx, entry.id, 'cancelled', now);
        continue;
      }
      if (await bookingRepo.findActiveBookingOfStudent(tx, student.id)) continue;
      if (!(await bookingRepo.takeSeat(tx, sessionId, now))) return promoted;
      const booking = newBookingRow(ctx, sessionId, student.id, now);
      if (!(await bookingRepo.insertActiveBooking(tx, booking))) {
        // The student booked elsewhere a moment ago: give the seat back and ask the next one.
        await bookingRepo.releaseSeat(tx, sessionId, now);
        continue;
      }
      await bookingRepo.resolveWaitingEntry(tx, entry.id, 'promoted', now);
      await bookingRepo.insertNotification(tx, {
        id: crypto.randomUUID(),
        student_id: student.id,
        kind: 'waitlist.promoted',
        payload: JSON.stringify({ bookingId: booking.id, sessionId, site: session.site, date: session.date, start: session.start_time, end: session.end_time }),
        created_at: now,
        sent_at: null,
      });
      promoted.push({ studentId: student.id, bookingId: booking.id, waitlistEntryId: entry.id });
      free--;
    }
  }
  return promoted;
}

function bookingAudit(outcome: Exclude<SeatOutcome, { kind: 'unchanged' | 'waitlisted' }>, session: SessionRow): AuditInput {
  const details: Record<string, unknown> = { studentId: outcome.booking.student_id, sessionId: session.id, date: session.date, start: session.start_time, site: session.site };
  if (outcome.kind === 'moved') {
    details.fromBookingId = outcome.from.id;
    details.fromSessionId = outcome.from.session_id;
    if (outcome.promoted.length) details.promoted = outcome.promoted;
  }
  return { action: outcome.kind === 'moved' ? 'booking.moved' : 'booking.created', targetType: 'booking', targetId: outcome.booking.id, details };
}

// ───────────────────────────── use cases ─────────────────────────────

async function bookingContext(deps: ServiceDeps, actor: Actor): Promise<BookingContext> {
  const campaign = await getActiveCampaign(deps);
  await ensureSessions(deps, campaign);
  return { deps, actor, campaign };
}

/**
 * Books a session for a student (S2–S4, E1–E7), or moves their booking there. 201 when a seat was taken;
 * the booking unchanged (200) when the student already holds this session; SESSION_FULL when there is no seat.
 */
export async function createBooking(deps: ServiceDeps, actor: Actor, req: CreateBookingRequest, opts: ChangeOptions = {}): Promise<Done<Booking>> {
  authorize(actor, 'booking.create');
  return withIdempotency(deps, actor, opts.idempotency, async () => {
    const ctx = await bookingContext(deps, actor);
    const student = await resolveStudent(ctx, req.studentNo);
    const session = await getCampaignSession(ctx, req.sessionId);
    assertMayBook(ctx, student, session);
    // A full session is refused without a transaction: this read only ever refuses (a seat that frees a moment
    // later is missed as it would be by arriving a moment earlier); a seat is only ever granted by the
    // conditional UPDATE in the transaction. The student's own seat in it is not "full" (a double click).
    if (session.booked >= session.capacity && (await bookingRepo.findActiveBookingOfStudent(deps.db.db, student.id))?.session_id !== session.id) {
      throw new AppError('SESSION_FULL', { details: { sessionId: session.id } });
    }
    return runChange(deps, actor, opts.idempotency, async (tx) => {
      const outcome = await takeSeatFor(tx, ctx, student, session, { waitlistIfFull: false });
      if (outcome.kind === 'waitlisted') throw new Error('unreachable: not asked to wait');
      if (outcome.kind === 'unchanged') return { value: await toBookingView(tx, ctx.campaign, outcome.booking, student.student_no), created: false, audit: null };
      return { value: toBooking(outcome.booking, student.student_no, outcome.session), created: true, audit: bookingAudit(outcome, session) };
    });
  });
}

/**
 * Cancels a booking and gives its seat to the session's waitlist in the same transaction. Cancelling a
 * cancelled booking changes nothing (a retried DELETE); a session that has started cannot be cancelled.
 */
export async function cancelBooking(deps: ServiceDeps, actor: Actor, bookingId: string, opts: ChangeOptions = {}): Promise<Done<Booking>> {
  authorize(actor, 'booking.cancel');
  return withIdempotency(deps, actor, opts.idempotency, async () => {
    const ctx = await bookingContext(deps, actor);
    const booking = await bookingRepo.findBooking(deps.db.db, bookingId);
    if (!booking || booking.campaign_id !== ctx.campaign.id) throw new AppError('BOOKING_NOT_FOUND');
    const student = await bookingRepo.getStudentOfBooking(deps.db.db, booking);
    const principal = requirePrincipalOrSystem(actor);
    if (principal && !canSeeStudent(principal, { department: student.department, studentNo: student.student_no })) {
      await recordAuditEvent(deps, actor, { action: 'student.access_denied', result: 'denied', targetType: 'booking', targetId: booking.id, details: { operation: 'cancel' } });
      throw new AppError('FORBIDDEN');
    }
    const session = await bookingRepo.findSession(deps.db.db, booking.session_id);
    if (!session) throw new AppError('SESSION_NOT_FOUND');
    // A session that has started is history: its seat can no longer be given to anyone.
    if (booking.status === 'active' && zonedTimeToInstant(session.date, session.start_time, ctx.campaign.timezone).getTime() <= deps.clock().getTime()) {
      throw new AppError('SESSION_IN_PAST');
    }
    return runChange(deps, actor, opts.idempotency, async (tx) => {
      const now = nowIso(deps);
      await lockStudent(tx, deps.db.dialect, student.id);
      if (!(await bookingRepo.cancelActiveBooking(tx, booking.id, now))) {
        const unchanged = (await bookingRepo.findBooking(tx, booking.id))!;
        return { value: await toBookingView(tx, ctx.campaign, unchanged, student.student_no), created: false, audit: null };
      }
      if (!(await bookingRepo.releaseSeat(tx, booking.session_id, now))) throw new Error(`seat counter of session ${booking.session_id} is out of step (F4)`);
      seatsChanged(tx, booking.session_id);
      const promoted = await promoteFromWaitlist(tx, ctx, booking.session_id);
      const value = await toBookingView(tx, ctx.campaign, { ...booking, status: 'cancelled', cancelled_at: now }, student.student_no);
      const details: Record<string, unknown> = { studentId: student.id, sessionId: booking.session_id, date: session.date, start: session.start_time, site: session.site };
      if (promoted.length) details.promoted = promoted;
      return { value, created: false, audit: { action: 'booking.cancelled', targetType: 'booking', targetId: booking.id, details } };
    });
  });
}

function toWaitlistEntry(row: WaitlistRow, studentNo: string, position: number): WaitlistEntry {
  return { id: row.id, sessionId: row.session_id, studentNo, position, status: row.status as WaitlistEntry['status'], createdAt: row.created_at };
}

/**
 * Puts a student on a full session's waitlist (S2–S4 and E1–E7 apply as for a booking). A session with a
 * free seat books it instead (moving the student's booking, as createBooking does): the waitlist is only
 * for full sessions. A student already booked in this session gets their booking back, unchanged.
 */
export async function joinWaitlist(deps: ServiceDeps, actor: Actor, sessionId: string, req: JoinWaitlistRequest, opts: ChangeOptions = {}): Promise<Done<JoinWaitlistResult>> {
  authorize(actor, 'waitlist.join');
  return withIdempotency(deps, actor, opts.idempotency, async () => {
    const ctx = await bookingContext(deps, actor);
    const student = await resolveStudent(ctx, req.studentNo);
    const session = await getCampaignSession(ctx, sessionId);
    assertMayBook(ctx, student, session);
    return runChange<JoinWaitlistResult>(deps, actor, opts.idempotency, async (tx) => {
      const outcome = await takeSeatFor(tx, ctx, student, session, { waitlistIfFull: true });
      if (outcome.kind === 'waitlisted') {
        const position = (await bookingRepo.listWaitingEntriesOfStudent(tx, student.id)).find((e) => e.id === outcome.entry.id)?.position ?? 0;
        return {
          value: { booking: null, waitlistEntry: toWaitlistEntry(outcome.entry, student.student_no, position) },
          created: true,
          audit: { action: 'waitlist.joined', targetType: 'waitlist_entry', targetId: outcome.entry.id, details: { studentId: student.id, sessionId: session.id, position } },
        };
      }
      if (outcome.kind === 'unchanged') {
        return { value: { booking: await toBookingView(tx, ctx.campaign, outcome.booking, student.student_no), waitlistEntry: null }, created: false, audit: null };
      }
      return { value: { booking: toBooking(outcome.booking, student.student_no, outcome.session), waitlistEntry: null }, created: true, audit: bookingAudit(outcome, session) };
    });
  });
}

/** A student's booking (or their department's day when they have none, S1) and their waitlist places. */
export async function getMyBooking(deps: ServiceDeps, actor: Actor, query: { studentNo?: string | undefined }): Promise<MyBooking> {
  authorize(actor, 'booking.read');
  const ctx = await bookingContext(deps, actor);
  const student = await resolveStudent(ctx, query.studentNo);
  const db = deps.db.db;
  const active = await bookingRepo.findActiveBookingOfStudent(db, student.id);
  const waiting = await bookingRepo.listWaitingEntriesOfStudent(db, student.id);
  return {
    booking: active ? await toBookingView(db, ctx.campaign, active, student.student_no) : null,
    defaultDay: !active && student.decision === 'required' ? (findDepartmentDay(ctx.campaign, student.department) ?? null) : null,
    waitlist: waiting.map((w) => toWaitlistEntry(w, student.student_no, w.position)),
  };
}

// ───────────────────────────── site settings ─────────────────────────────

interface SeatPlan {
  row: SessionRow;
  capacity: number; // after the change
  booked: number; // as the moves go
}

interface Affected {
  studentNo: string;
  sessionId: string;
  date: string;
  start: string;
}

/**
 * Changes a site's stations and minutes per student, and so the capacity of its sessions (S1). A change
 * that leaves a session with more bookings than seats is refused with the affected students (the last
 * booked ones), unless `moveAffected`: then each of them is moved to the nearest later session of the site
 * with a free seat that they may book, and notified. Freed or added seats go to the waitlists. One transaction.
 */
export async function updateSiteSettings(deps: ServiceDeps, actor: Actor, site: SiteId, req: SiteSettingsRequest): Promise<SiteSettingsResponse> {
  authorize(actor, 'schedule.manage');
  const ctx = await bookingContext(deps, actor);
  if (!ctx.campaign.sites.some((s) => s.id === site)) throw new AppError('NOT_FOUND');
  const settings: SiteSettings = { stations: req.stations, minutesPerStudent: req.minutesPerStudent };
  const { value } = await runChange<SiteSettingsResponse>(deps, actor, undefined, async (tx) => {
    const now = nowIso(deps);
    await bookingRepo.lockSiteSessions(tx, deps.db.dialect, ctx.campaign.id, site);
    await bookingRepo.upsertSiteSettings(tx, { campaign_id: ctx.campaign.id, site, stations: settings.stations, minutes_per_student: settings.minutesPerStudent, updated_at: now });
    const plans: SeatPlan[] = (await bookingRepo.listCampaignSessions(tx, ctx.campaign.id, { site }))
      .filter((row) => isCurrentSlot(ctx.campaign, row))
      .map((row) => ({ row, capacity: sessionCapacity(row.start_time, row.end_time, settings), booked: row.booked }));
    seatsChanged(tx, ...plans.map((p) => p.row.id));
    const over = plans.filter((p) => p.booked > p.capacity);
    if (over.length > 0 && !req.moveAffected) {
      const affected: Affected[] = [];
      for (const p of over) affected.push(...(await lastBooked(tx, p)).map((b) => ({ studentNo: b.student_no, sessionId: p.row.id, date: p.row.date, start: p.row.start_time })));
      throw new AppError('CAPACITY_BELOW_BOOKINGS', {
        params: { count: over.length },
        details: { sessions: over.map((p) => ({ sessionId: p.row.id, date: p.row.date, start: p.row.start_time, capacity: p.capacity, booked: p.booked })), affected },
      });
    }
    for (const p of plans) if (p.booked <= p.capacity) await bookingRepo.setSessionCapacity(tx, p.row.id, p.capacity, now);
    const moved = await moveOverCapacity(tx, ctx, plans, over);
    const promoted: Promotion[] = [];
    for (const p of plans) if (p.capacity > p.booked) promoted.push(...(await promoteFromWaitlist(tx, ctx, p.row.id)));
    return {
      value: { site, stations: settings.stations, minutesPerStudent: settings.minutesPerStudent, moved },
      created: false,
      audit: {
        action: 'site_settings.changed',
        targetType: 'site',
        targetId: site,
        details: { stations: settings.stations, minutesPerStudent: settings.minutesPerStudent, moveAffected: req.moveAffected ?? false, moved: moved.length, promoted: promoted.length },
      },
    };
  });
  return value;
}

/** The students over a session's new capacity: the last booked, oldest of them first. */
async function lastBooked(tx: Tx, p: SeatPlan) {
  return (await bookingRepo.listLastBookedOfSession(tx, p.row.id, p.booked - p.capacity)).reverse();
}

async function moveOverCapacity(tx: Tx, ctx: BookingContext, plans: SeatPlan[], over: SeatPlan[]): Promise<SiteSettingsResponse['moved']> {
  const now = nowIso(ctx.deps);
  const chronological = [...plans].sort((a, b) => (a.row.date + a.row.start_time).localeCompare(b.row.date + b.row.start_time));
  const moved: SiteSettingsResponse['moved'] = [];
  const unmovable: Affected[] = [];
  for (const source of over) {
    for (const victim of await lastBooked(tx, source)) {
      const student = await bookingRepo.findBookableStudentById(tx, victim.student_id);
      // A student who holds a booking keeps their right to one: only the day rules (S3, S4, not past) choose the target.
      const facts = student ? { ...toBookingStudent(student), decision: 'required' as const } : null;
      const target = chronological.find(
        (t) =>
          (t.row.date + t.row.start_time).localeCompare(source.row.date + source.row.start_time) > 0 &&
          t.booked < t.capacity &&
          facts !== null &&
          checkBookingAllowed(facts, { site: t.row.site as SiteId, date: t.row.date, start: t.row.start_time }, ctx.campaign, ctx.deps.clock()) === null,
      );
      if (!target || !student) {
        unmovable.push({ studentNo: victim.student_no, sessionId: source.row.id, date: source.row.date, start: source.row.start_time });
        continue;
      }
      if (!(await bookingRepo.takeSeat(tx, target.row.id, now))) throw new RetryTransaction();
      if (!(await bookingRepo.cancelActiveBooking(tx, victim.id, now))) throw new RetryTransaction();
      if (!(await bookingRepo.releaseSeat(tx, source.row.id, now))) throw new Error(`seat counter of session ${source.row.id} is out of step (F4)`);
      const booking = newBookingRow(ctx, target.row.id, student.id, now);
      if (!(await bookingRepo.insertActiveBooking(tx, booking))) throw new RetryTransaction();
      target.booked++;
      source.booked--;
      await bookingRepo.insertNotification(tx, {
        id: crypto.randomUUID(),
        student_id: student.id,
        kind: 'booking.moved',
        payload: JSON.stringify({
          reason: 'capacity',
          bookingId: booking.id,
          fromSessionId: source.row.id,
          toSessionId: target.row.id,
          site: target.row.site,
          date: target.row.date,
          start: target.row.start_time,
          end: target.row.end_time,
        }),
        created_at: now,
        sent_at: null,
      });
      moved.push({ studentNo: victim.student_no, fromSessionId: source.row.id, toSessionId: target.row.id });
    }
    if (source.booked <= source.capacity) await bookingRepo.setSessionCapacity(tx, source.row.id, source.capacity, now);
  }
  if (unmovable.length > 0) {
    throw new AppError('CAPACITY_BELOW_BOOKINGS', {
      params: { count: new Set(unmovable.map((u) => u.sessionId)).size },
      details: { reason: 'no later session with a free seat', affected: unmovable },
    });
  }
  return moved;
}

// ───────────────────────────── invariants (F4) ─────────────────────────────

/** The seat invariants, read from the database: every figure must be 0 (tests and benchmarks assert them). */
export async function checkSeatInvariants(deps: Pick<ServiceDeps, 'db'>): Promise<{ counterMismatches: number; sessionsOverCapacity: number; studentsWithSeveralBookings: number }> {
  const db = deps.db.db;
  const [mismatches, over, several] = await Promise.all([
    bookingRepo.findSessionCounterMismatches(db),
    bookingRepo.countSessionsOverCapacity(db),
    bookingRepo.countStudentsWithSeveralActiveBookings(db),
  ]);
  return { counterMismatches: mismatches.length, sessionsOverCapacity: over, studentsWithSeveralBookings: several };
}

// ───────────────────────────── site settings: read ─────────────────────────────

/** A site's stations and minutes per student (the defaults until the admin sets them). */
export async function getSiteSettings(deps: ServiceDeps, actor: Actor, site: SiteId): Promise<SiteSettingsView> {
  authorize(actor, 'session.list');
  const campaign = await getActiveCampaign(deps);
  if (!campaign.sites.some((s) => s.id === site)) throw new AppError('NOT_FOUND');
  const settings = settingsLookup(await bookingRepo.listSiteSettings(deps.db.db, campaign.id))(site);
  return { site, stations: settings.stations, minutesPerStudent: settings.minutesPerStudent };
}

// ───────────────────────────── idempotency keys: purge ─────────────────────────────

/** How long a stored answer is replayed: a client retries within minutes, never a day later. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

/** Forgets answers older than a day (called when the server starts and every hour). */
export async function purgeIdempotencyKeys(deps: Pick<ServiceDeps, 'db' | 'clock'>): Promise<{ removed: number }> {
  const before = new Date(deps.clock().getTime() - IDEMPOTENCY_KEY_TTL_MS).toISOString();
  return { removed: await bookingRepo.deleteIdempotencyKeysBefore(deps.db.db, before) };
}

// ───────────────────────────── the campaign's days and windows (S1) ─────────────────────────────

function schedulePeriod(campaign: CampaignDefinition): { firstDay: string; lastDay: string } {
  if (campaign.schedulePeriod) return campaign.schedulePeriod;
  const dates = campaign.days.map((d) => d.date).sort();
  return { firstDay: dates[0]!, lastDay: dates.at(-1)! };
}

function isSaturdayOrSunday(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

/** The days, their departments and each site's windows, as the admin's editor shows them. */
export async function getCampaignSchedule(deps: ServiceDeps, actor: Actor): Promise<CampaignSchedule> {
  authorize(actor, 'session.list');
  const campaign = await getActiveCampaign(deps);
  const weekend = new Set(campaign.weekendDays);
  return {
    timezone: campaign.timezone,
    ...schedulePeriod(campaign),
    sites: campaign.sites.map((s) => s.id),
    departments: listDepartments(campaign),
    days: campaign.days.map((d) => ({
      date: d.date,
      weekend: weekend.has(d.date),
      departments: d.departments,
      windows: Object.fromEntries(campaign.sites.map((s) => [s.id, windowsOf(campaign, d.date, s.id)])),
    })),
  };
}

export interface ScheduleIssue {
  /** the day's date as sent (null: the schedule as a whole) */
  day: string | null;
  field: string;
  value: string;
  message: string;
}

const SCHEDULE_MESSAGES = {
  dateTwice: { zh: '日期 {date} 出现了两次', en: 'The date {date} is listed twice' },
  dateOutside: { zh: '日期 {date} 不在采集活动期间（{first} 至 {last}）', en: 'The date {date} is outside the campaign ({first} to {last})' },
  siteUnknown: { zh: '{date}：采集地点“{site}”不属于本次活动', en: '{date}: "{site}" is not a site of this campaign' },
  endNotAfterStart: { zh: '{date} {site}第 {n} 个时段：结束时间 {end} 不晚于开始时间 {start}', en: '{date}, {site} window {n}: the end {end} is not after the start {start}' },
  overlap: { zh: '{date} {site}：时段 {a} 与 {b} 重叠', en: '{date}, {site}: the windows {a} and {b} overlap' },
  departmentUnknown: { zh: '{date}：院系“{department}”不在本次采集活动中', en: '{date}: "{department}" is not a department of this campaign' },
  departmentTwice: { zh: '院系“{department}”同时安排在 {first} 和 {second}', en: '"{department}" is scheduled on both {first} and {second}' },
  departmentMissing: { zh: '院系“{department}”没有安排采集日', en: '"{department}" has no day' },
} satisfies Record<string, Text>;

const SITE_WORDS: Record<SiteId, Text> = { beijing: { zh: '北京', en: 'Beijing' }, shenzhen: { zh: '深圳', en: 'Shenzhen' } };

/**
 * What is wrong with a proposed schedule, every problem at once, each naming its day, field and value (in
 * the caller's language): dates twice or outside the campaign, windows that end before they start or
 * overlap, departments unknown, on two days or on none (every department keeps exactly one day, S1, so
 * that no decision changes with the schedule).
 */
export function validateCampaignSchedule(campaign: CampaignDefinition, days: ScheduleDayInput[], lang: Lang): ScheduleIssue[] {
  const issues: ScheduleIssue[] = [];
  const say = (key: keyof typeof SCHEDULE_MESSAGES, params: Record<string, string | number>) => fill(SCHEDULE_MESSAGES[key][lang], params);
  const { firstDay, lastDay } = schedulePeriod(campaign);
  const known = new Set(listDepartments(campaign));
  const sites = new Set(campaign.sites.map((s) => s.id));
  const seenDates = new Set<string>();
  const dayOf = new Map<string, string>();
  days.forEach((day, i) => {
    const date = day.date;
    if (seenDates.has(date)) issues.push({ day: date, field: `days[${i}].date`, value: date, message: say('dateTwice', { date }) });
    seenDates.add(date);
    if (date < firstDay || date > lastDay) issues.push({ day: date, field: `days[${i}].date`, value: date, message: say('dateOutside', { date, first: firstDay, last: lastDay }) });
    for (const [site, windows] of Object.entries(day.windows) as [SiteId, { start: string; end: string }[]][]) {
      const siteName = SITE_WORDS[site]?.[lang] ?? site;
      if (!sites.has(site)) {
        issues.push({ day: date, field: `days[${i}].windows.${site}`, value: site, message: say('siteUnknown', { date, site }) });
        continue;
      }
      windows.forEach((w, j) => {
        if (w.end <= w.start) {
          issues.push({ day: date, field: `days[${i}].windows.${site}[${j}].end`, value: w.end, message: say('endNotAfterStart', { date, site: siteName, n: j + 1, start: w.start, end: w.end }) });
        }
      });
      const sorted = windows.map((w, j) => ({ ...w, j })).filter((w) => w.end > w.start).sort((a, b) => a.start.localeCompare(b.start));
      for (let k = 1; k < sorted.length; k++) {
        const a = sorted[k - 1]!;
        const b = sorted[k]!;
        if (b.start < a.end) {
          issues.push({
            day: date,
            field: `days[${i}].windows.${site}[${b.j}].start`,
            value: b.start,
            message: say('overlap', { date, site: siteName, a: `${a.start}–${a.end}`, b: `${b.start}–${b.end}` }),
          });
        }
      }
    }
    day.departments.forEach((department, j) => {
      if (!known.has(department)) {
        issues.push({ day: date, field: `days[${i}].departments[${j}]`, value: department, message: say('departmentUnknown', { date, department }) });
        return;
      }
      const first = dayOf.get(department);
      if (first !== undefined) {
        issues.push({ day: date, field: `days[${i}].departments[${j}]`, value: department, message: say('departmentTwice', { department, first, second: date }) });
      } else dayOf.set(department, date);
    });
  });
  for (const department of known) {
    if (!dayOf.has(department)) issues.push({ day: null, field: 'days', value: department, message: say('departmentMissing', { department }) });
  }
  return issues;
}

/** The campaign with the new days: windows stored per day only where they differ from the campaign's. */
function withSchedule(campaign: CampaignDefinition, days: ScheduleDayInput[]): CampaignDefinition {
  const same = (a: { start: string; end: string }[], b: { start: string; end: string }[]) => a.length === b.length && a.every((w, i) => w.start === b[i]!.start && w.end === b[i]!.end);
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  const next: CampaignDay[] = sorted.map((d) => {
    const windows: Partial<Record<SiteId, CampaignWindow[]>> = {};
    for (const site of campaign.sites) {
      const own = [...(d.windows[site.id] ?? campaign.windows)].sort((a, b) => a.start.localeCompare(b.start)).map((w) => ({ start: w.start, end: w.end }));
      if (!same(own, campaign.windows)) windows[site.id] = own;
    }
    return Object.keys(windows).length ? { date: d.date, departments: d.departments, windows } : { date: d.date, departments: d.departments };
  });
  // A day added on a Saturday or Sunday is a weekend day (S3); the campaign's own list is kept.
  const weekendDays = [...new Set([...campaign.weekendDays, ...next.map((d) => d.date).filter(isSaturdayOrSunday)])].sort();
  return { ...campaign, days: next, weekendDays, schedulePeriod: schedulePeriod(campaign) };
}

interface ScheduleTarget {
  id: string;
  site: SiteId;
  date: string;
  start: string;
  end: string;
  capacity: number;
  booked: number;
}

const slotKey = (site: string, date: string, start: string) => `${site}\u0000${date}\u0000${start}`;

/**
 * Changes the campaign's days, their departments and each site's windows, and regenerates the sessions in
 * one transaction. A session whose (site, day, start) stays, or whose window moved but still overlaps, keeps
 * its id, bookings and waitlist; new windows get new sessions. A removed session, or one whose window
 * shrinks below its bookings, is refused with the affected students (CAPACITY_BELOW_BOOKINGS) unless
 * `moveAffected`: each of them is then moved to the nearest session of their site with a free seat they may
 * book, or their booking is cancelled when there is none; each is notified. Decisions do not change (every
 * department keeps one day); the students' default day (S1) follows the new table.
 */
export async function updateCampaignSchedule(deps: ServiceDeps, actor: Actor, req: UpdateCampaignScheduleRequest, lang: Lang = 'zh'): Promise<UpdateCampaignScheduleResponse> {
  authorize(actor, 'schedule.manage');
  const ctx = await bookingContext(deps, actor);
  const issues = validateCampaignSchedule(ctx.campaign, req.days, lang);
  if (issues.length > 0) {
    throw new AppError('VALIDATION_FAILED', { params: { detail: issues.map((i) => i.message).join(lang === 'en' ? '; ' : '；') }, details: issues });
  }
  const { value } = await runChange<UpdateCampaignScheduleResponse>(deps, actor, undefined, async (tx) => {
    const now = nowIso(deps);
    const dialect = deps.db.dialect;
    const current = await campaignRepo.lockActiveCampaign(tx, dialect);
    if (!current || current.id !== ctx.campaign.id) throw new AppError('CONFLICT');
    const next = withSchedule(current, req.days);
    await bookingRepo.lockCampaignSessions(tx, dialect, current.id);
    const settings = settingsLookup(await bookingRepo.listSiteSettings(tx, current.id));
    const rows = await bookingRepo.listCampaignSessions(tx, current.id);
    const slots = planSessionSlots(next, settings);

    // Which stored session each new slot is: the same start first, then a moved window that overlaps.
    const byKey = new Map(rows.map((r) => [slotKey(r.site, r.date, r.start_time), r]));
    const rowOf = new Map<SessionSlot, SessionRow>();
    const used = new Set<string>();
    for (const s of slots) {
      const r = byKey.get(slotKey(s.site, s.date, s.start));
      if (r) {
        rowOf.set(s, r);
        used.add(r.id);
      }
    }
    const wasCurrent = rows.filter((r) => isCurrentSlot(current, r));
    for (const s of slots) {
      if (rowOf.has(s)) continue;
      const r = wasCurrent.find((o) => !used.has(o.id) && o.site === s.site && o.date === s.date && o.start_time < s.end && s.start < o.end_time);
      if (r) {
        rowOf.set(s, r);
        used.add(r.id);
      }
    }
    const removed = wasCurrent.filter((r) => !used.has(r.id));
    const targets: ScheduleTarget[] = slots.map((s) => {
      const r = rowOf.get(s);
      return { id: r?.id ?? crypto.randomUUID(), site: s.site, date: s.date, start: s.start, end: s.end, capacity: s.capacity, booked: r?.booked ?? 0 };
    });
    const kept = targets.filter((t) => used.has(t.id));

    // Who would lose their seat: the last booked of a shrunk session, everyone of a removed one.
    const over = kept.filter((t) => t.booked > t.capacity);
    const sources: { row: SessionRow; capacity: number; victims: (BookingRow & { student_no: string })[] }[] = [];
    for (const t of over) sources.push({ row: rows.find((r) => r.id === t.id)!, capacity: t.capacity, victims: (await bookingRepo.listLastBookedOfSession(tx, t.id, t.booked - t.capacity)).reverse() });
    for (const r of removed) if (r.booked > 0) sources.push({ row: r, capacity: 0, victims: (await bookingRepo.listLastBookedOfSession(tx, r.id, r.booked)).reverse() });
    const affected: Affected[] = sources.flatMap((s) => s.victims.map((v) => ({ studentNo: v.student_no, sessionId: s.row.id, date: s.row.date, start: s.row.start_time })));
    if (affected.length > 0 && !req.moveAffected) {
      throw new AppError('CAPACITY_BELOW_BOOKINGS', {
        params: { count: sources.length },
        details: { sessions: sources.map((s) => ({ sessionId: s.row.id, date: s.row.date, start: s.row.start_time, capacity: s.capacity, booked: s.row.booked })), affected },
      });
    }

    await campaignRepo.saveActiveCampaign(tx, next, now);
    for (const t of kept) {
      const r = rows.find((x) => x.id === t.id)!;
      if (r.start_time !== t.start || r.end_time !== t.end) await bookingRepo.setSessionWindow(tx, t.id, t, now);
      if (t.booked <= t.capacity && r.capacity !== t.capacity) await bookingRepo.setSessionCapacity(tx, t.id, t.capacity, now);
    }
    const added = targets.filter((t) => !used.has(t.id));
    await bookingRepo.insertMissingSessions(
      tx,
      added.map((t) => ({ id: t.id, campaign_id: current.id, site: t.site, date: t.date, start_time: t.start, end_time: t.end, capacity: t.capacity, booked: 0, updated_at: now })),
    );
    for (const r of removed) await bookingRepo.cancelWaitingEntriesOfSession(tx, r.id, now);

    const nextCtx: BookingContext = { ...ctx, campaign: next };
    const instant = (date: string, start: string) => zonedTimeToInstant(date, start, next.timezone).getTime();
    const moved: UpdateCampaignScheduleResponse['moved'] = [];
    const cancelled: UpdateCampaignScheduleResponse['cancelled'] = [];
    for (const source of sources) {
      const from = instant(source.row.date, source.row.start_time);
      for (const victim of source.victims) {
        const student = await bookingRepo.findBookableStudentById(tx, victim.student_id);
        // A student who holds a booking keeps their right to one: only the day rules (S3, S4, not past) choose.
        const facts = student ? { ...toBookingStudent(student), decision: 'required' as const } : null;
        const target = facts
          ? targets
              .filter((t) => t.id !== source.row.id && t.booked < t.capacity && checkBookingAllowed(facts, { site: t.site, date: t.date, start: t.start }, next, deps.clock()) === null)
              .sort((a, b) => Math.abs(instant(a.date, a.start) - from) - Math.abs(instant(b.date, b.start) - from) || instant(a.date, a.start) - instant(b.date, b.start))[0]
          : undefined;
        if (!(await bookingRepo.cancelActiveBooking(tx, victim.id, now))) throw new RetryTransaction();
        if (!(await bookingRepo.releaseSeat(tx, source.row.id, now))) throw new Error(`seat counter of session ${source.row.id} is out of step (F4)`);
        const place = { site: source.row.site, date: source.row.date, start: source.row.start_time, end: source.row.end_time };
        if (!target) {
          await bookingRepo.insertNotification(tx, {
            id: crypto.randomUUID(),
            student_id: victim.student_id,
            kind: 'booking.cancelled',
            payload: JSON.stringify({ reason: 'schedule', bookingId: victim.id, sessionId: source.row.id, ...place }),
            created_at: now,
            sent_at: null,
          });
          cancelled.push({ studentNo: victim.student_no, sessionId: source.row.id });
          continue;
        }
        if (!(await bookingRepo.takeSeat(tx, target.id, now))) throw new RetryTransaction();
        const booking = newBookingRow(nextCtx, target.id, victim.student_id, now);
        if (!(await bookingRepo.insertActiveBooking(tx, booking))) throw new RetryTransaction();
        await bookingRepo.closeWaitingEntry(tx, target.id, victim.student_id, now);
        target.booked++;
        await bookingRepo.insertNotification(tx, {
          id: crypto.randomUUID(),
          student_id: victim.student_id,
          kind: 'booking.moved',
          payload: JSON.stringify({ reason: 'schedule', bookingId: booking.id, fromSessionId: source.row.id, toSessionId: target.id, site: target.site, date: target.date, start: target.start, end: target.end }),
          created_at: now,
          sent_at: null,
        });
        moved.push({ studentNo: victim.student_no, fromSessionId: source.row.id, toSessionId: target.id });
      }
    }
    for (const t of over) await bookingRepo.setSessionCapacity(tx, t.id, t.capacity, now);
    const promoted: Promotion[] = [];
    for (const t of targets) if (t.capacity > t.booked) promoted.push(...(await promoteFromWaitlist(tx, nextCtx, t.id)));
    // Sessions came and went: every live page reads the schedule again.
    changesOf(tx).resync = true;
    const sessions = { kept: kept.length, added: added.length, removed: removed.length };
    return {
      value: { sessions, moved, cancelled },
      created: false,
      audit: {
        action: 'campaign.schedule_changed',
        targetType: 'campaign',
        targetId: current.id,
        details: {
          days: next.days.map((d) => ({ date: d.date, departments: d.departments.length, windows: Object.fromEntries(next.sites.map((s) => [s.id, windowsOf(next, d.date, s.id).map((w) => `${w.start}-${w.end}`)])) })),
          sessions,
          moveAffected: req.moveAffected ?? false,
          moved: moved.length,
          cancelled: cancelled.length,
          promoted: promoted.length,
        },
      },
    };
  });
  return value;
}
