// P1 at the desk: the student pays the agency by WeChat Pay or Alipay on their phone; the clerk scans or types
// the transaction number; the amount is the campaign's price, shown, not editable. Then the check-in goes on.
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Modal, Radio, Typography } from 'antd';
import type { InputRef } from 'antd';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Payment } from '../../../contracts/payment.js';
import { deskApi } from '../../api/desk.js';
import { yuan } from './station.js';

type Method = 'wechat' | 'alipay';
const PATTERN: Record<Method, { re: RegExp; digits: string }> = { wechat: { re: /^\d{28}$/, digits: '28' }, alipay: { re: /^\d{28,32}$/, digits: '28–32' } };

export interface PaymentModalProps {
  open: boolean;
  studentNo: string;
  name: string;
  priceFen: number;
  onRecorded: (payment: Payment) => void;
  onClose: () => void;
  afterClose: () => void;
}

export function PaymentModal({ open, studentNo, name, priceFen, onRecorded, onClose, afterClose }: PaymentModalProps): ReactNode {
  const { t } = useTranslation();
  const [method, setMethod] = useState<Method>('wechat');
  const [transactionId, setTransactionId] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const input = useRef<InputRef>(null);
  const record = useMutation({
    mutationFn: () => deskApi.recordPayment({ studentNo, method, transactionId: transactionId.trim(), amountFen: priceFen }),
    onSuccess: onRecorded,
  });

  useEffect(() => {
    if (!open) return;
    setTransactionId('');
    setInvalid(null);
    record.reset();
    const timer = setTimeout(() => input.current?.focus(), 50);
    return () => clearTimeout(timer);
  }, [open, studentNo]);

  const submit = () => {
    const value = transactionId.trim();
    if (!PATTERN[method].re.test(value)) {
      setInvalid(t('desk.pay.transactionInvalid', { digits: PATTERN[method].digits, value: value.length > 40 ? `${value.slice(0, 40)}…` : value }));
      input.current?.focus();
      return;
    }
    setInvalid(null);
    record.mutate();
  };

  return (
    <Modal
      open={open}
      title={t('desk.pay.title')}
      onCancel={onClose}
      afterClose={afterClose}
      destroyOnHidden
      footer={
        <Button type="primary" size="large" loading={record.isPending} onClick={submit} data-testid="desk-pay-submit">
          {t('desk.pay.submit')}
        </Button>
      }
    >
      <Typography.Paragraph>{t('desk.pay.intro', { studentNo, name, amount: yuan(priceFen) })}</Typography.Paragraph>
      <Form layout="vertical" onFinish={submit}>
        <Form.Item label={t('desk.pay.method')}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            value={method}
            onChange={(e) => {
              setMethod(e.target.value as Method);
              input.current?.focus();
            }}
            options={[
              { value: 'wechat', label: <span data-testid="desk-pay-wechat">{t('desk.pay.wechat')}</span> },
              { value: 'alipay', label: <span data-testid="desk-pay-alipay">{t('desk.pay.alipay')}</span> },
            ]}
          />
        </Form.Item>
        <Form.Item label={t('desk.pay.transactionId')} help={invalid ?? (method === 'wechat' ? t('desk.pay.transactionWechat') : t('desk.pay.transactionAlipay'))} validateStatus={invalid ? 'error' : undefined}>
          <Input
            ref={input}
            size="large"
            inputMode="numeric"
            autoComplete="off"
            value={transactionId}
            onChange={(e) => setTransactionId(e.target.value)}
            onPressEnter={(e) => {
              e.preventDefault();
              submit();
            }}
            data-testid="desk-pay-transaction"
          />
        </Form.Item>
        <Form.Item label={t('desk.pay.amount')}>
          <Typography.Text strong data-testid="desk-pay-amount">
            {t('desk.pay.amountValue', { amount: yuan(priceFen) })}
          </Typography.Text>
        </Form.Item>
      </Form>
      {record.error ? <Alert type="error" showIcon title={record.error instanceof Error ? record.error.message : String(record.error)} data-testid="desk-pay-error" /> : null}
      <Typography.Text type="secondary">{t('desk.pay.noCash')}</Typography.Text>
    </Modal>
  );
}
