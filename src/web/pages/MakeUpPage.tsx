// The admin's make-up page `/makeup` (issue 10 section 3, S6): outlets, deadlines per target term, the
// outstanding list (XLSX) and the make-ups recorded per outlet (in the outlets table).
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { DeadlinesPanel } from '../components/makeup/DeadlinesPanel.js';
import { OutletsPanel } from '../components/makeup/OutletsPanel.js';
import { OutstandingPanel } from '../components/makeup/OutstandingPanel.js';
import { PageHeader } from '../components/PageHeader.js';

export default function MakeUpPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <div data-testid="makeup-page">
      <PageHeader title={t('makeup.title')} sub={t('makeup.sub')} crumbs={[{ title: t('makeup.menu') }]} />
      <OutletsPanel />
      <DeadlinesPanel />
      <OutstandingPanel />
    </div>
  );
}
