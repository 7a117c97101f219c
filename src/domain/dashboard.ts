// The dashboards of the admin overview (issue 10 section 6): per department and per campaign day, how far the
// required students have come — required, booked, photographed, confirmed, exported (A1), printed and handed
// over (A2) — and the payments per day (P1). Pure: the repositories count in SQL (one grouped query per figure
// family); this module names the figures and adds the groups up.

/** The figures of the capture funnel, in the order of the chart and the table. */
export const DASHBOARD_FIGURES = ['required', 'booked', 'photographed', 'confirmed', 'exported', 'printed', 'handedOver'] as const;
export type DashboardFigure = (typeof DASHBOARD_FIGURES)[number];
export type DashboardCounts = Record<DashboardFigure, number>;

export const emptyDashboardCounts = (): DashboardCounts => ({ required: 0, booked: 0, photographed: 0, confirmed: 0, exported: 0, printed: 0, handedOver: 0 });

/** One group the repository counted: the required students of a department and a day (null: neither booked nor checked in yet). */
export interface DashboardGroup extends DashboardCounts {
  department: string;
  site: string;
  day: string | null;
  /** no booked or ticket day: the UTC hour (YYYY-MM-DDTHH) the photo was confirmed, made a campaign day by the service */
  confirmedHour?: string | null;
  /** required students without a valid (not E7-invalid), non-voided confirmed photo: make-ups once the campaign is over (S6) */
  outstanding: number;
}

export function addDashboardCounts(into: DashboardCounts, add: DashboardCounts): void {
  for (const key of DASHBOARD_FIGURES) into[key] += add[key];
}

/** Sums groups by a key (department or day); keys in first-seen order. */
export function sumDashboardGroups<K>(groups: DashboardGroup[], keyOf: (g: DashboardGroup) => K): Map<K, DashboardCounts> {
  const out = new Map<K, DashboardCounts>();
  for (const g of groups) {
    const key = keyOf(g);
    const counts = out.get(key) ?? emptyDashboardCounts();
    addDashboardCounts(counts, g);
    out.set(key, counts);
  }
  return out;
}

/** Days in calendar order, the "no day yet" group last. */
export function compareDays(a: string | null, b: string | null): number {
  return a === null ? (b === null ? 0 : 1) : b === null ? -1 : a.localeCompare(b);
}

/** 2000 fen → "20.00" (yuan, two decimals), for the XLSX. */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The column titles of the exports, Chinese then English (one file for both readers, as the other exports). */
export const DASHBOARD_FIGURE_TITLES: Record<DashboardFigure, string> = {
  required: '须采集 Required',
  booked: '已预约 Booked',
  photographed: '已拍摄 Photographed',
  confirmed: '已确认 Confirmed',
  exported: '已上传学信网 Exported',
  printed: '已冲印 Printed',
  handedOver: '已发放 Handed over',
};
