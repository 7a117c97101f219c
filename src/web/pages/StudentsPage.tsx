import type { ReactNode } from 'react';
import { Card } from 'antd';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../components/PageHeader.js';
import { StudentTable } from '../components/StudentTable.js';
import { can, useUser } from '../session.js';
import { useDepartmentOptions } from '../useDepartments.js';

export default function StudentsPage(): ReactNode {
  const { t } = useTranslation();
  const me = useUser();
  const { departments } = useDepartmentOptions();
  return (
    <>
      <PageHeader title={t('students.title')} crumbs={[{ title: t('menu.students') }]} />
      <Card size="small">
        <StudentTable departments={departments} canExport={can(me, 'student.export')} />
      </Card>
    </>
  );
}
