// The station's name on the board and in the spoken call (docs/decisions/0021-call-board.md).
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en.js';
import { zh } from '../../i18n/zh.js';
import type { Board, BoardCall } from '../../../contracts/board.js';
import { beijingDateTime, beijingTime, callKeys, callsToSpeak, spokenCall, stationLabel } from './station.js';

const call = (number: string, stationId: string, calledAt: string, over: Partial<BoardCall> = {}): BoardCall => ({
  number,
  stationId,
  stationNo: null,
  calledAt,
  recalls: 0,
  current: true,
  ...over,
});
const board = (calls: BoardCall[]): Board => ({ site: 'beijing', date: '2023-11-01', calls, waiting: 0, etaMinutes: 1, stations: 2, readAt: '2023-11-01T01:00:00.000Z' });

describe('station names and calls', () => {
  it('speaks the call in Chinese without the dash; a recall says the same', () => {
    expect(spokenCall('B-037', 'beijing-2')).toBe('请 B037 号到 2 号机位');
    expect(spokenCall('S-1234', 'shenzhen-10')).toBe('请 S1234 号到 10 号机位');
    expect(spokenCall('B-001', 'front')).toBe('请 B001 号到 front');
  });

  it('labels a station by the number its id ends with, in zh and en', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({ lng: 'zh', resources: { zh: { translation: zh }, en: { translation: en } } });
    expect(stationLabel(i18n.t, 'beijing-2')).toBe('2 号机位');
    expect(stationLabel(i18n.t, 'mobile')).toBe('mobile');
    await i18n.changeLanguage('en');
    expect(stationLabel(i18n.t, 'beijing-2')).toBe('Station 2');
  });

  it('shows times in Beijing time whatever the machine’s zone', () => {
    expect(beijingTime('2023-11-01T01:30:05.000Z')).toBe('09:30');
    expect(beijingTime('2023-11-01T01:30:05.000Z', true)).toBe('09:30:05');
    expect(beijingDateTime('2023-10-31T16:05:00.000Z')).toBe('2023-11-01 00:05');
  });

  it('speaks new calls, recalls and transfers once, oldest first; not what was on the board when it opened', () => {
    const first = board([call('B-001', 'beijing-1', 'T1')]);
    expect(callsToSpeak(null, first)).toEqual([]);
    let keys = callKeys(first);
    // the same board again (a check-in elsewhere): nothing to say
    expect(callsToSpeak(keys, first)).toEqual([]);
    // two new calls at once, then a served ticket (no longer current) is never spoken
    const second = board([call('B-003', 'beijing-1', 'T3'), call('B-002', 'beijing-2', 'T2'), call('B-001', 'beijing-1', 'T1', { current: false })]);
    expect(callsToSpeak(keys, second).map((c) => c.number)).toEqual(['B-002', 'B-003']);
    keys = callKeys(second);
    // a recall and a transfer are said again
    const third = board([call('B-003', 'beijing-3', 'T5'), call('B-002', 'beijing-2', 'T4', { recalls: 1 }), call('B-001', 'beijing-1', 'T1', { current: false })]);
    expect(callsToSpeak(keys, third).map((c) => c.number)).toEqual(['B-002', 'B-003']);
  });
});
