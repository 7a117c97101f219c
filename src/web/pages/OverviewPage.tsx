import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, Collapse, Descriptions, Flex, Row, Skeleton, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { Campaign, CampaignOverview, DecisionCountsSchema } from '../../contracts/campaign.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { ProgressOverview } from '../components/charts/ProgressOverview.js';
import { DashboardCards } from '../components/dashboard/DashboardCards.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { RULES, RuleTag } from '../components/tags.js';
import { formatDay, formatTerm } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { can, useUser } from '../session.js';
import { useIsMobile } from '../useIsMobile.js';

type Counts = z.infer<typeof DecisionCountsSchema>;

interface ScheduleRow {
  key: string;
  date: string;
  weekend: boolean;
  /** rows of its day, on the first row of the day; 0 on the others (merged cell) */
  daySpan: number;
  dayCounts: Counts;
  dayDepartments: number;
  department: string;
  site: 'beijing' | 'shenzhen';
  counts: Counts;
}

function scheduleRows(overview: CampaignOverview): ScheduleRow[] {
  const rows: ScheduleRow[] = [];
  for (const day of overview.days) {
    day.departments.forEach((dep, index) => {
      rows.push({
        key: `${day.date}/${dep.name}`,
        date: day.date,
        weekend: day.weekend,
        daySpan: index === 0 ? day.departments.length : 0,
        dayCounts: day.counts,
        dayDepartments: day.departments.length,
        department: dep.name,
        site: dep.site,
        counts: dep.counts,
      });
    });
  }
  return rows;
}

function CampaignCard({ campaign }: { campaign: Campaign }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const methods = campaign.price.methods.map((m) => (m === 'electronic' ? t('overview.methodElectronic') : m)).join('、');
  const amount = campaign.price.currency === 'CNY' ? String(campaign.price.amount) : `${campaign.price.amount} ${campaign.price.currency}`;
  return (
    <Card title={t('overview.campaign')} size="small" style={{ marginBottom: 16 }}>
      <Descriptions
        column={{ xs: 1, sm: 1, md: 2 }}
        size="small"
        items={[
          { key: 'name', label: t('overview.campaign'), span: 'filled', children: <Typography.Text strong>{campaign.name[lang]}</Typography.Text> },
          {
            key: 'terms',
            label: t('overview.targetTerms'),
            children: (
              <Space size={4} wrap>
                {campaign.targetTerms.map((term) => (
                  <Tag color="blue" key={term} data-term={term} style={{ marginInlineEnd: 0 }}>
                    {formatTerm(term, lang)}
                  </Tag>
                ))}
                <span>{t('overview.targetTermsSuffix')}</span>
              </Space>
            ),
          },
          { key: 'windows', label: t('overview.windows'), children: campaign.windows.map((w) => `${w.start}–${w.end}`).join(lang === 'en' ? ', ' : '，') },
          {
            key: 'price',
            label: t('overview.price'),
            children: <span data-testid="price">{t('overview.priceValue', { amount, methods })}</span>,
          },
          {
            key: 'weekend',
            label: t('overview.weekendDays'),
            children: campaign.weekendDays.length ? (
              <span>
                {campaign.weekendDays.map((d) => formatDay(d, lang)).join(lang === 'en' ? ', ' : '、')}
                <br />
                <Typography.Text type="secondary">{t('overview.weekendNote')}</Typography.Text>
              </span>
            ) : (
              t('common.none')
            ),
          },
          {
            key: 'place',
            label: t('overview.place'),
            span: 'filled',
            children: (
              <Flex vertical gap={2}>
                {campaign.sites.map((site) => (
                  <span key={site.id}>
                    {site.id === 'shenzhen' && site.rooms.length === 0 ? t('overview.placeShenzhen') : `${t(`site.${site.id}`)}${lang === 'en' ? ': ' : '：'}${site.place}`}
                  </span>
                ))}
              </Flex>
            ),
          },
          { key: 'makeup', label: t('overview.makeUp'), span: 'filled', children: t('overview.makeUpValue', { fee: campaign.makeUp.fee }) },
        ]}
      />
    </Card>
  );
}

