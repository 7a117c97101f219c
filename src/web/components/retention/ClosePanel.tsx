// Closing the campaign (issue 10 section 5): what keeps it open, what closing deletes, a typed confirmation (the
// campaign's id), forcing past open make-ups with a reason; afterwards the closing report.
import { LockOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Flex, Input, Skeleton, Table, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CloseBlocker, ClosingReport } from '../../../contracts/retention.js';
import { retentionApi, retentionKeys } from '../../api/retention.js';
import { formatInstant } from '../../format.js';
import { ErrorResult } from '../ErrorResult.js';
import { formatSize } from './format.js';

type Row = ClosingReport['departments'][number];
const COLUMNS = ['required', 'photographed', 'confirmed', 'exported', 'accepted', 'printed', 'handedOver'] as const;

export function ClosingReportView({ report }: { report: ClosingReport }): ReactNode {
  const { t } = useTranslation();
  const columns: TableColumnsType<Row> = [
    { title: t('retention.close.col.department'), dataIndex: 'department', fixed: 'left', width: 150 },
    ...COLUMNS.map((c) => ({ title: t(`retention.close.col.${c}`), dataIndex: c, align: 'right' as const, width: 90 })),
  ];
  const rows: Row[] = [...report.departments, { department: t('retention.close.total'), ...report.totals }];
  return (
    <Flex vertical gap={8} data-testid="closing-report">
      <Typography.Text strong>{t('retention.close.report')}</Typography.Text>
      <Table<Row> rowKey="department" size="small" columns={columns} dataSource={rows} pagination={false} scroll={{ x: 800, y: 360 }} rowClassName={(r) => (r.department === t('retention.close.total') ? 'ant-table-row-selected' : '')} />
      <Typography.Text>{t('retention.close.exports', { batches: report.exports.batches, photos: report.exports.photos })}</Typography.Text>
      <Typography.Text>{t('retention.close.payments', { count: report.payments.count, sum: (report.payments.sumFen / 100).toFixed(2) })}</Typography.Text>
      {report.closedAt ? <Typography.Text data-testid="closing-purged">{t('retention.close.purged', { identities: report.purged.identities, originals: report.purged.originals, standards: report.purged.standards })}</Typography.Text> : null}
      {report.forcedReason ? <Typography.Text type="warning">{t('retention.close.forcedReason', { reason: report.forcedReason })}</Typography.Text> : null}
    </Flex>
  );
}

function blockerText(b: CloseBlocker, t: (k: string, o?: Record<string, unknown>) => string): string {
  const base = t(`retention.close.${b.kind}`, { count: b.count });
  if (b.kind !== 'makeupsBeforeDeadline') return base;
  return base + (b.until ? t('retention.close.until', { date: b.until }) : t('retention.close.noDeadline'));
}

export function ClosePanel(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [typed, setTyped] = useState('');
  const [force, setForce] = useState(false);
  const [reason, setReason] = useState('');
  const preview = useQuery({ queryKey: retentionKeys.close, queryFn: retentionApi.closePreview });
  const close = useMutation({
    mutationFn: () => retentionApi.close({ confirm: typed, ...(force ? { force: true, reason } : {}) }),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: retentionKeys.all });
      void message.success(r.alreadyClosed ? t('retention.close.already') : t('retention.close.done'));
    },
  });
  if (preview.error) return <ErrorResult error={preview.error} onRetry={() => void preview.refetch()} />;
  const p = preview.data;
  if (!p) return <Skeleton active />;
  if (p.closed) {
    return (
      <Card size="small" title={t('retention.close.closedTitle')} data-testid="retention-close" data-closed="true">
        <Flex vertical gap={12}>
          <Alert type="success" showIcon title={t('retention.close.closedAt', { at: p.closedAt ? formatInstant(p.closedAt) : '—' })} />
          <ClosingReportView report={p.report} />
        </Flex>
      </Card>
    );
  }
  const hard = p.blockers.filter((b) => b.kind !== 'makeupsBeforeDeadline' && b.kind !== 'confirmedNotExported');
  const needsForce = p.blockers.length > 0;
  const ready = typed.trim() === p.campaignId && hard.length === 0 && (!needsForce || (force && reason.trim().length > 0));
  return (
    <Card size="small" title={t('retention.close.title')} data-testid="retention-close" data-closed="false">
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">{t('retention.close.hint')}</Typography.Text>
        {p.blockers.length > 0 ? (
          <Alert
            type={hard.length > 0 ? 'error' : 'warning'}
            showIcon
            title={t('retention.close.blockers')}
            description={
              <ul style={{ margin: 0, paddingInlineStart: 20 }} data-testid="retention-close-blockers">
                {p.blockers.map((b) => (
                  <li key={b.kind}>{blockerText(b, t)}</li>
                ))}
              </ul>
            }
          />
        ) : (
          <Alert type="info" showIcon title={t('retention.close.nothingOpen')} />
        )}
        <Typography.Text strong data-testid="retention-would-purge">
          {t('retention.close.wouldPurge', { identities: p.wouldPurge.identities, originals: p.wouldPurge.originals, standards: p.wouldPurge.standards, bytes: formatSize(p.wouldPurge.bytes) })}
        </Typography.Text>
        {p.forceable ? (
          <Flex vertical gap={8}>
            <Checkbox checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="retention-close-force">
              {t('retention.close.force')}
            </Checkbox>
            {force ? <Input.TextArea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} autoSize={{ minRows: 2 }} placeholder={t('retention.close.reason')} aria-label={t('retention.close.reason')} data-testid="retention-close-reason" /> : null}
          </Flex>
        ) : null}
        <label>
          <Typography.Text>{t('retention.close.confirmLabel', { id: p.campaignId })}</Typography.Text>
          <Input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} style={{ marginTop: 4 }} data-testid="retention-close-confirm" />
        </label>
        {close.error ? <Alert type="error" showIcon title={close.error.message} data-testid="retention-close-error" /> : null}
        <Flex justify="flex-end">
          <Button type="primary" danger icon={<LockOutlined />} disabled={!ready} loading={close.isPending} onClick={() => close.mutate()} data-testid="retention-close-button">
            {t('retention.close.button')}
          </Button>
        </Flex>
        <ClosingReportView report={p.report} />
      </Flex>
    </Card>
  );
}
