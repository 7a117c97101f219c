// The graduate school → department step: the sets the graduate school holds per department with "发放", and the
// deliveries with their counts (sent, received by the secretary, handed over).
import { SendOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PrintDelivery } from '../../../contracts/print.js';
import { printKeys, printsApi } from '../../api/prints.js';
import { formatInstant } from '../../format.js';
import { ErrorResult } from '../ErrorResult.js';

export function deliveryColumns(t: (k: string) => string): TableColumnsType<PrintDelivery> {
  return [
    { title: t('printsHandover.department'), dataIndex: 'department', width: 150 },
    { title: t('printsHandover.sentCount'), dataIndex: 'sentCount', align: 'right', width: 80 },
    { title: t('printsHandover.sentAt'), dataIndex: 'sentAt', width: 150, render: (at: string, d) => <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(at)} · {d.sentBy}</span> },
    {
      title: t('printsHandover.receivedCount'),
      key: 'received',
      width: 200,
      render: (_, d) =>
        d.receivedAt ? (
          <span>
            <span style={{ whiteSpace: 'nowrap' }}>{d.receivedCount} · {d.receivedBy} · {formatInstant(d.receivedAt)}</span>
            {d.discrepancyNote ? <Typography.Text type="warning" style={{ display: 'block' }}>{t('printsHandover.discrepancy')}: {d.discrepancyNote}</Typography.Text> : null}
          </span>
        ) : (
          <Tag color="warning">{t('printsHandover.awaitingReceipt')}</Tag>
        ),
    },
    { title: t('printsHandover.handed'), dataIndex: 'handed', align: 'right', width: 70 },
  ];
}

export function DeliveriesCard(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const list = useQuery({ queryKey: printKeys.deliveries, queryFn: printsApi.deliveries });
  const send = useMutation({
    mutationFn: (department: string) => printsApi.sendToDepartment(department),
    onSuccess: (d) => {
      void qc.invalidateQueries({ queryKey: printKeys.all });
      void message.success(t('printsHandover.delivered', { department: d.department, count: d.sentCount }));
    },
  });
  if (list.error) return <ErrorResult error={list.error} onRetry={() => void list.refetch()} />;
  const ready = list.data?.ready ?? [];
  return (
    <Card size="small" title={t('printsHandover.deliveries')} data-testid="prints-deliveries">
      <Flex vertical gap={12}>
        <Flex gap={8} wrap align="center">
          <Typography.Text type="secondary">{t('printsHandover.ready')}:</Typography.Text>
          {ready.length === 0 ? <Typography.Text type="secondary">{t('printsHandover.nothingReady')}</Typography.Text> : null}
          {ready.map((r) => (
            <Button key={r.department} size="small" icon={<SendOutlined />} loading={send.isPending && send.variables === r.department} onClick={() => send.mutate(r.department)} data-testid="delivery-send">
              {t('printsHandover.deliver')} {r.department} ({r.count})
            </Button>
          ))}
        </Flex>
        {send.error ? <Alert type="error" showIcon title={send.error.message} /> : null}
        <Table<PrintDelivery> rowKey="id" size="small" columns={deliveryColumns(t)} dataSource={list.data?.items ?? []} loading={list.isLoading} pagination={false} scroll={{ x: 'max-content' }} />
      </Flex>
    </Card>
  );
}
