// The cashier records a WeChat Pay / Alipay payment (P1): student number, method, transaction number (checked
// as the server checks it, with its very message), the amount fixed to the campaign's price.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Flex, Form, Input, Radio, Typography } from 'antd';
import type { InputRef } from 'antd';
import { useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Payment } from '../../../contracts/payment.js';
import { transactionIdProblem } from '../../../contracts/payment.js';
import { ApiError } from '../../api/client.js';
import { paymentKeys, paymentsApi } from '../../api/payments.js';
import { currentLanguage } from '../../i18n/index.js';
import { formatFen } from './money.js';

type Method = Payment['method'];
interface Values {
  studentNo: string;
  method: Method;
  transactionId: string;
  duplicate?: boolean;
}

export function RecordPaymentForm({ priceFen }: { priceFen: number }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const studentRef = useRef<InputRef>(null);
  const method = Form.useWatch('method', form) ?? 'wechat';
  // the duplicate box appears once the server said the student has paid already (ALREADY_PAID)
  const [offerDuplicate, setOfferDuplicate] = useState(false);

  const record = useMutation({
    mutationFn: (v: Values) => paymentsApi.record({ studentNo: v.studentNo.trim(), method: v.method, transactionId: v.transactionId.trim(), amountFen: priceFen, ...(v.duplicate ? { duplicate: true } : {}) }),
    onSuccess: (p) => {
      void message.success(t('payments.record.done', { studentNo: p.studentNo, method: t(`payments.methods.${p.method}`), amount: formatFen(p.amountFen) }));
      form.setFieldsValue({ studentNo: '', transactionId: '', duplicate: false });
      setOfferDuplicate(false);
      void queryClient.invalidateQueries({ queryKey: paymentKeys.all });
      studentRef.current?.focus();
    },
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'ALREADY_PAID') setOfferDuplicate(true);
    },
  });

  return (
    <Card size="small" title={t('payments.record.title')} data-testid="payment-record">
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ studentNo: '', method: 'wechat', transactionId: '', duplicate: false }}
        onFinish={(v) => record.mutate(v)}
        onValuesChange={(changed: Partial<Values>) => {
          if ('studentNo' in changed) setOfferDuplicate(false);
          if (record.isError) record.reset();
        }}
        requiredMark={false}
      >
        <Flex wrap gap={16} align="flex-start">
          <Form.Item name="studentNo" label={t('payments.record.studentNo')} rules={[{ required: true, whitespace: true, message: t('payments.record.studentNoRequired') }]} style={{ width: 180, marginBottom: 8 }}>
            <Input ref={studentRef} autoFocus autoComplete="off" inputMode="numeric" data-testid="payment-student" />
          </Form.Item>
          <Form.Item name="method" label={t('payments.method')} style={{ marginBottom: 8 }}>
            <Radio.Group
              optionType="button"
              buttonStyle="solid"
              data-testid="payment-method"
              onChange={() => void (form.getFieldValue('transactionId') ? form.validateFields(['transactionId']) : undefined)}
              options={(['wechat', 'alipay'] as const).map((m) => ({ value: m, label: <span data-testid={`payment-method-${m}`}>{t(`payments.methods.${m}`)}</span> }))}
            />
          </Form.Item>
          <Form.Item
            name="transactionId"
            label={t(`payments.txLabel.${method}`)}
            extra={t(`payments.txHint.${method}`)}
            dependencies={['method']}
            validateTrigger={['onBlur', 'onSubmit']}
            rules={[
              { required: true, whitespace: true, message: t('payments.record.txRequired') },
              {
                validator: async (_, value: string | undefined) => {
                  if (!value?.trim()) return;
                  const problem = transactionIdProblem(form.getFieldValue('method') as Method, value, currentLanguage());
                  if (problem) throw new Error(problem);
                },
              },
            ]}
            style={{ flex: '1 1 300px', minWidth: 0, maxWidth: 420, marginBottom: 8 }}
          >
            <Input autoComplete="off" inputMode="numeric" maxLength={64} style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' }} data-testid="payment-transaction" />
          </Form.Item>
          <Form.Item label={t('payments.record.amount')} extra={t('payments.record.amountFixed')} style={{ marginBottom: 8 }}>
            <Typography.Text strong style={{ fontSize: 18, fontVariantNumeric: 'tabular-nums' }} data-testid="payment-amount">
              {t('payments.yuan', { amount: formatFen(priceFen) })}
            </Typography.Text>
          </Form.Item>
        </Flex>
        {record.error ? <Alert type="error" showIcon title={record.error.message} style={{ marginBottom: 12 }} data-testid="payment-record-error" /> : null}
        {offerDuplicate ? (
          <Form.Item name="duplicate" valuePropName="checked" extra={t('payments.record.duplicateHint')} style={{ marginBottom: 8 }}>
            <Checkbox data-testid="payment-duplicate">{t('payments.record.duplicate')}</Checkbox>
          </Form.Item>
        ) : null}
        <Button type="primary" htmlType="submit" loading={record.isPending} data-testid="payment-submit">
          {t('payments.record.submit')}
        </Button>
      </Form>
    </Card>
  );
}
