// Make-up captures (issue 10 section 3, rule S6; docs/decisions/0026-makeup.md): students who missed the
// campaign (or whose confirmation was voided, e.g. by the registry's 有误 answer) are photographed afterwards
// at the agency's outlets in the campaign's make-up city (Beijing) before their target term's deadline.
//
// - Outlets are the admin's (makeup.manage); an outlet in another city is refused when created or changed, and
//   checked again whenever a make-up is recorded (the campaign's make-up city may have changed since).
// - A make-up uses the station flow unchanged: the outlet's stations are `makeup-<outletId>-<n>`. Naming a
//   student at such a station (setStationStudent) and every upload for it (uploadPhoto, the hot folder) ask
//   `checkMakeUpStation`: the outlet is known, active and in Beijing, the campaign's last day has passed, the
//   student's term's deadline has not, and the student has no valid confirmed photo. The photo row records the
//   outlet (photos.outlet_id); the student confirms on /my or on a review screen paired to that station.
// - Deadlines per target term live in the campaign definition (makeUp.deadlines), edited by
//   updateMakeUpSettings (audited); dates are compared on the campaign's wall clock, the deadline day included.
import type { MyMakeUp, OutletList, OutstandingMakeUpList } from '../contracts/makeup.js';
import { CreateOutletRequestSchema, OutletIdSchema, UpdateMakeUpSettingsRequestSchema, UpdateOutletRequestSchema } from '../contracts/makeup.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { localDate } from '../domain/campaign.js';
import { AppError, schemaIssues } from '../domain/errors.js';
import { campaignLastDay, cityKey, cityName, defaultMakeUpDeadlines, isRealDate, makeUpDeadlineOf, makeUpOpensOn, makeUpWindow, outletStationId, parseOutletStation, planMakeUpReminders, renderMakeUpReminderMail, sameCity } from '../domain/makeup.js';
import { maskName } from '../domain/masking.js';
import type { NoticeOutlet } from '../domain/notice.js';
import { seesFullNames } from '../domain/permissions.js';
import { wallClockOf } from '../domain/wall-clock.js';
import * as campaignRepo from '../repositories/campaign.repository.js';
import type { OutletRow } from '../repositories/makeup.repository.js';
import * as makeupRepo from '../repositories/makeup.repository.js';
import * as photoRepo from '../repositories/photo.repository.js';
import * as retentionRepo from '../repositories/retention.repository.js';
import { writeXlsx } from '../adapters/xlsx-export.js';
import { enqueueMail } from './job-runner.js';
import { recordAuditEvent } from './audit.service.js';
import { assertCampaignOpenForWrite } from './campaign-close.service.js';
import { getActiveCampaign } from './campaign.service.js';
import { mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';

function validationFailed(field: string, issues: { message: string; path: PropertyKey[] }[]): AppError {
  const first = issues[0];
  const path = first && first.path.length > 0 ? first.path.join('.') : field;
  return new AppError('VALIDATION_FAILED', { params: { detail: `${path}: ${first?.message ?? 'invalid'}` }, issues: schemaIssues(issues as never) });
}

/** The campaign's make-up city as a parameter of OUTLET_CITY_NOT_ALLOWED: a known word when it is Beijing. */
function allowedCityParam(campaign: CampaignDefinition): string {
  return cityKey(campaign.makeUp.city) === 'beijing' ? 'city-beijing' : campaign.makeUp.city;
}

function assertCityAllowed(campaign: CampaignDefinition, city: string): void {
  if (!sameCity(city, campaign.makeUp.city)) {
    throw new AppError('OUTLET_CITY_NOT_ALLOWED', { params: { city, allowed: allowedCityParam(campaign) }, details: { field: 'city', city, allowed: campaign.makeUp.city, rule: 'S6' } });
  }
}

function outletUsable(campaign: CampaignDefinition, o: OutletRow): boolean {
  return o.active === 1 && sameCity(o.city, campaign.makeUp.city);
}

// ───────────────────────────── outlets ─────────────────────────────

/** listOutlets: the campaign's outlets, their stations and the make-ups recorded at each (admin, operator). */
export async function listOutlets(deps: ServiceDeps, actor: Actor): Promise<OutletList> {
  authorize(actor, 'makeup.read');
  const campaign = await getActiveCampaign(deps);
  const rows = await makeupRepo.listOutlets(deps.db.db, campaign.id);
  const counts = new Map((await makeupRepo.countMakeupPhotosPerOutlet(deps.db.db, campaign.id)).map((c) => [c.outlet_id, c]));
  return {
    makeUpCity: campaign.makeUp.city,
    makeUpCityName: { zh: cityName(campaign.makeUp.city, 'zh'), en: cityName(campaign.makeUp.city, 'en') },
    fee: campaign.makeUp.fee,
    items: rows.map((o) => ({
      id: o.id,
      name: { zh: o.name_zh, en: o.name_en },
      address: o.address,
      city: o.city,
      cityName: { zh: cityName(o.city, 'zh'), en: cityName(o.city, 'en') },
      hours: o.hours,
      stations: o.stations,
      stationIds: Array.from({ length: o.stations }, (_, i) => outletStationId(o.id, i + 1)),
      active: o.active === 1,
      usable: outletUsable(campaign, o),
      photos: counts.get(o.id)?.photos ?? 0,
      confirmed: counts.get(o.id)?.confirmed ?? 0,
      createdAt: o.created_at,
      updatedAt: o.updated_at,
    })),
  };
}

/** createOutlet: a new outlet in the make-up city (S6: an outlet elsewhere is refused, its photos would be invalid). Audited. */
export async function createOutlet(deps: ServiceDeps, actor: Actor, body: unknown): Promise<OutletList['items'][number]> {
  authorize(actor, 'makeup.manage');
  const parsed = CreateOutletRequestSchema.safeParse(body);
  if (!parsed.success) throw validationFailed('outlet', parsed.error.issues);
  const req = parsed.data;
  const campaign = await getActiveCampaign(deps);
  assertCityAllowed(campaign, req.city);
  await mutate(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const now = nowIso(deps);
    const inserted = await makeupRepo.insertOutletUnlessExists(tx, {
      id: req.id,
      campaign_id: campaign.id,
      name_zh: req.nameZh,
      name_en: req.nameEn,
      address: req.address,
      city: req.city,
      hours: req.hours,
      stations: req.stations,
      active: req.active ? 1 : 0,
      created_by: actor.principal?.userId ?? null,
      created_at: now,
      updated_at: now,
    });
    if (!inserted) throw new AppError('OUTLET_EXISTS', { params: { outletId: req.id }, details: { field: 'id', outletId: req.id } });
    return { value: null, audit: { action: 'makeup_outlet.created', targetType: 'makeup_outlet', targetId: req.id, details: { city: req.city, stations: req.stations, active: req.active } } };
  });
  return getOutletOf(deps, actor, req.id);
}

