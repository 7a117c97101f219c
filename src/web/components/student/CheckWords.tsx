import { CheckCircleFilled, CloseCircleFilled, ExclamationCircleFilled } from '@ant-design/icons';
import { Flex, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PhotoReport } from '../../../contracts/photo.js';

type Check = PhotoReport['checks'][number];

const STATUS: Record<Check['status'], { tag: string; color: string; icon: ReactNode }> = {
  pass: { tag: 'success', color: '#389e0d', icon: <CheckCircleFilled style={{ color: '#52c41a' }} /> },
  warn: { tag: 'warning', color: '#d46b08', icon: <ExclamationCircleFilled style={{ color: '#fa8c16' }} /> },
  fail: { tag: 'error', color: '#cf1322', icon: <CloseCircleFilled style={{ color: '#f5222d' }} /> },
};

/**
 * A shot's checks for a person, worst first: the check's name, its verdict and the server's sentence, which
 * carries the measured value in words ("曝光正常（面部平均亮度 177）") — never the raw keys of the report.
 */
export function CheckWords({ checks }: { checks: Check[] }): ReactNode {
  const { t } = useTranslation();
  const rank = { fail: 0, warn: 1, pass: 2 } as const;
  return (
    <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="checks">
      {[...checks]
        .sort((a, b) => rank[a.status] - rank[b.status])
        .map((check) => (
          <li key={check.id} data-testid={`check-${check.id}`} data-status={check.status} style={{ padding: '4px 0' }}>
            <Flex gap={8} align="flex-start">
              <span style={{ fontSize: 16, lineHeight: '22px' }}>{STATUS[check.status].icon}</span>
              <div style={{ minWidth: 0 }}>
                <Typography.Text strong>{t(`station.checks.${check.id}`)}</Typography.Text>
                <Tag color={STATUS[check.status].tag} style={{ marginInline: 8 }}>
                  {t(`station.status.${check.status}`)}
                </Tag>
                <span style={{ color: check.status === 'pass' ? undefined : STATUS[check.status].color, wordBreak: 'break-word' }}>{check.message}</span>
              </div>
            </Flex>
          </li>
        ))}
    </ul>
  );
}
