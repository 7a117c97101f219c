import { describe, expect, it } from 'vitest';
import type { Assignment, PlanDay, PlanDepartment, PlanInput } from './planner.js';
import { evaluatePlan, proposePlan } from './planner.js';

const W = [
  { start: '09:30', end: '12:00' },
  { start: '13:00', end: '17:30' },
];
const day = (date: string, weekend = false): PlanDay => ({ date, weekend, windows: W });
const dep = (name: string, required: number, pinnedDay?: string): PlanDepartment => ({ name, required, ...(pinnedDay ? { pinnedDay } : {}) });
// Defaults (2 stations, 1 minute): 300 + 540 = 840 seats a day.
const THREE_WEEKDAYS = [day('2023-11-01'), day('2023-11-02'), day('2023-11-03')];
const WITH_WEEKEND = [...THREE_WEEKDAYS, day('2023-11-04', true), day('2023-11-05', true)];

function dayLoads(input: PlanInput, a: Assignment): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of input.departments) out[a[d.name]!] = (out[a[d.name]!] ?? 0) + d.required;
  return out;
}

describe('proposePlan', () => {
  const cases: { name: string; input: PlanInput; maxRatio: number; loads?: Record<string, number> }[] = [
    {
      // 6 departments that split perfectly into 3 × 300.
      name: 'balanced optimum on a small known case',
      input: { days: THREE_WEEKDAYS, departments: [dep('A', 200), dep('B', 200), dep('C', 150), dep('D', 150), dep('E', 100), dep('F', 100)] },
      maxRatio: 300 / 840,
      loads: { '2023-11-01': 300, '2023-11-02': 300, '2023-11-03': 300 },
    },
    {
      // Largest-first greedy alone gives 300+200+200 | 300+200 = 700 | 500; a swap reaches 600 | 600.
      name: 'a swap fixes what largest-first greedy misses',
      input: { days: THREE_WEEKDAYS.slice(0, 2), departments: [dep('A', 300), dep('B', 300), dep('C', 200), dep('D', 200), dep('E', 200)] },
      maxRatio: 600 / 840,
      loads: { '2023-11-01': 600, '2023-11-02': 600 },
    },
    {
      // Total 1550 over 3 days: the 400 department's day can only reach 450, 500 or 550, so 550 is the optimum.
      name: 'local improvement finds a perfect split greedy misses',
      input: { days: THREE_WEEKDAYS, departments: [dep('A', 400), dep('B', 300), dep('C', 300), dep('D', 200), dep('E', 200), dep('F', 100), dep('G', 50)] },
      maxRatio: 550 / 840,
    },
    {
      name: 'pinned departments keep their day, weekend used by pinned only',
      input: { days: WITH_WEEKEND, departments: [dep('Law', 500, '2023-11-04'), dep('Gsm', 10, '2023-11-05'), dep('A', 300), dep('B', 300), dep('C', 300)] },
      maxRatio: 500 / 840,
      loads: { '2023-11-04': 500, '2023-11-05': 10, '2023-11-01': 300, '2023-11-02': 300, '2023-11-03': 300 },
    },
    {
      name: 'no departments',
      input: { days: WITH_WEEKEND, departments: [] },
      maxRatio: 0,
    },
    {
      name: 'capacity per window instead of stations (a day with half the seats gets half the load)',
      input: {
        days: [day('2023-11-01'), day('2023-11-02')],
        departments: [dep('A', 200), dep('B', 100), dep('C', 100), dep('D', 100), dep('E', 100)],
        capacityPerWindow: (date) => (date === '2023-11-01' ? 200 : 100),
      },
      maxRatio: 400 / 400,
      loads: { '2023-11-01': 400, '2023-11-02': 200 },
    },
  ];

  it.each(cases)('$name', ({ input, maxRatio, loads }) => {
    const p = proposePlan(input);
    // whole students per window: the busiest window's ratio is within rounding of load ÷ day's seats
    expect(p.busiest?.ratio ?? 0).toBeCloseTo(maxRatio, 2);
    if (loads) expect(dayLoads(input, p.assignment)).toEqual(loads);
    for (const d of input.departments) {
      const date = p.assignment[d.name]!;
      if (d.pinnedDay) expect(date).toBe(d.pinnedDay);
      else expect(input.days.find((x) => x.date === date)?.weekend).toBe(false);
    }
    // The evaluation of the returned table is the same as evaluatePlan's.
    expect(evaluatePlan(input, p.assignment)).toEqual({ days: p.days, busiest: p.busiest });
  });

  it('is deterministic whatever the order of the input', () => {
    const departments = Array.from({ length: 30 }, (_, i) => dep(`D${String(i).padStart(2, '0')}`, ((i * 37) % 23) * 10 + 5));
    const a = proposePlan({ days: WITH_WEEKEND, departments });
    const b = proposePlan({ days: [...WITH_WEEKEND].reverse(), departments: [...departments].reverse() });
    expect(b.assignment).toEqual(a.assignment);
    expect(proposePlan({ days: WITH_WEEKEND, departments }).assignment).toEqual(a.assignment);
  });

  it('is never worse than the current table it is given', () => {
    // A current table that is already optimal and that the greedy start would not reach by itself.
    const departments = [dep('A', 400), dep('B', 300), dep('C', 300), dep('D', 200), dep('E', 200), dep('F', 100), dep('G', 50)];
    const current: Assignment = { A: '2023-11-01', G: '2023-11-01', F: '2023-11-01', B: '2023-11-02', D: '2023-11-02', C: '2023-11-03', E: '2023-11-03' };
    const input = { days: THREE_WEEKDAYS, departments, current };
    const before = evaluatePlan(input, current).busiest!.ratio;
    const p = proposePlan(input);
    expect(p.busiest!.ratio).toBeLessThanOrEqual(before + 1e-12);
    // and with a poor current table, strictly better
    const poor: Assignment = Object.fromEntries(departments.map((d) => [d.name, '2023-11-01']));
    const q = proposePlan({ ...input, current: poor });
    expect(q.busiest!.ratio).toBeLessThan(evaluatePlan(input, poor).busiest!.ratio);
  });

  it('refuses a pin to a day that is not in the campaign, and duplicates', () => {
    expect(() => proposePlan({ days: THREE_WEEKDAYS, departments: [dep('A', 1, '2023-12-01')] })).toThrow(/VALIDATION_FAILED|not a day/);
    expect(() => proposePlan({ days: THREE_WEEKDAYS, departments: [dep('A', 1), dep('A', 2)] })).toThrow();
    expect(() => proposePlan({ days: [day('2023-11-04', true)], departments: [dep('A', 1)] })).toThrow();
  });
});

