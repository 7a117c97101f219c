// The capacity planner of the Beijing site (issue #3 part 4; S1, S3, S4): today's table and the proposed one.
import type { z } from 'zod';
import type { PlanQuerySchema, PlanResponse } from '../contracts/planner.js';
import type { SiteId } from '../domain/campaign.js';
import { AppError } from '../domain/errors.js';
import type { Assignment, PlanDay, PlanDepartment, PlanEvaluation, PlanInput } from '../domain/planner.js';
import { evaluatePlan, proposePlan } from '../domain/planner.js';
import { DEFAULT_SITE_SETTINGS, windowsOf } from '../domain/schedule.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';

export interface PlanOptions extends z.infer<typeof PlanQuerySchema> {
  /** department → date it keeps (besides the weekend departments of today's table, which keep theirs, S3) */
  pinned?: Record<string, string> | undefined;
}

/** The site planned: Shenzhen students are handled by the Shenzhen office (S4). */
const SITE: SiteId = 'beijing';

export async function proposeCampaignPlan(deps: ServiceDeps, actor: Actor, opts: PlanOptions = {}): Promise<PlanResponse> {
  authorize(actor, 'campaign.overview');
  const campaign = await getActiveCampaign(deps);
  const stored = (await bookingRepo.listSiteSettings(deps.db.db, campaign.id)).find((r) => r.site === SITE);
  const stations = opts.stations ?? stored?.stations ?? DEFAULT_SITE_SETTINGS.stations;
  const minutesPerStudent = opts.minutesPerStudent ?? stored?.minutes_per_student ?? DEFAULT_SITE_SETTINGS.minutesPerStudent;

  const rows = await deps.db.db
    .selectFrom('students')
    .where('campaign_id', '=', campaign.id)
    .where('removed_at', 'is', null)
    .where('decision', '=', 'required')
    .where('site', '=', SITE)
    .select(['department', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('department')
    .execute();
  const required = new Map(rows.map((r) => [r.department, Number(r.n)]));

  const weekend = new Set(campaign.weekendDays);
  const days: PlanDay[] = campaign.days.map((d) => ({ date: d.date, weekend: weekend.has(d.date), windows: windowsOf(campaign, d.date, 'beijing') }));
  const current: Assignment = {};
  for (const d of campaign.days) for (const name of d.departments) current[name] = d.date;
  for (const [name, date] of Object.entries(opts.pinned ?? {})) {
    if (!(name in current)) throw new AppError('VALIDATION_FAILED', { params: { detail: `pinned: ${name} is not a department of the campaign` } });
    if (!days.some((d) => d.date === date)) throw new AppError('VALIDATION_FAILED', { params: { detail: `pinned: ${date} is not a day of the campaign` } });
  }
  // The notice's order of departments; the weekend ones keep their day (S3) unless pinned elsewhere.
  const departments: PlanDepartment[] = Object.entries(current).map(([name, date]) => ({
    name,
    required: required.get(name) ?? 0,
    pinnedDay: opts.pinned?.[name] ?? (weekend.has(date) ? date : undefined),
  }));
  const input: PlanInput = { days, departments, stations, minutesPerStudent, current };
  const proposal = proposePlan(input);
  const today = evaluatePlan(input, current);

  const pinned = new Set(departments.filter((d) => d.pinnedDay !== undefined).map((d) => d.name));
  const table = (e: PlanEvaluation) =>
    e.days.map((d) => ({ ...d, departments: d.departments.map((x) => ({ ...x, pinned: pinned.has(x.name) })) }));
  const moves = departments
    .filter((d) => proposal.assignment[d.name] !== current[d.name])
    .map((d) => ({ name: d.name, from: current[d.name]!, to: proposal.assignment[d.name]! }));
  return {
    site: SITE,
    stations,
    minutesPerStudent,
    proposal: table(proposal),
    busiest: proposal.busiest,
    current: { table: table(today), busiest: today.busiest },
    moves,
    improvement: Math.max(0, (today.busiest?.ratio ?? 0) - (proposal.busiest?.ratio ?? 0)),
  };
}
