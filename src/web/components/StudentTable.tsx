import { DownloadOutlined, MailOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Col, Descriptions, Input, Popconfirm, Row, Select, Table, Tooltip, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { StudentListItem } from '../../contracts/student.js';
import { endpoints, queryKeys, type StudentFilters } from '../api/endpoints.js';
import { PROGRESS_FILTERS, progressApi, progressKeys } from '../api/progress.js';
import { ProgressTag } from './charts/ProgressChart.js';
import { formatTerm } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { can, useUser } from '../session.js';
import { useIsMobile } from '../useIsMobile.js';
import { ErrorResult } from './ErrorResult.js';
import { DECISIONS, DecisionTag, RULES, RuleTag } from './tags.js';

const FILTER_KEYS = ['department', 'decision', 'rule', 'site', 'q', 'progress', 'paid'] as const;
const PAGE_SIZES = [20, 50, 100, 200];

/** Filters and page of the student list, kept in the URL so Back returns to the same view. */
export function useStudentListState(): {
  filters: StudentFilters;
  page: number;
  pageSize: number;
  update: (changes: Partial<StudentFilters & { page: number; pageSize: number }>) => void;
  reset: (keep?: StudentFilters) => void;
} {
  const [params, setParams] = useSearchParams();
  const filters: StudentFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  const page = Math.max(1, Number(params.get('page')) || 1);
  const pageSize = PAGE_SIZES.includes(Number(params.get('pageSize'))) ? Number(params.get('pageSize')) : 20;
  return {
    filters,
    page,
    pageSize,
    update: (changes) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [key, value] of Object.entries(changes)) {
            if (value === undefined || value === null || value === '') next.delete(key);
            else next.set(key, String(value));
          }
          // a new filter starts on page 1
          if (!('page' in changes)) next.delete('page');
          return next;
        },
        { replace: true },
      );
    },
    reset: (keep = {}) => {
      const next = new URLSearchParams();
      for (const [key, value] of Object.entries(keep)) if (value) next.set(key, value);
      setParams(next, { replace: true });
    },
  };
}

interface StudentTableProps {
  /** departments the department filter offers; empty = no department filter */
  departments: string[];
  /** fixed department (department view): the filter is not shown */
  lockedDepartment?: string;
  canExport: boolean;
  /** the department whose filtered not-booked / no-show students may be reminded by mail (the department view) */
  remindDepartment?: string;
}

