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

/**
 * One layout from a phone (390×844) to a TV (1920×1080): sizes follow the screen's height on a TV and its width
 * on a phone, numbers and station names never break (nowrap), rows wrap as a whole, and the calls scroll above the
 * footer instead of running under it (outside test of issue 9, finding 1). The TV sizes are the ones measured
 * at 5 m; below 700 px wide the phone's rules take over.
 */
const BOARD_CSS = `
.gp-board-head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; padding: 1.5vh 2.5vw; border-bottom: 2px solid #22375c; gap: 0.5vh 2vw; }
.gp-board-title { font-size: max(22px, 4.2vh); font-weight: 700; white-space: nowrap; }
.gp-board-stats { display: flex; flex-wrap: wrap; align-items: center; justify-content: flex-end; gap: 0.5vh 2vw; }
.gp-board-stat { font-size: max(18px, 3.4vh); color: ${MUTED}; white-space: nowrap; }
.gp-board-clock { font-size: max(24px, 5vh); font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap; }
.gp-board-main { flex: 1; min-height: 0; display: flex; flex-direction: column; padding: 2vh 2.5vw; gap: 2vh; overflow-x: hidden; overflow-y: auto; }
.gp-board-latest { flex: 0 0 auto; display: flex; flex-wrap: wrap; align-items: baseline; justify-content: center; gap: 1vh 4vw; background: #13254a; border-radius: 12px; padding: 2vh 2vw; }
.gp-board-latest-label { font-size: max(28px, 6vh); color: ${MUTED}; white-space: nowrap; }
.gp-board-latest-number { font-size: min(26vh, 16vw); font-weight: 800; line-height: 1; color: ${ACCENT}; letter-spacing: 0.02em; font-variant-numeric: tabular-nums; white-space: nowrap; }
.gp-board-latest-station { font-size: min(11vh, 7vw); font-weight: 700; white-space: nowrap; }
.gp-board-empty { flex: 0 0 auto; text-align: center; font-size: max(22px, 5vh); color: ${MUTED}; padding: 8vh 0; }
.gp-board-recent { flex: 0 0 auto; display: flex; flex-direction: column; gap: 1vh; }
.gp-board-recent-title { font-size: max(16px, 2.6vh); color: ${MUTED}; }
.gp-board-recent-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(max(280px, 28vw), 1fr)); gap: 1.5vh 1.5vw; align-content: start; }
.gp-board-call { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 0 1.5vw; padding: 1.2vh 1.5vw; border-radius: 8px; min-width: 0; }
.gp-board-call-number { font-size: max(28px, 7vh); font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap; }
.gp-board-call-station { font-size: max(18px, 4vh); white-space: nowrap; }
.gp-board-foot { flex: 0 0 auto; display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; padding: 1vh 2.5vw; color: ${MUTED}; font-size: max(14px, 2vh); gap: 0.5vh 1vw; border-top: 1px solid #1a2b4d; }
.gp-board-buttons { display: flex; flex-wrap: wrap; gap: 1vh 1vw; }
.gp-board-chip { background: transparent; color: ${MUTED}; border: 1px solid ${MUTED}; border-radius: 6px; padding: 0.3vh 1vw; font-size: max(14px, 1.4vh); cursor: pointer; white-space: nowrap; }
@media (max-width: 700px) {
  .gp-board-head { padding: 10px 16px; gap: 4px 12px; }
  .gp-board-title { font-size: clamp(18px, 5.5vw, 28px); }
  .gp-board-stats { width: 100%; justify-content: space-between; gap: 2px 12px; }
  .gp-board-stat { font-size: clamp(14px, 4vw, 20px); }
  .gp-board-clock { font-size: clamp(18px, 6vw, 30px); }
  .gp-board-main { padding: 12px 16px; gap: 12px; }
  .gp-board-latest { flex-direction: column; align-items: center; gap: 4px; padding: 12px; }
  .gp-board-latest-label { font-size: clamp(18px, 5vw, 28px); }
  .gp-board-latest-number { font-size: clamp(56px, 24vw, 140px); }
  .gp-board-latest-station { font-size: clamp(24px, 8vw, 48px); }
  .gp-board-empty { font-size: clamp(18px, 5vw, 28px); padding: 24px 0; }
  .gp-board-recent { gap: 6px; }
  .gp-board-recent-title { font-size: clamp(14px, 4vw, 20px); }
  .gp-board-recent-grid { grid-template-columns: minmax(0, 1fr); gap: 6px; }
  .gp-board-call { gap: 0 12px; padding: 6px 12px; }
  .gp-board-call-number { font-size: clamp(24px, 7vw, 36px); }
  .gp-board-call-station { font-size: clamp(16px, 4.5vw, 24px); }
  .gp-board-foot { padding: 8px 16px; font-size: 14px; gap: 6px 8px; }
  .gp-board-buttons { gap: 6px 8px; }
  .gp-board-chip { padding: 4px 10px; font-size: 14px; }
}
`;

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
      <style>{BOARD_CSS}</style>
      <header className="gp-board-head" data-testid="board-header">
        <div className="gp-board-title" data-testid="board-title">
          {t('desk.board.title', { site: siteName })}
        </div>
        <div className="gp-board-stats">
          <span className="gp-board-stat" data-testid="board-waiting">
            {board ? t('desk.board.waiting', { count: board.waiting }) : ''}
          </span>
          <span className="gp-board-stat" data-testid="board-eta">
            {board ? t('desk.board.eta', { minutes: board.etaMinutes }) : ''}
          </span>
          <span className="gp-board-clock" data-testid="board-clock">
            {beijingTime(now, true)}
          </span>
        </div>
      </header>
      <main className="gp-board-main" data-testid="board-main">
        {latest ? (
          <section className="gp-board-latest" data-testid="board-latest">
            <span className="gp-board-latest-label">{t('desk.board.current')}</span>
            <span className="gp-board-latest-number" data-testid="board-latest-number">
              {latest.number}
            </span>
            <span className="gp-board-latest-station" data-testid="board-latest-station">
              {stationLabel(t, latest.stationId)}
            </span>
          </section>
        ) : (
          <section className="gp-board-empty" data-testid="board-empty">
            {board ? t('desk.board.empty') : '…'}
          </section>
        )}
        {earlier.length > 0 ? (
          <section className="gp-board-recent">
            <div className="gp-board-recent-title">{t('desk.board.recent')}</div>
            <div className="gp-board-recent-grid" data-testid="board-recent">
              {earlier.map((c) => (
                <div key={c.number} className="gp-board-call" style={{ background: c.current ? '#1b3566' : '#111d36', opacity: c.current ? 1 : 0.75 }} data-testid="board-call">
                  <span className="gp-board-call-number" data-testid="board-call-number">
                    {c.number}
                  </span>
                  <span className="gp-board-call-station" data-testid="board-call-station">
                    {stationLabel(t, c.stationId)}
                  </span>
                </div>
              ))}
            </div>
          </section>
        ) : null}
      </main>
      <footer className="gp-board-foot" data-testid="board-footer">
        <span>{offline ? <span style={{ color: '#ff9c6e' }}>{t('desk.board.offline')}</span> : t('desk.board.quiet')}</span>
        <span className="gp-board-buttons">
          {speechSupported ? (
            <button type="button" className="gp-board-chip" onClick={soundOn ? () => setSoundOn(false) : turnSoundOn} data-testid="board-sound">
              <SoundOutlined /> {soundOn ? `${t('desk.board.soundIsOn')} · ${t('desk.board.soundOff')}` : t('desk.board.soundOn')}
            </button>
          ) : (
            <span>{t('desk.board.speechUnsupported')}</span>
          )}
          <button type="button" className="gp-board-chip" onClick={() => void document.documentElement.requestFullscreen?.().catch(() => {})} data-testid="board-fullscreen">
            <FullscreenOutlined /> {t('desk.board.fullscreen')}
          </button>
        </span>
      </footer>
    </div>
  );
}
