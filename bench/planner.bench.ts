// The capacity planner (issue #3 part 4): 50,000 required students over 60 departments and 5 days (2 of
// them weekend, their departments pinned, S3). Figure: time to propose (median of 5); baseline: time to
// merely evaluate today's table, in the same run.
import type { Assignment, PlanDay, PlanInput } from '../src/domain/planner.js';
import { evaluatePlan, proposePlan } from '../src/domain/planner.js';
import { fmt, median, report, timeRuns } from './lib.js';

const STUDENTS = 50_000;
const DEPARTMENTS = 60;
const RUNS = 5;

/** A skewed (Zipf-like, s = 1) split of the students over the departments, summing exactly to STUDENTS. */
function skewedCounts(): number[] {
  const weights = Array.from({ length: DEPARTMENTS }, (_, i) => 1 / (i + 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((STUDENTS * w) / sum));
  counts[DEPARTMENTS - 1]! += STUDENTS - counts.reduce((a, b) => a + b, 0);
  return counts;
}

export async function benchPlanner(): Promise<void> {
  const windows = [
    { start: '09:30', end: '12:00' },
    { start: '13:00', end: '17:30' },
  ];
  const dates = ['2023-11-01', '2023-11-02', '2023-11-03', '2023-11-04', '2023-11-05'];
  const days: PlanDay[] = dates.map((date, i) => ({ date, weekend: i >= 3, windows }));
  const counts = skewedCounts();
  // Today's table: departments dealt round-robin over the days (in a shuffled, fixed order); those on a weekend day stay there.
  const current: Assignment = {};
  const departments = counts.map((required, i) => {
    const name = `院系${String(i + 1).padStart(2, '0')}`;
    const date = dates[(i * 7) % dates.length]!;
    current[name] = date;
    return { name, required, pinnedDay: days.find((d) => d.date === date)!.weekend ? date : undefined };
  });
  // Enough stations that the campaign could fit: 50,000 students over 5 × 420 minutes.
  const input: PlanInput = { days, departments, stations: 24, minutesPerStudent: 1, current };

  let proposal = proposePlan(input);
  const proposeMs = median(await timeRuns(RUNS, () => void (proposal = proposePlan(input))));
  let today = evaluatePlan(input, current);
  const evaluateMs = median(await timeRuns(RUNS, () => void (today = evaluatePlan(input, current))));
  const pct = (r: number | undefined) => `${fmt((r ?? 0) * 100, 1)}%`;
  report({
    name: 'planner',
    figure: `propose a table for ${fmt(STUDENTS)} students / ${DEPARTMENTS} departments / ${days.length} days (2 weekend): ${fmt(proposeMs, 2)} ms (median of ${RUNS}); busiest window ${pct(today.busiest?.ratio)} → ${pct(proposal.busiest?.ratio)}`,
    baseline: `evaluate today's table: ${fmt(evaluateMs, 3)} ms (median of ${RUNS})`,
    ratio: `propose ÷ evaluate = ${fmt(proposeMs / Math.max(evaluateMs, 1e-6), 0)}×`,
    raw: { students: STUDENTS, departments: DEPARTMENTS, days: days.length, proposeMs, evaluateMs, busiestBefore: today.busiest?.ratio, busiestAfter: proposal.busiest?.ratio },
  });
}
