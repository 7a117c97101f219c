import { StopOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Card, Descriptions, Empty, Skeleton, Typography } from 'antd';
import type { DescriptionsProps } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEventView } from '../../../contracts/audit.js';
import type { PhotoReport } from '../../../contracts/photo.js';
import type { StudentDetail } from '../../../contracts/student.js';
import { studentPhotosApi, studentPhotosKeys } from '../../api/student-photos.js';
import { formatInstant } from '../../format.js';
import { can, useUser } from '../../session.js';
import { confirmationOf } from './confirmation.js';
import { ShotCard } from './ShotCard.js';
import { StudentHistory } from './StudentHistory.js';
import { VoidConfirmationModal } from './VoidConfirmationModal.js';

/** The active confirmation: who, when, where, how, the collection-code match; the void button for photo.void. */
function ConfirmationPanel({ shot, ordinal, history, onVoid }: { shot: PhotoReport | undefined; ordinal: number; history: AuditEventView[] | undefined; onVoid?: (() => void) | undefined }): ReactNode {
  const { t } = useTranslation();
  if (!shot) {
    return <Alert data-testid="student-no-confirmation" type="info" showIcon title={t('studentPhotos.noConfirmation')} style={{ marginBottom: 16 }} />;
  }
  const c = confirmationOf(shot, history);
  const by = c.byReviewScreen ? t('studentPhotos.byReviewScreen') : c.by ? `${c.by.username}${c.by.role ? `（${t(`roles.${c.by.role}`, { defaultValue: c.by.role })}）` : ''}` : t('common.none');
  const items: DescriptionsProps['items'] = [
    { key: 'shot', label: t('studentPhotos.confirmedShot'), children: t('studentPhotos.shot', { n: ordinal }) },
    { key: 'at', label: t('studentPhotos.confirmedAt'), children: <span data-testid="confirmation-at">{c.at ? formatInstant(c.at) : t('common.none')}</span> },
    { key: 'by', label: t('studentPhotos.confirmedBy'), children: <span data-testid="confirmation-by">{by}</span> },
    { key: 'where', label: t('studentPhotos.confirmedWhere'), children: <span data-testid="confirmation-where">{c.station ?? t('common.none')}</span> },
    { key: 'method', label: t('studentPhotos.method'), children: <span data-testid="confirmation-method">{c.method ? t(`studentPhotos.methods.${c.method}`) : t('studentPhotos.methodUnknown')}</span> },
    {
      key: 'code',
      label: t('studentPhotos.codeMatch'),
      children: (
        <span data-testid="confirmation-code">{c.codeMatch === null ? t('studentPhotos.codeUnknown') : c.codeMatch ? t('studentPhotos.codeMatched') : t('studentPhotos.codeNotMatched')}</span>
      ),
    },
  ];
  return (
    <div data-testid="student-confirmation" style={{ marginBottom: 16 }}>
      <Alert
        type="success"
        showIcon
        title={<Typography.Text strong>{t('studentPhotos.confirmedTitle')}</Typography.Text>}
        action={
          onVoid ? (
            <Button danger icon={<StopOutlined />} onClick={onVoid} data-testid="void-open">
              {t('studentPhotos.void')}
            </Button>
          ) : undefined
        }
        style={{ marginBottom: 8, flexWrap: 'wrap', rowGap: 8 }}
      />
      <Descriptions bordered size="small" column={{ xs: 1, sm: 2, lg: 3 }} items={items} />
    </div>
  );
}

function useHistory(studentId: string, photos: PhotoReport[] | undefined, enabled: boolean) {
  const targets = [studentId, ...(photos ?? []).map((p) => p.id)];
  return useQuery({
    queryKey: studentPhotosKeys.history(studentId, targets),
    queryFn: () => studentPhotosApi.history(targets),
    enabled: enabled && photos !== undefined,
  });
}

/**
 * The student's shots and confirmation on the admin's student page (issue 9 section 4): every shot with its
 * checks, the active confirmation, voiding it with a reason (photo.void), and the history (audit.read).
 */
export function StudentPhotosCard({ student }: { student: StudentDetail }): ReactNode {
  const { t } = useTranslation();
  const me = useUser();
  const { message } = AntApp.useApp();
  const client = useQueryClient();
  const [voiding, setVoiding] = useState(false);
  const photos = useQuery({ queryKey: studentPhotosKeys.photos(student.id), queryFn: () => studentPhotosApi.list(student.id) });
  const mayReadHistory = can(me, 'audit.read');
  const history = useHistory(student.id, photos.data?.items, mayReadHistory);
  const items = photos.data?.items ?? [];
  // newest first from the server: shot #1 is the oldest
  const ordinals = new Map(items.map((p, i) => [p.id, items.length - i]));
  const confirmed = items.find((p) => p.confirmed);
  const refresh = () => void client.invalidateQueries({ queryKey: ['student-photos', student.id] });

  return (
    <Card size="small" title={t('studentPhotos.title')} style={{ marginBottom: 16 }} data-testid="student-photos">
      {photos.error ? (
        <Alert type="error" showIcon title={photos.error.message} />
      ) : !photos.data ? (
        <Skeleton active />
      ) : (
        <>
          <ConfirmationPanel shot={confirmed} ordinal={confirmed ? ordinals.get(confirmed.id)! : 0} history={history.data} onVoid={confirmed && can(me, 'photo.void') ? () => setVoiding(true) : undefined} />
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t('studentPhotos.shots', { count: items.length })}
          </Typography.Title>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 0 }}>
            {t('studentPhotos.viewHint')}
          </Typography.Paragraph>
          {items.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('studentPhotos.none')} />
          ) : (
            items.map((shot, i) => <ShotCard key={shot.id} shot={shot} ordinal={ordinals.get(shot.id)!} open={i === 0 || shot.confirmed} onViewed={() => void history.refetch()} />)
          )}
          {mayReadHistory ? (
            <>
              <Typography.Title level={5} style={{ marginTop: 16 }}>
                {t('studentPhotos.history')}
              </Typography.Title>
              {history.error ? <Alert type="error" showIcon title={history.error.message} /> : history.data ? <StudentHistory events={history.data} ordinals={ordinals} /> : <Skeleton active />}
            </>
          ) : null}
          {confirmed ? (
            <VoidConfirmationModal
              photoId={confirmed.id}
              open={voiding}
              onClose={() => setVoiding(false)}
              onVoided={() => {
                setVoiding(false);
                void message.success(t('studentPhotos.voided'));
                refresh();
              }}
            />
          ) : null}
        </>
      )}
    </Card>
  );
}
