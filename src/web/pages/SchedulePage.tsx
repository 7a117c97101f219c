import { CalendarOutlined, ReloadOutlined, SaveOutlined, SwapOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Empty, Flex, Form, InputNumber, Progress, Row, Skeleton, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { Session } from '../../contracts/booking.js';
import type { Campaign } from '../../contracts/campaign.js';
import { ApiError } from '../api/client.js';
import { CapacityRefusalDetailsSchema, endpoints, queryKeys, type Site, type SiteSettingsBody } from '../api/endpoints.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { ScheduleEditor } from '../components/ScheduleEditor.js';
import { PageHeader } from '../components/PageHeader.js';
import { formatDay, formatInstant, formatSession, formatWindow } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { can, useUser } from '../session.js';
import { useLiveSessions, type LiveStatus } from '../useLiveSessions.js';

interface Day {
  date: string;
  weekend: boolean;
  sessions: Session[];
}

function groupByDay(sessions: Session[]): Day[] {
  const days = new Map<string, Day>();
  const sorted = [...sessions].sort((a, b) => (a.date + a.start).localeCompare(b.date + b.start));
  for (const s of sorted) {
    const day = days.get(s.date) ?? { date: s.date, weekend: s.weekend, sessions: [] };
    day.sessions.push(s);
    days.set(s.date, day);
  }
  return [...days.values()];
}

function minutesOf(window: { start: string; end: string }): number {
  const [sh = 0, sm = 0] = window.start.split(':').map(Number);
  const [eh = 0, em = 0] = window.end.split(':').map(Number);
  return eh * 60 + em - (sh * 60 + sm);
}

/** Seats of a window, as the server computes them (stations × minutes ÷ minutes per student, rounded down). */
function capacityOf(window: { start: string; end: string }, stations: number, minutesPerStudent: number): number {
  return Math.max(0, Math.floor((stations * minutesOf(window)) / minutesPerStudent));
}

interface Settings {
  stations: number;
  minutesPerStudent: number;
}


function SessionRow({ session }: { session: Session }): ReactNode {
  const { t } = useTranslation();
  const percent = session.capacity > 0 ? Math.min(100, (session.booked / session.capacity) * 100) : 100;
  const full = session.booked >= session.capacity;
  const overload = session.booked + session.expected > session.capacity;
  return (
    <div data-testid={`session-${session.id}`} data-window={formatWindow(session)} style={{ padding: '8px 0' }}>
      <Flex justify="space-between" align="baseline" wrap gap={4}>
        <Typography.Text strong style={{ fontVariantNumeric: 'tabular-nums' }}>
          {formatWindow(session)}
        </Typography.Text>
        <Typography.Text style={{ fontVariantNumeric: 'tabular-nums' }} data-testid="session-booked">
          {t('schedule.booked')}
          <Typography.Text strong>{session.booked}</Typography.Text> / {session.capacity}
        </Typography.Text>
      </Flex>
      <Progress
        percent={percent}
        showInfo={false}
        status={full ? 'exception' : 'normal'}
        strokeColor={full ? undefined : percent >= 80 ? '#fa8c16' : undefined}
        aria-label={`${formatWindow(session)} ${session.booked} / ${session.capacity}`}
        style={{ margin: '2px 0 4px' }}
      />
      <Flex wrap gap={4}>
        <Tooltip title={t('schedule.expectedHint')}>
          <Tag variant="outlined" style={{ cursor: 'help', marginInlineEnd: 0 }} data-testid="session-expected">
            {t('schedule.expected')} {session.expected}
          </Tag>
        </Tooltip>
        <Tag variant="outlined" color={session.waiting ? 'purple' : undefined} style={{ marginInlineEnd: 0 }} data-testid="session-waiting">
          {t('schedule.waiting')} {session.waiting}
        </Tag>
        {full ? (
          <Tag color="red" style={{ marginInlineEnd: 0 }}>
            {t('schedule.full')}
          </Tag>
        ) : (
          <Tag color="green" style={{ marginInlineEnd: 0 }}>
            {t('schedule.free', { count: session.capacity - session.booked })}
          </Tag>
        )}
        {overload ? (
          <Tag color="warning" style={{ marginInlineEnd: 0 }}>
            {t('schedule.overload')}
          </Tag>
        ) : null}
      </Flex>
    </div>
  );
}

function DayCard({ day, departments }: { day: Day; departments: string[] }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  return (
    <Card
      size="small"
      data-testid={`day-${day.date}`}
      title={
        <Flex align="center" gap={6}>
          <span>{formatDay(day.date, lang)}</span>
          {day.weekend ? (
            <Tag color="gold" style={{ marginInlineEnd: 0 }}>
              {t('schedule.weekend')}
            </Tag>
          ) : null}
        </Flex>
      }
      styles={{ header: day.weekend ? { background: '#fffbe6' } : undefined, body: { paddingTop: 4 } }}
      style={{ height: '100%' }}
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: '4px 0 0' }} ellipsis={{ rows: 2, expandable: true, symbol: t('schedule.more') }}>
        {departments.length ? t('schedule.departments', { departments: departments.join('、') }) : t('schedule.noDepartments')}
      </Typography.Paragraph>
      {day.sessions.map((s) => (
        <SessionRow key={s.id} session={s} />
      ))}
    </Card>
  );
}

