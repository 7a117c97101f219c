import { ArrowLeftOutlined, EyeOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Popconfirm, Skeleton, Space, Tooltip, Typography } from 'antd';
import type { DescriptionsProps } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import type { StudentDetail } from '../../contracts/student.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { BookingCard } from '../components/BookingCard.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { StudentPhotosCard } from '../components/student/StudentPhotosCard.js';
import { DecisionTag, RuleTag } from '../components/tags.js';
import { formatDay, formatInstant, formatTerm } from '../format.js';
import { currentLanguage } from '../i18n/index.js';
import { can, useUser } from '../session.js';

function NationalId({ student }: { student: StudentDetail }): ReactNode {
  const { t } = useTranslation();
  const reveal = useMutation({ mutationFn: () => endpoints.revealNationalId(student.id) });
  if (reveal.data) {
    return (
      <Space orientation="vertical" size={0}>
        <Typography.Text copyable strong data-testid="national-id">
          {reveal.data.nationalId ?? t('student.revealNone')}
        </Typography.Text>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('student.revealed')}
        </Typography.Text>
      </Space>
    );
  }
  return (
    <Space wrap>
      <Typography.Text code data-testid="national-id-masked">
        {student.nationalIdMasked}
      </Typography.Text>
      <Popconfirm
        title={t('student.revealTitle')}
        description={<div style={{ maxWidth: 280 }}>{t('student.revealWarning')}</div>}
        okText={t('student.reveal')}
        cancelText={t('common.cancel')}
        onConfirm={() => reveal.mutate()}
      >
        <Tooltip title={t('student.revealWarning')}>
          <Button size="small" icon={<EyeOutlined />} loading={reveal.isPending} data-testid="reveal">
            {t('student.reveal')}
          </Button>
        </Tooltip>
      </Popconfirm>
      {reveal.error ? <Typography.Text type="danger">{reveal.error.message}</Typography.Text> : null}
    </Space>
  );
}

function DecisionAlert({ student }: { student: StudentDetail }): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const title =
    student.decision === 'required'
      ? t('student.decisionRequired')
      : student.decision === 'excluded'
        ? t('student.decisionExcluded')
        : t('student.decisionNotInCampaign');
  return (
    <Alert
      data-testid="decision-alert"
      type={student.decision === 'required' ? 'warning' : 'info'}
      showIcon
      style={{ marginBottom: 16 }}
      title={
        <Space wrap size={4}>
          <Typography.Text strong style={{ fontSize: 16 }}>
            {title}
          </Typography.Text>
          <DecisionTag decision={student.decision} rule={student.rule} />
          {student.rule ? <RuleTag rule={student.rule} showName /> : null}
        </Space>
      }
      description={
        <>
          <Typography.Paragraph style={{ marginBottom: 4, fontSize: 15 }}>{student.reason[lang]}</Typography.Paragraph>
          {student.rule ? (
            <Typography.Text type="secondary">{t('student.ruleLabel', { rule: student.rule, name: t(`ruleDesc.${student.rule}`) })}</Typography.Text>
          ) : null}
        </>
      }
    />
  );
}

export default function StudentDetailPage(): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const navigate = useNavigate();
  const me = useUser();
  const { id = '' } = useParams();
  const query = useQuery({ queryKey: queryKeys.student(id), queryFn: () => endpoints.student(id), enabled: Boolean(id) });
  const crumbs = !can(me, 'student.list') ? [] : [{ title: t('menu.students'), path: '/students' }];

  if (query.error) {
    return (
      <>
        <PageHeader title={t('student.title')} crumbs={[...crumbs, { title: t('student.title') }]} />
        <ErrorResult error={query.error} forbiddenText={me.role === 'secretary' ? t('student.forbidden') : t('student.forbiddenOther')} notFoundText={t('student.notFound')} onRetry={() => void query.refetch()} />
      </>
    );
  }
  const s = query.data;
  if (!s) return <Skeleton active />;

  const yesNo = (v: boolean) => (v ? t('common.yes') : t('common.no'));
  const orNone = (v: string | null) => v || t('common.none');
  const basic: DescriptionsProps['items'] = [
    { key: 'no', label: t('students.studentNo'), children: s.studentNo },
    { key: 'name', label: t('students.name'), children: <span data-testid="student-name">{s.name}</span> },
    { key: 'dep', label: t('students.department'), children: s.department },
    { key: 'level', label: t('students.level'), children: t(`level.${s.level}`) },
    { key: 'cert', label: t('student.certificate'), children: t(`certificate.${s.certificate}`) },
    { key: 'expected', label: t('students.expected'), children: formatTerm(s.expectedTerm, lang) },
    { key: 'finish', label: t('student.finish'), children: t(`finish.${s.finish}`) },
    { key: 'employed', label: t('student.employed'), children: yesNo(s.employed) },
    { key: 'conv', label: t('student.convertingFromCompletion'), children: yesNo(s.convertingFromCompletion) },
    { key: 'prior', label: t('student.priorCaptureTerm'), children: s.priorCaptureTerm ? formatTerm(s.priorCaptureTerm, lang) : t('common.none') },
    { key: 'deferred', label: t('student.deferredTo'), children: s.deferredTo ? formatTerm(s.deferredTo, lang) : t('common.none') },
  ];
  const campaign: DescriptionsProps['items'] = [
    { key: 'site', label: t('students.site'), children: t(`site.${s.site}`) },
    { key: 'city', label: t('student.studyCity'), children: s.studyCity ? t(`site.${s.studyCity}`) : t('common.none') },
    { key: 'day', label: t('student.departmentDay'), children: s.departmentDay ? formatDay(s.departmentDay, lang, true) : t('common.none') },
  ];
  const contact: DescriptionsProps['items'] = [
    ...(s.nationalIdMasked !== null ? [{ key: 'nid', label: t('student.nationalId'), children: can(me, 'student.nationalId.read') ? <NationalId student={s} /> : s.nationalIdMasked }] : []),
    { key: 'email', label: t('student.email'), children: orNone(s.email) },
    { key: 'phone', label: t('student.phone'), children: orNone(s.phone) },
    { key: 'created', label: t('student.createdAt'), children: formatInstant(s.createdAt) },
    { key: 'updated', label: t('student.updatedAt'), children: formatInstant(s.updatedAt) },
  ];
  const column = { xs: 1, sm: 2, lg: 3 };
  return (
    <>
      <PageHeader
        title={
          <span>
            {s.name} <Typography.Text type="secondary">{s.studentNo}</Typography.Text>
          </span>
        }
        crumbs={[...crumbs, { title: s.studentNo }]}
        extra={
          !can(me, 'student.list') ? null : (
            <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)}>
              {t('common.back')}
            </Button>
          )
        }
      />
      <DecisionAlert student={s} />
      {can(me, 'booking.create') && can(me, 'student.list') ? <BookingCard student={s} /> : null}
      {can(me, 'photo.read') && can(me, 'student.list') ? <StudentPhotosCard student={s} /> : null}
      <Card size="small" title={t('student.basic')} style={{ marginBottom: 16 }}>
        <Descriptions bordered size="small" column={column} items={basic} />
      </Card>
      <Card size="small" title={t('student.campaign')} style={{ marginBottom: 16 }}>
        <Descriptions bordered size="small" column={column} items={campaign} />
      </Card>
      <Card size="small" title={t('student.contact')}>
        <Descriptions bordered size="small" column={column} items={contact} />
      </Card>
    </>
  );
}
