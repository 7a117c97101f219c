// One-time sign-in links, the use case (issue #3 part 6), on both databases: the account made on first use,
// refusals that change nothing (a disabled account, a staff account under the student's number, a student
// removed from the roster), only a hash stored, and the audit trail. The HTTP test sends real mail.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import type { PasswordHasher } from '../adapters/password-hasher.js';
import type { MailJobPayload } from './job-runner.js';
import { deliverDueJobs, openMailJobPayload } from './job-runner.js';
import type { Actor } from './deps.js';
import { applyRosterImport } from './roster.service.js';
import { consumeSignInLink, MAX_SIGNIN_LINKS_PER_WINDOW, purgeSigninLinks, requestSignInLink, SIGNIN_LINK_MINUTES } from './signin-link.service.js';
import { createUser } from './user.service.js';
import { SYSTEM } from './deps.js';

const A = '2401000301';
const B = '2401000302';
const C = '2401000303';
const D = '2401000304';
const E = '2401000305';
const F = '2401000306';

describe.each(DIALECTS)('sign-in link use case on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;
  const db = () => rt.deps.db.db;
  /** the token, read back from the queued mail (as the student would read it) */
  const linkFor = async (studentNo: string) => {
    const { jobId } = await requestSignInLink(rt.deps, { studentNo }, '10.0.0.1');
    expect(jobId).not.toBeNull();
    const job = await db().selectFrom('jobs').select('payload').where('id', '=', jobId!).executeTakeFirstOrThrow();
    return /\/signin\/([A-Za-z0-9_-]{43})/.exec(openMailJobPayload(rt.deps, job.payload).text!)![1]!;
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    rt.deps.publicUrl = 'http://localhost:9999/';
    // A mail server is configured (an outside service: a stand-in that accepts everything); without one nothing
    // is created or queued (src/http/signin-link-no-mail.test.ts).
    rt.deps.mailer = { from: 'photo@example.edu.cn', close: () => {}, send: async () => ({ ok: true as const, response: '250 ok' }) };
    admin = await createActor(rt.deps, 'admin', [], `sl-admin-${dialect}`);
    const rows = [A, B, C, D, E, F].map((no) => rosterRow(no, { 邮箱: `s${no}@example.edu.cn` }));
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
  });
  beforeEach(() => rt.clock.set('2023-10-20T02:00:00.000Z'));

  it('queues one mail with PUBLIC_URL/signin/<token>, stores only the token’s SHA-256 (the mail body sealed), expiring in 15 minutes', async () => {
    const token = await linkFor(A);
    const links = await db().selectFrom('signin_links').innerJoin('students', 'students.id', 'signin_links.student_id').select(['token_hash', 'expires_at']).where('students.student_no', '=', A).execute();
    expect(links).toHaveLength(1);
    expect(links[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await db().selectFrom('signin_links').selectAll().execute())).not.toContain(token);
    expect(links[0]!.expires_at).toBe(new Date(Date.parse('2023-10-20T02:00:00.000Z') + SIGNIN_LINK_MINUTES * 60_000).toISOString());
    const job = await db().selectFrom('jobs').select('payload').where('kind', '=', 'signin.link').executeTakeFirstOrThrow();
    // the token is nowhere in the database in clear: the queued body is sealed (deps.cipher)
    expect(JSON.stringify(await db().selectFrom('jobs').selectAll().execute())).not.toContain(token);
    expect(openMailJobPayload(rt.deps, job.payload).text).toContain(`http://localhost:9999/signin/${token}`);
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
    expect(await requestSignInLink(rt.deps, { studentNo: A }, null)).toEqual({ jobId: null, delivery: 'mail' });
    await expect(consumeSignInLink(rt.deps, token, null, null)).rejects.toMatchObject({ code: 'SIGNIN_LINK_INVALID' });
    await db().updateTable('students').set({ removed_at: null }).where('student_no', '=', A).execute();
  });

  it('once the mail is sent the job keeps no body at all (masked address, subject), and still no token', async () => {
    const token = await linkFor(F);
    const sent: string[] = [];
    const mailer = { from: 'photo@example.edu.cn', close: () => {}, send: async (m: { text: string }) => (sent.push(m.text), { ok: true as const, response: '250 ok' }) };
    const job = await db().selectFrom('jobs').innerJoin('students', 'students.id', 'jobs.student_id').select(['jobs.id']).where('students.student_no', '=', F).executeTakeFirstOrThrow();
    expect(await deliverDueJobs({ ...rt.deps, mailer }, { jobIds: [job.id] })).toMatchObject({ delivered: 1 });
    expect(sent[0]).toContain(token);
    const row = await db().selectFrom('jobs').select(['state', 'payload', 'kind', 'student_id']).where('id', '=', job.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'done', kind: 'signin.link', student_id: expect.any(String) });
    expect(JSON.parse(row.payload) as MailJobPayload).toEqual({ to: `s***@example.edu.cn`, subject: expect.stringContaining('登录链接') });
    expect(row.payload).not.toContain(token);
  });

  it(`ten requests at the same moment for one student make at most ${MAX_SIGNIN_LINKS_PER_WINDOW} links (count and insert in one transaction)`, async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => requestSignInLink(rt.deps, { studentNo: D }, '10.0.0.2')));
    expect(results.filter((r) => r.jobId !== null)).toHaveLength(MAX_SIGNIN_LINKS_PER_WINDOW);
    const links = await db().selectFrom('signin_links').innerJoin('students', 'students.id', 'signin_links.student_id').select('token_hash').where('students.student_no', '=', D).execute();
    expect(links).toHaveLength(MAX_SIGNIN_LINKS_PER_WINDOW);
    const jobs = await db().selectFrom('jobs').innerJoin('students', 'students.id', 'jobs.student_id').select('jobs.id').where('students.student_no', '=', D).execute();
    expect(jobs).toHaveLength(MAX_SIGNIN_LINKS_PER_WINDOW);
    const refused = await db().selectFrom('audit_events').select('details').where('action', '=', 'auth.signin_link_sent').where('result', '=', 'failed').where('details', 'like', `%${D}%`).execute();
    expect(refused.map((e) => (JSON.parse(e.details) as { reason: string }).reason)).toEqual(Array(10 - MAX_SIGNIN_LINKS_PER_WINDOW).fill('rate-limited'));
  });

  it('no password hash is computed for a made-up, used or expired token, nor for an existing account: only when an account is created', async () => {
    const calls: string[] = [];
    const counting: PasswordHasher = { hash: async (p) => (calls.push(p), rt.deps.hasher.hash(p)), verify: (h, p) => rt.deps.hasher.verify(h, p) };
    const deps = { ...rt.deps, hasher: counting };
    await expect(consumeSignInLink(deps, 'A'.repeat(43), null, null)).rejects.toMatchObject({ code: 'SIGNIN_LINK_INVALID' });
    const expired = await linkFor(E);
    rt.clock.advance(SIGNIN_LINK_MINUTES * 60_000 + 1);
    await expect(consumeSignInLink(deps, expired, null, null)).rejects.toMatchObject({ code: 'SIGNIN_LINK_INVALID' });
    expect(calls).toHaveLength(0);
    const first = await linkFor(E);
    expect(await consumeSignInLink(deps, first, null, null)).toMatchObject({ accountCreated: true });
    expect(calls).toHaveLength(1);
    await expect(consumeSignInLink(deps, first, null, null)).rejects.toMatchObject({ code: 'SIGNIN_LINK_INVALID' });
    const second = await linkFor(E);
    expect(await consumeSignInLink(deps, second, null, null)).toMatchObject({ accountCreated: false });
    expect(calls).toHaveLength(1);
  });

  it('purgeSigninLinks forgets links once they expired, keeps live ones (fake clock)', async () => {
    await db().deleteFrom('signin_links').execute();
    const early = await linkFor(B);
    rt.clock.advance(10 * 60_000);
    await linkFor(B);
    rt.clock.advance(SIGNIN_LINK_MINUTES * 60_000 - 10 * 60_000); // the first link has just expired, not yet "before now"
    expect(await purgeSigninLinks(rt.deps)).toEqual({ removed: 0 });
    rt.clock.advance(1);
    expect(await purgeSigninLinks(rt.deps)).toEqual({ removed: 1 });
    expect(await db().selectFrom('signin_links').select('expires_at').execute()).toEqual([{ expires_at: new Date(rt.clock.now().getTime() - 1 + 10 * 60_000).toISOString() }]);
    await expect(consumeSignInLink(rt.deps, early, null, null)).rejects.toMatchObject({ code: 'SIGNIN_LINK_INVALID' });
    rt.clock.advance(10 * 60_000);
    expect(await purgeSigninLinks(rt.deps)).toEqual({ removed: 1 });
  });
});
