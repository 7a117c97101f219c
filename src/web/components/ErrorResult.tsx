import { Button, Result } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ApiError } from '../api/client.js';

/** A failed load: 403 and 404 as such, with the server's (translated) message. */
export function ErrorResult({ error, onRetry, forbiddenText, notFoundText }: { error: unknown; onRetry?: () => void; forbiddenText?: string; notFoundText?: string }): ReactNode {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const status = error instanceof ApiError ? error.status : 0;
  const message = error instanceof Error ? error.message : String(error);
  const home = (
    <Button key="home" onClick={() => navigate('/')}>
      {t('errors.backHome')}
    </Button>
  );
  if (status === 403) {
    // the server's message is shown unless it only repeats the title
    const server = message && message !== t('errors.forbidden') ? message : undefined;
    return (
      <Result
        status="403"
        title={t('errors.forbidden')}
        subTitle={
          <span data-testid="forbidden">
            {forbiddenText ?? server ?? t('errors.forbiddenDesc')}
            {forbiddenText && server ? <div>{server}</div> : null}
          </span>
        }
        extra={home}
      />
    );
  }
  if (status === 404) {
    return <Result status="404" title={t('errors.notFound')} subTitle={notFoundText ?? message} extra={home} />;
  }
  return (
    <Result
      status="error"
      title={t('errors.loadFailed')}
      subTitle={message}
      extra={[
        onRetry ? (
          <Button type="primary" key="retry" onClick={onRetry}>
            {t('errors.retry')}
          </Button>
        ) : null,
        home,
      ]}
    />
  );
}
