// Mail sign-in links on a server without SMTP (issue 8 finding 11), over real HTTP on both databases. The page
// used to say a link was on its way although nothing could ever be sent (and a link queued for later would have
// expired before the mail left). Now: nothing is created or queued, every caller gets the same honest answer
// (`delivery: 'unavailable'`, whatever the student number or address: it tells nothing about accounts), the
// server logs a warning, and an admin's getMe carries MAIL_NOT_CONFIGURED so their pages show it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { createSinkMailer, startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.js';
import { applyRosterImport } from '../services/roster.service.js';

const KNOWN = '2401000301';

describe.each(DIALECTS)('sign-in links without SMTP on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    expect(rt.deps.mailer).toBeUndefined();
    server = await startTestServer(rt.deps);
    const admin = await createActor(rt.deps, 'admin', [], 'nomail-admin');
    await createActor(rt.deps, 'secretary', ['物理学院'], 'nomail-secretary');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv([rosterRow(KNOWN, { 邮箱: 'known@example.edu.cn' })])) }, 'roster.csv', 'zh');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  const ask = async (body: unknown) => {
    const res = await fetch(`${server.url}/api/auth/signin-link`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };

  it('answers every caller alike that mail is unavailable, and creates or queues nothing', async () => {
    const known = await ask({ studentNo: KNOWN });
    const unknown = await ask({ studentNo: '2499999999' });
    const byAddress = await ask({ email: 'known@example.edu.cn' });
    expect(known.status).toBe(202);
    expect(JSON.parse(known.text)).toEqual({ status: 'accepted', delivery: 'unavailable', validMinutes: 15 });
    // The same bytes for a student on the roster, one who is not, and an address: nothing to enumerate.
    expect(unknown).toEqual(known);
    expect(byAddress).toEqual(known);
    expect(await rt.deps.db.db.selectFrom('signin_links').selectAll().execute()).toEqual([]);
    expect(await rt.deps.db.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
    const events = await rt.deps.db.db.selectFrom('audit_events').select(['result', 'details']).where('action', '=', 'auth.signin_link_sent').execute();
    expect(events.map((e) => [e.result, (JSON.parse(e.details) as { reason: string }).reason])).toEqual([
      ['failed', 'mail-not-configured'],
      ['failed', 'mail-not-configured'],
      ['failed', 'mail-not-configured'],
    ]);
  });

  it('an admin’s getMe carries MAIL_NOT_CONFIGURED; other roles’ does not', async () => {
    const me = async (username: string) => (await (await fetch(`${server.url}/api/me`, { headers: { cookie: await loginOverHttp(server.url, username) } })).json()) as { warnings: string[] };
    expect((await me('nomail-admin')).warnings).toEqual(['MAIL_NOT_CONFIGURED']);
    expect((await me('nomail-secretary')).warnings).toEqual([]);
  });
});

describe('sign-in links with SMTP', () => {
  let rt: TestRuntime;
  let sink: SmtpSink;
  let server: TestServer;
  beforeAll(async () => {
    rt = await createTestRuntime('sqlite');
    sink = await startSmtpSink();
    server = await startTestServer({ ...rt.deps, mailer: createSinkMailer(sink) });
    await createActor(rt.deps, 'admin', [], 'mail-admin');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await sink?.close();
    await rt?.close();
  });

  it('answers delivery "mail" (the neutral answer: a link is on its way if the student is on the roster) and no admin warning', async () => {
    const res = await fetch(`${server.url}/api/auth/signin-link`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ studentNo: '2499999999' }) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', delivery: 'mail', validMinutes: 15 });
    const me = await fetch(`${server.url}/api/me`, { headers: { cookie: await loginOverHttp(server.url, 'mail-admin') } });
    expect(((await me.json()) as { warnings: string[] }).warnings).toEqual([]);
  });
});
