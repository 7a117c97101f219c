// The audit log on a real database (SQLite and PostgreSQL): every mutating use case leaves exactly one
// event; the chain, keyed with the audit key and anchored by signed checkpoints outside the database,
// detects edits, deletions, a cut tail and a recomputed chain (issue 8 finding 4); the database refuses
// changes to events; and no event holds a national ID number or a password (rule A3).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { auditRecordOf as recordOf, dropAppendOnlyTriggers as dropAuditTriggers, forgeAuditHash as forgeHash, recomputeWholeAuditChain, truncateAuditTail } from '../../test/support/audit-tamper.js';
import { createScratchDatabase } from '../../test/support/postgres.js';
import { createActor, createTestRuntime, DIALECTS, TEST_PASSWORD, type TestRuntime } from '../../test/support/runtime.js';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { auditCheckpointFile, readAuditCheckpointFile } from '../adapters/audit-checkpoints.js';
import { migrateToLatest, openDatabase } from '../db/database.js';
import type { AuditEventsTable } from '../db/schema.js';
import { AUDIT_GENESIS_HASH, computeAuditHash, computeAuditKeyId } from '../domain/audit.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { checkpointAuditChain, listAuditEvents, recordAuditEvent, verifyAuditChain } from './audit.service.js';
import { loadCampaign, readPublishedDemoCampaign, updateCampaignTerms } from './campaign.service.js';
import type { Actor } from './deps.js';
import { SYSTEM } from './deps.js';
import { applyRosterImport, previewRosterImport } from './roster.service.js';
import { exportStudentsXlsx, getStudent, revealNationalId } from './student.service.js';
import { openRuntime } from './runtime.js';
import { createUser } from './user.service.js';

/** 18 ID characters standing alone (not inside a hex hash or a UUID). */
const ID_LIKE = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/;

function nationalId(seq: number, birth = '19990307'): string {
  const first17 = `110108${birth}${String(seq).padStart(3, '0')}`;
  return first17 + computeNationalIdCheckChar(first17);
}