function Totals({ overview }: { overview: CampaignOverview }): ReactNode {
  const { t } = useTranslation();
  const { totals } = overview;
  const cards: { key: string; title: string; value: number; color: string; to: string }[] = [
    { key: 'required', title: t('overview.required'), value: totals.required, color: '#cf1322', to: '/students?decision=required' },
    { key: 'excluded', title: t('overview.excluded'), value: totals.excluded, color: '#595959', to: '/students?decision=excluded' },
    { key: 'notInCampaign', title: t('overview.notInCampaign'), value: totals.notInCampaign, color: '#8c8c8c', to: '/students?decision=not-in-campaign' },
    { key: 'total', title: t('overview.total'), value: totals.total, color: '#1f4e9c', to: '/students' },
  ];
  const ruleKeys = [...RULES.filter((r) => r in overview.byRule), ...Object.keys(overview.byRule).filter((k) => !(RULES as string[]).includes(k))];
  return (
    <>
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        {cards.map((c) => (
          <Col xs={12} md={6} key={c.key}>
            <Link to={c.to}>
              <Card size="small" hoverable data-testid={`total-${c.key}`}>
                <Statistic title={c.title} value={c.value} styles={{ content: { color: c.color } }} />
              </Card>
            </Link>
          </Col>
        ))}
      </Row>
      <Card size="small" title={t('overview.byRule')} style={{ marginBottom: 16 }}>
        {ruleKeys.length === 0 ? (
          <Typography.Text type="secondary">{t('overview.noRoster')}</Typography.Text>
        ) : (
          <Flex wrap gap={12}>
            {ruleKeys.map((rule) => {
              const known = (RULES as string[]).includes(rule);
              // the server counts students no rule decided (not in this campaign) under "none"
              const to = known ? `/students?rule=${rule}` : rule === 'none' ? '/students?decision=not-in-campaign' : '/students';
              return (
                <Link to={to} key={rule}>
                  <Flex align="center" gap={4} style={{ border: '1px solid #f0f0f0', borderRadius: 4, padding: '4px 8px' }}>
                    {known ? <RuleTag rule={rule as (typeof RULES)[number]} showName /> : <Tag>{rule === 'none' ? t('decision.not-in-campaign') : rule}</Tag>}
                    <Typography.Text strong>{overview.byRule[rule]}</Typography.Text>
                  </Flex>
                </Link>
              );
            })}
          </Flex>
        )}
      </Card>
    </>
  );
}

function ScheduleTable({ overview }: { overview: CampaignOverview }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const count = (value: number, color?: string) => (value ? <span style={{ color, fontWeight: color ? 600 : undefined }}>{value}</span> : <Typography.Text type="secondary">0</Typography.Text>);
  const columns: TableColumnsType<ScheduleRow> = [
    {
      title: t('overview.date'),
      dataIndex: 'date',
      width: 150,
      onCell: (row) => ({ rowSpan: row.daySpan, style: { verticalAlign: 'top', background: row.weekend ? '#fffbe6' : undefined } }),
      render: (_, row) => (
        <Flex vertical gap={2} data-date={row.date}>
          <Typography.Text strong>{formatDay(row.date, lang)}</Typography.Text>
          {row.weekend ? (
            <Tag color="gold" style={{ width: 'fit-content' }}>
              {t('overview.weekend')}
            </Tag>
          ) : null}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('overview.dayCount', { count: row.dayDepartments })} · {t('overview.required')} {row.dayCounts.required}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('overview.department'),
      dataIndex: 'department',
      render: (name: string) => <Link to={`/students?department=${encodeURIComponent(name)}`}>{name}</Link>,
    },
    { title: t('overview.site'), dataIndex: 'site', width: 80, render: (site: ScheduleRow['site']) => t(`site.${site}`) },
    { title: t('overview.required'), key: 'required', align: 'right', width: 90, render: (_, row) => count(row.counts.required, '#cf1322') },
    { title: t('overview.excluded'), key: 'excluded', align: 'right', width: 90, render: (_, row) => count(row.counts.excluded) },
    { title: t('overview.notInCampaign'), key: 'nic', align: 'right', width: 100, render: (_, row) => count(row.counts.notInCampaign) },
    { title: t('overview.total'), key: 'total', align: 'right', width: 90, render: (_, row) => count(row.counts.total) },
  ];
  const { totals } = overview;
  return (
    <Table<ScheduleRow>
      size="small"
      bordered
      columns={columns}
      dataSource={scheduleRows(overview)}
      pagination={false}
      scroll={{ x: 640 }}
      data-testid="schedule"
      summary={() => (
        <Table.Summary fixed="bottom">
          <Table.Summary.Row style={{ background: '#fafafa', fontWeight: 600 }}>
            <Table.Summary.Cell index={0} colSpan={3}>
              {t('overview.totals')}
            </Table.Summary.Cell>
            <Table.Summary.Cell index={3} align="right">
              <span style={{ color: '#cf1322' }}>{totals.required}</span>
            </Table.Summary.Cell>
            <Table.Summary.Cell index={4} align="right">
              {totals.excluded}
            </Table.Summary.Cell>
            <Table.Summary.Cell index={5} align="right">
              {totals.notInCampaign}
            </Table.Summary.Cell>
            <Table.Summary.Cell index={6} align="right">
              {totals.total}
            </Table.Summary.Cell>
          </Table.Summary.Row>
        </Table.Summary>
      )}
    />
  );
}

