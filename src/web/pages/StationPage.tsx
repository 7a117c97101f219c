// The photographer's station (issue #4 parts 1 and 5; C3): the student being photographed, the newest shot
// with its checks as soon as it arrives, and the student's confirmation on the spot.
import { SwapOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Col, Form, Grid, Input, Row, Space } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { StationIdSchema } from '../../contracts/station.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { CurrentStudentCard } from '../components/photo/CurrentStudentCard.js';
import { ManualUpload } from '../components/photo/ManualUpload.js';
import { ShotReview } from '../components/photo/ShotReview.js';
import { stationApi, stationKeys } from '../components/photo/stationApi.js';

const STORAGE_KEY = 'gradphoto.station';
const DEFAULT_STATION = 'beijing-1';

function rememberedStation(): string {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored && StationIdSchema.safeParse(stored).success ? stored : DEFAULT_STATION;
  } catch {
    return DEFAULT_STATION;
  }
}

function StationPicker({ value, onChange }: { value: string; onChange: (id: string) => void }): ReactNode {
  const { t } = useTranslation();
  const narrow = !Grid.useBreakpoint().sm;
  const [form] = Form.useForm<{ station: string }>();
  return (
    <Form
      form={form}
      layout="inline"
      initialValues={{ station: value }}
      onFinish={(v) => onChange(v.station.trim())}
      style={{ rowGap: 8, width: narrow ? '100%' : 380 }}
    >
      <Space.Compact block>
        <Form.Item
          name="station"
          noStyle
          rules={[{ validator: async (_r, v: string) => (StationIdSchema.safeParse((v ?? '').trim()).success ? undefined : Promise.reject(new Error(t('station.stationInvalid')))) }]}
        >
          <Input addonBefore={t('station.station')} placeholder={t('station.stationPlaceholder')} style={{ flex: 1, minWidth: 0 }} data-testid="station-id-input" />
        </Form.Item>
        <Button htmlType="submit" icon={<SwapOutlined />} data-testid="station-id-switch">
          {t('station.switchStation')}
        </Button>
      </Space.Compact>
      <Form.Item shouldUpdate noStyle>
        {() => {
          const err = form.getFieldError('station')[0];
          return err ? <div style={{ color: '#cf1322', width: '100%', fontSize: 12 }}>{err}</div> : null;
        }}
      </Form.Item>
    </Form>
  );
}

export default function StationPage(): ReactNode {
  const { t } = useTranslation();
  const [stationId, setStationId] = useState(rememberedStation);
  const station = useQuery({
    queryKey: stationKeys.station(stationId),
    queryFn: () => stationApi.station(stationId),
    // another screen (or the operator's colleague) may change the student
    refetchInterval: 3000,
    staleTime: 0,
  });
  const student = station.data?.currentStudent ?? null;
  const photos = useQuery({
    queryKey: stationKeys.photos(student?.studentId ?? ''),
    queryFn: () => stationApi.photos(student!.studentId),
    enabled: student !== null,
    // the newest shot shows within about a second and a half of its upload
    refetchInterval: 1500,
    refetchIntervalInBackground: false,
    staleTime: 0,
  });

  const wide = Grid.useBreakpoint().lg === true;
  const upload = <ManualUpload stationId={stationId} studentNo={student?.studentNo ?? null} studentId={student?.studentId ?? null} />;

  const choose = (id: string) => {
    try {
      localStorage.setItem(STORAGE_KEY, id);
    } catch {
      /* private mode: not remembered */
    }
    setStationId(id);
  };

  return (
    <div data-testid="station-page" data-station={stationId}>
      <PageHeader title={t('station.title')} crumbs={[{ title: t('station.title') }]} sub={t('station.sub')} extra={<StationPicker key={stationId} value={stationId} onChange={choose} />} />
      {station.error ? (
        <ErrorResult error={station.error} onRetry={() => void station.refetch()} />
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={9}>
            <CurrentStudentCard stationId={stationId} station={station.data} />
            {wide ? upload : null}
          </Col>
          <Col xs={24} lg={15}>
            <ShotReview studentId={student?.studentId ?? null} photos={photos.data?.items} loading={photos.isLoading} />
            {/* on a phone the shot comes right after the student; the manual upload below it */}
            {wide ? null : upload}
          </Col>
        </Row>
      )}
    </div>
  );
}
