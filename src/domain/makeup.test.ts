// The make-up rules (S6), pure: city names, outlet stations, the usual deadlines, the window of a term.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CampaignDefinition } from './campaign.js';
import { buildNotice } from './notice.js';
import { cityKey, cityName, defaultMakeUpDeadline, defaultMakeUpDeadlines, isRealDate, makeUpWindow, outletStationId, parseOutletStation, planMakeUpReminders, sameCity } from './makeup.js';

function campaign2024(): CampaignDefinition {
  return JSON.parse(fs.readFileSync(new URL('../services/demo/campaign-2024.json', import.meta.url), 'utf8')) as CampaignDefinition;
}

describe('make-up rules (S6)', () => {
  it.each(['BEIJING', 'Peking', '北京市', ' beijing '])('the notice names the make-up city %j as 北京 / Beijing (never as typed)', (city) => {
    const c = { ...campaign2024(), makeUp: { ...campaign2024().makeUp, city } };
    const text = (lang: 'zh' | 'en') => JSON.stringify(buildNotice(c, lang, undefined, []).sections.find((s) => s.id === 'makeUp'));
    expect(text('zh')).toContain('北京');
    expect(text('zh')).not.toContain(city.trim());
    expect(text('en')).toContain('Beijing');
  });

  it('Beijing, 北京, 北京市, " beijing city " and Peking are one city; Shanghai and 上海 are not Beijing', () => {
    for (const name of ['Beijing', '北京', '北京市', ' beijing city ', 'BEIJING', 'Peking', 'Ｂｅｉｊｉｎｇ']) expect(sameCity(name, 'Beijing'), name).toBe(true);
    for (const name of ['Shanghai', '上海', '上海市', 'Tianjin', '', 'Beijingxi']) expect(sameCity(name, 'Beijing'), name).toBe(false);
    expect(sameCity('上海市', 'Shanghai')).toBe(true);
    expect(cityKey('成都市')).toBe(cityKey('成都'));
    expect(cityName('北京市', 'en')).toBe('Beijing');
    expect(cityName('Beijing', 'zh')).toBe('北京');
  });

  it('outlet stations are makeup-<outlet>-<n>, n 1–20; anything else is no make-up station', () => {
    expect(outletStationId('haidian', 2)).toBe('makeup-haidian-2');
    expect(parseOutletStation('makeup-haidian-2')).toEqual({ outletId: 'haidian', number: 2 });
    expect(parseOutletStation('makeup-haidian-0')).toEqual({ outletId: 'haidian', number: null });
    expect(parseOutletStation('makeup-haidian-21')).toEqual({ outletId: 'haidian', number: null });
    expect(parseOutletStation('makeup-haidian')).toEqual({ outletId: 'haidian', number: null });
    expect(parseOutletStation('beijing-1')).toBeNull();
    expect(parseOutletStation('studio-a')).toBeNull();
  });

  it('the usual deadlines: 30 Nov before a January term, 30 Apr before a July term', () => {
    expect(defaultMakeUpDeadline('2024-01')).toBe('2023-11-30');
    expect(defaultMakeUpDeadline('2024-07')).toBe('2024-04-30');
    expect(defaultMakeUpDeadline('2024-03')).toBe('2024-01-31');
    expect(isRealDate('2024-02-29')).toBe(true);
    expect(isRealDate('2023-02-29')).toBe(false);
    expect(isRealDate('2023-11-31')).toBe(false);
  });

  it('the suggested deadlines never fall before make-ups open: the notice’s pattern, else 30 days after opening', () => {
    const c = (lastDay: string, targetTerms: string[]) => ({ targetTerms, days: [{ date: '2023-11-01', departments: [] }, { date: lastDay, departments: [] }] }) as unknown as CampaignDefinition;
    expect(defaultMakeUpDeadlines(c('2023-11-05', ['2024-01', '2024-07']))).toEqual({ '2024-01': '2023-11-30', '2024-07': '2024-04-30' });
    // the tester's demo: the campaign ends 13 Dec 2026, make-ups open the 14th; the pattern's 30 Nov is past
    expect(defaultMakeUpDeadlines(c('2026-12-13', ['2027-01', '2027-07']))).toEqual({ '2027-01': '2027-01-13', '2027-07': '2027-04-30' });
  });

  it('the window of a term: not open on the campaign’s last day, open the next day and on the deadline day, closed after', () => {
    const c = campaign2024();
    expect(makeUpWindow(c, '2024-01', '2023-11-05')).toEqual({ state: 'not-yet-open', opensOn: '2023-11-06' });
    expect(makeUpWindow(c, '2024-01', '2023-11-06')).toEqual({ state: 'open', deadline: '2023-11-30' });
    expect(makeUpWindow(c, '2024-01', '2023-11-30')).toEqual({ state: 'open', deadline: '2023-11-30' });
    expect(makeUpWindow(c, '2024-01', '2023-12-01')).toEqual({ state: 'deadline-passed', deadline: '2023-11-30' });
    expect(makeUpWindow(c, '2024-07', '2023-12-01')).toEqual({ state: 'open', deadline: '2024-04-30' });
    // the campaign's one deadline when a term has none of its own; none at all: open
    const single: CampaignDefinition = { ...c, makeUp: { city: 'Beijing', where: '', fee: 20, deadline: '2023-12-15' } };
    expect(makeUpWindow(single, '2024-07', '2023-12-16')).toEqual({ state: 'deadline-passed', deadline: '2023-12-15' });
    const none: CampaignDefinition = { ...c, makeUp: { city: 'Beijing', where: '', fee: 20 } };
    expect(makeUpWindow(none, '2024-07', '2025-12-16')).toEqual({ state: 'open', deadline: null });
  });

  it('reminders: from 09:00 of the day make-ups open, until the term’s deadline, one key per student and voiding', () => {
    const c = campaign2024();
    const students = [
      { id: 's1', email: 'a@x.cn', term: '2024-01', voided: 0 },
      { id: 's2', email: null, term: '2024-07', voided: 1 },
    ];
    expect(planMakeUpReminders({ campaign: c, today: '2023-11-06', time: '08:59', students })).toEqual([]);
    expect(planMakeUpReminders({ campaign: c, today: '2023-11-06', time: '09:00', students }).map((i) => i.dedupeKey)).toEqual(['reminder:makeup:s1:0', 'reminder:makeup:s2:1']);
    expect(planMakeUpReminders({ campaign: c, today: '2023-12-01', time: '10:00', students }).map((i) => i.studentId)).toEqual(['s2']);
  });
});
