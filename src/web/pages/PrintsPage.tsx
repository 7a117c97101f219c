// /prints (issue 10 section 2, A2; decision 0025): the agency's print batches and sheets, the graduate school's
// receipt with its count, and its deliveries to the departments.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../components/PageHeader.js';
import { BatchesCard } from '../components/prints/BatchesCard.js';
import { DeliveriesCard } from '../components/prints/DeliveriesCard.js';
import { can, useUser } from '../session.js';

export default function PrintsPage(): ReactNode {
  const { t } = useTranslation();
  const me = useUser();
  return (
    <div data-testid="prints-page" style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
      <PageHeader title={t('printsHandover.printsTitle')} crumbs={[{ title: t('printsHandover.menuPrints') }]} sub={t('printsHandover.printsSub')} />
      <BatchesCard />
      {can(me, 'handover.school') ? <DeliveriesCard /> : null}
    </div>
  );
}
