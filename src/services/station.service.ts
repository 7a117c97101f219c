// Capture stations (issue #4 parts 1 and 5, C3): the operator names the student being photographed at a
// station; the hot-folder agent uploads each camera file for that student, and the review screen shows the
// newest shot of that student. Who stands at which station is a change of whom photos are attributed to, so
// naming and clearing are audited (`station.student_set`, `station.student_cleared`).
//
// Decisions:
// - A station row is created the first time it is used; an unknown station reads as empty (no 404): the agent
//   and the page can be set up before the operator names the first student.
// - Only a student who must be photographed (`required`) is named: any other decision is refused with
//   STUDENT_NOT_ELIGIBLE naming the rule (E4–E6) and the station stays as it was, so that no camera file is
//   ever attributed to them (issue 9 section 5; the photo pipeline refuses their uploads as well).
// - Stations are the agency's and the graduate school's business: reading one needs `photo.read` and a view
//   of all students (a student's own `photo.read` does not show them who is at a station).
// - Naming the student already named, or clearing an empty station, changes nothing and writes no event.
import type { Station, StationStudent } from '../contracts/station.js';
import { SetStationStudentRequestSchema, StationIdSchema } from '../contracts/station.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import type { Decision } from '../domain/eligibility.js';
import { AppError, schemaIssues } from '../domain/errors.js';
import { maskName } from '../domain/masking.js';
import type { Principal } from '../domain/permissions.js';
import { siteOfStation, stationSiteProblem } from '../domain/queue.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import { seesFullNames, studentScope } from '../domain/permissions.js';
import type { StationRow, StationStudentRow } from '../repositories/station.repository.js';
import * as queueRepo from '../repositories/queue.repository.js';
import * as stationRepo from '../repositories/station.repository.js';
import { mutate } from './change.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { checkMakeUpStation } from './makeup.service.js';
import { settingsLookup } from './session-slots.js';

/** A station id as the routes and pages send it, or VALIDATION_FAILED naming it. */
export function checkStationId(stationId: string): string {
  const parsed = StationIdSchema.safeParse(stationId);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', { params: { detail: `station "${stationId.slice(0, 40)}": lowercase letters, digits and -, 1–32 characters` } });
  return parsed.data;
}

/** Stations show whoever stands there: only principals who see every student (admin, operator) read them. */
function authorizeStationRead(actor: Actor): void {
  authorize(actor, 'station.read');
  // station.read implies seeing every student; kept as a second check so that a grant cannot widen it by mistake
  if (actor.principal && studentScope(actor.principal).kind !== 'all') throw new AppError('FORBIDDEN');
}

function toStationStudent(row: StationStudentRow, principal: Principal | null): StationStudent {
  // The agency's screens show 张*三 (docs/rules/campaign-rules.md, who uses the product); the trusted command line (no principal) too: it needs no name.
  const full = principal !== null && seesFullNames(principal);
  return {
    studentId: row.id,
    studentNo: row.student_no,
    name: full ? row.name : maskName(row.name),
    nameMasked: !full,
    department: row.department,
    decision: row.decision as Decision,
  };
}

async function toStation(deps: ServiceDeps, actor: Actor, id: string, row: StationRow | undefined): Promise<Station> {
  const studentRow = row?.current_student_id ? await stationRepo.findStationStudentById(deps.db.db, row.current_student_id) : undefined;
  return { id, currentStudent: studentRow ? toStationStudent(studentRow, actor.principal) : null, updatedAt: row?.updated_at ?? null };
}

/** getStation: the station's current student, or null; a station never used reads as empty. */
export async function getStation(deps: ServiceDeps, actor: Actor, stationId: string): Promise<Station> {
  authorizeStationRead(actor);
  const id = checkStationId(stationId);
  return toStation(deps, actor, id, await stationRepo.findStation(deps.db.db, id));
}

