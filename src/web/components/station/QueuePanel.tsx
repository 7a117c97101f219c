// The queue at the station (issue 9 sections 2 and 5; C4): the site's waiting count, "call next", the ticket
// this station called (recall, skip, transfer) and the next few tickets, masked (张*三) as everywhere for the agency.
import { RedoOutlined, SoundOutlined, StepForwardOutlined, SwapOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Select, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SiteSchema } from '../../../contracts/common.js';
import type { CalledTicket, QueueList } from '../../../contracts/queue.js';
import type { Site } from '../../api/station-queue.js';

/** How many waiting tickets the panel lists. */
const NEXT_SHOWN = 4;

function Key({ children }: { children: ReactNode }): ReactNode {
  return (
    <kbd style={{ marginLeft: 6, padding: '0 5px', border: '1px solid currentColor', borderRadius: 3, fontSize: 11, lineHeight: '16px', opacity: 0.75, fontFamily: 'inherit' }}>{children}</kbd>
  );
}

export interface QueuePanelProps {
  stationId: string;
  site: Site | null;
  /** true when the site comes from the station id (beijing-…, shenzhen-…): no picker */
  siteFixed: boolean;
  onSiteChange: (site: Site) => void;
  queue: QueueList | undefined;
  current: CalledTicket | null;
  busy: 'next' | 'recall' | 'skip' | null;
  error: string | null;
  onCallNext: () => void;
  onRecall: () => void;
  onSkip: () => void;
  onTransfer: () => void;
  /** keyboard hints on the buttons (a desk PC) */
  keys: boolean;
}

export function QueuePanel(props: QueuePanelProps): ReactNode {
  const { t } = useTranslation();
  const { site, queue, current } = props;
  const waiting = (queue?.items ?? []).filter((i) => i.ticket.status === 'waiting');
  const count = queue?.waiting ?? 0;
  const lastSkip = (current?.ticket.skips ?? 0) >= 1;

  const title = (
    <Flex align="center" gap={8} wrap>
      <span>{t('stationQueue.title')}</span>
      {site && props.siteFixed ? <Tag style={{ marginInlineEnd: 0 }}>{t(`site.${site}`)}</Tag> : null}
    </Flex>
  );
  const extra = queue ? (
    <Typography.Text type="secondary" data-testid="station-queue-waiting" data-count={count}>
      {t('stationQueue.waiting', { count })}
      {queue.medianServiceSeconds !== null ? ` · ${t('stationQueue.perStudent', { seconds: Math.round(queue.medianServiceSeconds) })}` : ''}
    </Typography.Text>
  ) : null;

  return (
    <Card title={title} extra={extra} size="small" data-testid="station-queue" data-site={site ?? ''} style={{ marginBottom: 12 }} styles={{ body: { padding: 12 } }}>
      {props.siteFixed ? null : (
        <div style={{ marginBottom: 10 }}>
          <Select<Site>
            value={site ?? undefined}
            placeholder={t('stationQueue.sitePick')}
            onChange={props.onSiteChange}
            options={SiteSchema.options.map((s) => ({ value: s, label: t(`site.${s}`) }))}
            style={{ width: '100%' }}
            data-testid="station-queue-site"
          />
          {site ? null : (
            <Typography.Text type="secondary" style={{ display: 'block', marginTop: 6, fontSize: 12 }}>
              {t('stationQueue.sitePickHint')}
            </Typography.Text>
          )}
        </div>
      )}
      <Button
        type="primary"
        size="large"
        block
        icon={<StepForwardOutlined />}
        disabled={site === null}
        loading={props.busy === 'next'}
        onClick={props.onCallNext}
        data-testid="station-call-next"
        style={{ height: 52, fontSize: 20 }}
      >
        {t('stationQueue.callNext', { count })}
        {props.keys ? <Key>N</Key> : null}
      </Button>

      <div style={{ marginTop: 12 }} data-testid="station-called" data-ticket-id={current?.ticket.id ?? ''}>
        {current ? (
          <>
            <Flex align="baseline" gap={10} wrap>
              <Typography.Text type="secondary">{t('stationQueue.nowServing')}</Typography.Text>
              <Typography.Text strong style={{ fontSize: 26, lineHeight: 1.2, fontVariantNumeric: 'tabular-nums' }} data-testid="station-ticket-number">
                {current.ticket.number}
              </Typography.Text>
              <Typography.Text style={{ fontSize: 18 }} data-testid="station-ticket-name">
                {current.student.name}
              </Typography.Text>
              {current.ticket.skips > 0 ? <Tag color="orange">{t('stationQueue.skips', { count: current.ticket.skips })}</Tag> : null}
            </Flex>
            <Flex gap={8} wrap style={{ marginTop: 8 }}>
              <Button icon={<SoundOutlined />} loading={props.busy === 'recall'} onClick={props.onRecall} data-testid="station-recall" style={{ flex: '1 1 90px' }}>
                {t('stationQueue.recall')}
                {props.keys ? <Key>R</Key> : null}
              </Button>
              <Button danger={lastSkip} icon={<RedoOutlined />} loading={props.busy === 'skip'} onClick={props.onSkip} data-testid="station-skip" style={{ flex: '1 1 90px' }}>
                {lastSkip ? t('stationQueue.skipLast') : t('stationQueue.skip')}
                {props.keys ? <Key>S</Key> : null}
              </Button>
              <Button icon={<SwapOutlined />} onClick={props.onTransfer} data-testid="station-transfer" style={{ flex: '1 1 90px' }}>
                {t('stationQueue.transfer')}
              </Button>
            </Flex>
            <Typography.Text type="secondary" style={{ display: 'block', marginTop: 6, fontSize: 12 }}>
              {lastSkip ? t('stationQueue.skipLastHint') : t('stationQueue.skipHint')}
            </Typography.Text>
          </>
        ) : (
          <Typography.Text type="secondary">{site ? t('stationQueue.calledNone') : null}</Typography.Text>
        )}
      </div>

      {site ? (
        <div style={{ marginTop: 10, borderTop: '1px solid #f0f0f0', paddingTop: 8 }}>
          {waiting.length === 0 ? (
            <Typography.Text type="secondary" data-testid="station-queue-empty">
              {t('stationQueue.emptyQueue')}
            </Typography.Text>
          ) : (
            <Flex gap={6} wrap align="center" data-testid="station-queue-next">
              <Typography.Text type="secondary">{t('stationQueue.next')}</Typography.Text>
              {waiting.slice(0, NEXT_SHOWN).map((i) => (
                <Tag key={i.ticket.id} style={{ fontSize: 13, padding: '1px 8px', marginInlineEnd: 0 }} data-testid="station-queue-item">
                  <strong>{i.ticket.number}</strong> {i.student.name}
                </Tag>
              ))}
              {waiting.length > NEXT_SHOWN ? <Typography.Text type="secondary">{t('stationQueue.more', { count: waiting.length - NEXT_SHOWN })}</Typography.Text> : null}
            </Flex>
          )}
        </div>
      ) : null}
      {props.error ? <Alert type="error" showIcon style={{ marginTop: 10 }} title={props.error} data-testid="station-queue-error" /> : null}
    </Card>
  );
}
