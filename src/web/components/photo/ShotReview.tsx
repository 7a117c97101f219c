import { CheckOutlined, LoadingOutlined, SafetyCertificateFilled } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Empty, Flex, Grid, Result, Segmented, Spin, Tag, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PhotoReport } from '../../../contracts/photo.js';
import { ChecksList } from './ChecksList.js';
import { stationApi, stationKeys } from './stationApi.js';

function timeOf(iso: string, lang: string): string {
  return new Date(iso).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * The newest shot of the station's student, as soon as it arrives (issue #4 part 5): the 480×640 standard
 * image, the checks report, and the student's confirmation (C3), asked once more before it is locked.
 */
export function ShotReview({ studentId, photos, loading }: { studentId: string | null; photos: PhotoReport[] | undefined; loading: boolean }): ReactNode {
  const { t, i18n } = useTranslation();
  const { modal, message } = App.useApp();
  const queryClient = useQueryClient();
  const screens = Grid.useBreakpoint();
  const newestId = photos?.[0]?.id;
  const [selected, setSelected] = useState<string | undefined>(newestId);
  const [error, setError] = useState<string | null>(null);
  // A new shot takes the screen at once.
  useEffect(() => {
    setSelected(newestId);
    setError(null);
  }, [newestId]);

  const confirm = useMutation({
    mutationFn: (photoId: string) => stationApi.confirm(photoId),
    onSuccess: async () => {
      setError(null);
      void message.success(t('station.confirmed'));
      if (studentId) await queryClient.invalidateQueries({ queryKey: stationKeys.photos(studentId) });
    },
    onError: (e: Error) => setError(e.message),
  });

  const title = <span>{t('station.live')}</span>;
  if (!studentId) {
    return (
      <Card title={title} data-testid="station-shot">
        <Empty description={t('station.needStudent')} />
      </Card>
    );
  }
  if (loading && !photos) {
    return (
      <Card title={title} data-testid="station-shot">
        <Flex justify="center" style={{ padding: 48 }}>
          <Spin />
        </Flex>
      </Card>
    );
  }
  const shot = photos?.find((p) => p.id === selected) ?? photos?.[0];
  if (!shot) {
    return (
      <Card title={title} data-testid="station-shot">
        <Flex vertical align="center" gap={12} style={{ padding: '48px 0' }} data-testid="station-waiting">
          <Spin indicator={<LoadingOutlined style={{ fontSize: 36 }} spin />} />
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('station.waiting')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('station.waitingHint')}</Typography.Text>
        </Flex>
      </Card>
    );
  }
  const confirmedShot = photos?.find((p) => p.confirmed);
  const imageWidth = screens.sm ? 270 : 240;

  const askConfirm = () =>
    modal.confirm({
      title: t('station.confirmTitle'),
      content: <Typography.Text strong>{t('station.confirmText')}</Typography.Text>,
      okText: t('station.confirmOk'),
      cancelText: t('station.confirmCancel'),
      okButtonProps: { size: 'large', 'data-testid': 'station-confirm-ok' } as never,
      cancelButtonProps: { size: 'large' },
      onOk: () => confirm.mutateAsync(shot.id).catch(() => undefined),
    });

  const status = (
    <Flex gap={8} align="center" wrap>
      <Typography.Text type="secondary">{t('station.shotAt', { time: timeOf(shot.createdAt, i18n.language) })}</Typography.Text>
      {shot.confirmed ? (
        <Tag color="green" icon={<SafetyCertificateFilled />}>
          {t('station.confirmed')}
        </Tag>
      ) : (
        <Tag color={shot.accepted ? 'success' : 'error'} data-testid="station-verdict">
          {shot.accepted ? t('station.accepted') : t('station.rejected')}
        </Tag>
      )}
    </Flex>
  );

  return (
    <Card title={title} data-testid="station-shot" data-photo-id={shot.id} extra={screens.sm ? status : null}>
      {/* on a phone the card's header has no room: the time and the verdict open the body */}
      {screens.sm ? null : <div style={{ marginBottom: 12 }}>{status}</div>}
      {photos && photos.length > 1 ? (
        <div style={{ marginBottom: 12, overflowX: 'auto' }}>
          <Segmented<string>
            value={shot.id}
            onChange={setSelected}
            data-testid="station-shots"
            options={photos.map((p, i) => ({
              value: p.id,
              label: `${p.confirmed ? '✔ ' : ''}#${photos.length - i} ${timeOf(p.createdAt, i18n.language)}${i === 0 ? ` · ${t('station.newest')}` : ''}`,
            }))}
          />
        </div>
      ) : null}
      <Flex gap={20} wrap align="flex-start">
        <div style={{ width: imageWidth, maxWidth: '100%', flex: `0 0 ${imageWidth}px` }}>
          {shot.hasImage ? (
            <img
              key={shot.id}
              src={stationApi.imageUrl(shot.id)}
              alt={t('station.live')}
              width={480}
              height={640}
              data-testid="station-image"
              style={{ width: '100%', height: 'auto', display: 'block', border: '1px solid #d9d9d9', borderRadius: 4, background: '#f5f5f5' }}
            />
          ) : (
            <div style={{ aspectRatio: '3 / 4', display: 'grid', placeItems: 'center', border: '1px dashed #d9d9d9', borderRadius: 4, padding: 16, textAlign: 'center' }}>
              <Typography.Text type="secondary">{t('station.noImage')}</Typography.Text>
            </div>
          )}
        </div>
        <div style={{ flex: '1 1 260px', minWidth: 0 }}>
          {confirmedShot ? (
            <Result
              status="success"
              style={{ padding: '8px 0 16px' }}
              title={<span data-testid="station-confirmed">{t('station.confirmed')}</span>}
              subTitle={t('station.confirmedText')}
            />
          ) : (
            <div style={{ marginBottom: 12 }}>
              <Button
                type="primary"
                size="large"
                block
                icon={<CheckOutlined />}
                disabled={!shot.accepted}
                loading={confirm.isPending}
                onClick={askConfirm}
                data-testid="station-confirm"
                style={{ height: 56, fontSize: 20 }}
              >
                {t('station.confirm')}
              </Button>
              {shot.accepted ? null : (
                <Typography.Text type="danger" style={{ display: 'block', marginTop: 6 }}>
                  {t('station.cannotConfirm')}
                </Typography.Text>
              )}
            </div>
          )}
          {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="station-confirm-error" /> : null}
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t('station.checksTitle')}
          </Typography.Title>
          <ChecksList checks={shot.checks} />
        </div>
      </Flex>
    </Card>
  );
}