/** setStationStudent: names the student photographed at the station from now on (audited). */
export async function setStationStudent(deps: ServiceDeps, actor: Actor, stationId: string, body: { studentNo: string }): Promise<Station> {
  authorize(actor, 'photo.upload');
  const id = checkStationId(stationId);
  const parsed = SetStationStudentRequestSchema.safeParse(body);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', { params: { detail: `studentNo: ${parsed.error.issues[0]?.message ?? 'required'}` }, issues: schemaIssues(parsed.error.issues) });
  const campaign = await getActiveCampaign(deps);
  await mutate(deps, actor, async (tx) => {
    const student = await queueRepo.findQueueStudentByNo(tx, campaign.id, parsed.data.studentNo);
    if (!student || student.removed_at) throw new AppError('STUDENT_NOT_FOUND');
    // E4–E6: a student who must not be photographed is not set as current (the rule named, in words on the page).
    if (student.decision !== 'required') {
      const rule = student.rule ?? student.decision;
      throw new AppError('STUDENT_NOT_ELIGIBLE', { params: { rule }, details: { studentNo: student.student_no, decision: student.decision, rule: student.rule } });
    }
    // S6: an outlet's station (makeup-<outlet>-<n>) takes only a student who may have a make-up there now.
    const outletId = await checkMakeUpStation(tx, deps.clock(), campaign, id, student.id);
    const before = await stationRepo.findStation(tx, id);
    if (before?.current_student_id === student.id) return { value: undefined, audit: null };
    await stationRepo.upsertStationStudent(tx, { id, studentId: student.id, by: actor.principal?.userId ?? null, at: nowIso(deps) });
    return {
      value: undefined,
      audit: { action: 'station.student_set', targetType: 'station', targetId: id, details: { studentId: student.id, previousStudentId: before?.current_student_id ?? null, ...(outletId ? { outletId } : {}) } },
    };
  });
  return toStation(deps, actor, id, await stationRepo.findStation(deps.db.db, id));
}

/** clearStationStudent: nobody is photographed at the station; new camera files wait (audited). */
export async function clearStationStudent(deps: ServiceDeps, actor: Actor, stationId: string): Promise<Station> {
  authorize(actor, 'photo.upload');
  const id = checkStationId(stationId);
  await mutate(deps, actor, async (tx) => {
    const before = await stationRepo.findStation(tx, id);
    if (!before?.current_student_id) return { value: undefined, audit: null };
    await stationRepo.upsertStationStudent(tx, { id, studentId: null, by: actor.principal?.userId ?? null, at: nowIso(deps) });
    return { value: undefined, audit: { action: 'station.student_cleared', targetType: 'station', targetId: id, details: { previousStudentId: before.current_student_id } } };
  });
  return toStation(deps, actor, id, await stationRepo.findStation(deps.db.db, id));
}

/**
 * A station the campaign's sites can have, or STATION_UNKNOWN naming the site's stations (C4: a student must
 * never be sent to a station that does not exist): not one named after another site, not a numbered one beyond
 * the site's stations (site settings). `site` is the site served (the queue's); without it, the site the id is
 * named after, if any — the agency's own names (`studio-a`) pass, and so does a numbered one that has worked
 * before (the settings were lowered today). `usedBefore: 'required'` (transferTicket: the student is sent there
 * now) accepts only the site's numbered stations and stations that have worked before.
 */
export async function assertStationOfSite(db: Tx, campaign: CampaignDefinition, stationId: string, site?: SiteId, opts: { usedBefore?: 'required' } = {}): Promise<void> {
  const siteIds = campaign.sites.map((s) => s.id);
  const of = site ?? (siteOfStation(stationId, siteIds) as SiteId | null);
  if (!of) return;
  const settings = settingsLookup(await bookingRepo.listSiteSettings(db, campaign.id))(of);
  const known = Array.from({ length: settings.stations }, (_, i) => `${of}-${i + 1}`);
  const problem = stationSiteProblem(stationId, of, siteIds, settings.stations);
  if (problem === null && (opts.usedBefore !== 'required' || known.includes(stationId))) return;
  if (problem !== 'other-site' && (await stationRepo.findStation(db, stationId))) return;
  throw new AppError('STATION_UNKNOWN', { params: { stationId, site: of, known: known.join(', ') || '—' }, details: { stationId, site: of, known } });
}
