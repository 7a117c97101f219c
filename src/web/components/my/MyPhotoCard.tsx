// The student's own photo on /my (issue 9 section 4, C3): the shot a station asks them to confirm, with the
// same two buttons as the review screen (确认 / 重拍); once confirmed, 已完成采集 with the photo and its date
// (viewing it is audited by the server). Updates every two seconds while the student may be at a station.
import { CheckCircleFilled, CheckOutlined, ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { MyPhoto } from '../../../contracts/photo.js';
import { beijingDate, reviewApi, reviewKeys } from '../../api/review.js';

/** getMyPhoto, polled while the photo is not confirmed yet (a station may ask at any moment). */
export function useMyPhoto(enabled: boolean) {
  return useQuery({
    queryKey: reviewKeys.mine,
    queryFn: reviewApi.myPhoto,
    enabled,
    refetchInterval: (q) => (q.state.data?.state === 'confirmed' ? false : 2000),
    staleTime: 0,
  });
}

function PhotoImage({ photoId, alt }: { photoId: string; alt: string }): ReactNode {
  return (
    <img
      src={`/api/photos/${encodeURIComponent(photoId)}/image`}
      alt={alt}
      width={480}
      height={640}
      data-testid="my-photo-image"
      style={{ width: 180, maxWidth: '45vw', height: 'auto', border: '1px solid #d9d9d9', borderRadius: 4, background: '#f5f5f5', flex: 'none' }}
    />
  );
}

export function MyPhotoCard({ photo }: { photo: MyPhoto }): ReactNode {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const answer = useMutation({
    mutationFn: ({ confirm, photoId }: { confirm: boolean; photoId: string }) => (confirm ? reviewApi.confirmMine(photoId) : reviewApi.retakeMine(photoId)),
    onSuccess: (next) => queryClient.setQueryData(reviewKeys.mine, next),
  });
  if (photo.state === 'none' || !photo.photo) return null;
  const shot = photo.photo;
  if (photo.state === 'confirmed') {
    return (
      <Card style={{ marginBottom: 16, borderColor: '#b7eb8f', background: '#f6ffed' }} data-testid="my-photo-done">
        <Flex gap={16} align="flex-start" wrap>
          {shot.hasImage ? <PhotoImage photoId={shot.id} alt={t('review.myPhotoAlt')} /> : null}
          <div style={{ flex: '1 1 200px', minWidth: 0 }}>
            <Typography.Title level={3} style={{ marginTop: 0, color: '#389e0d' }}>
              <CheckCircleFilled /> <span data-testid="my-photo-done-title">{t('review.myDone')}</span>
            </Typography.Title>
            <Typography.Paragraph style={{ fontSize: 16 }} data-testid="my-photo-done-date">
              {t('review.myDoneText', { date: beijingDate(photo.confirmedAt ?? shot.createdAt, i18n.language) })}
            </Typography.Paragraph>
            {shot.deleted?.standard ? (
              <Typography.Paragraph type="secondary" data-testid="my-photo-deleted">
                {t('retention.deleted.standard', { date: beijingDate(shot.deleted.standard, i18n.language) })}
              </Typography.Paragraph>
            ) : null}
          </div>
        </Flex>
      </Card>
    );
  }
  return (
    <Card title={t('review.myTitle')} style={{ marginBottom: 16, borderColor: '#91caff' }} data-testid="my-photo-awaiting" data-state={photo.state}>
      <Flex gap={16} align="flex-start" wrap>
        {shot.hasImage ? <PhotoImage photoId={shot.id} alt={t('review.myPhotoAlt')} /> : null}
        <Flex vertical gap={12} style={{ flex: '1 1 200px', minWidth: 0 }}>
          {photo.state === 'retake' ? (
            <Alert type="info" showIcon title={t('review.myRetake')} data-testid="my-photo-retake" />
          ) : (
            <>
              <Typography.Text strong style={{ fontSize: 17 }}>
                {t('review.myAwaiting', { station: photo.stationId ?? '' })}
              </Typography.Text>
              <Typography.Text type="secondary">{t('review.myAwaitingHint')}</Typography.Text>
              <Button
                type="primary"
                size="large"
                icon={<CheckOutlined />}
                block
                loading={answer.isPending && answer.variables?.confirm === true}
                disabled={answer.isPending}
                onClick={() => answer.mutate({ confirm: true, photoId: shot.id })}
                style={{ height: 52, fontSize: 20, background: '#389e0d' }}
                data-testid="my-photo-confirm"
              >
                {t('review.screenConfirm')}
              </Button>
              <Button
                size="large"
                icon={<ReloadOutlined />}
                block
                loading={answer.isPending && answer.variables?.confirm === false}
                disabled={answer.isPending}
                onClick={() => answer.mutate({ confirm: false, photoId: shot.id })}
                style={{ height: 48, fontSize: 18 }}
                data-testid="my-photo-retake-button"
              >
                {t('review.screenRetake')}
              </Button>
            </>
          )}
          {answer.error ? <Alert type="error" showIcon title={(answer.error as Error).message} data-testid="my-photo-error" /> : null}
        </Flex>
      </Flex>
    </Card>
  );
}
