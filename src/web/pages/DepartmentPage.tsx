import { MailOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Empty, Flex, Popconfirm, Progress, Row, Select, Skeleton, Statistic, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { endpoints, queryKeys, type Site } from '../api/endpoints.js';
import { progressApi, progressKeys } from '../api/progress.js';
import { ProgressOverview } from '../components/charts/ProgressOverview.js';
import { DashboardCards } from '../components/dashboard/DashboardCards.js';
import { PageHeader } from '../components/PageHeader.js';
import { StudentTable } from '../components/StudentTable.js';
import { formatDay, formatWindow, labelled } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { can, useUser } from '../session.js';
import { useDepartmentOptions } from '../useDepartments.js';
import { useLiveSessions } from '../useLiveSessions.js';

function DepartmentCounts({ department }: { department: string }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const overview = useQuery({ queryKey: queryKeys.overview, queryFn: endpoints.overview });
  if (overview.isLoading) return <Skeleton active paragraph={{ rows: 1 }} />;
  if (overview.error) return <Typography.Text type="danger">{overview.error.message}</Typography.Text>;
  const day = overview.data?.days.find((d) => d.departments.some((dep) => dep.name === department));
  const counts = day?.departments.find((dep) => dep.name === department)?.counts;
  const items = [
    { key: 'day', title: t('department.day'), value: day ? formatDay(day.date, lang) : t('common.none'), color: undefined },
    { key: 'required', title: t('overview.required'), value: counts?.required ?? 0, color: '#cf1322' },
    { key: 'excluded', title: t('overview.excluded'), value: counts?.excluded ?? 0, color: '#595959' },
    { key: 'nic', title: t('overview.notInCampaign'), value: counts?.notInCampaign ?? 0, color: '#8c8c8c' },
    { key: 'total', title: t('overview.total'), value: counts?.total ?? 0, color: '#1f4e9c' },
  ];
  return (
    <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
      {items.map((item) => (
        <Col key={item.key} {...(item.key === 'day' ? { xs: 24, md: 8 } : { xs: 12, sm: 6, md: 4 })}>
          <Card size="small" data-testid={`dept-${item.key}`}>
            <Statistic title={item.title} value={item.value} styles={{ content: { color: item.color, fontSize: item.key === 'day' ? 18 : undefined } }} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}

/** The department's day at its site: booked / capacity per window, updated live (issue #3, part 8). */
function DaySessions({ department }: { department: string }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const overview = useQuery({ queryKey: queryKeys.overview, queryFn: endpoints.overview });
  const day = overview.data?.days.find((d) => d.departments.some((dep) => dep.name === department));
  const site = day?.departments.find((dep) => dep.name === department)?.site ?? 'beijing';
  if (!overview.data) return null;
  if (!day) return <Empty description={t('live.noDay')} style={{ marginBottom: 16 }} />;
  return <DaySessionsOf date={day.date} site={site} title={t('live.daySessions', { day: formatDay(day.date, lang), site: t(`site.${site}`) })} />;
}

function DaySessionsOf({ date, site, title }: { date: string; site: Site; title: string }): ReactNode {
  const { t } = useTranslation();
  const sessions = useLiveSessions(site, date);
  return (
    <Card
      size="small"
      title={title}
      style={{ marginBottom: 16 }}
      data-testid="dept-sessions"
      extra={
        <Tag color={sessions.live === 'live' ? 'green' : sessions.live === 'polling' ? 'orange' : 'default'} data-testid="live-status" data-status={sessions.live}>
          {t(`live.${sessions.live}`)}
        </Tag>
      }
    >
      {sessions.error ? <Typography.Text type="danger">{sessions.error.message}</Typography.Text> : null}
      {!sessions.data ? (
        <Skeleton active paragraph={{ rows: 1 }} />
      ) : (
        <Row gutter={[12, 12]}>
          {sessions.data.items.map((s) => (
            <Col key={s.id} xs={24} sm={12} md={8}>
              <div data-testid={`session-${s.id}`}>
                <Typography.Text strong style={{ fontVariantNumeric: 'tabular-nums' }}>
                  {formatWindow(s)}
                </Typography.Text>{' '}
                <Typography.Text style={{ fontVariantNumeric: 'tabular-nums' }} data-testid="session-booked">
                  {t('schedule.booked')}
                  <Typography.Text strong>{s.booked}</Typography.Text> / {s.capacity}
                </Typography.Text>
                <Progress percent={s.capacity > 0 ? Math.min(100, (s.booked / s.capacity) * 100) : 100} showInfo={false} size="small" status={s.booked >= s.capacity ? 'exception' : 'normal'} />
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('schedule.expected')} {s.expected} · {t('schedule.waiting')} {s.waiting}
                </Typography.Text>
              </div>
            </Col>
          ))}
        </Row>
      )}
    </Card>
  );
}

/**
 * Who of the department has not booked, and who booked a session that is over and did not come: their number,
 * a button that shows them in the list below, and one that mails them a reminder (remindStudents).
 */
function RemindCard({ department }: { department: string }): ReactNode {
  const { t } = useTranslation();
  const me = useUser();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [, setParams] = useSearchParams();
  const countOf = (progress: 'not-booked' | 'no-show') => ({
    queryKey: [...progressKeys.all, 'count', department, progress],
    queryFn: async () => (await endpoints.students({ department, progress }, 1, 1)).total,
  });
  const notBooked = useQuery(countOf('not-booked'));
  const noShow = useQuery(countOf('no-show'));
  const remind = useMutation({
    mutationFn: (which: 'not-booked' | 'no-show') => progressApi.remind({ department, which }),
    onSuccess: (r) => {
      void message.success(t('progress.remindDone', { queued: r.queued, skipped: r.skipped, recent: r.recentlyReminded, noAddress: r.noAddress, invalid: r.invalidAddress }), 8);
      void queryClient.invalidateQueries({ queryKey: progressKeys.all });
    },
    onError: (error) => void message.error(`${labelled(t('progress.remindFailed'), currentLanguage())}${(error as Error).message}`),
  });
  if (!can(me, 'student.remind')) return null;
  const item = (which: 'not-booked' | 'no-show', n: number | undefined, label: string) => (
    <Flex gap={8} wrap align="center" key={which}>
      <Popconfirm
        title={t('progress.remindConfirm', { department, which: t(`progress.state.${which}`) })}
        okText={t('progress.remindOk')}
        cancelText={t('common.cancel')}
        onConfirm={() => remind.mutate(which)}
      >
        <Button icon={<MailOutlined />} disabled={!n} loading={remind.isPending && remind.variables === which} data-testid={`remind-${which}`}>
          {label}
        </Button>
      </Popconfirm>
      <Button type="link" size="small" disabled={!n} onClick={() => setParams({ dept: department, progress: which }, { replace: true })} data-testid={`show-${which}`}>
        {t('progress.showList')}
      </Button>
    </Flex>
  );
  return (
    <Card size="small" title={t('progress.remindTitle')} style={{ marginBottom: 16 }} data-testid="remind-card">
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {t('progress.remindHint')}
      </Typography.Paragraph>
      <Flex gap={16} wrap>
        {item('not-booked', notBooked.data, t('progress.remindNotBooked', { count: notBooked.data ?? 0 }))}
        {item('no-show', noShow.data, t('progress.remindNoShow', { count: noShow.data ?? 0 }))}
      </Flex>
    </Card>
  );
}

export default function DepartmentPage(): ReactNode {
  const { t } = useTranslation();
  const me = useUser();
  const { departments, isLoading } = useDepartmentOptions();
  const [params, setParams] = useSearchParams();
  const picked = params.get('dept');
  const department = picked && departments.includes(picked) ? picked : departments[0];

  const picker =
    departments.length > 1 ? (
      <Select
        showSearch={{ optionFilterProp: 'label' }}
        style={{ minWidth: 220 }}
        value={department}
        options={departments.map((d) => ({ label: d, value: d }))}
        onChange={(d: string) => setParams({ dept: d }, { replace: true })}
        aria-label={t('department.pick')}
        data-testid="department-picker"
      />
    ) : null;

  return (
    <>
      <PageHeader title={department ? `${labelled(t('department.title'), currentLanguage())}${department}` : t('department.title')} crumbs={[{ title: t('menu.department') }]} extra={picker} />
      {isLoading ? (
        <Skeleton active />
      ) : !department ? (
        <Empty description={me.departments.length > 0 ? t('department.none') : undefined} />
      ) : (
        <>
          <DepartmentCounts department={department} />
          <ProgressOverview key={`progress-${department}`} department={department} />
          {can(me, 'dashboard.read') ? <DashboardCards key={`dashboard-${department}`} department={department} /> : null}
          <RemindCard key={`remind-${department}`} department={department} />
          <DaySessions department={department} />
          <Card size="small">
            {/* key: a new department starts with fresh search text */}
            <StudentTable key={department} departments={[]} lockedDepartment={department} canExport remindDepartment={department} />
          </Card>
        </>
      )}
    </>
  );
}
