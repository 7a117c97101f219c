// The admin's editor of the campaign's days and windows (issue #3, part 1): one card per day with its date,
// its departments and each site's windows (Beijing time), saved with updateCampaignSchedule. Problems come
// back naming the day, field and value; bookings that would lose their seat are listed, and the admin may
// have them moved (each student is notified).
import { DeleteOutlined, PlusOutlined, SaveOutlined, SwapOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, DatePicker, Drawer, Empty, Flex, Select, Skeleton, Space, Table, Tag, TimePicker, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CapacityRefusalDetails } from '../../contracts/booking.js';
import { ApiError } from '../api/client.js';
import { CapacityRefusalDetailsSchema, endpoints, queryKeys, type ScheduleDay, type Site } from '../api/endpoints.js';
import { formatDay } from '../format.js';
import { currentLanguage } from '../i18n/index.js';

interface Window {
  start: string;
  end: string;
}

interface EditDay {
  key: number;
  date: string;
  departments: string[];
  windows: Partial<Record<Site, Window[]>>;
}

const isWeekend = (date: string) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
const time = (hhmm: string) => dayjs(`2000-01-01T${hhmm}:00`);

function DayEditor({
  day,
  sites,
  departments,
  dayOf,
  period,
  onChange,
  onRemove,
}: {
  day: EditDay;
  sites: Site[];
  departments: string[];
  dayOf: Map<string, string>;
  period: { first: string; last: string };
  onChange: (d: EditDay) => void;
  onRemove: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const setWindows = (site: Site, windows: Window[]) => onChange({ ...day, windows: { ...day.windows, [site]: windows } });
  return (
    <Card
      size="small"
      data-testid={`edit-day-${day.date}`}
      title={
        <Flex align="center" gap={8} wrap>
          <DatePicker
            value={dayjs(day.date)}
            allowClear={false}
            format="YYYY-MM-DD"
            aria-label={t('scheduleEdit.date')}
            disabledDate={(d) => d.format('YYYY-MM-DD') < period.first || d.format('YYYY-MM-DD') > period.last}
            onChange={(d) => d && onChange({ ...day, date: d.format('YYYY-MM-DD') })}
          />
          <Typography.Text type="secondary">{formatDay(day.date, lang)}</Typography.Text>
          {isWeekend(day.date) ? <Tag color="gold">{t('scheduleEdit.weekend')}</Tag> : null}
        </Flex>
      }
      extra={
        <Button size="small" danger icon={<DeleteOutlined />} onClick={onRemove} aria-label={t('scheduleEdit.removeDay')}>
          {t('scheduleEdit.removeDay')}
        </Button>
      }
      style={{ marginBottom: 12 }}
    >
      <Typography.Text strong>{t('scheduleEdit.departments')}</Typography.Text>
      <Select
        mode="multiple"
        style={{ width: '100%', margin: '4px 0 12px' }}
        placeholder={t('scheduleEdit.departmentsPlaceholder')}
        value={day.departments}
        onChange={(value: string[]) => onChange({ ...day, departments: value })}
        options={departments.map((d) => {
          const other = dayOf.get(d);
          return { value: d, label: other && other !== day.date ? `${d}（${other}）` : d };
        })}
        optionFilterProp="label"
        data-testid="edit-departments"
      />
      <Flex gap={24} wrap>
        {sites.map((site) => {
          const windows = day.windows[site] ?? [];
          return (
            <div key={site} data-testid={`edit-windows-${site}`}>
              <Typography.Text strong>{t('scheduleEdit.windows', { site: t(`site.${site}`) })}</Typography.Text>
              <Space direction="vertical" size={4} style={{ display: 'flex', marginTop: 4 }}>
                {windows.length === 0 ? <Typography.Text type="secondary">{t('scheduleEdit.noWindows')}</Typography.Text> : null}
                {windows.map((w, i) => (
                  <Flex key={i} gap={4} align="center">
                    <TimePicker.RangePicker
                      format="HH:mm"
                      minuteStep={5}
                      allowClear={false}
                      order={false}
                      value={[time(w.start), time(w.end)]}
                      onChange={(range) => {
                        if (!range?.[0] || !range[1]) return;
                        setWindows(
                          site,
                          windows.map((x, j) => (j === i ? { start: range[0]!.format('HH:mm'), end: range[1]!.format('HH:mm') } : x)),
                        );
                      }}
                      data-testid={`edit-window-${site}-${i}`}
                    />
                    <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('scheduleEdit.removeWindow')} onClick={() => setWindows(site, windows.filter((_, j) => j !== i))} />
                  </Flex>
                ))}
                <Button size="small" type="dashed" icon={<PlusOutlined />} onClick={() => setWindows(site, [...windows, { start: '13:00', end: '17:30' }])}>
                  {t('scheduleEdit.addWindow')}
                </Button>
              </Space>
            </div>
          );
        })}
      </Flex>
    </Card>
  );
}

