// The progress card of the overview (issue 9): counts per day or per department as a bar chart, its table under
// it. A secretary's counts are their departments' only (the server filters).
import { useQuery } from '@tanstack/react-query';
import { Card, Empty, Segmented, Skeleton, Typography } from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Progress } from '../../../contracts/progress.js';
import { progressApi, progressKeys } from '../../api/progress.js';
import { formatDay } from '../../format.js';
import { currentLanguage } from '../../i18n/index.js';
import { ErrorResult } from '../ErrorResult.js';
import { ProgressBars, ProgressTable, type ProgressRow } from './ProgressChart.js';

type View = 'day' | 'department';

export function dayRows(progress: Progress, label: (date: string | null) => string): ProgressRow[] {
  return progress.days.map((d) => ({ key: d.date ?? 'none', label: label(d.date), counts: d.counts }));
}

export function ProgressOverview({ department }: { department?: string }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const query = department ? { department } : {};
  const progress = useQuery({ queryKey: progressKeys.progress(query), queryFn: () => progressApi.progress(query) });
  const [view, setView] = useState<View>('day');
  const rows = useMemo<ProgressRow[]>(() => {
    if (!progress.data) return [];
    if (view === 'day') return dayRows(progress.data, (date) => (date ? formatDay(date, lang) : t('progress.noDay')));
    return progress.data.departments
      .filter((d) => d.counts.required > 0)
      .map((d) => ({
        key: d.department,
        label: d.department,
        extra: <Link to={`/students?department=${encodeURIComponent(d.department)}&decision=required`}>{d.department}</Link>,
        counts: d.counts,
      }));
  }, [progress.data, view, lang, t]);

  return (
    <Card
      size="small"
      title={t('progress.title')}
      style={{ marginBottom: 16 }}
      data-testid="progress-card"
      extra={
        department ? null : (
          <Segmented<View>
            size="small"
            value={view}
            onChange={setView}
            options={[
              { label: t('progress.byDay'), value: 'day' },
              { label: t('progress.byDepartment'), value: 'department' },
            ]}
            data-testid="progress-view"
          />
        )
      }
    >
      {progress.error ? (
        <ErrorResult error={progress.error} onRetry={() => void progress.refetch()} />
      ) : !progress.data ? (
        <Skeleton active />
      ) : progress.data.totals.required === 0 ? (
        <Empty description={t('progress.noRequired')} />
      ) : (
        <>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
            {t('progress.hint')}
          </Typography.Paragraph>
          <div style={{ minWidth: 0, overflow: 'hidden' }}>
            <ProgressBars rows={rows} horizontal={view === 'department'} testId="progress-chart" />
          </div>
          <ProgressTable rows={rows} totals={progress.data.totals} firstColumn={view === 'day' ? t('progress.day') : t('progress.department')} testId="progress-table" />
        </>
      )}
    </Card>
  );
}
