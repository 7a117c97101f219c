// The retention policy (issue 10 section 5): two whole-day fields (0–3650) and the sentences the notice shows.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Flex, Form, InputNumber, Skeleton, Typography } from 'antd';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { retentionApi, retentionKeys } from '../../api/retention.js';
import { formatInstant } from '../../format.js';
import { ErrorResult } from '../ErrorResult.js';

interface Values {
  originalsDays: number | null;
  standardDays: number | null;
}

export function PolicyCard(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const policy = useQuery({ queryKey: retentionKeys.policy, queryFn: retentionApi.policy });
  const save = useMutation({
    mutationFn: (v: Values) => retentionApi.updatePolicy({ originalsDays: v.originalsDays ?? Number.NaN, standardDays: v.standardDays ?? Number.NaN }),
    onSuccess: (p) => {
      qc.setQueryData(retentionKeys.policy, p);
      void qc.invalidateQueries({ queryKey: retentionKeys.preview });
      void message.success(t('retention.policy.saved'));
    },
  });
  useEffect(() => {
    if (policy.data) form.setFieldsValue({ originalsDays: policy.data.originalsDays, standardDays: policy.data.standardDays });
  }, [policy.data, form]);
  if (policy.error) return <ErrorResult error={policy.error} onRetry={() => void policy.refetch()} />;
  const p = policy.data;
  return (
    <Card title={t('retention.policy.title')} size="small" data-testid="retention-policy">
      {!p ? (
        <Skeleton active />
      ) : (
        <Flex vertical gap={12}>
          <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)} requiredMark={false}>
            <Flex gap={16} wrap>
              <Form.Item name="originalsDays" label={t('retention.policy.originalsDays')} extra={t('retention.policy.originalsHelp')} style={{ flex: '1 1 240px', marginBottom: 8 }}>
                <InputNumber suffix={t('retention.policy.days')} style={{ width: '100%' }} data-testid="retention-originals-days" placeholder={t('retention.policy.range')} />
              </Form.Item>
              <Form.Item name="standardDays" label={t('retention.policy.standardDays')} extra={t('retention.policy.standardHelp')} style={{ flex: '1 1 240px', marginBottom: 8 }}>
                <InputNumber suffix={t('retention.policy.days')} style={{ width: '100%' }} data-testid="retention-standard-days" placeholder={t('retention.policy.range')} />
              </Form.Item>
            </Flex>
            <Typography.Paragraph type="secondary" style={{ margin: '0 0 8px' }}>
              {t('retention.policy.identity')}
            </Typography.Paragraph>
            {save.error ? <Alert type="error" showIcon title={save.error.message} style={{ marginBottom: 8 }} data-testid="retention-policy-error" /> : null}
            <Flex justify="space-between" align="center" wrap gap={8}>
              <Typography.Text type="secondary" data-testid="retention-policy-updated">
                {p.updatedAt ? t('retention.policy.updated', { by: p.updatedBy ?? '—', at: formatInstant(p.updatedAt) }) : t('retention.policy.defaults')}
              </Typography.Text>
              <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="retention-policy-save">
                {t('retention.policy.save')}
              </Button>
            </Flex>
          </Form>
          <div>
            <Typography.Text strong>{t('retention.policy.notice')}</Typography.Text>
            <ul style={{ margin: '4px 0 0', paddingInlineStart: 20 }} data-testid="retention-sentences">
              {p.sentences.map((s) => (
                <li key={s}>
                  <Typography.Text>{s}</Typography.Text>
                </li>
              ))}
            </ul>
          </div>
        </Flex>
      )}
    </Card>
  );
}
