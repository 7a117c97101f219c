import { useMutation } from '@tanstack/react-query';
import { Alert, Form, Input, Modal } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client.js';
import { studentPhotosApi } from '../../api/student-photos.js';

const REASON_MAX = 500;

/**
 * Voiding a confirmation (C3's only way back): a reason is required and goes to the audit log and the
 * student's history. The server decides what a reason is (at least 2 characters) and its refusal is shown
 * under the field in the page's language; nothing typed is lost.
 */
export function VoidConfirmationModal({ photoId, open, onClose, onVoided }: { photoId: string; open: boolean; onClose: () => void; onVoided: () => void }): ReactNode {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ reason: string }>();
  const [serverError, setServerError] = useState<string | null>(null);
  const voidIt = useMutation({
    mutationFn: (reason: string) => studentPhotosApi.voidConfirmation(photoId, reason),
    onSuccess: () => {
      form.resetFields();
      setServerError(null);
      onVoided();
    },
    onError: (error) => {
      setServerError(error.message);
      // the field is marked only when the reason is what the server refused (not, say, a confirmation voided meanwhile)
      if (error instanceof ApiError && error.code === 'VOID_REASON_REQUIRED') form.setFields([{ name: 'reason', errors: [t('studentPhotos.reasonRequired')] }]);
    },
  });
  return (
    <Modal
      open={open}
      title={t('studentPhotos.voidTitle')}
      okText={t('studentPhotos.voidOk')}
      okButtonProps={{ danger: true, loading: voidIt.isPending, 'data-testid': 'void-submit' }}
      cancelText={t('common.cancel')}
      onOk={() => voidIt.mutate(form.getFieldValue('reason') ?? '')}
      onCancel={() => {
        setServerError(null);
        onClose();
      }}
      destroyOnHidden={false}
      forceRender
    >
      <div data-testid="void-modal">
        <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('studentPhotos.voidWarning')} />
        <Form form={form} layout="vertical" onValuesChange={() => {
            setServerError(null);
            form.setFields([{ name: 'reason', errors: [] }]);
          }}>
          <Form.Item name="reason" label={t('studentPhotos.reason')} required>
            <Input.TextArea data-testid="void-reason" rows={3} maxLength={REASON_MAX} placeholder={t('studentPhotos.reasonHelp')} />
          </Form.Item>
        </Form>
        {serverError ? <Alert data-testid="void-error" type="error" showIcon title={serverError} /> : null}
      </div>
    </Modal>
  );
}
