// An outlet's station (makeup-<outlet>-<n>, S6) on the station page: no queue at an outlet, so this banner takes
// the queue panel's place: which outlet it is (or that the outlet or station is unknown or unusable), and the
// make-up fee of the student set here, recorded as a payment (recordPayment with the station: the fee as the
// amount, the outlet in the audit event; WeChat Pay or Alipay only, P1).
import { EnvironmentOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Radio } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { transactionIdProblem } from '../../../contracts/payment.js';
import { makeupApi, makeupKeys } from '../../api/makeup.js';
import { paymentKeys, paymentsApi } from '../../api/payments.js';
import { currentLanguage } from '../../i18n/index.js';

export const OUTLET_STATION_PREFIX = 'makeup-';

export function isOutletStation(stationId: string): boolean {
  return stationId.startsWith(OUTLET_STATION_PREFIX);
}

type Method = 'wechat' | 'alipay';

function FeeForm({ stationId, studentNo, fee }: { stationId: string; studentNo: string; fee: number }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ method: Method; transactionId: string }>();
  const method = Form.useWatch('method', form) ?? 'wechat';
  const record = useMutation({
    mutationFn: (v: { method: Method; transactionId: string }) => paymentsApi.record({ studentNo, method: v.method, transactionId: v.transactionId.trim(), amountFen: Math.round(fee * 100), stationId }),
    onSuccess: (p) => {
      void message.success(t('makeup.paid', { method: t(`payments.methods.${p.method}`), fee, studentNo: p.studentNo }));
      form.setFieldsValue({ transactionId: '' });
      void queryClient.invalidateQueries({ queryKey: paymentKeys.all });
    },
  });
  return (
    <Card size="small" title={t('makeup.payTitle')} style={{ marginBottom: 16 }} data-testid="outlet-fee">
      <Form form={form} layout="vertical" initialValues={{ method: 'wechat' }} onFinish={(v) => record.mutate(v)} requiredMark={false}>
        <Form.Item name="method" style={{ marginBottom: 8 }}>
          <Radio.Group optionType="button" options={(['wechat', 'alipay'] as const).map((m) => ({ value: m, label: t(`payments.methods.${m}`) }))} />
        </Form.Item>
        <Form.Item
          name="transactionId"
          label={t(`payments.txLabel.${method}`)}
          extra={t(`payments.txHint.${method}`)}
          rules={[
            {
              validator: async (_, v: string | undefined) => {
                // the very message the server would send (PAYMENT_TRANSACTION_INVALID)
                const problem = transactionIdProblem(method, v ?? '', currentLanguage());
                if (problem) throw new Error(problem);
              },
            },
          ]}
        >
          <Input inputMode="numeric" autoComplete="off" data-testid="outlet-fee-tx" />
        </Form.Item>
        {record.error ? <Alert type="error" showIcon style={{ marginBottom: 8 }} title={(record.error as Error).message} data-testid="outlet-fee-error" /> : null}
        <Button type="primary" htmlType="submit" loading={record.isPending} block data-testid="outlet-fee-record">
          {t('makeup.payButton', { fee })}
        </Button>
      </Form>
    </Card>
  );
}

export function OutletStationBanner({ stationId, studentNo }: { stationId: string; studentNo: string | null }): ReactNode {
  const { t } = useTranslation();
  const outlets = useQuery({ queryKey: makeupKeys.outlets, queryFn: makeupApi.outlets, staleTime: 60_000 });
  if (!outlets.data) return null;
  const outlet = outlets.data.items.find((o) => o.stationIds.includes(stationId));
  if (!outlet) return <Alert type="error" showIcon style={{ marginBottom: 16 }} data-testid="outlet-station-unknown" title={t('makeup.outletStationUnknown')} />;
  return (
    <>
      <Alert
        type={outlet.usable ? 'info' : 'error'}
        showIcon
        icon={<EnvironmentOutlined />}
        style={{ marginBottom: 16 }}
        data-testid="outlet-station"
        title={t('makeup.outletStation', { name: outlet.name[currentLanguage()] })}
        description={outlet.usable ? t('makeup.outletStationText') : t('makeup.outletStationUnusable')}
      />
      {outlet.usable && studentNo ? <FeeForm key={studentNo} stationId={stationId} studentNo={studentNo} fee={outlets.data.fee} /> : null}
    </>
  );
}
