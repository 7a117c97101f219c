// A site's stations and minutes per student, and so the capacity of its sessions (issue #3, S1).
import crypto from 'node:crypto';
import type { z } from 'zod';
import type { SiteSettingsRequestSchema, SiteSettingsResponseSchema, SiteSettingsSchema } from '../contracts/booking.js';
import type { Tx } from '../db/database.js';
import type { SiteId } from '../domain/campaign.js';
import { AppError } from '../domain/errors.js';
import type { SiteSettings } from '../domain/schedule.js';
import { checkBookingAllowed, sessionCapacity } from '../domain/schedule.js';
import type { SessionRow } from '../repositories/booking.repository.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import { change, RetryTransaction } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import type { Affected, BookingContext, Promotion } from './seats.js';
import { bookingContext, newBookingRow, promoteFromWaitlist, toBookingStudent } from './seats.js';
import { isCurrentSlot, settingsLookup } from './session-slots.js';

export type SiteSettingsRequest = z.input<typeof SiteSettingsRequestSchema>;
export type SiteSettingsResponse = z.infer<typeof SiteSettingsResponseSchema>;
export type SiteSettingsView = z.infer<typeof SiteSettingsSchema>;

interface SeatPlan {
  row: SessionRow;
  capacity: number; // after the change
  booked: number; // as the moves go
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
  const { value } = await change<SiteSettingsResponse>(
    deps,
    actor,
    async (tx, effects) => {
    const now = nowIso(deps);
    await bookingRepo.lockSiteSessions(tx, deps.db.dialect, ctx.campaign.id, site);
    await bookingRepo.upsertSiteSettings(tx, { campaign_id: ctx.campaign.id, site, stations: settings.stations, minutes_per_student: settings.minutesPerStudent, updated_at: now });
    const plans: SeatPlan[] = (await bookingRepo.listCampaignSessions(tx, ctx.campaign.id, { site }))
      .filter((row) => isCurrentSlot(ctx.campaign, row))
      .map((row) => ({ row, capacity: sessionCapacity(row.start_time, row.end_time, settings), booked: row.booked }));
    effects.seatsChanged(...plans.map((p) => p.row.id));
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
    for (const p of plans) if (p.capacity > p.booked) promoted.push(...(await promoteFromWaitlist(tx, effects, ctx, p.row.id)));
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
    },
    { retryConflicts: true },
  );
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

/** A site's stations and minutes per student (the defaults until the admin sets them). */
export async function getSiteSettings(deps: ServiceDeps, actor: Actor, site: SiteId): Promise<SiteSettingsView> {
  authorize(actor, 'session.list');
  const campaign = await getActiveCampaign(deps);
  if (!campaign.sites.some((s) => s.id === site)) throw new AppError('NOT_FOUND');
  const settings = settingsLookup(await bookingRepo.listSiteSettings(deps.db.db, campaign.id))(site);
  return { site, stations: settings.stations, minutesPerStudent: settings.minutesPerStudent };
}

