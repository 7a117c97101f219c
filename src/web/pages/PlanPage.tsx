import { CalculatorOutlined, UndoOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Collapse, Flex, Form, Grid, InputNumber, Row, Skeleton, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import { useState, type HTMLAttributes, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { BusiestWindowSchema, PlanDaySchema, PlanResponse } from '../../contracts/planner.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { formatDay, formatWindow, labelled, withNote } from '../format.js';
import { currentLanguage, type Language } from '../i18n/index.js';

type PlanDay = z.infer<typeof PlanDaySchema>;
type Busiest = z.infer<typeof BusiestWindowSchema>;

interface Params {
  stations?: number;
  minutesPerStudent?: number;
}

/** `0.8734` → `87.3%`. */
function percent(ratio: number): string {
  return `${(Math.round(ratio * 1000) / 10).toFixed(1)}%`;
}

/** A calendar day without its weekday, from the string itself: `2026-12-02` → `12月2日` / `2 Dec`. */
function shortDay(date: string, lang: Language): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return date;
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (lang === 'en') return `${day} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][month - 1] ?? month}`;
  return `${month}月${day}日`;
}

function ratioColor(ratio: number): string | undefined {
  if (ratio > 1) return '#cf1322';
  if (ratio >= 0.8) return '#d46b08';
  return undefined;
}

function BusiestCard({ title, busiest, testId, fontSize }: { title: string; busiest: Busiest; testId: string; fontSize: number }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  return (
    <Card size="small" style={{ height: '100%' }} data-testid={testId}>
      <Statistic
        title={title}
        value={busiest ? percent(busiest.ratio) : '—'}
        styles={{ content: { color: busiest ? ratioColor(busiest.ratio) : undefined, fontVariantNumeric: 'tabular-nums', fontSize } }}
      />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {busiest
          ? t('plan.busiestAt', { day: formatDay(busiest.date, lang), window: formatWindow(busiest), load: busiest.load, capacity: busiest.capacity })
          : t('plan.noBusiest')}
      </Typography.Text>
    </Card>
  );
}

function Summary({ plan }: { plan: PlanResponse }): ReactNode {
  const { t } = useTranslation();
  const points = Math.round(plan.improvement * 1000) / 10;
  const screens = Grid.useBreakpoint();
  const fontSize = screens.sm ? 24 : 20;
  return (
    <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
      <Col xs={24} sm={12} xl={7}>
        <BusiestCard title={t('plan.busiestCurrent')} busiest={plan.current.busiest} testId="plan-busiest-current" fontSize={fontSize} />
      </Col>
      <Col xs={24} sm={12} xl={7}>
        <BusiestCard title={t('plan.busiestProposal')} busiest={plan.busiest} testId="plan-busiest-proposal" fontSize={fontSize} />
      </Col>
      <Col xs={12} sm={12} xl={5}>
        <Card size="small" style={{ height: '100%' }} data-testid="plan-improvement">
          <Statistic
            title={t('plan.improvement')}
            value={t('plan.improvementValue', { points: points.toFixed(1) })}
            styles={{ content: { color: points > 0 ? '#389e0d' : undefined, fontVariantNumeric: 'tabular-nums', fontSize } }}
          />
        </Card>
      </Col>
      <Col xs={12} sm={12} xl={5}>
        <Card size="small" style={{ height: '100%' }} data-testid="plan-moves">
          <Statistic title={t('plan.moves')} value={t('plan.movesValue', { count: plan.moves.length })} styles={{ content: { fontSize } }} />
        </Card>
      </Col>
    </Row>
  );
}

/** The notice's layout: a row per day, the departments of the day joined with 、. */
function DayTable({ days, movedFrom, testId }: { days: PlanDay[]; movedFrom?: Map<string, string>; testId: string }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const separator = lang === 'en' ? ', ' : '、';
  return (
    <Table<PlanDay>
      size="small"
      bordered
      rowKey="date"
      pagination={false}
      dataSource={days}
      data-testid={testId}
      onRow={(day) => ({ 'data-testid': `${testId}-${day.date}`, style: day.weekend ? { background: '#fffbe6' } : undefined }) as HTMLAttributes<HTMLElement>}
      columns={[
        {
          title: t('plan.date'),
          key: 'date',
          width: lang === 'en' ? 112 : 124,
          render: (_, day) => (
            <Flex vertical gap={2} align="flex-start">
              <span style={{ whiteSpace: 'nowrap' }}>{formatDay(day.date, lang)}</span>
              {day.weekend ? (
                <Tag color="gold" style={{ marginInlineEnd: 0 }}>
                  {t('plan.weekend')}
                </Tag>
              ) : null}
            </Flex>
          ),
        },
        {
          title: t('plan.departments'),
          key: 'departments',
          render: (_, day) =>
            day.departments.length === 0 ? (
              <Typography.Text type="secondary">{t('plan.none')}</Typography.Text>
            ) : (
              <div style={{ lineHeight: 1.9, overflowWrap: 'anywhere' }}>
                {day.departments.map((d, i) => {
                  const from = movedFrom?.get(d.name);
                  const name = from ? (
                    <Tooltip title={t('plan.movedFrom', { date: shortDay(from, lang) })}>
                      <span
                        data-testid="plan-moved"
                        data-from={from}
                        tabIndex={0}
                        style={{ whiteSpace: 'nowrap', background: '#e6f4ff', color: '#0958d9', border: '1px solid #91caff', borderRadius: 3, padding: '0 3px', cursor: 'help', fontWeight: d.pinned ? 600 : undefined }}
                      >
                        {d.name}
                      </span>
                    </Tooltip>
                  ) : d.pinned ? (
                    <Tooltip title={t('plan.pinned')}>
                      <span style={{ fontWeight: 600, cursor: 'help' }}>{d.name}</span>
                    </Tooltip>
                  ) : (
                    <span>{d.name}</span>
                  );
                  return (
                    <span key={d.name}>
                      {name}
                      {i < day.departments.length - 1 ? separator : null}
                    </span>
                  );
                })}
              </div>
            ),
        },
        {
          title: t('plan.load'),
          key: 'load',
          width: 120,
          align: 'right',
          responsive: ['md'],
          render: (_, day) => {
            const ratio = day.capacity > 0 ? day.load / day.capacity : day.load > 0 ? Infinity : 0;
            return (
              <Tooltip
                title={day.windows.map((w) => (
                  <div key={w.start} style={{ fontVariantNumeric: 'tabular-nums' }}>
                    {labelled(formatWindow(w), lang)}
                    {withNote(`${w.load} / ${w.capacity}`, percent(w.ratio), lang)}
                  </div>
                ))}
              >
                <span style={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap', color: ratioColor(ratio), cursor: 'help' }}>
                  {day.load} / {day.capacity}
                </span>
              </Tooltip>
            );
          },
        },
      ]}
    />
  );
}

function PlanForm({ plan, onSubmit, loading }: { plan: PlanResponse; onSubmit: (p: Params) => void; loading: boolean }): ReactNode {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ stations: number; minutesPerStudent: number }>();
  return (
    <Card size="small" style={{ marginBottom: 16 }}>
      <Form
        form={form}
        layout="inline"
        initialValues={{ stations: plan.stations, minutesPerStudent: plan.minutesPerStudent }}
        onFinish={(values) => onSubmit(values)}
        style={{ rowGap: 8 }}
      >
        <Form.Item name="stations" label={t('plan.stations')} rules={[{ required: true }]}>
          <InputNumber min={1} max={100} precision={0} style={{ width: 96 }} data-testid="plan-stations" />
        </Form.Item>
        <Form.Item name="minutesPerStudent" label={t('plan.minutesPerStudent')} rules={[{ required: true }]}>
          <InputNumber min={1} max={120} precision={0} style={{ width: 96 }} data-testid="plan-minutes" />
        </Form.Item>
        <Form.Item>
          <Flex gap={8} wrap>
            <Button type="primary" htmlType="submit" icon={<CalculatorOutlined />} loading={loading} data-testid="plan-compute">
              {t('plan.compute')}
            </Button>
            <Button
              icon={<UndoOutlined />}
              disabled={loading}
              onClick={() => {
                form.resetFields();
                onSubmit({});
              }}
            >
              {t('plan.reset')}
            </Button>
          </Flex>
        </Form.Item>
      </Form>
    </Card>
  );
}

export default function PlanPage(): ReactNode {
  const { t } = useTranslation();
  const [params, setParams] = useState<Params>({});
  const plan = useQuery({
    queryKey: queryKeys.plan(params.stations, params.minutesPerStudent),
    queryFn: () => endpoints.plan(params.stations, params.minutesPerStudent),
    placeholderData: keepPreviousData,
  });
  const header = <PageHeader title={t('plan.title')} sub={t('plan.sub')} crumbs={[{ title: t('menu.plan') }]} />;
  if (plan.error && !plan.data) return <>{header}<ErrorResult error={plan.error} onRetry={() => void plan.refetch()} /></>;
  if (!plan.data) return <>{header}<Skeleton active /></>;
  const data = plan.data;
  const movedFrom = new Map(data.moves.map((m) => [m.name, m.from]));
  return (
    <>
      {header}
      {/* mounted once: the form's defaults are the first answer's (the site's current settings) */}
      <PlanForm plan={data} loading={plan.isFetching} onSubmit={setParams} />
      {plan.error ? <Alert type="error" showIcon title={plan.error.message} style={{ marginBottom: 12 }} /> : null}
      <Summary plan={data} />
      <Card
        size="small"
        title={<span style={{ whiteSpace: 'normal' }}>{t('plan.proposalTitle', { stations: data.stations, minutes: data.minutesPerStudent })}</span>}
        style={{ marginBottom: 16 }}
        styles={{ body: { padding: 0 } }}
      >
        <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: '8px 12px' }}>
          {data.moves.length ? t('plan.legend') : t('plan.noMoves')}
        </Typography.Paragraph>
        <DayTable days={data.proposal} movedFrom={movedFrom} testId="plan-proposal" />
      </Card>
      <Collapse
        items={[
          {
            key: 'current',
            label: t('plan.currentTitle'),
            styles: { body: { padding: 0 } },
            children: <DayTable days={data.current.table} testId="plan-current" />,
          },
        ]}
      />
    </>
  );
}
