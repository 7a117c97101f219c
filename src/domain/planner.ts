// The capacity planner (issue #3 part 4, rules S1, S3): a department → day table from the required counts
// and the seats of each window, minimising the busiest window's load ratio.
//
// Load model: a day's load is the sum of its departments' required students, spread over the day's windows
// in proportion to their capacity (whole students, largest remainder first); a window's ratio is its load
// over its capacity; the busiest window is the one with the highest ratio.
//
// Constraints: a pinned department keeps its day (the weekend ones by default, S3: weekend days are for
// employed students and the departments the notice put there); any other department goes to a weekday.
//
// Algorithm: largest-first greedy onto the day whose busiest window stays lowest, then local improvement
// (single moves and pairwise swaps, best first) while the days' ratios, sorted busiest first, improve
// lexicographically (so the busiest window never gets worse, and ties at the top still make progress). It
// starts from the better of the greedy table and the current table when one is given. Deterministic: every
// choice is ordered by ratio, then by name or date (code-point order, not locale).
import { AppError } from './errors.js';
import type { SiteSettings } from './schedule.js';
import { DEFAULT_SITE_SETTINGS, sessionCapacity, shareByWeight } from './schedule.js';

export interface PlanWindow {
  start: string;
  end: string;
}

export interface PlanDay {
  date: string;
  weekend: boolean;
  windows: PlanWindow[];
}

export interface PlanDepartment {
  name: string;
  required: number;
  /** the department keeps this day */
  pinnedDay?: string | undefined;
}

export interface PlanInput {
  days: PlanDay[];
  departments: PlanDepartment[];
  /** seats of one window; default: stations × minutes ÷ minutes per student (sessionCapacity) */
  capacityPerWindow?: ((date: string, window: PlanWindow) => number) | undefined;
  stations?: number | undefined;
  minutesPerStudent?: number | undefined;
  /** today's table (department → date): the improvement pass starts from it when it is better than greedy */
  current?: Assignment | undefined;
}

/** department name → date */
export type Assignment = Record<string, string>;

export interface WindowLoad {
  start: string;
  end: string;
  load: number;
  capacity: number;
  ratio: number;
}

export interface DayLoad {
  date: string;
  weekend: boolean;
  departments: { name: string; required: number }[];
  load: number;
  capacity: number;
  windows: WindowLoad[];
}

export interface BusiestWindow {
  date: string;
  start: string;
  end: string;
  load: number;
  capacity: number;
  ratio: number;
}

export interface PlanEvaluation {
  days: DayLoad[];
  /** null when the campaign has no window */
  busiest: BusiestWindow | null;
}

export interface PlanProposal extends PlanEvaluation {
  assignment: Assignment;
}

const EPS = 1e-12;

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function windowRatio(load: number, capacity: number): number {
  if (capacity > 0) return load / capacity;
  return load > 0 ? Number.POSITIVE_INFINITY : 0;
}

/** The shape the search works on: indices instead of names, capacities resolved once. */
interface Model {
  days: PlanDay[];
  caps: number[][]; // per day, per window
  departments: PlanDepartment[]; // in input order
  /** per department: the day indices it may take */
  allowed: number[][];
  pinned: boolean[];
}

function buildModel(input: PlanInput): Model {
  const settings: SiteSettings = {
    stations: input.stations ?? DEFAULT_SITE_SETTINGS.stations,
    minutesPerStudent: input.minutesPerStudent ?? DEFAULT_SITE_SETTINGS.minutesPerStudent,
  };
  const capOf = input.capacityPerWindow ?? ((_date: string, w: PlanWindow) => sessionCapacity(w.start, w.end, settings));
  const caps = input.days.map((d) => d.windows.map((w) => Math.max(0, capOf(d.date, w))));
  const dayIndex = new Map(input.days.map((d, i) => [d.date, i]));
  if (dayIndex.size !== input.days.length) throw new AppError('VALIDATION_FAILED', { params: { detail: 'days: a date is listed twice' } });
  const names = new Set<string>();
  const weekdays = input.days.map((d, i) => (d.weekend ? -1 : i)).filter((i) => i >= 0);
  const allowed: number[][] = [];
  const pinned: boolean[] = [];
  for (const dep of input.departments) {
    if (names.has(dep.name)) throw new AppError('VALIDATION_FAILED', { params: { detail: `departments: ${dep.name} is listed twice` } });
    names.add(dep.name);
    if (!Number.isFinite(dep.required) || dep.required < 0) throw new AppError('VALIDATION_FAILED', { params: { detail: `departments: ${dep.name} has an invalid required count` } });
    if (dep.pinnedDay !== undefined) {
      const i = dayIndex.get(dep.pinnedDay);
      if (i === undefined) throw new AppError('VALIDATION_FAILED', { params: { detail: `pinned: ${dep.name} → ${dep.pinnedDay} is not a day of the campaign` } });
      allowed.push([i]);
      pinned.push(true);
    } else {
      if (weekdays.length === 0) throw new AppError('VALIDATION_FAILED', { params: { detail: `no weekday for ${dep.name}` } });
      allowed.push(weekdays);
      pinned.push(false);
    }
  }
  return { days: input.days, caps, departments: input.departments, allowed, pinned };
}

