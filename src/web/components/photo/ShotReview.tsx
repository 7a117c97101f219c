import { CheckOutlined, LoadingOutlined, SafetyCertificateFilled, SendOutlined, UndoOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Empty, Flex, Grid, Result, Segmented, Spin, Tag, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PhotoReport } from '../../../contracts/photo.js';
import { beijingTime, reviewApi, reviewKeys } from '../../api/review.js';
import { ChecksList } from './ChecksList.js';
import type { UploadRefusal } from './ManualUpload.js';
import { ReviewPairing } from './ReviewPairing.js';
import { stationApi, stationKeys } from './stationApi.js';

/**
 * The newest shot of the station's student, as soon as it arrives (issue #4 part 5): the 480×640 standard
 * image, the checks in words, and the student's own confirmation (issue 9 section 4, C3): 请学生确认 puts the
 * shot on the paired review screen and the student's /my page; the operator's button stays for a student
 * without a phone, confirmed in their presence. Nothing here hides the photo; times are Beijing time.
 */
export function ShotReview({
  studentId,
  photos,
  loading,
  stationId,
  refusal = null,
  onRefusalClose,
}: {
  studentId: string | null;
  photos: PhotoReport[] | undefined;
  loading: boolean;
  stationId: string;
  /** a manual upload the server refused (M6): said here, above the shot still shown */
  refusal?: UploadRefusal | null;
  onRefusalClose?: () => void;
}): ReactNode {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const screens = Grid.useBreakpoint();
  const newestId = photos?.[0]?.id;
  const [selected, setSelected] = useState<string | undefined>(newestId);
  const [error, setError] = useState<string | null>(null);
  const [inPerson, setInPerson] = useState(false);
  // A new shot takes the screen at once.
  useEffect(() => {
    setSelected(newestId);
    setError(null);
    setInPerson(false);
  }, [newestId]);

  const review = useQuery({
    queryKey: reviewKeys.station(stationId),
    queryFn: () => reviewApi.stationReview(stationId),
    // the student's answer shows within about a second and a half
    refetchInterval: 1500,
    staleTime: 0,
  });
  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: reviewKeys.station(stationId) }),
      studentId ? queryClient.invalidateQueries({ queryKey: stationKeys.photos(studentId) }) : Promise.resolve(),
    ]);
  };
  // A confirmation (on the screen, on /my, or here) makes the shot list show it.
  const reviewedPhoto = review.data?.review?.photoId ?? null;
  useEffect(() => {
    if (reviewedPhoto === null && studentId) void queryClient.invalidateQueries({ queryKey: stationKeys.photos(studentId) });
  }, [reviewedPhoto, studentId, queryClient]);

  const ask = useMutation({
    mutationFn: (photoId: string) => reviewApi.requestReview(stationId, photoId),
    onSuccess: async () => {
      setError(null);
      await refresh();
    },
    onError: (e: Error) => setError(e.message),
  });
  const withdraw = useMutation({
    mutationFn: () => reviewApi.withdrawReview(stationId),
    onSuccess: refresh,
    onError: (e: Error) => setError(e.message),
  });
  const confirm = useMutation({
    mutationFn: (photoId: string) => stationApi.confirm(photoId),
    onSuccess: async () => {
      setError(null);
      setInPerson(false);
      void message.success(t('station.confirmed'));
      await refresh();
    },
    onError: (e: Error) => setError(e.message),
  });

  const pairing = <ReviewPairing stationId={stationId} review={review.data} />;
  const title = <span>{t('station.live')}</span>;
  if (!studentId) {
    return (
      <Card title={title} data-testid="station-shot" extra={screens.sm ? pairing : null}>
        {screens.sm ? null : <div style={{ marginBottom: 12 }}>{pairing}</div>}
        <Empty description={t('station.needStudent')} />
      </Card>
    );
  }
  // The operator's eyes are on this panel, not on the upload card below the window (outside test M6).
  const refused = (previousShown: boolean) =>
    refusal ? (
      <Alert
        type="error"
        showIcon
        style={{ marginBottom: 12 }}
        title={t('station.uploadRefusedFile', { file: refusal.file })}
        description={
          <>
            <div>{refusal.reason}</div>
            {previousShown ? <div>{t('station.uploadRefusedKept')}</div> : null}
          </>
        }
        closable={{ onClose: onRefusalClose }}
        data-testid="station-shot-refused"
      />
    ) : null;
  if (loading && !photos) {
    return (
      <Card title={title} data-testid="station-shot" extra={screens.sm ? pairing : null}>
        <Flex justify="center" style={{ padding: 48 }}>
          <Spin />
        </Flex>
      </Card>
    );
  }
  const shot = photos?.find((p) => p.id === selected) ?? photos?.[0];
  if (!shot) {
    return (
      <Card title={title} data-testid="station-shot" extra={screens.sm ? pairing : null}>
        {screens.sm ? null : <div style={{ marginBottom: 12 }}>{pairing}</div>}
        {refused(false)}
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
  // a shot whose confirmation was voided (an admin's reason, the registry's 有误) is never confirmed again
  const voidedOfShot = shot.confirmed ? null : (shot.confirmations.find((c) => c.voided !== null)?.voided ?? null);
  const imageWidth = screens.sm ? 270 : 240;
  const asked = review.data?.review && photos?.some((p) => p.id === review.data?.review?.photoId) ? review.data.review : null;
  const askedThis = asked?.photoId === shot.id ? asked : null;
  const askedOther = asked && asked.photoId !== shot.id ? photos?.find((p) => p.id === asked.photoId) : undefined;

  const status = (
    <Flex gap={8} align="center" wrap>
      <Typography.Text type="secondary" data-testid="station-shot-time">
        {t('review.shotAtBeijing', { time: beijingTime(shot.createdAt, i18n.language) })}
      </Typography.Text>
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

  const inPersonButton = (
    <Button size="large" icon={<UserOutlined />} onClick={() => setInPerson(true)} disabled={!shot.accepted || inPerson} data-testid="station-confirm">
      {t('review.inPerson')}
    </Button>
  );

  let actions: ReactNode;
  if (confirmedShot) {
    const c = confirmedShot.confirmations.find((x) => x.voided === null);
    actions = (
      <Result
        status="success"
        style={{ padding: '8px 0 16px' }}
        title={<span data-testid="station-confirmed">{t('station.confirmed')}</span>}
        subTitle={
          <>
            {c?.method ? <div data-testid="station-confirmed-method">{t(`review.method.${c.method}`)}</div> : null}
            {c ? <div>{beijingTime(c.confirmedAt, i18n.language)}</div> : null}
            <div>{t('station.confirmedText')}</div>
          </>
        }
      />
    );
  } else if (voidedOfShot) {
    actions = (
      <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="station-shot-voided" title={t('station.voidedShot', { reason: voidedOfShot.reason })} />
    );
  } else if (!shot.accepted) {
    actions = (
      <Typography.Text type="danger" style={{ display: 'block', marginBottom: 12 }}>
        {t('station.cannotConfirm')}
      </Typography.Text>
    );
  } else if (askedThis) {
    actions = (
      <div style={{ marginBottom: 12 }}>
        <Alert
          type={askedThis.status === 'retake' ? 'warning' : 'info'}
          showIcon
          icon={askedThis.status === 'retake' ? undefined : <LoadingOutlined />}
          title={<span data-testid="station-review-status" data-status={askedThis.status}>{askedThis.status === 'retake' ? t('review.retakeTitle') : t('review.askedTitle')}</span>}
          description={askedThis.status === 'retake' ? t('review.retakeText') : t('review.askedText')}
          style={{ marginBottom: 8 }}
        />
        <Flex gap={8} wrap>
          {inPersonButton}
          <Button size="large" icon={<UndoOutlined />} loading={withdraw.isPending} onClick={() => withdraw.mutate()} data-testid="station-review-withdraw">
            {t('review.withdraw')}
          </Button>
        </Flex>
      </div>
    );
  } else {
    actions = (
      <div style={{ marginBottom: 12 }}>
        {askedOther ? (
          <Alert type="info" showIcon style={{ marginBottom: 8 }} title={t('review.askedOther', { time: beijingTime(askedOther.createdAt, i18n.language) })} />
        ) : null}
        <Button
          type="primary"
          size="large"
          block
          icon={<SendOutlined />}
          loading={ask.isPending}
          onClick={() => ask.mutate(shot.id)}
          data-testid="station-request-review"
          data-shortcut="confirm"
          style={{ height: 56, fontSize: 20, marginBottom: 8 }}
        >
          {t('review.ask')} <Typography.Text keyboard style={{ color: 'inherit', marginInlineStart: 6 }}>C</Typography.Text>
        </Button>
        {inPersonButton}
      </div>
    );
  }

  return (
    <Card title={title} data-testid="station-shot" data-photo-id={shot.id} extra={screens.sm ? <Flex gap={12} align="center" wrap>{status}{pairing}</Flex> : null}>
      {/* on a phone the card's header has no room: the time, the verdict and the pairing open the body */}
      {screens.sm ? null : (
        <Flex vertical gap={8} style={{ marginBottom: 12 }}>
          {status}
          {pairing}
        </Flex>
      )}
      {refused(true)}
      {photos && photos.length > 1 ? (
        <div style={{ marginBottom: 12, overflowX: 'auto' }}>
          <Segmented<string>
            value={shot.id}
            onChange={setSelected}
            data-testid="station-shots"
            options={photos.map((p, i) => ({
              value: p.id,
              label: `${p.confirmed ? '✔ ' : ''}#${photos.length - i} ${beijingTime(p.createdAt, i18n.language)}${i === 0 ? ` · ${t('station.newest')}` : ''}`,
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
          {actions}
          {inPerson && !confirmedShot ? (
            // beside the photo, not over it: the operator and the student look at the shot while deciding
            <div role="group" aria-label={t('review.inPersonTitle')} data-testid="station-confirm-panel" style={{ border: '2px solid #faad14', background: '#fffbe6', borderRadius: 6, padding: 12, marginBottom: 12 }}>
              <Typography.Text strong style={{ display: 'block', marginBottom: 4 }}>
                {t('review.inPersonTitle')}
              </Typography.Text>
              <Typography.Paragraph style={{ marginBottom: 8 }}>{t('review.inPersonText')}</Typography.Paragraph>
              <Flex gap={8} wrap>
                {/* the default (focused) button is "look again", never "confirm" */}
                <Button size="large" autoFocus onClick={() => setInPerson(false)} data-testid="station-confirm-cancel">
                  {t('review.inPersonCancel')}
                </Button>
                <Button size="large" type="primary" icon={<CheckOutlined />} loading={confirm.isPending} onClick={() => confirm.mutate(shot.id)} data-testid="station-confirm-ok">
                  {t('review.inPersonOk')}
                </Button>
              </Flex>
            </div>
          ) : null}
          {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="station-confirm-error" closable={{ onClose: () => setError(null) }} /> : null}
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t('station.checksTitle')}
          </Typography.Title>
          <ChecksList checks={shot.checks} />
        </div>
      </Flex>
    </Card>
  );
}
