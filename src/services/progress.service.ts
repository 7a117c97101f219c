// Progress everywhere (issue 9): counts per department and day for the overview and the department page
// (getProgress), and the secretary's reminder to the students of a department who have not booked or did not
// come (remindStudents). The states are derived in src/domain/progress.ts; the facts are read in SQL by
// src/repositories/student.repository.ts (joins and one grouped query, no query per student).
import type { Progress, ProgressQuery, RemindStudentsRequest, RemindStudentsResponse } from '../contracts/progress.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import { departmentHomeSite, findDepartmentDay, listDepartments } from '../domain/campaign.js';
import { AppError } from '../domain/errors.js';
import type { ProgressCounts } from '../domain/progress.js';
import { addToProgressCounts, campaignWallClock, emptyProgressCounts, progressOf, REMIND_AGAIN_AFTER_HOURS, renderProgressReminderMail } from '../domain/progress.js';
import { studentScope } from '../domain/permissions.js';
import * as studentRepo from '../repositories/student.repository.js';
import { recordAuditEvent } from './audit.service.js';
import { getActiveCampaign } from './campaign.service.js';
import { mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';
import { enqueueMail } from './job-runner.js';

/** The departments the actor may see (null: all). */
function visibleDepartments(actor: Actor): string[] | null {
  if (!actor.principal) return null;
  const scope = studentScope(actor.principal);
  return scope.kind === 'departments' ? scope.departments : scope.kind === 'self' ? [] : null;
}

/**
 * A department asked for by name: one of the campaign's (else DEPARTMENT_UNKNOWN naming it), and one of the
 * actor's (else FORBIDDEN, recorded as `student.access_denied` on the department).
 */
async function checkDepartment(deps: ServiceDeps, actor: Actor, campaign: CampaignDefinition, department: string): Promise<void> {
  if (!listDepartments(campaign).includes(department)) {
    throw new AppError('DEPARTMENT_UNKNOWN', { params: { department: department.slice(0, 80) } });
  }
  const visible = visibleDepartments(actor);
  if (visible && !visible.includes(department)) {
    await recordAuditEvent(deps, actor, { action: 'student.access_denied', result: 'denied', targetType: 'department', targetId: department });
    throw new AppError('FORBIDDEN');
  }
}

/**
 * getProgress: the required students of each department and each day (the day of the booking's session; a
 * walk-in's ticket day; none yet) and in all, counted as reached at least booked, checked in, photographed,
 * confirmed, and paid. A secretary sees their departments only. Counts only: no personal data.
 */
export async function getProgress(deps: ServiceDeps, actor: Actor, query: ProgressQuery): Promise<Progress> {
  authorize(actor, 'campaign.overview');
  const campaign = await getActiveCampaign(deps);
  if (query.department) await checkDepartment(deps, actor, campaign, query.department);
  const visible = visibleDepartments(actor);
  const now = campaignWallClock(deps.clock(), campaign.timezone);
  const groups = await studentRepo.countRequiredByProgress(deps.db.db, {
    campaignId: campaign.id,
    departments: visible ?? undefined,
    department: query.department,
    site: query.site,
    asOf: now,
  });

  const byDepartment = new Map<string, ProgressCounts>();
  const byDay = new Map<string | null, ProgressCounts>();
  const totals = emptyProgressCounts();
  for (const g of groups) {
    const state = progressOf('required', g);
    if (!state) continue;
    for (const [map, key] of [
      [byDepartment, g.department],
      [byDay, g.day],
    ] as [Map<string | null, ProgressCounts>, string | null][]) {
      const counts = map.get(key) ?? emptyProgressCounts();
      addToProgressCounts(counts, state, g.paid, g.n);
      map.set(key, counts);
    }
    addToProgressCounts(totals, state, g.paid, g.n);
  }

  // The campaign's table order (day by day), then departments only the roster names; each once.
  const wanted = (name: string) => (!visible || visible.includes(name)) && (!query.department || query.department === name) && (!query.site || departmentHomeSite(campaign, name) === query.site);
  const names = [...new Set([...listDepartments(campaign).filter(wanted), ...[...byDepartment.keys()].sort()])];
  const departments = names.map((name) => ({
    department: name,
    site: departmentHomeSite(campaign, name) as SiteId,
    day: findDepartmentDay(campaign, name) ?? null,
    counts: byDepartment.get(name) ?? emptyProgressCounts(),
  }));
  const days = [...byDay.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map(([date, counts]) => ({ date, counts }));
  return { asOf: now.date, departments, days, totals };
}

/**
 * remindStudents: a secretary (or the admin) mails the required students of one department who have not booked
 * (`not-booked`) or who booked a session that is over and did not come (`no-show`). One durable mail job per
 * student (the mail runner sends it); a student reminded by mail in the last 24 hours — by this button or by the
 * scheduler — is skipped, and two presses at once queue one mail (the dedupe key names the student's previous
 * reminder). One audit event with the counts only (no names, no addresses).
 */
export async function remindStudents(deps: ServiceDeps, actor: Actor, req: RemindStudentsRequest): Promise<RemindStudentsResponse> {
  authorize(actor, 'student.remind');
  const campaign = await getActiveCampaign(deps);
  await checkDepartment(deps, actor, campaign, req.department);
  const now = deps.clock();
  const wall = campaignWallClock(now, campaign.timezone);
  const students: studentRepo.StudentListRow[] = [];
  for await (const row of studentRepo.iterateStudents(deps.db.db, { campaignId: campaign.id, department: req.department, progress: req.which, asOf: wall })) students.push(row);
  const since = new Date(now.getTime() - REMIND_AGAIN_AFTER_HOURS * 3_600_000).toISOString();
  const departmentDay = findDepartmentDay(campaign, req.department) ?? null;

  return mutate(deps, actor, async (tx) => {
    // read inside the transaction: a press that committed meanwhile is seen (and its dedupe key wins a race)
    const history = await studentRepo.readReminderHistory(tx, students.map((s) => s.id), since);
    const counts: RemindStudentsResponse = { queued: 0, skipped: 0, recentlyReminded: 0, noAddress: 0, invalidAddress: 0 };
    for (const s of students) {
      if (!s.email || s.email_bounced_at) {
        counts.noAddress++;
        continue;
      }
      if (history.recent.has(s.id)) {
        counts.recentlyReminded++;
        continue;
      }
      const outcome = await enqueueMail(tx, deps, {
        kind: 'reminder.progress',
        dedupeKey: `reminder:progress:${s.id}:after:${history.lastProgressJob.get(s.id) ?? 'none'}`,
        studentId: s.id,
        to: s.email,
        content: renderProgressReminderMail(req.which, campaign, { name: s.name, department: s.department, site: s.site as SiteId, departmentDay }),
      });
      if (outcome === 'queued') counts.queued++;
      else if (outcome === 'invalid') counts.invalidAddress++;
      else counts.recentlyReminded++;
    }
    counts.skipped = counts.recentlyReminded + counts.noAddress + counts.invalidAddress;
    const changed = counts.queued + counts.invalidAddress > 0;
    return {
      value: counts,
      audit: changed ? { action: 'students.reminded', targetType: 'department', targetId: req.department, details: { which: req.which, students: students.length, ...counts } } : null,
    };
  });
}
