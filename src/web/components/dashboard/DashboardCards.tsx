// The dashboards of the overview (issue 10 section 6): the funnel per day or per department — required, booked,
// photographed, confirmed, exported, printed, handed over — as an ECharts bar chart or its table (toggle), the
// make-ups outstanding, and the payments per day (chart or table), each exportable as XLSX. A secretary's
// figures are their departments' (the server filters; no payments for them).
import { DownloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { App, Button, Card, Col, Empty, Flex, Row, Segmented, Skeleton, Statistic, Table, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dashboard, DashboardCountsView, DashboardQuery, PaymentDay } from '../../../contracts/dashboard.js';
import { dashboardApi, dashboardKeys } from '../../api/dashboard.js';
import { formatDay } from '../../format.js';
import { currentLanguage } from '../../i18n/index.js';
import { useIsMobile } from '../../useIsMobile.js';
import { EChart, type BarChartOption } from '../charts/EChart.js';
import { ErrorResult } from '../ErrorResult.js';

const FIGURES = ['required', 'booked', 'photographed', 'confirmed', 'exported', 'printed', 'handedOver'] as const;
const COLORS: Record<(typeof FIGURES)[number], string> = {
  required: '#cf1322',
  booked: '#1677ff',
  photographed: '#722ed1',
  confirmed: '#389e0d',
  exported: '#13c2c2',
  printed: '#fa8c16',
  handedOver: '#8c8c8c',
};

type View = 'day' | 'department';
type Mode = 'chart' | 'table';

interface FunnelRow {
  key: string;
  label: string;
  counts: DashboardCountsView;
  makeups?: number | null;
}

const yuan = (fen: number) => (fen / 100).toFixed(2);

function FunnelChart({ rows, horizontal }: { rows: FunnelRow[]; horizontal: boolean }): ReactNode {
  const { t } = useTranslation();
  const isMobile = useIsMobile();
  const option = useMemo<BarChartOption>(() => {
    const categoryAxis = {
      type: 'category' as const,
      data: rows.map((r) => r.label),
      inverse: horizontal,
      axisTick: { show: false },
      axisLabel: horizontal ? { width: isMobile ? 80 : 150, overflow: 'truncate' as const, interval: 0 } : { interval: 0, hideOverlap: true, width: isMobile ? 60 : 110, overflow: 'truncate' as const },
    };
    const valueAxis = { type: 'value' as const, minInterval: 1 };
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
      legend: { top: 0, type: 'scroll' as const, data: FIGURES.map((f) => t(`corrections.dashboard.figures.${f}`)) },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: FIGURES.map((f) => ({
        type: 'bar' as const,
        name: t(`corrections.dashboard.figures.${f}`),
        itemStyle: { color: COLORS[f] },
        barMaxWidth: 12,
        barGap: '5%',
        data: rows.map((r) => r.counts[f]),
      })),
    };
  }, [rows, horizontal, isMobile, t]);
  const height = horizontal ? Math.max(200, 56 + rows.length * (isMobile ? 64 : 56)) : isMobile ? 300 : 340;
  return <EChart option={option} height={height} testId="dashboard-chart" ariaLabel={t('corrections.dashboard.chartLabel')} />;
}

function FunnelTable({ rows, totals, firstColumn, makeups }: { rows: FunnelRow[]; totals: DashboardCountsView; firstColumn: string; makeups: number | null }): ReactNode {
  const { t } = useTranslation();
  const isMobile = useIsMobile();
  const withMakeups = rows.some((r) => r.makeups !== undefined);
  const columns: TableColumnsType<FunnelRow> = [
    { title: firstColumn, key: 'label', fixed: isMobile ? 'left' : undefined, width: isMobile ? 100 : undefined, render: (_, r) => <span data-row={r.key}>{r.label}</span> },
    ...FIGURES.map((f) => ({
      title: t(`corrections.dashboard.figures.${f}`),
      key: f,
      align: 'right' as const,
      width: isMobile ? 64 : 96,
      render: (_: unknown, r: FunnelRow) => (
        <span style={{ fontVariantNumeric: 'tabular-nums', color: f === 'required' && r.counts.required ? '#cf1322' : undefined }} data-cell={f}>
          {r.counts[f]}
        </span>
      ),
    })),
    ...(withMakeups ? [{ title: t('corrections.dashboard.makeups'), key: 'makeups', align: 'right' as const, width: isMobile ? 72 : 104, render: (_: unknown, r: FunnelRow) => r.makeups ?? '—' }] : []),
  ];
  const n = FIGURES.length + (withMakeups ? 1 : 0);
  return (
    <Table<FunnelRow>
      size="small"
      bordered
      rowKey="key"
      columns={columns}
      dataSource={rows}
      pagination={false}
      scroll={{ x: isMobile ? 100 + n * 66 : 860 }}
      data-testid="dashboard-table"
      summary={() => (
        <Table.Summary>
          <Table.Summary.Row style={{ background: '#fafafa', fontWeight: 600 }}>
            <Table.Summary.Cell index={0}>{t('corrections.dashboard.totals')}</Table.Summary.Cell>
            {FIGURES.map((f, i) => (
              <Table.Summary.Cell index={i + 1} key={f} align="right">
                <span data-total={f}>{totals[f]}</span>
              </Table.Summary.Cell>
            ))}
            {withMakeups ? (
              <Table.Summary.Cell index={FIGURES.length + 1} align="right">
                {makeups ?? '—'}
              </Table.Summary.Cell>
            ) : null}
          </Table.Summary.Row>
        </Table.Summary>
      )}
    />
  );
}

