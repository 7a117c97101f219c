// The record of processing (个人信息处理活动记录) as PDF or JSON, each download audited.
import { FilePdfOutlined, FileTextOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { retentionApi } from '../../api/retention.js';

export function RecordCard(): ReactNode {
  const { t } = useTranslation();
  const pdf = useMutation({ mutationFn: () => retentionApi.downloadRecordPdf('record-of-processing.pdf') });
  const json = useMutation({ mutationFn: () => retentionApi.downloadRecordJson('record-of-processing.json') });
  const error = pdf.error ?? json.error;
  return (
    <Card size="small" title={t('retention.record.title')} data-testid="retention-record">
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">{t('retention.record.hint')}</Typography.Text>
        {error ? <Alert type="error" showIcon title={error.message} /> : null}
        <Flex gap={8} wrap>
          <Button icon={<FilePdfOutlined />} loading={pdf.isPending} onClick={() => pdf.mutate()} data-testid="retention-record-pdf">
            {t('retention.record.pdf')}
          </Button>
          <Button icon={<FileTextOutlined />} loading={json.isPending} onClick={() => json.mutate()}>
            {t('retention.record.json')}
          </Button>
        </Flex>
      </Flex>
    </Card>
  );
}
