// The station's review screen (issue 9 section 4, C3): a tablet or monitor turned toward the student, paired
// with ONE station by the operator's one-time code (typed here, or carried in the address's fragment, which no
// server or proxy sees). It shows only the shot awaiting the student, their masked name and two big buttons,
// 确认 / 重拍; otherwise 请稍候. It asks the server every second. No account, no menu.
import { CheckOutlined, ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Flex, Input, Result, Spin, Typography } from 'antd';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { StationIdSchema } from '../../contracts/station.js';
import { ApiError } from '../api/client.js';
import { beijingTime, reviewKeys, reviewScreenApi } from '../api/review.js';
import { currentLanguage, setLanguage } from '../i18n/index.js';

const NOT_PAIRED = new Set(['REVIEW_SCREEN_NOT_PAIRED', 'FORBIDDEN']);

function PairForm({ stationId, initialError }: { stationId: string; initialError: string | null }): ReactNode {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const pair = useMutation({
    mutationFn: (c: string) => reviewScreenApi.pair(stationId, c),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: reviewKeys.screen(stationId) }),
  });
  const error = pair.error ? (pair.error as Error).message : initialError;
  return (
    <Flex vertical align="center" justify="center" gap={16} style={{ minHeight: '100vh', padding: 24 }} data-testid="review-screen-pair">
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t('review.screenPairTitle', { station: stationId })}
      </Typography.Title>
      <Typography.Text type="secondary" style={{ fontSize: 18 }}>
        {t('review.screenPairHint')}
      </Typography.Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          pair.mutate(code);
        }}
        style={{ display: 'flex', gap: 12, flexWrap: 'wrap', justifyContent: 'center' }}
      >
        <Input
          autoFocus
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={12}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          aria-label={t('review.pairCode')}
          style={{ width: 240, fontSize: 32, letterSpacing: 6, textAlign: 'center' }}
          data-testid="review-screen-code"
        />
        <Button type="primary" htmlType="submit" size="large" loading={pair.isPending} style={{ height: 58, fontSize: 22, minWidth: 120 }} data-testid="review-screen-pair-submit">
          {t('review.screenPairSubmit')}
        </Button>
      </form>
      {error ? <Alert type="error" showIcon title={error} style={{ maxWidth: 640 }} data-testid="review-screen-pair-error" /> : null}
    </Flex>
  );
}

function Waiting({ text, hint, testId }: { text: string; hint?: string; testId: string }): ReactNode {
  return (
    <Flex vertical align="center" justify="center" gap={16} style={{ minHeight: '100vh', padding: 24 }} data-testid={testId}>
      <Typography.Title style={{ margin: 0, fontSize: 64 }}>{text}</Typography.Title>
      {hint ? (
        <Typography.Text type="secondary" style={{ fontSize: 22 }}>
          {hint}
        </Typography.Text>
      ) : null}
    </Flex>
  );
}

