import { DownloadOutlined, LoginOutlined, PrinterOutlined, RollbackOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Descriptions, Flex, Skeleton, Table, Tag, Typography } from 'antd';
import type { HTMLAttributes, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Notice } from '../../contracts/notice.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { labelled } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { LanguageSwitch } from '../layout/AppLayout.js';
import { useIsMobile } from '../useIsMobile.js';

type Section = Notice['sections'][number];
type Table = NonNullable<Section['table']>;
type Row = Table['rows'][number];

// The notice prints as a document: no bar, no buttons, no card frame.
const PRINT_CSS = `
@media print {
  .notice-no-print { display: none !important; }
  .notice-page { background: #fff !important; padding: 0 !important; }
  .notice-card { box-shadow: none !important; border: none !important; }
  .notice-card .ant-card-body { padding: 0 !important; }
  .notice-row { break-inside: avoid; }
}`;

function RuleId({ rule }: { rule: string | null }): ReactNode {
  const { t } = useTranslation();
  if (!rule) return null;
  return (
    <Tag variant="outlined" color="geekblue" style={{ marginInlineStart: 6, fontSize: 11, lineHeight: '16px', paddingInline: 4 }} title={t('notice.rule', { rule })} data-rule={rule}>
      {rule}
    </Tag>
  );
}

function DayTable({ table }: { table: Table }): ReactNode {
  const mobile = useIsMobile();
  const lang = currentLanguage();
  const separator = lang === 'zh' ? '、' : ', ';
  const day = (row: Row) => (
    <span style={{ whiteSpace: 'nowrap' }}>
      {row.day}
      {row.weekend ? (
        <Tag color="gold" style={{ marginInlineStart: 6 }}>
          {table.weekendLabel}
        </Tag>
      ) : null}
    </span>
  );
  if (mobile) {
    // A phone gets one block per day: a four-column table would not fit.
    return (
      <div data-testid="notice-table">
        <Typography.Text strong>{table.caption}</Typography.Text>
        {table.rows.map((row) => (
          <div key={row.date} className="notice-row" data-testid={`notice-day-${row.date}`} style={{ borderTop: '1px solid #e5e9f0', padding: '10px 0' }}>
            <Flex justify="space-between" wrap gap={4}>
              <Typography.Text strong>{day(row)}</Typography.Text>
              <Typography.Text type="secondary" style={{ fontVariantNumeric: 'tabular-nums' }}>
                {row.windows}
              </Typography.Text>
            </Flex>
            <div style={{ margin: '4px 0' }}>{row.departments.join(separator)}</div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {labelled(table.columns.codeBy, currentLanguage())}
              {row.codeBy}
            </Typography.Text>
          </div>
        ))}
      </div>
    );
  }
  return (
    <Table<Row>
      data-testid="notice-table"
      title={() => <Typography.Text strong>{table.caption}</Typography.Text>}
      size="small"
      bordered
      pagination={false}
      rowKey="date"
      dataSource={table.rows}
      onRow={(row) => ({ 'data-testid': `notice-day-${row.date}`, className: 'notice-row', style: row.weekend ? { background: '#fffbe6' } : undefined }) as HTMLAttributes<HTMLElement>}
      columns={[
        { key: 'day', title: table.columns.day, width: 150, render: (_, row) => day(row) },
        { key: 'windows', title: table.columns.windows, width: 120, render: (_, row) => <span style={{ fontVariantNumeric: 'tabular-nums' }}>{row.windows.split(/、|, /).map((w) => <div key={w}>{w}</div>)}</span> },
        { key: 'departments', title: table.columns.departments, render: (_, row) => row.departments.join(separator) },
        { key: 'codeBy', title: table.columns.codeBy, width: 130, render: (_, row) => <span style={{ whiteSpace: 'nowrap' }}>{row.codeBy}</span> },
      ]}
    />
  );
}

