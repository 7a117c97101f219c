// The student's printed photos on /my (issue 10 section 2, A2): where they are (printed, at the graduate school, at
// the department, collected) and, once they are at the department, "我已领取".
import { CheckCircleFilled, PictureOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Popconfirm, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { printKeys, printsApi } from '../../api/prints.js';
import { formatInstant } from '../../format.js';

export function MyPrintsCard(): ReactNode {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const mine = useQuery({ queryKey: printKeys.mine, queryFn: printsApi.mine });
  const confirm = useMutation({ mutationFn: printsApi.confirmMine, onSuccess: (next) => qc.setQueryData(printKeys.mine, next) });
  const p = mine.data;
  if (!p || p.state === 'none') return null;
  const done = p.state === 'handed';
  return (
    <Card
      size="small"
      title={<span>{done ? <CheckCircleFilled style={{ color: '#52c41a' }} /> : <PictureOutlined />} {t('printsHandover.myTitle')}</span>}
      style={{ marginBottom: 16 }}
      data-testid="my-prints"
      data-state={p.state}
    >
      <Typography.Paragraph style={{ marginBottom: p.canConfirm ? 12 : 0 }} data-testid="my-prints-text">
        {t(`printsHandover.myState.${p.state}`, { department: p.department ?? '', date: p.handedAt ? formatInstant(p.handedAt) : '' })}
      </Typography.Paragraph>
      {p.canConfirm ? (
        <Popconfirm title={t('printsHandover.myConfirmAsk')} onConfirm={() => confirm.mutate()} okText={t('printsHandover.confirm')}>
          <Button type="primary" loading={confirm.isPending} data-testid="my-prints-confirm">
            {t('printsHandover.myConfirm')}
          </Button>
        </Popconfirm>
      ) : null}
      {confirm.error ? <Alert type="error" showIcon title={confirm.error.message} style={{ marginTop: 8 }} /> : null}
    </Card>
  );
}
