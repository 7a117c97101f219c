// The registry package's batches (issue 10 section 1, A1; decision 0023): what a batch started now would hold,
// "新建导出包", the progress bar of the batch being built (getExport polled), and the batches with their
// counts, size, SHA-256 and a download link once delivered.
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Flex, Progress, Statistic, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreateExportRequest, RegistryExport } from '../../../contracts/registry-export.js';
import { exportKeys, exportsApi } from '../../api/exports.js';
import { formatInstant } from '../../format.js';
import { ErrorResult } from '../ErrorResult.js';
import { NewExportModal } from './NewExportModal.js';

const STATUS_COLORS: Record<RegistryExport['status'], string> = { building: 'processing', delivered: 'success', failed: 'error', abandoned: 'default' };

export function formatBytes(n: number | null): string {
  if (n === null) return '—';
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(n / 1024))} KB`;
}

function BuildingCard({ id }: { id: string }): ReactNode {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const batch = useQuery({
    queryKey: exportKeys.one(id),
    queryFn: () => exportsApi.get(id),
    refetchInterval: (q) => (q.state.data && q.state.data.status !== 'building' ? false : 1000),
  });
  const b = batch.data;
  const finished = b !== undefined && b.status !== 'building';
  // once built (or failed), the list and the counts of photos ready change
  useEffect(() => {
    if (!finished) return;
    void qc.invalidateQueries({ queryKey: exportKeys.list });
    void qc.invalidateQueries({ queryKey: exportKeys.settings });
  }, [finished, qc]);
  if (!b) return null;
  const total = Math.max(b.progress.total, 1);
  const percent = b.status === 'delivered' ? 100 : Math.min(99, Math.floor((b.progress.done / total) * 100));
  return (
    <Card size="small" data-testid="export-progress" data-status={b.status}>
      <Flex vertical gap={4}>
        <Typography.Text strong>{b.status === 'building' ? t('exports.building', { id: b.id.slice(0, 8) }) : null}</Typography.Text>
        {b.status === 'building' || b.status === 'delivered' ? (
          <>
            <Progress percent={percent} status={b.status === 'building' ? 'active' : 'success'} />
            <Typography.Text type="secondary" data-testid="export-progress-text">
              {b.status === 'delivered' ? t('exports.delivered', { photos: b.photoCount, size: formatBytes(b.bytes) }) : t('exports.progress', { done: b.progress.done, total: b.progress.total })}
            </Typography.Text>
          </>
        ) : (
          <Alert type="error" showIcon title={t('exports.failed', { code: b.errorCode ?? '' })} />
        )}
      </Flex>
    </Card>
  );
}

export function BatchesPanel(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [current, setCurrent] = useState<string | null>(null);
  const [nothing, setNothing] = useState(false);
  const settings = useQuery({ queryKey: exportKeys.settings, queryFn: exportsApi.settings });
  const list = useQuery({ queryKey: exportKeys.list, queryFn: exportsApi.list, refetchInterval: (q) => (q.state.data?.items.some((b) => b.status === 'building') ? 2000 : false) });
  const create = useMutation({
    mutationFn: (body: CreateExportRequest) => exportsApi.create(body),
    onSuccess: (r) => {
      setOpen(false);
      void qc.invalidateQueries({ queryKey: exportKeys.all });
      if (r.nothingToExport || !r.export) {
        setNothing(true);
        void message.info(t('exports.nothingToExport'));
        return;
      }
      setNothing(false);
      setCurrent(r.export.id);
    },
  });

  if (settings.error) return <ErrorResult error={settings.error} onRetry={() => void settings.refetch()} />;
  if (list.error) return <ErrorResult error={list.error} onRetry={() => void list.refetch()} />;
  const items = list.data?.items ?? [];
  const building = current ?? items.find((b) => b.status === 'building')?.id ?? null;
  const s = settings.data;

  const columns: TableColumnsType<RegistryExport> = [
    { title: t('exports.col.createdAt'), dataIndex: 'createdAt', width: 170, render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(at)}</span> },
    {
      title: t('exports.col.status'),
      dataIndex: 'status',
      width: 100,
      render: (st: RegistryExport['status'], b) => (
        <Tag color={STATUS_COLORS[st]} data-testid="export-status" title={b.errorCode ?? undefined}>
          {t(`exports.status.${st}`)}
        </Tag>
      ),
    },
    { title: t('exports.col.photos'), dataIndex: 'photoCount', align: 'right', width: 80 },
    { title: t('exports.col.withdrawn'), dataIndex: 'withdrawnCount', align: 'right', width: 80 },
    { title: t('exports.col.size'), dataIndex: 'bytes', align: 'right', width: 90, render: (n: number | null) => <span style={{ whiteSpace: 'nowrap' }}>{formatBytes(n)}</span> },
    {
      title: t('exports.col.sha256'),
      dataIndex: 'sha256',
      width: 170,
      render: (h: string | null) => (h ? <Typography.Text code copyable={{ text: h }} style={{ fontSize: 12 }} title={h}>{`${h.slice(0, 12)}…`}</Typography.Text> : '—'),
    },
    { title: t('exports.col.createdBy'), dataIndex: 'createdBy', width: 110, render: (by: string | null) => by ?? '—' },
    { title: t('exports.col.finishedAt'), dataIndex: 'finishedAt', width: 170, render: (at: string | null) => <span style={{ whiteSpace: 'nowrap' }}>{at ? formatInstant(at) : '—'}</span> },
    {
      title: t('exports.col.actions'),
      key: 'actions',
      width: 110,
      fixed: 'right',
      render: (_, b) =>
        b.status === 'delivered' ? (
          <Button size="small" icon={<DownloadOutlined />} href={exportsApi.downloadUrl(b.id)} download={b.fileName} data-testid="export-download">
            {t('exports.download')}
          </Button>
        ) : null,
    },
  ];

  return (
    <Flex vertical gap={16}>
      <Card size="small">
        <Flex justify="space-between" align="center" wrap gap={16}>
          <Flex gap={32} wrap>
            <Statistic title={t('exports.ready')} value={s?.candidates ?? '—'} data-testid="export-candidates" />
            <Statistic title={t('exports.withdrawals')} value={s?.withdrawals ?? '—'} />
          </Flex>
          <Button type="primary" icon={<PlusOutlined />} disabled={!s} onClick={() => setOpen(true)} data-testid="export-new">
            {t('exports.newBatch')}
          </Button>
        </Flex>
        <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>
          {t('exports.readyHint')}
        </Typography.Paragraph>
      </Card>
      {nothing || (s && s.candidates === 0 && s.withdrawals === 0 && !items.some((b) => b.status === 'building')) ? <Alert type="info" showIcon title={nothing ? t('exports.nothingToExport') : t('exports.nothingReady')} data-testid="export-nothing" /> : null}
      {building ? <BuildingCard id={building} /> : null}
      <Table<RegistryExport>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={items}
        loading={list.isLoading}
        scroll={{ x: 'max-content' }}
        pagination={items.length > 20 ? { defaultPageSize: 20 } : false}
        locale={{ emptyText: t('exports.noBatches') }}
        data-testid="export-list"
      />
      {s ? (
        <NewExportModal
          open={open}
          settings={s}
          submitting={create.isPending}
          error={create.error ? create.error.message : null}
          onSubmit={(body) => create.mutate(body)}
          onCancel={() => {
            setOpen(false);
            create.reset();
          }}
        />
      ) : null}
    </Flex>
  );
}