async function getOutletOf(deps: ServiceDeps, actor: Actor, id: string): Promise<OutletList['items'][number]> {
  const list = await listOutlets(deps, actor);
  const found = list.items.find((o) => o.id === id);
  if (!found) throw new AppError('OUTLET_NOT_FOUND', { params: { outletId: id } });
  return found;
}

/** updateOutlet: changes an outlet (name, address, city in the make-up city, hours, stations, active). Audited with the fields changed. */
export async function updateOutlet(deps: ServiceDeps, actor: Actor, outletId: string, body: unknown): Promise<OutletList['items'][number]> {
  authorize(actor, 'makeup.manage');
  const id = OutletIdSchema.safeParse(outletId);
  if (!id.success) throw new AppError('OUTLET_NOT_FOUND', { params: { outletId: outletId.slice(0, 40) } });
  const parsed = UpdateOutletRequestSchema.safeParse(body);
  if (!parsed.success) throw validationFailed('outlet', parsed.error.issues);
  const req = parsed.data;
  const campaign = await getActiveCampaign(deps);
  if (req.city !== undefined) assertCityAllowed(campaign, req.city);
  await mutate(deps, actor, async (tx) => {
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const before = await makeupRepo.findOutlet(tx, id.data);
    if (!before || before.campaign_id !== campaign.id) throw new AppError('OUTLET_NOT_FOUND', { params: { outletId: id.data } });
    const set = {
      ...(req.nameZh !== undefined ? { name_zh: req.nameZh } : {}),
      ...(req.nameEn !== undefined ? { name_en: req.nameEn } : {}),
      ...(req.address !== undefined ? { address: req.address } : {}),
      ...(req.city !== undefined ? { city: req.city } : {}),
      ...(req.hours !== undefined ? { hours: req.hours } : {}),
      ...(req.stations !== undefined ? { stations: req.stations } : {}),
      ...(req.active !== undefined ? { active: req.active ? 1 : 0 } : {}),
    };
    const changed = Object.entries(set).filter(([k, v]) => (before as unknown as Record<string, unknown>)[k] !== v).map(([k]) => k);
    if (changed.length === 0) return { value: null, audit: null };
    if (!(await makeupRepo.updateOutlet(tx, campaign.id, id.data, { ...set, updated_at: nowIso(deps) }))) throw new AppError('OUTLET_NOT_FOUND', { params: { outletId: id.data } });
    return { value: null, audit: { action: 'makeup_outlet.updated', targetType: 'makeup_outlet', targetId: id.data, details: { changed, ...(set.active !== undefined ? { active: set.active === 1 } : {}), ...(set.city !== undefined ? { city: set.city } : {}) } } };
  });
  return getOutletOf(deps, actor, id.data);
}