/** Phones: one collapsible panel per day, its departments in a narrow table. */
function ScheduleByDay({ overview }: { overview: CampaignOverview }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const departments = overview.days.reduce((n, d) => n + d.departments.length, 0);
  type Dep = CampaignOverview['days'][number]['departments'][number];
  const columns: TableColumnsType<Dep> = [
    {
      title: t('overview.department'),
      dataIndex: 'name',
      render: (name: string, dep) => (
        <>
          <Link to={`/students?department=${encodeURIComponent(name)}`}>{name}</Link>
          {dep.site === 'shenzhen' ? <Tag style={{ marginInlineStart: 4 }}>{t('site.shenzhen')}</Tag> : null}
        </>
      ),
    },
    { title: t('overview.required'), key: 'r', align: 'right', width: 64, render: (_, dep) => <span style={{ color: dep.counts.required ? '#cf1322' : undefined }}>{dep.counts.required}</span> },
    { title: t('overview.total'), key: 't', align: 'right', width: 72, render: (_, dep) => dep.counts.total },
  ];
  return (
    <Collapse
      size="small"
      data-testid="schedule"
      defaultActiveKey={departments <= 10 ? overview.days.map((d) => d.date) : []}
      items={overview.days
        .filter((d) => d.departments.length > 0)
        .map((day) => ({
          key: day.date,
          label: (
            <Flex justify="space-between" align="center" wrap gap={4}>
              <span>
                <Typography.Text strong>{formatDay(day.date, lang)}</Typography.Text>
                {day.weekend ? (
                  <Tag color="gold" style={{ marginInlineStart: 6 }}>
                    {t('overview.weekend')}
                  </Tag>
                ) : null}
              </span>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('overview.dayCount', { count: day.departments.length })} · {t('overview.required')} {day.counts.required}
              </Typography.Text>
            </Flex>
          ),
          children: <Table<Dep> size="small" rowKey="name" columns={columns} dataSource={day.departments} pagination={false} />,
        }))}
    />
  );
}

export default function OverviewPage(): ReactNode {
  const { t } = useTranslation();
  const me = useUser();
  const lang = currentLanguage();
  // students see the campaign only; staff see the counts (a secretary: own departments, filtered by the server)
  const seesCounts = can(me, 'campaign.overview');
  const isMobile = useIsMobile();
  const campaign = useQuery({ queryKey: queryKeys.campaign, queryFn: endpoints.campaign });
  const overview = useQuery({ queryKey: queryKeys.overview, queryFn: endpoints.overview, enabled: seesCounts });

  if (campaign.error) return <ErrorResult error={campaign.error} onRetry={() => void campaign.refetch()} />;
  return (
    <>
      <PageHeader title={t('overview.title')} sub={campaign.data?.name[lang]} />
      {campaign.data ? <CampaignCard campaign={campaign.data} /> : <Skeleton active />}
      {seesCounts ? (
        overview.error ? (
          <ErrorResult error={overview.error} onRetry={() => void overview.refetch()} />
        ) : overview.data ? (
          <>
            {me.departments.length > 0 ? <Alert type="info" showIcon style={{ marginBottom: 16 }} title={t('overview.ownOnly', { departments: me.departments.join('、') })} /> : null}
            <Totals overview={overview.data} />
            <ProgressOverview />
            {can(me, 'dashboard.read') ? <DashboardCards /> : null}
            <Card size="small" title={t('overview.schedule')}>
              <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
                {t('overview.scheduleHint')}
              </Typography.Paragraph>
              {isMobile ? <ScheduleByDay overview={overview.data} /> : <ScheduleTable overview={overview.data} />}
            </Card>
          </>
        ) : (
          <Skeleton active />
        )
      ) : null}
    </>
  );
}
