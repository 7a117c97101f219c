// The re-take list (issue 10 section 1, A1 → S6; decision 0024): students the registry marked 有误 with no
// confirmed photo since, whether they booked or were photographed again, and its XLSX.
import { DownloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { App, Button, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Retake } from '../../../contracts/registry-answer.js';
import { exportKeys, exportsApi } from '../../api/exports.js';
import { formatInstant } from '../../format.js';
import { ErrorResult } from '../ErrorResult.js';

export function RetakesPanel(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const list = useQuery({ queryKey: exportKeys.retakes, queryFn: exportsApi.retakes });
  const xlsx = useMutation({ mutationFn: exportsApi.exportRetakes, onError: (e) => void message.error(e.message) });
  if (list.error) return <ErrorResult error={list.error} onRetry={() => void list.refetch()} />;
  const items = list.data?.items ?? [];
  const when = (at: string | null) => (at ? <Tag color="blue">{formatInstant(at).slice(0, 16)}</Tag> : <Typography.Text type="secondary">—</Typography.Text>);
  const columns: TableColumnsType<Retake> = [
    { title: t('exports.retakes.col.studentNo'), dataIndex: 'studentNo', width: 120 },
    { title: t('exports.retakes.col.name'), dataIndex: 'name', width: 100 },
    { title: t('exports.retakes.col.department'), dataIndex: 'department', width: 150 },
    { title: t('exports.retakes.col.answeredAt'), dataIndex: 'answeredAt', width: 170, render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(at)}</span> },
    { title: t('exports.retakes.col.booked'), dataIndex: 'bookedAt', width: 150, render: when },
    { title: t('exports.retakes.col.rephotographed'), dataIndex: 'rephotographedAt', width: 170, render: when },
  ];
  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Text type="secondary" style={{ flex: '1 1 300px' }}>
          {t('exports.retakes.hint')}
        </Typography.Text>
        <Flex gap={8} align="center">
          <Typography.Text data-testid="retakes-count">{t('exports.retakes.count', { count: items.length })}</Typography.Text>
          <Button icon={<DownloadOutlined />} loading={xlsx.isPending} disabled={items.length === 0} onClick={() => xlsx.mutate()} data-testid="retakes-download">
            {t('exports.retakes.download')}
          </Button>
        </Flex>
      </Flex>
      <Table<Retake>
        rowKey="studentNo"
        size="small"
        columns={columns}
        dataSource={items}
        loading={list.isLoading}
        scroll={{ x: 'max-content' }}
        pagination={items.length > 50 ? { defaultPageSize: 50 } : false}
        locale={{ emptyText: t('exports.retakes.empty') }}
        data-testid="retakes-list"
      />
    </Flex>
  );
}
