import { SafetyCertificateOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, DatePicker, Input, Popover, Row, Select, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEventView } from '../../contracts/audit.js';
import { endpoints, queryKeys, type AuditFilters } from '../api/endpoints.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { formatInstant } from '../format.js';

const RESULT_COLORS: Record<AuditEventView['result'], string> = { ok: 'green', denied: 'orange', failed: 'red' };

/** The picked calendar days as instants in Beijing time (the campaign's zone), whatever the browser's zone. */
function dayBounds(range: [Dayjs | null, Dayjs | null] | null): Pick<AuditFilters, 'from' | 'to'> {
  const [start, end] = range ?? [null, null];
  return {
    from: start ? `${start.format('YYYY-MM-DD')}T00:00:00+08:00` : undefined,
    to: end ? `${end.format('YYYY-MM-DD')}T23:59:59+08:00` : undefined,
  };
}

export default function AuditPage(): ReactNode {
  const { t, i18n } = useTranslation();
  const [filters, setFilters] = useState<AuditFilters>({});
  const [actor, setActor] = useState('');
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(50);
  const list = useQuery({
    queryKey: queryKeys.audit(filters, page, pageSize),
    queryFn: () => endpoints.audit(filters, page, pageSize),
    placeholderData: keepPreviousData,
  });
  const verify = useMutation({ mutationFn: endpoints.verifyAudit });

  function change(next: Partial<AuditFilters>): void {
    setFilters((f) => ({ ...f, ...next }));
    setPage(1);
  }

  const roleName = (role: string | null) => (role ? (i18n.exists(`roles.${role}`) ? t(`roles.${role}`) : role) : t('common.none'));
  const actionName = (action: string) => (i18n.exists(`auditActions.${action}`) ? t(`auditActions.${action}`) : action);
  const columns: TableColumnsType<AuditEventView> = [
    { title: '#', dataIndex: 'seq', width: 60 },
    { title: t('audit.at'), dataIndex: 'at', width: 160, render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(at)}</span> },
    { title: t('audit.actor'), key: 'actor', width: 110, ellipsis: true, render: (_, e) => e.actorName ?? e.actorId ?? t('common.none') },
    { title: t('audit.role'), dataIndex: 'actorRole', width: 100, render: roleName },
    {
      title: t('audit.action'),
      dataIndex: 'action',
      width: 170,
      render: (a: string) => (
        <Tooltip title={a}>
          <Tag style={{ marginInlineEnd: 0 }}>{actionName(a)}</Tag>
        </Tooltip>
      ),
    },
    {
      title: t('audit.target'),
      key: 'target',
      ellipsis: { showTitle: false },
      render: (_, e) => {
        const text = e.targetType || e.targetId ? [e.targetType, e.targetId].filter(Boolean).join(' · ') : t('common.none');
        return (
          <Tooltip title={text} placement="topLeft">
            <span>{text}</span>
          </Tooltip>
        );
      },
    },
    { title: t('audit.ip'), dataIndex: 'ip', width: 120, render: (ip: string | null) => ip ?? t('common.none') },
    {
      title: t('audit.result'),
      dataIndex: 'result',
      width: 72,
      render: (r: AuditEventView['result']) => <Tag color={RESULT_COLORS[r]}>{t(`audit.results.${r}`)}</Tag>,
    },
    {
      title: t('audit.details'),
      dataIndex: 'details',
      width: 72,
      render: (details: unknown) =>
        details === null || details === undefined || (typeof details === 'object' && Object.keys(details as object).length === 0) ? (
          <Typography.Text type="secondary">{t('common.none')}</Typography.Text>
        ) : (
          <Popover
            trigger="click"
            title={t('audit.details')}
            content={<pre style={{ maxWidth: 'min(480px, 80vw)', maxHeight: 360, overflow: 'auto', margin: 0, fontSize: 12 }}>{JSON.stringify(details, null, 2)}</pre>}
          >
            <Button size="small" type="link" style={{ paddingInline: 0 }}>
              {t('common.view')}
            </Button>
          </Popover>
        ),
    },
  ];

  const full = { width: '100%' };
  return (
    <>
      <PageHeader
        title={t('audit.title')}
        crumbs={[{ title: t('menu.audit') }]}
        sub={t('audit.timezone')}
        extra={
          <Button icon={<SafetyCertificateOutlined />} loading={verify.isPending} onClick={() => verify.mutate()} data-testid="audit-verify">
            {t('audit.verify')}
          </Button>
        }
      />
      {verify.data ? (
        <Alert
          closable
          showIcon
          style={{ marginBottom: 16 }}
          type={verify.data.ok ? 'success' : 'error'}
          title={verify.data.ok ? t('audit.verifyOkTitle') : t('audit.verifyBrokenTitle')}
          description={
            verify.data.ok
              ? t('audit.verifyOk', { checked: verify.data.checked })
              : t('audit.verifyBroken', { seq: verify.data.brokenAt ?? '?', checked: verify.data.checked, problem: verify.data.problem ?? '' })
          }
          data-testid="audit-verify-result"
        />
      ) : null}
      {verify.error ? <Alert type="error" showIcon style={{ marginBottom: 16 }} title={verify.error.message} /> : null}
      <Card size="small">
        <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
          <Col xs={24} sm={12} lg={6}>
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              style={full}
              placeholder={t('audit.action')}
              value={filters.action}
              options={(list.data?.actions ?? []).map((a) => ({ label: `${actionName(a)}（${a}）`, value: a }))}
              onChange={(action?: string) => change({ action })}
            />
          </Col>
          <Col xs={24} sm={12} lg={5}>
            <Input.Search allowClear placeholder={`${t('audit.actor')}（${t('audit.actorPlaceholder')}）`} value={actor} onChange={(e) => setActor(e.target.value)} onSearch={(v) => change({ actor: v.trim() || undefined })} />
          </Col>
          <Col xs={12} sm={8} lg={4}>
            <Select
              allowClear
              style={full}
              placeholder={t('audit.result')}
              value={filters.result}
              options={(['ok', 'denied', 'failed'] as const).map((r) => ({ label: t(`audit.results.${r}`), value: r }))}
              onChange={(result?: string) => change({ result })}
            />
          </Col>
          <Col xs={24} sm={16} lg={9}>
            <DatePicker.RangePicker
              style={full}
              value={range}
              onChange={(value) => {
                setRange(value);
                change(dayBounds(value));
              }}
            />
          </Col>
        </Row>
        {list.error && !list.data ? (
          <ErrorResult error={list.error} onRetry={() => void list.refetch()} />
        ) : (
          <Table<AuditEventView>
            rowKey="seq"
            size="small"
            columns={columns}
            dataSource={list.data?.items ?? []}
            loading={list.isFetching}
            scroll={{ x: 1040 }}
            data-testid="audit-table"
            pagination={{
              current: page,
              pageSize,
              total: list.data?.total ?? 0,
              showSizeChanger: true,
              pageSizeOptions: [20, 50, 100, 200],
              showTotal: (total) => <Typography.Text type="secondary">{t('common.totalItems', { total })}</Typography.Text>,
              onChange: (p, s) => {
                setPage(p);
                setPageSize(s);
              },
            }}
          />
        )}
      </Card>
    </>
  );
}
