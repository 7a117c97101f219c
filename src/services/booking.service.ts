// Sessions, bookings and the waitlist (issue #3, rules S1–S4, E1–E7).
//
// Seats are the database's business (PITFALLS F1–F5): a seat is taken by `UPDATE … SET booked = booked + 1
// WHERE id = ? AND booked < capacity` with its row count checked, a CHECK keeps booked ≤ capacity, and a
// partial unique index keeps one active booking per student. Every change runs in one transaction with its
// audit event, its Idempotency-Key answer (services/change.ts), and what it causes (a waitlisted student promoted, a
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
import type { z } from 'zod';
import type { Booking, CreateBookingRequestSchema, JoinWaitlistRequestSchema, MyBookingSchema, Session, WaitlistEntrySchema } from '../contracts/booking.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import { findDepartmentDay, localDate } from '../domain/campaign.js';
import { AppError } from '../domain/errors.js';
import type { Principal } from '../domain/permissions.js';
import { canSeeStudent, studentScope } from '../domain/permissions.js';
import type { BookingRefusal } from '../domain/schedule.js';
import { checkBookingAllowed, zonedTimeToInstant } from '../domain/schedule.js';
import type { BookableStudentRow, BookingRow, SessionRow, WaitlistRow } from '../repositories/booking.repository.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import { findActiveConfirmationOfStudent } from '../repositories/photo.repository.js';
import { lockStudent } from '../repositories/student.repository.js';
import type { AuditInput } from './audit.service.js';
import { recordAuditEvent } from './audit.service.js';
import type { ChangeOptions, Done, Effects } from './change.js';
import { change, RetryTransaction, withIdempotency } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import type { BookingContext, Promotion } from './seats.js';
import { bookingContext, newBookingRow, promoteFromWaitlist, toBookingStudent } from './seats.js';
import { isCurrentSlot } from './session-slots.js';
import { toSessionViews } from './session.service.js';
import { assertCampaignOpen } from './campaign-close.service.js';

export type CreateBookingRequest = z.infer<typeof CreateBookingRequestSchema>;
export type JoinWaitlistRequest = z.infer<typeof JoinWaitlistRequestSchema>;
export type WaitlistEntry = z.infer<typeof WaitlistEntrySchema>;
export type MyBooking = z.infer<typeof MyBookingSchema>;

export interface JoinWaitlistResult {
  /** set when the session had a free seat: the student was booked instead of waiting */
  booking: Booking | null;
  waitlistEntry: WaitlistEntry | null;
}

// ───────────────────────────── who books what ─────────────────────────────

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
  const self = principal && studentScope(principal).kind === 'self' ? principal.studentNo : null;
  if (principal && self !== null && studentNo !== undefined && studentNo !== self) {
    // Refused before any look-up (the answer must not tell whether that number exists), and recorded.
    await recordAuditEvent(ctx.deps, ctx.actor, { action: 'student.access_denied', result: 'denied', targetType: 'student', targetId: null, details: { operation: 'booking', studentNo } });
    throw new AppError('FORBIDDEN');
  }
  const no = studentNo ?? self;
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

