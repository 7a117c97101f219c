import { CheckCircleFilled, CloseCircleFilled, ExclamationCircleFilled, MinusCircleFilled } from '@ant-design/icons';
import { Flex, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PhotoReport } from '../../../contracts/photo.js';
import { measureInWords } from './checkWords.js';

type Check = PhotoReport['checks'][number];

/** How a check is shown: its status, or "not checked" for one that could not be run (no face to measure on). */
export type CheckVerdict = Check['status'] | 'unmeasured';

export const verdictOf = (check: Check): CheckVerdict => (check.measured ? check.status : 'unmeasured');

/** Worst first: a failed measurement, a warning, what could not be checked, what passed. */
export const VERDICT_RANK: Record<CheckVerdict, number> = { fail: 0, warn: 1, unmeasured: 2, pass: 3 };

export const VERDICT_STYLE: Record<CheckVerdict, { color: string; tag: string; icon: ReactNode }> = {
  pass: { color: '#389e0d', tag: 'success', icon: <CheckCircleFilled style={{ color: '#52c41a' }} /> },
  warn: { color: '#d46b08', tag: 'warning', icon: <ExclamationCircleFilled style={{ color: '#fa8c16' }} /> },
  fail: { color: '#cf1322', tag: 'error', icon: <CloseCircleFilled style={{ color: '#f5222d' }} /> },
  unmeasured: { color: 'rgba(0,0,0,0.55)', tag: 'default', icon: <MinusCircleFilled style={{ color: '#bfbfbf' }} /> },
};

/** A measured value or a threshold, compactly: `{ roll: 1.2, yaw: 3 }` → `roll 1.2 · yaw 3`, `[20480, 40960]` → `20480–40960`. */
export function formatMeasure(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => formatMeasure(v, depth + 1)).join('–');
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => {
      const inner = formatMeasure(v, depth + 1);
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? `${k} (${inner})` : `${k} ${inner}`;
    });
    return parts.join(depth === 0 ? ' · ' : ', ');
  }
  return String(value);
}

/** The checks report (issue #4 part 5): one row per check, worst first so a failure is seen at once. */
export function ChecksList({ checks }: { checks: Check[] }): ReactNode {
  const { t, i18n } = useTranslation();
  // a Chinese full-width colon in Chinese, ": " in English ("measured: …", not "measured：…")
  const colon = i18n.language.startsWith('zh') ? '：' : ': ';
  const sorted = [...checks].sort((a, b) => VERDICT_RANK[verdictOf(a)] - VERDICT_RANK[verdictOf(b)]);
  return (
    <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="checks">
      {sorted.map((check) => {
        const verdict = verdictOf(check);
        const style = VERDICT_STYLE[verdict];
        return (
          <li
            key={check.id}
            data-testid={`check-${check.id}`}
            data-status={check.status}
            data-measured={check.measured}
            style={{ padding: '8px 0', borderBottom: '1px solid rgba(5,5,5,0.06)' }}
          >
            <Flex gap={8} align="flex-start">
              <span style={{ fontSize: 18, lineHeight: '22px' }}>{style.icon}</span>
              <div style={{ flex: 1, minWidth: 0 }}>
                <Flex gap={8} align="center" wrap>
                  <Typography.Text strong>{t(`station.checks.${check.id}`)}</Typography.Text>
                  <Tag color={style.tag} style={{ marginInlineEnd: 0 }}>
                    {t(`station.status.${verdict}`)}
                  </Tag>
                </Flex>
                <div style={{ color: verdict === 'pass' ? undefined : style.color }}>{check.message}</div>
                <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-word' }} data-testid={`check-${check.id}-measure`}>
                  {t('station.value')}
                  {colon}
                  {measureInWords(check, t) ?? t('review.measure.none')}
                </Typography.Text>
              </div>
            </Flex>
          </li>
        );
      })}
    </ul>
  );
}
