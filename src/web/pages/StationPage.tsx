// The photographer's station (issue #4 parts 1 and 5; issue 9 sections 2 and 5; C3, C4): the queue of the
// station's site (call next, recall, skip, transfer), the student being photographed (the called one, or a
// number typed as a fallback), the newest shot with its checks as soon as it arrives, and the student's
// confirmation on the spot. One student a minute: the focus stays in the scan box and single keys drive the page.
import { SwapOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Col, Form, Grid, Input, Row, Space, type InputRef } from 'antd';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SiteSchema } from '../../contracts/common.js';
import type { CalledTicket } from '../../contracts/queue.js';
import { StationIdSchema } from '../../contracts/station.js';
import { ApiError } from '../api/client.js';
import { stationQueueApi, stationQueueKeys, type Site } from '../api/station-queue.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { CurrentStudentCard } from '../components/photo/CurrentStudentCard.js';
import { ManualUpload, type UploadRefusal } from '../components/photo/ManualUpload.js';
import { ShotReview } from '../components/photo/ShotReview.js';
import { stationApi, stationKeys } from '../components/photo/stationApi.js';
import { clickConfirm, dialogOpen, hasKeyboard, useDialogClosed, useStationShortcuts } from '../components/station/focus.js';
import { QueuePanel } from '../components/station/QueuePanel.js';
import { isOutletStation, OutletStationBanner } from '../components/makeup/OutletStationBanner.js';
import { ShortcutsHelp } from '../components/station/ShortcutsHelp.js';
import { TransferDialog } from '../components/station/TransferDialog.js';

const STORAGE_KEY = 'gradphoto.station';
const SITE_KEY = (stationId: string) => `gradphoto.station.site.${stationId}`;
const DEFAULT_STATION = 'beijing-1';

function rememberedStation(): string {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored && StationIdSchema.safeParse(stored).success ? stored : DEFAULT_STATION;
  } catch {
    return DEFAULT_STATION;
  }
}

/** The site a station id names (beijing-2 → beijing), or null when it names none. */
function siteOfStation(stationId: string): Site | null {
  return SiteSchema.options.find((s) => stationId.startsWith(`${s}-`)) ?? null;
}

