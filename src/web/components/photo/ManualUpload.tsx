import { InboxOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Card, Progress, Typography, Upload } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { stationKeys, uploadStationPhoto } from './stationApi.js';

/** A manual upload the server refused: the file as the operator named it, and the server's reason. */
export interface UploadRefusal {
  file: string;
  reason: string;
}

/**
 * For stations without the hot-folder agent: drop a camera JPEG, it is uploaded for the current student. A refusal
 * is said where the operator looks, not only in this card (on a laptop it is below the window, outside test M6):
 * a toast naming the file, and `onRefused` for the latest-photo panel, which still shows the previous shot.
 */
export function ManualUpload({
  stationId,
  studentNo,
  studentId,
  onRefused,
}: {
  stationId: string;
  studentNo: string | null;
  studentId: string | null;
  /** a refusal, or null when a new upload starts */
  onRefused?: (refusal: UploadRefusal | null) => void;
}): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<UploadRefusal | null>(null);

  async function send(file: File): Promise<void> {
    if (!studentNo || !studentId) return;
    setError(null);
    onRefused?.(null);
    setProgress(0);
    try {
      const report = await uploadStationPhoto(file, studentNo, stationId, (f) => setProgress(Math.round(f * 100)));
      queryClient.setQueryData(stationKeys.photos(studentId), (old: { items: (typeof report)[] } | undefined) =>
        old && !old.items.some((p) => p.id === report.id) ? { items: [report, ...old.items] } : old,
      );
      await queryClient.invalidateQueries({ queryKey: stationKeys.photos(studentId) });
    } catch (e) {
      const refusal = { file: file.name, reason: (e as Error).message };
      setError(refusal);
      // long enough to be read after looking up from the camera
      void message.error({ content: t('station.uploadRefusedToast', refusal), duration: 8 });
      onRefused?.(refusal);
    } finally {
      setProgress(null);
    }
  }

  return (
    <Card title={t('station.upload')} size="small" style={{ marginTop: 16 }} data-testid="station-upload">
      <Upload.Dragger
        accept=".jpg,.jpeg,image/jpeg"
        multiple={false}
        showUploadList={false}
        disabled={!studentNo || progress !== null}
        beforeUpload={(file) => {
          void send(file);
          return false;
        }}
        data-testid="station-upload-drop"
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-hint" style={{ padding: '0 8px' }}>
          {studentNo ? t('station.uploadHint') : t('station.needStudent')}
        </p>
      </Upload.Dragger>
      {progress !== null ? (
        <div style={{ marginTop: 8 }}>
          <Typography.Text type="secondary">{t('station.uploading')}</Typography.Text>
          <Progress percent={progress} size="small" status="active" />
        </div>
      ) : null}
      {error ? (
        <Alert type="error" showIcon style={{ marginTop: 8 }} title={t('station.uploadRefusedFile', { file: error.file })} description={error.reason} data-testid="station-upload-error" />
      ) : null}
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 12, marginBottom: 0 }}>
        {t('station.agentHint')}{' '}
        <Typography.Text code copyable style={{ fontSize: 12 }}>
          {`gradphoto station watch DIR --station ${stationId} --server ${window.location.origin}`}
        </Typography.Text>
      </Typography.Paragraph>
    </Card>
  );
}