interface Refusal {
  message: string;
  affected: { studentNo: string; sessionId: string; date: string; start: string }[];
  body: SiteSettingsBody;
}

function SettingsCard({ site, sessions, initial }: { site: Site; sessions: Session[]; initial: Settings }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ stations: number; minutesPerStudent: number }>();
  const stations = Form.useWatch('stations', form) ?? initial.stations;
  const minutes = Form.useWatch('minutesPerStudent', form) ?? initial.minutesPerStudent;
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const siteName = t(`site.${site}`);

  const save = useMutation({
    mutationFn: (body: SiteSettingsBody) => endpoints.updateSiteSettings(site, body),
    onSuccess: (result) => {
      setRefusal(null);
      queryClient.setQueryData(queryKeys.siteSettings(site), { site, stations: result.stations, minutesPerStudent: result.minutesPerStudent });
      void message.success(result.moved.length ? t('schedule.savedMoved', { site: siteName, count: result.moved.length }) : t('schedule.saved', { site: siteName }));
    },
    onError: (error, body) => {
      if (error instanceof ApiError && error.code === 'CAPACITY_BELOW_BOOKINGS') {
        const details = CapacityRefusalDetailsSchema.safeParse(error.details);
        setRefusal({ message: error.message, affected: details.success ? details.data.affected : [], body });
      } else setRefusal(null);
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
      void queryClient.invalidateQueries({ queryKey: ['booking'] });
    },
  });

  const sessionById = new Map(sessions.map((s) => [s.id, s]));
  // the site's distinct windows (days may have their own since the admin can edit them)
  const windows = [...new Map(sessions.map((s) => [`${s.start}-${s.end}`, { start: s.start, end: s.end }])).values()].sort((a, b) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end));
  const capacities = windows
    .map((w) => t('schedule.windowSeats', { window: formatWindow(w), count: stations > 0 && minutes > 0 ? capacityOf(w, stations, minutes) : 0 }))
    .join(lang === 'en' ? ', ' : '，');
  const otherError = save.error && !(save.error instanceof ApiError && save.error.code === 'CAPACITY_BELOW_BOOKINGS') ? save.error : null;

  return (
    <Card size="small" title={t('schedule.settings', { site: siteName })} style={{ marginBottom: 16 }} data-testid={`settings-${site}`}>
      <Form
        form={form}
        layout="inline"
        initialValues={{ stations: initial.stations, minutesPerStudent: initial.minutesPerStudent }}
        onFinish={(values) => save.mutate({ ...values, moveAffected: false })}
        style={{ rowGap: 8 }}
      >
        <Form.Item name="stations" label={t('schedule.stations')} rules={[{ required: true }]}>
          <InputNumber min={1} max={100} precision={0} style={{ width: 96 }} data-testid="settings-stations" />
        </Form.Item>
        <Form.Item name="minutesPerStudent" label={t('schedule.minutesPerStudent')} rules={[{ required: true }]}>
          <InputNumber min={1} max={120} precision={0} style={{ width: 96 }} data-testid="settings-minutes" />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" icon={<SaveOutlined />} loading={save.isPending && !save.variables.moveAffected} disabled={save.isPending} data-testid="settings-save">
            {t('schedule.save')}
          </Button>
        </Form.Item>
      </Form>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: '8px 0 0' }}>
        {t('schedule.settingsHint')}
        <br />
        <span data-testid="settings-resulting">{t('schedule.resulting', { capacities })}</span>
      </Typography.Paragraph>
      {otherError ? <Alert type="error" showIcon title={otherError.message} style={{ marginTop: 12 }} /> : null}
      {refusal ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="capacity-refusal"
          title={refusal.message}
          description={
            <>
              {refusal.affected.length ? (
                <>
                  <Typography.Paragraph style={{ margin: '4px 0' }}>{t('schedule.affectedTitle', { count: refusal.affected.length })}</Typography.Paragraph>
                  <Table
                    size="small"
                    rowKey={(row) => `${row.studentNo}/${row.sessionId}`}
                    pagination={refusal.affected.length > 10 ? { pageSize: 10, size: 'small' } : false}
                    dataSource={refusal.affected}
                    data-testid="affected-students"
                    style={{ maxWidth: 480, marginBottom: 8 }}
                    columns={[
                      { title: t('schedule.affectedStudentNo'), dataIndex: 'studentNo', width: 120 },
                      {
                        title: t('schedule.affectedSession'),
                        key: 'session',
                        render: (_, row) => {
                          const s = sessionById.get(row.sessionId);
                          return s ? formatSession(s, lang) : `${formatDay(row.date, lang)} ${row.start}`;
                        },
                      },
                    ]}
                  />
                </>
              ) : null}
              <Typography.Paragraph type="secondary" style={{ margin: '0 0 8px', fontSize: 12 }}>
                {t('schedule.moveHint')}
              </Typography.Paragraph>
              <Flex wrap gap={8}>
                <Button
                  type="primary"
                  danger
                  icon={<SwapOutlined />}
                  loading={save.isPending && save.variables.moveAffected}
                  disabled={save.isPending}
                  onClick={() => save.mutate({ ...refusal.body, moveAffected: true })}
                  data-testid="move-affected"
                >
                  {t('schedule.moveThem')}
                </Button>
                <Button disabled={save.isPending} onClick={() => setRefusal(null)}>
                  {t('common.cancel')}
                </Button>
              </Flex>
            </>
          }
        />
      ) : null}
    </Card>
  );
}

