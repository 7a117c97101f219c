// The desk PC's camera reads the collection code's QR code in the browser (@zxing/browser, loaded on demand).
import { Alert, Modal, Typography } from 'antd';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function CameraScanModal({ open, onCode, onClose, afterClose }: { open: boolean; onCode: (code: string) => void; onClose: () => void; afterClose: () => void }): ReactNode {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    let stopped = false;
    let stop: (() => void) | null = null;
    setFailure(null);
    void (async () => {
      try {
        const { BrowserQRCodeReader } = await import('@zxing/browser');
        if (stopped || !video.current) return;
        const reader = new BrowserQRCodeReader();
        const controls = await reader.decodeFromVideoDevice(undefined, video.current, (result, _error, c) => {
          if (!result || stopped) return;
          stopped = true;
          c.stop();
          onCode(result.getText());
        });
        if (stopped) controls.stop();
        else stop = () => controls.stop();
      } catch (e) {
        if (!stopped) setFailure(e instanceof Error ? e.message || e.name : String(e));
      }
    })();
    return () => {
      stopped = true;
      stop?.();
    };
  }, [open, onCode]);

  return (
    <Modal open={open} title={t('desk.cameraTitle')} onCancel={onClose} afterClose={afterClose} footer={null} destroyOnHidden width={520}>
      <Typography.Paragraph type="secondary">{t('desk.cameraHint')}</Typography.Paragraph>
      {failure ? <Alert type="warning" showIcon title={t('desk.cameraFailed', { message: failure })} /> : null}
      <video ref={video} muted playsInline style={{ width: '100%', background: '#000', borderRadius: 4, display: failure ? 'none' : 'block' }} data-testid="desk-camera-video" />
    </Modal>
  );
}