/** The site the operator chose for a station whose id names none (remembered with the station). */
function rememberedSite(stationId: string): Site | null {
  try {
    const parsed = SiteSchema.safeParse(localStorage.getItem(SITE_KEY(stationId)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
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
      style={{ rowGap: 8, width: narrow ? '100%' : 340 }}
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

type QueueAction = 'next' | 'next-release' | 'recall' | 'skip';

export default function StationPage(): ReactNode {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const [stationId, setStationId] = useState(rememberedStation);
  const fixedSite = siteOfStation(stationId);
  const [chosenSite, setChosenSite] = useState<Site | null>(() => rememberedSite(stationId));
  const site = fixedSite ?? chosenSite;
  const [transferOpen, setTransferOpen] = useState(false);
  const [queueError, setQueueError] = useState<string | null>(null);
  // a manual upload the server refused: said on the latest-photo panel too, where the operator looks (M6)
  const [refusal, setRefusal] = useState<UploadRefusal | null>(null);
  const scanRef = useRef<InputRef>(null);
  const keyboard = hasKeyboard();

  const station = useQuery({
    queryKey: stationKeys.station(stationId),
    queryFn: () => stationApi.station(stationId),
    // another screen (or the operator's colleague, or a transfer) may change the student
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
  const queue = useQuery({
    queryKey: stationQueueKeys.queue(site ?? 'beijing'),
    queryFn: () => stationQueueApi.list(site!),
    enabled: site !== null,
    refetchInterval: 3000,
    staleTime: 0,
  });
  // another student, or a new shot (from the hot folder too): the refusal is old news
  const newestPhotoId = photos.data?.items[0]?.id;
  useEffect(() => setRefusal(null), [student?.studentId, newestPhotoId]);
  const current: CalledTicket | null = queue.data?.items.find((i) => i.ticket.status === 'called' && i.ticket.stationId === stationId) ?? null;

  /** The scan box gets the focus back after every action, except while a dialog is open (it comes back when it closes). */
  const focusScan = useCallback(() => {
    if (!keyboard || dialogOpen()) return;
    scanRef.current?.focus();
  }, [keyboard]);
  useEffect(() => {
    // on load and whenever the station changes
    const timer = setTimeout(focusScan, 0);
    return () => clearTimeout(timer);
  }, [focusScan, stationId]);
  useDialogClosed(() => setTimeout(focusScan, 0));

  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: ['station-queue'] }), queryClient.invalidateQueries({ queryKey: stationKeys.station(stationId) })]);

  /** The station's student has no confirmed photo: ending their turn is the operator's explicit choice (default: keep shooting). */
  function askBeforeNext(number: string): void {
    modal.confirm({
      title: t('stationQueue.nextTitle', { number }),
      content: t('stationQueue.nextText', { number }),
      okText: t('stationQueue.nextOk'),
      cancelText: t('stationQueue.nextCancel'),
      autoFocusButton: 'cancel',
      okButtonProps: { 'data-testid': 'station-next-ok' } as never,
      onOk: () => act.mutate('next-release'),
    });
  }

  const act = useMutation({
    mutationFn: async (action: QueueAction): Promise<{ action: QueueAction; result: CalledTicket | null }> => {
      if (action === 'next' || action === 'next-release') return { action, result: await stationQueueApi.callNext(site!, stationId, action === 'next-release') };
      if (!current) return { action, result: null };
      return { action, result: action === 'recall' ? await stationQueueApi.recall(current.ticket.id) : await stationQueueApi.skip(current.ticket.id) };
    },
    onSuccess: async ({ action, result }) => {
      setQueueError(null);
      if ((action === 'next' || action === 'next-release') && !result) void message.info(t('stationQueue.emptyQueue'));
      if (action === 'recall' && result) void message.success(t('stationQueue.recalled', { number: result.ticket.number }));
      if (action === 'skip' && result) {
        const removed = result.ticket.status === 'removed';
        void message[removed ? 'warning' : 'info'](t(removed ? 'stationQueue.removed' : 'stationQueue.skipped', { number: result.ticket.number }));
      }
      // the called student is the station's student now: read the station at once
      await refresh();
    },
    onError: (e: Error) => {
      // the server saw the station's student without a confirmed photo (another tab, a stale list): ask as N does
      if (e instanceof ApiError && e.code === 'STATION_STUDENT_UNCONFIRMED' && current) return askBeforeNext(current.ticket.number);
      setQueueError(e.message);
    },
    onSettled: () => focusScan(),
  });
  const pending = act.isPending ? (act.variables ?? null) : null;
  const busy = pending === 'next-release' ? 'next' : pending;

  /** N: call the next ticket; asks first when the student called here has no confirmed photo (default: keep shooting). */
  const callNext = () => {
    if (!site || act.isPending) return;
    const unconfirmed = current !== null && student !== null && !(photos.data?.items ?? []).some((p) => p.confirmed);
    if (!unconfirmed) return act.mutate('next');
    askBeforeNext(current.ticket.number);
  };
  const recall = () => {
    if (current && !act.isPending) act.mutate('recall');
  };
  const skip = () => {
    if (current && !act.isPending) act.mutate('skip');
  };
  useStationShortcuts(() => scanRef.current?.input ?? null, { n: callNext, r: recall, s: skip, c: () => void clickConfirm() });

  const chooseSite = (value: Site) => {
    try {
      localStorage.setItem(SITE_KEY(stationId), value);
    } catch {
      /* private mode: not remembered */
    }
    setChosenSite(value);
    focusScan();
  };
  const chooseStation = (id: string) => {
    try {
      localStorage.setItem(STORAGE_KEY, id);
    } catch {
      /* private mode: not remembered */
    }
    setStationId(id);
    setChosenSite(rememberedSite(id));
    setQueueError(null);
  };

  const wide = Grid.useBreakpoint().lg === true;
  const upload = <ManualUpload stationId={stationId} studentNo={student?.studentNo ?? null} studentId={student?.studentId ?? null} onRefused={setRefusal} />;

  return (
    <div data-testid="station-page" data-station={stationId}>
      <PageHeader
        title={t('station.title')}
        crumbs={[{ title: t('station.title') }]}
        sub={keyboard && wide ? <ShortcutsHelp /> : t('station.sub')}
        extra={<StationPicker key={stationId} value={stationId} onChange={chooseStation} />}
      />
      {station.error ? (
        <ErrorResult error={station.error} onRetry={() => void station.refetch()} />
      ) : (
        <Row gutter={[16, 0]}>
          <Col xs={24} lg={9}>
            {isOutletStation(stationId) ? <OutletStationBanner stationId={stationId} studentNo={student?.studentNo ?? null} /> : (
            <QueuePanel
              stationId={stationId}
              site={site}
              siteFixed={fixedSite !== null}
              onSiteChange={chooseSite}
              queue={queue.data}
              current={current}
              busy={busy}
              error={queueError ?? (queue.error ? (queue.error as Error).message : null)}
              onCallNext={callNext}
              onRecall={recall}
              onSkip={skip}
              onTransfer={() => setTransferOpen(true)}
              keys={keyboard}
            />
            )}
            <CurrentStudentCard stationId={stationId} station={station.data} scanRef={scanRef} onAction={focusScan} />
            {wide ? upload : null}
          </Col>
          <Col xs={24} lg={15}>
            <ShotReview
              stationId={stationId}
              studentId={student?.studentId ?? null}
              photos={photos.data?.items}
              loading={photos.isLoading}
              refusal={refusal}
              onRefusalClose={() => setRefusal(null)}
            />
            {/* on a phone the shot comes right after the student; the manual upload below it */}
            {wide ? null : <div style={{ marginTop: 12 }}>{upload}</div>}
          </Col>
        </Row>
      )}
      <TransferDialog
        open={transferOpen}
        stationId={stationId}
        current={current}
        queue={queue.data}
        onClose={() => setTransferOpen(false)}
        onTransferred={(moved) => {
          setTransferOpen(false);
          void message.success(t('stationQueue.transferred', { number: moved.ticket.number, station: moved.ticket.stationId ?? '' }));
          void refresh();
        }}
      />
    </div>
  );
}
