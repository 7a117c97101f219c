// Invalid photos (E7) and corrections (issue 10 section 4): two lists, read-only — photos flagged invalid (why,
// since when, whether confirmed, what the registry package did: never exported, or withdrawn in a batch's
// withdrawn.csv) and voided confirmations (who, when, why, the new photo since) — with filters and an XLSX of
// each. The admin sees everything; a secretary their departments (the server filters).
import { DownloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, Empty, Flex, Select, Table, Tabs, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { InvalidPhoto, VoidedConfirmation } from '../../contracts/corrections.js';
import { dashboardApi, dashboardKeys } from '../api/dashboard.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { formatInstant } from '../format.js';
import { useIsMobile } from '../useIsMobile.js';

type Registry = InvalidPhoto['registry'];

function RegistryCell({ registry }: { registry: Registry }): ReactNode {
  const { t } = useTranslation();
  const tag =
    registry.kind === 'never' ? <Tag color="green">{t('corrections.registryNever')}</Tag> : registry.kind === 'withdrawn' ? <Tag color="orange">{t('corrections.registryWithdrawn')}</Tag> : <Tag color="red">{t('corrections.registryToWithdraw')}</Tag>;
  return (
    <Flex vertical gap={2} data-registry={registry.kind}>
      <span>{tag}</span>
      {registry.kind === 'never' ? null : (
        <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>
          {registry.text}
        </Typography.Text>
      )}
    </Flex>
  );
}

function StudentCell({ r }: { r: { studentNo: string; name: string; department: string } }): ReactNode {
  return (
    <Flex vertical gap={0}>
      <Link to={`/students?q=${encodeURIComponent(r.studentNo)}`} style={{ whiteSpace: 'nowrap' }}>
        {r.studentNo}
      </Link>
      <span>{r.name}</span>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {r.department}
      </Typography.Text>
    </Flex>
  );
}

const time = (iso: string | null) => (iso ? <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(iso).slice(0, 16)}</span> : '—');

function ExportButton({ department, list }: { department: string | undefined; list: 'invalid' | 'voided' }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const run = useMutation({ mutationFn: () => dashboardApi.exportCorrections({ department, list }), onError: (e) => void message.error(e.message) });
  return (
    <Button icon={<DownloadOutlined />} loading={run.isPending} onClick={() => run.mutate()} data-testid={`export-${list}`}>
      {t('corrections.export')}
    </Button>
  );
}

function InvalidList({ department }: { department: string | undefined }): ReactNode {
  const { t } = useTranslation();
  const isMobile = useIsMobile();
  const [reason, setReason] = useState<string | undefined>();
  const query = { department, reason };
  const list = useQuery({ queryKey: dashboardKeys.invalid(query), queryFn: () => dashboardApi.invalidPhotos(query) });
  const columns: TableColumnsType<InvalidPhoto> = [
    { title: t('corrections.student'), key: 'student', width: 150, fixed: isMobile ? 'left' : undefined, render: (_, r) => <StudentCell r={r} /> },
    {
      title: t('corrections.why'),
      key: 'why',
      width: 260,
      render: (_, r) => (
        <Flex vertical gap={2}>
          <span>
            <Tag color="volcano">{r.reason}</Tag>
          </span>
          <span>{r.reasonText}</span>
        </Flex>
      ),
    },
    { title: t('corrections.since'), key: 'since', width: 140, render: (_, r) => time(r.since) },
    {
      title: t('corrections.wasConfirmed'),
      key: 'confirmed',
      width: 150,
      render: (_, r) =>
        r.wasConfirmed ? (
          <Flex vertical gap={0}>
            <span>{t('corrections.confirmedYes', { at: formatInstant(r.confirmedAt!).slice(0, 16) })}</span>
            {r.confirmationVoided ? <Typography.Text type="secondary">{t('corrections.confirmationVoided')}</Typography.Text> : null}
          </Flex>
        ) : (
          <Typography.Text type="secondary">{t('corrections.confirmedNo')}</Typography.Text>
        ),
    },
    { title: t('corrections.registry'), key: 'registry', width: 240, render: (_, r) => <RegistryCell registry={r.registry} /> },
  ];
  const reasons = ['E4', 'E5', 'E6', 'removed', 'excluded', 'not-in-campaign'];
  return (
    <>
      <Typography.Paragraph type="secondary">{t('corrections.invalidHint')}</Typography.Paragraph>
      <Flex wrap gap={8} justify="space-between" style={{ marginBottom: 12 }}>
        <Select<string>
          allowClear
          style={{ width: 200 }}
          placeholder={t('corrections.allReasons')}
          value={reason}
          onChange={(v) => setReason(v)}
          options={reasons.map((r) => ({ value: r, label: r }))}
          data-testid="filter-reason"
        />
        <Flex gap={8} align="center">
          {list.data ? <Typography.Text type="secondary">{t('corrections.count', { count: list.data.total })}</Typography.Text> : null}
          <ExportButton department={department} list="invalid" />
        </Flex>
      </Flex>
      {list.error ? (
        <ErrorResult error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<InvalidPhoto>
          size="small"
          bordered
          rowKey="photoId"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          scroll={{ x: 940 }}
          locale={{ emptyText: <Empty description={t('corrections.invalidEmpty')} /> }}
          data-testid="invalid-table"
        />
      )}
    </>
  );
}

