// The sessions of a campaign (S1, S4): one row of schedule_sessions per (site, day, window), written in the
// same transaction as the campaign or schedule that makes them, never on a read (issue #8, structure 1).
import crypto from 'node:crypto';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import type { SiteSettings } from '../domain/schedule.js';
import { DEFAULT_SITE_SETTINGS, planSessionSlots, windowsOf } from '../domain/schedule.js';
import type { SessionRow, SiteSettingsRow } from '../repositories/booking.repository.js';
import * as bookingRepo from '../repositories/booking.repository.js';

/** A site's stations and minutes per student: the admin's, else the defaults. */
export function settingsLookup(rows: SiteSettingsRow[]): (site: SiteId) => SiteSettings {
  return (site) => {
    const row = rows.find((r) => r.site === site);
    return row ? { stations: row.stations, minutesPerStudent: row.minutes_per_student } : DEFAULT_SITE_SETTINGS;
  };
}

/** Whether a stored session is one of the campaign's current slots (days or windows may have changed). */
export function isCurrentSlot(campaign: CampaignDefinition, row: Pick<SessionRow, 'site' | 'date' | 'start_time' | 'end_time'>): boolean {
  return campaign.sites.some((s) => s.id === row.site) && windowsOf(campaign, row.date, row.site as SiteId).some((w) => w.start === row.start_time && w.end === row.end_time);
}

/**
 * Inserts the campaign's missing sessions in the caller's transaction (the slot's unique key decides what
 * is missing), with the capacity of the site's settings; returns how many were created.
 */
export async function insertMissingSessions(tx: Tx, campaign: CampaignDefinition, now: string): Promise<{ created: number; slots: number }> {
  const slots = planSessionSlots(campaign, settingsLookup(await bookingRepo.listSiteSettings(tx, campaign.id)));
  const created = await bookingRepo.insertMissingSessions(
    tx,
    slots.map((s) => ({ id: crypto.randomUUID(), campaign_id: campaign.id, site: s.site, date: s.date, start_time: s.start, end_time: s.end, capacity: s.capacity, booked: 0, updated_at: now })),
  );
  return { created, slots: slots.length };
}
