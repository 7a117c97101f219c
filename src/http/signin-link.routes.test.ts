// One-time sign-in links over real HTTP (issue #3 part 6), on both databases, with a real SMTP server process:
// the mail arrives with a link, the link signs the student in (cookie, GET /api/me), works once and for 15
// minutes (fake clock), and an unknown student gets the same 202 and no mail (no account enumeration).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { createSinkMailer, startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { applyRosterImport } from '../services/roster.service.js';
import { SIGNIN_LINK_REQUESTS_PER_MINUTE } from './signin-link.routes.js';

const KNOWN = '2401000201';
const SECOND = '2401000202';
const NO_MAIL = '2401000203';
const PUBLIC_URL = 'https://photo.example.edu.cn';
const LINK = /https:\/\/photo\.example\.edu\.cn\/signin\/([A-Za-z0-9_-]{43})/;

describe.each(DIALECTS)('sign-in links on %s', (dialect) => {
  let rt: TestRuntime;
  let sink: SmtpSink;
  let server: TestServer;

  const post = async (path: string, json: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown>, cookie: res.headers.get('set-cookie') };
  };
  const linkIn = (text: string) => LINK.exec(text)?.[1];
  /** asks for a link and returns the token from the mail that arrives */
  const requestLink = async (body: unknown) => {
    const before = sink.messages().length;
    expect((await post('/api/auth/signin-link', body)).status).toBe(202);
    const mails = await sink.waitForMessages(before + 1);
    const token = linkIn(mails[before]!.text);
    expect(token).toBeDefined();
    return { token: token!, mail: mails[before]! };
  };
  const events = (action: string) => rt.deps.db.db.selectFrom('audit_events').select(['result', 'details', 'target_id']).where('action', '=', action).orderBy('seq').execute();

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    sink = await startSmtpSink();
    server = await startTestServer({ ...rt.deps, mailer: createSinkMailer(sink), publicUrl: PUBLIC_URL });
    const admin = await createActor(rt.deps, 'admin', [], `link-admin-${dialect}`);
    const roster = [rosterRow(KNOWN, { 邮箱: 'known@example.edu.cn' }), rosterRow(SECOND, { 证书类型: '单证', 邮箱: 'Second@Example.edu.cn' }), rosterRow(NO_MAIL)];
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(roster)) }, 'roster.csv', 'zh');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await sink?.close();
    await rt?.close();
  });
  beforeEach(async () => {
    rt.clock.set('2023-10-20T02:00:00.000Z');
    await rt.deps.db.db.deleteFrom('signin_links').execute();
  });

  it('the mail arrives with a link; the link signs the student in (GET /api/me with the cookie), creating the account', async () => {
    const { token, mail } = await requestLink({ studentNo: KNOWN });
    expect(mail.to).toEqual(['known@example.edu.cn']);
    expect(mail.subject).toContain('登录链接');
    expect(mail.text).toContain('15 分钟');
    // only a hash is stored
    const stored = await rt.deps.db.db.selectFrom('signin_links').select('token_hash').execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toContain(token);
    // … and the mail job holds no token in clear (its body is sealed, then removed once sent)
    expect(JSON.stringify(await rt.deps.db.db.selectFrom('jobs').selectAll().execute())).not.toContain(token);

    const used = await post('/api/auth/signin-link/consume', { token });
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ user: { username: KNOWN, role: 'student' } });
    expect(used.cookie).toMatch(/^gp_session=[^;]+;.*HttpOnly/i);
    expect(used.cookie).toMatch(/SameSite=Strict/i);
    const me = await fetch(`${server.url}/api/me`, { headers: { cookie: used.cookie!.split(';')[0]! } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: KNOWN, role: 'student', studentId: expect.any(String) });
    expect((await events('auth.signin_link_used')).at(-1)).toMatchObject({ result: 'ok' });
    expect(JSON.parse((await events('auth.signin_link_sent')).at(-1)!.details)).toMatchObject({ studentNo: KNOWN, to: 'k***@example.edu.cn' });

    // the next link signs in the same account
    const again = await requestLink({ studentNo: KNOWN });
    expect((await post('/api/auth/signin-link/consume', { token: again.token })).body).toMatchObject({ user: { id: (used.body.user as { id: string }).id } });
    expect(await rt.deps.db.db.selectFrom('users').select('id').where('username', '=', KNOWN).execute()).toHaveLength(1);
  });

  it('a link works once: the second use answers 401 SIGNIN_LINK_INVALID, in the request’s language', async () => {
    const { token } = await requestLink({ studentNo: KNOWN });
    expect((await post('/api/auth/signin-link/consume', { token })).status).toBe(200);
    const second = await post('/api/auth/signin-link/consume', { token });
    expect(second.status).toBe(401);
    expect(ErrorBodySchema.parse(second.body).error).toMatchObject({ code: 'SIGNIN_LINK_INVALID', message: '登录链接无效、已使用或已过期，请重新获取' });
    const en = await post('/api/auth/signin-link/consume', { token }, { 'accept-language': 'en' });
    expect(ErrorBodySchema.parse(en.body).error.message).toBe('This sign-in link is invalid, already used or expired; ask for a new one');
    expect(second.cookie).toBeNull();
  });

  it('two uses of one link at the same moment: exactly one signs in (F15)', async () => {
    const { token } = await requestLink({ studentNo: KNOWN });
    const results = await Promise.all([1, 2, 3].map(() => post('/api/auth/signin-link/consume', { token })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });

  it('an expired link (after 15 minutes) is refused', async () => {
    const { token } = await requestLink({ studentNo: KNOWN });
    rt.clock.advance(15 * 60_000 + 1000);
    const res = await post('/api/auth/signin-link/consume', { token });
    expect(res.status).toBe(401);
    expect(ErrorBodySchema.parse(res.body).error.code).toBe('SIGNIN_LINK_INVALID');
  });

  it('an unknown student, a student without an address and a made-up token: the same 202 body, no mail, no sign-in', async () => {
    const initial = sink.messages().length;
    const known = await post('/api/auth/signin-link', { studentNo: KNOWN });
    const unknown = await post('/api/auth/signin-link', { studentNo: '0000000000' });
    const noMail = await post('/api/auth/signin-link', { studentNo: NO_MAIL });
    const unknownMail = await post('/api/auth/signin-link', { email: 'stranger@example.edu.cn' });
    for (const r of [unknown, noMail, unknownMail]) {
      expect(r.status).toBe(202);
      expect(r.body).toEqual(known.body);
    }
    await sink.waitForMessages(initial + 1);
    // a known request after them: when its mail has arrived, nothing else was sent
    const { mail } = await requestLink({ studentNo: KNOWN });
    expect(sink.messages().length).toBe(initial + 2);
    expect(mail.to).toEqual(['known@example.edu.cn']);
    expect(sink.messages().flatMap((m) => m.to)).not.toContain('stranger@example.edu.cn');
    expect((await events('auth.signin_link_sent')).filter((e) => e.result === 'failed').map((e) => JSON.parse(e.details).reason as string)).toEqual(
      expect.arrayContaining(['unknown-student', 'no-address']),
    );
    const bogus = await post('/api/auth/signin-link/consume', { token: 'A'.repeat(43) });
    expect(bogus.status).toBe(401);
    expect((await post('/api/auth/signin-link/consume', { token: '../../etc' })).status).toBe(401);
  });

  it('by address (any case); an excluded student may sign in too, to read why (E6)', async () => {
    const { mail, token } = await requestLink({ email: 'second@example.edu.cn' });
    expect(mail.to.map((a) => a.toLowerCase())).toEqual(['second@example.edu.cn']); // the roster's address, found in any case
    expect((await post('/api/auth/signin-link/consume', { token })).body).toMatchObject({ user: { username: SECOND } });
  });

  it('at most 3 links per student in 15 minutes: the 4th request answers alike and sends nothing', async () => {
    for (let i = 0; i < 3; i++) await requestLink({ studentNo: KNOWN });
    const before = sink.messages().length;
    const fourth = await post('/api/auth/signin-link', { studentNo: KNOWN });
    expect(fourth.status).toBe(202);
    expect(await rt.deps.db.db.selectFrom('signin_links').select('token_hash').execute()).toHaveLength(3);
    expect((await events('auth.signin_link_sent')).at(-1)).toMatchObject({ result: 'failed' });
    expect(sink.messages().length).toBe(before);
  });

  it('bad bodies are 400 VALIDATION_FAILED; both routes are public and in the OpenAPI document', async () => {
    for (const body of [{}, { studentNo: '' }, { studentNo: KNOWN, email: 'x@example.edu.cn' }, { email: 42 }]) {
      const res = await post('/api/auth/signin-link', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(ErrorBodySchema.parse(res.body).error.code).toBe('VALIDATION_FAILED');
    }
    expect((await post('/api/auth/signin-link/consume', {})).status).toBe(400);
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string; security?: unknown[] }>> };
    expect(doc.paths['/api/auth/signin-link']?.post).toMatchObject({ operationId: 'requestSignInLink', security: [] });
    expect(doc.paths['/api/auth/signin-link/consume']?.post).toMatchObject({ operationId: 'consumeSignInLink', security: [] });
  });

  // last: it uses up this server's allowance for the minute
  it('requests from one address beyond the per-minute limit answer 429 TOO_MANY_ATTEMPTS (PITFALLS F14)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= SIGNIN_LINK_REQUESTS_PER_MINUTE; i++) statuses.push((await post('/api/auth/signin-link', { studentNo: '0000000000' })).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 202).length).toBeLessThan(SIGNIN_LINK_REQUESTS_PER_MINUTE);
  });
});
