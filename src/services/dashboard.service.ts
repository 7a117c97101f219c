// The dashboards (issue 10 section 6): the admin overview's figures per department and per campaign day —
// required, booked, photographed, confirmed, exported (A1), printed and handed over (A2) — payments per day (P1)
// and make-ups outstanding (S6), with an XLSX of every table. One grouped SQL query per figure family
// (src/repositories/dashboard.repository.ts); counts only, no personal data. A secretary sees their departments.
import { writeXlsx } from '../adapters/xlsx-export.js';
import type { Dashboard, DashboardQuery } from '../contracts/dashboard.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import { departmentHomeSite, findDepartmentDay, listDepartments, localDate } from '../domain/campaign.js';
import type { DashboardCounts } from '../domain/dashboard.js';
import { compareDays, DASHBOARD_FIGURE_TITLES, DASHBOARD_FIGURES, emptyDashboardCounts, formatYuan, sumDashboardGroups } from '../domain/dashboard.js';
import { AppError } from '../domain/errors.js';
import { hasPermission, studentScope } from '../domain/permissions.js';
import * as dashboardRepo from '../repositories/dashboard.repository.js';
import { recordAuditEvent } from './audit.service.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';

/** The departments the actor may see (null: all). */
export function visibleDepartments(actor: Actor): string[] | null {
  if (!actor.principal) return null;
  const scope = studentScope(actor.principal);
  return scope.kind === 'departments' ? scope.departments : scope.kind === 'self' ? [] : null;
}

/**
 * A department asked for by name: one of the campaign's or of the roster's (else DEPARTMENT_UNKNOWN naming it),
 * and one of the actor's (else FORBIDDEN, recorded as `student.access_denied` on the department).
 */
export async function checkDepartment(deps: ServiceDeps, actor: Actor, campaign: CampaignDefinition, department: string, known: Iterable<string> = []): Promise<void> {
  if (!listDepartments(campaign).includes(department) && ![...known].includes(department)) {
    throw new AppError('DEPARTMENT_UNKNOWN', { params: { department: department.slice(0, 80) } });
  }
  const visible = visibleDepartments(actor);
  if (visible && !visible.includes(department)) {
    await recordAuditEvent(deps, actor, { action: 'student.access_denied', result: 'denied', targetType: 'department', targetId: department });
    throw new AppError('FORBIDDEN');
  }
}

/** The campaign's last day (its table), or null when it has no day. */
export function lastCampaignDay(campaign: CampaignDefinition): string | null {
  const dates = campaign.days.map((d) => d.date).sort();
  return dates.at(-1) ?? null;
}

/**
 * getDashboard: the funnel per department and per day (and in all), payments per day for a caller who may
 * read payments, and the make-ups outstanding. A secretary sees their departments only.
 */
export async function getDashboard(deps: ServiceDeps, actor: Actor, query: DashboardQuery): Promise<Dashboard> {
  authorize(actor, 'dashboard.read');
  const campaign = await getActiveCampaign(deps);
  if (query.department) await checkDepartment(deps, actor, campaign, query.department);
  const visible = visibleDepartments(actor);
  const today = localDate(deps.clock(), campaign.timezone);
  const filter = { campaignId: campaign.id, departments: visible ?? undefined, department: query.department, site: query.site };
  const groups = await dashboardRepo.countDashboardGroups(deps.db.db, { ...filter, today });

  const wanted = (name: string) => (!visible || visible.includes(name)) && (!query.department || query.department === name) && (!query.site || departmentHomeSite(campaign, name) === query.site);
  // make-ups outstanding (S6) are counted by the same grouped query: makeup.service's countOutstandingMakeUpsPerDepartment
  // reads them student by student (seconds for 20,000 on SQLite); the tests check that both agree
  const outstanding = new Map<string, number>();
  for (const g of groups) outstanding.set(g.department, (outstanding.get(g.department) ?? 0) + g.outstanding);

  const byDepartment = sumDashboardGroups(groups, (g) => g.department);
  // without a booked or ticket day, a photographed student counts on the campaign day their photo was confirmed
  const byDay = sumDashboardGroups(groups, (g) => g.day ?? (g.confirmedHour ? localDate(new Date(`${g.confirmedHour}:00:00.000Z`), campaign.timezone) : null));
  const totals = emptyDashboardCounts();
  for (const counts of byDepartment.values()) for (const k of DASHBOARD_FIGURES) totals[k] += counts[k];

  const names = [...new Set([...listDepartments(campaign).filter(wanted), ...[...byDepartment.keys()].sort()])];
  const departments = names.map((name) => ({
    department: name,
    site: departmentHomeSite(campaign, name) as SiteId,
    day: findDepartmentDay(campaign, name) ?? null,
    counts: byDepartment.get(name) ?? emptyDashboardCounts(),
    makeupsOutstanding: outstanding.get(name) ?? 0,
  }));
  const days = [...byDay.entries()].sort(([a], [b]) => compareDays(a, b)).map(([date, counts]) => ({ date, counts }));

  let payments: Dashboard['payments'] = null;
  if (actor.principal === null || hasPermission(actor.principal, 'payment.read')) {
    const rows = await dashboardRepo.countPaymentsByDay(deps.db.db, filter);
    const sum = (k: 'count' | 'amountFen' | 'duplicates' | 'duplicateAmountFen') => rows.reduce((n, r) => n + r[k], 0);
    payments = { days: rows, totals: { count: sum('count'), amountFen: sum('amountFen'), duplicates: sum('duplicates'), duplicateAmountFen: sum('duplicateAmountFen') } };
  }
  const last = lastCampaignDay(campaign);
  const makeups = { outstanding: [...outstanding.values()].reduce((a, b) => a + b, 0), campaignOver: last !== null && last < today };
  return { asOf: today, departments, days, totals, payments, makeups, available: { prints: true, makeups: true } };
}