// ───────────────────────────── deadlines ─────────────────────────────

function settingsOf(deps: ServiceDeps, campaign: CampaignDefinition) {
  return {
    city: campaign.makeUp.city,
    fee: campaign.makeUp.fee,
    targetTerms: campaign.targetTerms,
    deadline: campaign.makeUp.deadline ?? null,
    deadlines: campaign.makeUp.deadlines ?? {},
    suggested: defaultMakeUpDeadlines(campaign),
    lastDay: campaignLastDay(campaign),
    opensOn: makeUpOpensOn(campaign),
    today: localDate(deps.clock(), campaign.timezone),
  };
}

export async function getMakeUpSettings(deps: ServiceDeps, actor: Actor) {
  authorize(actor, 'makeup.manage');
  return settingsOf(deps, await getActiveCampaign(deps));
}

/**
 * updateMakeUpSettings: the make-up deadline of each target term (S6). Every term must be a target term, every
 * date a real date not before make-ups open; the whole map replaces the old one. Audited with before and after.
 */
export async function updateMakeUpSettings(deps: ServiceDeps, actor: Actor, body: unknown) {
  authorize(actor, 'makeup.manage');
  const parsed = UpdateMakeUpSettingsRequestSchema.safeParse(body);
  if (!parsed.success) throw validationFailed('deadlines', parsed.error.issues);
  const saved = await mutate(deps, actor, async (tx) => {
    const campaign = await campaignRepo.lockActiveCampaign(tx, deps.db.dialect);
    if (!campaign) throw new AppError('CAMPAIGN_NOT_FOUND');
    await assertCampaignOpenForWrite(deps, tx, campaign);
    const opensOn = makeUpOpensOn(campaign);
    const lastDay = campaignLastDay(campaign);
    // every problem in details (field, code, value); the first one is the message, in the reader's language
    type Problem = { code: 'MAKEUP_DEADLINE_TERM_UNKNOWN' | 'MAKEUP_DEADLINE_NOT_A_DATE' | 'MAKEUP_DEADLINE_BEFORE_OPENING'; term: string; value: string };
    const problems: Problem[] = [];
    for (const [term, date] of Object.entries(parsed.data.deadlines)) {
      if (!campaign.targetTerms.includes(term)) problems.push({ code: 'MAKEUP_DEADLINE_TERM_UNKNOWN', term, value: date });
      else if (!isRealDate(date)) problems.push({ code: 'MAKEUP_DEADLINE_NOT_A_DATE', term, value: date });
      else if (date < opensOn) problems.push({ code: 'MAKEUP_DEADLINE_BEFORE_OPENING', term, value: date });
    }
    const first = problems[0];
    if (first) {
      throw new AppError(first.code, {
        params: { term: first.term, value: first.value, termsZh: campaign.targetTerms.join('、'), termsEn: campaign.targetTerms.join(', '), example: defaultMakeUpDeadlines(campaign)[campaign.targetTerms[0] ?? ''] ?? opensOn, opensOn, lastDay },
        details: problems.map((p) => ({ field: `deadlines.${p.term}`, code: p.code, value: p.value })),
      });
    }
    const before = campaign.makeUp.deadlines ?? {};
    const after = Object.fromEntries(Object.entries(parsed.data.deadlines).sort(([a], [b]) => a.localeCompare(b)));
    if (JSON.stringify(before) === JSON.stringify(after)) return { value: campaign, audit: null };
    const next: CampaignDefinition = { ...campaign, makeUp: { ...campaign.makeUp, deadlines: after } };
    await campaignRepo.saveActiveCampaign(tx, next, nowIso(deps));
    return { value: next, audit: { action: 'makeup_settings.changed', targetType: 'campaign', targetId: campaign.id, details: { rule: 'S6', before, after } } };
  });
  return settingsOf(deps, saved);
}

