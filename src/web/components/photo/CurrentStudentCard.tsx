import { UserSwitchOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, Flex, Form, Grid, Input, Space, Tag, Typography, type InputRef } from 'antd';
import { useState, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { Station } from '../../../contracts/station.js';
import { ApiError } from '../../api/client.js';
import { stationApi, stationKeys } from './stationApi.js';

const DECISION_COLOR: Record<string, string> = { required: 'green', excluded: 'red', 'not-in-campaign': 'default' };

/** The rule a refusal names (STUDENT_NOT_ELIGIBLE's details), to say in words why the student is not photographed. */
function refusedRule(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.code !== 'STUDENT_NOT_ELIGIBLE') return null;
  const details = error.details as { rule?: unknown; decision?: unknown } | undefined;
  return typeof details?.rule === 'string' ? details.rule : typeof details?.decision === 'string' ? details.decision : null;
}

/**
 * Who is being photographed at this station: the called student of the queue, or a student number typed or
 * scanned as a fallback (Enter sets it). A student who must not be photographed is refused by the server
 * (E4–E6) and the card says why, in words; the typed number stays in the box.
 */
export function CurrentStudentCard({
  stationId,
  station,
  scanRef,
  onAction,
}: {
  stationId: string;
  station: Station | undefined;
  /** the scan box: the page keeps the focus there */
  scanRef?: RefObject<InputRef | null>;
  /** after each action (set, clear), success or not: the page puts the focus back in the scan box */
  onAction?: () => void;
}): ReactNode {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ studentNo: string }>();
  const [error, setError] = useState<{ message: string; rule: string | null } | null>(null);
  const student = station?.currentStudent ?? null;
  const colon = i18n.language === 'en' ? ': ' : '：';
  // on a phone the scan box keeps its room: the button's label is short
  const narrow = !Grid.useBreakpoint().sm;

  const done = (value: Station) => {
    setError(null);
    queryClient.setQueryData(stationKeys.station(stationId), value);
  };
  const failed = (e: Error) => setError({ message: e.message, rule: refusedRule(e) });
  const setStudent = useMutation({
    mutationFn: (studentNo: string) => stationApi.setStudent(stationId, studentNo),
    onSuccess: (value) => {
      done(value);
      form.resetFields();
    },
    onError: failed,
    onSettled: () => onAction?.(),
  });
  const clear = useMutation({ mutationFn: () => stationApi.clearStudent(stationId), onSuccess: done, onError: failed, onSettled: () => onAction?.() });

  return (
    <Card title={t('station.current')} size="small" data-testid="station-current" style={{ marginBottom: 12 }} styles={{ body: { padding: 12 } }}>
      {student ? (
        <div data-testid="station-student" data-student-id={student.studentId}>
          <Flex align="baseline" gap={12} wrap>
            <Typography.Text strong style={{ fontSize: 28, lineHeight: 1.2 }} data-testid="station-student-name">
              {student.name}
            </Typography.Text>
            <Tag color={DECISION_COLOR[student.decision]} style={{ fontSize: 14, padding: '2px 10px' }} data-testid="station-student-decision">
              {t(`decision.${student.decision}`)}
            </Tag>
          </Flex>
          <Flex gap={16} wrap style={{ marginTop: 4 }}>
            <Typography.Text>
              <Typography.Text type="secondary">{t('station.studentNo')}{colon}</Typography.Text>
              <span data-testid="station-student-no">{student.studentNo}</span>
            </Typography.Text>
            <Typography.Text>
              <Typography.Text type="secondary">{t('overview.department')}{colon}</Typography.Text>
              {student.department}
            </Typography.Text>
          </Flex>
          {student.decision === 'required' ? null : (
            <Alert type="error" showIcon style={{ marginTop: 8 }} title={t('station.notRequired', { decision: t(`decision.${student.decision}`) })} />
          )}
        </div>
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} style={{ margin: '4px 0' }} description={<span data-testid="station-no-student">{t('station.none')}</span>} />
      )}

      <Form
        form={form}
        style={{ marginTop: 12 }}
        requiredMark={false}
        onFinish={(values) => setStudent.mutate(values.studentNo.trim())}
        onFinishFailed={() => onAction?.()}
        // checked when Enter is pressed, not while typing or after clearing the box; typing clears the message
        onValuesChange={() => {
          if (form.getFieldError('studentNo').length > 0) form.setFields([{ name: 'studentNo', errors: [] }]);
        }}
      >
        <Space.Compact block>
          <Form.Item name="studentNo" noStyle validateTrigger={false} rules={[{ required: true, whitespace: true, message: t('station.studentNoRequired') }]}>
            <Input
              ref={scanRef}
              size="large"
              placeholder={t('station.studentNoPlaceholder')}
              aria-label={t('station.studentNo')}
              autoComplete="off"
              inputMode="text"
              data-testid="station-student-input"
              style={{ fontSize: 18, minWidth: 0 }}
            />
          </Form.Item>
          <Button type="primary" size="large" htmlType="submit" icon={<UserSwitchOutlined />} loading={setStudent.isPending} data-testid="station-set-student" style={{ height: 48 }}>
            {narrow ? t('stationQueue.setShort') : t('station.setStudent')}
          </Button>
        </Space.Compact>
        <Form.Item shouldUpdate noStyle>
          {() => {
            const message = form.getFieldError('studentNo')[0];
            return message ? <div style={{ color: '#cf1322', fontSize: 12, marginTop: 4 }}>{message}</div> : null;
          }}
        </Form.Item>
        {student ? (
          <Button block onClick={() => clear.mutate()} loading={clear.isPending} data-testid="station-clear-student" style={{ marginTop: 8, height: 44 }}>
            {t('station.nextStudent')}
          </Button>
        ) : null}
      </Form>
      {error ? (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 10 }}
          data-testid="station-student-error"
          title={error.rule ? t('stationQueue.notEligible') : error.message}
          description={
            error.rule ? (
              <>
                <div>{error.message}</div>
                {i18n.exists(`ruleDesc.${error.rule}`) ? <div>{t(`ruleDesc.${error.rule}`)}</div> : null}
              </>
            ) : undefined
          }
        />
      ) : null}
    </Card>
  );
}
