// The make-up deadline of each target term (S6): edited by the admin, the usual pattern offered (30 Nov for
// January graduates, 30 Apr for July graduates). The server checks the terms and dates (in the user's language).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, DatePicker, Form, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { makeupApi, makeupKeys } from '../../api/makeup.js';
import { formatDay } from '../../format.js';
import { currentLanguage } from '../../i18n/index.js';
import { ErrorResult } from '../ErrorResult.js';

export function DeadlinesPanel(): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: makeupKeys.settings, queryFn: makeupApi.settings });
  const [form] = Form.useForm<Record<string, Dayjs | null>>();
  const s = settings.data;
  useEffect(() => {
    if (s) form.setFieldsValue(Object.fromEntries(s.targetTerms.map((term) => [term, s.deadlines[term] ? dayjs(s.deadlines[term]) : null])));
  }, [s, form]);
  const save = useMutation({
    mutationFn: (v: Record<string, Dayjs | null>) => makeupApi.updateSettings({ deadlines: Object.fromEntries(Object.entries(v).flatMap(([term, d]) => (d ? [[term, d.format('YYYY-MM-DD')]] : []))) }),
    onSuccess: async (next) => {
      queryClient.setQueryData(makeupKeys.settings, next);
      await queryClient.invalidateQueries({ queryKey: makeupKeys.all });
      void message.success(t('makeup.deadlinesSaved'));
    },
    onError: (e: Error) => void message.error(e.message),
  });
  if (settings.error) return <ErrorResult error={settings.error} onRetry={() => void settings.refetch()} />;
  return (
    <Card size="small" style={{ marginBottom: 16 }} title={t('makeup.deadlines')} loading={!s} data-testid="makeup-deadlines">
      {s ? (
        <>
          <Typography.Paragraph type="secondary">{t('makeup.deadlinesHelp', { opensOn: formatDay(s.opensOn, lang, true), lastDay: formatDay(s.lastDay, lang, true) })}</Typography.Paragraph>
          <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
            <Space wrap size="large" align="start">
              {s.targetTerms.map((term) => (
                <Form.Item key={term} name={term} label={t('makeup.term', { term })} extra={s.suggested[term] ? t('makeup.usual', { date: formatDay(s.suggested[term], lang, true) }) : undefined}>
                  <DatePicker data-testid={`deadline-${term}`} placeholder={t('makeup.noDeadline')} minDate={dayjs(s.opensOn)} />
                </Form.Item>
              ))}
            </Space>
            <Space wrap>
              <Button onClick={() => form.setFieldsValue(Object.fromEntries(Object.entries(s.suggested).map(([term, d]) => [term, dayjs(d)])))} data-testid="deadline-usual">
                {t('makeup.useUsual')}
              </Button>
              <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="deadline-save">
                {t('makeup.saveDeadlines')}
              </Button>
            </Space>
          </Form>
        </>
      ) : null}
    </Card>
  );
}