// ───────────────────────────── recording a make-up ─────────────────────────────

/**
 * The outlet of a make-up station (`makeup-<id>-<n>`), when every S6 condition holds for this student now;
 * null for any other station. Refusals: OUTLET_NOT_FOUND, STATION_UNKNOWN (numbered beyond the outlet's
 * stations), OUTLET_INACTIVE, OUTLET_CITY_NOT_ALLOWED, MAKEUP_NOT_YET_OPEN, MAKEUP_DEADLINE_PASSED,
 * PHOTO_ALREADY_CONFIRMED (a valid confirmed photo; a voided one does not count). Called inside the caller's
 * transaction by setStationStudent and uploadPhoto.
 */
export async function checkMakeUpStation(db: Tx, now: Date, campaign: CampaignDefinition, stationId: string, studentId?: string, opts: { payment?: boolean } = {}): Promise<string | null> {
  const parsed = parseOutletStation(stationId);
  if (!parsed) {
    // S6: once the campaign's last day has passed, only the outlets take photos (the school's stations refuse).
    // Before its first day the site stations take them (rehearsals and the tests set stations up beforehand).
    if (!opts.payment) await assertSiteCaptureOpen(db, now, campaign, studentId);
    return null;
  }
  const outlet = await makeupRepo.findOutlet(db, parsed.outletId);
  if (!outlet || outlet.campaign_id !== campaign.id) throw new AppError('OUTLET_NOT_FOUND', { params: { outletId: parsed.outletId }, details: { stationId } });
  if (parsed.number === null || parsed.number > outlet.stations) {
    const known = Array.from({ length: outlet.stations }, (_, i) => outletStationId(outlet.id, i + 1));
    throw new AppError('STATION_UNKNOWN', { params: { stationId, site: outlet.name_zh, known: known.join(', ') }, details: { stationId, outletId: outlet.id, known } });
  }
  if (outlet.active !== 1) throw new AppError('OUTLET_INACTIVE', { params: { outletId: outlet.id }, details: { outletId: outlet.id } });
  assertCityAllowed(campaign, outlet.city);
  // the fee is often paid after the shot was confirmed, or just after midnight: only the outlet is checked then
  if (opts.payment) return outlet.id;
  const today = localDate(now, campaign.timezone);
  const term = studentId ? await makeupRepo.findStudentTerm(db, studentId) : undefined;
  const window = makeUpWindow(campaign, term ?? '', today);
  if (window.state === 'not-yet-open') throw new AppError('MAKEUP_NOT_YET_OPEN', { params: { lastDay: campaignLastDay(campaign), opensOn: window.opensOn }, details: { opensOn: window.opensOn, today } });
  if (window.state === 'deadline-passed') throw new AppError('MAKEUP_DEADLINE_PASSED', { params: { term: term ?? '', deadline: window.deadline }, details: { term, deadline: window.deadline, today } });
  if (studentId) {
    const active = await photoRepo.findActiveConfirmationOfStudent(db, studentId);
    if (active) {
      const photo = await photoRepo.findPhoto(db, active.photo_id);
      if (photo && photo.invalid_reason === null) throw new AppError('PHOTO_ALREADY_CONFIRMED');
    }
  }
  return outlet.id;
}

/**
 * A site's station (any station that is not an outlet's, or none) takes a photo only until the campaign's last
 * day (its wall clock): after it, CAMPAIGN_ENDED names that day, the make-up city and the student's deadline.
 */
async function assertSiteCaptureOpen(db: Tx, now: Date, campaign: CampaignDefinition, studentId?: string): Promise<void> {
  const lastDay = campaignLastDay(campaign);
  const today = localDate(now, campaign.timezone);
  if (lastDay === '' || today <= lastDay) return;
  const term = studentId ? await makeupRepo.findStudentTerm(db, studentId) : undefined;
  const deadline = term ? makeUpDeadlineOf(campaign, term) : null;
  throw new AppError('CAMPAIGN_ENDED', {
    params: {
      lastDay,
      cityZh: cityName(campaign.makeUp.city, 'zh'),
      cityEn: cityName(campaign.makeUp.city, 'en'),
      deadlineZh: term && deadline ? `，${term} 毕（结）业学生的补采截止日期为 ${deadline}` : '',
      deadlineEn: term && deadline ? `; for students finishing in ${term} the deadline is ${deadline}` : '',
    },
    details: { lastDay, today, term: term ?? null, deadline },
  });
}

