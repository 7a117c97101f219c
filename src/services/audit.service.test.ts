// The audit log on a real database (SQLite and PostgreSQL): every mutating use case leaves exactly one
// event, the hash chain detects edits and deletions, and no event holds a national ID number or a
// password (rule A3).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, TEST_PASSWORD, type TestRuntime } from '../../test/support/runtime.js';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { computeAuditHash, type AuditResult } from '../domain/audit.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import { listAuditEvents, recordAuditEvent, verifyAuditChain } from './audit.service.js';
import { loadCampaign, readPublishedDemoCampaign, updateCampaignTerms } from './campaign.service.js';
import type { Actor } from './deps.js';
import { SYSTEM } from './deps.js';
import { applyRosterImport, previewRosterImport } from './roster.service.js';
import { exportStudentsXlsx, getStudent, revealNationalId } from './student.service.js';
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

  /** Runs `work` and returns the events it appended. */
  async function newEvents(work: () => Promise<unknown>) {
    const before = (await events()).length;
    await work();
    return (await events()).slice(before);
  }

  /** Some activity of every kind: imports, a re-import with changes, term changes, users. */
  async function someActivity() {
    await importRows([rosterRow('1'), rosterRow('2', { 毕业类型: '结业' })]);
    await importRows([rosterRow('1', { 确定延期至: '2025-01' }), rosterRow('3')]);
    await updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-07'], retakeBefore: '2023-07', deferTerms: [] });
    await createUser(rt.deps, admin, { username: 'sec-physics', role: 'secretary', departments: ['物理学院'], password: 'a long enough password' });
  }

  describe('every mutating call leaves exactly one event', () => {
    it('applyRosterImport with changes: one roster.imported (first import and a changed re-import)', async () => {
      const first = await newEvents(() => importRows([rosterRow('1'), rosterRow('2')]));
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ action: 'roster.imported', actor_id: admin.principal!.userId, actor_name: 'audit-admin', actor_role: 'admin', ip: '127.0.0.1', result: 'ok', target_type: 'campaign', target_id: '2024-graduates' });
      expect(JSON.parse(first[0]!.details)).toMatchObject({ added: 2, changed: 0, removed: 0, rows: 2, format: 'csv' });

      const second = await newEvents(() => importRows([rosterRow('1', { 姓名: '李四' }), rosterRow('3')]));
      expect(second.map((e) => e.action)).toEqual(['roster.imported']);
      expect(JSON.parse(second[0]!.details)).toMatchObject({ added: 1, changed: 1, removed: 1, unchanged: 0 });
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
      expect(await verifyAuditChain(rt.deps)).toEqual({ ok: true, checked: all.length, brokenAt: null, problem: null });
    });

    it('detects an edited event (details changed in the database)', async () => {
      const target = (await events()).find((e) => e.action === 'roster.imported')!;
      const forged = target.details.replace(/"added":\d+/, '"added":0');
      expect(forged).not.toBe(target.details);
      await db().updateTable('audit_events').set({ details: forged }).where('seq', '=', target.seq).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: target.seq, problem: 'event content does not match its hash' });
    });

    it('detects an edited actor, and an edit whose hash was recomputed (the next link breaks)', async () => {
      await db().updateTable('audit_events').set({ actor_name: 'someone-else' }).where('seq', '=', 3).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: 3 });

      const row = (await events())[2]!;
      const rehash = computeAuditHash(row.prev_hash, {
        seq: row.seq,
        at: row.at,
        actorId: row.actor_id,
        actorName: row.actor_name,
        actorRole: row.actor_role,
        action: row.action,
        targetType: row.target_type,
        targetId: row.target_id,
        ip: row.ip,
        result: row.result as AuditResult,
        details: row.details,
      });
      await db().updateTable('audit_events').set({ hash: rehash }).where('seq', '=', 3).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: 4, problem: 'previous-hash link does not match' });
    });

    it('detects a deleted event in the middle', async () => {
      const all = await events();
      const middle = all[Math.floor(all.length / 2)]!.seq;
      await db().deleteFrom('audit_events').where('seq', '=', middle).execute();
      const result = await verifyAuditChain(rt.deps);
      expect(result).toMatchObject({ ok: false, brokenAt: middle, checked: middle - 1 });
      expect(result.problem).toContain('missing');
    });

    it('detects a deleted LAST event (the chain no longer reaches the head)', async () => {
      const all = await events();
      const last = all[all.length - 1]!.seq;
      await db().deleteFrom('audit_events').where('seq', '=', last).execute();
      const result = await verifyAuditChain(rt.deps);
      expect(result).toMatchObject({ ok: false, brokenAt: last, checked: last - 1 });
      expect(result.problem).toContain('head');
    });

    it('detects the last two events deleted (a truncated tail)', async () => {
      const all = await events();
      await db().deleteFrom('audit_events').where('seq', '>=', all.length - 1).execute();
      expect(await verifyAuditChain(rt.deps)).toMatchObject({ ok: false, brokenAt: all.length - 1 });
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