function VoidedList({ department }: { department: string | undefined }): ReactNode {
  const { t } = useTranslation();
  const isMobile = useIsMobile();
  const [kind, setKind] = useState<'manual' | 'registry' | undefined>();
  const [open, setOpen] = useState(false);
  const query = { department, kind, open: open ? ('true' as const) : undefined };
  const list = useQuery({ queryKey: dashboardKeys.voided(query), queryFn: () => dashboardApi.voidedConfirmations(query) });
  const columns: TableColumnsType<VoidedConfirmation> = [
    { title: t('corrections.student'), key: 'student', width: 150, fixed: isMobile ? 'left' : undefined, render: (_, r) => <StudentCell r={r} /> },
    { title: t('corrections.confirmedAt'), key: 'confirmedAt', width: 130, render: (_, r) => time(r.confirmedAt) },
    {
      title: t('corrections.voidedAt'),
      key: 'voided',
      width: 160,
      render: (_, r) => (
        <Flex vertical gap={2}>
          {time(r.voidedAt)}
          <span>
            <Tag color={r.kind === 'registry' ? 'magenta' : 'blue'}>{r.kind === 'registry' ? t('corrections.kindRegistry') : t('corrections.kindManual')}</Tag>
          </span>
          <Typography.Text type="secondary">{r.voidedBy ?? t('corrections.system')}</Typography.Text>
        </Flex>
      ),
    },
    { title: t('corrections.voidReason'), dataIndex: 'reason', width: 220, render: (v: string) => <span data-testid="void-reason">{v}</span> },
    {
      title: t('corrections.newPhoto'),
      key: 'new',
      width: 150,
      render: (_, r) => (r.newConfirmedAt ? <Tag color="green">{formatInstant(r.newConfirmedAt).slice(0, 16)}</Tag> : <Tag color="gold">{t('corrections.newPhotoNone')}</Tag>),
    },
    { title: t('corrections.registry'), key: 'registry', width: 220, render: (_, r) => <RegistryCell registry={r.registry} /> },
  ];
  return (
    <>
      <Typography.Paragraph type="secondary">{t('corrections.voidedHint')}</Typography.Paragraph>
      <Flex wrap gap={8} justify="space-between" style={{ marginBottom: 12 }}>
        <Flex wrap gap={8} align="center">
          <Select<'manual' | 'registry'>
            allowClear
            style={{ width: 200 }}
            placeholder={t('corrections.allKinds')}
            value={kind}
            onChange={(v) => setKind(v)}
            options={[
              { value: 'manual', label: t('corrections.kindManual') },
              { value: 'registry', label: t('corrections.kindRegistry') },
            ]}
            data-testid="filter-kind"
          />
          <Checkbox checked={open} onChange={(e) => setOpen(e.target.checked)}>
            {t('corrections.openOnly')}
          </Checkbox>
        </Flex>
        <Flex gap={8} align="center">
          {list.data ? <Typography.Text type="secondary">{t('corrections.countVoided', { count: list.data.total })}</Typography.Text> : null}
          <ExportButton department={department} list="voided" />
        </Flex>
      </Flex>
      {list.error ? (
        <ErrorResult error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<VoidedConfirmation>
          size="small"
          bordered
          rowKey="confirmationId"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          scroll={{ x: 1030 }}
          locale={{ emptyText: <Empty description={t('corrections.voidedEmpty')} /> }}
          data-testid="voided-table"
        />
      )}
    </>
  );
}

export default function CorrectionsPage(): ReactNode {
  const { t } = useTranslation();
  const [department, setDepartment] = useState<string | undefined>();
  // the departments the caller may see, from the dashboard (counts only)
  const dashboard = useQuery({ queryKey: dashboardKeys.dashboard({}), queryFn: () => dashboardApi.dashboard({}) });
  const departments = dashboard.data?.departments.map((d) => d.department) ?? [];
  return (
    <>
      <PageHeader
        title={t('corrections.title')}
        sub={t('corrections.sub')}
        crumbs={[{ title: t('corrections.title') }]}
        extra={
          <Select<string>
            allowClear
            showSearch
            style={{ width: 220, maxWidth: '100%' }}
            placeholder={t('corrections.allDepartments')}
            value={department}
            onChange={(v) => setDepartment(v)}
            options={departments.map((d) => ({ value: d, label: d }))}
            data-testid="filter-department"
          />
        }
      />
      <Card size="small">
        <Tabs
          items={[
            { key: 'invalid', label: t('corrections.invalidTab'), children: <InvalidList department={department} /> },
            { key: 'voided', label: t('corrections.voidedTab'), children: <VoidedList department={department} /> },
          ]}
        />
      </Card>
    </>
  );
}