/** The settings form, once the site's current settings are read (getSiteSettings). */
function SiteSettingsCard({ site, sessions }: { site: Site; sessions: Session[] }): ReactNode {
  const settings = useQuery({ queryKey: queryKeys.siteSettings(site), queryFn: () => endpoints.siteSettings(site), staleTime: Infinity });
  if (settings.error) return <Alert type="error" showIcon title={settings.error.message} style={{ marginBottom: 16 }} />;
  if (!settings.data) return <Skeleton active paragraph={{ rows: 2 }} />;
  return <SettingsCard site={site} sessions={sessions} initial={settings.data} />;
}

function LiveTag({ status }: { status: LiveStatus }): ReactNode {
  const { t } = useTranslation();
  const color = status === 'live' ? 'green' : status === 'polling' ? 'orange' : 'default';
  return (
    <Tooltip title={status === 'live' ? t('live.liveHint') : status === 'polling' ? t('live.pollingHint') : undefined}>
      <Tag color={color} data-testid="live-status" data-status={status} style={{ marginInlineEnd: 0 }}>
        {t(`live.${status}`)}
      </Tag>
    </Tooltip>
  );
}

function SiteSchedule({ site, campaign, canManage }: { site: Site; campaign: Campaign; canManage: boolean }): ReactNode {
  const { t } = useTranslation();
  const sessions = useLiveSessions(site);
  if (sessions.error && !sessions.data) return <ErrorResult error={sessions.error} onRetry={() => void sessions.refetch()} />;
  if (!sessions.data) return <Skeleton active />;
  const items = sessions.data.items;
  const days = groupByDay(items);
  const departmentsOf = (date: string) => {
    const names = campaign.days.find((d) => d.date === date)?.departments ?? [];
    // Beijing serves every department (S4: Shenzhen students studying in Beijing come here too)
    if (site === 'beijing') return names;
    return names.filter((name) => campaign.departments.find((d) => d.name === name)?.site === site);
  };
  const sum = (pick: (s: Session) => number) => items.reduce((n, s) => n + pick(s), 0);
  return (
    <>
      {canManage && items.length ? <SiteSettingsCard site={site} sessions={items} /> : null}
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Text data-testid="site-totals">
          {t('schedule.totalsText', { booked: sum((s) => s.booked), capacity: sum((s) => s.capacity), expected: sum((s) => s.expected), waiting: sum((s) => s.waiting) })}
        </Typography.Text>
        <Flex align="center" gap={8}>
          <LiveTag status={sessions.live} />
          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="schedule-updated">
            {t('live.updated', { time: formatInstant(new Date(sessions.dataUpdatedAt).toISOString()).slice(11) })}
          </Typography.Text>
          <Tooltip title={t('schedule.refresh')}>
            <Button size="small" icon={<ReloadOutlined />} loading={sessions.isFetching} onClick={() => void sessions.refetch()} aria-label={t('schedule.refresh')} />
          </Tooltip>
        </Flex>
      </Flex>
      {sessions.error ? <Alert type="error" showIcon title={sessions.error.message} style={{ marginBottom: 12 }} /> : null}
      {days.length === 0 ? (
        <Empty description={t('schedule.noSessions')} />
      ) : (
        <Row gutter={[16, 16]}>
          {days.map((day) => (
            <Col key={day.date} xs={24} md={12} xl={8}>
              <DayCard day={day} departments={departmentsOf(day.date)} />
            </Col>
          ))}
        </Row>
      )}
    </>
  );
}

