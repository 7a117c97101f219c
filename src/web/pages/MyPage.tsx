import { CalendarOutlined, CheckCircleOutlined, ClockCircleOutlined, EnvironmentOutlined, FileTextOutlined, StopOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Collapse, Descriptions, Empty, Flex, Popconfirm, Row, Skeleton, Space, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Campaign } from '../../contracts/campaign.js';
import type { MySession } from '../../contracts/notice.js';
import type { StudentDetail } from '../../contracts/student.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { DecisionTag, RuleTag } from '../components/tags.js';
import { formatDay, formatSession, formatWindow, hasStarted, wallClockNow } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { useUser } from '../session.js';
import { MyTicketCard } from '../components/desk/MyTicketCard.js';
import { MyPhotoCard, useMyPhoto } from '../components/my/MyPhotoCard.js';
import { MyPrintsCard } from '../components/my/MyPrintsCard.js';
import { MakeUpCard } from '../components/my/MakeUpCard.js';
import { makeupApi, makeupKeys } from '../api/makeup.js';
import { isSessionFull, useBookingActions } from '../useBookingActions.js';

type Actions = ReturnType<typeof useBookingActions>;
type MyBooking = Awaited<ReturnType<typeof endpoints.myBooking>>;

function DecisionCard({ student }: { student: StudentDetail }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const required = student.decision === 'required';
  // once the photo is confirmed there is nothing left to do; once the campaign is closed nothing can be done
  const photo = useMyPhoto(required);
  const makeUp = useQuery({ queryKey: [...makeupKeys.mine, photo.data?.state ?? ''], queryFn: makeupApi.mine, enabled: required });
  const done = required && photo.data?.state === 'confirmed';
  const closed = required && !done && makeUp.data?.state === 'closed';
  const title = done ? t('my.decisionDone') : closed ? t('my.decisionMissed') : required ? t('my.decisionRequired') : student.decision === 'excluded' ? t('my.decisionExcluded') : t('my.decisionNotInCampaign');
  return (
    <Alert
      data-testid="my-decision"
      type={done || !required ? 'success' : closed ? 'info' : 'warning'}
      showIcon
      style={{ marginBottom: 16 }}
      title={
        <Space wrap size={4}>
          <Typography.Text strong style={{ fontSize: 16 }}>
            {title}
          </Typography.Text>
          <DecisionTag decision={student.decision} rule={student.rule} />
          {student.rule ? <RuleTag rule={student.rule} showName /> : null}
        </Space>
      }
      description={
        <>
          <Typography.Paragraph style={{ marginBottom: 4, fontSize: 15 }} data-testid="my-reason">
            {student.reason[lang]}
          </Typography.Paragraph>
          {student.rule ? (
            <Typography.Paragraph type="secondary" style={{ marginBottom: required ? 0 : 8 }}>
              {t('student.ruleLabel', { rule: student.rule, name: t(`ruleDesc.${student.rule}`) })}
            </Typography.Paragraph>
          ) : null}
          {required ? null : (
            <Typography.Text strong data-testid="my-need-not-come">
              {t('my.needNotCome')}
            </Typography.Text>
          )}
        </>
      }
    />
  );
}

function placeOf(campaign: Campaign, site: StudentDetail['site'], t: (key: string) => string): string {
  const entry = campaign.sites.find((s) => s.id === site);
  if (!entry) return t('common.none');
  if (entry.rooms.length === 0 && site === 'shenzhen') return t('overview.placeShenzhen');
  return entry.place;
}