/**
 * exportDashboard: every table of the dashboard as one XLSX (per department, per day, payments per day),
 * Chinese and English headers. Counts only; audited (`dashboard.exported`).
 */
export async function exportDashboard(deps: ServiceDeps, actor: Actor, query: DashboardQuery): Promise<{ fileName: string; body: Buffer }> {
  const d = await getDashboard(deps, actor, query);
  const figureColumns = DASHBOARD_FIGURES.map((k) => ({ header: DASHBOARD_FIGURE_TITLES[k], key: k, width: 14 }));
  const figures = (c: DashboardCounts) => Object.fromEntries(DASHBOARD_FIGURES.map((k) => [k, c[k]]));
  const sheets = [
    {
      name: '按院系 By department',
      columns: [{ header: '院系 Department', key: 'department', width: 24 }, { header: '校区 Site', key: 'site', width: 10 }, { header: '采集日 Day', key: 'day', width: 12 }, ...figureColumns, { header: '待补采 Make-ups outstanding', key: 'makeups', width: 16 }],
      rows: [
        ...d.departments.map((r) => ({ department: r.department, site: r.site === 'shenzhen' ? '深圳 Shenzhen' : '北京 Beijing', day: r.day, ...figures(r.counts), makeups: r.makeupsOutstanding })),
        { department: '合计 Total', site: null, day: null, ...figures(d.totals), makeups: d.makeups?.outstanding ?? null },
      ],
    },
    {
      name: '按日期 By day',
      columns: [{ header: '日期 Day', key: 'day', width: 16 }, ...figureColumns],
      rows: [...d.days.map((r) => ({ day: r.date ?? '无预约或签到日期 No booked or check-in day', ...figures(r.counts) })), { day: '合计 Total', ...figures(d.totals) }],
    },
  ];
  if (d.payments) {
    sheets.push({
      name: '收款 Payments',
      columns: [
        { header: '日期 Day', key: 'day', width: 12 },
        { header: '笔数 Payments', key: 'count', width: 12 },
        { header: '金额（元）Amount (yuan)', key: 'amount', width: 16 },
        { header: '重复缴费 Duplicates', key: 'duplicates', width: 14 },
        { header: '待退款（元）To refund (yuan)', key: 'duplicateAmount', width: 18 },
      ],
      rows: [...d.payments.days.map((r) => ({ day: r.date, count: r.count, amount: formatYuan(r.amountFen), duplicates: r.duplicates, duplicateAmount: formatYuan(r.duplicateAmountFen) })), { day: '合计 Total', count: d.payments.totals.count, amount: formatYuan(d.payments.totals.amountFen), duplicates: d.payments.totals.duplicates, duplicateAmount: formatYuan(d.payments.totals.duplicateAmountFen) }],
    } as (typeof sheets)[number]);
  }
  const body = await writeXlsx(sheets);
  await recordAuditEvent(deps, actor, { action: 'dashboard.exported', targetType: 'dashboard', targetId: query.department ?? null, details: { departments: d.departments.length, required: d.totals.required, payments: d.payments !== null } });
  return { fileName: `dashboard-${d.asOf}.xlsx`, body };
}
