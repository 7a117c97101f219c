// Reminders by mail (issue #3 part 7): a scheduler pass decides who is due (domain/reminders.ts) and enqueues
// one mail job per student and occasion, idempotently (the dedupe key), together with the notifications
// the booking service wrote (a move, a waitlist promotion); the job runner delivers them.
import type { SiteId } from '../domain/campaign.js';
import type { NotificationPayload, ReminderStudent } from '../domain/reminders.js';
import { planDueReminders, renderNotificationMail, renderReminderMail } from '../domain/reminders.js';
import * as jobRepo from '../repositories/job.repository.js';
import { AppError } from '../domain/errors.js';
import { mutate } from './change.js';
import { findActiveCampaign } from './campaign.service.js';
import { queueMakeUpReminders } from './makeup.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';
import type { DeliverOptions, DeliveryCounts, EnqueueOutcome } from './job-runner.js';
import { deliverDueJobs, enqueueMail } from './job-runner.js';

export interface ScheduleCounts {
  /** new mail jobs: the evening before a booking, a week before the department's day, notifications */
  booking: number;
  day: number;
  notification: number;
  /** recorded as failed at once (MAIL_ADDRESS_INVALID): nothing sent */
  invalidAddress: number;
  /** due, but the roster has no address for the student, or their address bounced before */
  noAddress: number;
  /** due and already queued by an earlier pass (or another process) */
  alreadyQueued: number;
  /** make-up reminders queued (S6): only once make-ups are open, so absent before */
  makeup?: number;
}

const NOTIFICATION_BATCH = 500;

/**
 * One scheduler pass: enqueues every reminder due now and every unsent notification. Running it twice, or in
 * two processes at once, enqueues each mail once (unique dedupe key). One audit event per pass that queued
 * something (`reminders.queued`, with the counts; no addresses).
 */
export async function scheduleReminders(deps: ServiceDeps, actor: Actor): Promise<ScheduleCounts> {
  authorize(actor, 'reminders.manage');
  const counts: ScheduleCounts = { booking: 0, day: 0, notification: 0, invalidAddress: 0, noAddress: 0, alreadyQueued: 0 };
  const campaign = await findActiveCampaign(deps);
  if (!campaign) return counts;
  const now = deps.clock();
  const [students, bookings, notifications] = await Promise.all([
    jobRepo.listRequiredStudents(deps.db.db, campaign.id),
    jobRepo.listActiveBookings(deps.db.db, campaign.id),
    jobRepo.listPendingNotifications(deps.db.db, NOTIFICATION_BATCH),
  ]);
  const byId = new Map(students.map((s) => [s.id, s]));
  const intents = planDueReminders({
    campaign,
    now,
    students: students.map(
      (s): ReminderStudent => ({
        id: s.id,
        studentNo: s.student_no,
        name: s.name,
        // a bounced address is not tried again until the roster gives another one
        email: s.email_bounced_at ? null : s.email,
        department: s.department,
        decision: s.decision,
        site: s.site as SiteId,
        photographed: s.photographed,
      }),
    ),
    bookings: bookings.map((b) => ({ bookingId: b.booking_id, studentId: b.student_id, site: b.site as SiteId, date: b.date, start: b.start_time, end: b.end_time })),
  });
  const tally = (outcome: EnqueueOutcome, kind: 'booking' | 'day' | 'notification') => {
    if (outcome === 'queued') counts[kind]++;
    else if (outcome === 'invalid') counts.invalidAddress++;
    else counts.alreadyQueued++;
  };
  await mutate(deps, actor, async (tx) => {
    for (const intent of intents) {
      if (!intent.email) {
        counts.noAddress++;
        continue;
      }
      const student = byId.get(intent.studentId)!;
      const outcome = await enqueueMail(tx, deps, {
        kind: intent.kind,
        dedupeKey: intent.dedupeKey,
        studentId: intent.studentId,
        to: intent.email,
        content: renderReminderMail(intent, campaign, student.name),
      });
      tally(outcome, intent.kind === 'reminder.booking' ? 'booking' : 'day');
    }
    for (const n of notifications) {
      if (!n.email) {
        await jobRepo.markNotificationFailed(tx, n.id, now.toISOString(), 'NO_ADDRESS');
        counts.noAddress++;
        continue;
      }
      const payload = JSON.parse(n.payload) as NotificationPayload;
      const outcome = await enqueueMail(tx, deps, {
        kind: n.kind,
        dedupeKey: `notification:${n.id}`,
        studentId: n.student_id,
        to: n.email,
        content: renderNotificationMail(n.kind, payload, campaign, n.name),
        notificationId: n.id,
      });
      tally(outcome, 'notification');
    }
    // S6: after the campaign, the students still owing a photo are told where and by when (makeup.service)
    const makeup = await queueMakeUpReminders(tx, deps, campaign);
    if (makeup.queued > 0) counts.makeup = makeup.queued;
    counts.invalidAddress += makeup.invalidAddress;
    counts.noAddress += makeup.noAddress;
    counts.alreadyQueued += makeup.alreadyQueued;
    const changed = counts.booking + counts.day + counts.notification + counts.invalidAddress + (counts.makeup ?? 0);
    return { value: undefined, audit: changed > 0 ? { action: 'reminders.queued', targetType: 'campaign', targetId: campaign.id, details: { ...counts } } : null };
  });
  return counts;
}

export interface ReminderRunResult {
  queued: ScheduleCounts;
  delivery: DeliveryCounts;
  /** jobs by state after the run (queued, done, failed, dead, uncertain …) */
  jobs: Record<string, number>;
}

/** `gradphoto reminders run` and each tick of the runner in `serve`: a scheduler pass, then every due job. */
export async function runReminders(deps: ServiceDeps, actor: Actor, opts: DeliverOptions = {}): Promise<ReminderRunResult> {
  authorize(actor, 'reminders.manage');
  if (!deps.mailer) throw new AppError('MAIL_NOT_CONFIGURED');
  const queued = await scheduleReminders(deps, actor);
  const delivery = await deliverDueJobs(deps, opts);
  return { queued, delivery, jobs: await jobRepo.countJobsByState(deps.db.db) };
}

export interface MailProblem {
  jobId: string;
  kind: string;
  state: string;
  studentNo: string | null;
  error: string | null;
  updatedAt: string;
}

/** Bounces, invalid addresses, given-up and uncertain mails, for an admin (the address is not repeated). */
export async function listMailProblems(deps: ServiceDeps, actor: Actor, limit = 200): Promise<MailProblem[]> {
  authorize(actor, 'reminders.manage');
  const rows = await jobRepo.listProblemJobs(deps.db.db, limit);
  const ids = [...new Set(rows.map((r) => r.student_id).filter((x): x is string => !!x))];
  const numbers = await jobRepo.mapStudentNumbers(deps.db.db, ids);
  return rows.map((r) => ({ jobId: r.id, kind: r.kind, state: r.state, studentNo: r.student_id ? (numbers.get(r.student_id) ?? null) : null, error: r.last_error, updatedAt: r.updated_at }));
}
