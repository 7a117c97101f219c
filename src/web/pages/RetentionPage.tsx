// The admin's /retention page (issue 10 section 5, A3; decision 0027): the policy, the dry-run preview and the
// purge runs, the record of processing, and closing the campaign.
import { Col, Flex, Row, Tabs } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../components/PageHeader.js';
import { ClosePanel } from '../components/retention/ClosePanel.js';
import { PolicyCard } from '../components/retention/PolicyCard.js';
import { PurgeCard } from '../components/retention/PurgeCard.js';
import { RecordCard } from '../components/retention/RecordCard.js';

export default function RetentionPage(): ReactNode {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'close' ? 'close' : 'policy';
  const items = [
    {
      key: 'policy',
      label: t('retention.policy.title'),
      children: (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={10}>
            <Flex vertical gap={16}>
              <PolicyCard />
              <RecordCard />
            </Flex>
          </Col>
          <Col xs={24} xl={14}>
            <PurgeCard />
          </Col>
        </Row>
      ),
    },
    { key: 'close', label: t('retention.close.title'), children: <ClosePanel /> },
  ];
  return (
    <div data-testid="retention-page">
      <PageHeader title={t('retention.title')} crumbs={[{ title: t('retention.title') }]} sub={t('retention.sub')} />
      <Tabs activeKey={tab} onChange={(k) => setParams(k === 'policy' ? {} : { tab: k }, { replace: true })} items={items} destroyOnHidden />
    </div>
  );
}
