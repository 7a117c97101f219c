// Seats moved inside a transaction, shared by bookings, site settings and schedule edits (issue #3, S1–S4,
// E1–E7): the context of a change, a new booking row, and the waitlist filling freed seats.
import crypto from 'node:crypto';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import type { Decision, EligibilityRule } from '../domain/eligibility.js';
import type { BookingStudent } from '../domain/schedule.js';
import { checkBookingAllowed } from '../domain/schedule.js';
import type { BookableStudentRow, BookingRow } from '../repositories/booking.repository.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Effects } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { nowIso } from './deps.js';

export interface BookingContext {
  deps: ServiceDeps;
  actor: Actor;
  campaign: CampaignDefinition;
}

export async function bookingContext(deps: ServiceDeps, actor: Actor): Promise<BookingContext> {
  return { deps, actor, campaign: await getActiveCampaign(deps) };
}

export interface Promotion {
  studentId: string;
  bookingId: string;
  waitlistEntryId: string;
}

/** A student whose seat a change of capacity or schedule takes away. */
export interface Affected {
  studentNo: string;
  sessionId: string;
  date: string;
  start: string;
}

export function toBookingStudent(s: BookableStudentRow): BookingStudent {
  return { decision: s.decision as Decision, rule: s.rule as EligibilityRule | null, site: s.site as SiteId, department: s.department, employed: s.employed === 1 };
}

export function newBookingRow(ctx: BookingContext, sessionId: string, studentId: string, now: string): Omit<BookingRow, 'status' | 'cancelled_at'> {
  return { id: crypto.randomUUID(), campaign_id: ctx.campaign.id, session_id: sessionId, student_id: studentId, created_by: ctx.actor.principal?.userId ?? null, created_at: now };
}

const WAITLIST_PAGE = 50;

/**
 * Fills the free seats of a session from its waitlist, in queue order, in the caller's transaction: each
 * promoted student gets a booking, their entry becomes 'promoted', and a notification is written for the
 * mail job. Entries of students who may no longer book it are closed; students holding another booking
 * are passed over and keep their place.
 */
export async function promoteFromWaitlist(tx: Tx, effects: Effects, ctx: BookingContext, sessionId: string): Promise<Promotion[]> {
  const now = nowIso(ctx.deps);
  const session = await bookingRepo.findSession(tx, sessionId);
  const promoted: Promotion[] = [];
  if (!session) return promoted;
  effects.seatsChanged(sessionId);
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