function MyTimeCard({ student, mine, campaign, sessions, actions }: { student: StudentDetail; mine: MyBooking; campaign: Campaign; sessions: MySession[]; actions: Actions }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const booking = mine.booking?.status === 'active' ? mine.booking : null;
  const waiting = mine.waitlist.filter((w) => w.status === 'waiting');
  const sessionById = new Map(sessions.map((s) => [s.id, s]));
  const cancelFailure = actions.failure?.action === 'cancel' ? actions.failure : null;
  return (
    <Card size="small" title={<span><CalendarOutlined /> {t('my.myTime')}</span>} style={{ marginBottom: 16 }} data-testid="my-time">
      {booking ? (
        <div data-testid="my-booking" data-session-id={booking.sessionId}>
          <Flex align="center" gap={8} wrap>
            <Tag color="green" icon={<CheckCircleOutlined />} style={{ marginInlineEnd: 0 }}>
              {t('my.bookedTitle')}
            </Tag>
            <Typography.Text strong style={{ fontSize: 18 }} data-testid="my-booking-when">
              {formatSession(booking.session, lang, true)}
            </Typography.Text>
          </Flex>
          <Typography.Paragraph type="secondary" style={{ margin: '6px 0 8px' }}>
            <EnvironmentOutlined /> {placeOf(campaign, student.site, t)}
          </Typography.Paragraph>
          <Typography.Paragraph style={{ marginBottom: 8 }}>{t('my.bookedHint')}</Typography.Paragraph>
          <Popconfirm
            title={t('booking.cancelConfirm')}
            okText={t('booking.cancel')}
            cancelText={t('common.close')}
            okButtonProps={{ danger: true }}
            onConfirm={() => actions.cancel(booking.id)}
            disabled={actions.busy}
          >
            <Button danger loading={actions.cancelling} disabled={actions.busy && !actions.cancelling} data-testid="my-cancel">
              {t('booking.cancel')}
            </Button>
          </Popconfirm>
        </div>
      ) : mine.defaultDay ? (
        <div data-testid="my-default-day" data-date={mine.defaultDay}>
          <Typography.Text strong style={{ fontSize: 16 }}>
            {t('my.defaultTitle')}
          </Typography.Text>
          <Typography.Paragraph style={{ margin: '6px 0 4px', fontSize: 15 }}>
            {t('my.defaultText', {
              department: student.department,
              day: formatDay(mine.defaultDay, lang, true),
              windows: campaign.windows.map(formatWindow).join(lang === 'en' ? ' or ' : ' 或 '),
            })}
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary" style={{ margin: '0 0 4px' }}>
            <EnvironmentOutlined /> {placeOf(campaign, student.site, t)}
          </Typography.Paragraph>
          <Typography.Text type="secondary">{t('my.defaultHint')}</Typography.Text>
        </div>
      ) : (
        <Typography.Text data-testid="my-no-day">{t('my.noDay')}</Typography.Text>
      )}
      {cancelFailure ? <Alert type="error" showIcon title={cancelFailure.error.message} style={{ marginTop: 12 }} closable={{ onClose: actions.clearFailure }} /> : null}
      {waiting.length ? (
        <div style={{ marginTop: 12 }} data-testid="my-waitlist">
          <Typography.Text strong>{t('booking.waitlist')}</Typography.Text>
          {waiting.map((w) => {
            const s = sessionById.get(w.sessionId);
            return (
              <div key={w.id} data-testid="my-waitlist-entry" data-position={w.position}>
                <ClockCircleOutlined /> {t('booking.waitlistEntry', { session: s ? formatSession(s, lang) : w.sessionId, position: w.position })}
              </div>
            );
          })}
        </div>
      ) : null}
    </Card>
  );
}

