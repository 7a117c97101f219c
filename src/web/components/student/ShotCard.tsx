import { EyeOutlined } from '@ant-design/icons';
import { Button, Collapse, Flex, Tag, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PhotoReport } from '../../../contracts/photo.js';
import { studentPhotosApi } from '../../api/student-photos.js';
import { formatInstant } from '../../format.js';
import i18n from '../../i18n/index.js';
import { CheckWords } from './CheckWords.js';

/** The 3:4 frame of the standard image (480×640) at thumbnail size. */
const THUMB = { width: 120, height: 160 };

/** How the checks went, in one line: "7 项全部通过" / "1 项未通过 · 2 项注意". */
function checksSummary(shot: PhotoReport, t: (key: string, opts?: Record<string, unknown>) => string): string {
  const fail = shot.checks.filter((c) => c.measured && c.status === 'fail').length;
  const warn = shot.checks.filter((c) => c.measured && c.status === 'warn').length;
  const unmeasured = shot.checks.filter((c) => !c.measured).length;
  if (fail === 0 && warn === 0 && unmeasured === 0) return t('studentPhotos.checksAllPass', { count: shot.checks.length });
  return [
    fail ? t('studentPhotos.checksFail', { count: fail }) : null,
    warn ? t('studentPhotos.checksWarn', { count: warn }) : null,
    unmeasured ? t('studentPhotos.checksUnmeasured', { count: unmeasured }) : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * One shot of the student: the image only when asked for (every view is an audit event), the time in
 * Beijing time, the station, accepted or not, confirmed or not, and each check in words with its value.
 */
export function ShotCard({ shot, ordinal, open, onViewed }: { shot: PhotoReport; ordinal: number; open: boolean; onViewed: () => void }): ReactNode {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  const colon = i18n.language === 'en' ? ': ' : '：';
  return (
    <div data-testid="student-shot" data-photo-id={shot.id} data-confirmed={shot.confirmed} style={{ padding: '12px 0', borderBottom: '1px solid rgba(5,5,5,0.06)' }}>
      <Flex gap={16} align="flex-start" wrap>
        <div
          style={{ ...THUMB, flex: 'none', background: '#fafafa', border: '1px dashed #d9d9d9', borderRadius: 6, display: 'flex', alignItems: 'center', justifyContent: 'center', overflow: 'hidden' }}
        >
          {shown && shot.hasImage ? (
            <img data-testid="student-shot-image" src={studentPhotosApi.imageUrl(shot.id)} alt={t('studentPhotos.shot', { n: ordinal })} width={THUMB.width} height={THUMB.height} onLoad={onViewed} style={{ display: 'block', objectFit: 'cover' }} />
          ) : shot.hasImage ? (
            <Button data-testid="student-shot-view" icon={<EyeOutlined />} onClick={() => setShown(true)} title={t('studentPhotos.viewHint')}>
              {t('studentPhotos.view')}
            </Button>
          ) : (
            <Typography.Text type="secondary" style={{ fontSize: 12, padding: 8, textAlign: 'center' }} data-testid={shot.deleted?.standard ? 'student-shot-deleted' : undefined}>
              {shot.deleted?.standard ? t('retention.deleted.standard', { date: formatInstant(shot.deleted.standard).slice(0, 10) }) : t('studentPhotos.noImage')}
            </Typography.Text>
          )}
        </div>
        <div style={{ flex: '1 1 260px', minWidth: 0 }}>
          <Flex gap={8} align="center" wrap style={{ marginBottom: 4 }}>
            <Typography.Text strong>{t('studentPhotos.shot', { n: ordinal })}</Typography.Text>
            <Tag data-testid="student-shot-accepted" color={shot.accepted ? 'success' : 'error'} style={{ marginInlineEnd: 0 }}>
              {shot.accepted ? t('studentPhotos.accepted') : t('studentPhotos.rejected')}
            </Tag>
            {shot.confirmed ? (
              <Tag data-testid="student-shot-confirmed" color="blue" style={{ marginInlineEnd: 0 }}>
                {t('studentPhotos.confirmedTag')}
              </Tag>
            ) : null}
            {shot.invalid ? (
              <Tag color="warning" style={{ marginInlineEnd: 0 }}>
                {t('studentPhotos.invalidTag', { rule: shot.invalid.rule })}
              </Tag>
            ) : null}
          </Flex>
          <div>
            <Typography.Text type="secondary">{t('studentPhotos.takenAt')}
              {colon}
            </Typography.Text>
            <span data-testid="student-shot-time">{formatInstant(shot.createdAt)}</span>
          </div>
          <div>
            <Typography.Text type="secondary">{t('studentPhotos.station')}
              {colon}
            </Typography.Text>
            {shot.station ?? t('common.none')}
          </div>
          {shot.deleted?.original ? (
            <div data-testid="student-shot-original-deleted">
              <Typography.Text type="secondary">{t('retention.deleted.original', { date: formatInstant(shot.deleted.original).slice(0, 10) })}</Typography.Text>
            </div>
          ) : null}
          {shot.confirmations
            .filter((c) => c.voided !== null)
            .map((c) => (
              <div key={c.id} data-testid="student-shot-voided" style={{ marginTop: 4 }}>
                <Typography.Text type="warning">
                  {t('studentPhotos.pastConfirmation', { at: formatInstant(c.confirmedAt), voidedAt: formatInstant(c.voided!.at), by: c.voided!.by ?? t('studentPhotos.system'), reason: c.voided!.reason })}
                </Typography.Text>
              </div>
            ))}
          {shown ? (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('studentPhotos.viewedNote')}
            </Typography.Text>
          ) : null}
          <Collapse
            size="small"
            ghost
            defaultActiveKey={open ? ['checks'] : []}
            style={{ marginTop: 4 }}
            items={[{ key: 'checks', label: `${t('studentPhotos.checks')}${colon}${checksSummary(shot, t)}`, children: <CheckWords checks={shot.checks} /> }]}
          />
        </div>
      </Flex>
    </div>
  );
}
