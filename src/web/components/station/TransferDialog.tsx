// Transfer the called ticket to another station of the site (issue 9 section 2): the site's numbered stations
// are offered with what each is doing; another id may be typed. A refusal stays in the dialog (nothing lost).
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Flex, Form, Input, Modal, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CalledTicket, QueueList } from '../../../contracts/queue.js';
import { StationIdSchema } from '../../../contracts/station.js';
import { stationQueueApi } from '../../api/station-queue.js';

export function TransferDialog({
  open,
  stationId,
  current,
  queue,
  onClose,
  onTransferred,
}: {
  open: boolean;
  stationId: string;
  current: CalledTicket | null;
  queue: QueueList | undefined;
  onClose: () => void;
  onTransferred: (moved: CalledTicket) => void;
}): ReactNode {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ stationId: string }>();
  const [error, setError] = useState<string | null>(null);
  const transfer = useMutation({
    mutationFn: (target: string) => (current ? stationQueueApi.transfer(current.ticket.id, target) : Promise.reject(new Error(t('stationQueue.calledNone')))),
    onSuccess: (moved) => {
      setError(null);
      form.resetFields();
      onTransferred(moved);
    },
    onError: (e: Error) => setError(e.message),
  });
  const site = queue?.site;
  const busy = new Map((queue?.items ?? []).filter((i) => i.ticket.status === 'called' && i.ticket.stationId).map((i) => [i.ticket.stationId!, i.ticket.number]));
  const numbered = site ? Array.from({ length: queue?.stations ?? 0 }, (_, i) => `${site}-${i + 1}`) : [];
  const candidates = [...new Set([...numbered, ...busy.keys()])].filter((id) => id !== stationId);
  const chosen = Form.useWatch('stationId', form);

  return (
    <Modal
      open={open}
      title={current ? t('stationQueue.transferTitle', { number: current.ticket.number }) : ''}
      okText={t('stationQueue.transferOk')}
      cancelText={t('stationQueue.transferCancel')}
      okButtonProps={{ loading: transfer.isPending, 'data-testid': 'transfer-ok' } as never}
      onOk={() => form.submit()}
      onCancel={() => {
        setError(null);
        onClose();
      }}
      destroyOnHidden
      data-testid="transfer-dialog"
    >
      <Typography.Paragraph type="secondary">{t('stationQueue.transferHint')}</Typography.Paragraph>
      {candidates.length > 0 ? (
        <Flex gap={8} wrap style={{ marginBottom: 12 }}>
          {candidates.map((id) => {
            const serving = busy.get(id);
            return (
              <Button
                key={id}
                type={chosen?.trim() === id ? 'primary' : 'default'}
                disabled={serving !== undefined}
                onClick={() => form.setFieldValue('stationId', id)}
                data-testid={`transfer-option-${id}`}
                style={{ height: 'auto', padding: '4px 12px', textAlign: 'left' }}
              >
                <span>
                  <strong>{id}</strong>
                  <br />
                  <span style={{ fontSize: 12, opacity: 0.75 }}>{serving ? t('stationQueue.busyAt', { number: serving }) : t('stationQueue.free')}</span>
                </span>
              </Button>
            );
          })}
        </Flex>
      ) : null}
      <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => transfer.mutate(v.stationId.trim())}>
        <Form.Item
          name="stationId"
          label={t('stationQueue.transferStation')}
          rules={[
            { required: true, whitespace: true, message: t('stationQueue.transferRequired') },
            {
              validator: async (_r, v: string | undefined) =>
                !v?.trim() || StationIdSchema.safeParse(v.trim()).success ? undefined : Promise.reject(new Error(t('stationQueue.transferInvalid'))),
            },
          ]}
        >
          <Input placeholder={t('stationQueue.transferPlaceholder')} autoComplete="off" autoFocus data-testid="transfer-station" />
        </Form.Item>
      </Form>
      {error ? <Alert type="error" showIcon title={error} data-testid="transfer-error" /> : null}
    </Modal>
  );
}
