// Reconciliation (issue 9 section 3): the cashier uploads the merchant's bill file as downloaded (WeChat Pay
// 交易账单 or Alipay 业务明细, recognised by the server) and reads the lists against the payments recorded.
import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Flex, Progress, Table, Tag, Typography, Upload } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Payment, Reconciliation } from '../../../contracts/payment.js';
import { paymentKeys, paymentsApi } from '../../api/payments.js';
import { formatDay, formatInstant } from '../../format.js';
import { currentLanguage } from '../../i18n/index.js';
import { NUMBER_STYLE, TxNumber, Yuan } from './money.js';
import { usePaymentColumns } from './PaymentsList.js';

type Line = Reconciliation['matched'][number]['line'];
type Pair = { payment: Payment | null; line: Line };
type ListKey = 'matched' | 'recordedNotInStatement' | 'inStatementNotRecorded' | 'amountDiffers' | 'refunded';
const LIST_COLORS: Record<ListKey, string> = { matched: 'green', recordedNotInStatement: 'red', inStatementNotRecorded: 'red', amountDiffers: 'red', refunded: 'blue' };

function useLineColumns(): TableColumnsType<Line> {
  const { t } = useTranslation();
  return [
    { title: t('payments.col.line'), dataIndex: 'line', width: 70, align: 'right' },
    { title: t('payments.col.transaction'), dataIndex: 'transactionId', render: (tx: string) => <TxNumber value={tx} /> },
    { title: t('payments.col.statementAmount'), dataIndex: 'amountFen', align: 'right', width: 120, render: (fen: number) => <Yuan fen={fen} /> },
    { title: t('payments.col.tradedAt'), dataIndex: 'tradedAt', width: 170, render: (at: string | null) => <span style={{ whiteSpace: 'nowrap' }}>{at ?? t('common.none')}</span> },
  ];
}

function ListCard({ id, count, children }: { id: ListKey; count: number; children: ReactNode }): ReactNode {
  const { t } = useTranslation();
  const alarming = count > 0 && LIST_COLORS[id] === 'red';
  return (
    <Card
      size="small"
      data-testid={`recon-${id}`}
      data-count={count}
      title={
        <Flex gap={8} align="center" wrap>
          <span>{t(`payments.reconcile.lists.${id}`)}</span>
          <Tag color={count > 0 ? LIST_COLORS[id] : 'default'} data-testid={`recon-count-${id}`} style={{ marginInlineEnd: 0 }}>
            {count}
          </Tag>
        </Flex>
      }
      styles={alarming ? { header: { background: '#fff1f0' } } : undefined}
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: count > 0 ? 8 : 0 }}>
        {t(`payments.reconcile.hints.${id}`)}
      </Typography.Paragraph>
      {count > 0 ? children : null}
    </Card>
  );
}

