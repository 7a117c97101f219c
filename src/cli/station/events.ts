// What the station agent is told (its options) and what it tells (its events), and each event as one line
// for the operator in Chinese or English. The output never holds a national ID number (the agent scrubs each
// line) nor a student number.
import type { Lang } from '../../domain/i18n.js';

export interface StationWatchOptions {
  dir: string;
  station: string;
  /** base URL of the gradphoto server, e.g. http://10.0.0.5:8080 */
  server: string;
  user: string;
  password: string;
  /** a one-time code when the account has two-step sign-in: asked for at each sign-in */
  totp?: (() => Promise<string | undefined>) | undefined;
  /** process the files present at start, then exit */
  once?: boolean;
  lang: Lang;
  /** unchanged for this long = written (default 1000) */
  settleMs?: number;
  /** a JPEG without its end marker is sent anyway after being unchanged this long (default 15000) */
  incompleteMs?: number;
  /** full rescan of the folder besides fs.watch (default 2000) */
  rescanMs?: number;
  /** default DIR/.gradphoto/state.json */
  stateFile?: string | undefined;
  /** backoff of retried uploads: base, doubled per attempt up to max (defaults 1000, 30000) */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** with --once: attempts per file before giving up on an unreachable server (default 5) */
  onceAttempts?: number;
  /** PHOTO_CHECKSUM_MISMATCH answers before the file is recorded as refused (default 3) */
  checksumAttempts?: number;
  /** each event as it happens (tests, tooling); the printed lines go to `print` */
  onEvent?: ((event: AgentEvent) => void) | undefined;
  /** one line of output (default: stdout); `json` prints events as JSON lines instead of sentences */
  print?: ((line: string) => void) | undefined;
  json?: boolean;
  /** the HTTP client (default: global fetch); tests wrap it to corrupt a request in transit */
  fetch?: typeof fetch;
}

export type WaitingReason = 'no-student' | 'incomplete';

export type AgentEvent =
  | { event: 'started'; station: string; dir: string; server: string; stateFile: string }
  | { event: 'scanned'; files: number; alreadyDone: number }
  | { event: 'uploaded'; file: string; photoId: string; accepted: boolean; failedChecks: string[]; duplicate: boolean }
  | { event: 'refused'; file: string; code: string; message: string }
  | { event: 'waiting'; file: string; reason: WaitingReason }
  | { event: 'skipped'; file: string; reason: 'same-bytes'; photoId: string | null }
  | { event: 'retrying'; file: string | null; reason: string; inMs: number }
  | { event: 'stopped'; uploaded: number; refused: number; pending: number };

export interface StationAgent {
  /** settles when the agent stops (stop(), --once finished, or a fatal sign-in refusal: rejects) */
  done: Promise<{ uploaded: number; refused: number; pending: number }>;
  stop(): Promise<void>;
}

/** One event as the line printed for the operator; null when there is nothing to say. */
export function describeEvent(e: AgentEvent, lang: Lang, checkMessages: string[] = []): string | null {
  const en = lang === 'en';
  switch (e.event) {
    case 'started':
      return en
        ? `Watching ${e.dir} for station ${e.station} (server ${e.server}). Stop with Ctrl+C.`
        : `正在监视 ${e.dir}（工位 ${e.station}，服务器 ${e.server}），按 Ctrl+C 停止。`;
    case 'scanned':
      return e.alreadyDone > 0 ? (en ? `${e.alreadyDone} of ${e.files} photos were already sent earlier: skipped.` : `${e.files} 张照片中有 ${e.alreadyDone} 张此前已处理，跳过。`) : null;
    case 'uploaded': {
      const head = en ? `✔ ${e.file}: uploaded, photo ${e.photoId}` : `✔ ${e.file}：已上传，照片 ${e.photoId}`;
      const dup = e.duplicate ? (en ? ' (the server already had these bytes)' : '（服务器已有同一文件）') : '';
      const verdict = e.accepted
        ? en
          ? ' — checks passed. Show it to the student to confirm.'
          : ' — 检测通过，请学生在屏幕上确认。'
        : en
          ? ` — checks failed: ${e.failedChecks.join(', ')}. Retake.`
          : ` — 检测未通过：${e.failedChecks.join('、')}，请重拍。`;
      return [head + dup + verdict, ...checkMessages.map((m) => `    ${m}`)].join('\n');
    }
    case 'refused':
      return en ? `✘ ${e.file}: refused by the server (${e.code}): ${e.message}` : `✘ ${e.file}：服务器拒收（${e.code}）：${e.message}`;
    case 'waiting':
      if (e.reason === 'no-student') {
        return en
          ? `… ${e.file}: waiting — no student is set at this station. Enter the student number on the Station page; the photo is sent then.`
          : `… ${e.file}：等待中——本工位尚未指定学生。请在“拍摄工位”页面输入学号，指定后照片会自动上传。`;
      }
      return en ? `… ${e.file}: still being written (no JPEG end marker yet), waiting.` : `… ${e.file}：文件尚未写完（缺少 JPEG 结束标记），等待中。`;
    case 'skipped':
      return en ? `· ${e.file}: the same bytes were already sent (photo ${e.photoId ?? '-'}), skipped.` : `· ${e.file}：相同内容已上传过（照片 ${e.photoId ?? '-'}），跳过。`;
    case 'retrying': {
      const s = Math.max(1, Math.round(e.inMs / 1000));
      const what = e.file ?? (en ? 'server' : '服务器');
      return en ? `↻ ${what}: ${e.reason}; trying again in ${s} s.` : `↻ ${what}：${e.reason}；${s} 秒后重试。`;
    }
    case 'stopped':
      return en
        ? `Stopped: ${e.uploaded} uploaded, ${e.refused} refused, ${e.pending} not sent yet.`
        : `已停止：上传 ${e.uploaded} 张，拒收 ${e.refused} 张，未发送 ${e.pending} 张。`;
  }
}