function PaymentsCard({ payments }: { payments: NonNullable<Dashboard['payments']> }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const isMobile = useIsMobile();
  const [mode, setMode] = useState<Mode>('chart');
  const option = useMemo<BarChartOption>(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
      legend: { top: 0, data: [t('corrections.dashboard.paymentsCount'), t('corrections.dashboard.paymentsAmount')] },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: payments.days.map((d) => formatDay(d.date, lang)), axisTick: { show: false }, axisLabel: { interval: 0, hideOverlap: true, width: isMobile ? 60 : 110, overflow: 'truncate' } },
      yAxis: [
        { type: 'value', minInterval: 1, name: t('corrections.dashboard.paymentsCount') },
        { type: 'value', name: t('corrections.dashboard.paymentsAmount'), splitLine: { show: false } },
      ],
      series: [
        { type: 'bar', name: t('corrections.dashboard.paymentsCount'), itemStyle: { color: '#1677ff' }, barMaxWidth: 18, data: payments.days.map((d) => d.count) },
        { type: 'bar', name: t('corrections.dashboard.paymentsAmount'), yAxisIndex: 1, itemStyle: { color: '#faad14' }, barMaxWidth: 18, data: payments.days.map((d) => d.amountFen / 100) },
      ],
    }),
    [payments, lang, isMobile, t],
  );
  const columns: TableColumnsType<PaymentDay> = [
    { title: t('corrections.dashboard.day'), dataIndex: 'date', render: (d: string) => formatDay(d, lang) },
    { title: t('corrections.dashboard.paymentsCount'), dataIndex: 'count', align: 'right' },
    { title: t('corrections.dashboard.paymentsAmount'), key: 'amount', align: 'right', render: (_, r) => yuan(r.amountFen) },
    { title: t('corrections.dashboard.duplicates'), dataIndex: 'duplicates', align: 'right' },
    { title: t('corrections.dashboard.duplicateAmount'), key: 'dupAmount', align: 'right', render: (_, r) => yuan(r.duplicateAmountFen) },
  ];
  return (
    <Card
      size="small"
      title={t('corrections.dashboard.payments')}
      style={{ marginBottom: 16 }}
      data-testid="dashboard-payments"
      extra={<Segmented<Mode> size="small" value={mode} onChange={setMode} options={[{ label: t('corrections.dashboard.chart'), value: 'chart' }, { label: t('corrections.dashboard.table'), value: 'table' }]} data-testid="payments-mode" />}
    >
      {payments.days.length === 0 ? (
        <Empty description={t('corrections.dashboard.noPayments')} />
      ) : mode === 'chart' ? (
        <div style={{ minWidth: 0, overflow: 'hidden' }}>
          <EChart option={option} height={isMobile ? 240 : 280} testId="payments-chart" ariaLabel={t('corrections.dashboard.payments')} />
        </div>
      ) : (
        <Table<PaymentDay>
          size="small"
          bordered
          rowKey="date"
          columns={columns}
          dataSource={payments.days}
          pagination={false}
          scroll={{ x: 480 }}
          data-testid="payments-table"
          summary={() => (
            <Table.Summary>
              <Table.Summary.Row style={{ background: '#fafafa', fontWeight: 600 }}>
                <Table.Summary.Cell index={0}>{t('corrections.dashboard.totals')}</Table.Summary.Cell>
                <Table.Summary.Cell index={1} align="right">
                  {payments.totals.count}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={2} align="right">
                  {yuan(payments.totals.amountFen)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={3} align="right">
                  {payments.totals.duplicates}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={4} align="right">
                  {yuan(payments.totals.duplicateAmountFen)}
                </Table.Summary.Cell>
              </Table.Summary.Row>
            </Table.Summary>
          )}
        />
      )}
    </Card>
  );
}

