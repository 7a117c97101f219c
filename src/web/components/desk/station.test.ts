// The station's name on the board and in the spoken call (docs/decisions/0021-call-board.md).
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en.js';
import { zh } from '../../i18n/zh.js';
import { beijingDateTime, beijingTime, spokenCall, stationLabel } from './station.js';

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
});