function SessionChoice({ session, mine, now, actions }: { session: MySession; mine: MyBooking; now: string; actions: Actions }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const booking = mine.booking?.status === 'active' ? mine.booking : null;
  const waitingEntry = mine.waitlist.find((w) => w.status === 'waiting' && w.sessionId === session.id);
  const full = session.booked >= session.capacity;
  const pending = actions.pendingSessionId === session.id;
  let action: ReactNode;
  // Why the server would refuse it (S3 weekend, S4 other site, E4–E6), told instead of offering a button.
  const refusal = !session.bookable && session.reason && session.reason.code !== 'SESSION_IN_PAST' ? session.reason : null;
  if (booking?.sessionId === session.id) {
    action = (
      <Tag color="green" icon={<CheckCircleOutlined />} style={{ marginInlineEnd: 0 }}>
        {t('booking.thisOne')}
      </Tag>
    );
  } else if (hasStarted(session, now) || session.reason?.code === 'SESSION_IN_PAST') {
    action = <Tag style={{ marginInlineEnd: 0 }}>{t('booking.past')}</Tag>;
  } else if (refusal) {
    action = (
      <Tag icon={<StopOutlined />} style={{ marginInlineEnd: 0 }} data-testid={`not-bookable-${session.id}`} data-reason={refusal.code}>
        {t('notice.notBookable')}
      </Tag>
    );
  } else if (waitingEntry) {
    action = (
      <Tag color="purple" style={{ marginInlineEnd: 0 }}>
        {t('booking.waiting')} #{waitingEntry.position}
      </Tag>
    );
  } else if (full) {
    action = (
      <Button size="small" loading={pending} disabled={actions.busy && !pending} onClick={() => actions.joinWaitlist(session)} data-testid={`waitlist-${session.id}`}>
        {t('booking.joinWaitlist')}
      </Button>
    );
  } else {
    action = (
      <Button
        size="small"
        type={booking ? 'default' : 'primary'}
        loading={pending}
        disabled={actions.busy && !pending}
        onClick={() => actions.book(session, booking !== null)}
        data-testid={`book-${session.id}`}
      >
        {booking ? t('booking.move') : t('booking.book')}
      </Button>
    );
  }
  return (
    <Flex
      justify="space-between"
      align="center"
      gap={8}
      style={{ padding: '8px 0', borderBottom: '1px solid #f0f0f0' }}
      data-testid={`choice-${session.id}`}
      data-date={session.date}
      data-window={formatWindow(session)}
    >
      <div style={{ minWidth: 0 }}>
        <div>
          <Typography.Text strong>{formatDay(session.date, lang)}</Typography.Text>{' '}
          <Typography.Text style={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>{formatWindow(session)}</Typography.Text>
        </div>
        <Flex align="center" gap={6} wrap>
          {session.weekend ? (
            <Tag color="gold" style={{ marginInlineEnd: 0 }}>
              {t('schedule.weekend')}
            </Tag>
          ) : null}
          <Typography.Text type={full ? 'danger' : 'secondary'} style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
            {full ? t('booking.full') : t('booking.seatsLeft', { count: session.capacity - session.booked })}
          </Typography.Text>
        </Flex>
        {refusal ? (
          <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }} data-testid={`reason-${session.id}`}>
            {refusal.message[lang]}
            {refusal.rule ? `（${refusal.rule}）` : ''}
          </Typography.Text>
        ) : null}
      </div>
      <div style={{ flex: 'none' }}>{action}</div>
    </Flex>
  );
}

