// The department's side of the hand-over (A2): prints to receive (with the count checked), marking students as
// having collected theirs (pasted numbers or one row at a time), the list with "只看未领取", and the two files.
import { CheckOutlined, DownloadOutlined, FilePdfOutlined, InboxOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Flex, Input, Switch, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { HandOverResponse, HandoverRow, PrintDelivery } from '../../../contracts/print.js';
import { printKeys, printsApi } from '../../api/prints.js';
import { formatInstant } from '../../format.js';
import { ErrorResult } from '../ErrorResult.js';
import { CountModal } from './CountModal.js';

const STATE_COLORS: Record<HandoverRow['state'], string> = {
  none: 'default',
  printing: 'default',
  at_school: 'default',
  sent_to_department: 'processing',
  at_department: 'warning',
  handed: 'success',
  voided: 'error',
};

/** The numbers pasted: one per line, or separated by spaces, commas, 、 or semicolons (as the server reads them). */
function parseNos(text: string): string[] {
  return [...new Set(text.split(/[\s,，、;；]+/u).map((s) => s.trim()).filter(Boolean))];
}

function Incoming({ department, deliveries }: { department: string; deliveries: PrintDelivery[] }): ReactNode {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [receiving, setReceiving] = useState<PrintDelivery | null>(null);
  const receive = useMutation({
    mutationFn: ({ id, count, note }: { id: string; count: number; note?: string }) => printsApi.receiveDelivery(id, { count, ...(note ? { note } : {}) }),
    onSuccess: () => {
      setReceiving(null);
      void qc.invalidateQueries({ queryKey: printKeys.all });
    },
  });
  const open = deliveries.filter((d) => d.department === department && !d.receivedAt);
  return (
    <Card size="small" title={<span><InboxOutlined /> {t('printsHandover.incoming')}</span>} data-testid="handover-incoming">
      {open.length === 0 ? <Typography.Text type="secondary">{t('printsHandover.noIncoming')}</Typography.Text> : null}
      <Flex vertical gap={8}>
        {open.map((d) => (
          <Flex key={d.id} gap={12} align="center" wrap>
            <Typography.Text>
              {formatInstant(d.sentAt)} · {d.sentBy} · <strong>{d.sentCount}</strong> {t('printsHandover.sets')}
            </Typography.Text>
            <Button type="primary" size="small" icon={<CheckOutlined />} onClick={() => setReceiving(d)} data-testid="delivery-receive">
              {t('printsHandover.receiveDelivery')}
            </Button>
          </Flex>
        ))}
      </Flex>
      {receiving ? (
        <CountModal
          open
          title={t('printsHandover.receiveDeliveryTitle', { department: receiving.department })}
          hint={t('printsHandover.receiveHint', { count: receiving.sentCount })}
          expected={receiving.sentCount}
          allowNote
          pending={receive.isPending}
          error={receive.error}
          onCancel={() => {
            setReceiving(null);
            receive.reset();
          }}
          onSubmit={(v) => receive.mutate({ id: receiving.id, ...v })}
        />
      ) : null}
    </Card>
  );
}

export function HandoverPanel({ department }: { department: string }): ReactNode {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [notReceived, setNotReceived] = useState(true);
  const [q, setQ] = useState('');
  const [result, setResult] = useState<HandOverResponse | null>(null);
  const deliveries = useQuery({ queryKey: printKeys.deliveries, queryFn: printsApi.deliveries });
  const list = useQuery({ queryKey: printKeys.handover(department, notReceived, q), queryFn: () => printsApi.handover(department, notReceived, q) });
  const handOver = useMutation({
    mutationFn: (studentNos: string[]) => printsApi.handOver({ department, studentNos }),
    onSuccess: (r) => {
      setResult(r);
      setText('');
      void qc.invalidateQueries({ queryKey: printKeys.all });
    },
  });
  const files = useMutation({ mutationFn: (kind: 'xlsx' | 'pdf') => (kind === 'xlsx' ? printsApi.exportNotReceived(department) : printsApi.handoverListPdf(department)) });

  if (list.error && !list.data) return <ErrorResult error={list.error} onRetry={() => void list.refetch()} />;
  const c = list.data?.counts;
  const columns: TableColumnsType<HandoverRow> = [
    { title: t('printsHandover.studentNo'), dataIndex: 'studentNo', width: 120 },
    { title: t('printsHandover.name'), dataIndex: 'name', width: 100 },
    {
      title: t('printsHandover.state'),
      dataIndex: 'state',
      width: 150,
      render: (s: HandoverRow['state'], r) => (
        <span>
          <Tag color={STATE_COLORS[s]} data-testid="handover-state">
            {t(`printsHandover.states.${s}`)}
          </Tag>
          {r.handedAt ? (
            <Typography.Text type="secondary" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
              {formatInstant(r.handedAt)} · {r.handedMethod ? t(`printsHandover.method.${r.handedMethod}`) : ''}
            </Typography.Text>
          ) : null}
        </span>
      ),
    },
    {
      title: t('printsHandover.actions'),
      key: 'a',
      width: 90,
      render: (_, r) =>
        r.state === 'at_department' ? (
          <Button size="small" loading={handOver.isPending && handOver.variables?.[0] === r.studentNo} onClick={() => handOver.mutate([r.studentNo])} data-testid="handover-one">
            {t('printsHandover.markOne')}
          </Button>
        ) : null,
    },
  ];
  const nos = parseNos(text);
  return (
    <Flex vertical gap={16}>
      <Incoming department={department} deliveries={deliveries.data?.items ?? []} />
      <Card size="small" title={t('printsHandover.handOverTitle')}>
        <Flex vertical gap={8}>
          <Input.TextArea rows={3} value={text} onChange={(e) => setText(e.target.value)} placeholder={t('printsHandover.handOverHint')} data-testid="handover-input" />
          <Flex gap={8} align="center" wrap>
            <Button type="primary" icon={<CheckOutlined />} disabled={nos.length === 0} loading={handOver.isPending} onClick={() => handOver.mutate(nos)} data-testid="handover-submit">
              {t('printsHandover.handOverButton')}
              {nos.length > 1 ? ` (${nos.length})` : ''}
            </Button>
          </Flex>
          {handOver.error ? <Alert type="error" showIcon title={handOver.error.message} data-testid="handover-error" /> : null}
          {result && !handOver.error ? (
            <Alert
              type="success"
              showIcon
              data-testid="handover-result"
              title={[t('printsHandover.handedResult', { count: result.handed.length }), result.alreadyHanded.length ? t('printsHandover.alreadyHanded', { count: result.alreadyHanded.length }) : ''].filter(Boolean).join('；')}
            />
          ) : null}
        </Flex>
      </Card>
      <Card size="small" title={t('printsHandover.list')}>
        <Flex vertical gap={8}>
          <Flex gap={8} wrap>
            <Button size="small" icon={<DownloadOutlined />} loading={files.isPending && files.variables === 'xlsx'} onClick={() => files.mutate('xlsx')} data-testid="handover-xlsx">
              {t('printsHandover.exportNotReceived')}
            </Button>
            <Button size="small" icon={<FilePdfOutlined />} loading={files.isPending && files.variables === 'pdf'} onClick={() => files.mutate('pdf')} data-testid="handover-pdf">
              {t('printsHandover.handoverPdf')}
            </Button>
          </Flex>
          {files.error ? <Alert type="error" showIcon title={files.error.message} /> : null}
          <Flex gap={16} align="center" wrap>
            <Input.Search allowClear placeholder={t('printsHandover.search')} style={{ width: 260, maxWidth: '100%' }} onSearch={(v) => setQ(v.trim())} data-testid="handover-search" />
            <Flex gap={6} align="center">
              <Switch checked={notReceived} onChange={setNotReceived} data-testid="handover-only-not-received" />
              <span>{t('printsHandover.onlyNotReceived')}</span>
            </Flex>
          </Flex>
          {c ? (
            <Typography.Text type="secondary" data-testid="handover-counts">
              {t('printsHandover.counts', { total: c.total, handed: c.handed, atDepartment: c.atDepartment, notYet: c.notYetAtDepartment, voided: c.voided })}
            </Typography.Text>
          ) : null}
          <Table<HandoverRow> rowKey="studentNo" size="small" columns={columns} dataSource={list.data?.items ?? []} loading={list.isLoading} pagination={{ pageSize: 50, hideOnSinglePage: true }} scroll={{ x: 'max-content' }} data-testid="handover-list" />
        </Flex>
      </Card>
    </Flex>
  );
}
