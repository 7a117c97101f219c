// One-time sign-in links, the use case (issue #3 part 6), on both databases: the account made on first use,
// refusals that change nothing (a disabled account, a staff account under the student's number, a student
// removed from the roster), only a hash stored, and the audit trail. The HTTP test sends real mail.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import type { MailJobPayload } from './job-runner.js';
import type { Actor } from './deps.js';
import { applyRosterImport } from './roster.service.js';
import { consumeSignInLink, requestSignInLink, SIGNIN_LINK_MINUTES } from './signin-link.service.js';
import { createUser } from './user.service.js';
import { SYSTEM } from './deps.js';

const A = '2401000301';
const B = '2401000302';
const C = '2401000303';

describe.each(DIALECTS)('sign-in link use case on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  const db = () => rt.deps.db.db;
  /** the token, read back from the queued mail (as the student would read it) */
  const linkFor = async (studentNo: string) => {
    const { jobId } = await requestSignInLink(rt.deps, { studentNo }, '10.0.0.1');
    expect(jobId).not.toBeNull();
    const job = await db().selectFrom('jobs').select('payload').where('id', '=', jobId!).executeTakeFirstOrThrow();
    return /\/signin\/([A-Za-z0-9_-]{43})/.exec((JSON.parse(job.payload) as MailJobPayload).text)![1]!;
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.deps.publicUrl = 'http://localhost:9999/';
    admin = await createActor(rt.deps, 'admin', [], `sl-admin-${dialect}`);
    const rows = [A, B, C].map((no) => rosterRow(no, { 邮箱: `s${no}@example.edu.cn` }));
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
  });
  beforeEach(() => rt.clock.set('2023-10-20T02:00:00.000Z'));

  it('queues one mail with PUBLIC_URL/signin/<token>, stores only the token’s SHA-256, expiring in 15 minutes', async () => {
    const token = await linkFor(A);
    const links = await db().selectFrom('signin_links').innerJoin('students', 'students.id', 'signin_links.student_id').select(['token_hash', 'expires_at']).where('students.student_no', '=', A).execute();
    expect(links).toHaveLength(1);
    expect(links[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await db().selectFrom('signin_links').selectAll().execute())).not.toContain(token);
    expect(links[0]!.expires_at).toBe(new Date(Date.parse('2023-10-20T02:00:00.000Z') + SIGNIN_LINK_MINUTES * 60_000).toISOString());
    const job = await db().selectFrom('jobs').select('payload').where('kind', '=', 'signin.link').executeTakeFirstOrThrow();
    expect(job.payload).toContain(`http://localhost:9999/signin/${token}`);
  });

  it('the first use creates the student account (role student, user name = student number) with one audit event', async () => {
    const token = await linkFor(B);
    const before = await db().selectFrom('audit_events').select('seq').execute();
    const outcome = await consumeSignInLink(rt.deps, token, '10.0.0.1', 'test');
    expect(outcome).toMatchObject({ accountCreated: true, me: { username: B, role: 'student' }, principal: { studentNo: B } });
    const after = await db().selectFrom('audit_events').select(['action', 'result']).where('seq', '>', before.length).execute();
    expect(after).toEqual([{ action: 'auth.signin_link_used', result: 'ok' }]);
    const session = await db().selectFrom('sessions').select('user_id').where('user_id', '=', outcome.principal.userId).execute();
    expect(session).toHaveLength(1);
  });

  it('a disabled account, and a staff account under the student number, are refused; the link is spent', async () => {
    const token = await linkFor(C);
    await createUser(rt.deps, SYSTEM, { username: C, role: 'operator', departments: [], password: 'correct horse battery staple' });
    await expect(consumeSignInLink(rt.deps, token, null, null)).rejects.toMatchObject({ code: 'SIGNIN_LINK_INVALID' });
    await db().updateTable('users').set({ role: 'student', student_no: C, disabled: 1 }).where('username', '=', C).execute();
    const second = await linkFor(C);
    await expect(consumeSignInLink(rt.deps, second, null, null)).rejects.toMatchObject({ code: 'SIGNIN_LINK_INVALID' });
    const refused = await db().selectFrom('audit_events').select(['details']).where('action', '=', 'auth.signin_link_used').where('result', '=', 'failed').orderBy('seq', 'desc').limit(2).execute();
    expect(refused.map((e) => (JSON.parse(e.details) as { reason: string }).reason).sort()).toEqual(['account-disabled', 'not-a-student-account']);
    await db().updateTable('users').set({ disabled: 0 }).where('username', '=', C).execute();
    await expect(consumeSignInLink(rt.deps, second, null, null)).rejects.toMatchObject({ code: 'SIGNIN_LINK_INVALID' });
  });

  it('a student removed from the roster can neither ask for a link nor use one asked for before', async () => {
    const token = await linkFor(A);
    await db().updateTable('students').set({ removed_at: '2023-10-20T02:00:00.000Z' }).where('student_no', '=', A).execute();
    expect(await requestSignInLink(rt.deps, { studentNo: A }, null)).toEqual({ jobId: null });
    await expect(consumeSignInLink(rt.deps, token, null, null)).rejects.toMatchObject({ code: 'SIGNIN_LINK_INVALID' });
    await db().updateTable('students').set({ removed_at: null }).where('student_no', '=', A).execute();
  });
});
