// The dry-run preview of a purge, "run now" with a confirmation, and the last runs with their counts.
import { DeleteOutlined, ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Flex, Statistic, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { RetentionRun } from '../../../contracts/retention.js';
import { retentionApi, retentionKeys } from '../../api/retention.js';
import { formatInstant } from '../../format.js';
import { ErrorResult } from '../ErrorResult.js';
import { formatSize } from './format.js';

const STATUS_COLORS: Record<RetentionRun['status'], string> = { running: 'processing', done: 'success', failed: 'error', abandoned: 'warning' };

export function PurgeCard(): ReactNode {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const preview = useQuery({ queryKey: retentionKeys.preview, queryFn: retentionApi.preview });
  const runs = useQuery({ queryKey: retentionKeys.runs, queryFn: retentionApi.runs });
  const run = useMutation({
    mutationFn: retentionApi.run,
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: retentionKeys.all });
      void message.success(t('retention.preview.ran', { originals: r.run.counts.originals, standards: r.run.counts.standards, bytes: formatSize(r.run.counts.bytes) }));
    },
  });
  if (preview.error) return <ErrorResult error={preview.error} onRetry={() => void preview.refetch()} />;
  const p = preview.data;
  const askRun = () => {
    if (!p) return;
    modal.confirm({
      title: t('retention.preview.runConfirmTitle'),
      content: t('retention.preview.runConfirm', { originals: p.counts.originals, standards: p.counts.standards, bytes: formatSize(p.counts.bytes) }),
      okText: t('retention.preview.runOk'),
      okButtonProps: { danger: true, 'data-testid': 'retention-run-ok' } as never,
      onOk: () => run.mutateAsync().then(() => undefined),
    });
  };
  const columns: TableColumnsType<RetentionRun> = [
    { title: t('retention.runs.startedAt'), dataIndex: 'startedAt', width: 170, render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(at)}</span> },
    // how it ran, and who ran it under it: the table fits its half-width card at 1366 px in both languages
    {
      title: `${t('retention.runs.trigger')} · ${t('retention.runs.by')}`,
      dataIndex: 'trigger',
      width: 130,
      render: (tr: RetentionRun['trigger'], r) => (
        <span>
          {t(`retention.runs.triggers.${tr}`)}
          <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }} data-testid="run-by">
            {r.startedBy ?? '—'}
          </Typography.Text>
        </span>
      ),
    },
    { title: t('retention.runs.status'), dataIndex: 'status', width: 90, render: (s: RetentionRun['status'], r) => <Tag color={STATUS_COLORS[s]} title={r.errorCode ?? undefined}>{t(`retention.runs.statuses.${s}`)}</Tag> },
    // the counts in one column of two short lines: the table fits its half-width card at 1366 px in both languages
    {
      title: `${t('retention.runs.originals')} · ${t('retention.runs.standards')}`,
      key: 'counts',
      render: (_, r) => (
        <span data-testid="run-counts">
          {t('retention.runs.originals')} {r.counts.originals} · {t('retention.runs.standards')} {r.counts.standards}
          <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
            {t('retention.runs.bytes')} {formatSize(r.counts.bytes)} · {t('retention.runs.files')} {r.filesRemoved}
          </Typography.Text>
        </span>
      ),
    },
  ];
  return (
    <Flex vertical gap={16}>
      <Card
        size="small"
        title={t('retention.preview.title')}
        extra={
          <Button size="small" icon={<ReloadOutlined />} onClick={() => void preview.refetch()} loading={preview.isFetching} data-testid="retention-preview-refresh">
            {t('retention.preview.refresh')}
          </Button>
        }
        data-testid="retention-preview"
      >
        <Flex vertical gap={12}>
          <Flex gap={32} wrap>
            <Statistic title={t('retention.preview.originals')} value={p?.counts.originals ?? '—'} data-testid="retention-preview-originals" />
            <Statistic title={t('retention.preview.standards')} value={p?.counts.standards ?? '—'} data-testid="retention-preview-standards" />
            <Statistic title={t('retention.preview.photos')} value={p?.counts.photos ?? '—'} />
            <Statistic title={t('retention.preview.bytes')} value={p ? formatSize(p.counts.bytes) : '—'} />
          </Flex>
          <Typography.Text type="secondary">{t('retention.preview.hint')}</Typography.Text>
          {p ? <Typography.Text type="secondary">{t('retention.preview.cutoffs', { originals: formatInstant(p.originalsConfirmedBefore), standards: formatInstant(p.standardsServedBefore) })}</Typography.Text> : null}
          {p && p.filesPending > 0 ? <Alert type="warning" showIcon title={t('retention.preview.pending', { count: p.filesPending })} /> : null}
          {run.error ? <Alert type="error" showIcon title={run.error.message} /> : null}
          <Flex justify="flex-end">
            <Button danger icon={<DeleteOutlined />} disabled={!p} loading={run.isPending} onClick={askRun} data-testid="retention-run">
              {t('retention.preview.run')}
            </Button>
          </Flex>
        </Flex>
      </Card>
      <Card size="small" title={t('retention.runs.title')} data-testid="retention-runs">
        {runs.error ? (
          <ErrorResult error={runs.error} onRetry={() => void runs.refetch()} />
        ) : (
          <Table<RetentionRun> rowKey="id" size="small" columns={columns} dataSource={runs.data?.items ?? []} loading={runs.isLoading} pagination={false} scroll={{ x: 'max-content' }} locale={{ emptyText: t('retention.runs.empty') }} />
        )}
      </Card>
    </Flex>
  );
}
