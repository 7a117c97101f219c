import { Breadcrumb, Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

export interface Crumb {
  title: string;
  path?: string;
}

/** Breadcrumb, page title and the page's actions, wrapping on narrow screens. */
export function PageHeader({ title, crumbs = [], extra, sub }: { title: ReactNode; crumbs?: Crumb[]; extra?: ReactNode; sub?: ReactNode }): ReactNode {
  const { t } = useTranslation();
  const items = [{ title: <Link to="/">{t('menu.home')}</Link> }, ...crumbs.map((c) => ({ title: c.path ? <Link to={c.path}>{c.title}</Link> : c.title }))];
  return (
    <div style={{ marginBottom: 16 }}>
      <Breadcrumb items={items} style={{ marginBottom: 8 }} />
      <Flex justify="space-between" align="center" wrap gap={8}>
        <div style={{ minWidth: 0 }}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {title}
          </Typography.Title>
          {sub ? <Typography.Text type="secondary">{sub}</Typography.Text> : null}
        </div>
        {extra ? (
          <Flex wrap gap={8}>
            {extra}
          </Flex>
        ) : null}
      </Flex>
    </div>
  );
}
