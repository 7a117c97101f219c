// The recorded payments with their totals (by method, and what is to be refunded): what the cashier counts.
import { useQuery } from '@tanstack/react-query';
import { Alert, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Payment, PaymentListQuery } from '../../../contracts/payment.js';
import { paymentKeys, paymentsApi } from '../../api/payments.js';
import { formatInstant } from '../../format.js';
import { useIsMobile } from '../../useIsMobile.js';
import { formatFen, TxNumber, Yuan } from './money.js';

/** The columns every list of payments shares (the reconciliation's lists too). */
export function usePaymentColumns(opts: { recordedBy?: boolean; status?: boolean; department?: boolean } = {}): TableColumnsType<Payment> {
  const { t } = useTranslation();
  const columns: TableColumnsType<Payment> = [
    { title: t('payments.col.time'), dataIndex: 'recordedAt', width: 170, render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(at)}</span> },
    { title: t('payments.col.studentNo'), dataIndex: 'studentNo', width: 120, render: (no: string) => <span style={{ whiteSpace: 'nowrap' }}>{no}</span> },
    { title: t('payments.col.name'), dataIndex: 'name', width: 90, render: (name: string) => <span data-testid="payment-name">{name}</span> },
  ];
  if (opts.department !== false) columns.push({ title: t('payments.col.department'), dataIndex: 'department', width: 140, ellipsis: true });
  columns.push(
    { title: t('payments.col.method'), dataIndex: 'method', width: 90, render: (m: Payment['method']) => t(`payments.methods.${m}`) },
    { title: t('payments.col.transaction'), dataIndex: 'transactionId', render: (tx: string) => <TxNumber value={tx} /> },
    { title: t('payments.col.amount'), dataIndex: 'amountFen', align: 'right', width: 110, render: (fen: number) => <Yuan fen={fen} /> },
  );
  if (opts.recordedBy !== false) columns.push({ title: t('payments.col.recordedBy'), dataIndex: 'recordedBy', width: 110, ellipsis: true, render: (by: string | null) => by ?? t('common.none') });
  if (opts.status !== false) {
    columns.push({
      title: t('payments.col.status'),
      dataIndex: 'refundDue',
      width: 150,
      render: (due: Payment['refundDue']) => (due ? <Tag color="orange">{t(`payments.refundDue.${due}`)}</Tag> : null),
    });
  }
  return columns;
}

export function PaymentsList({ query }: { query: PaymentListQuery }): ReactNode {
  const { t } = useTranslation();
  const list = useQuery({ queryKey: paymentKeys.list(query), queryFn: () => paymentsApi.list(query) });
  const columns = usePaymentColumns({ department: false });
  const mobile = useIsMobile();
  if (list.error) return <Alert type="error" showIcon title={list.error.message} />;
  const items = list.data?.items ?? [];
  const totals = list.data?.totals;
  const byMethod = (['wechat', 'alipay'] as const).map((m) => {
    const of = items.filter((p) => p.method === m);
    return { method: m, count: of.length, amountFen: of.reduce((s, p) => s + p.amountFen, 0) };
  });
  return (
    <div data-testid="payments-list">
      {totals ? (
        <Flex wrap gap={16} style={{ marginBottom: 12 }} data-testid="payments-totals" data-count={totals.count} data-amount-fen={totals.amountFen}>
          <Typography.Text strong>{t('payments.totals', { count: totals.count, amount: formatFen(totals.amountFen) })}</Typography.Text>
          {byMethod.map((m) => (
            <Typography.Text key={m.method} type="secondary" data-testid={`payments-total-${m.method}`}>
              {t('payments.byMethod', { method: t(`payments.methods.${m.method}`), count: m.count, amount: formatFen(m.amountFen) })}
            </Typography.Text>
          ))}
          {totals.refundDueCount > 0 ? <Typography.Text type="warning">{t('payments.refundDueTotals', { count: totals.refundDueCount, amount: formatFen(totals.refundDueFen) })}</Typography.Text> : null}
        </Flex>
      ) : null}
      {mobile ? (
        <PaymentCards items={items} loading={list.isLoading} />
      ) : (
        <Table<Payment>
          rowKey="id"
          size="small"
          loading={list.isLoading}
          columns={columns}
          dataSource={items}
          scroll={{ x: 'max-content' }}
          pagination={{ defaultPageSize: 50, showSizeChanger: true, hideOnSinglePage: true }}
          locale={{ emptyText: t('payments.empty') }}
          summary={() =>
            totals && items.length > 0 ? (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0} colSpan={5}>
                  <Typography.Text strong>{t('common.total')}</Typography.Text> <Typography.Text type="secondary">{totals.count}</Typography.Text>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={5} align="right">
                  <Typography.Text strong>
                    <Yuan fen={totals.amountFen} testId="payments-sum" />
                  </Typography.Text>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={6} colSpan={2} />
              </Table.Summary.Row>
            ) : null
          }
        />
      )}
    </div>
  );
}

/** On a phone: one card per payment, the amount on the right, nothing scrolls sideways. */
export function PaymentCards({ items, loading, extra }: { items: Payment[]; loading: boolean; extra?: (p: Payment) => ReactNode }): ReactNode {
  const { t } = useTranslation();
  if (loading) return <Typography.Text type="secondary">{t('common.loading')}</Typography.Text>;
  if (items.length === 0) return <Typography.Text type="secondary">{t('payments.empty')}</Typography.Text>;
  return (
    <Flex vertical gap={8} data-testid="payment-cards">
      {items.map((p) => (
        <div key={p.id} style={{ border: '1px solid #f0f0f0', borderRadius: 6, padding: '8px 12px', background: '#fff' }}>
          <Flex justify="space-between" gap={8}>
            <span>
              <Typography.Text strong data-testid="payment-name">
                {p.name}
              </Typography.Text>{' '}
              <Typography.Text type="secondary">{p.studentNo}</Typography.Text>
            </span>
            <Typography.Text strong>
              <Yuan fen={p.amountFen} />
            </Typography.Text>
          </Flex>
          <div style={{ overflowWrap: 'anywhere', fontSize: 12 }}>
            {t(`payments.methods.${p.method}`)} <TxNumber value={p.transactionId} />
          </div>
          <Flex justify="space-between" gap={8} wrap style={{ fontSize: 12 }}>
            <Typography.Text type="secondary">
              {formatInstant(p.recordedAt)} · {p.recordedBy ?? t('common.none')}
            </Typography.Text>
            {p.refundDue ? <Tag color="orange">{t(`payments.refundDue.${p.refundDue}`)}</Tag> : null}
          </Flex>
          {extra ? extra(p) : null}
        </div>
      ))}
    </Flex>
  );
}
