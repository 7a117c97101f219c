import { ClockCircleOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Flex, Popconfirm, Select, Skeleton, Tag, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../contracts/booking.js';
import type { StudentDetail } from '../../contracts/student.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { formatDay, formatSession, hasStarted, wallClockNow } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { isSessionFull, useBookingActions } from '../useBookingActions.js';
import { ErrorResult } from './ErrorResult.js';

/**
 * A secretary's or an admin's "预约" card on a student's page: the student's booking (or their
 * department's day) and waitlist places, and a session picker to book, move or cancel on their behalf.
 * The server decides who may book what; its refusal is shown as it answers it.
 */
export function BookingCard({ student }: { student: StudentDetail }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const mine = useQuery({ queryKey: queryKeys.myBooking(student.studentNo), queryFn: () => endpoints.myBooking(student.studentNo) });
  const sessions = useQuery({ queryKey: queryKeys.sessions(student.site), queryFn: () => endpoints.sessions(student.site) });
  const campaign = useQuery({ queryKey: queryKeys.campaign, queryFn: endpoints.campaign });
  const actions = useBookingActions(student.studentNo);
  const [picked, setPicked] = useState<string | undefined>();

  let body: ReactNode;
  const error = mine.error ?? sessions.error;
  if (error && (!mine.data || !sessions.data)) {
    body = <ErrorResult error={error} onRetry={() => void Promise.all([mine.refetch(), sessions.refetch()])} />;
  } else if (!mine.data || !sessions.data) {
    body = <Skeleton active paragraph={{ rows: 2 }} />;
  } else {
    const booking = mine.data.booking?.status === 'active' ? mine.data.booking : null;
    const waiting = mine.data.waitlist.filter((w) => w.status === 'waiting');
    const now = wallClockNow(campaign.data?.timezone);
    const list = [...sessions.data.items].sort((a, b) => (a.date + a.start).localeCompare(b.date + b.start));
    const byId = new Map(list.map((s) => [s.id, s]));
    const chosen: Session | undefined = picked ? byId.get(picked) : undefined;
    const failure = actions.failure;
    const fullSession = isSessionFull(failure) ? byId.get(failure.sessionId) : undefined;
    body = (
      <>
        <Descriptions
          size="small"
          column={1}
          styles={{ label: { whiteSpace: 'nowrap' } }}
          items={[
            {
              key: 'booking',
              label: t('booking.current'),
              children: booking ? (
                <Flex wrap gap={8} align="center">
                  <Typography.Text strong data-testid="staff-booking" data-session-id={booking.sessionId}>
                    {formatSession(booking.session, lang, true)}
                  </Typography.Text>
                  <Popconfirm
                    title={t('booking.cancelConfirmStaff')}
                    okText={t('booking.cancel')}
                    cancelText={t('common.close')}
                    okButtonProps={{ danger: true }}
                    onConfirm={() => actions.cancel(booking.id)}
                    disabled={actions.busy}
                  >
                    <Button size="small" danger loading={actions.cancelling} disabled={actions.busy && !actions.cancelling} data-testid="staff-cancel">
                      {t('booking.cancel')}
                    </Button>
                  </Popconfirm>
                </Flex>
              ) : (
                <Typography.Text type="secondary" data-testid="staff-booking-none">
                  {t('booking.none')}
                </Typography.Text>
              ),
            },
            // the department's day is where a required student is expected without a booking (S1)
            ...(student.decision === 'required'
              ? [
                  {
                    key: 'day',
                    label: t('booking.defaultDay'),
                    children: student.departmentDay ? t('booking.defaultDayValue', { day: formatDay(student.departmentDay, lang, true) }) : t('booking.noDefaultDay'),
                  },
                ]
              : []),
            ...(waiting.length
              ? [
                  {
                    key: 'waitlist',
                    label: t('booking.waitlist'),
                    children: (
                      <Flex vertical data-testid="staff-waitlist">
                        {waiting.map((w) => {
                          const s = byId.get(w.sessionId);
                          return (
                            <span key={w.id}>
                              <ClockCircleOutlined /> {t('booking.waitlistEntry', { session: s ? formatSession(s, lang) : w.sessionId, position: w.position })}
                            </span>
                          );
                        })}
                      </Flex>
                    ),
                  },
                ]
              : []),
          ]}
        />
        {student.decision !== 'required' ? (
          <Alert type="info" showIcon style={{ margin: '8px 0' }} title={t('booking.notRequiredStaff', { rule: student.rule ?? t(`decision.${student.decision}`) })} />
        ) : null}
        <Flex wrap gap={8} style={{ marginTop: 8 }}>
          <Select
            style={{ flex: '1 1 260px', minWidth: 0, maxWidth: 420 }}
            placeholder={t('booking.pick')}
            value={picked}
            onChange={(value: string) => {
              setPicked(value);
              actions.clearFailure();
            }}
            data-testid="staff-session-select"
            aria-label={t('booking.pick')}
            options={list.map((s) => {
              const full = s.booked >= s.capacity;
              const past = hasStarted(s, now);
              const state = past ? t('booking.past') : full ? t('booking.full') : t('booking.seatsLeft', { count: s.capacity - s.booked });
              return {
                value: s.id,
                disabled: past || booking?.sessionId === s.id,
                label: `${formatSession(s, lang)}${s.weekend ? ` ${t('schedule.weekend')}` : ''} · ${state}`,
              };
            })}
          />
          <Button
            type="primary"
            disabled={!chosen || (actions.busy && actions.pendingSessionId !== chosen.id)}
            loading={chosen !== undefined && actions.pendingSessionId === chosen.id}
            onClick={() => chosen && actions.book(chosen, booking !== null)}
            data-testid="staff-book"
          >
            {booking ? t('booking.moveShort') : t('booking.book')}
          </Button>
        </Flex>
        {failure && failure.action !== 'cancel' ? (
          <Alert
            type={fullSession ? 'warning' : 'error'}
            showIcon
            closable={{ onClose: actions.clearFailure }}
            style={{ marginTop: 8 }}
            data-testid="staff-booking-error"
            title={failure.error.message}
            description={
              fullSession ? (
                <Button size="small" style={{ marginTop: 4 }} loading={actions.pendingSessionId === fullSession.id} disabled={actions.busy} onClick={() => actions.joinWaitlist(fullSession)} data-testid="staff-waitlist-join">
                  {t('booking.joinWaitlist')}
                </Button>
              ) : undefined
            }
          />
        ) : null}
        {failure?.action === 'cancel' ? <Alert type="error" showIcon closable={{ onClose: actions.clearFailure }} style={{ marginTop: 8 }} title={failure.error.message} /> : null}
      </>
    );
  }
  return (
    <Card
      size="small"
      title={t('booking.card')}
      extra={
        <Tag color="blue" style={{ marginInlineEnd: 0 }}>
          {t(`site.${student.site}`)}
        </Tag>
      }
      style={{ marginBottom: 16 }}
      data-testid="staff-booking-card"
    >
      {body}
    </Card>
  );
}