function NoticeBody({ notice }: { notice: Notice }): ReactNode {
  const mobile = useIsMobile();
  return (
    <article data-testid="notice" lang={notice.lang === 'zh' ? 'zh-CN' : 'en'}>
      <Typography.Title level={mobile ? 4 : 3} style={{ textAlign: 'center', marginTop: 0 }} data-testid="notice-title">
        {notice.title}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ textAlign: 'center' }}>
        {notice.subtitle}
      </Typography.Paragraph>
      <Descriptions
        bordered
        size="small"
        column={1}
        data-testid="notice-facts"
        style={{ marginBottom: 24 }}
        styles={{ label: { whiteSpace: 'nowrap', width: mobile ? 72 : 110 } }}
        items={notice.facts.map((f) => ({ key: f.key, label: f.label, children: <span data-testid={`notice-fact-${f.key}`}>{f.value}</span> }))}
      />
      {notice.sections.map((section) => (
        <section key={section.id} data-testid={`notice-section-${section.id}`} style={{ marginBottom: 20 }}>
          <Typography.Title level={5} style={{ color: '#1f4e9c' }}>
            {section.heading}
          </Typography.Title>
          {section.lines.map((line, i) => (
            <Typography.Paragraph key={i} style={{ marginBottom: 8, fontSize: 15, lineHeight: 1.7 }} data-rule-line={line.rule ?? ''}>
              {line.text}
              <RuleId rule={line.rule} />
            </Typography.Paragraph>
          ))}
          {section.table ? <DayTable table={section.table} /> : null}
        </section>
      ))}
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, textAlign: 'right', marginTop: 24 }}>
        {notice.footer}
      </Typography.Paragraph>
    </article>
  );
}

/** The public campaign notice (`/notice`): no sign-in needed, readable on a phone, printable, with its PDF. */
export default function NoticePage(): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const mobile = useIsMobile();
  const notice = useQuery({ queryKey: queryKeys.notice(lang), queryFn: () => endpoints.notice(lang) });
  // Read, never fetched here: asking /api/me signed out would send this public page to the login.
  const me = useQuery({ queryKey: queryKeys.me, queryFn: endpoints.me, enabled: false });
  const pdfHref = `/api/notice.pdf?lang=${lang}`;
  return (
    <div className="notice-page" style={{ minHeight: '100vh', background: '#f3f5f9', padding: mobile ? 0 : '0 0 32px' }}>
      <style>{PRINT_CSS}</style>
      <Flex
        className="notice-no-print"
        align="center"
        gap={8}
        style={{ background: '#001529', padding: mobile ? '8px 12px' : '10px 24px', position: 'sticky', top: 0, zIndex: 10 }}
      >
        <img src="/favicon.svg" alt="" width={24} height={24} />
        <Typography.Text strong ellipsis style={{ color: '#fff', flex: 1, minWidth: 0, fontSize: mobile ? 14 : 15 }}>
          {mobile ? t('app.short') : t('app.title')}
        </Typography.Text>
        <LanguageSwitch compact={mobile} />
        {me.data ? (
          <Button size="small" ghost icon={<RollbackOutlined />} href="/" data-testid="notice-back">
            {mobile ? null : t('notice.backToApp')}
          </Button>
        ) : (
          <Button size="small" ghost icon={<LoginOutlined />} href="/login" data-testid="notice-signin">
            {t('notice.signIn')}
          </Button>
        )}
      </Flex>
      <div style={{ maxWidth: 920, margin: '0 auto', padding: mobile ? 8 : '24px 16px 0' }}>
        <Flex className="notice-no-print" justify="flex-end" gap={8} wrap style={{ marginBottom: 12 }}>
          <Button icon={<PrinterOutlined />} onClick={() => window.print()} style={{ display: mobile ? 'none' : undefined }}>
            {t('notice.print')}
          </Button>
          <Button type="primary" icon={<DownloadOutlined />} href={pdfHref} target="_blank" rel="noopener" data-testid="notice-pdf">
            {t('notice.download')} / {lang === 'zh' ? 'Download PDF' : '下载 PDF'}
          </Button>
        </Flex>
        <Card className="notice-card" styles={{ body: { padding: mobile ? 14 : 32 } }}>
          {notice.data ? (
            <NoticeBody notice={notice.data} />
          ) : notice.error ? (
            <ErrorResult error={notice.error} onRetry={() => void notice.refetch()} />
          ) : (
            <Skeleton active paragraph={{ rows: 12 }} />
          )}
        </Card>
      </div>
    </div>
  );
}
