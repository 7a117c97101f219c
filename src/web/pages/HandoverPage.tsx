// /handover (issue 10 section 2, A2; decision 0025): the department's secretary (their departments only; the admin
// any) receives the prints with their count, marks students as having collected theirs, and keeps the paper trail.
import { Empty, Select } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../components/PageHeader.js';
import { HandoverPanel } from '../components/prints/HandoverPanel.js';
import { useDepartmentOptions } from '../useDepartments.js';

export default function HandoverPage(): ReactNode {
  const { t } = useTranslation();
  const { departments } = useDepartmentOptions();
  const [chosen, setChosen] = useState<string | null>(null);
  const department = chosen ?? departments[0] ?? null;
  return (
    <div data-testid="handover-page">
      <PageHeader
        title={t('printsHandover.handoverTitle')}
        crumbs={[{ title: t('printsHandover.menuHandover') }]}
        sub={t('printsHandover.handoverSub')}
        extra={
          departments.length > 1 ? (
            <Select value={department} onChange={setChosen} style={{ minWidth: 200 }} options={departments.map((d) => ({ value: d, label: d }))} aria-label={t('printsHandover.chooseDepartment')} data-testid="handover-department" />
          ) : null
        }
      />
      {department ? <HandoverPanel key={department} department={department} /> : <Empty />}
    </div>
  );
}
