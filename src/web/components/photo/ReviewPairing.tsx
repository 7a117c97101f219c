// 配对学生确认屏 (issue 9 section 4): the operator shows a one-time code and the address of the station's
// review screen (the code rides in the URL's fragment, never in a query string), sees how many screens are
// paired, and can unpair them all.
import { DisconnectOutlined, LinkOutlined, ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Flex, Modal, Popconfirm, Tag, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReviewPairing as Pairing, StationReview } from '../../../contracts/review-screen.js';
import { beijingTime, reviewApi, reviewKeys } from '../../api/review.js';

export function ReviewPairing({ stationId, review }: { stationId: string; review: StationReview | undefined }): ReactNode {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [pairing, setPairing] = useState<Pairing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => reviewApi.createPairing(stationId),
    onSuccess: (p) => {
      setError(null);
      setPairing(p);
    },
    onError: (e: Error) => setError(e.message),
  });
  const revoke = useMutation({
    mutationFn: () => reviewApi.revokeScreens(stationId),
    onSuccess: async (r) => {
      void message.success(t('review.revoked', { count: r.revoked }));
      await queryClient.invalidateQueries({ queryKey: reviewKeys.station(stationId) });
    },
    onError: (e: Error) => setError(e.message),
  });
  const paired = review?.screens.paired ?? 0;
  const url = pairing ? `${window.location.origin}${pairing.path}` : '';
  const close = () => {
    setPairing(null);
    void queryClient.invalidateQueries({ queryKey: reviewKeys.station(stationId) });
  };
  return (
    <>
      <Flex gap={6} align="center" wrap>
        <Tag color={paired > 0 ? 'green' : 'default'} style={{ marginInlineEnd: 0 }} data-testid="review-screens-paired" data-count={paired}>
          {paired > 0 ? t('review.paired', { count: paired }) : t('review.notPaired')}
        </Tag>
        <Button size="small" icon={<LinkOutlined />} loading={create.isPending} onClick={() => create.mutate()} data-testid="review-pair">
          {t('review.pair')}
        </Button>
      </Flex>
      {error && !pairing ? <Alert type="error" showIcon title={error} style={{ marginTop: 8 }} closable={{ onClose: () => setError(null) }} /> : null}
      <Modal
        open={pairing !== null}
        title={t('review.pairTitle', { station: stationId })}
        onCancel={close}
        footer={
          <Flex justify="space-between" wrap gap={8}>
            <Popconfirm title={t('review.revoke')} onConfirm={() => revoke.mutate()} okButtonProps={{ danger: true }} disabled={paired === 0}>
              <Button danger icon={<DisconnectOutlined />} disabled={paired === 0} loading={revoke.isPending} data-testid="review-revoke">
                {t('review.revoke')}
              </Button>
            </Popconfirm>
            <Flex gap={8}>
              <Button icon={<ReloadOutlined />} onClick={() => create.mutate()} loading={create.isPending}>
                {t('review.pairNew')}
              </Button>
              <Button type="primary" onClick={close} autoFocus data-testid="review-pairing-close">
                {t('common.close')}
              </Button>
            </Flex>
          </Flex>
        }
      >
        {pairing ? (
          <div data-testid="review-pairing">
            <Typography.Paragraph>{t('review.pairSteps', { minutes: 5 })}</Typography.Paragraph>
            <Typography.Text type="secondary">{t('review.pairCode')}</Typography.Text>
            <div style={{ fontSize: 44, fontWeight: 700, letterSpacing: 8, fontVariantNumeric: 'tabular-nums', margin: '4px 0 12px' }} data-testid="review-pairing-code" data-code={pairing.code}>
              {pairing.code.slice(0, 3)} {pairing.code.slice(3)}
            </div>
            <Typography.Text type="secondary">{t('review.pairUrl')}</Typography.Text>
            <Typography.Paragraph copyable={{ text: url }} style={{ wordBreak: 'break-all', fontFamily: 'monospace' }} data-testid="review-pairing-url">
              {url}
            </Typography.Paragraph>
            <Typography.Text type="secondary">{t('review.pairExpires', { time: beijingTime(pairing.expiresAt, i18n.language) })}</Typography.Text>
            <div style={{ marginTop: 8 }}>
              <Tag color={paired > 0 ? 'green' : 'default'}>{paired > 0 ? t('review.paired', { count: paired }) : t('review.notPaired')}</Tag>
            </div>
            {error ? <Alert type="error" showIcon title={error} style={{ marginTop: 8 }} /> : null}
          </div>
        ) : null}
      </Modal>
    </>
  );
}
