// The admin's registry page /exports (issue 10 section 1, A1; decisions 0023 and 0024): the encrypted batches
// for the registry with their progress and downloads, the registry's answer, and the re-take list.
import { Tabs } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../components/PageHeader.js';
import { AnswerPanel } from '../components/exports/AnswerPanel.js';
import { BatchesPanel } from '../components/exports/BatchesPanel.js';
import { RetakesPanel } from '../components/exports/RetakesPanel.js';

const TABS = ['batches', 'answer', 'retakes'] as const;
type Tab = (typeof TABS)[number];

export default function ExportsPage(): ReactNode {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as Tab) : 'batches';
  const items = [
    { key: 'batches', label: t('exports.tabs.batches'), children: <BatchesPanel /> },
    { key: 'answer', label: t('exports.tabs.answer'), children: <AnswerPanel /> },
    { key: 'retakes', label: t('exports.tabs.retakes'), children: <RetakesPanel /> },
  ];
  return (
    <div data-testid="exports-page">
      <PageHeader title={t('exports.title')} crumbs={[{ title: t('exports.title') }]} sub={t('exports.sub')} />
      <Tabs activeKey={tab} onChange={(k) => setParams(k === 'batches' ? {} : { tab: k }, { replace: true })} items={items} destroyOnHidden />
    </div>
  );
}
