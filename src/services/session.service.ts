// Sessions as people see them (issue #3, rules S1–S4): every (site, day, window) with its capacity, seats
// booked, expected load and waitlist. Reads only: sessions are written with the campaign (session-slots.ts).
import type { z } from 'zod';
import type { SessionCounts } from '../adapters/event-bus.js';
import type { Session, SessionListQuerySchema, SessionListSchema } from '../contracts/booking.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import { minutesBetween, shareByWeight, windowsOf } from '../domain/schedule.js';
import type { SessionRow } from '../repositories/booking.repository.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';
import { isCurrentSlot } from './session-slots.js';

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

export async function toSessionViews(db: Tx, campaign: CampaignDefinition, rows: SessionRow[]): Promise<Session[]> {
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
  const rows = (await bookingRepo.listCampaignSessions(deps.db.db, campaign.id, query)).filter((r) => isCurrentSlot(campaign, r));
  return { items: await toSessionViews(deps.db.db, campaign, rows) };
}

/** Booked / capacity / waiting of every current session of the active campaign (the SSE stream's first event). */
export async function readCurrentSessionCounts(deps: ServiceDeps): Promise<SessionCounts[]> {
  const campaign = await getActiveCampaign(deps);
  const rows = (await bookingRepo.listCampaignSessions(deps.db.db, campaign.id)).filter((r) => isCurrentSlot(campaign, r));
  return bookingRepo.readSessionCounts(deps.db.db, rows.map((r) => r.id));
}
