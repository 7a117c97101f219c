// The durable job runner (docs/decisions/0007-jobs-and-mail.md) on both databases: idempotent enqueue by
// dedupe key, compare-and-swap claims, back-off, giving up, and the timer inside `serve` (issue #3 part 7).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestRuntime, DIALECTS, type TestRuntime } from '../../test/support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.js';
import type { Mailer } from '../adapters/mailer.js';
import { createSmtpMailer } from '../adapters/mailer.js';
import * as jobRepo from '../repositories/job.repository.js';
import type { ServiceDeps } from './deps.js';
import crypto from 'node:crypto';
import { createFieldCipher } from '../adapters/field-cipher.js';
import type { MailJobPayload } from './job-runner.js';
import { deliverDueJobs, enqueueMail, FINISHED_JOB_RETENTION_DAYS, JOB_LEASE_MS, MAX_MAIL_ATTEMPTS, openMailJobPayload, purgeFinishedJobs, retryDelayMs, startJobRunner } from './job-runner.js';

const CONTENT = { subject: '测试 / test', text: '正文 / body' };

describe('retryDelayMs', () => {
  it.each([
    [1, 1],
    [2, 2],
    [5, 16],
    [8, 120],
    [MAX_MAIL_ATTEMPTS, 120],
  ])('after attempt %i waits %i minutes', (attempts, minutes) => expect(retryDelayMs(attempts)).toBe(minutes * 60_000));
});

describe('startJobRunner', () => {
  it('never runs two passes at once; a nudge during a pass runs one more after it; stop waits for the pass', async () => {
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    let release: (() => void) | undefined;
    const runner = startJobRunner(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        passes++;
        await new Promise<void>((r) => (release = r));
        active--;
      },
      { intervalMs: 3_600_000, onError: () => {} },
    );
    await new Promise((r) => setImmediate(r));
    expect(passes).toBe(1);
    runner.nudge();
    runner.nudge();
    release!();
    await new Promise((r) => setTimeout(r, 10));
    expect(passes).toBe(2);
    const stopped = runner.stop();
    release!();
    await stopped;
    expect(maxActive).toBe(1);
    expect(passes).toBe(2);
  });

  it('a failing pass is reported and does not stop the runner', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const runner = startJobRunner(
      async () => {
        passes++;
        throw new Error(`pass ${passes}`);
      },
      { intervalMs: 3_600_000, onError: (e) => errors.push(e) },
    );
    await new Promise((r) => setTimeout(r, 10));
    runner.nudge();
    await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(errors.map((e) => (e as Error).message)).toEqual(['pass 1', 'pass 2']);
  });
});