/** The server-paginated student list with its filters and the XLSX export. */
export function StudentTable({ departments, lockedDepartment, canExport, remindDepartment }: StudentTableProps): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const state = useStudentListState();
  const filters: StudentFilters = lockedDepartment ? { ...state.filters, department: lockedDepartment } : state.filters;
  const [search, setSearch] = useState(filters.q ?? '');
  const [exporting, setExporting] = useState(false);
  const isMobile = useIsMobile();
  // the agency's roles see masked names, so the server searches student numbers only for them
  const me = useUser();
  const namesSearchable = can(me, 'student.name.read');
  const queryClient = useQueryClient();
  const remindWhich = filters.progress === 'not-booked' || filters.progress === 'no-show' ? filters.progress : null;
  const remind = useMutation({
    mutationFn: (which: 'not-booked' | 'no-show') => progressApi.remind({ department: remindDepartment!, which }),
    onSuccess: (r) => {
      void message.success(t('progress.remindDone', { queued: r.queued, skipped: r.skipped, recent: r.recentlyReminded, noAddress: r.noAddress, invalid: r.invalidAddress }), 8);
      void queryClient.invalidateQueries({ queryKey: progressKeys.all });
    },
    onError: (error) => void message.error(`${t('progress.remindFailed')}：${(error as Error).message}`),
  });

  const list = useQuery({
    queryKey: queryKeys.students(filters, state.page, state.pageSize),
    queryFn: () => endpoints.students(filters, state.page, state.pageSize),
    placeholderData: keepPreviousData,
  });

  async function exportXlsx(): Promise<void> {
    setExporting(true);
    try {
      await progressApi.exportStudents({ department: filters.department, decision: filters.decision, progress: filters.progress, paid: filters.paid });
    } catch (error) {
      void message.error(`${t('common.exportFailed')}：${(error as Error).message}`);
    } finally {
      setExporting(false);
    }
  }

  const decisionTags = (row: StudentListItem) => (
    <span style={{ whiteSpace: 'nowrap' }} data-testid="decision-cell">
      <DecisionTag decision={row.decision} rule={row.rule} />
      <RuleTag rule={row.rule} />
    </span>
  );
  const nameText = (row: StudentListItem) =>
    row.nameMasked ? (
      <Tooltip title={t('students.maskedName')}>
        <span>{row.name}</span>
      </Tooltip>
    ) : (
      <span data-testid="student-name">{row.name}</span>
    );
  const studentLink = (row: StudentListItem) => (
    <Link to={`/students/${encodeURIComponent(row.id)}`} onClick={(e) => e.stopPropagation()}>
      {row.studentNo}
    </Link>
  );
  const expected = (row: StudentListItem) => `${formatTerm(row.expectedTerm, lang)} ${t(`finish.${row.finish}`)}`;

  // Phones: who and the decision in two columns; the rest in the expanded row. A student number (up to 32
  // letters and digits) or a Latin name without spaces is one word: it breaks anywhere rather than widen the
  // column, and with it the table and the page past the screen (outside test M5: 430 px at 390).
  const mobileColumns: TableColumnsType<StudentListItem> = [
    {
      title: t('students.name'),
      key: 'student',
      render: (_, row) => (
        <div style={{ lineHeight: 1.4, overflowWrap: 'anywhere' }}>
          <div>{studentLink(row)}</div>
          <div>{nameText(row)}</div>
          {lockedDepartment ? null : (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {row.department}
            </Typography.Text>
          )}
        </div>
      ),
    },
    {
      title: t('students.decision'),
      key: 'decision',
      width: 130,
      render: (_, row) => (
        <div style={{ display: 'flex', flexDirection: 'column', gap: 4, alignItems: 'flex-start' }}>
          {decisionTags(row)}
          {row.progress ? <ProgressTag progress={row.progress} noShow={row.noShow} paid={row.paid} /> : null}
        </div>
      ),
    },
  ];

  const columns: TableColumnsType<StudentListItem> = [
    { title: t('students.studentNo'), dataIndex: 'studentNo', width: 110, fixed: 'left', render: (_, row) => studentLink(row) },
    { title: t('students.name'), dataIndex: 'name', width: 110, render: (_, row) => nameText(row) },
    ...(lockedDepartment ? [] : [{ title: t('students.department'), dataIndex: 'department', width: 150, ellipsis: true }]),
    { title: t('students.level'), dataIndex: 'level', width: 64, render: (level: StudentListItem['level']) => t(`level.${level}`) },
    { title: t('students.expected'), key: 'expected', width: 136, render: (_, row) => <span style={{ whiteSpace: 'nowrap' }}>{expected(row)}</span> },
    { title: t('students.decision'), key: 'decision', width: 140, render: (_, row) => decisionTags(row) },
    { title: t('progress.column'), key: 'progress', width: 150, render: (_, row) => <ProgressTag progress={row.progress} noShow={row.noShow} paid={row.paid} /> },
    {
      title: t('students.reason'),
      key: 'reason',
      ellipsis: { showTitle: false },
      render: (_, row) => (
        <Tooltip title={row.reason[lang]} placement="topLeft">
          <span>{row.reason[lang]}</span>
        </Tooltip>
      ),
    },
  ];

  const selectWidth = { width: '100%' };
  return (
    <>
      <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
        <Col xs={24} sm={12} lg={8} xl={5}>
          <Input.Search
            allowClear
            placeholder={namesSearchable ? t('students.search') : t('students.searchNo')}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            onSearch={(q) => state.update({ q: q.trim() })}
            data-testid="student-search"
          />
        </Col>
        {lockedDepartment || departments.length === 0 ? null : (
          <Col xs={24} sm={12} lg={8} xl={5}>
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              placeholder={t('students.department')}
              style={selectWidth}
              value={filters.department}
              options={departments.map((d) => ({ label: d, value: d }))}
              onChange={(department?: string) => state.update({ department })}
              data-testid="filter-department"
            />
          </Col>
        )}
        <Col xs={8} sm={8} lg={4} xl={3}>
          <Select
            allowClear
            placeholder={t('students.decision')}
            style={selectWidth}
            value={filters.decision}
            options={DECISIONS.map((d) => ({ label: t(`decision.${d}`), value: d }))}
            onChange={(decision?: string) => state.update({ decision })}
          />
        </Col>
        <Col xs={8} sm={8} lg={4} xl={3}>
          <Select
            allowClear
            placeholder={t('students.rule')}
            style={selectWidth}
            value={filters.rule}
            options={RULES.map((r) => ({ label: `${r} ${t(`ruleName.${r}`)}`, value: r }))}
            onChange={(rule?: string) => state.update({ rule })}
            popupMatchSelectWidth={false}
          />
        </Col>
        <Col xs={8} sm={8} lg={4} xl={2}>
          <Select
            allowClear
            placeholder={t('students.site')}
            style={selectWidth}
            value={filters.site}
            options={(['beijing', 'shenzhen'] as const).map((s) => ({ label: t(`site.${s}`), value: s }))}
            onChange={(site?: string) => state.update({ site })}
          />
        </Col>
        <Col xs={12} sm={8} lg={4} xl={3}>
          <Select
            allowClear
            placeholder={t('progress.filter')}
            style={selectWidth}
            value={filters.progress}
            options={PROGRESS_FILTERS.map((p) => ({ label: t(`progress.state.${p}`), value: p }))}
            onChange={(progress?: string) => state.update({ progress })}
            popupMatchSelectWidth={false}
            data-testid="filter-progress"
          />
        </Col>
        <Col xs={12} sm={8} lg={4} xl={2}>
          <Select
            allowClear
            placeholder={t('progress.paid')}
            style={selectWidth}
            value={filters.paid}
            options={[
              { label: t('progress.paidYes'), value: 'true' },
              { label: t('progress.paidNo'), value: 'false' },
            ]}
            onChange={(paid?: string) => state.update({ paid })}
            popupMatchSelectWidth={false}
            data-testid="filter-paid"
          />
        </Col>
        <Col xs={24} sm={24} lg={12} xl={6} style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
          <Button
            icon={<ReloadOutlined />}
            onClick={() => {
              setSearch('');
              state.reset();
            }}
          >
            {t('common.reset')}
          </Button>
          {canExport ? (
            <Tooltip title={t('students.exportHint')}>
              <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void exportXlsx()} data-testid="export">
                {t('common.export')}
              </Button>
            </Tooltip>
          ) : null}
          {remindDepartment && remindWhich && can(me, 'student.remind') ? (
            <Popconfirm
              title={t('progress.remindConfirm', { department: remindDepartment, which: t(`progress.state.${remindWhich}`) })}
              okText={t('progress.remindOk')}
              cancelText={t('common.cancel')}
              onConfirm={() => remind.mutate(remindWhich)}
            >
              <Tooltip title={t('progress.remindFiltered', { which: t(`progress.state.${remindWhich}`) })}>
                <Button type="primary" icon={<MailOutlined />} loading={remind.isPending} disabled={!list.data?.total} data-testid="remind">
                  {t('progress.remind')}
                </Button>
              </Tooltip>
            </Popconfirm>
          ) : null}
        </Col>
      </Row>
      {list.error && !list.data ? (
        <ErrorResult error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<StudentListItem>
          rowKey="id"
          size="middle"
          columns={isMobile ? mobileColumns : columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          // phones: as wide as the screen, and should a row still not fit, the table scrolls inside its card (M5)
          scroll={isMobile ? { x: true } : { x: lockedDepartment ? 1010 : 1150 }}
          data-testid="student-table"
          onRow={(row) => ({ onClick: () => navigate(`/students/${encodeURIComponent(row.id)}`), style: { cursor: 'pointer' } })}
          expandable={{
            expandRowByClick: false,
            expandedRowRender: (row) => (
              <Descriptions
                size="small"
                column={{ xs: 1, md: 3 }}
                items={[
                  { key: 'reason', label: t('students.reason'), span: { xs: 1, md: 3 }, children: <Typography.Text>{row.reason[lang]}</Typography.Text> },
                  ...(isMobile
                    ? [
                        { key: 'level', label: t('students.level'), children: t(`level.${row.level}`) },
                        { key: 'expected', label: t('students.expected'), children: expected(row) },
                      ]
                    : []),
                  { key: 'cert', label: t('student.certificate'), children: t(`certificate.${row.certificate}`) },
                  { key: 'employed', label: t('student.employed'), children: row.employed ? t('common.yes') : t('common.no') },
                  { key: 'site', label: t('students.site'), children: t(`site.${row.site}`) },
                ]}
              />
            ),
          }}
          pagination={{
            current: state.page,
            pageSize: state.pageSize,
            total: list.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: PAGE_SIZES,
            showTotal: (total) => t('students.totalText', { total }),
            onChange: (page, pageSize) => state.update({ page, pageSize }),
          }}
        />
      )}
    </>
  );
}
