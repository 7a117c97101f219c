// Campaign use cases on a real database (SQLite and PostgreSQL): changing the terms recomputes every
// decision in one transaction; the overview counts per day and department within the viewer's scope;
// the demo campaign is the notice moved forward by whole weeks.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime } from '../../test/support/runtime.js';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { listDepartments } from '../domain/campaign.js';
import { translateAppError } from '../domain/i18n.js';
import type { StudentRow } from '../repositories/student.repository.js';
import {
  demoCampaign,
  getActiveCampaign,
  getCampaign,
  getCampaignOverview,
  loadCampaign,
  parseCampaignDefinition,
  readPublishedDemoCampaign,
  updateCampaignTerms,
} from './campaign.service.js';
import type { Actor } from './deps.js';
import { applyRosterImport } from './roster.service.js';

const DAY_MS = 86_400_000;
const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const weekday = (date: string) => new Date(dayMs(date)).getUTCDay();

describe('demoCampaign (the notice moved forward)', () => {
  const published = readPublishedDemoCampaign();

  it('on 2026-11-28: first day after today, shifted by whole weeks, terms by whole years', () => {
    const c = demoCampaign(new Date('2026-11-28T04:00:00Z'));
    const first = c.days.map((d) => d.date).sort()[0]!;
    expect(first > '2026-11-28').toBe(true);
    // The smallest whole-week shift that puts it in the future: at most a week ahead.
    expect(dayMs(first) - dayMs('2026-11-28')).toBeLessThanOrEqual(7 * DAY_MS);
    const shift = dayMs(first) - dayMs(published.days[0]!.date);
    expect(shift % (7 * DAY_MS)).toBe(0);
    c.days.forEach((d, i) => {
      expect(dayMs(d.date) - dayMs(published.days[i]!.date)).toBe(shift);
      expect(weekday(d.date)).toBe(weekday(published.days[i]!.date));
      expect(d.departments).toEqual(published.days[i]!.departments);
    });
    // Weekend days stay a Saturday and a Sunday, and stay days of the campaign (S3).
    expect(c.weekendDays.map(weekday)).toEqual([6, 0]);
    for (const w of c.weekendDays) expect(c.days.map((d) => d.date)).toContain(w);
    expect(c.days.map((d) => d.date)).toEqual(['2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
    expect(c).toMatchObject({ id: '2027-graduates', targetTerms: ['2027-01', '2027-07'], retakeBefore: '2026-07', deferTerms: ['2028-01', '2028-07'] });
    expect(c.name.zh).toContain('2027年1月');
  });

  it('keeps the notice: 45 departments, two windows (S1), two sites (S4, S5), 20 yuan electronic only (P1)', () => {
    const c = demoCampaign(new Date('2026-11-28T04:00:00Z'));
    const departments = listDepartments(c);
    expect(departments).toHaveLength(45);
    expect(new Set(departments).size).toBe(45);
    expect(c.windows).toEqual([
      { start: '09:30', end: '12:00' },
      { start: '13:00', end: '17:30' },
    ]);
    expect(c.sites.map((s) => s.id)).toEqual(['beijing', 'shenzhen']);
    expect(c.sites[0]!.rooms).toHaveLength(2);
    expect(c.price).toEqual({ amount: 20, currency: 'CNY', unit: 'set', methods: ['electronic'] });
    expect(c.timezone).toBe('Asia/Shanghai');
    // It is a valid campaign document.
    expect(parseCampaignDefinition(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it('decides "today" in the campaign time zone, and asPublished gives the notice unchanged', () => {
    // 2023-10-31T16:30Z is already 2023-11-01 in Beijing: the first day is not after today, so one week on.
    expect(demoCampaign(new Date('2023-10-31T16:30:00Z')).days[0]!.date).toBe('2023-11-08');
    expect(demoCampaign(new Date('2023-10-31T15:30:00Z')).days[0]!.date).toBe('2023-11-01');
    expect(demoCampaign(new Date('2026-11-28T04:00:00Z'), true)).toEqual(published);
  });
});

describe.each(DIALECTS)('campaign service on %s', (dialect) => {
  let rt: TestRuntime;
  let admin: Actor;

  beforeEach(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin');
  });
  afterEach(async () => {
    await rt.close();
  });

  const db = () => rt.deps.db.db;
  const importRows = (rows: RosterRow[]) => applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
  const students = async (): Promise<Record<string, StudentRow>> =>
    Object.fromEntries((await db().selectFrom('students').selectAll().execute()).map((s) => [s.student_no, s]));
  const auditEvents = () => db().selectFrom('audit_events').selectAll().orderBy('seq').execute();

  it('updateCampaignTerms recomputes decisions (2024-07 only: a 2024-01 student is no longer in the campaign) with one campaign.terms_changed event', async () => {
    await importRows([
      rosterRow('1', { 预计毕业时间: '2024-01' }), // E1 → not in campaign
      rosterRow('2', { 预计毕业时间: '2024-07' }), // E1 stays
      rosterRow('3', { 预计毕业时间: '2024-07', 已采集时间: '2023-01' }), // E3 → E1 once retakeBefore is 2022-07
      rosterRow('4', { 预计毕业时间: '2024-01', 确定延期至: '2025-01' }), // E4 stays (expected in 2024-01, deferred later)
      rosterRow('5', { 证书类型: '单证' }), // E6 stays
    ]);
    const before = await students();
    const eventsBefore = await auditEvents();
    rt.clock.advance(60_000);

    const result = await updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-07'], retakeBefore: '2022-07', deferTerms: ['2025-01'] });
    expect(result).toEqual({ decisionsChanged: 2 });

    const after = await students();
    expect(after['1']).toMatchObject({ decision: 'not-in-campaign', rule: null, updated_at: rt.clock.now().toISOString() });
    expect(after['2']).toEqual(before['2']);
    expect(after['3']).toMatchObject({ decision: 'required', rule: 'E1' });
    expect(after['4']).toEqual(before['4']);
    expect(after['5']).toEqual(before['5']);

    const campaign = await getActiveCampaign(rt.deps);
    expect(campaign).toMatchObject({ targetTerms: ['2024-07'], retakeBefore: '2022-07', deferTerms: ['2025-01'] });
    expect((await getCampaign(rt.deps)).targetTerms).toEqual(['2024-07']);

    const events = await auditEvents();
    expect(events).toHaveLength(eventsBefore.length + 1);
    const event = events[events.length - 1]!;
    expect(event).toMatchObject({ action: 'campaign.terms_changed', target_type: 'campaign', target_id: '2024-graduates', actor_id: admin.principal!.userId, result: 'ok' });
    expect(JSON.parse(event.details)).toEqual({
      before: { targetTerms: ['2024-01', '2024-07'], retakeBefore: '2023-07' },
      after: { targetTerms: ['2024-07'], retakeBefore: '2022-07', deferTerms: ['2025-01'] },
      decisionsChanged: 2,
    });
  });

  it('updateCampaignTerms is one transaction: when its audit event cannot be written, neither terms nor decisions change', async () => {
    await importRows([rosterRow('1', { 预计毕业时间: '2024-01' })]);
    const before = await students();
    const campaignBefore = await getActiveCampaign(rt.deps);
    // Writing this event fails at the very end of the transaction: on SQLite it is chained there (audit_events),
    // on PostgreSQL written pending (audit_pending) and chained after the commit (decision 0032).
    if (dialect === 'sqlite') await sql`create trigger block_terms before insert on audit_events when new.action = 'campaign.terms_changed' begin select raise(abort, 'audit write refused'); end`.execute(db());
    else await sql`alter table audit_pending add constraint block_terms check (action <> 'campaign.terms_changed')`.execute(db());

    await expect(updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-07'], retakeBefore: '2023-07', deferTerms: [] })).rejects.toThrow();
    expect(await getActiveCampaign(rt.deps)).toEqual(campaignBefore);
    expect(await students()).toEqual(before);
    expect((await auditEvents()).filter((e) => e.action === 'campaign.terms_changed')).toEqual([]);
  });

  it('updateCampaignTerms is refused to a secretary and changes nothing', async () => {
    const secretary = await createActor(rt.deps, 'secretary', ['物理学院']);
    await expect(updateCampaignTerms(rt.deps, secretary, { targetTerms: ['2024-07'], retakeBefore: '2023-07', deferTerms: [] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await getActiveCampaign(rt.deps)).targetTerms).toEqual(['2024-01', '2024-07']);
  });

  it('updateCampaignTerms refuses a term listed twice with CAMPAIGN_TERM_DUPLICATE naming it (zh/en over HTTP), and changes nothing', async () => {
    const campaignBefore = await getActiveCampaign(rt.deps);
    await expect(updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-07', '2024-01', '2024-07'], retakeBefore: '2023-07', deferTerms: [] })).rejects.toMatchObject({
      code: 'CAMPAIGN_TERM_DUPLICATE',
      params: { field: 'targetTerms', term: '2024-07' },
    });
    await expect(updateCampaignTerms(rt.deps, admin, { targetTerms: ['2024-07'], retakeBefore: '2023-07', deferTerms: ['2025-01', '2025-01'] })).rejects.toMatchObject({
      code: 'CAMPAIGN_TERM_DUPLICATE',
      params: { field: 'deferTerms', term: '2025-01' },
    });
    await createActor(rt.deps, 'admin', [], 'terms-admin');
    const server = await startTestServer(rt.deps);
    try {
      const cookie = await loginOverHttp(server.url, 'terms-admin');
      for (const [lang, message] of [
        ['zh', '毕业时间 2024-01 在 targetTerms 中重复出现'],
        ['en', 'The term 2024-01 is listed more than once in targetTerms'],
      ] as const) {
        const res = await fetch(`${server.url}/api/campaign/terms`, {
          method: 'PUT',
          headers: { cookie, 'content-type': 'application/json', 'accept-language': lang, origin: server.url },
          body: JSON.stringify({ targetTerms: ['2024-01', '2024-01'], retakeBefore: '2023-07', deferTerms: [] }),
        });
        expect(res.status).toBe(422);
        expect(await res.json()).toMatchObject({ error: { code: 'CAMPAIGN_TERM_DUPLICATE', message } });
      }
    } finally {
      await server.close();
    }
    expect(await getActiveCampaign(rt.deps)).toEqual(campaignBefore);
    expect((await auditEvents()).filter((e) => e.action === 'campaign.terms_changed')).toEqual([]);
    // A campaign file with a term twice is refused when read.
    expect(() => parseCampaignDefinition({ ...readPublishedDemoCampaign(), targetTerms: ['2024-01', '2024-01'] })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', params: { detail: 'targetTerms: term listed twice: 2024-01' } }) as Error,
    );
  });

  it('a campaign file with a time zone this runtime does not know is refused when read, naming it in zh and en', () => {
    // before, it was stored, and every clock of the campaign failed later (serve's start, bookings, the notice)
    let error: unknown;
    try {
      parseCampaignDefinition({ ...readPublishedDemoCampaign(), timezone: 'Asia/Beijing' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const e = error as { code: 'VALIDATION_FAILED'; params: Record<string, string>; issues?: [] };
    expect(translateAppError(e, 'zh')).toContain('“Asia/Beijing”不是已知的时区（应为 IANA 时区名，如 Asia/Shanghai）');
    expect(translateAppError(e, 'en')).toContain('"Asia/Beijing" is not a known time zone');
    expect(parseCampaignDefinition({ ...readPublishedDemoCampaign(), timezone: 'Europe/Paris' }).timezone).toBe('Europe/Paris');
  });

  it('loadCampaign with other terms recomputes the decisions of its students', async () => {
    await importRows([rosterRow('1', { 预计毕业时间: '2024-01' }), rosterRow('2')]);
    const published = readPublishedDemoCampaign();
    const result = await loadCampaign(rt.deps, admin, { ...published, targetTerms: ['2024-01'] });
    expect(result).toEqual({ decisionsChanged: 1 });
    expect((await students())['2']).toMatchObject({ decision: 'not-in-campaign', rule: null });
    expect((await students())['1']).toMatchObject({ decision: 'required', rule: 'E1' });
  });

  describe('getCampaignOverview', () => {
    const ROSTER: RosterRow[] = [
      rosterRow('11', { 院系: '物理学院' }), // 11-01 required E1
      rosterRow('12', { 院系: '物理学院', 毕业类型: '结业' }), // 11-01 required E2
      rosterRow('13', { 院系: '物理学院', 证书类型: '单证' }), // 11-01 excluded E6
      rosterRow('14', { 院系: '数学科学学院', 预计毕业时间: '2023-01' }), // 11-01 not in campaign
      rosterRow('21', { 院系: '深圳研究生院', 学习地点: '深圳' }), // 11-02 required E1 (Shenzhen)
      rosterRow('41', { 院系: '法学院', 确定延期至: '2025-01' }), // 11-04 (weekend) excluded E4
      rosterRow('42', { 院系: '法学院', 结业换毕业: '是' }), // 11-04 excluded E5
    ];
    const counts = (required: number, excluded: number, notInCampaign: number) => ({ required, excluded, notInCampaign, total: required + excluded + notInCampaign });

    beforeEach(async () => {
      await importRows([...ROSTER, rosterRow('99', { 院系: '物理学院' })]);
      await importRows(ROSTER); // student 99 is removed: removed students are not counted
    });

    it('counts per day and department for the graduate school', async () => {
      const o = await getCampaignOverview(rt.deps, admin);
      expect(o.campaignId).toBe('2024-graduates');
      expect(o.totals).toEqual(counts(3, 3, 1));
      expect(o.byRule).toEqual({ E1: 2, E2: 1, E4: 1, E5: 1, E6: 1, none: 1 });
      expect(o.days.map((d) => [d.date, d.weekend, d.counts])).toEqual([
        ['2023-11-01', false, counts(2, 1, 1)],
        ['2023-11-02', false, counts(1, 0, 0)],
        ['2023-11-03', false, counts(0, 0, 0)],
        ['2023-11-04', true, counts(0, 2, 0)],
        ['2023-11-05', true, counts(0, 0, 0)],
      ]);
      expect(o.days.flatMap((d) => d.departments)).toHaveLength(45);
      const dept = (name: string) => o.days.flatMap((d) => d.departments).find((x) => x.name === name);
      expect(dept('物理学院')).toEqual({ name: '物理学院', site: 'beijing', counts: counts(2, 1, 0) });
      expect(dept('数学科学学院')).toEqual({ name: '数学科学学院', site: 'beijing', counts: counts(0, 0, 1) });
      expect(dept('深圳研究生院')).toEqual({ name: '深圳研究生院', site: 'shenzhen', counts: counts(1, 0, 0) });
      expect(dept('法学院')).toEqual({ name: '法学院', site: 'beijing', counts: counts(0, 2, 0) });
      expect(dept('工学院')).toEqual({ name: '工学院', site: 'beijing', counts: counts(0, 0, 0) });
      // The agency sees the same counts (no names in an overview).
      const operator = await createActor(rt.deps, 'operator');
      expect(await getCampaignOverview(rt.deps, operator)).toEqual(o);
    });

    it('a secretary sees only their own departments', async () => {
      const secretary = await createActor(rt.deps, 'secretary', ['物理学院', '法学院']);
      const o = await getCampaignOverview(rt.deps, secretary);
      expect(o.totals).toEqual(counts(2, 3, 0));
      expect(o.byRule).toEqual({ E1: 1, E2: 1, E4: 1, E5: 1, E6: 1 });
      expect(o.days.map((d) => [d.date, d.departments.map((x) => x.name), d.counts])).toEqual([
        ['2023-11-01', ['物理学院'], counts(2, 1, 0)],
        ['2023-11-02', [], counts(0, 0, 0)],
        ['2023-11-03', [], counts(0, 0, 0)],
        ['2023-11-04', ['法学院'], counts(0, 2, 0)],
        ['2023-11-05', [], counts(0, 0, 0)],
      ]);
      expect(JSON.stringify(o)).not.toContain('数学科学学院');
      expect(JSON.stringify(o)).not.toContain('深圳研究生院');
    });

    it('is refused to a student and to no one signed in', async () => {
      const student = await createActor(rt.deps, 'student', [], '11');
      await expect(getCampaignOverview(rt.deps, student)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(getCampaignOverview(rt.deps, { principal: null, ip: '127.0.0.1' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    });
  });
});
