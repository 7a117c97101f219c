// The registry's answer (issue 10 section 1, A1; decision 0024): upload the file, read the summary (accepted,
// 有误, already known, confirmations voided) or, when refused, every bad row; the imports so far.
import { InboxOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Card, Flex, Progress, Statistic, Table, Typography, Upload } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { RegistryAnswerImport, RegistryAnswerRowError } from '../../../contracts/registry-answer.js';
import { ApiError } from '../../api/client.js';
import { exportKeys, exportsApi } from '../../api/exports.js';
import { formatInstant } from '../../format.js';
import { ErrorResult } from '../ErrorResult.js';

function Summary({ r }: { r: RegistryAnswerImport }): ReactNode {
  const { t } = useTranslation();
  return (
    <Card size="small" title={t('exports.answer.done', { file: r.fileName })} data-testid="answer-summary">
      <Flex gap={32} wrap>
        <Statistic title={t('exports.answer.rows')} value={r.rows} />
        <Statistic title={t('exports.answer.accepted')} value={r.accepted} valueStyle={{ color: '#389e0d' }} data-testid="answer-accepted" />
        <Statistic title={t('exports.answer.rejected')} value={r.rejected} valueStyle={{ color: r.rejected > 0 ? '#cf1322' : undefined }} data-testid="answer-rejected" />
        <Statistic title={t('exports.answer.alreadyKnown')} value={r.alreadyKnown} data-testid="answer-known" />
        <Statistic title={t('exports.answer.voided')} value={r.voided} data-testid="answer-voided" />
      </Flex>
    </Card>
  );
}

export function AnswerPanel(): ReactNode {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [progress, setProgress] = useState<number | null>(null);
  const imports = useQuery({ queryKey: exportKeys.answers, queryFn: exportsApi.answers });
  const upload = useMutation({
    mutationFn: (file: File) => exportsApi.importAnswer(file, setProgress),
    onSettled: () => setProgress(null),
    onSuccess: () => void qc.invalidateQueries({ queryKey: exportKeys.all }),
  });
  const error = upload.error;
  const badRows: RegistryAnswerRowError[] =
    error instanceof ApiError && error.code === 'REGISTRY_ANSWER_INVALID' ? ((error.details as { errors?: RegistryAnswerRowError[] } | undefined)?.errors ?? []) : [];

  const badColumns: TableColumnsType<RegistryAnswerRowError> = [
    { title: t('exports.answer.col.row'), dataIndex: 'row', width: 60, align: 'right' },
    { title: t('exports.answer.col.studentNo'), dataIndex: 'studentNo', width: 120 },
    { title: t('exports.answer.col.value'), dataIndex: 'value', width: 90 },
    { title: t('exports.answer.col.message'), dataIndex: 'message' },
  ];
  const historyColumns: TableColumnsType<RegistryAnswerImport> = [
    { title: t('exports.answer.colAt'), dataIndex: 'createdAt', width: 170, render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(at)}</span> },
    { title: t('exports.answer.colFile'), dataIndex: 'fileName', render: (f: string) => <span style={{ wordBreak: 'break-all' }}>{f}</span> },
    { title: t('exports.answer.accepted'), dataIndex: 'accepted', align: 'right', width: 80 },
    { title: t('exports.answer.rejected'), dataIndex: 'rejected', align: 'right', width: 90 },
    { title: t('exports.answer.alreadyKnown'), dataIndex: 'alreadyKnown', align: 'right', width: 100 },
    { title: t('exports.answer.colBy'), dataIndex: 'createdBy', width: 110, render: (by: string | null) => by ?? '—' },
  ];

  return (
    <Flex vertical gap={16}>
      <Card size="small" title={t('exports.answer.title')}>
        <Typography.Paragraph type="secondary">{t('exports.answer.hint')}</Typography.Paragraph>
        <div data-testid="answer-upload">
          <Upload.Dragger
            accept=".csv,.xlsx,.txt"
            multiple={false}
            showUploadList={false}
            disabled={upload.isPending}
            beforeUpload={(file) => {
              upload.mutate(file);
              return false;
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">{upload.isPending ? t('exports.answer.importing') : t('exports.answer.drop')}</p>
          </Upload.Dragger>
        </div>
        {progress !== null && progress < 1 ? <Progress percent={Math.round(progress * 100)} size="small" /> : null}
      </Card>
      {upload.data && !error ? <Summary r={upload.data} /> : null}
      {error ? (
        <Flex vertical gap={8} data-testid="answer-refused">
          <Alert type="error" showIcon title={t('exports.answer.refused')} description={error.message} />
          {badRows.length > 0 ? (
            <Table<RegistryAnswerRowError>
              rowKey={(r) => `${r.row}-${r.problem}`}
              size="small"
              columns={badColumns}
              dataSource={badRows}
              title={() => t('exports.answer.badRows')}
              scroll={{ x: 'max-content' }}
              pagination={badRows.length > 20 ? { defaultPageSize: 20 } : false}
              data-testid="answer-bad-rows"
            />
          ) : null}
        </Flex>
      ) : null}
      {imports.error ? (
        <ErrorResult error={imports.error} onRetry={() => void imports.refetch()} />
      ) : (
        <Table<RegistryAnswerImport>
          rowKey="id"
          size="small"
          columns={historyColumns}
          dataSource={imports.data?.items ?? []}
          loading={imports.isLoading}
          title={() => t('exports.answer.history')}
          scroll={{ x: 'max-content' }}
          pagination={false}
          locale={{ emptyText: t('exports.answer.noHistory') }}
        />
      )}
    </Flex>
  );
}