describe('evaluatePlan', () => {
  it('spreads a day over its windows by capacity and names the busiest window', () => {
    const input: PlanInput = { days: THREE_WEEKDAYS, departments: [dep('A', 100), dep('B', 50), dep('C', 1)], stations: 1 };
    // stations 1: 150 + 270 = 420 seats a day
    const e = evaluatePlan(input, { A: '2023-11-02', B: '2023-11-02', C: '2023-11-03' });
    const d2 = e.days.find((d) => d.date === '2023-11-02')!;
    expect(d2.load).toBe(150);
    expect(d2.capacity).toBe(420);
    expect(d2.windows.map((w) => w.load)).toEqual([54, 96]); // 150 × 150/420 = 53.6, 150 × 270/420 = 96.4
    expect(d2.departments).toEqual([
      { name: 'A', required: 100 },
      { name: 'B', required: 50 },
    ]);
    expect(e.busiest).toEqual({ date: '2023-11-02', start: '09:30', end: '12:00', load: 54, capacity: 150, ratio: 54 / 150 });
    expect(e.days.find((d) => d.date === '2023-11-01')!.load).toBe(0);
  });

  it('has no busiest window without days', () => {
    expect(evaluatePlan({ days: [], departments: [] }, {}).busiest).toBeNull();
  });
});