function SessionsCard({ student, mine, sessions, campaign, actions }: { student: StudentDetail; mine: MyBooking; sessions: MySession[]; campaign: Campaign; actions: Actions }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const now = wallClockNow(campaign.timezone);
  const byTime = (a: MySession, b: MySession) => (a.date + a.start).localeCompare(b.date + b.start);
  const sorted = sessions.filter((s) => s.site === student.site).sort(byTime);
  // S4: the other site's sessions are not for this student; shown folded, with the reason, not as buttons.
  const elsewhere = sessions.filter((s) => s.site !== student.site).sort(byTime);
  const otherSites = [...new Set(elsewhere.map((s) => s.site))];
  const failure = actions.failure && actions.failure.action !== 'cancel' ? actions.failure : null;
  const fullSession = isSessionFull(failure) ? sessions.find((s) => s.id === failure.sessionId) : undefined;
  return (
    <Card size="small" title={t('my.sessions', { site: t(`site.${student.site}`) })} data-testid="my-sessions">
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 4 }}>
        {t('my.sessionsHint')}
      </Typography.Paragraph>
      {failure ? (
        <Alert
          type={fullSession ? 'warning' : 'error'}
          showIcon
          closable={{ onClose: actions.clearFailure }}
          style={{ margin: '8px 0' }}
          data-testid="booking-error"
          title={failure.error.message}
          description={
            fullSession ? (
              <Flex vertical gap={8} align="flex-start">
                <span>{t('booking.fullOffer')}</span>
                <Button type="primary" size="small" loading={actions.pendingSessionId === fullSession.id} disabled={actions.busy} onClick={() => actions.joinWaitlist(fullSession)} data-testid="offer-waitlist">
                  {t('booking.joinWaitlist')}
                </Button>
              </Flex>
            ) : undefined
          }
        />
      ) : null}
      {sorted.length === 0 ? (
        <Empty description={t('schedule.noSessions')} />
      ) : (
        sorted.map((s) => <SessionChoice key={s.id} session={s} mine={mine} now={now} actions={actions} />)
      )}
      {otherSites.length ? (
        <Collapse
          ghost
          size="small"
          style={{ marginTop: 8 }}
          data-testid="my-other-site"
          items={otherSites.map((site) => {
            const list = elsewhere.filter((s) => s.site === site);
            const reason = list.find((s) => s.reason)?.reason;
            return {
              key: site,
              label: t('notice.otherSite', { site: t(`site.${site}`) }),
              children: (
                <>
                  {reason ? (
                    <Typography.Paragraph type="secondary" style={{ fontSize: 12 }} data-testid={`my-other-site-reason-${site}`}>
                      <StopOutlined /> {reason.message[lang]}
                      {reason.rule ? `（${reason.rule}）` : ''}
                    </Typography.Paragraph>
                  ) : null}
                  {list.map((s) => (
                    <div key={s.id} style={{ color: 'rgba(0,0,0,0.45)' }} data-testid={`other-${s.id}`}>
                      {formatSession(s, lang)}
                    </div>
                  ))}
                </>
              ),
            };
          })}
        />
      ) : null}
    </Card>
  );
}

function BringCard({ student, campaign, codeBy }: { student: StudentDetail; campaign: Campaign; codeBy: string | null }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const amount = campaign.price.currency === 'CNY' ? String(campaign.price.amount) : `${campaign.price.amount} ${campaign.price.currency}`;
  return (
    <Card size="small" title={t('my.bring')} data-testid="my-bring" style={{ marginBottom: 16 }}>
      <Descriptions
        column={1}
        size="small"
        styles={{ label: { whiteSpace: 'nowrap' } }}
        items={[
          {
            key: 'code',
            label: t('my.code'),
            children: (
              <span>
                {t('my.codeText')}
                {codeBy ? (
                  // Counted by the server in Asia/Shanghai from the booking, else the department's day (C1).
                  <Typography.Text strong style={{ display: 'block' }} data-testid="my-code-by" data-date={codeBy}>
                    {t('notice.codeBy', { date: formatDay(codeBy, lang, true) })}
                  </Typography.Text>
                ) : null}
              </span>
            ),
          },
          { key: 'clothes', label: t('my.clothes'), children: t('my.clothesText') },
          { key: 'price', label: t('my.price'), children: <span data-testid="my-price">{t('my.priceText', { amount })}</span> },
          { key: 'place', label: t('my.place'), children: <span data-testid="my-place">{placeOf(campaign, student.site, t)}</span> },
          { key: 'onSite', label: t('notice.onSite'), children: t('notice.onSiteText') },
        ]}
      />
      <NoticeLink />
    </Card>
  );
}

/** The full notice, public (`/notice`). */
function NoticeLink(): ReactNode {
  const { t } = useTranslation();
  return (
    <a href="/notice" data-testid="my-notice-link" style={{ display: 'inline-block', marginTop: 8 }}>
      <FileTextOutlined /> {t('notice.readNotice')}
    </a>
  );
}

