// The dashboards' pure helpers (issue 10 section 6): groups summed by department or day, days in calendar
// order with "no day yet" last, yuan with two decimals.
import { describe, expect, it } from 'vitest';
import { compareDays, emptyDashboardCounts, formatYuan, sumDashboardGroups, type DashboardGroup } from './dashboard.js';

const group = (department: string, day: string | null, required: number, confirmed: number): DashboardGroup => ({ ...emptyDashboardCounts(), department, site: 'beijing', day, required, confirmed, outstanding: required - confirmed });

describe('dashboard helpers', () => {
  it('sums groups by department and by day', () => {
    const groups = [group('物理学院', '2023-11-01', 3, 2), group('物理学院', null, 1, 0), group('数学科学学院', '2023-11-01', 2, 2)];
    const byDep = sumDashboardGroups(groups, (g) => g.department);
    expect([...byDep.keys()]).toEqual(['物理学院', '数学科学学院']);
    expect(byDep.get('物理学院')).toMatchObject({ required: 4, confirmed: 2, exported: 0 });
    const byDay = sumDashboardGroups(groups, (g) => g.day);
    expect(byDay.get('2023-11-01')).toMatchObject({ required: 5, confirmed: 4 });
    expect(byDay.get(null)).toMatchObject({ required: 1, confirmed: 0 });
  });

  it('orders days by date with no day last, and writes yuan with two decimals', () => {
    expect([null, '2023-11-02', '2023-11-01'].sort(compareDays)).toEqual(['2023-11-01', '2023-11-02', null]);
    expect(formatYuan(4000)).toBe('40.00');
    expect(formatYuan(5)).toBe('0.05');
    expect(formatYuan(-2050)).toBe('-20.50');
  });
});
