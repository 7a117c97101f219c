// "新建导出包" (issue 10 section 1, A1): the registry's public key (the data directory's, or an uploaded .asc), the
// file name pattern with a live preview of one name, and signing when the data directory has a signing key.
import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Checkbox, Flex, Form, Input, Modal, Radio, Typography, Upload } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreateExportRequest, ExportSettings } from '../../../contracts/registry-export.js';
import { filePatternProblem, renderFileName } from '../../../contracts/registry-export.js';

const SAMPLE = { studentNo: '2601000001', department: '物理学院' };

export function NewExportModal({
  open,
  settings,
  submitting,
  error,
  onSubmit,
  onCancel,
}: {
  open: boolean;
  settings: ExportSettings;
  submitting: boolean;
  error: string | null;
  onSubmit: (body: CreateExportRequest) => void;
  onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const configured = settings.recipientKey.configured && settings.recipientKey.fingerprint !== null;
  const [source, setSource] = useState<'configured' | 'upload'>(configured ? 'configured' : 'upload');
  const [key, setKey] = useState<{ name: string; text: string } | null>(null);
  const [pattern, setPattern] = useState(settings.defaultPattern);
  const [sign, setSign] = useState(settings.signingKey.fingerprint !== null);
  const [touched, setTouched] = useState(false);
  useEffect(() => {
    if (open) {
      setSource(configured ? 'configured' : 'upload');
      setKey(null);
      setPattern(settings.defaultPattern);
      setSign(settings.signingKey.fingerprint !== null);
      setTouched(false);
    }
  }, [open, configured, settings.defaultPattern, settings.signingKey.fingerprint]);

  const problem = filePatternProblem(pattern);
  const sample = settings.sample ?? SAMPLE;
  const preview = problem ? null : renderFileName(pattern, sample);
  const keyMissing = source === 'upload' && !key;
  const submit = () => {
    setTouched(true);
    if (problem || keyMissing) return;
    onSubmit({
      ...(source === 'upload' && key ? { recipientKey: key.text } : {}),
      ...(pattern !== settings.defaultPattern ? { fileNamePattern: pattern } : {}),
      sign: settings.signingKey.fingerprint !== null ? sign : false,
    });
  };

  return (
    <Modal
      open={open}
      title={t('exports.form.title')}
      onCancel={onCancel}
      destroyOnHidden
      footer={[
        <Button key="cancel" onClick={onCancel}>
          {t('exports.form.cancel')}
        </Button>,
        <Button key="ok" type="primary" loading={submitting} onClick={submit} data-testid="export-submit">
          {t('exports.form.submit')}
        </Button>,
      ]}
    >
      <Form layout="vertical" requiredMark={false}>
        <Typography.Paragraph type="secondary" data-testid="export-form-counts">
          {t('exports.form.photos', { photos: settings.candidates, withdrawn: settings.withdrawals })}
        </Typography.Paragraph>
        <Form.Item label={t('exports.form.recipient')} validateStatus={touched && keyMissing ? 'error' : undefined} help={touched && keyMissing ? t('exports.form.keyRequired') : undefined}>
          <Radio.Group value={source} onChange={(e) => setSource(e.target.value as 'configured' | 'upload')} data-testid="export-key-source">
            <Flex vertical gap={8}>
              <Radio value="configured" disabled={!configured}>
                {t('exports.form.useConfigured')}
                <Typography.Text type={configured ? 'secondary' : 'warning'} style={{ display: 'block', fontSize: 12, wordBreak: 'break-all' }}>
                  {configured
                    ? t('exports.form.configuredFingerprint', { fingerprint: settings.recipientKey.fingerprint })
                    : settings.recipientKey.configured
                      ? t('exports.form.configuredProblem', { code: settings.recipientKey.problem })
                      : t('exports.form.notConfigured')}
                </Typography.Text>
              </Radio>
              <Radio value="upload">{t('exports.form.upload')}</Radio>
            </Flex>
          </Radio.Group>
          {source === 'upload' ? (
            <Flex gap={8} align="center" wrap style={{ marginTop: 8 }}>
              <Upload
                accept=".asc,.gpg,.pgp,.key,.txt"
                maxCount={1}
                showUploadList={false}
                beforeUpload={(file) => {
                  void file.text().then((text) => setKey({ name: file.name, text }));
                  return false;
                }}
              >
                <Button icon={<UploadOutlined />} data-testid="export-key-upload">
                  {t('exports.form.chooseKey')}
                </Button>
              </Upload>
              {key ? <Typography.Text data-testid="export-key-chosen">{t('exports.form.keyChosen', { name: key.name })}</Typography.Text> : null}
            </Flex>
          ) : null}
        </Form.Item>
        <Form.Item
          label={t('exports.form.pattern')}
          validateStatus={problem ? 'error' : undefined}
          help={problem ? t(`exports.patternProblem.${problem}`) : t('exports.form.patternHelp')}
        >
          <Input value={pattern} onChange={(e) => setPattern(e.target.value)} maxLength={100} data-testid="export-pattern" style={{ fontFamily: 'monospace' }} />
        </Form.Item>
        {preview ? (
          <Typography.Paragraph data-testid="export-pattern-preview" style={{ marginTop: -8 }}>
            {t('exports.form.preview', { name: preview })} {settings.sample ? null : <Typography.Text type="secondary">{t('exports.form.previewNoSample')}</Typography.Text>}
          </Typography.Paragraph>
        ) : null}
        <Form.Item style={{ marginBottom: 0 }}>
          {settings.signingKey.fingerprint !== null ? (
            <Checkbox checked={sign} onChange={(e) => setSign(e.target.checked)} data-testid="export-sign">
              {t('exports.form.sign')}
            </Checkbox>
          ) : (
            <Typography.Text type="secondary">{t('exports.form.signUnavailable')}</Typography.Text>
          )}
        </Form.Item>
        {error ? <Alert type="error" showIcon title={error} style={{ marginTop: 12 }} data-testid="export-error" /> : null}
      </Form>
    </Modal>
  );
}
