// The after-capture dashboard's per-day figures when nobody booked (issue 10 section 6; tester's finding): a student
// photographed without a booking or a ticket (a walk-in by the operator, a make-up) is counted on the campaign day
// their photo was confirmed (the campaign's wall clock: 01:30 in Beijing is the next day in UTC+8), not in one
// "no booked or check-in day" bar; a student with nothing stays in that group. Both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryRoster, seedConfirmedPhoto } from '../../test/support/registry-export.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { getDashboard } from './dashboard.service.js';
import type { Actor } from './deps.js';

describe.each(DIALECTS)('dashboard days without bookings on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin');
    const { studentNos } = await importRegistryRoster(rt.deps, 3);
    rt.clock.set('2026-06-01T17:30:00.000Z');
    await seedConfirmedPhoto(rt.deps, studentNos[0]!, 1);
    rt.clock.set('2026-06-03T02:00:00.000Z');
    await seedConfirmedPhoto(rt.deps, studentNos[1]!, 2);
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('counts a photographed student without a booking on the day the photo was confirmed', async () => {
    const d = await getDashboard(rt.deps, admin, {});
    expect(d.days.map((r) => [r.date, r.counts.required, r.counts.confirmed])).toEqual([
      ['2026-06-02', 1, 1],
      ['2026-06-03', 1, 1],
      [null, 1, 0],
    ]);
  });
});
