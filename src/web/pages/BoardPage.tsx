// The public call board of a site (issue 9 section 2; C4): a TV in the hall, no sign-in, no personal data —
// ticket numbers and stations only. Readable from 5 m: the newest call huge, the 7 before it below, how many
// wait and the wait of a student arriving now, the time in Beijing. Live by SSE (streamBoard); when the stream
// is refused or drops, the page polls getBoard. "Sound on" (browsers need a gesture), then every new call and
// every recall is spoken in Chinese: "请 B037 号到 2 号机位".
import { FullscreenOutlined, SoundOutlined } from '@ant-design/icons';
import { useEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import type { Board } from '../../contracts/board.js';
import { BoardSchema } from '../../contracts/board.js';
import { ApiError } from '../api/client.js';
import { deskApi } from '../api/desk.js';
import { beijingTime, callKeys, callsToSpeak, spokenCall, stationLabel, type CallKeys } from '../components/desk/station.js';

const BG = '#0b1426';
const FG = '#ffffff';
const ACCENT = '#ffd23f';
const MUTED = '#9fb3d1';
const POLL_MS = 5000;

function useClock(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** The board of a site: the stream's snapshots, or polling when the stream is not available. */
function useBoard(site: string): { board: Board | null; notFound: boolean; offline: boolean } {
  const [board, setBoard] = useState<Board | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [offline, setOffline] = useState(false);
  useEffect(() => {
    let closed = false;
    let source: EventSource | null = null;
    let poll: ReturnType<typeof setInterval> | null = null;
    const load = async () => {
      try {
        const b = await deskApi.board(site);
        if (!closed) {
          setBoard(b);
          setOffline(false);
        }
        return true;
      } catch (e) {
        if (closed) return false;
        if (e instanceof ApiError && e.status === 404) setNotFound(true);
        else setOffline(true);
        return false;
      }
    };
    const startPolling = () => {
      if (poll || closed) return;
      poll = setInterval(() => void load(), POLL_MS);
    };
    void (async () => {
      if (!(await load()) && closed) return;
      if (closed) return;
      source = new EventSource(deskApi.boardStreamUrl(site));
      source.addEventListener('board', (e) => {
        const parsed = BoardSchema.safeParse(JSON.parse((e as MessageEvent<string>).data));
        if (!parsed.success) return;
        setBoard(parsed.data);
        setOffline(false);
        if (poll) {
          clearInterval(poll);
          poll = null;
        }
      });
      source.addEventListener('error', () => {
        // CLOSED: refused (404, 429 too many boards) — poll instead; CONNECTING: the browser retries by itself
        if (source?.readyState === EventSource.CLOSED) startPolling();
        else setOffline(true);
      });
    })();
    return () => {
      closed = true;
      source?.close();
      if (poll) clearInterval(poll);
    };
  }, [site]);
  return { board, notFound, offline };
}

/** Speaks new calls and recalls (not what was on the board when it opened). */
function useSpokenCalls(board: Board | null, soundOn: boolean): void {
  const seen = useRef<CallKeys | null>(null);
  useEffect(() => {
    if (!board) return;
    const fresh = callsToSpeak(seen.current, board);
    seen.current = callKeys(board);
    if (!soundOn || typeof window.speechSynthesis === 'undefined') return;
    for (const c of fresh) {
      const text = spokenCall(c.number, c.stationId);
      // twice, as halls do
      for (let i = 0; i < 2; i++) {
        const u = new SpeechSynthesisUtterance(text);
        u.lang = 'zh-CN';
        u.rate = 0.9;
        window.speechSynthesis.speak(u);
      }
    }
  }, [board, soundOn]);
}

const page: CSSProperties = {
  position: 'fixed',
  inset: 0,
  background: BG,
  color: FG,
  display: 'flex',
  flexDirection: 'column',
  fontFamily: "'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', 'Source Han Sans SC', sans-serif",
  overflow: 'hidden',
};

const chip: CSSProperties = {
  background: 'transparent',
  color: MUTED,
  border: `1px solid ${MUTED}`,
  borderRadius: 6,
  padding: '0.3vh 1vw',
  fontSize: 'max(14px, 1.4vh)',
  cursor: 'pointer',
};

export default function BoardPage(): ReactNode {
  const { t } = useTranslation();
  const site = useParams().site ?? '';
  const { board, notFound, offline } = useBoard(site);
  const now = useClock();
  const [soundOn, setSoundOn] = useState(false);
  const speechSupported = typeof window !== 'undefined' && 'speechSynthesis' in window;
  useSpokenCalls(board, soundOn);

  useEffect(() => {
    const previous = document.title;
    document.title = t('desk.board.title', { site: t(`site.${site}`, { defaultValue: site }) });
    return () => {
      document.title = previous;
    };
  }, [site, t]);

  if (notFound) {
    return (
      <div style={{ ...page, alignItems: 'center', justifyContent: 'center', fontSize: '4vh' }} data-testid="board-not-found">
        {t('desk.board.notFound', { site })}
      </div>
    );
  }

  const siteName = t(`site.${site}`, { defaultValue: site });
  const [latest, ...earlier] = board?.calls ?? [];
  const turnSoundOn = () => {
    if (!speechSupported) return;
    setSoundOn(true);
    // the gesture unlocks speech: say something short now
    const u = new SpeechSynthesisUtterance('语音播报已开启');
    u.lang = 'zh-CN';
    window.speechSynthesis.speak(u);
  };

  return (
    <div style={page} data-testid="board">
      <header style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', padding: '1.5vh 2.5vw', borderBottom: `2px solid #22375c`, gap: '2vw' }}>
        <div style={{ fontSize: 'max(22px, 4.2vh)', fontWeight: 700 }}>{t('desk.board.title', { site: siteName })}</div>
        <div style={{ display: 'flex', alignItems: 'center', gap: '2vw' }}>
          <span style={{ fontSize: 'max(18px, 3.4vh)', color: MUTED }} data-testid="board-waiting">
            {board ? t('desk.board.waiting', { count: board.waiting }) : ''}
          </span>
          <span style={{ fontSize: 'max(18px, 3.4vh)', color: MUTED }} data-testid="board-eta">
            {board ? t('desk.board.eta', { minutes: board.etaMinutes }) : ''}
          </span>
          <span style={{ fontSize: 'max(24px, 5vh)', fontWeight: 700, fontVariantNumeric: 'tabular-nums' }} data-testid="board-clock">
            {beijingTime(now, true)}
          </span>
        </div>
      </header>
      <main style={{ flex: 1, display: 'flex', flexDirection: 'column', padding: '2vh 2.5vw', gap: '2vh', minHeight: 0 }}>
        {latest ? (
          <section style={{ flex: '0 0 auto', display: 'flex', alignItems: 'baseline', justifyContent: 'center', gap: '4vw', background: '#13254a', borderRadius: 12, padding: '2vh 2vw' }} data-testid="board-latest">
            <span style={{ fontSize: 'max(28px, 6vh)', color: MUTED }}>{t('desk.board.current')}</span>
            <span style={{ fontSize: 'min(26vh, 16vw)', fontWeight: 800, lineHeight: 1, color: ACCENT, letterSpacing: '0.02em', fontVariantNumeric: 'tabular-nums' }} data-testid="board-latest-number">
              {latest.number}
            </span>
            <span style={{ fontSize: 'min(11vh, 7vw)', fontWeight: 700 }} data-testid="board-latest-station">
              {stationLabel(t, latest.stationId)}
            </span>
          </section>
        ) : (
          <section style={{ flex: '0 0 auto', textAlign: 'center', fontSize: 'max(22px, 5vh)', color: MUTED, padding: '8vh 0' }} data-testid="board-empty">
            {board ? t('desk.board.empty') : '…'}
          </section>
        )}
        {earlier.length > 0 ? (
          <section style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column', gap: '1vh' }}>
            <div style={{ fontSize: 'max(16px, 2.6vh)', color: MUTED }}>{t('desk.board.recent')}</div>
            <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(max(280px, 28vw), 1fr))', gap: '1.5vh 1.5vw', alignContent: 'start' }} data-testid="board-recent">
              {earlier.map((c) => (
                <div
                  key={c.number}
                  style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline', gap: '1.5vw', padding: '1.2vh 1.5vw', borderRadius: 8, background: c.current ? '#1b3566' : '#111d36', opacity: c.current ? 1 : 0.75 }}
                  data-testid="board-call"
                >
                  <span style={{ fontSize: 'max(28px, 7vh)', fontWeight: 700, fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>{c.number}</span>
                  <span style={{ fontSize: 'max(18px, 4vh)', whiteSpace: 'nowrap' }}>{stationLabel(t, c.stationId)}</span>
                </div>
              ))}
            </div>
          </section>
        ) : null}
      </main>
      <footer style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', padding: '1vh 2.5vw', color: MUTED, fontSize: 'max(14px, 2vh)', gap: '1vw' }}>
        <span>{offline ? <span style={{ color: '#ff9c6e' }}>{t('desk.board.offline')}</span> : t('desk.board.quiet')}</span>
        <span style={{ display: 'flex', gap: '1vw' }}>
          {speechSupported ? (
            <button type="button" style={chip} onClick={soundOn ? () => setSoundOn(false) : turnSoundOn} data-testid="board-sound">
              <SoundOutlined /> {soundOn ? `${t('desk.board.soundIsOn')} · ${t('desk.board.soundOff')}` : t('desk.board.soundOn')}
            </button>
          ) : (
            <span>{t('desk.board.speechUnsupported')}</span>
          )}
          <button type="button" style={chip} onClick={() => void document.documentElement.requestFullscreen?.().catch(() => {})} data-testid="board-fullscreen">
            <FullscreenOutlined /> {t('desk.board.fullscreen')}
          </button>
        </span>
      </footer>
    </div>
  );
}