describe.each(DIALECTS)('audit service on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;

  beforeEach(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'audit-admin');
  });
  afterEach(async () => {
    await rt.close();
  });

  const db = () => rt.deps.db.db;
  const events = () => db().selectFrom('audit_events').selectAll().orderBy('seq').execute();
  const importRows = (rows: RosterRow[]) => applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');

  const dropAppendOnlyTriggers = () => dropAuditTriggers(db(), dialect);
  const recomputeWholeChain = (forge: (prev: string, row: AuditEventsTable) => string) => recomputeWholeAuditChain(db(), forge);

  /** Runs `work` and returns the events it appended. */
  async function newEvents(work: () => Promise<unknown>) {
    const before = (await events()).length;
    await work();
    return (await events()).slice(before);
  }

  /** Some activity of every kind: imports, a re-import with changes, term changes, users. */
  async function someActivity() {
    await importRows([rosterRow('1'), rosterRow('2', { 毕业类型: '结业' })]);
    // Row 2 kept: a re-import removing more than 20% of the students needs a second confirmation (issue 8 finding 13).
    await importRows([rosterRow('1', { 确定延期至: '2025-01' }), rosterRow('2', { 毕业类型: '结业' }), rosterRow('3')]);
    await updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-07'], retakeBefore: '2023-07', deferTerms: [] });
    await createUser(rt.deps, admin, { username: 'sec-physics', role: 'secretary', departments: ['物理学院'], password: 'a long enough password' });
  }

  describe('every mutating call leaves exactly one event', () => {
    it('applyRosterImport with changes: one roster.imported (first import and a changed re-import)', async () => {
      // Five students, so that removing one stays under the 20% that needs a second confirmation (finding 13).
      const first = await newEvents(() => importRows(['1', '2', '4', '5', '6'].map((n) => rosterRow(n))));
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ action: 'roster.imported', actor_id: admin.principal!.userId, actor_name: 'audit-admin', actor_role: 'admin', ip: '127.0.0.1', result: 'ok', target_type: 'campaign', target_id: '2024-graduates' });
      expect(JSON.parse(first[0]!.details)).toMatchObject({ added: 5, changed: 0, removed: 0, rows: 5, format: 'csv' });

      const second = await newEvents(() => importRows([rosterRow('1', { 姓名: '李四' }), ...['3', '4', '5', '6'].map((n) => rosterRow(n))]));
      expect(second.map((e) => e.action)).toEqual(['roster.imported']);
      expect(JSON.parse(second[0]!.details)).toMatchObject({ added: 1, changed: 1, removed: 1, unchanged: 3 });
    });

    it('an import that changes nothing, a preview, and a refused import leave none', async () => {
      await importRows([rosterRow('1')]);
      expect(await newEvents(() => importRows([rosterRow('1')]))).toEqual([]);
      expect(await newEvents(() => previewRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv([rosterRow('2')])) }, 'r.csv', 'zh'))).toEqual([]);
      expect(await newEvents(() => importRows([rosterRow('2', { 预计毕业时间: '2024-13' })]).catch(() => undefined))).toEqual([]);
    });

    it('updateCampaignTerms: one campaign.terms_changed', async () => {
      await importRows([rosterRow('1', { 预计毕业时间: '2024-01' }), rosterRow('2')]);
      const added = await newEvents(() => updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-07'], retakeBefore: '2023-07', deferTerms: [] }));
      expect(added.map((e) => e.action)).toEqual(['campaign.terms_changed']);
      // Even when no decision changes, the change of terms itself is recorded once.
      const again = await newEvents(() => updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-07'], retakeBefore: '2023-01', deferTerms: [] }));
      expect(again.map((e) => e.action)).toEqual(['campaign.terms_changed']);
    });

    it('loadCampaign: one campaign.loaded', async () => {
      await importRows([rosterRow('1'), rosterRow('2', { 预计毕业时间: '2024-01' })]);
      const added = await newEvents(() => loadCampaign(rt.deps, admin, { ...readPublishedDemoCampaign(), targetTerms: ['2024-07'] }));
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({ action: 'campaign.loaded', actor_name: 'audit-admin', target_id: '2024-graduates' });
      expect(JSON.parse(added[0]!.details)).toMatchObject({ decisionsChanged: 1, targetTerms: ['2024-07'] });
      const bySystem = await newEvents(() => loadCampaign(rt.deps, SYSTEM, readPublishedDemoCampaign()));
      expect(bySystem).toMatchObject([{ action: 'campaign.loaded', actor_id: null, actor_name: 'system', actor_role: null, ip: null }]);
    });

    it('createUser: one user.created; a refused one (name taken) none', async () => {
      const added = await newEvents(() => createUser(rt.deps, admin, { username: 'sec-law', role: 'secretary', departments: ['法学院'], password: 'a long enough password' }));
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({ action: 'user.created', target_type: 'user', actor_name: 'audit-admin' });
      expect(JSON.parse(added[0]!.details)).toEqual({ username: 'sec-law', role: 'secretary', departments: ['法学院'] });
      const refused = await newEvents(() =>
        createUser(rt.deps, admin, { username: 'sec-law', role: 'admin', departments: [], password: 'another long password' }).catch((e: unknown) => e),
      );
      expect(refused).toEqual([]);
    });

    it('event numbers run without gaps and each event links to the one before', async () => {
      await someActivity();
      const all = await events();
      all.forEach((e, i) => {
        expect(e.seq).toBe(i + 1);
        if (i > 0) expect(e.prev_hash).toBe(all[i - 1]!.hash);
      });
      const head = await db().selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
      expect(head).toMatchObject({ seq: all.length, hash: all[all.length - 1]!.hash });
    });
  });

  describe('verifyAuditChain', () => {
    beforeEach(someActivity);

    it('is ok after activity and checks every event', async () => {
      const all = await events();
      expect(all.map((e) => e.action)).toEqual(['campaign.loaded', 'user.created', 'roster.imported', 'roster.imported', 'campaign.terms_changed', 'user.created']);
      expect(await verifyAuditChain(rt.deps)).toEqual({ ok: true, checked: all.length, brokenAt: null, problem: null, checkpoints: 0, uncovered: all.length });
    });

    it('detects an edited event (details changed in the database)', async () => {
      await dropAppendOnlyTriggers();
      const target = (await events()).find((e) => e.action === 'roster.imported')!;
      const forged = target.details.replace(/"added":\d+/, '"added":0');
      expect(forged).not.toBe(target.details);
      await db().updateTable('audit_events').set({ details: forged }).where('seq', '=', target.seq).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: target.seq, problem: 'event content does not match its hash' });
    });

    it('detects an edited actor, and an edit whose hash was recomputed without the key (it breaks where it is)', async () => {
      await dropAppendOnlyTriggers();
      await db().updateTable('audit_events').set({ actor_name: 'someone-else' }).where('seq', '=', 3).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: 3 });

      const row = (await events())[2]!;
      await db().updateTable('audit_events').set({ hash: forgeHash(row.prev_hash, row) }).where('seq', '=', 3).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: 3, problem: 'event content does not match its hash' });
      // Only the holder of the audit key can compute a hash that verifies: this is the code's own computation.
      await db().updateTable('audit_events').set({ hash: computeAuditHash(rt.deps.audit.key, row.prev_hash, recordOf(row)) }).where('seq', '=', 3).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: 4, problem: 'previous-hash link does not match' });
    });

    it('detects a deleted event in the middle', async () => {
      await dropAppendOnlyTriggers();
      const all = await events();
      const middle = all[Math.floor(all.length / 2)]!.seq;
      await db().deleteFrom('audit_events').where('seq', '=', middle).execute();
      const result = await verifyAuditChain(rt.deps);
      expect(result).toMatchObject({ ok: false, brokenAt: middle, checked: middle - 1 });
      expect(result.problem).toContain('missing');
    });

    it('detects a deleted LAST event (the chain no longer reaches the head)', async () => {
      await dropAppendOnlyTriggers();
      const all = await events();
      const last = all[all.length - 1]!.seq;
      await db().deleteFrom('audit_events').where('seq', '=', last).execute();
      const result = await verifyAuditChain(rt.deps);
      expect(result).toMatchObject({ ok: false, brokenAt: last, checked: last - 1 });
      expect(result.problem).toContain('head');
    });

    it('detects the last two events deleted (a truncated tail)', async () => {
      await dropAppendOnlyTriggers();
      const all = await events();
      await db().deleteFrom('audit_events').where('seq', '>=', all.length - 1).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: all.length - 1 });
    });
  });

  // Issue 8 finding 4: someone with write access to the database (not to the audit key, not to the checkpoints
  // outside it) rewrites the log. Each of the four ways is caught (rule A3: every access logged — so the log
  // itself must be trustworthy). A checkpoint is written after the activity, as the server's timer would.
  describe('the four rewrites of issue 8 finding 4 are detected', () => {
    beforeEach(async () => {
      await someActivity();
      expect((await checkpointAuditChain(rt.deps, { force: true })).written).not.toBeNull();
      await dropAppendOnlyTriggers();
    });

    it('1. an edited event', async () => {
      await db().updateTable('audit_events').set({ details: '{"added":0}' }).where('seq', '=', 3).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: 3, checked: 2, problem: 'event content does not match its hash' });
    });

    it('2. a deleted event in the middle', async () => {
      await db().deleteFrom('audit_events').where('seq', '=', 3).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: 3, checked: 2, problem: 'event 3 is missing' });
    });

    it('3. the tail cut off and the head moved back to the new last event', async () => {
      const all = await events();
      const { keep } = await truncateAuditTail(db(), 2);
      const result = await verifyAuditChain(rt.deps);
      expect(result).toMatchObject({ ok: false, brokenAt: keep + 1, checked: keep, checkpoints: 1 });
      expect(result.problem).toContain(`the chain ends at ${keep} but checkpoint`);
      expect(result.problem).toContain(`records event ${all.length}`);
    });

    it('4a. an edited event with the whole chain recomputed with plain SHA-256 and the head rewritten', async () => {
      await db().updateTable('audit_events').set({ actor_name: 'someone-else' }).where('seq', '=', 3).execute();
      await recomputeWholeChain((prev, row) => forgeHash(prev, row));
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: 1, checked: 0, problem: 'event content does not match its hash' });
    });

    it('4b. … or recomputed as HMAC under a guessed key', async () => {
      const guessed = crypto.randomBytes(32);
      await db().updateTable('audit_events').set({ details: '{}' }).where('seq', '=', 4).execute();
      await recomputeWholeChain((prev, row) => forgeHash(prev, row, guessed));
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: 1, problem: 'event content does not match its hash' });
    });

    it('4c. … and with the audit key too, the checkpoint outside the database still disagrees', async () => {
      // The strongest attacker here also stole the key: only what was written outside the database catches it.
      const key = rt.deps.audit.key;
      await db().updateTable('audit_events').set({ details: '{}' }).where('seq', '=', 4).execute();
      await recomputeWholeChain((prev, row) => computeAuditHash(key, prev, recordOf(row)));
      const result = await verifyAuditChain(rt.deps);
      const last = (await events()).length;
      expect(result).toMatchObject({ ok: false, brokenAt: last, checked: last - 1 });
      expect(result.problem).toMatch(new RegExp(`^event ${last} differs from checkpoint .*checkpoints\\.jsonl:1`));
    });
  });

  describe('append-only in the database (migration 0008 triggers)', () => {
    beforeEach(someActivity);

    it('refuses UPDATE and DELETE of audit events, and moving the head back, sideways or to a hash not in the chain; appending still works', async () => {
      const before = await events();
      await expect(db().updateTable('audit_events').set({ details: '{}' }).where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
      await expect(db().deleteFrom('audit_events').where('seq', '=', before.length).execute()).rejects.toThrow(/append-only/);
      await expect(db().deleteFrom('audit_events').execute()).rejects.toThrow(/append-only/);
      if (dialect === 'postgres') await expect(sql`truncate audit_events`.execute(db())).rejects.toThrow(/append-only/);
      await expect(db().updateTable('audit_head').set({ seq: 2, hash: before[1]!.hash }).where('id', '=', 1).execute()).rejects.toThrow(/only moves forward/);
      await expect(db().updateTable('audit_head').set({ hash: '0'.repeat(64) }).where('id', '=', 1).execute()).rejects.toThrow(/only moves forward/);
      // forward, but to a sequence number no chained event has (migration 0021 lets the head move several events at once)
      await expect(db().updateTable('audit_head').set({ seq: before.length + 3, hash: before[1]!.hash }).where('id', '=', 1).execute()).rejects.toThrow(/only moves forward/);
      await expect(db().deleteFrom('audit_head').execute()).rejects.toThrow(/audit_head cannot be deleted|only moves forward/);
      expect(await events()).toEqual(before);

      await recordAuditEvent(rt.deps, admin, { action: 'student.access_denied', result: 'denied' });
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: true, checked: before.length + 1 });
    });
  });

  describe('checkpoints outside the database', () => {
    const file = () => auditCheckpointFile(rt.dataDir);

    it('are due after N events or M minutes, signed, fsynced lines of seq, hash and time in <data>/audit/checkpoints.jsonl (0600)', async () => {
      const deps = { ...rt.deps, audit: { ...rt.deps.audit, everyEvents: 3, everyMinutes: 10 } };
      const first = await checkpointAuditChain(deps);
      const head1 = await db().selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
      expect(first.written).toMatchObject({ seq: head1.seq, hash: head1.hash, at: '2023-10-20T02:00:00.000Z', keyId: computeAuditKeyId(rt.deps.audit.key) });
      expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
      // Nothing new: none due.
      expect((await checkpointAuditChain(deps)).written).toBeNull();
      // Two events: not yet N = 3, not yet 10 minutes.
      await recordAuditEvent(rt.deps, admin, { action: 'student.access_denied', result: 'denied' });
      await recordAuditEvent(rt.deps, admin, { action: 'student.access_denied', result: 'denied' });
      expect((await checkpointAuditChain(deps)).written).toBeNull();
      rt.clock.advance(10 * 60_000);
      expect((await checkpointAuditChain(deps)).written).toMatchObject({ seq: head1.seq + 2 });
      // Three more events: due at once.
      for (let i = 0; i < 3; i++) await recordAuditEvent(rt.deps, admin, { action: 'student.access_denied', result: 'denied' });
      expect((await checkpointAuditChain(deps)).written).toMatchObject({ seq: head1.seq + 5 });

      const { checkpoints, problems } = await readAuditCheckpointFile(file());
      expect(problems).toEqual([]);
      expect(checkpoints.map((c) => c.seq)).toEqual([head1.seq, head1.seq + 2, head1.seq + 5]);
      expect(fs.readFileSync(file(), 'utf8').split('\n')).toHaveLength(4);
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: true, checkpoints: 3, uncovered: 0 });
    });

    it('verify counts the events after the newest checkpoint: a removed checkpoint file leaves the whole chain uncovered', async () => {
      await checkpointAuditChain(rt.deps, { force: true });
      for (let i = 0; i < 4; i++) await recordAuditEvent(rt.deps, admin, { action: 'student.access_denied', result: 'denied' });
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: true, uncovered: 4 });
      // An attacker with the data directory deletes the file (and could cut the chain's tail with it): what
      // this copy cannot prove, verify says by the count (the CLI warns; the sink's copy decides).
      fs.rmSync(file());
      const r = await verifyAuditChain(rt.deps);
      expect(r).toMatchObject({ ok: true, checkpoints: 0 });
      expect(r.uncovered).toBe(r.checked);
    });

    it('a checkpoint line edited, or signed with another key, makes verify fail; a line cut short by a crash does not', async () => {
      await checkpointAuditChain(rt.deps, { force: true });
      const line = fs.readFileSync(file(), 'utf8');
      const cp = JSON.parse(line) as { seq: number; hash: string };

      fs.appendFileSync(file(), '{"seq":1,"hash":"ab'); // a crash in the middle of a write
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: true, checkpoints: 1 });

      fs.writeFileSync(file(), line.replace(`"seq":${cp.seq}`, `"seq":${cp.seq + 5}`));
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, problem: expect.stringMatching(/checkpoints\.jsonl:1 .* is not signed with the audit key/) });

      const other = crypto.randomBytes(32);
      const forged = { ...JSON.parse(line), keyId: computeAuditKeyId(other) };
      fs.writeFileSync(file(), JSON.stringify(forged) + '\n');
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, problem: expect.stringContaining('signed with another audit key') });

      fs.writeFileSync(file(), 'not json\n');
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, problem: expect.stringContaining('line 1: not a checkpoint') });
    });

    it('are not written over a chain that does not verify', async () => {
      await someActivity();
      await dropAppendOnlyTriggers();
      await db().updateTable('audit_events').set({ details: '{}' }).where('seq', '=', 2).execute();
      const r = await checkpointAuditChain(rt.deps, { force: true });
      expect(r).toMatchObject({ written: null, problem: 'event 2: event content does not match its hash' });
      expect(fs.existsSync(file())).toBe(false);
    });

    it('are also POSTed to AUDIT_CHECKPOINT_URL; one the sink missed is sent with the next', async () => {
      const received: unknown[] = [];
      let fail = true;
      const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (fail) {
            res.writeHead(503).end();
            return;
          }
          received.push({ contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const sinkUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/checkpoints`;
      // A second process of the same data directory, configured with the sink.
      const reopened = await openRuntime({ dataDir: rt.dataDir, databaseUrl: rt.databaseUrl, clock: rt.clock.now, hasher: rt.deps.hasher, auditCheckpointUrl: sinkUrl });
      try {
        const r1 = await checkpointAuditChain(reopened, { force: true });
        expect(r1.sinkError).toBe('checkpoint sink answered 503');
        expect(r1.written).not.toBeNull();
        fail = false;
        await recordAuditEvent(reopened, SYSTEM, { action: 'student.access_denied', result: 'denied' });
        const r2 = await checkpointAuditChain(reopened, { force: true });
        expect(r2.sinkError).toBeNull();
        expect(received).toEqual([
          { contentType: 'application/json', body: { type: 'gradphoto.audit.checkpoint', ...r1.written } },
          { contentType: 'application/json', body: { type: 'gradphoto.audit.checkpoint', ...r2.written } },
        ]);
        // What the sink kept is a checkpoint file too: verify compares the chain with it.
        const copy = path.join(rt.dataDir, 'sink-copy.jsonl');
        fs.writeFileSync(copy, received.map((r) => JSON.stringify((r as { body: object }).body) + '\n').join(''));
        fs.rmSync(auditCheckpointFile(rt.dataDir));
        expect(await verifyAuditChain(reopened, { checkpointFiles: [copy] })).toMatchObject({ ok: true, checkpoints: 2 });
      } finally {
        await reopened.close();
        server.closeAllConnections();
        server.close();
      }
    });
  });

  describe('the audit key', () => {
    it('lives in <data>/keys/audit.key (0600), never in the database; another key is refused at start', async () => {
      const keyFile = path.join(rt.dataDir, 'keys', 'audit.key');
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = rt.deps.audit.key;
      expect(Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64')).toEqual(key);
      await someActivity();
      const dump = JSON.stringify(await Promise.all([events(), db().selectFrom('audit_head').selectAll().execute(), db().selectFrom('users').selectAll().execute()]));
      for (const form of [key.toString('base64'), key.toString('hex'), key.toString('base64url')]) expect(dump).not.toContain(form);

      // Another process of the same data directory starting with another key.
      const reopen = (auditKey?: string) => openRuntime({ dataDir: rt.dataDir, databaseUrl: rt.databaseUrl, clock: rt.clock.now, hasher: rt.deps.hasher, auditKey });
      await expect(reopen(crypto.randomBytes(32).toString('base64'))).rejects.toThrow(/audit key .* is not the one this audit log is written with/);
      fs.rmSync(keyFile); // lost: a fresh key would be created, and is refused the same way
      await expect(reopen()).rejects.toThrow(/is not the one this audit log is written with/);
      await expect(reopen('c2hvcnQ=')).rejects.toThrow('GRADPHOTO_AUDIT_KEY must be the base64 of exactly 32 bytes');
      const again = await reopen(key.toString('base64'));
      try {
        expect(await verifyAuditChain(again)).toMatchObject({ ok: true });
      } finally {
        await again.close();
      }
    });
  });

  describe('migration 0008 re-keys an existing chain once', () => {
    /** A data directory as the version before this one left it: migrations up to 0007, a plain SHA-256 chain. */
    async function legacyDatabase(opts: { tamper?: boolean } = {}) {
      const handle = openDatabase({ dataDir: legacyDir, ...where() });
      await migrateToLatest(handle, {}, '0007-oidc');
      let prev = AUDIT_GENESIS_HASH;
      for (let seq = 1; seq <= 5; seq++) {
        const row = { seq, at: `2023-10-20T02:00:0${seq}.000Z`, actor_id: null, actor_name: 'system', actor_role: null, action: 'campaign.loaded', target_type: 'campaign', target_id: 'c', ip: null, result: 'ok', details: `{"n":${seq}}`, prev_hash: prev, hash: '' };
        row.hash = forgeHash(prev, row);
        await handle.db.insertInto('audit_events').values(row).execute();
        prev = row.hash;
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await (handle.db as any).updateTable('audit_head').set({ seq: 5, hash: prev }).where('id', '=', 1).execute();
      if (opts.tamper) await handle.db.updateTable('audit_events').set({ details: '{"n":99}' }).where('seq', '=', 2).execute();
      await handle.destroy();
    }
    let legacyDir: string;
    let legacyPg: { url: string; drop(): Promise<void> } | undefined;
    const where = () => (legacyPg ? { databaseUrl: legacyPg.url } : {});
    beforeEach(async () => {
      legacyDir = fs.mkdtempSync(path.join(rt.dataDir, 'legacy-'));
      if (dialect === 'postgres') legacyPg = await createScratchDatabase(inject('postgresUrl'), 'gp_legacy');
    });
    afterEach(async () => {
      await legacyPg?.drop();
      legacyPg = undefined;
    });

    it('a plain chain that verifies is recomputed under the audit key; events unchanged', async () => {
      await legacyDatabase();
      const upgraded = await openRuntime({ dataDir: legacyDir, ...where(), clock: rt.clock.now, hasher: rt.deps.hasher });
      try {
        const rows = await upgraded.db.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
        expect(rows.map((r) => r.details)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}', '{"n":5}']);
        expect(rows[0]!.hash).not.toBe(forgeHash(AUDIT_GENESIS_HASH, rows[0]!));
        expect(await verifyAuditChain(upgraded)).toEqual({ ok: true, checked: 5, brokenAt: null, problem: null, checkpoints: 0, uncovered: 5 });
        await recordAuditEvent(upgraded, SYSTEM, { action: 'student.access_denied', result: 'denied' });
        expect(await verifyAuditChain(upgraded)).toMatchObject({ ok: true, checked: 6 });
      } finally {
        await upgraded.close();
      }
    });

    it('a plain chain that does not verify is refused, and nothing is changed', async () => {
      await legacyDatabase({ tamper: true });
      const open = () => openRuntime({ dataDir: legacyDir, ...where(), clock: rt.clock.now, hasher: rt.deps.hasher });
      await expect(open()).rejects.toThrow(/0008-audit-keyed.*does not verify as it stands \(event 2: content does not match its hash\)/);
      const handle = openDatabase({ dataDir: legacyDir, ...where() });
      try {
        const rows = await handle.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
        expect(rows[0]!.hash).toBe(forgeHash(AUDIT_GENESIS_HASH, rows[0]!));
        expect(rows[1]!.details).toBe('{"n":99}');
        // Still the old schema: the head has no key column, so the migration can run again once resolved.
        await expect(handle.db.selectFrom('audit_head').select('key_id').execute()).rejects.toThrow();
      } finally {
        await handle.destroy();
      }
    });
  });

  describe('rule A3: no national ID number and no password in the audit log', () => {
    it('after imports, previews, refusals, reveals and exports, no audit column holds an ID number or a password', async () => {
      const ids = [nationalId(1), nationalId(2), nationalId(3, '19851231'), nationalId(4, '20000229')];
      const newId = nationalId(5, '19900101');
      const badId = ids[0]!.slice(0, 17) + (ids[0]!.endsWith('1') ? '2' : '1');
      const rows = ids.map((id, i) => rosterRow(String(100 + i), { 身份证号: id }));
      await importRows(rows);
      await previewRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv([...rows.slice(1), rosterRow('100', { 身份证号: newId })])) }, 'r.csv', 'zh');
      await importRows([...rows.slice(1), rosterRow('100', { 身份证号: newId })]);
      await importRows([rosterRow('200', { 身份证号: badId })]).catch(() => undefined);

      const student = await db().selectFrom('students').select('id').where('student_no', '=', '101').executeTakeFirstOrThrow();
      expect(await revealNationalId(rt.deps, admin, student.id)).toEqual({ nationalId: ids[1] });
      await getStudent(rt.deps, admin, student.id);
      const secretary = await createActor(rt.deps, 'secretary', ['法学院']);
      await expect(revealNationalId(rt.deps, secretary, student.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await exportStudentsXlsx(rt.deps, admin, {});
      const password = 'the secretary password 42';
      await createUser(rt.deps, admin, { username: 'sec-math', role: 'secretary', departments: ['数学科学学院'], password });

      const all = await events();
      expect(all.map((e) => e.action)).toEqual(
        expect.arrayContaining(['roster.imported', 'student.national_id_viewed', 'student.access_denied', 'students.exported', 'user.created']),
      );
      const text = JSON.stringify(all);
      for (const id of [...ids, newId, badId]) {
        expect(text).not.toContain(id);
        expect(text).not.toContain(id.slice(0, 17));
      }
      expect(text).not.toContain(password);
      expect(text).not.toContain(TEST_PASSWORD);
      expect(text).not.toMatch(/\$argon2/);
      expect(text).not.toMatch(ID_LIKE);
      // The log as the admin reads it says the same.
      const listed = await listAuditEvents(rt.deps, admin, { page: 1, pageSize: 500 });
      expect(listed.total).toBe(all.length);
      expect(JSON.stringify(listed)).not.toMatch(ID_LIKE);
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: true, checked: all.length });
    });

    it('scrubs an ID number or a password even when a caller puts one in the details', async () => {
      const id = nationalId(7);
      const added = await newEvents(() =>
        recordAuditEvent(rt.deps, admin, {
          action: 'student.access_denied',
          result: 'denied',
          details: { note: `looked up ${id} twice`, nationalId: id, password: 'hunter2 hunter2', nested: { list: [id], secretKey: 'k' } },
        }),
      );
      expect(added).toHaveLength(1);
      expect(added[0]!.result).toBe('denied');
      expect(JSON.parse(added[0]!.details)).toEqual({ note: 'looked up [national-id] twice', nested: { list: ['[national-id]'] } });
      expect(JSON.stringify(added)).not.toContain(id);
      expect(JSON.stringify(added)).not.toContain('hunter2');
    });
  });

  it('reading the log is for admins only', async () => {
    const secretary = await createActor(rt.deps, 'secretary', ['法学院']);
    await expect(listAuditEvents(rt.deps, secretary, { page: 1, pageSize: 50 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