/** The busiest window ratio of one day carrying `load` students. */
function dayRatio(m: Model, day: number, load: number): number {
  const caps = m.caps[day]!;
  if (caps.length === 0) return load > 0 ? Number.POSITIVE_INFINITY : 0;
  const shares = shareByWeight(load, caps);
  let worst = 0;
  for (let w = 0; w < caps.length; w++) worst = Math.max(worst, windowRatio(shares[w]!, caps[w]!));
  return worst;
}

/** -1 when ratios `a` are better than `b` (sorted busiest first, compared lexicographically), 1 when worse, 0 when equal. */
function compareVectors(a: number[], b: number[]): number {
  const sa = [...a].sort((x, y) => y - x);
  const sb = [...b].sort((x, y) => y - x);
  for (let i = 0; i < sa.length; i++) {
    const x = sa[i]!;
    const y = sb[i]!;
    if (x === y) continue;
    if (Math.abs(x - y) > EPS * Math.max(1, Math.abs(x), Math.abs(y))) return x < y ? -1 : 1;
  }
  return 0;
}

interface State {
  dayOf: number[]; // per department
  loads: number[]; // per day
  ratios: number[]; // per day
}

function stateOf(m: Model, dayOf: number[]): State {
  const loads = m.days.map(() => 0);
  m.departments.forEach((d, i) => (loads[dayOf[i]!]! += d.required));
  return { dayOf, loads, ratios: loads.map((l, d) => dayRatio(m, d, l)) };
}

function greedy(m: Model): State {
  const dayOf = m.departments.map(() => -1);
  const loads = m.days.map(() => 0);
  m.departments.forEach((d, i) => {
    if (m.pinned[i]) {
      dayOf[i] = m.allowed[i]![0]!;
      loads[dayOf[i]!]! += d.required;
    }
  });
  const free = m.departments.map((_, i) => i).filter((i) => !m.pinned[i]);
  free.sort((a, b) => m.departments[b]!.required - m.departments[a]!.required || byCodePoint(m.departments[a]!.name, m.departments[b]!.name));
  for (const i of free) {
    const req = m.departments[i]!.required;
    let best = -1;
    let bestRatio = Number.POSITIVE_INFINITY;
    for (const d of m.allowed[i]!) {
      const r = dayRatio(m, d, loads[d]! + req);
      // ties: the earlier date (days are compared by date, not by their order in the input)
      if (best < 0 || r < bestRatio - EPS * Math.max(1, r) || (Math.abs(r - bestRatio) <= EPS * Math.max(1, r) && byCodePoint(m.days[d]!.date, m.days[best]!.date) < 0)) {
        best = d;
        bestRatio = r;
      }
    }
    dayOf[i] = best;
    loads[best]! += req;
  }
  return stateOf(m, dayOf);
}

/** Today's table as a starting point, or null when it breaks a constraint (a pin, a weekday rule, an unknown day). */
function fromAssignment(m: Model, assignment: Assignment): State | null {
  const dayIndex = new Map(m.days.map((d, i) => [d.date, i]));
  const dayOf: number[] = [];
  for (let i = 0; i < m.departments.length; i++) {
    const d = dayIndex.get(assignment[m.departments[i]!.name] ?? '');
    if (d === undefined || !m.allowed[i]!.includes(d)) return null;
    dayOf.push(d);
  }
  return stateOf(m, dayOf);
}

