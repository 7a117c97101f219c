import { CloudUploadOutlined, DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Flex, Input, Progress, Result, Row, Spin, Statistic, Steps, Table, Tabs, Typography, Upload } from 'antd';
import type { TableColumnsType, UploadFile } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { z } from 'zod';
import { RosterErrorSchema, type RosterApplyResult, type RosterChange, type RosterError, type RosterPreview, type RosterRemovals, type RosterSummary } from '../../contracts/roster.js';
import { ApiError } from '../api/client.js';
import { endpoints } from '../api/endpoints.js';
import { PageHeader } from '../components/PageHeader.js';
import { DecisionTag, RuleTag } from '../components/tags.js';
import { useIsMobile } from '../useIsMobile.js';

type Phase = 'idle' | 'uploading' | 'processing' | 'preview' | 'applying' | 'done';

const ACCEPT = ['.csv', '.xlsx'];

function ErrorTable({ errors }: { errors: RosterError[] }): ReactNode {
  const { t } = useTranslation();
  const columns: TableColumnsType<RosterError & { key: number }> = [
    { title: t('roster.row'), dataIndex: 'row', width: 70, render: (row: number | null) => row ?? t('common.none') },
    { title: t('roster.column'), dataIndex: 'column', width: 140, render: (c: string | null) => c ?? t('common.none') },
    {
      title: t('roster.value'),
      dataIndex: 'value',
      width: 180,
      render: (v: string | null) => (v === null ? t('common.none') : <Typography.Text code>{v}</Typography.Text>),
    },
    { title: t('roster.message'), dataIndex: 'message' },
  ];
  return (
    <Table
      size="small"
      bordered
      data-testid="roster-errors"
      columns={columns}
      dataSource={errors.map((e, i) => ({ ...e, key: i }))}
      pagination={errors.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
      scroll={{ x: 640 }}
    />
  );
}

function DecisionRef({ value }: { value: RosterChange['after'] }): ReactNode {
  const { t } = useTranslation();
  if (!value) return <Typography.Text type="secondary">{t('common.none')}</Typography.Text>;
  return (
    <span style={{ whiteSpace: 'nowrap' }}>
      <DecisionTag decision={value.decision} rule={value.rule} />
      <RuleTag rule={value.rule} />
    </span>
  );
}

function ChangeTable({ kind, rows }: { kind: 'added' | 'changed' | 'removed'; rows: RosterChange[] }): ReactNode {
  const { t } = useTranslation();
  const isMobile = useIsMobile();
  const fieldName = (field: string) => {
    const key = `roster.fieldNames.${field}`;
    const text = t(key);
    return text === key ? field : text;
  };
  // on phones the student is one stacked column, so the change stays in view
  const columns: TableColumnsType<RosterChange> = isMobile
    ? [
        {
          title: t('roster.name'),
          key: 'student',
          width: 120,
          render: (_, row) => (
            <div style={{ lineHeight: 1.4 }}>
              <div>{row.studentNo}</div>
              <div>{row.name}</div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {row.department}
              </Typography.Text>
            </div>
          ),
        },
      ]
    : [
        { title: t('roster.studentNo'), dataIndex: 'studentNo', width: 120 },
        { title: t('roster.name'), dataIndex: 'name', width: 110 },
        { title: t('roster.department'), dataIndex: 'department', width: 160, ellipsis: true },
      ];
  if (kind === 'changed') {
    columns.push(
      {
        title: t('roster.changes'),
        key: 'fields',
        render: (_, row) => (
          <Flex vertical gap={2}>
            {row.fields.map((f) => (
              <span key={f.field}>
                <Typography.Text type="secondary">{fieldName(f.field)}：</Typography.Text>
                {f.before === null && f.after === null ? (
                  t('roster.valueHidden')
                ) : (
                  <>
                    <Typography.Text delete>{f.before ?? t('common.none')}</Typography.Text> → <Typography.Text strong>{f.after ?? t('common.none')}</Typography.Text>
                  </>
                )}
              </span>
            ))}
          </Flex>
        ),
      },
      {
        title: t('roster.decisionChange'),
        key: 'decision',
        width: isMobile ? 150 : 270,
        render: (_, row) =>
          row.before?.decision === row.after?.decision && row.before?.rule === row.after?.rule ? (
            <DecisionRef value={row.after} />
          ) : (
            <Flex align="center" gap={4} wrap>
              <DecisionRef value={row.before} />→<DecisionRef value={row.after} />
            </Flex>
          ),
      },
    );
  } else {
    columns.push({ title: t('roster.decision'), key: 'decision', width: isMobile ? 130 : 180, render: (_, row) => <DecisionRef value={kind === 'added' ? row.after : row.before} /> });
  }
  return (
    <Table<RosterChange>
      size="small"
      rowKey="studentNo"
      data-testid={`roster-${kind}`}
      columns={columns}
      dataSource={rows}
      pagination={rows.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
      scroll={isMobile ? (kind === 'changed' ? { x: 420 } : undefined) : { x: kind === 'changed' ? 900 : 600 }}
    />
  );
}

function SummaryStats({ summary }: { summary: RosterSummary }): ReactNode {
  const { t } = useTranslation();
  const items: { key: keyof RosterSummary; color?: string }[] = [
    { key: 'rows' },
    { key: 'added', color: '#389e0d' },
    { key: 'changed', color: '#d48806' },
    { key: 'removed', color: '#cf1322' },
    { key: 'unchanged', color: '#8c8c8c' },
    { key: 'decisionChanged', color: '#1f4e9c' },
  ];
  return (
    <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
      {items.map((item) => (
        <Col xs={8} md={4} key={item.key}>
          <Card size="small" data-testid={`summary-${item.key}`}>
            <Statistic title={t(`roster.${item.key}`)} value={summary[item.key]} styles={{ content: { color: item.color } }} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}

const ApplyInvalidDetailsSchema = z.object({ errors: z.array(RosterErrorSchema) });

export default function RosterImportPage(): ReactNode {
  const { t, i18n } = useTranslation();
  const { modal, message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [progress, setProgress] = useState(0);
  const [preview, setPreview] = useState<RosterPreview | null>(null);
  const [result, setResult] = useState<RosterApplyResult | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [applyErrors, setApplyErrors] = useState<RosterError[] | null>(null);
  const [badType, setBadType] = useState(false);
  const isMobile = useIsMobile();

  function reset(): void {
    setFile(null);
    setPhase('idle');
    setPreview(null);
    setResult(null);
    setError(null);
    setApplyErrors(null);
    setProgress(0);
  }

  function onProgress(fraction: number): void {
    setProgress(Math.round(fraction * 100));
    if (fraction >= 1) setPhase((p) => (p === 'uploading' ? 'processing' : p));
  }

  async function runPreview(): Promise<void> {
    if (!file) return;
    setError(null);
    setPreview(null);
    setApplyErrors(null);
    setProgress(0);
    setPhase('uploading');
    try {
      setPreview(await endpoints.previewRoster(file, onProgress));
      setPhase('preview');
    } catch (e) {
      setError(e as Error);
      setPhase('idle');
    }
  }

  async function runApply(confirmRemovals?: number): Promise<void> {
    if (!file) return;
    setError(null);
    setProgress(0);
    setPhase('applying');
    try {
      setResult(await endpoints.applyRoster(file, (f) => setProgress(Math.round(f * 100)), confirmRemovals));
      setPhase('done');
      void queryClient.invalidateQueries({ predicate: (q) => ['students', 'student', 'campaign'].includes(String(q.queryKey[0])) });
    } catch (e) {
      const details = e instanceof ApiError && e.code === 'ROSTER_INVALID' ? ApplyInvalidDetailsSchema.safeParse(e.details) : null;
      if (details?.success) setApplyErrors(details.data.errors);
      setError(e as Error);
      setPhase('preview');
    }
  }

  function confirmApply(summary: RosterSummary, removals: RosterRemovals): void {
    modal.confirm({
      title: t('roster.applyConfirmTitle'),
      content: t('roster.applyConfirm', summary),
      okText: t('roster.apply'),
      cancelText: t('common.cancel'),
      onOk: () => (removals.needsConfirmation ? confirmRemovals(removals) : void runApply()),
    });
  }

  /** Removing many students (issue 8 finding 13): the count, in red, typed a second time. */
  function confirmRemovals(removals: RosterRemovals): void {
    // The button stays disabled until the count typed is the count removed (no error to dismiss).
    const okButtonProps = (typed: string) => ({ danger: true, disabled: typed !== String(removals.count), 'data-testid': 'roster-removals-ok' });
    const dialog = modal.confirm({
      title: t('roster.removalsConfirmTitle'),
      okButtonProps: okButtonProps(''),
      content: (
        <Flex vertical gap={8}>
          <Typography.Text type="danger" strong>
            {t('roster.removalsWarning', { ...removals, percent: Math.round((removals.count / Math.max(1, removals.stored)) * 1000) / 10, threshold: removals.thresholdPercent })}
          </Typography.Text>
          <span>{t('roster.removalsConfirmPrompt')}</span>
          <Input inputMode="numeric" autoFocus onChange={(e) => dialog.update({ okButtonProps: okButtonProps(e.target.value.trim()) })} data-testid="roster-removals-input" />
        </Flex>
      ),
      okText: t('roster.apply'),
      cancelText: t('common.cancel'),
      onOk: () => void runApply(removals.count),
    });
  }

  // 3 = past the last step: all three done
  const step = phase === 'done' ? 3 : preview?.valid ? (phase === 'applying' ? 2 : 1) : 0;
  const busy = phase === 'uploading' || phase === 'processing' || phase === 'applying';
  const fileList: UploadFile[] = file ? [{ uid: 'roster', name: file.name, size: file.size, status: 'done' }] : [];

  return (
    <>
      <PageHeader title={t('roster.title')} crumbs={[{ title: t('menu.rosterImport') }]} />
      <Card size="small" style={{ marginBottom: 16 }}>
        <Steps
          size="small"
          responsive={false}
          titlePlacement={isMobile ? 'vertical' : 'horizontal'}
          current={step}
          style={{ marginBottom: 16 }}
          items={[{ title: t('roster.stepChoose') }, { title: t('roster.stepPreview') }, { title: t('roster.stepApply') }]}
        />
        <Typography.Paragraph type="secondary">{t('roster.intro')}</Typography.Paragraph>
        <Flex gap={8} wrap style={{ marginBottom: 12 }}>
          {(['xlsx', 'csv'] as const).map((format) => (
            <Button
              key={format}
              size="small"
              icon={<DownloadOutlined />}
              onClick={() => void endpoints.downloadRosterTemplate(format, i18n.language.startsWith('en') ? 'en' : 'zh').catch((e: Error) => void message.error(e.message))}
              data-testid={`roster-template-${format}`}
            >
              {t(format === 'xlsx' ? 'roster.templateXlsx' : 'roster.templateCsv')}
            </Button>
          ))}
        </Flex>
        {phase === 'done' && result ? (
          <Result
            status="success"
            data-testid="roster-result"
            title={result.applied ? t('roster.appliedTitle') : t('roster.notAppliedTitle')}
            subTitle={t('roster.appliedDesc', { id: result.importId ?? t('common.none'), ...result.summary })}
            extra={[
              <Button type="primary" key="students" onClick={() => navigate('/students')}>
                {t('roster.toStudents')}
              </Button>,
              <Button key="again" onClick={reset} data-testid="roster-again">
                {t('roster.again')}
              </Button>,
            ]}
          />
        ) : (
          <>
            <Upload.Dragger
              accept={ACCEPT.join(',')}
              multiple={false}
              maxCount={1}
              disabled={busy}
              fileList={fileList}
              beforeUpload={(f) => {
                const ok = ACCEPT.some((ext) => f.name.toLowerCase().endsWith(ext));
                setBadType(!ok);
                if (ok) {
                  setFile(f);
                  setPreview(null);
                  setError(null);
                  setApplyErrors(null);
                  setPhase('idle');
                }
                return Upload.LIST_IGNORE; // held here; sent only by the buttons below
              }}
              onRemove={() => {
                reset();
                return true;
              }}
              data-testid="roster-dragger"
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{t('roster.dragText')}</p>
              <p className="ant-upload-hint">{t('roster.dragHint')}</p>
            </Upload.Dragger>
            {badType ? <Alert type="error" showIcon title={t('roster.badType')} style={{ marginTop: 12 }} /> : null}
            <Flex gap={12} wrap align="center" style={{ marginTop: 16 }}>
              <Button type="primary" icon={<CloudUploadOutlined />} disabled={!file || busy} loading={phase === 'uploading' || phase === 'processing'} onClick={() => void runPreview()} data-testid="roster-preview">
                {t('roster.preview')}
              </Button>
              {preview?.valid ? (
                <Button type="primary" danger disabled={busy} loading={phase === 'applying'} onClick={() => confirmApply(preview.summary, preview.removals)} data-testid="roster-apply">
                  {t('roster.apply')}
                </Button>
              ) : null}
            </Flex>
            {busy ? (
              <div style={{ marginTop: 16 }} data-testid="roster-progress">
                {progress < 100 ? (
                  <Progress percent={progress} status="active" format={(p) => `${t('roster.uploading')} ${p ?? 0}%`} />
                ) : (
                  <Spin description={phase === 'applying' ? t('roster.applying') : t('roster.processing')}>
                    <div style={{ height: 48 }} />
                  </Spin>
                )}
              </div>
            ) : null}
          </>
        )}
      </Card>

      {error ? (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          title={applyErrors ? t('roster.appliedFailed') : error.message}
          description={applyErrors ? error.message : undefined}
          data-testid="roster-error"
        />
      ) : null}
      {applyErrors ? (
        <Card size="small" title={t('roster.invalidTitle', { count: applyErrors.length })} style={{ marginBottom: 16 }}>
          <ErrorTable errors={applyErrors} />
        </Card>
      ) : null}

      {preview && phase !== 'done' ? (
        <Card
          size="small"
          data-testid="roster-preview-card"
          title={
            <span>
              {t('roster.file')}：{preview.fileName}
              <Typography.Text type="secondary" style={{ fontWeight: 'normal', marginInlineStart: 8 }}>
                {t('roster.fileInfo', { format: preview.format.toUpperCase(), encoding: preview.encoding ?? t('common.none'), rows: preview.summary.rows })}
              </Typography.Text>
            </span>
          }
        >
          {preview.unknownColumns.length ? (
            <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('roster.unknownColumns', { columns: preview.unknownColumns.join('、') })} data-testid="roster-unknown-columns" />
          ) : null}
          {preview.valid ? (
            <>
              <Alert type="success" showIcon style={{ marginBottom: 12 }} title={t('roster.validTitle', { rows: preview.summary.rows })} />
              {preview.removals.needsConfirmation ? (
                <Alert
                  type="error"
                  showIcon
                  style={{ marginBottom: 12 }}
                  data-testid="roster-removals-warning"
                  title={
                    <Typography.Text type="danger" strong>
                      {t('roster.removalsWarning', {
                        ...preview.removals,
                        percent: Math.round((preview.removals.count / Math.max(1, preview.removals.stored)) * 1000) / 10,
                        threshold: preview.removals.thresholdPercent,
                      })}
                    </Typography.Text>
                  }
                />
              ) : null}
              <SummaryStats summary={preview.summary} />
              <Tabs
                // opens on the first kind of change the file has (a roster that only removes opens on its removals)
                key={preview.sha256}
                defaultActiveKey={preview.summary.added > 0 ? 'added' : preview.summary.changed > 0 ? 'changed' : preview.summary.removed > 0 ? 'removed' : 'added'}
                items={[
                  { key: 'added', label: `${t('roster.added')} (${preview.summary.added})`, children: <ChangeTable kind="added" rows={preview.added} /> },
                  { key: 'changed', label: `${t('roster.changed')} (${preview.summary.changed})`, children: <ChangeTable kind="changed" rows={preview.changed} /> },
                  { key: 'removed', label: `${t('roster.removed')} (${preview.summary.removed})`, children: <ChangeTable kind="removed" rows={preview.removed} /> },
                ]}
              />
              {preview.added.length < preview.summary.added || preview.changed.length < preview.summary.changed || preview.removed.length < preview.summary.removed ? (
                <Typography.Text type="secondary">{t('roster.truncated')}</Typography.Text>
              ) : null}
            </>
          ) : (
            <>
              <Alert
                type="error"
                showIcon
                style={{ marginBottom: 12 }}
                title={t('roster.invalidTitle', { count: preview.errorCount })}
                description={t('roster.invalidDesc')}
                data-testid="roster-invalid"
              />
              <ErrorTable errors={preview.errors} />
            </>
          )}
        </Card>
      ) : null}
    </>
  );
}
