// The station's keyboard shortcuts, shown on the page (issue 9 section 5).
import { Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

const KEYS: [string, 'n' | 'enter' | 'c' | 'r' | 's'][] = [
  ['N', 'n'],
  ['Enter', 'enter'],
  ['C', 'c'],
  ['R', 'r'],
  ['S', 's'],
];

export function ShortcutsHelp(): ReactNode {
  const { t } = useTranslation();
  return (
    <Flex gap={10} wrap align="center" data-testid="station-shortcuts" style={{ fontSize: 13 }}>
      <Typography.Text type="secondary">{t('stationQueue.shortcuts')}</Typography.Text>
      {KEYS.map(([key, name]) => (
        <span key={key} style={{ whiteSpace: 'nowrap' }}>
          <kbd style={{ padding: '0 6px', border: '1px solid #bfbfbf', borderBottomWidth: 2, borderRadius: 4, background: '#fafafa', fontFamily: 'inherit', fontSize: 12 }}>{key}</kbd>{' '}
          <Typography.Text>{t(`stationQueue.keys.${name}`)}</Typography.Text>
        </span>
      ))}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('stationQueue.shortcutsNote')}
      </Typography.Text>
    </Flex>
  );
}
