// The student's make-up on /my (issue 10 section 3, S6): once the campaign is over and they have no valid
// confirmed photo (missed it, or their confirmation was withdrawn, e.g. the registry's 有误), where to go (the
// active Beijing outlets with address and hours) and by when (their term's deadline); after it, what to do.
import { ClockCircleOutlined, EnvironmentOutlined, WarningOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Card, List, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { makeupApi, makeupKeys } from '../../api/makeup.js';
import { formatDay } from '../../format.js';
import { currentLanguage } from '../../i18n/index.js';
import { useMyPhoto } from './MyPhotoCard.js';

export function MakeUpCard(): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const photo = useMyPhoto(true);
  const state = photo.data?.state;
  const mine = useQuery({ queryKey: [...makeupKeys.mine, state ?? ''], queryFn: makeupApi.mine, refetchInterval: 30_000 });
  const m = mine.data;
  // a shot awaiting the student at an outlet, or confirmed: the photo card above says what to do
  if (!m || m.state === 'not-needed' || m.state === 'campaign' || state === 'confirmed' || state === 'awaiting') return null;
  const date = m.deadline ? formatDay(m.deadline, lang, true) : '';
  const colon = lang === 'zh' ? '：' : ': ';
  if (m.state === 'closed') {
    return (
      <Alert
        type="error"
        showIcon
        icon={<WarningOutlined />}
        style={{ marginBottom: 16 }}
        data-testid="my-makeup-closed"
        title={<Typography.Text strong style={{ fontSize: 16 }}>{t('makeup.closedTitle', { date: m.closedOn ? formatDay(m.closedOn, lang, true) : '' })}</Typography.Text>}
        description={<Typography.Paragraph style={{ marginBottom: 0, fontSize: 15 }}>{t('makeup.closedText')}</Typography.Paragraph>}
      />
    );
  }
  if (m.state === 'deadline-passed') {
    return (
      <Alert
        type="error"
        showIcon
        icon={<WarningOutlined />}
        style={{ marginBottom: 16 }}
        data-testid="my-makeup-passed"
        title={<Typography.Text strong style={{ fontSize: 16 }}>{t('makeup.passedTitle', { date })}</Typography.Text>}
        description={<Typography.Paragraph style={{ marginBottom: 0, fontSize: 15 }}>{t('makeup.passedText')}</Typography.Paragraph>}
      />
    );
  }
  return (
    <Card
      size="small"
      style={{ marginBottom: 16, borderColor: '#ffd591', background: '#fff7e6' }}
      data-testid="my-makeup"
      title={
        <span style={{ whiteSpace: 'normal' }}>
          <EnvironmentOutlined /> {t('makeup.cardTitle')}
        </span>
      }
    >
      <Typography.Title level={4} style={{ marginTop: 0 }} data-testid="my-makeup-title">
        {t('makeup.openTitle')}
      </Typography.Title>
      {m.voided ? <Typography.Paragraph data-testid="my-makeup-voided">{t('makeup.voidedText')}</Typography.Paragraph> : null}
      <Typography.Paragraph strong style={{ fontSize: 16 }} data-testid="my-makeup-deadline">
        <ClockCircleOutlined /> {m.deadline ? t('makeup.byDeadline', { date, term: m.term ?? '' }) : t('makeup.noDeadlineYet')}
      </Typography.Paragraph>
      {m.outlets.length === 0 ? (
        <Typography.Paragraph type="secondary">{t('makeup.noOutletsYet')}</Typography.Paragraph>
      ) : (
        <List
          size="small"
          bordered
          style={{ background: '#fff', marginBottom: 12 }}
          dataSource={m.outlets}
          renderItem={(o) => (
            <List.Item data-testid="my-makeup-outlet" style={{ display: 'block' }}>
              <Typography.Text strong>{o.name[lang]}</Typography.Text>
              <div style={{ overflowWrap: 'anywhere' }}>
                {t('makeup.address')}{colon}{o.address}
              </div>
              <div style={{ overflowWrap: 'anywhere' }}>
                {t('makeup.hours')}{colon}{o.hours}
              </div>
            </List.Item>
          )}
        />
      )}
      <Typography.Paragraph style={{ marginBottom: 4 }}>{t('makeup.fee', { fee: m.fee })}</Typography.Paragraph>
      <Typography.Paragraph style={{ marginBottom: 4 }}>{t('makeup.onlyBeijing')}</Typography.Paragraph>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t('makeup.bring')}
      </Typography.Paragraph>
    </Card>
  );
}