describe.each(DIALECTS)('mail jobs on %s', (dialect) => {
  let rt: TestRuntime;
  let sink: SmtpSink;
  let deps: ServiceDeps;
  const db = () => rt.deps.db.db;
  const enqueue = (dedupeKey: string, to = 'a@example.edu.cn') => db().transaction().execute((tx) => enqueueMail(tx, rt.deps, { kind: 'test', dedupeKey, studentId: null, to, content: CONTENT }));

  beforeAll(async () => {
    rt = await createTestRuntime(dialect, { loadDemoCampaign: false });
    sink = await startSmtpSink();
    deps = { ...rt.deps, mailer: createSmtpMailer({ url: sink.url, from: 'photo@example.edu.cn' }) };
  }, 60_000);
  afterAll(async () => {
    await sink?.close();
    await rt?.close();
  });
  beforeEach(async () => {
    await db().deleteFrom('jobs').execute();
    rt.clock.set('2023-10-20T02:00:00.000Z');
    sink.clear();
  });

  it('enqueue is idempotent by dedupe key, also when two transactions race', async () => {
    const outcomes = await Promise.all([enqueue('k1'), enqueue('k1'), enqueue('k1')]);
    expect(outcomes.filter((o) => o === 'queued')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'known')).toHaveLength(2);
    expect(await db().selectFrom('jobs').select('id').execute()).toHaveLength(1);
  });

  it.each(['', 'no-at-sign', 'a@b', '张三 <a@example.edu.cn>', 'a@example..edu.cn'])('the address %j is recorded as failed MAIL_ADDRESS_INVALID, never sent', async (to) => {
    expect(await enqueue(`bad:${to}`, to)).toBe('invalid');
    expect(await deliverDueJobs(deps)).toMatchObject({ delivered: 0 });
    expect(await jobRepo.findJobByDedupeKey(db(), `bad:${to}`)).toMatchObject({ state: 'failed', last_error: 'MAIL_ADDRESS_INVALID', attempts: 0 });
    expect(sink.messages()).toEqual([]);
  });

  it('a claim is a compare-and-swap: of two runners only one owns a job; a lease that ran out can be taken over', async () => {
    await enqueue('k2');
    const job = (await jobRepo.findJobByDedupeKey(db(), 'k2'))!;
    const now = rt.clock.now().toISOString();
    const lease = new Date(rt.clock.now().getTime() + JOB_LEASE_MS).toISOString();
    const claims = await Promise.all([jobRepo.claimJob(db(), job.id, 'a', now, lease), jobRepo.claimJob(db(), job.id, 'b', now, lease)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const owner = claims[0] ? 'a' : 'b';
    const other = owner === 'a' ? 'b' : 'a';
    expect(await jobRepo.markJobSending(db(), job.id, other, now, lease, '<x@y>')).toBe(false);
    rt.clock.advance(JOB_LEASE_MS + 1);
    const later = rt.clock.now().toISOString();
    expect(await jobRepo.claimJob(db(), job.id, other, later, new Date(rt.clock.now().getTime() + JOB_LEASE_MS).toISOString())).toBe(true);
    // the first owner, back from a long pause, cannot finish a job that is no longer its own
    expect(await jobRepo.finishJob(db(), job.id, owner, { state: 'done', now: later })).toBe(false);
  });

  it('a job not due yet waits for its run_at', async () => {
    await db().transaction().execute((tx) => enqueueMail(tx, rt.deps, { kind: 'test', dedupeKey: 'later', studentId: null, to: 'a@example.edu.cn', content: CONTENT, runAt: '2023-10-21T00:00:00.000Z' }));
    expect((await deliverDueJobs(deps)).delivered).toBe(0);
    rt.clock.set('2023-10-21T00:00:00.000Z');
    expect((await deliverDueJobs(deps)).delivered).toBe(1);
  });

  it(`temporary failures back off and, after ${MAX_MAIL_ATTEMPTS} attempts, the job is dead (kept for an admin)`, async () => {
    await enqueue('k3');
    const down: Mailer = { from: 'photo@example.edu.cn', close: () => {}, send: async () => ({ ok: false, kind: 'temporary', responseCode: 421, message: '421 try later' }) };
    const flaky = { ...rt.deps, mailer: down };
    for (let attempt = 1; attempt <= MAX_MAIL_ATTEMPTS; attempt++) {
      const counts = await deliverDueJobs(flaky);
      expect(counts).toMatchObject(attempt < MAX_MAIL_ATTEMPTS ? { retried: 1 } : { dead: 1 });
      const job = (await jobRepo.findJobByDedupeKey(db(), 'k3'))!;
      expect(job.attempts).toBe(attempt);
      if (attempt < MAX_MAIL_ATTEMPTS) expect(Date.parse(job.run_at) - rt.clock.now().getTime()).toBe(retryDelayMs(attempt));
      rt.clock.advance(retryDelayMs(attempt));
    }
    expect(await jobRepo.findJobByDedupeKey(db(), 'k3')).toMatchObject({ state: 'dead', last_error: '421 try later' });
    expect(await deliverDueJobs(deps)).toMatchObject({ delivered: 0 });
  });

  // ── the body: sealed while queued, removed once the job is finished (docs/decisions/0007) ──
  const payloadOf = async (key: string) => JSON.parse((await jobRepo.findJobByDedupeKey(db(), key))!.payload) as MailJobPayload;
  const answering = (result: Awaited<ReturnType<Mailer['send']>>): ServiceDeps => ({ ...rt.deps, mailer: { from: 'photo@example.edu.cn', close: () => {}, send: async () => result } });

  it('a queued body is sealed with the field cipher: neither the body nor a word of it is in the row', async () => {
    await enqueue('sealed');
    const row = (await jobRepo.findJobByDedupeKey(db(), 'sealed'))!;
    expect(row.payload).not.toContain('正文');
    expect(row.payload).not.toContain('body');
    expect(JSON.parse(row.payload)).toMatchObject({ to: 'a@example.edu.cn', subject: CONTENT.subject, sealedText: expect.stringMatching(/^v1\./) });
    expect(openMailJobPayload(rt.deps, row.payload)).toMatchObject({ to: 'a@example.edu.cn', text: CONTENT.text });
  });

  it('a delivered job keeps the masked address and the subject, not the body; the mail itself has the body', async () => {
    await enqueue('done', 'zhang@example.edu.cn');
    expect((await deliverDueJobs(deps)).delivered).toBe(1);
    expect(sink.messages()[0]!.text).toContain(CONTENT.text);
    expect((await jobRepo.findJobByDedupeKey(db(), 'done'))!.state).toBe('done');
    expect(await payloadOf('done')).toEqual({ to: 'z***@example.edu.cn', subject: CONTENT.subject });
  });

  it.each([
    ['failed', { ok: false, kind: 'permanent', responseCode: 550, message: '550 user unknown' }],
    ['uncertain', { ok: false, kind: 'uncertain', responseCode: null, message: 'connection lost after the message' }],
  ] as const)('a job that ends %s keeps no body', async (state, result) => {
    await enqueue(`end-${state}`, 'zhang@example.edu.cn');
    await deliverDueJobs(answering(result));
    expect((await jobRepo.findJobByDedupeKey(db(), `end-${state}`))!.state).toBe(state);
    expect(await payloadOf(`end-${state}`)).toEqual({ to: 'z***@example.edu.cn', subject: CONTENT.subject });
  });

  it('a dead job, an invalid address and a send abandoned mid-way (uncertain) keep no body', async () => {
    await enqueue('dead');
    await db().updateTable('jobs').set({ attempts: MAX_MAIL_ATTEMPTS - 1 }).where('dedupe_key', '=', 'dead').execute();
    expect(await deliverDueJobs(answering({ ok: false, kind: 'temporary', responseCode: 421, message: '421 try later' }))).toMatchObject({ dead: 1 });
    expect(await payloadOf('dead')).toEqual({ to: 'a***@example.edu.cn', subject: CONTENT.subject });

    expect(await enqueue('junk', 'zhang@@example.edu.cn')).toBe('invalid');
    expect(await payloadOf('junk')).toEqual({ to: 'z***@example.edu.cn', subject: CONTENT.subject });

    await enqueue('abandoned');
    const job = (await jobRepo.findJobByDedupeKey(db(), 'abandoned'))!;
    const now = rt.clock.now().toISOString();
    const lease = new Date(rt.clock.now().getTime() + JOB_LEASE_MS).toISOString();
    expect(await jobRepo.claimJob(db(), job.id, 'crashed', now, lease)).toBe(true);
    expect(await jobRepo.markJobSending(db(), job.id, 'crashed', now, lease, '<m@x>')).toBe(true);
    rt.clock.advance(JOB_LEASE_MS + 1);
    expect(await deliverDueJobs(deps)).toMatchObject({ uncertain: 1, delivered: 0 });
    expect((await jobRepo.findJobByDedupeKey(db(), 'abandoned'))!.state).toBe('uncertain');
    expect(await payloadOf('abandoned')).toEqual({ to: 'a***@example.edu.cn', subject: CONTENT.subject });
  });

  it('a body sealed under another master key is not sent and not lost: retried later (temporary)', async () => {
    await enqueue('other-key');
    const otherKey = { ...deps, cipher: createFieldCipher(crypto.randomBytes(32)) };
    expect(await deliverDueJobs(otherKey)).toMatchObject({ retried: 1, delivered: 0 });
    expect(sink.messages()).toEqual([]);
    expect(await jobRepo.findJobByDedupeKey(db(), 'other-key')).toMatchObject({ state: 'queued', attempts: 1, last_error: expect.stringContaining('unsealed') });
    rt.clock.advance(retryDelayMs(1));
    expect(await deliverDueJobs(deps)).toMatchObject({ delivered: 1 });
  });

  it(`purgeFinishedJobs forgets done, failed and dead jobs ${FINISHED_JOB_RETENTION_DAYS} days after they finished; queued and uncertain ones stay`, async () => {
    for (const key of ['p-done', 'p-failed', 'p-dead', 'p-uncertain', 'p-queued', 'p-young']) await enqueue(key);
    const states: Record<string, string> = { 'p-done': 'done', 'p-failed': 'failed', 'p-dead': 'dead', 'p-uncertain': 'uncertain', 'p-queued': 'queued', 'p-young': 'done' };
    for (const [key, state] of Object.entries(states)) await db().updateTable('jobs').set({ state }).where('dedupe_key', '=', key).execute();
    rt.clock.advance(FINISHED_JOB_RETENTION_DAYS * 86_400_000 - 1);
    expect(await purgeFinishedJobs(rt.deps)).toEqual({ removed: 0 });
    await db().updateTable('jobs').set({ updated_at: rt.clock.now().toISOString() }).where('dedupe_key', '=', 'p-young').execute();
    rt.clock.advance(2);
    expect(await purgeFinishedJobs(rt.deps)).toEqual({ removed: 3 });
    const left = await db().selectFrom('jobs').select('dedupe_key').orderBy('dedupe_key').execute();
    expect(left.map((j) => j.dedupe_key)).toEqual(['p-queued', 'p-uncertain', 'p-young']);
  });

  it('without a mailer, delivery is refused with MAIL_NOT_CONFIGURED and the jobs wait', async () => {
    await enqueue('k4');
    await expect(deliverDueJobs(rt.deps)).rejects.toMatchObject({ code: 'MAIL_NOT_CONFIGURED' });
    expect(await jobRepo.findJobByDedupeKey(db(), 'k4')).toMatchObject({ state: 'queued', attempts: 0 });
  });
});
