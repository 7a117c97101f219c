// Payments to pay back (listRefunds): second payments of one student, and students who paid and are no longer
// required (E7, with the rule) or left the roster.
import { DownloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Refund } from '../../../contracts/payment.js';
import { paymentKeys, paymentsApi } from '../../api/payments.js';
import { formatInstant } from '../../format.js';
import { useIsMobile } from '../../useIsMobile.js';
import { formatFen, TxNumber, Yuan } from './money.js';
import { PaymentCards } from './PaymentsList.js';

export function RefundsPanel({ site }: { site: string | undefined }): ReactNode {
  const { t, i18n } = useTranslation();
  const list = useQuery({ queryKey: paymentKeys.refunds(site), queryFn: () => paymentsApi.refunds(site) });
  const mobile = useIsMobile();
  const { message } = App.useApp();
  const exportXlsx = useMutation({ mutationFn: () => paymentsApi.exportRefunds(site), onError: (e) => void message.error(e.message) });
  const reason = (r: Refund): string => {
    if (r.reason === 'duplicate') {
      const f = r.firstPayment;
      return f ? t('payments.refunds.duplicateOf', { method: t(`payments.methods.${f.method}`), transaction: f.transactionId, time: formatInstant(f.recordedAt) }) : t('payments.refundDue.duplicate');
    }
    if (r.removed) return t('payments.refunds.removed');
    if (!r.rule) return t('payments.refunds.notRequiredNoRule');
    const ruleName = i18n.exists(`ruleName.${r.rule}`) ? `${r.rule} ${t(`ruleName.${r.rule}`)}` : r.rule;
    return t('payments.refunds.notRequired', { rule: ruleName });
  };
  const reasonCell = (r: Refund) => (
    <Flex gap={4} wrap align="center" data-testid="refund-reason" data-reason={r.reason}>
      <Tag color={r.reason === 'duplicate' ? 'orange' : 'purple'} style={{ marginInlineEnd: 0 }}>
        {t(`payments.refundDue.${r.reason}`)}
      </Tag>
      <Typography.Text type="secondary" style={{ wordBreak: 'break-all' }}>
        {reason(r)}
      </Typography.Text>
    </Flex>
  );
  const columns: TableColumnsType<Refund> = [
    { title: t('payments.col.time'), key: 'at', width: 160, render: (_, r) => <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(r.payment.recordedAt)}</span> },
    { title: t('payments.col.studentNo'), key: 'no', width: 120, render: (_, r) => r.payment.studentNo },
    { title: t('payments.col.name'), key: 'name', width: 90, render: (_, r) => r.payment.name },
    { title: t('payments.col.method'), key: 'method', width: 90, render: (_, r) => t(`payments.methods.${r.payment.method}`) },
    { title: t('payments.col.transaction'), key: 'tx', render: (_, r) => <TxNumber value={r.payment.transactionId} /> },
    { title: t('payments.col.amount'), key: 'amount', align: 'right', width: 110, render: (_, r) => <Yuan fen={r.payment.amountFen} /> },
    {
      title: t('payments.col.reason'),
      key: 'reason',
      width: 280,
      render: (_, r) => reasonCell(r),
    },
  ];
  if (list.error) return <Alert type="error" showIcon title={list.error.message} />;
  const totals = list.data?.totals;
  return (
    <Flex vertical gap={12} data-testid="refunds">
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('payments.refunds.hint')}
      </Typography.Paragraph>
      {totals ? (
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Typography.Text strong data-testid="refunds-totals" data-count={totals.count}>
            {t('payments.refunds.totals', { count: totals.count, amount: formatFen(totals.amountFen), dupCount: totals.duplicate.count, nrCount: totals.notRequired.count })}
          </Typography.Text>
          <Button icon={<DownloadOutlined />} disabled={totals.count === 0} loading={exportXlsx.isPending} onClick={() => exportXlsx.mutate()} data-testid="refunds-download">
            {t('common.export')}
          </Button>
        </Flex>
      ) : null}
      {mobile ? (
        <PaymentCards
          items={(list.data?.items ?? []).map((r) => r.payment)}
          loading={list.isLoading}
          extra={(p) => {
            const r = list.data?.items.find((x) => x.payment.id === p.id);
            return r ? reasonCell(r) : null;
          }}
        />
      ) : (
        <Table<Refund>
          rowKey={(r) => r.payment.id}
          size="small"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          scroll={{ x: 'max-content' }}
          pagination={{ defaultPageSize: 50, hideOnSinglePage: true }}
          locale={{ emptyText: t('payments.refunds.empty') }}
        />
      )}
    </Flex>
  );
}
