// GET /api/plan (operationId proposePlan) over real HTTP, on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { applyRosterImport } from '../services/roster.service.js';

describe.each(DIALECTS)('GET /api/plan on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    const admin = await createActor(rt.deps, 'admin', [], 'plan-admin');
    await createActor(rt.deps, 'student', [], '2101110001');
    const rows = [rosterRow('2101110001'), rosterRow('2101110002', { 院系: '数学科学学院' }), rosterRow('2101110003', { 院系: '法学院' })];
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'r.csv', 'zh');
    server = await startTestServer(rt.deps);
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('gives an admin a proposal covering every department once, with the busiest window compared (S1, S3)', async () => {
    const cookie = await loginOverHttp(server.url, 'plan-admin');
    const res = await fetch(`${server.url}/api/plan?stations=2&minutesPerStudent=1`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { proposal: { date: string; departments: { name: string }[] }[]; busiest: { ratio: number }; current: { busiest: { ratio: number } } };
    const names = body.proposal.flatMap((d) => d.departments.map((x) => x.name));
    expect(names).toHaveLength(45);
    expect(new Set(names).size).toBe(45);
    // 法学院's day is a weekend day of the notice: it stays there (S3)
    expect(body.proposal.find((d) => d.departments.some((x) => x.name === '法学院'))?.date).toBe('2023-11-04');
    expect(body.busiest.ratio).toBeLessThanOrEqual(body.current.busiest.ratio);
  });

  it('refuses students (403), anonymous callers (401) and bad numbers (400)', async () => {
    const student = await loginOverHttp(server.url, '2101110001');
    expect((await fetch(`${server.url}/api/plan`, { headers: { cookie: student } })).status).toBe(403);
    expect((await fetch(`${server.url}/api/plan`)).status).toBe(401);
    const cookie = await loginOverHttp(server.url, 'plan-admin');
    const bad = await fetch(`${server.url}/api/plan?stations=0`, { headers: { cookie } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
  });
});