/** C3: a student whose photo is confirmed is done; a booking would only hold a seat someone else needs. */
async function assertNotConfirmed(ctx: BookingContext, student: BookableStudentRow): Promise<void> {
  const confirmation = await findActiveConfirmationOfStudent(ctx.deps.db.db, student.id);
  if (confirmation) {
    throw new AppError('PHOTO_CONFIRMED', {
      params: { studentNo: student.student_no, date: localDate(new Date(confirmation.confirmed_at), ctx.campaign.timezone) },
      details: { confirmedAt: confirmation.confirmed_at },
    });
  }
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

type SeatOutcome =
  | { kind: 'unchanged'; booking: BookingRow }
  | { kind: 'created'; booking: BookingRow; session: Session }
  | { kind: 'moved'; booking: BookingRow; session: Session; from: BookingRow; promoted: Promotion[] }
  | { kind: 'waitlisted'; entry: WaitlistRow };

/**
 * Gives a student a seat in a session in one step (F1, F5): their current booking, if any, is moved (if
 * the new session is full nothing changes, the transaction is rolled back); the seat they leave goes to
 * that session's waitlist. A full session refuses with SESSION_FULL, or queues the student when asked to.
 *
 * The booking rows are written first and the seat is taken last: the session's row, which every student
 * of that session wants, then stays locked (PostgreSQL) only for the audit event and the commit.
 */
async function takeSeatFor(tx: Tx, effects: Effects, ctx: BookingContext, student: BookableStudentRow, session: SessionRow, opts: { waitlistIfFull: boolean }): Promise<SeatOutcome> {
  const { deps } = ctx;
  const dialect = deps.db.dialect;
  const now = nowIso(deps);
  await lockStudent(tx, dialect, student.id);
  const current = await bookingRepo.findActiveBookingOfStudent(tx, student.id);
  if (current?.session_id === session.id) return { kind: 'unchanged', booking: current };
  if (opts.waitlistIfFull) {
    // Waiting is for full sessions only. Decided on the locked row, so no seat frees between the look and the queueing.
    // The session left is locked with it, in id order as a move locks them: the joined one alone first and the left
    // one later could deadlock with a move between the two.
    if (current) await bookingRepo.lockSessions(tx, dialect, [current.session_id, session.id]);
    const seats = await bookingRepo.readSeatsForUpdate(tx, dialect, session.id);
    if (seats && seats.booked >= seats.capacity) {
      const entry = { id: crypto.randomUUID(), session_id: session.id, student_id: student.id, created_at: now };
      if (!(await bookingRepo.insertWaitingEntry(tx, entry))) throw new AppError('ALREADY_WAITLISTED', { details: { sessionId: session.id } });
      effects.seatsChanged(session.id);
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
  effects.seatsChanged(session.id);
  const row: BookingRow = { ...booking, status: 'active', cancelled_at: null };
  const sessionView: Session = { ...view!, booked: seats.booked, capacity: seats.capacity };
  if (!current) return { kind: 'created', booking: row, session: sessionView };
  if (!(await bookingRepo.releaseSeat(tx, current.session_id, now))) throw new Error(`seat counter of session ${current.session_id} is out of step (F4)`);
  effects.seatsChanged(current.session_id);
  const promoted = await promoteFromWaitlist(tx, effects, ctx, current.session_id);
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

/**
 * Books a session for a student (S2–S4, E1–E7), or moves their booking there. 201 when a seat was taken;
 * the booking unchanged (200) when the student already holds this session; SESSION_FULL when there is no seat.
 */
export async function createBooking(deps: ServiceDeps, actor: Actor, req: CreateBookingRequest, opts: ChangeOptions = {}): Promise<Done<Booking>> {
  authorize(actor, 'booking.create');
  return withIdempotency(deps, actor, opts.idempotency, async () => {
    const ctx = await bookingContext(deps, actor);
    await assertCampaignOpen(deps.db.db, ctx.campaign);
    const student = await resolveStudent(ctx, req.studentNo);
    await assertNotConfirmed(ctx, student);
    const session = await getCampaignSession(ctx, req.sessionId);
    assertMayBook(ctx, student, session);
    // A full session is refused without a transaction: this read only ever refuses (a seat that frees a moment
    // later is missed as it would be by arriving a moment earlier); a seat is only ever granted by the
    // conditional UPDATE in the transaction. The student's own seat in it is not "full" (a double click).
    if (session.booked >= session.capacity && (await bookingRepo.findActiveBookingOfStudent(deps.db.db, student.id))?.session_id !== session.id) {
      throw new AppError('SESSION_FULL', { details: { sessionId: session.id } });
    }
    return change(
      deps,
      actor,
      async (tx, effects) => {
        const outcome = await takeSeatFor(tx, effects, ctx, student, session, { waitlistIfFull: false });
        if (outcome.kind === 'waitlisted') throw new Error('unreachable: not asked to wait');
        if (outcome.kind === 'unchanged') return { value: await toBookingView(tx, ctx.campaign, outcome.booking, student.student_no), created: false, audit: null };
        return { value: toBooking(outcome.booking, student.student_no, outcome.session), created: true, audit: bookingAudit(outcome, session) };
      },
      { idempotency: opts.idempotency, retryConflicts: true },
    );
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
    return change(
      deps,
      actor,
      async (tx, effects) => {
        const now = nowIso(deps);
        await lockStudent(tx, deps.db.dialect, student.id);
        if (!(await bookingRepo.cancelActiveBooking(tx, booking.id, now))) {
          const unchanged = (await bookingRepo.findBooking(tx, booking.id))!;
          return { value: await toBookingView(tx, ctx.campaign, unchanged, student.student_no), created: false, audit: null };
        }
        if (!(await bookingRepo.releaseSeat(tx, booking.session_id, now))) throw new Error(`seat counter of session ${booking.session_id} is out of step (F4)`);
        effects.seatsChanged(booking.session_id);
        const promoted = await promoteFromWaitlist(tx, effects, ctx, booking.session_id);
        const value = await toBookingView(tx, ctx.campaign, { ...booking, status: 'cancelled', cancelled_at: now }, student.student_no);
        const details: Record<string, unknown> = { studentId: student.id, sessionId: booking.session_id, date: session.date, start: session.start_time, site: session.site };
        if (promoted.length) details.promoted = promoted;
        return { value, created: false, audit: { action: 'booking.cancelled', targetType: 'booking', targetId: booking.id, details } };
      },
      { idempotency: opts.idempotency, retryConflicts: true },
    );
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
    await assertCampaignOpen(deps.db.db, ctx.campaign);
    const student = await resolveStudent(ctx, req.studentNo);
    await assertNotConfirmed(ctx, student);
    const session = await getCampaignSession(ctx, sessionId);
    assertMayBook(ctx, student, session);
    return change<JoinWaitlistResult>(
      deps,
      actor,
      async (tx, effects) => {
        const outcome = await takeSeatFor(tx, effects, ctx, student, session, { waitlistIfFull: true });
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
      },
      { idempotency: opts.idempotency, retryConflicts: true },
    );
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

