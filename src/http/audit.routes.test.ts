// GET /api/audit/verify over real HTTP on both databases (issue 8 finding 4): the two rewrites that verified
// OK before the chain was keyed and checkpointed — the tail cut off with the head moved back, and an edit with
// the whole chain recomputed — are reported broken to the admin; an intact log is reported with its checkpoints.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropAppendOnlyTriggers, forgeAuditHash, recomputeWholeAuditChain, truncateAuditTail } from '../../test/support/audit-tamper.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { AuditVerifySchema } from '../contracts/audit.js';
import { checkpointAuditChain } from '../services/audit.service.js';

describe.each(DIALECTS)('GET /api/audit/verify on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let cookie: string;

  const verify = async () => {
    const res = await fetch(`${server.url}/api/audit/verify`, { headers: { cookie } });
    expect(res.status).toBe(200);
    return AuditVerifySchema.parse(await res.json());
  };

  beforeEach(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    await createActor(rt.deps, 'admin', [], 'verify-admin');
    cookie = await loginOverHttp(server.url, 'verify-admin');
    // The server's timer would write this one; the test does not wait for it.
    expect((await checkpointAuditChain(rt.deps, { force: true })).written).not.toBeNull();
  });
  afterEach(async () => {
    await server.close();
    await rt.close();
  });

  it('an intact log: ok, every event checked, one checkpoint compared', async () => {
    const events = await rt.deps.db.db.selectFrom('audit_events').select('seq').execute();
    expect(await verify()).toEqual({ ok: true, checked: events.length, brokenAt: null, problem: null, checkpoints: 1, uncovered: 0 });
  });

  it('the tail cut off and the head moved back: broken where the checkpoint says events were', async () => {
    await dropAppendOnlyTriggers(rt.deps.db.db, dialect);
    const { keep } = await truncateAuditTail(rt.deps.db.db, 1);
    const r = await verify();
    expect(r).toMatchObject({ ok: false, checked: keep, brokenAt: keep + 1 });
    expect(r.problem).toContain('events were removed');
  });

  it('an event edited and the whole chain recomputed with plain SHA-256: broken at the first event', async () => {
    await dropAppendOnlyTriggers(rt.deps.db.db, dialect);
    await rt.deps.db.db.updateTable('audit_events').set({ actor_name: 'someone-else' }).where('seq', '=', 2).execute();
    await recomputeWholeAuditChain(rt.deps.db.db, (prev, row) => forgeAuditHash(prev, row));
    expect(await verify()).toMatchObject({ ok: false, checked: 0, brokenAt: 1, problem: 'event content does not match its hash' });
  });
});