export default function ReviewScreenPage(): ReactNode {
  const { t, i18n } = useTranslation();
  const params = useParams();
  const parsed = StationIdSchema.safeParse(params.id ?? '');
  const stationId = parsed.success ? parsed.data : '';
  const queryClient = useQueryClient();
  const [fragmentError, setFragmentError] = useState<string | null>(null);
  const [pairingFromUrl, setPairingFromUrl] = useState(() => /code=\d{6}/.test(window.location.hash));
  const [answered, setAnswered] = useState<{ outcome: 'confirmed' | 'retake'; photoId: string } | null>(null);
  const tried = useRef(false);

  // The code in the address's fragment (#code=123456): used once, then removed from the address bar. A second
  // pairing link opened in a tab already on this page changes only the fragment (no reload): it pairs too.
  useEffect(() => {
    if (!stationId) return;
    const pairFromFragment = () => {
      const code = /code=(\d{6})/.exec(window.location.hash)?.[1];
      if (!code) return;
      window.history.replaceState(null, '', window.location.pathname);
      setFragmentError(null);
      setPairingFromUrl(true);
      reviewScreenApi
        .pair(stationId, code)
        .catch((e: Error) => setFragmentError(e.message))
        .finally(() => {
          setPairingFromUrl(false);
          void queryClient.invalidateQueries({ queryKey: reviewKeys.screen(stationId) });
        });
    };
    if (!tried.current) {
      tried.current = true;
      pairFromFragment();
    }
    window.addEventListener('hashchange', pairFromFragment);
    return () => window.removeEventListener('hashchange', pairFromFragment);
  }, [stationId, queryClient]);

  const state = useQuery({
    queryKey: reviewKeys.screen(stationId),
    queryFn: () => reviewScreenApi.state(stationId),
    enabled: stationId !== '' && !pairingFromUrl,
    refetchInterval: (q) => (q.state.error instanceof ApiError && NOT_PAIRED.has(q.state.error.code) ? false : 1000),
    refetchIntervalInBackground: true,
    retry: false,
    staleTime: 0,
  });
  const data = state.data;
  // Thank-you and retake notices stay until the station moves on (a new shot or nothing).
  useEffect(() => {
    if (answered && data && data.photoId !== answered.photoId && answered.outcome === 'retake') setAnswered(null);
    if (answered?.outcome === 'confirmed') {
      const timer = setTimeout(() => setAnswered(null), 6000);
      return () => clearTimeout(timer);
    }
  }, [answered, data]);

  const answer = useMutation({
    mutationFn: ({ outcome, photoId }: { outcome: 'confirmed' | 'retake'; photoId: string }) =>
      outcome === 'confirmed' ? reviewScreenApi.confirm(stationId, photoId) : reviewScreenApi.retake(stationId, photoId),
    onSuccess: async (r) => {
      setAnswered({ outcome: r.outcome, photoId: r.photoId });
      await queryClient.invalidateQueries({ queryKey: reviewKeys.screen(stationId) });
    },
  });

  useEffect(() => {
    document.title = t('review.screenTitle');
  });

  if (!stationId) return <Result status="404" title={t('station.stationInvalid')} />;
  if (pairingFromUrl || (state.isLoading && !data)) {
    return (
      <Flex align="center" justify="center" style={{ minHeight: '100vh' }}>
        <Spin size="large" />
      </Flex>
    );
  }
  const err = state.error instanceof ApiError ? state.error : null;
  if (err && NOT_PAIRED.has(err.code)) return <PairForm stationId={stationId} initialError={fragmentError ?? (err.code === 'FORBIDDEN' ? err.message : null)} />;

  const footer = data ? (
    <div style={{ position: 'fixed', bottom: 8, left: 0, right: 0, textAlign: 'center', color: 'rgba(0,0,0,0.35)', fontSize: 13 }} data-testid="review-screen-footer">
      {t('review.screenPairedUntil', { station: stationId, time: beijingTime(data.pairedUntil, i18n.language, true) })}
      {state.error ? ` · ${t('review.screenLost')}` : ''}
      {' · '}
      {/* a student who reads English switches the screen; the next student's screen keeps it until switched back */}
      <Button type="link" size="small" style={{ padding: 0, fontSize: 13 }} onClick={() => setLanguage(currentLanguage() === 'en' ? 'zh' : 'en')} data-testid="review-screen-lang">
        {currentLanguage() === 'en' ? '中文' : 'English'}
      </Button>
    </div>
  ) : null;

  if (answered?.outcome === 'confirmed') {
    return (
      <>
        <Result status="success" style={{ paddingTop: '18vh' }} title={<span style={{ fontSize: 48 }} data-testid="review-screen-thanks">{t('review.screenConfirmed')}</span>} subTitle={<span style={{ fontSize: 22 }}>{t('review.screenConfirmedHint')}</span>} />
        {footer}
      </>
    );
  }
  if (!data || data.state === 'idle' || !data.photoId) {
    return (
      <>
        <Waiting text={t('review.screenWait')} hint={t('review.screenWaitHint')} testId="review-screen-idle" />
        {footer}
      </>
    );
  }
  if (data.state === 'retake' || (answered?.outcome === 'retake' && answered.photoId === data.photoId)) {
    return (
      <>
        <Waiting text={t('review.screenRetakeSent')} testId="review-screen-retake" />
        {footer}
      </>
    );
  }
  const photoId = data.photoId;
  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', padding: '16px 16px 40px', background: '#fafafa' }} data-testid="review-screen-awaiting" data-photo-id={photoId}>
      <Flex gap={40} align="center" justify="center" wrap style={{ width: '100%' }}>
        <img
          key={photoId}
          src={reviewScreenApi.imageUrl(stationId, photoId)}
          alt={t('review.myPhotoAlt')}
          width={480}
          height={640}
          data-testid="review-screen-image"
          style={{ height: 'min(72vh, 640px)', width: 'auto', maxWidth: '90vw', border: '1px solid #d9d9d9', borderRadius: 6, background: '#fff', boxShadow: '0 2px 12px rgba(0,0,0,0.08)' }}
        />
        <Flex vertical gap={20} style={{ minWidth: 280, maxWidth: 440 }}>
          <div>
            <Typography.Text type="secondary" style={{ fontSize: 20 }}>
              {t('review.screenCheck')}
            </Typography.Text>
            <div style={{ fontSize: 48, fontWeight: 700, lineHeight: 1.2 }} data-testid="review-screen-name">
              {data.name}
            </div>
          </div>
          <Typography.Paragraph style={{ fontSize: 18, margin: 0 }}>{t('review.screenCheckHint')}</Typography.Paragraph>
          <Button
            type="primary"
            size="large"
            icon={<CheckOutlined />}
            loading={answer.isPending && answer.variables?.outcome === 'confirmed'}
            disabled={answer.isPending}
            onClick={() => answer.mutate({ outcome: 'confirmed', photoId })}
            style={{ height: 88, fontSize: 34, background: '#389e0d' }}
            data-testid="review-screen-confirm"
          >
            {t('review.screenConfirm')}
          </Button>
          <Button
            size="large"
            icon={<ReloadOutlined />}
            loading={answer.isPending && answer.variables?.outcome === 'retake'}
            disabled={answer.isPending}
            onClick={() => answer.mutate({ outcome: 'retake', photoId })}
            style={{ height: 72, fontSize: 28 }}
            data-testid="review-screen-retake-button"
          >
            {t('review.screenRetake')}
          </Button>
          {answer.error ? <Alert type="error" showIcon title={(answer.error as Error).message} data-testid="review-screen-error" /> : null}
        </Flex>
      </Flex>
      {footer}
    </div>
  );
}