function Result({ r }: { r: Reconciliation }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const lang = currentLanguage();
  const paymentColumns = usePaymentColumns({ recordedBy: false, status: false, department: false });
  const lineColumns = useLineColumns();
  const pairColumns: TableColumnsType<Pair> = [
    { title: t('payments.col.studentNo'), key: 'no', width: 120, render: (_, p) => p.payment?.studentNo ?? t('payments.reconcile.notRecordedStudent') },
    { title: t('payments.col.name'), key: 'name', width: 90, render: (_, p) => p.payment?.name ?? '' },
    { title: t('payments.col.transaction'), key: 'tx', render: (_, p) => <TxNumber value={p.line.transactionId} /> },
    { title: t('payments.col.amount'), key: 'recorded', align: 'right', width: 110, render: (_, p) => (p.payment ? <Yuan fen={p.payment.amountFen} /> : t('common.none')) },
    { title: t('payments.col.statementAmount'), key: 'line', align: 'right', width: 120, render: (_, p) => <Yuan fen={p.line.amountFen} /> },
    { title: t('payments.col.line'), key: 'lineNo', align: 'right', width: 70, render: (_, p) => p.line.line },
    { title: t('payments.col.tradedAt'), key: 'at', width: 170, render: (_, p) => <span style={{ whiteSpace: 'nowrap' }}>{p.line.tradedAt ?? t('common.none')}</span> },
  ];
  const exportXlsx = useMutation({ mutationFn: () => paymentsApi.exportReconciliation(r.statement.id), onError: (e) => void message.error(e.message) });
  const tot = r.totals;
  const summaryRows = [
    { key: 'fp', item: `${t('payments.reconcile.fileSummary')} · ${t('payments.reconcile.payments')}`, count: tot.file.payments, fen: tot.file.paymentFen },
    { key: 'lp', item: `${t('payments.reconcile.lineSums')} · ${t('payments.reconcile.payments')}`, count: tot.lines.payments, fen: tot.lines.paymentFen },
    { key: 'fr', item: `${t('payments.reconcile.fileSummary')} · ${t('payments.reconcile.refunds')}`, count: tot.file.refunds, fen: tot.file.refundFen },
    { key: 'lr', item: `${t('payments.reconcile.lineSums')} · ${t('payments.reconcile.refunds')}`, count: tot.lines.refunds, fen: tot.lines.refundFen },
    { key: 'rec', item: t('payments.reconcile.recordedDays', { method: t(`payments.methods.${r.statement.method}`) }), count: tot.recorded.count, fen: tot.recorded.amountFen },
    { key: 'mat', item: t('payments.reconcile.matchedTotal'), count: tot.matched.count, fen: tot.matched.amountFen },
  ];
  const period = r.statement.period;
  const table = <T extends object>(rows: T[], columns: TableColumnsType<T>, key: (x: T) => string) => (
    <Table<T> rowKey={key} size="small" columns={columns} dataSource={rows} scroll={{ x: 'max-content' }} pagination={rows.length > 20 ? { defaultPageSize: 20 } : false} />
  );
  return (
    <Flex vertical gap={16} data-testid="recon-result" data-statement={r.statement.id}>
      <Card size="small">
        <Flex justify="space-between" wrap gap={12} align="flex-start">
          <Descriptions
            size="small"
            column={{ xs: 1, md: 2 }}
            style={{ flex: '1 1 420px', minWidth: 0 }}
            items={[
              { key: 'm', label: t('payments.reconcile.detected'), children: <Tag color="blue" data-testid="recon-method">{t(`payments.methods.${r.statement.method}`)}</Tag> },
              { key: 'f', label: t('payments.reconcile.fileName'), children: <span style={{ wordBreak: 'break-all' }}>{r.statement.fileName}</span> },
              { key: 'p', label: t('payments.reconcile.period'), children: period ? (period.from === period.to ? formatDay(period.from, lang, true) : `${formatDay(period.from, lang, true)} – ${formatDay(period.to, lang, true)}`) : t('common.none') },
              { key: 'l', label: t('payments.reconcile.lines'), children: r.statement.lines },
              { key: 'i', label: t('payments.reconcile.importedAt'), children: formatInstant(r.statement.importedAt) },
            ]}
          />
          <Button icon={<DownloadOutlined />} loading={exportXlsx.isPending} onClick={() => exportXlsx.mutate()} data-testid="recon-download">
            {t('payments.reconcile.download')}
          </Button>
        </Flex>
      </Card>
      <Card size="small" title={t('payments.reconcile.totalsTitle')}>
        <Alert type={tot.agree ? 'success' : 'warning'} showIcon title={tot.agree ? t('payments.reconcile.agree') : t('payments.reconcile.differ')} style={{ marginBottom: 12 }} data-testid="recon-agree" />
        <Table
          rowKey="key"
          size="small"
          pagination={false}
          dataSource={summaryRows}
          scroll={{ x: 'max-content' }}
          columns={[
            { title: t('payments.col.item'), dataIndex: 'item' },
            { title: t('payments.col.count'), dataIndex: 'count', align: 'right', width: 90, render: (n: number) => <span style={NUMBER_STYLE}>{n}</span> },
            { title: t('payments.col.amount'), dataIndex: 'fen', align: 'right', width: 130, render: (fen: number) => <Yuan fen={fen} /> },
          ]}
        />
      </Card>
      <ListCard id="recordedNotInStatement" count={r.recordedNotInStatement.length}>
        {table(r.recordedNotInStatement, paymentColumns, (p) => p.id)}
      </ListCard>
      <ListCard id="inStatementNotRecorded" count={r.inStatementNotRecorded.length}>
        {table(r.inStatementNotRecorded, lineColumns, (l) => String(l.line))}
      </ListCard>
      <ListCard id="amountDiffers" count={r.amountDiffers.length}>
        {table<Pair>(r.amountDiffers, pairColumns, (p) => String(p.line.line))}
      </ListCard>
      <ListCard id="refunded" count={r.refunded.length}>
        {table<Pair>(r.refunded, pairColumns, (p) => String(p.line.line))}
      </ListCard>
      <ListCard id="matched" count={r.matched.length}>
        {table<Pair>(r.matched, pairColumns, (p) => String(p.line.line))}
      </ListCard>
    </Flex>
  );
}

export function ReconcilePanel({ statement, onStatement }: { statement: string | undefined; onStatement: (id: string) => void }): ReactNode {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<number | null>(null);
  const stored = useQuery({ queryKey: paymentKeys.reconciliation(statement ?? ''), queryFn: () => paymentsApi.reconciliation(statement!), enabled: !!statement });
  const upload = useMutation({
    mutationFn: (file: File) => paymentsApi.importStatement(file, setProgress),
    onSuccess: (r) => {
      queryClient.setQueryData(paymentKeys.reconciliation(r.statement.id), r);
      void queryClient.invalidateQueries({ queryKey: paymentKeys.all });
      onStatement(r.statement.id);
    },
    onSettled: () => setProgress(null),
  });
  const result = upload.isPending ? undefined : stored.data;
  return (
    <Flex vertical gap={16}>
      <Upload.Dragger
        accept=".csv,text/csv"
        multiple={false}
        showUploadList={false}
        disabled={upload.isPending}
        beforeUpload={(file) => {
          upload.mutate(file);
          return false;
        }}
        data-testid="recon-upload"
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{t('payments.reconcile.upload')}</p>
        <p className="ant-upload-hint" style={{ paddingInline: 12 }}>
          {t('payments.reconcile.uploadHint')}
        </p>
      </Upload.Dragger>
      {upload.isPending ? (
        <div>
          <Typography.Text>{t('payments.reconcile.uploading')}</Typography.Text>
          <Progress percent={Math.round((progress ?? 0) * 100)} status="active" />
        </div>
      ) : null}
      {upload.error ? <Alert type="error" showIcon title={t('payments.reconcile.failed')} description={<span data-testid="recon-error">{upload.error.message}</span>} /> : null}
      {stored.error && !upload.error ? <Alert type="error" showIcon title={stored.error.message} /> : null}
      {result ? <Result r={result} /> : !upload.isPending && !upload.error && !stored.isLoading ? <Typography.Text type="secondary">{t('payments.reconcile.empty')}</Typography.Text> : null}
    </Flex>
  );
}