// ───────────────────────────── who still owes a photo ─────────────────────────────

/**
 * Outstanding make-ups (S6): required students with no valid (not E7-invalid), non-voided confirmed photo, each
 * with their term's deadline. `campaignEnded`: the campaign's last day has passed (before, they may still come).
 */
export async function listOutstandingMakeUps(deps: ServiceDeps, actor: Actor, query: { department?: string | undefined } = {}): Promise<OutstandingMakeUpList> {
  authorize(actor, 'makeup.manage');
  const campaign = await getActiveCampaign(deps);
  const today = localDate(deps.clock(), campaign.timezone);
  const rows = await makeupRepo.listOutstandingStudents(deps.db.db, campaign.id, query.department ? { department: query.department } : {});
  const full = actor.principal === null || seesFullNames(actor.principal);
  const items = rows.map((r) => {
    const term = r.deferred_to || r.expected_term;
    const deadline = makeUpDeadlineOf(campaign, term);
    return { studentId: r.id, studentNo: r.student_no, name: full ? r.name : maskName(r.name), department: r.department, term, deadline, deadlinePassed: deadline !== null && today > deadline, voided: r.voided > 0 };
  });
  const byDepartment = new Map<string, number>();
  for (const i of items) byDepartment.set(i.department, (byDepartment.get(i.department) ?? 0) + 1);
  return {
    campaignEnded: today > campaignLastDay(campaign),
    opensOn: makeUpOpensOn(campaign),
    total: items.length,
    byDepartment: [...byDepartment.entries()].map(([department, outstanding]) => ({ department, outstanding })),
    items,
  };
}

/** The outstanding list as an XLSX file (no ID numbers, no contact details; audited). */
export async function exportOutstandingMakeUps(deps: ServiceDeps, actor: Actor, query: { department?: string | undefined } = {}): Promise<{ fileName: string; body: Buffer }> {
  const list = await listOutstandingMakeUps(deps, actor, query);
  const campaign = await getActiveCampaign(deps);
  const body = await writeXlsx([
    {
      name: '待补采 Outstanding',
      columns: [
        { header: '学号 Student no.', key: 'studentNo', width: 14 },
        { header: '姓名 Name', key: 'name', width: 12 },
        { header: '院系 Department', key: 'department', width: 22 },
        { header: '毕业时间 Term', key: 'term', width: 10 },
        { header: '补采截止 Deadline', key: 'deadline', width: 14 },
        { header: '已过截止 Passed', key: 'passed', width: 10 },
        { header: '确认被撤销 Voided', key: 'voided', width: 12 },
      ],
      rows: list.items.map((i) => ({ studentNo: i.studentNo, name: i.name, department: i.department, term: i.term, deadline: i.deadline, passed: i.deadlinePassed ? '是 yes' : '', voided: i.voided ? '是 yes' : '' })),
    },
    { name: '按院系 By department', columns: [{ header: '院系 Department', key: 'department', width: 24 }, { header: '待补采 Outstanding', key: 'outstanding', width: 12 }], rows: list.byDepartment },
  ]);
  await recordAuditEvent(deps, actor, { action: 'makeups.exported', targetType: 'makeup_list', targetId: null, details: { rows: list.items.length, department: query.department ?? null } });
  return { fileName: `makeups-${localDate(deps.clock(), campaign.timezone)}.xlsx`, body };
}

/**
 * Outstanding make-ups per department, for the dashboards (issue 10 section 6): required students on the
 * roster with no valid (not E7-invalid), non-voided confirmed photo. Counts only; the caller authorizes.
 */
export async function countOutstandingMakeUpsPerDepartment(deps: Pick<ServiceDeps, 'db'>, campaignId: string): Promise<{ department: string; outstanding: number }[]> {
  return makeupRepo.countOutstandingPerDepartment(deps.db.db, campaignId);
}

// ───────────────────────────── the student's /my ─────────────────────────────

