// The day-close of one site (getDayClose): queue, photos and payments of the day, and a printable A4 sheet
// with signature lines. The sheet is printed alone: a copy is portalled to <body> and shown only in print.
import { PrinterOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Flex, Row, Spin, Statistic } from 'antd';
import type { ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { Campaign } from '../../../contracts/campaign.js';
import type { DayClose } from '../../../contracts/payment.js';
import type { ClosePlace } from '../../api/payments.js';
import { paymentKeys, paymentsApi } from '../../api/payments.js';
import { formatDay, formatInstant } from '../../format.js';
import { currentLanguage } from '../../i18n/index.js';
import { formatFen } from './money.js';

const PRINT_CSS = `
.gp-print-root { display: none; }
.gp-sheet { color: #000; font-size: 13px; line-height: 1.5; }
.gp-sheet h1 { font-size: 20px; text-align: center; margin: 0 0 4px; }
.gp-sheet .gp-sub { text-align: center; margin-bottom: 12px; }
.gp-sheet table { width: 100%; border-collapse: collapse; margin-bottom: 14px; }
.gp-sheet th, .gp-sheet td { border: 1px solid #555; padding: 5px 8px; }
.gp-sheet th { background: #f0f0f0; text-align: left; }
.gp-sheet td.num, .gp-sheet th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.gp-sheet tr.gp-total td { font-weight: 600; }
.gp-sheet .gp-signs { display: grid; grid-template-columns: repeat(3, 1fr); gap: 24px; margin-top: 28px; }
.gp-sheet .gp-sign { border-top: 1px solid #000; padding-top: 4px; min-height: 48px; }
@media print {
  @page { size: A4 portrait; margin: 16mm 14mm; }
  html, body { background: #fff !important; }
  body > *:not(.gp-print-root) { display: none !important; }
  .gp-print-root { display: block !important; }
}
`;

function Sheet({ close, campaign, outletName }: { close: DayClose; campaign: Campaign | undefined; outletName: string | undefined }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const site = campaign?.sites.find((s) => s.id === close.site);
  const where =
    close.site !== null
      ? `${t(`site.${close.site}`)}${site ? (lang === 'zh' ? `（${site.place}）` : ` (${site.place})`) : ''}`
      : t('payments.close.outletPlace', { name: outletName ?? close.outlet ?? '' });
  const rows: [string, string, number, string][] = [
    ['issued', t('payments.close.issued'), close.tickets.issued, t('payments.close.unit.tickets')],
    ['served', t('payments.close.served'), close.tickets.served, t('payments.close.unit.tickets')],
    ['open', t('payments.close.open'), close.tickets.open, t('payments.close.unit.tickets')],
    ['skipped', t('payments.close.skipped'), close.tickets.skipped, t('payments.close.unit.tickets')],
    ['removed', t('payments.close.removed'), close.tickets.removed, t('payments.close.unit.tickets')],
    ['photographed', t('payments.close.photographed'), close.photographed, t('payments.close.unit.people')],
    ['confirmed', t('payments.close.confirmed'), close.confirmed, t('payments.close.unit.people')],
  ].filter(([key]) => close.site !== null || key === 'photographed' || key === 'confirmed') as [string, string, number, string][];
  return (
    <div className="gp-sheet">
      <h1>{close.site !== null ? t('payments.close.title') : t('payments.close.outletTitle')}</h1>
      <div className="gp-sub">
        {campaign ? `${campaign.name[lang]} · ` : ''}
        {where} · {formatDay(close.date, lang, true)}
      </div>
      <table>
        <thead>
          <tr>
            <th>{close.site !== null ? t('payments.close.queue') : t('payments.close.photos')}</th>
            <th className="num">{t('payments.close.number')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([key, label, n, unit]) => (
            <tr key={key}>
              <td>{label}</td>
              <td className="num">
                {n}
                {unit ? ` ${unit}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <thead>
          <tr>
            <th>{t('payments.close.money')}</th>
            <th className="num">{t('payments.col.count')}</th>
            <th className="num">{t('payments.col.amount')}</th>
          </tr>
        </thead>
        <tbody>
          {close.payments.byMethod.map((m) => (
            <tr key={m.method}>
              <td>{t(`payments.methods.${m.method}`)}</td>
              <td className="num">{m.count}</td>
              <td className="num">{formatFen(m.amountFen)}</td>
            </tr>
          ))}
          <tr className="gp-total">
            <td>{t('payments.close.total')}</td>
            <td className="num">{close.payments.count}</td>
            <td className="num">{formatFen(close.payments.amountFen)}</td>
          </tr>
          <tr>
            <td>{t('payments.close.duplicates')}</td>
            <td className="num">{close.payments.duplicates.count}</td>
            <td className="num">{formatFen(close.payments.duplicates.amountFen)}</td>
          </tr>
        </tbody>
      </table>
      <div>{close.site !== null ? t('payments.close.electronicOnly') : t('payments.close.outletElectronicOnly')}</div>
      {close.site !== null ? <div>{t('payments.close.withoutMakeUps')}</div> : null}
      <div>{t('payments.close.generatedAt', { time: formatInstant(close.generatedAt) })}</div>
      <div className="gp-signs">
        {[t('payments.close.signCashier'), t('payments.close.signAgency'), t('payments.close.signSchool')].map((who) => (
          <div key={who} className="gp-sign">
            {who}
            <div style={{ marginTop: 22 }}>{t('payments.close.signDate')}</div>
          </div>
        ))}
      </div>
    </div>
  );
}

/** The day-close of a site or of a make-up outlet (`outletName`: how the sheet names the outlet). */
export function DayClosePanel({ place, date, campaign, outletName }: { place: ClosePlace; date: string; campaign: Campaign | undefined; outletName?: string | undefined }): ReactNode {
  const { t } = useTranslation();
  const close = useQuery({ queryKey: paymentKeys.dayClose(place, date), queryFn: () => paymentsApi.dayClose(place, date) });
  if (close.error) return <Alert type="error" showIcon title={close.error.message} />;
  if (!close.data) return <Spin />;
  const c = close.data;
  const stat = (id: string, title: string, value: number | string) => (
    <Col xs={12} sm={8} lg={6} key={id}>
      <div data-testid={`close-${id}`} data-value={value} style={{ height: '100%' }}>
        <Card size="small" style={{ height: '100%' }}>
          <Statistic title={title} value={value} styles={{ content: { fontVariantNumeric: 'tabular-nums' } }} />
        </Card>
      </div>
    </Col>
  );
  return (
    <Flex vertical gap={16} data-testid="day-close" data-site={c.site ?? undefined} data-outlet={c.outlet ?? undefined} data-date={c.date}>
      <style>{PRINT_CSS}</style>
      <Flex justify="flex-end">
        <Button icon={<PrinterOutlined />} onClick={() => window.print()} data-testid="close-print">
          {t('payments.close.print')}
        </Button>
      </Flex>
      <Row gutter={[12, 12]}>
        {c.site !== null ? (
          <>
            {stat('issued', t('payments.close.issued'), c.tickets.issued)}
            {stat('served', t('payments.close.served'), c.tickets.served)}
            {stat('skipped', t('payments.close.skipped'), c.tickets.skipped)}
            {stat('removed', t('payments.close.removed'), c.tickets.removed)}
          </>
        ) : null}
        {stat('photographed', t('payments.close.photographed'), c.photographed)}
        {stat('confirmed', t('payments.close.confirmed'), c.confirmed)}
        {stat('payments', t('payments.close.total'), c.payments.count)}
        {stat('amount', t('payments.col.amount'), formatFen(c.payments.amountFen))}
      </Row>
      <Card size="small" title={c.site !== null ? t('payments.close.title') : t('payments.close.outletTitle')}>
        <div style={{ maxWidth: 720, margin: '0 auto', overflowX: 'auto' }} data-testid="close-sheet">
          <Sheet close={c} campaign={campaign} outletName={outletName} />
        </div>
      </Card>
      {createPortal(
        <div className="gp-print-root">
          <Sheet close={c} campaign={campaign} outletName={outletName} />
        </div>,
        document.body,
      )}
    </Flex>
  );
}
