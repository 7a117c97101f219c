import { UserSwitchOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Empty, Flex, Form, Input, Tag, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Station } from '../../../contracts/station.js';
import { stationApi, stationKeys } from './stationApi.js';

const DECISION_COLOR: Record<string, string> = { required: 'green', excluded: 'red', 'not-in-campaign': 'default' };

/** Who is being photographed at this station: set by student number (touch-friendly), cleared for the next one. */
export function CurrentStudentCard({ stationId, station }: { stationId: string; station: Station | undefined }): ReactNode {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ studentNo: string }>();
  const [error, setError] = useState<string | null>(null);
  const student = station?.currentStudent ?? null;

  const done = (value: Station) => {
    setError(null);
    queryClient.setQueryData(stationKeys.station(stationId), value);
  };
  const setStudent = useMutation({
    mutationFn: (studentNo: string) => stationApi.setStudent(stationId, studentNo),
    onSuccess: (value) => {
      done(value);
      form.resetFields();
    },
    onError: (e: Error) => setError(e.message),
  });
  const clear = useMutation({ mutationFn: () => stationApi.clearStudent(stationId), onSuccess: done, onError: (e: Error) => setError(e.message) });

  return (
    <Card title={t('station.current')} data-testid="station-current" styles={{ body: { paddingTop: 12 } }}>
      {student ? (
        <div data-testid="station-student" data-student-id={student.studentId}>
          <Flex align="baseline" gap={12} wrap style={{ marginBottom: 8 }}>
            <Typography.Text strong style={{ fontSize: 30, lineHeight: 1.2 }} data-testid="station-student-name">
              {student.name}
            </Typography.Text>
            <Tag color={DECISION_COLOR[student.decision]} style={{ fontSize: 14, padding: '2px 10px' }} data-testid="station-student-decision">
              {t(`decision.${student.decision}`)}
            </Tag>
          </Flex>
          <Descriptions
            size="small"
            column={1}
            items={[
              { key: 'no', label: t('station.studentNo'), children: <span data-testid="station-student-no">{student.studentNo}</span> },
              { key: 'dep', label: t('overview.department'), children: student.department },
            ]}
          />
          {student.decision === 'required' ? null : (
            <Alert type="error" showIcon style={{ marginTop: 8 }} title={t('station.notRequired', { decision: t(`decision.${student.decision}`) })} />
          )}
        </div>
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={<span data-testid="station-no-student">{t('station.none')}</span>}>
          <Typography.Text type="secondary">{t('station.noneHint')}</Typography.Text>
        </Empty>
      )}

      <Form
        form={form}
        layout="vertical"
        style={{ marginTop: 16 }}
        requiredMark={false}
        onFinish={(values) => setStudent.mutate(values.studentNo.trim())}
      >
        <Form.Item
          name="studentNo"
          label={t('station.studentNo')}
          rules={[{ required: true, whitespace: true, message: t('station.studentNoRequired') }]}
          style={{ marginBottom: 12 }}
        >
          <Input size="large" placeholder={t('station.studentNoPlaceholder')} autoComplete="off" inputMode="text" data-testid="station-student-input" style={{ fontSize: 20 }} />
        </Form.Item>
        <Flex gap={8} wrap>
          <Button type="primary" size="large" htmlType="submit" icon={<UserSwitchOutlined />} loading={setStudent.isPending} data-testid="station-set-student" style={{ flex: '1 1 200px', height: 48 }}>
            {t('station.setStudent')}
          </Button>
          {student ? (
            <Button size="large" onClick={() => clear.mutate()} loading={clear.isPending} data-testid="station-clear-student" style={{ flex: '1 1 140px', height: 48 }}>
              {t('station.nextStudent')}
            </Button>
          ) : null}
        </Flex>
      </Form>
      {error ? <Alert type="error" showIcon style={{ marginTop: 12 }} title={error} data-testid="station-student-error" /> : null}
    </Card>
  );
}
