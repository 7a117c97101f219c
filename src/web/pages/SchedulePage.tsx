import { ReloadOutlined, SaveOutlined, SwapOutlined } from '@ant-design/icons';
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
import { PageHeader } from '../components/PageHeader.js';
import { formatDay, formatInstant, formatSession, formatWindow } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { useUser } from '../session.js';

const REFRESH_MS = 15_000;

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

function fits(sessions: Session[], settings: Settings): boolean {
  return sessions.every((s) => capacityOf(s, settings.stations, settings.minutesPerStudent) === s.capacity);
}

const SAVED_KEY = 'gradphoto.siteSettings';

/** The settings last saved from this browser for a campaign's site (the API has no read of them). */
function savedSettings(campaignId: string, site: Site): Settings | null {
  try {
    const all = JSON.parse(localStorage.getItem(SAVED_KEY) ?? '{}') as Record<string, Settings>;
    const entry = all[`${campaignId}/${site}`];
    return entry && Number.isInteger(entry.stations) && Number.isInteger(entry.minutesPerStudent) ? entry : null;
  } catch {
    return null;
  }
}

function rememberSettings(campaignId: string, site: Site, settings: Settings): void {
  try {
    const all = JSON.parse(localStorage.getItem(SAVED_KEY) ?? '{}') as Record<string, Settings>;
    all[`${campaignId}/${site}`] = { stations: settings.stations, minutesPerStudent: settings.minutesPerStudent };
    localStorage.setItem(SAVED_KEY, JSON.stringify(all));
  } catch {
    /* private mode: not remembered */
  }
}

/**
 * A site's current settings. The API has no read of them: the ones last saved from this browser when they
 * still give every window its seats, else the (stations, minutes per student) that give the seats with the
 * least rounding (2 × 150 ÷ 1 = 300 exactly rather than 1 × 150 ÷ 91 = 1.6 → 1), fewest stations first.
 */
function currentSettings(campaignId: string, site: Site, sessions: Session[]): Settings & { inferred: boolean } {
  const windows = new Map<string, Session>();
  for (const s of sessions) windows.set(`${s.start}-${s.end}`, s);
  const samples = [...windows.values()];
  const saved = savedSettings(campaignId, site);
  if (saved && fits(samples, saved)) return { ...saved, inferred: false };
  let best: (Settings & { loss: number }) | null = null;
  for (let stations = 1; stations <= 100 && samples.length > 0; stations++) {
    for (let minutes = 1; minutes <= 120; minutes++) {
      const candidate = { stations, minutesPerStudent: minutes };
      if (!fits(samples, candidate)) continue;
      const loss = samples.reduce((sum, s) => sum + ((stations * minutesOf(s)) / minutes - s.capacity), 0);
      if (!best || loss < best.loss - 1e-9) best = { ...candidate, loss };
    }
  }
  return best ? { stations: best.stations, minutesPerStudent: best.minutesPerStudent, inferred: true } : { stations: 2, minutesPerStudent: 1, inferred: true };
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

function SettingsCard({ site, sessions, campaign }: { site: Site; sessions: Session[]; campaign: Campaign }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  // computed once per mount (the tab), so that a refresh every 15 s does not overwrite what is being typed
  const [initial] = useState(() => currentSettings(campaign.id, site, sessions));
  const [form] = Form.useForm<{ stations: number; minutesPerStudent: number }>();
  const stations = Form.useWatch('stations', form) ?? initial.stations;
  const minutes = Form.useWatch('minutesPerStudent', form) ?? initial.minutesPerStudent;
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const siteName = t(`site.${site}`);

  const save = useMutation({
    mutationFn: (body: SiteSettingsBody) => endpoints.updateSiteSettings(site, body),
    onSuccess: (result) => {
      setRefusal(null);
      rememberSettings(campaign.id, site, result);
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
  const capacities = campaign.windows
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
        {initial.inferred ? ` ${t('schedule.inferred')}` : ''}
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

function SiteSchedule({ site, campaign, canManage }: { site: Site; campaign: Campaign; canManage: boolean }): ReactNode {
  const { t } = useTranslation();
  const sessions = useQuery({
    queryKey: queryKeys.sessions(site),
    queryFn: () => endpoints.sessions(site),
    refetchInterval: REFRESH_MS,
    staleTime: 0,
  });
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
      {canManage && items.length ? <SettingsCard site={site} sessions={items} campaign={campaign} /> : null}
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Text data-testid="site-totals">
          {t('schedule.totalsText', { booked: sum((s) => s.booked), capacity: sum((s) => s.capacity), expected: sum((s) => s.expected), waiting: sum((s) => s.waiting) })}
        </Typography.Text>
        <Flex align="center" gap={8}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="schedule-updated">
            {t('schedule.updated', { time: formatInstant(new Date(sessions.dataUpdatedAt).toISOString()).slice(11) })}
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
  const campaign = useQuery({ queryKey: queryKeys.campaign, queryFn: endpoints.campaign });
  if (campaign.error) return <ErrorResult error={campaign.error} onRetry={() => void campaign.refetch()} />;
  if (!campaign.data) return <Skeleton active />;
  const sites = campaign.data.sites.map((s) => s.id);
  const picked = params.get('site');
  const site = sites.find((s) => s === picked) ?? sites[0]!;
  return (
    <>
      <PageHeader title={t('schedule.title')} sub={t('schedule.sub')} crumbs={[{ title: t('menu.schedule') }]} />
      <Tabs
        activeKey={site}
        onChange={(key) => setParams({ site: key }, { replace: true })}
        destroyOnHidden
        items={sites.map((s) => ({
          key: s,
          label: <span data-testid={`site-tab-${s}`}>{t(`site.${s}`)}</span>,
          children: <SiteSchedule site={s} campaign={campaign.data} canManage={me.role === 'admin'} />,
        }))}
      />
    </>
  );
}
