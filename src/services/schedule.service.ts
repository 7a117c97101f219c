// The campaign's days, their departments and each site's windows (issue #3 part 1, S1): read for the
// admin's editor, and changed with the sessions they make in one transaction.
import crypto from 'node:crypto';
import type { z } from 'zod';
import type { CampaignScheduleSchema, UpdateCampaignScheduleRequestSchema, UpdateCampaignScheduleResponseSchema } from '../contracts/booking.js';
import type { SiteId } from '../domain/campaign.js';
import { listDepartments } from '../domain/campaign.js';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import type { SessionSlot } from '../domain/schedule.js';
import { checkBookingAllowed, planSessionSlots, windowsOf, zonedTimeToInstant } from '../domain/schedule.js';
import { schedulePeriod, validateCampaignSchedule, withSchedule } from '../domain/schedule-edit.js';
import type { BookingRow, SessionRow } from '../repositories/booking.repository.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import * as campaignRepo from '../repositories/campaign.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import { change, RetryTransaction } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import type { Affected, BookingContext, Promotion } from './seats.js';
import { bookingContext, newBookingRow, promoteFromWaitlist, toBookingStudent } from './seats.js';
import { isCurrentSlot, settingsLookup } from './session-slots.js';

export type CampaignSchedule = z.infer<typeof CampaignScheduleSchema>;
export type UpdateCampaignScheduleRequest = z.input<typeof UpdateCampaignScheduleRequestSchema>;
export type UpdateCampaignScheduleResponse = z.infer<typeof UpdateCampaignScheduleResponseSchema>;

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
  const { value } = await change<UpdateCampaignScheduleResponse>(
    deps,
    actor,
    async (tx, effects) => {
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
    for (const t of targets) if (t.capacity > t.booked) promoted.push(...(await promoteFromWaitlist(tx, effects, nextCtx, t.id)));
    // Sessions came and went: every live page reads the schedule again.
    effects.scheduleChanged();
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
    },
    { retryConflicts: true },
  );
  return value;
}
