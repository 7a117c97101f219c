// The agency's print batches (and the graduate school's receipt): what is waiting to be printed per department, a
// new batch (one department or all, copies per set), the batches with their sheets per department, "送交研究生院"
// with the agency's count and "清点签收" with the graduate school's.
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Flex, Form, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PrintBatch } from '../../../contracts/print.js';
import { printKeys, printsApi } from '../../api/prints.js';
import { formatInstant } from '../../format.js';
import { can, useUser } from '../../session.js';
import { ErrorResult } from '../ErrorResult.js';
import { CountModal } from './CountModal.js';

const STATUS_COLORS: Record<PrintBatch['status'], string> = { open: 'processing', sent: 'warning', received: 'success' };

export function BatchesCard(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const me = useUser();
  const qc = useQueryClient();
  const produce = can(me, 'print.produce');
  const school = can(me, 'handover.school');
  const [department, setDepartment] = useState<string>('');
  const [copies, setCopies] = useState<number>(4);
  const [step, setStep] = useState<{ kind: 'send' | 'receive'; batch: PrintBatch } | null>(null);
  const list = useQuery({ queryKey: printKeys.batches, queryFn: printsApi.batches });
  const refresh = () => void qc.invalidateQueries({ queryKey: printKeys.all });
  const create = useMutation({
    mutationFn: () => printsApi.createBatch({ department: department || null, copies }),
    onSuccess: (b) => {
      refresh();
      void message.success(t('printsHandover.createdBatch', { number: b.number, sets: b.sets }));
    },
  });
  const sheet = useMutation({ mutationFn: ({ b, d }: { b: PrintBatch; d: string }) => printsApi.downloadSheet(b.id, b.number, d) });
  const stepMutation = useMutation({
    mutationFn: ({ kind, batch, count, note }: { kind: 'send' | 'receive'; batch: PrintBatch; count: number; note?: string }) =>
      kind === 'send' ? printsApi.sendBatch(batch.id, count) : printsApi.receiveBatch(batch.id, { count, ...(note ? { note } : {}) }),
    onSuccess: () => {
      setStep(null);
      refresh();
    },
  });

  if (list.error) return <ErrorResult error={list.error} onRetry={() => void list.refetch()} />;
  const data = list.data;
  const unprinted = data?.unprinted ?? [];
  const totalUnprinted = unprinted.reduce((n, u) => n + u.count, 0);

  const columns: TableColumnsType<PrintBatch> = [
    { title: t('printsHandover.batchNo'), dataIndex: 'number', width: 64, render: (n: number) => <strong>#{n}</strong> },
    { title: t('printsHandover.department'), dataIndex: 'department', width: 120, render: (d: string | null) => d ?? t('printsHandover.allDepartments') },
    { title: t('printsHandover.copies'), dataIndex: 'copies', align: 'right', width: 64 },
    { title: t('printsHandover.sets'), dataIndex: 'sets', align: 'right', width: 56, render: (n: number, b) => <span data-testid="batch-sets">{n}{b.voided ? <Typography.Text type="danger"> (-{b.voided})</Typography.Text> : null}</span> },
    {
      title: t('printsHandover.state'),
      dataIndex: 'status',
      width: 130,
      render: (s: PrintBatch['status']) => (
        <Tag color={STATUS_COLORS[s]} style={{ whiteSpace: 'normal' }} data-testid="batch-status">
          {t(`printsHandover.status.${s}`)}
        </Tag>
      ),
    },
    {
      title: t('printsHandover.sent'),
      key: 'sent',
      width: 170,
      // two short lines (count · who, then when): the table fits 1366 px without hiding the actions
      render: (_, b) =>
        b.sentAt ? (
          <span>
            {b.sentCount} · {b.sentBy}
            <Typography.Text type="secondary" style={{ display: 'block', whiteSpace: 'nowrap', fontSize: 12 }}>{formatInstant(b.sentAt)}</Typography.Text>
          </span>
        ) : (
          '—'
        ),
    },
    {
      title: t('printsHandover.received'),
      key: 'received',
      width: 190,
      render: (_, b) =>
        b.receivedAt ? (
          <span>
            {b.receivedCount} · {b.receivedBy}
            <Typography.Text type="secondary" style={{ display: 'block', whiteSpace: 'nowrap', fontSize: 12 }}>{formatInstant(b.receivedAt)}</Typography.Text>
            {b.discrepancyNote ? <Typography.Text type="warning" style={{ display: 'block' }}>{t('printsHandover.discrepancy')}: {b.discrepancyNote}</Typography.Text> : null}
          </span>
        ) : (
          '—'
        ),
    },
    {
      title: t('printsHandover.actions'),
      key: 'actions',
      width: 220,
      // kept in view at the right edge when the table is wider than its card
      fixed: 'right',
      render: (_, b) => (
        <Space wrap size={[6, 6]}>
          {produce
            ? b.departments
                .filter((d) => d.sets > 0)
                .map((d) => (
                  <Button key={d.department} size="small" icon={<DownloadOutlined />} loading={sheet.isPending && sheet.variables?.b.id === b.id && sheet.variables.d === d.department} onClick={() => sheet.mutate({ b, d: d.department })} data-testid="batch-sheet">
                    {d.department} ({d.sets})
                  </Button>
                ))
            : null}
          {produce && b.status === 'open' ? (
            <Button size="small" type="primary" onClick={() => setStep({ kind: 'send', batch: b })} data-testid="batch-send">
              {t('printsHandover.send')}
            </Button>
          ) : null}
          {school && b.status === 'sent' ? (
            <Button size="small" type="primary" onClick={() => setStep({ kind: 'receive', batch: b })} data-testid="batch-receive">
              {t('printsHandover.receive')}
            </Button>
          ) : null}
        </Space>
      ),
    },
  ];

  return (
    <Flex vertical gap={16}>
      {produce ? (
        <Card size="small" title={t('printsHandover.newBatch')} data-testid="prints-new">
          <Flex vertical gap={8}>
            <Typography.Text type="secondary">
              {t('printsHandover.unprinted')}: <strong data-testid="prints-unprinted">{totalUnprinted}</strong> · {unprinted.map((u) => `${u.department} ${u.count}`).join('、') || t('printsHandover.nothingUnprinted')}
            </Typography.Text>
            <Form layout="inline" style={{ rowGap: 8 }}>
              <Form.Item label={t('printsHandover.department')}>
                <Select
                  value={department}
                  onChange={setDepartment}
                  style={{ width: 220 }}
                  options={[{ value: '', label: t('printsHandover.allDepartments') }, ...unprinted.map((u) => ({ value: u.department, label: `${u.department} (${u.count})` }))]}
                  data-testid="prints-department"
                />
              </Form.Item>
              <Form.Item label={t('printsHandover.copies')}>
                <InputNumber min={1} max={8} value={copies} onChange={(v) => setCopies(typeof v === 'number' ? v : 4)} style={{ width: 80 }} data-testid="prints-copies" />
              </Form.Item>
              <Form.Item>
                <Button type="primary" icon={<PlusOutlined />} disabled={totalUnprinted === 0} loading={create.isPending} onClick={() => create.mutate()} data-testid="prints-create">
                  {t('printsHandover.create')}
                </Button>
              </Form.Item>
            </Form>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('printsHandover.unprintedHint')}
            </Typography.Text>
            {create.error ? <Alert type="error" showIcon title={create.error.message} /> : null}
          </Flex>
        </Card>
      ) : null}
      {sheet.error ? <Alert type="error" showIcon closable title={sheet.error.message} /> : null}
      {sheet.data && sheet.data.skipped > 0 && sheet.variables ? (
        <Alert type="warning" showIcon closable title={t('printsHandover.sheetSkipped', { number: sheet.variables.b.number, department: sheet.variables.d, count: sheet.data.skipped })} data-testid="sheet-skipped" />
      ) : null}
      <Card size="small" title={t('printsHandover.batches')}>
        <Table<PrintBatch> rowKey="id" size="small" columns={columns} dataSource={data?.items ?? []} loading={list.isLoading} pagination={false} scroll={{ x: 'max-content' }} data-testid="prints-batches" />
      </Card>
      {step ? (
        <CountModal
          open
          title={t(step.kind === 'send' ? 'printsHandover.sendTitle' : 'printsHandover.receiveTitle', { number: step.batch.number })}
          hint={step.kind === 'send' ? t('printsHandover.sendHint', { sets: step.batch.sets }) : t('printsHandover.receiveHint', { count: step.batch.sentCount ?? 0 })}
          expected={step.kind === 'send' ? step.batch.sets : (step.batch.sentCount ?? 0)}
          allowNote={step.kind === 'receive'}
          pending={stepMutation.isPending}
          error={stepMutation.error}
          onCancel={() => {
            setStep(null);
            stepMutation.reset();
          }}
          onSubmit={(v) => stepMutation.mutate({ kind: step.kind, batch: step.batch, ...v })}
        />
      ) : null}
    </Flex>
  );
}
