// The re-take list on a page of its own, /retakes (A1 → S6; decision 0024), for whoever may read it but does not
// manage the registry package: a secretary (their departments' students) and the agency's operator (masked
// names) — the server scopes and masks listRetakes and exportRetakes. The admin has it under 学信网导出.
import { Card } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../components/PageHeader.js';
import { RetakesPanel } from '../components/exports/RetakesPanel.js';

export default function RetakesPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <div data-testid="retakes-page">
      <PageHeader title={t('retakesPage.title')} crumbs={[{ title: t('retakesPage.title') }]} sub={t('retakesPage.sub')} />
      <Card>
        <RetakesPanel />
      </Card>
    </div>
  );
}