/** getMyMakeUp: whether the signed-in student must go to an outlet, where (active outlets in the make-up city) and by when. */
export async function getMyMakeUp(deps: ServiceDeps, actor: Actor): Promise<MyMakeUp> {
  authorize(actor, 'photo.confirmMine');
  const campaign = await getActiveCampaign(deps);
  const studentNo = actor.principal?.studentNo ?? (actor.principal?.role === 'student' ? actor.principal.username : null);
  const student = studentNo ? await photoRepo.findStudentByNo(deps.db.db, campaign.id, studentNo) : undefined;
  if (!student) throw new AppError('STUDENT_NOT_FOUND');
  const today = localDate(deps.clock(), campaign.timezone);
  const owing = student.decision === 'required' && student.removed_at === null ? (await makeupRepo.listOutstandingStudents(deps.db.db, campaign.id, { studentId: student.id }))[0] : undefined;
  const term = owing ? owing.deferred_to || owing.expected_term : null;
  const window = term ? makeUpWindow(campaign, term, today) : null;
  // a closed campaign takes no photo any more (uploads refused): no outlet, no deadline to meet
  const closure = await retentionRepo.findClosure(deps.db.db, campaign.id);
  const closedOn = closure ? localDate(new Date(closure.closed_at), campaign.timezone) : null;
  const outlets = closure ? [] : (await makeupRepo.listOutlets(deps.db.db, campaign.id)).filter((o) => outletUsable(campaign, o));
  return {
    state: !owing || !window ? 'not-needed' : closure ? 'closed' : window.state === 'not-yet-open' ? 'campaign' : window.state,
    closedOn,
    term,
    deadline: term ? makeUpDeadlineOf(campaign, term) : null,
    opensOn: makeUpOpensOn(campaign),
    voided: (owing?.voided ?? 0) > 0,
    city: campaign.makeUp.city,
    fee: campaign.makeUp.fee,
    currency: campaign.price.currency,
    outlets: outlets.map((o) => ({ id: o.id, name: { zh: o.name_zh, en: o.name_en }, address: o.address, hours: o.hours })),
  };
}

/** The outlets the notice and the mails name (S6): active ones in the make-up city, in their order. Public data only. */
export async function listNoticeOutlets(deps: Pick<ServiceDeps, 'db'>, campaign: CampaignDefinition): Promise<NoticeOutlet[]> {
  const rows = await makeupRepo.listOutlets(deps.db.db, campaign.id);
  return rows.filter((o) => outletUsable(campaign, o)).map((o) => ({ name: { zh: o.name_zh, en: o.name_en }, address: o.address, hours: o.hours }));
}

/**
 * Make-up reminder mails (S6), queued by the reminder scheduler's pass inside its transaction: one per student
 * still owing a photo once make-ups are open and before their term's deadline (a new one after a further
 * voided confirmation), only while an outlet can take them; the job runner sends them. No addresses in the counts.
 */
export async function queueMakeUpReminders(tx: Tx, deps: Pick<ServiceDeps, 'db' | 'clock' | 'cipher'>, campaign: CampaignDefinition): Promise<{ queued: number; invalidAddress: number; noAddress: number; alreadyQueued: number }> {
  const counts = { queued: 0, invalidAddress: 0, noAddress: 0, alreadyQueued: 0 };
  const now = deps.clock();
  const today = localDate(now, campaign.timezone);
  if (today < makeUpOpensOn(campaign)) return counts;
  const outlets = (await makeupRepo.listOutlets(tx, campaign.id)).filter((o) => outletUsable(campaign, o));
  if (outlets.length === 0) return counts;
  const { time } = wallClockOf(now, campaign.timezone);
  const rows = await makeupRepo.listOutstandingStudents(tx, campaign.id);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const intents = planMakeUpReminders({
    campaign,
    today,
    time,
    // a bounced address is not tried again until the roster gives another one
    students: rows.map((r) => ({ id: r.id, email: r.email_bounced_at ? null : r.email, term: r.deferred_to || r.expected_term, voided: r.voided })),
  });
  const noticeOutlets = outlets.map((o) => ({ name: { zh: o.name_zh, en: o.name_en }, address: o.address, hours: o.hours }));
  for (const intent of intents) {
    if (!intent.email) {
      counts.noAddress++;
      continue;
    }
    const row = byId.get(intent.studentId)!;
    const outcome = await enqueueMail(tx, deps, {
      kind: 'reminder.makeup',
      dedupeKey: intent.dedupeKey,
      studentId: intent.studentId,
      to: intent.email,
      content: renderMakeUpReminderMail({ campaign, studentName: row.name, term: intent.term, deadline: intent.deadline, outlets: noticeOutlets, voided: row.voided > 0 }),
    });
    if (outcome === 'queued') counts.queued++;
    else if (outcome === 'invalid') counts.invalidAddress++;
    else counts.alreadyQueued++;
  }
  return counts;
}
