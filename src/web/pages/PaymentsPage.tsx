// The cashier's page (issue 9 section 3, P1): record payments, reconcile the merchant's bill files, the
// refund list and the day-close of a site. Electronic payments only: WeChat Pay and Alipay.
import { useQuery } from '@tanstack/react-query';
import { DatePicker, Flex, Select, Tabs, Typography } from 'antd';
import dayjs from 'dayjs';
import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { PaymentListQuery } from '../../contracts/payment.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { makeupApi, makeupKeys } from '../api/makeup.js';
import type { ClosePlace } from '../api/payments.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { DayClosePanel } from '../components/payments/DayClosePanel.js';
import { formatFen } from '../components/payments/money.js';
import { PaymentsList } from '../components/payments/PaymentsList.js';
import { ReconcilePanel } from '../components/payments/ReconcilePanel.js';
import { RecordPaymentForm } from '../components/payments/RecordPaymentForm.js';
import { RefundsPanel } from '../components/payments/RefundsPanel.js';
import { wallClockNow } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { can, useUser } from '../session.js';

const TABS = ['payments', 'reconcile', 'refunds', 'close'] as const;
type Tab = (typeof TABS)[number];
const METHODS = ['wechat', 'alipay'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export default function PaymentsPage(): ReactNode {
  const { t } = useTranslation();
  const me = useUser();
  const [params, setParams] = useSearchParams();
  const campaign = useQuery({ queryKey: queryKeys.campaign, queryFn: endpoints.campaign });
  // the make-up outlets (S6) have day-closes of their own; only roles that may see the outlets are offered them
  const outlets = useQuery({ queryKey: makeupKeys.outlets, queryFn: makeupApi.outlets, enabled: can(me, 'makeup.read') && can(me, 'payment.read') });
  const today = wallClockNow().slice(0, 10);

  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as Tab) : 'payments';
  const sites = campaign.data?.sites.map((s) => s.id) ?? [];
  const siteParam = params.get('site') ?? '';
  const site = sites.includes(siteParam as never) ? siteParam : undefined;
  // the day: today unless another day (or every day: "all") was picked
  const dateParam = params.get('date');
  const date = dateParam === 'all' ? undefined : dateParam && DATE.test(dateParam) ? dateParam : today;
  const methodParam = params.get('method');
  const method = (METHODS as readonly string[]).includes(methodParam ?? '') ? (methodParam as (typeof METHODS)[number]) : undefined;
  const statement = params.get('statement') ?? undefined;

  const set = (changes: Record<string, string | undefined>) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === undefined || v === '') next.delete(k);
          else next.set(k, v);
        }
        return next;
      },
      { replace: true },
    );

  const query: PaymentListQuery = useMemo(() => ({ site: site as PaymentListQuery['site'], date, method }), [site, date, method]);
  if (campaign.error) return <ErrorResult error={campaign.error} onRetry={() => void campaign.refetch()} />;
  const priceFen = campaign.data ? Math.round(campaign.data.price.amount * 100) : null;
  const closeSite = site ?? sites[0] ?? 'beijing';
  const closeDate = date ?? today;
  const outletList = outlets.data?.items ?? [];
  const closeOutlet = outletList.find((o) => o.id === params.get('outlet'));
  const closePlace: ClosePlace = closeOutlet ? { outlet: closeOutlet.id } : { site: closeSite };

  const siteSelect = (allowAll: boolean) => (
    <Select
      aria-label={t('payments.site')}
      style={{ width: 130 }}
      value={allowAll ? (site ?? '') : closeSite}
      onChange={(v: string) => set({ site: v || undefined })}
      options={[...(allowAll ? [{ value: '', label: t('payments.allSites') }] : []), ...sites.map((s) => ({ value: s, label: t(`site.${s}`) }))]}
      data-testid="payments-site"
    />
  );
  const dateInput = (allowAll: boolean) => (
    <DatePicker
      aria-label={t('payments.date')}
      allowClear={allowAll}
      placeholder={t('payments.allDays')}
      value={allowAll ? (date ? dayjs(date) : null) : dayjs(closeDate)}
      onChange={(d) => set({ date: d ? d.format('YYYY-MM-DD') : 'all' })}
      style={{ width: 150 }}
      data-testid="payments-date"
    />
  );

  const items = [
    {
      key: 'payments',
      label: t('payments.tabs.payments'),
      children: (
        <Flex vertical gap={16}>
          {can(me, 'payment.record') && priceFen !== null ? <RecordPaymentForm priceFen={priceFen} /> : null}
          <Flex wrap gap={8} align="center">
            {siteSelect(true)}
            {dateInput(true)}
            <Select
              aria-label={t('payments.method')}
              style={{ width: 130 }}
              value={method ?? ''}
              onChange={(v: string) => set({ method: v || undefined })}
              options={[{ value: '', label: t('payments.allMethods') }, ...METHODS.map((m) => ({ value: m, label: t(`payments.methods.${m}`) }))]}
              data-testid="payments-method-filter"
            />
            {me.role === 'cashier' || me.role === 'operator' ? <Typography.Text type="secondary">{t('payments.maskedNote')}</Typography.Text> : null}
          </Flex>
          <PaymentsList query={query} />
        </Flex>
      ),
    },
    {
      key: 'reconcile',
      label: t('payments.tabs.reconcile'),
      children: can(me, 'payment.reconcile') ? <ReconcilePanel statement={statement} onStatement={(id) => set({ statement: id })} /> : null,
    },
    {
      key: 'refunds',
      label: t('payments.tabs.refunds'),
      children: (
        <Flex vertical gap={12}>
          <Flex wrap gap={8}>
            {siteSelect(true)}
          </Flex>
          <RefundsPanel site={site} />
        </Flex>
      ),
    },
    {
      key: 'close',
      label: t('payments.tabs.close'),
      children: (
        <Flex vertical gap={12}>
          <Flex wrap gap={8}>
            {outletList.length > 0 ? (
              <Select
                aria-label={t('payments.site')}
                style={{ width: 200 }}
                value={closeOutlet ? `outlet:${closeOutlet.id}` : closeSite}
                onChange={(v: string) => set(v.startsWith('outlet:') ? { outlet: v.slice('outlet:'.length), site: undefined } : { site: v, outlet: undefined })}
                options={[
                  { label: t('payments.site'), options: sites.map((s) => ({ value: s, label: t(`site.${s}`) })) },
                  { label: t('payments.close.outletsGroup'), options: outletList.map((o) => ({ value: `outlet:${o.id}`, label: o.name[currentLanguage()] })) },
                ]}
                data-testid="payments-site"
              />
            ) : (
              siteSelect(false)
            )}
            {dateInput(false)}
          </Flex>
          {sites.length > 0 ? <DayClosePanel place={closePlace} date={closeDate} campaign={campaign.data} outletName={closeOutlet?.name[currentLanguage()]} /> : null}
        </Flex>
      ),
    },
  ].filter((i) => i.children !== null);

  return (
    <div data-testid="payments-page">
      <PageHeader title={t('payments.title')} crumbs={[{ title: t('payments.title') }]} sub={priceFen !== null ? t('payments.sub', { price: formatFen(priceFen) }) : undefined} />
      <Tabs activeKey={tab} onChange={(k) => set({ tab: k === 'payments' ? undefined : k })} items={items} destroyOnHidden />
    </div>
  );
}
