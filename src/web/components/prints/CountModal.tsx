// The count of one hand-over step (send, receive): a number, and a note that becomes required when the number
// differs from what was sent (the server refuses a different count without one, PRINT_COUNT_MISMATCH).
import { Alert, Form, Input, InputNumber, Modal, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export interface CountModalProps {
  open: boolean;
  title: string;
  hint: string;
  expected: number;
  /** whether a note may explain a different count (receiving); sending must match */
  allowNote: boolean;
  pending: boolean;
  error: Error | null;
  onCancel: () => void;
  onSubmit: (value: { count: number; note?: string }) => void;
}

export function CountModal({ open, title, hint, expected, allowNote, pending, error, onCancel, onSubmit }: CountModalProps): ReactNode {
  const { t } = useTranslation();
  const [count, setCount] = useState<number | null>(expected);
  const [note, setNote] = useState('');
  const differs = count !== null && count !== expected;
  return (
    <Modal
      open={open}
      title={title}
      okText={t('printsHandover.confirm')}
      onCancel={onCancel}
      confirmLoading={pending}
      okButtonProps={{ disabled: count === null, ...({ 'data-testid': 'count-ok' } as Record<string, string>) }}
      onOk={() => count !== null && onSubmit({ count, ...(allowNote && note.trim() ? { note: note.trim() } : {}) })}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{hint}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label={t('printsHandover.count')}>
          <InputNumber min={0} max={100000} value={count} onChange={(v) => setCount(typeof v === 'number' ? v : null)} style={{ width: 160 }} data-testid="count-input" autoFocus />
        </Form.Item>
        {allowNote && differs ? (
          <Form.Item label={t('printsHandover.note')}>
            <Input.TextArea rows={2} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} data-testid="count-note" />
          </Form.Item>
        ) : null}
      </Form>
      {error ? <Alert type="error" showIcon title={error.message} data-testid="count-error" /> : null}
    </Modal>
  );
}