/** Best-first single moves and pairwise swaps while the sorted ratios improve. */
function improve(m: Model, s: State): State {
  const { dayOf, loads, ratios } = s;
  // Candidates in a fixed order: departments by name, days by date.
  const order = m.departments.map((_, i) => i).filter((i) => !m.pinned[i]);
  order.sort((a, b) => byCodePoint(m.departments[a]!.name, m.departments[b]!.name));
  const maxPasses = 10_000;
  for (let pass = 0; pass < maxPasses; pass++) {
    let best: { vec: number[]; apply: () => void } | null = null;
    let bestVec = ratios;
    const consider = (d1: number, l1: number, d2: number, l2: number, apply: () => void) => {
      const vec = [...ratios];
      vec[d1] = dayRatio(m, d1, l1);
      vec[d2] = dayRatio(m, d2, l2);
      if (compareVectors(vec, bestVec) < 0) {
        bestVec = vec;
        best = { vec, apply };
      }
    };
    for (const i of order) {
      const from = dayOf[i]!;
      const req = m.departments[i]!.required;
      for (const to of m.allowed[i]!) {
        if (to === from) continue;
        consider(from, loads[from]! - req, to, loads[to]! + req, () => (dayOf[i] = to));
      }
    }
    for (let x = 0; x < order.length; x++) {
      for (let y = x + 1; y < order.length; y++) {
        const a = order[x]!;
        const b = order[y]!;
        const da = dayOf[a]!;
        const db = dayOf[b]!;
        if (da === db || !m.allowed[a]!.includes(db) || !m.allowed[b]!.includes(da)) continue;
        const delta = m.departments[a]!.required - m.departments[b]!.required;
        if (delta === 0) continue;
        consider(da, loads[da]! - delta, db, loads[db]! + delta, () => {
          dayOf[a] = db;
          dayOf[b] = da;
        });
      }
    }
    const chosen = best as { vec: number[]; apply: () => void } | null;
    if (!chosen) break;
    chosen.apply();
    loads.fill(0);
    m.departments.forEach((d, i) => (loads[dayOf[i]!]! += d.required));
    for (let d = 0; d < ratios.length; d++) ratios[d] = chosen.vec[d]!;
  }
  return s;
}

function toAssignment(m: Model, dayOf: number[]): Assignment {
  const out: Assignment = {};
  m.departments.forEach((d, i) => (out[d.name] = m.days[dayOf[i]!]!.date));
  return out;
}

function evaluateModel(m: Model, assignment: Assignment): PlanEvaluation {
  let busiest: BusiestWindow | null = null;
  const days = m.days.map((day, d) => {
    const departments = m.departments.filter((dep) => assignment[dep.name] === day.date).map((dep) => ({ name: dep.name, required: dep.required }));
    const load = departments.reduce((a, dep) => a + dep.required, 0);
    const caps = m.caps[d]!;
    const shares = shareByWeight(load, caps);
    const windows = day.windows.map((w, i) => ({ start: w.start, end: w.end, load: shares[i]!, capacity: caps[i]!, ratio: windowRatio(shares[i]!, caps[i]!) }));
    for (const w of windows) {
      // ties: the earlier day, then the earlier window
      if (!busiest || w.ratio > busiest.ratio + EPS * Math.max(1, w.ratio)) busiest = { date: day.date, start: w.start, end: w.end, load: w.load, capacity: w.capacity, ratio: w.ratio };
    }
    return { date: day.date, weekend: day.weekend, departments, load, capacity: caps.reduce((a, c) => a + c, 0), windows };
  });
  return { days, busiest };
}

/**
 * Per-day and per-window loads of a department → day table, and its busiest window. Departments of the
 * table that are not in `input.departments` are ignored; days are reported in the input's order.
 */
export function evaluatePlan(input: PlanInput, assignment: Assignment): PlanEvaluation {
  return evaluateModel(buildModel(input), assignment);
}

/** The proposed table (see the top of this file), with its evaluation. */
export function proposePlan(input: PlanInput): PlanProposal {
  const m = buildModel(input);
  let start = greedy(m);
  if (input.current) {
    const current = fromAssignment(m, input.current);
    if (current && compareVectors(current.ratios, start.ratios) < 0) start = current;
  }
  const best = improve(m, { dayOf: [...start.dayOf], loads: [...start.loads], ratios: [...start.ratios] });
  const assignment = toAssignment(m, best.dayOf);
  return { assignment, ...evaluateModel(m, assignment) };
}