/** The photo a station asks the student to confirm, or 已完成采集 (issue 9 section 4, C3): first on the page. */
function MyPhotoSlot(): ReactNode {
  const photo = useMyPhoto(true);
  return photo.data ? <MyPhotoCard photo={photo.data} /> : null;
}

/** A required student's time and sessions; once their photo is confirmed, nothing to book (C3). */
function RequiredStudent({ student, campaign }: { student: StudentDetail; campaign: Campaign }): ReactNode {
  const photo = useMyPhoto(true);
  const makeUp = useQuery({ queryKey: [...makeupKeys.mine, photo.data?.state ?? ''], queryFn: makeupApi.mine });
  // confirmed, the campaign over (make-ups at the outlets: the make-up card says where and by when), or closed
  // (bookings refused): nothing to book, and no list of ended sessions
  const over = makeUp.data?.state === 'open' || makeUp.data?.state === 'deadline-passed' || makeUp.data?.state === 'closed' || Boolean(makeUp.data?.closedOn);
  if (photo.data?.state === 'confirmed' || over) return <NoticeLink />;
  return <Bookable student={student} campaign={campaign} />;
}

function Bookable({ student, campaign }: { student: StudentDetail; campaign: Campaign }): ReactNode {
  const mine = useQuery({ queryKey: queryKeys.myBooking(), queryFn: () => endpoints.myBooking() });
  const sessions = useQuery({ queryKey: queryKeys.mySessions, queryFn: endpoints.mySessions });
  const actions = useBookingActions();
  const error = mine.error ?? sessions.error;
  if (error && (!mine.data || !sessions.data)) {
    return (
      <ErrorResult
        error={error}
        onRetry={() => {
          void mine.refetch();
          void sessions.refetch();
        }}
      />
    );
  }
  if (!mine.data || !sessions.data) return <Skeleton active />;
  return (
    <Row gutter={[16, 0]}>
      <Col xs={24} lg={14}>
        <MyTimeCard student={student} mine={mine.data} campaign={campaign} sessions={sessions.data.items} actions={actions} />
        <div style={{ marginBottom: 16 }}>
          <SessionsCard student={student} mine={mine.data} sessions={sessions.data.items} campaign={campaign} actions={actions} />
        </div>
      </Col>
      <Col xs={24} lg={10}>
        <BringCard student={student} campaign={campaign} codeBy={sessions.data.collectionCodeBy} />
      </Col>
    </Row>
  );
}

export default function MyPage(): ReactNode {
  const { t } = useTranslation();
  const me = useUser();
  const studentId = me.studentId ?? '';
  const student = useQuery({ queryKey: queryKeys.student(studentId), queryFn: () => endpoints.student(studentId), enabled: Boolean(studentId) });
  const campaign = useQuery({ queryKey: queryKeys.campaign, queryFn: endpoints.campaign });
  const header = (sub?: string) => <PageHeader title={t('my.title')} sub={sub} crumbs={[{ title: t('menu.my') }]} />;

  if (!studentId) {
    return (
      <>
        {header()}
        <Alert type="info" showIcon title={t('my.notLinked')} data-testid="my-not-linked" />
      </>
    );
  }
  const error = student.error ?? campaign.error;
  if (error) {
    return (
      <>
        {header()}
        <ErrorResult error={error} onRetry={() => void (student.error ? student.refetch() : campaign.refetch())} />
      </>
    );
  }
  const s = student.data;
  if (!s || !campaign.data) return <Skeleton active />;
  return (
    <>
      {header(`${s.name} · ${s.studentNo} · ${s.department}`)}
      <MyTicketCard />
      {s.decision === 'required' ? <MyPhotoSlot /> : null}
      {s.decision === 'required' ? <MyPrintsCard /> : null}
      {s.decision === 'required' ? <MakeUpCard /> : null}
      <DecisionCard student={s} />
      {s.decision === 'required' ? <RequiredStudent student={s} campaign={campaign.data} /> : <NoticeLink />}
    </>
  );
}