export function ScheduleEditor({ open, onClose }: { open: boolean; onClose: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const schedule = useQuery({ queryKey: queryKeys.schedule, queryFn: endpoints.campaignSchedule, enabled: open });
  const [days, setDays] = useState<EditDay[] | null>(null);
  const [nextKey, setNextKey] = useState(1000);
  const [problems, setProblems] = useState<string[]>([]);
  const [refusal, setRefusal] = useState<CapacityRefusalDetails | null>(null);

  const loaded: EditDay[] | null = schedule.data ? schedule.data.days.map((d, i) => ({ key: i, date: d.date, departments: d.departments, windows: d.windows })) : null;
  const current = days ?? loaded;

  const save = useMutation({
    mutationFn: (moveAffected: boolean) =>
      endpoints.updateCampaignSchedule({
        days: (current ?? []).map((d): ScheduleDay => ({ date: d.date, departments: d.departments, windows: d.windows })),
        moveAffected,
      }),
    onSuccess: (result) => {
      setProblems([]);
      setRefusal(null);
      void message.success(t('scheduleEdit.saved', result.sessions));
      if (result.moved.length || result.cancelled.length) void message.info(t('scheduleEdit.savedMoved', { moved: result.moved.length, cancelled: result.cancelled.length }));
      setDays(null);
      onClose();
    },
    onError: (error) => {
      setProblems([]);
      setRefusal(null);
      if (error instanceof ApiError && error.code === 'VALIDATION_FAILED' && Array.isArray(error.details)) {
        setProblems((error.details as { message?: string; field?: string }[]).map((d) => d.message ?? d.field ?? ''));
      } else if (error instanceof ApiError && error.code === 'CAPACITY_BELOW_BOOKINGS') {
        const parsed = CapacityRefusalDetailsSchema.safeParse(error.details);
        setRefusal(parsed.success ? parsed.data : { affected: [] });
      }
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
      void queryClient.invalidateQueries({ queryKey: ['campaign'] });
      void queryClient.invalidateQueries({ queryKey: ['booking'] });
    },
  });

  const close = () => {
    setDays(null);
    setProblems([]);
    setRefusal(null);
    onClose();
  };
  const update = (next: EditDay[]) => setDays(next);
  const dayOf = new Map<string, string>();
  for (const d of current ?? []) for (const dep of d.departments) if (!dayOf.has(dep)) dayOf.set(dep, d.date);
  const unassigned = (schedule.data?.departments ?? []).filter((d) => !dayOf.has(d));
  const otherError = save.error && !(save.error instanceof ApiError && ['VALIDATION_FAILED', 'CAPACITY_BELOW_BOOKINGS'].includes(save.error.code)) ? save.error : null;

  return (
    <Drawer
      open={open}
      onClose={close}
      title={t('scheduleEdit.title')}
      size="large"
      width={920}
      destroyOnHidden
      data-testid="schedule-editor"
      extra={
        <Button type="primary" icon={<SaveOutlined />} loading={save.isPending} disabled={!current} onClick={() => save.mutate(false)} data-testid="schedule-save">
          {t('scheduleEdit.save')}
        </Button>
      }
    >
      {schedule.error ? <Alert type="error" showIcon title={schedule.error.message} /> : null}
      {!current || !schedule.data ? (
        <Skeleton active />
      ) : (
        <>
          <Typography.Paragraph type="secondary">{t('scheduleEdit.hint')}</Typography.Paragraph>
          <Typography.Paragraph type="secondary">{t('scheduleEdit.period', { first: schedule.data.firstDay, last: schedule.data.lastDay })}</Typography.Paragraph>
          {unassigned.length ? <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('scheduleEdit.unassigned', { departments: unassigned.join('、') })} /> : null}
          {problems.length ? (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="schedule-problems"
              title={t('scheduleEdit.invalid')}
              description={
                <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                  {problems.map((p, i) => (
                    <li key={i}>{p}</li>
                  ))}
                </ul>
              }
            />
          ) : null}
          {otherError ? <Alert type="error" showIcon style={{ marginBottom: 12 }} title={otherError.message} /> : null}
          {refusal ? (
            <Alert
              type="warning"
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="schedule-refusal"
              title={t('scheduleEdit.affectedTitle', { count: refusal.affected.length })}
              description={
                <>
                  <Table
                    size="small"
                    rowKey={(r) => `${r.studentNo}/${r.sessionId}`}
                    dataSource={refusal.affected}
                    pagination={refusal.affected.length > 10 ? { pageSize: 10, size: 'small' } : false}
                    columns={[
                      { title: t('schedule.affectedStudentNo'), dataIndex: 'studentNo' },
                      { title: t('schedule.affectedSession'), key: 's', render: (_, r) => `${r.date} ${r.start}` },
                    ]}
                    style={{ maxWidth: 480, marginBottom: 8 }}
                  />
                  <Flex gap={8} wrap>
                    <Button danger type="primary" icon={<SwapOutlined />} loading={save.isPending} onClick={() => save.mutate(true)} data-testid="schedule-move-affected">
                      {t('scheduleEdit.moveThem')}
                    </Button>
                    <Button onClick={() => setRefusal(null)}>{t('scheduleEdit.cancel')}</Button>
                  </Flex>
                </>
              }
            />
          ) : null}
          {current.length === 0 ? <Empty /> : null}
          {current.map((day, i) => (
            <DayEditor
              key={day.key}
              day={day}
              sites={schedule.data!.sites}
              departments={schedule.data!.departments}
              dayOf={dayOf}
              period={{ first: schedule.data!.firstDay, last: schedule.data!.lastDay }}
              onChange={(d) => update(current.map((x, j) => (j === i ? d : x)))}
              onRemove={() => update(current.filter((_, j) => j !== i))}
            />
          ))}
          <Button
            type="dashed"
            block
            icon={<PlusOutlined />}
            onClick={() => {
              const last = [...current.map((d) => d.date)].sort().at(-1) ?? schedule.data!.firstDay;
              const next = dayjs(last).add(1, 'day').format('YYYY-MM-DD');
              // the new day starts with the first day's windows at every site
              const windows = Object.fromEntries(schedule.data!.sites.map((site) => [site, [...(current[0]?.windows[site] ?? [])]]));
              update([...current, { key: nextKey, date: next > schedule.data!.lastDay ? schedule.data!.lastDay : next, departments: [], windows }]);
              setNextKey(nextKey + 1);
            }}
          >
            {t('scheduleEdit.addDay')}
          </Button>
        </>
      )}
    </Drawer>
  );
}
