// Students who still owe a photo (S6): required, no valid confirmed photo (missed the campaign, or their
// confirmation was withdrawn), with their term's deadline; per department; XLSX export (audited by the server).
import { DownloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Card, Select, Space, Table, Tag } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutstandingMakeUp } from '../../../contracts/makeup.js';
import { makeupApi, makeupKeys } from '../../api/makeup.js';
import { formatDay } from '../../format.js';
import { currentLanguage } from '../../i18n/index.js';
import { useIsMobile } from '../../useIsMobile.js';
import { ErrorResult } from '../ErrorResult.js';

export function OutstandingPanel(): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const mobile = useIsMobile();
  const { message } = App.useApp();
  const [department, setDepartment] = useState<string | undefined>(undefined);
  const all = useQuery({ queryKey: makeupKeys.outstanding(undefined), queryFn: () => makeupApi.outstanding() });
  const list = useQuery({ queryKey: makeupKeys.outstanding(department), queryFn: () => makeupApi.outstanding(department) });
  const [exporting, setExporting] = useState(false);
  const exportXlsx = async () => {
    setExporting(true);
    try {
      await makeupApi.exportOutstanding(department);
    } catch (e) {
      void message.error((e as Error).message);
    } finally {
      setExporting(false);
    }
  };
  if (list.error) return <ErrorResult error={list.error} onRetry={() => void list.refetch()} />;
  const d = list.data;
  return (
    <Card
      size="small"
      data-testid="makeup-outstanding"
      title={
        <span style={{ whiteSpace: 'normal' }}>
          {t('makeup.outstanding')} {d ? <Tag data-testid="makeup-outstanding-total">{t('makeup.outstandingTotal', { count: d.total })}</Tag> : null}
        </span>
      }
      extra={
        <Space wrap>
          <Select
            allowClear
            style={{ minWidth: 160 }}
            placeholder={t('makeup.allDepartments')}
            value={department}
            onChange={(v?: string) => setDepartment(v)}
            options={(all.data?.byDepartment ?? []).map((b) => ({ value: b.department, label: `${b.department} (${b.outstanding})` }))}
          />
          <Button icon={<DownloadOutlined />} onClick={() => void exportXlsx()} loading={exporting} data-testid="makeup-export">
            {t('makeup.exportXlsx')}
          </Button>
        </Space>
      }
    >
      {d && !d.campaignEnded ? <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('makeup.campaignRunning')} /> : null}
      <Table<OutstandingMakeUp>
        size="small"
        rowKey="studentId"
        loading={list.isLoading}
        dataSource={d?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
        scroll={{ x: mobile ? 560 : undefined }}
        locale={{ emptyText: t('makeup.none') }}
        columns={[
          { title: t('makeup.studentNo'), dataIndex: 'studentNo' },
          { title: t('makeup.name'), dataIndex: 'name' },
          { title: t('makeup.department'), dataIndex: 'department' },
          { title: t('makeup.termCol'), dataIndex: 'term' },
          { title: t('makeup.deadline'), key: 'deadline', render: (_, r) => (r.deadline ? formatDay(r.deadline, lang, true) : t('makeup.noDeadline')) },
          {
            title: t('makeup.status'),
            key: 'status',
            render: (_, r) => (
              <Space size={4} wrap>
                {r.voided ? <Tag color="orange">{t('makeup.voided')}</Tag> : <Tag>{t('makeup.missed')}</Tag>}
                {r.deadlinePassed ? <Tag color="error">{t('makeup.passed')}</Tag> : null}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}
