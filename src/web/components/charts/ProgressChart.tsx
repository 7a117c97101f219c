// Progress counts as a bar chart with its table (issue 9, "Progress everywhere"): per department (horizontal
// bars, one row each) or per day (vertical bars). The chart shows required, booked and confirmed; the table
// under it every step and paid.
import { Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProgressCountsView } from '../../../contracts/progress.js';
import { useIsMobile } from '../../useIsMobile.js';
import { EChart, type BarChartOption } from './EChart.js';

export interface ProgressRow {
  key: string;
  label: string;
  /** a link or tag beside the label in the table */
  extra?: ReactNode;
  counts: ProgressCountsView;
}

/** The three series of the chart (the issue: required, booked, confirmed) and their colours. */
const SERIES = [
  { key: 'required', color: '#cf1322' },
  { key: 'booked', color: '#1677ff' },
  { key: 'confirmed', color: '#389e0d' },
] as const;

export function ProgressBars({ rows, horizontal, testId }: { rows: ProgressRow[]; horizontal: boolean; testId: string }): ReactNode {
  const { t } = useTranslation();
  const isMobile = useIsMobile();
  const option = useMemo<BarChartOption>(() => {
    const categories = rows.map((r) => r.label);
    const labelWidth = isMobile ? 84 : 150;
    const categoryAxis = {
      type: 'category' as const,
      data: categories,
      inverse: horizontal,
      axisTick: { show: false },
      axisLabel: horizontal ? { width: labelWidth, overflow: 'truncate' as const, interval: 0 } : { interval: 0, hideOverlap: true },
    };
    const valueAxis = { type: 'value' as const, minInterval: 1 };
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
      legend: { top: 0, data: SERIES.map((s) => t(`progress.counts.${s.key}`)) },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: SERIES.map((s) => ({
        type: 'bar' as const,
        name: t(`progress.counts.${s.key}`),
        itemStyle: { color: s.color },
        barMaxWidth: 18,
        barGap: '10%',
        data: rows.map((r) => r.counts[s.key]),
      })),
    };
  }, [rows, horizontal, isMobile, t]);
  const height = horizontal ? Math.max(160, 48 + rows.length * (isMobile ? 40 : 34)) : isMobile ? 260 : 300;
  return <EChart option={option} height={height} testId={testId} ariaLabel={t('progress.chartLabel')} />;
}

const COLUMNS = ['required', 'booked', 'checkedIn', 'photographed', 'confirmed', 'paid'] as const;

export function ProgressTable({ rows, totals, firstColumn, testId }: { rows: ProgressRow[]; totals?: ProgressCountsView; firstColumn: string; testId: string }): ReactNode {
  const { t } = useTranslation();
  const isMobile = useIsMobile();
  const cell = (value: number, of: number) =>
    value === 0 ? (
      <Typography.Text type="secondary">0</Typography.Text>
    ) : (
      <span style={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
        {value}
        {of > 0 && !isMobile ? <Typography.Text type="secondary" style={{ fontSize: 12 }}>{` ${Math.round((value / of) * 100)}%`}</Typography.Text> : null}
      </span>
    );
  const columns: TableColumnsType<ProgressRow> = [
    {
      title: firstColumn,
      key: 'label',
      fixed: isMobile ? 'left' : undefined,
      width: isMobile ? 110 : undefined,
      render: (_, row) => (
        <span data-row={row.key}>
          {row.extra ?? row.label}
        </span>
      ),
    },
    ...COLUMNS.map((key) => ({
      title: t(`progress.counts.${key}`),
      key,
      align: 'right' as const,
      width: isMobile ? 64 : 104,
      render: (_: unknown, row: ProgressRow) => (key === 'required' ? <span style={{ color: row.counts.required ? '#cf1322' : undefined, fontWeight: 600 }}>{row.counts.required}</span> : cell(row.counts[key], row.counts.required)),
    })),
  ];
  return (
    <Table<ProgressRow>
      size="small"
      bordered
      rowKey="key"
      columns={columns}
      dataSource={rows}
      pagination={false}
      scroll={{ x: isMobile ? 110 + 6 * 64 : 720 }}
      data-testid={testId}
      summary={
        totals
          ? () => (
              <Table.Summary>
                <Table.Summary.Row style={{ background: '#fafafa', fontWeight: 600 }}>
                  <Table.Summary.Cell index={0}>{t('progress.totals')}</Table.Summary.Cell>
                  {COLUMNS.map((key, i) => (
                    <Table.Summary.Cell index={i + 1} key={key} align="right">
                      <span data-total={key}>{totals[key]}</span>
                    </Table.Summary.Cell>
                  ))}
                </Table.Summary.Row>
              </Table.Summary>
            )
          : undefined
      }
    />
  );
}

/** The coloured tag of a student's state in the lists (null: not required, nothing shown). */
export const PROGRESS_COLORS: Record<string, string> = {
  'not-booked': 'red',
  booked: 'blue',
  'no-show': 'volcano',
  'checked-in': 'cyan',
  photographed: 'purple',
  confirmed: 'green',
};

export function ProgressTag({ progress, noShow, paid }: { progress: string | null; noShow: boolean; paid: boolean }): ReactNode {
  const { t } = useTranslation();
  if (!progress) return <Typography.Text type="secondary">—</Typography.Text>;
  const key = noShow ? 'no-show' : progress;
  return (
    <span style={{ whiteSpace: 'nowrap' }} data-testid="progress-cell" data-progress={key}>
      <Tag color={PROGRESS_COLORS[key]} style={{ marginInlineEnd: 4 }}>
        {t(`progress.state.${key}`)}
      </Tag>
      {paid ? (
        <Tag color="gold" data-paid="true" style={{ marginInlineEnd: 0 }}>
          {t('progress.paidTag')}
        </Tag>
      ) : null}
    </span>
  );
}
