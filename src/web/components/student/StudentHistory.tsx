import { Empty, Tag, Timeline, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEventView } from '../../../contracts/audit.js';
import { formatInstant } from '../../format.js';
import i18n from '../../i18n/index.js';

function detail(event: AuditEventView, key: string): string | null {
  const d = event.details;
  if (d === null || typeof d !== 'object') return null;
  const v = (d as Record<string, unknown>)[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

/**
 * The student's history from the audit log (the events naming the student and each of their shots), newest
 * first: what happened, when (Beijing time), by whom, and a void's reason.
 */
export function StudentHistory({ events, ordinals }: { events: AuditEventView[]; ordinals: Map<string, number> }): ReactNode {
  const { t } = useTranslation();
  if (events.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('studentPhotos.historyNone')} />;
  const label = (action: string) =>
    i18n.exists(`studentPhotos.events.${action}`) ? t(`studentPhotos.events.${action}`) : i18n.exists(`auditActions.${action}`) ? t(`auditActions.${action}`) : action;
  return (
    <Timeline
      data-testid="student-history"
      items={events.map((e) => {
        const ordinal = e.targetId ? ordinals.get(e.targetId) : undefined;
        const reason = e.action === 'photo.confirmation_voided' ? detail(e, 'reason') : null;
        return {
          key: e.seq,
          color: e.result === 'denied' ? 'red' : e.action === 'photo.confirmation_voided' ? 'orange' : e.action === 'photo.confirmed' ? 'green' : 'blue',
          content: (
            <div data-testid="history-event" data-action={e.action}>
              <div>
                <Typography.Text strong>{label(e.action)}</Typography.Text>
                {ordinal ? <Typography.Text type="secondary">{` · ${t('studentPhotos.shot', { n: ordinal })}`}</Typography.Text> : null}
                {e.result === 'denied' ? (
                  <Tag color="error" style={{ marginInlineStart: 8 }}>
                    {t('studentPhotos.denied')}
                  </Tag>
                ) : null}
              </div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatInstant(e.at)} · {t('studentPhotos.by', { name: e.actorName ?? t('studentPhotos.system') })}
              </Typography.Text>
              {reason ? (
                <div data-testid="history-void-reason">
                  {t('studentPhotos.reason')}
                  {i18n.language === 'en' ? ': ' : '：'}
                  {reason}
                </div>
              ) : null}
            </div>
          ),
        };
      })}
    />
  );
}
