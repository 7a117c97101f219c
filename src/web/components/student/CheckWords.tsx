import { Flex, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PhotoReport } from '../../../contracts/photo.js';
import { VERDICT_RANK, VERDICT_STYLE, verdictOf } from '../photo/ChecksList.js';

type Check = PhotoReport['checks'][number];


/**
 * A shot's checks for a person, worst first: the check's name, its verdict and the server's sentence, which
 * carries the measured value in words ("曝光正常（面部平均亮度 177）") — never the raw keys of the report.
 */
export function CheckWords({ checks }: { checks: Check[] }): ReactNode {
  const { t } = useTranslation();
  return (
    <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="checks">
      {[...checks]
        .sort((a, b) => VERDICT_RANK[verdictOf(a)] - VERDICT_RANK[verdictOf(b)])
        .map((check) => {
          const verdict = verdictOf(check);
          const style = VERDICT_STYLE[verdict];
          return (
            <li key={check.id} data-testid={`check-${check.id}`} data-status={check.status} data-measured={check.measured} style={{ padding: '4px 0' }}>
              <Flex gap={8} align="flex-start">
                <span style={{ fontSize: 16, lineHeight: '22px' }}>{style.icon}</span>
                <div style={{ minWidth: 0 }}>
                  <Typography.Text strong>{t(`station.checks.${check.id}`)}</Typography.Text>
                  <Tag color={style.tag} style={{ marginInline: 8 }}>
                    {t(`station.status.${verdict}`)}
                  </Tag>
                  <span style={{ color: verdict === 'pass' ? undefined : style.color, wordBreak: 'break-word' }}>{check.message}</span>
                </div>
              </Flex>
            </li>
          );
        })}
    </ul>
  );
}