/** The dashboards card(s); `department` narrows them to one department (the department page). */
export function DashboardCards({ department }: { department?: string }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const lang = currentLanguage();
  const query: DashboardQuery = department ? { department } : {};
  const dashboard = useQuery({ queryKey: dashboardKeys.dashboard(query), queryFn: () => dashboardApi.dashboard(query) });
  const [view, setView] = useState<View>('day');
  const [mode, setMode] = useState<Mode>('chart');
  const exportXlsx = useMutation({ mutationFn: () => dashboardApi.exportDashboard(query), onError: (e) => void message.error(e.message) });

  const rows = useMemo<FunnelRow[]>(() => {
    const d = dashboard.data;
    if (!d) return [];
    if (view === 'day') return d.days.map((r) => ({ key: r.date ?? 'none', label: r.date ? formatDay(r.date, lang) : t('corrections.dashboard.noDay'), counts: r.counts }));
    return d.departments.filter((r) => r.counts.required > 0 || (r.makeupsOutstanding ?? 0) > 0).map((r) => ({ key: r.department, label: r.department, counts: r.counts, makeups: d.makeups ? r.makeupsOutstanding : null }));
  }, [dashboard.data, view, lang, t]);

  if (dashboard.error) return <ErrorResult error={dashboard.error} onRetry={() => void dashboard.refetch()} />;
  if (!dashboard.data) return <Skeleton active />;
  const d = dashboard.data;
  return (
    <div data-testid="dashboard">
      <Card
        size="small"
        title={t('corrections.dashboard.title')}
        style={{ marginBottom: 16 }}
        data-testid="dashboard-funnel"
        extra={
          <Button size="small" icon={<DownloadOutlined />} loading={exportXlsx.isPending} onClick={() => exportXlsx.mutate()} data-testid="dashboard-export">
            {t('corrections.dashboard.export')}
          </Button>
        }
      >
        <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
          {t('corrections.dashboard.hint')}
        </Typography.Paragraph>
        <Row gutter={[16, 16]} style={{ marginBottom: 12 }}>
          <Col xs={12} md={6}>
            <Statistic title={t('corrections.dashboard.figures.exported')} value={d.totals.exported} suffix={`/ ${d.totals.confirmed}`} />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={t('corrections.dashboard.figures.handedOver')} value={d.totals.handedOver} suffix={`/ ${d.totals.printed}`} />
          </Col>
          <Col xs={24} md={12} data-testid="dashboard-makeups">
            {d.makeups ? (
              <>
                <Statistic title={t('corrections.dashboard.makeups')} value={d.makeups.outstanding} styles={{ content: { color: d.makeups.outstanding ? '#d46b08' : undefined } }} />
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {d.makeups.campaignOver ? t('corrections.dashboard.makeupsHint') : t('corrections.dashboard.makeupsBefore')}
                </Typography.Text>
              </>
            ) : (
              <Statistic title={t('corrections.dashboard.makeups')} value={t('corrections.dashboard.notAvailable')} />
            )}
          </Col>
        </Row>
        <Flex wrap gap={8} style={{ marginBottom: 8 }}>
          {department ? null : (
            <Segmented<View>
              size="small"
              value={view}
              onChange={setView}
              options={[
                { label: t('corrections.dashboard.byDay'), value: 'day' },
                { label: t('corrections.dashboard.byDepartment'), value: 'department' },
              ]}
              data-testid="dashboard-view"
            />
          )}
          <Segmented<Mode>
            size="small"
            value={mode}
            onChange={setMode}
            options={[
              { label: t('corrections.dashboard.chart'), value: 'chart' },
              { label: t('corrections.dashboard.table'), value: 'table' },
            ]}
            data-testid="dashboard-mode"
          />
        </Flex>
        {d.totals.required === 0 ? (
          <Empty description={t('corrections.dashboard.noRequired')} />
        ) : mode === 'chart' ? (
          <div style={{ minWidth: 0, overflow: 'hidden' }}>
            <FunnelChart rows={rows} horizontal={view === 'department'} />
          </div>
        ) : (
          <FunnelTable rows={rows} totals={d.totals} makeups={d.makeups?.outstanding ?? null} firstColumn={view === 'day' ? t('corrections.dashboard.day') : t('corrections.dashboard.department')} />
        )}
      </Card>
      {d.payments ? <PaymentsCard payments={d.payments} /> : null}
    </div>
  );
}