export default function SchedulePage(): ReactNode {
  const { t } = useTranslation();
  const me = useUser();
  const [params, setParams] = useSearchParams();
  const [editing, setEditing] = useState(false);
  const campaign = useQuery({ queryKey: queryKeys.campaign, queryFn: endpoints.campaign });
  if (campaign.error) return <ErrorResult error={campaign.error} onRetry={() => void campaign.refetch()} />;
  if (!campaign.data) return <Skeleton active />;
  const sites = campaign.data.sites.map((s) => s.id);
  const picked = params.get('site');
  const site = sites.find((s) => s === picked) ?? sites[0]!;
  return (
    <>
      <PageHeader
        title={t('schedule.title')}
        sub={t('schedule.sub')}
        crumbs={[{ title: t('menu.schedule') }]}
        extra={
          can(me, 'schedule.manage') ? (
            <Button icon={<CalendarOutlined />} onClick={() => setEditing(true)} data-testid="schedule-edit">
              {t('scheduleEdit.open')}
            </Button>
          ) : null
        }
      />
      {can(me, 'schedule.manage') ? <ScheduleEditor open={editing} onClose={() => setEditing(false)} /> : null}
      <Tabs
        activeKey={site}
        onChange={(key) => setParams({ site: key }, { replace: true })}
        destroyOnHidden
        items={sites.map((s) => ({
          key: s,
          label: <span data-testid={`site-tab-${s}`}>{t(`site.${s}`)}</span>,
          children: <SiteSchedule site={s} campaign={campaign.data} canManage={can(me, 'schedule.manage')} />,
        }))}
      />
    </>
  );
}
