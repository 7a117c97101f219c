// `gradphoto station watch DIR --station ID --server URL`: the hot-folder agent of a tethered camera
// (issue #4 part 1; C3; PITFALLS F6, F7, F17).
//
// What it promises, and how:
// - A file is sent only when the camera software has finished writing it: its size and mtime stayed the same
//   for the settle interval (as observed by the agent, so a file renamed into place with an old mtime waits
//   too) and it can be read. A JPEG without its end marker (FF D9) is still being written: it waits until it
//   has not changed for the longer `incompleteMs`, then goes anyway (the server refuses it as truncated and
//   the refusal is printed).
// - Each file is uploaded once. A durable state file (temp → fsync → rename → fsync directory) records every
//   file by name + size + mtime + SHA-256: `in-flight` (with the opaque student id) before the request
//   leaves, then `uploaded` (photo id) or `refused` (code). After a restart, uploaded and refused files are
//   skipped; an in-flight one is sent again for the same student, and the server recognises the same bytes
//   (same photo id, 200), so nothing is stored twice. Bytes already uploaded under another name are skipped.
// - The file's SHA-256 goes with it, computed from the very bytes sent: the server refuses what it did not
//   receive intact (PHOTO_CHECKSUM_MISMATCH); such a refusal is a transport failure, retried a few times
//   with the file read again, then recorded.
// - The student is bound when the agent first sees the file, not when it has settled (the operator may name
//   the next student a second after the last shot, while that shot is still settling): the watch event, or
//   the scan, that first notices a camera file asks the station at once (getStation, never a cached answer; a
//   watch event asks even while another file is being uploaded) and the file belongs to the student it names,
//   through settling, retries and restarts. A file seen while nobody is named (or while the server gave no
//   answer) waits, and the agent says so once it is written, and goes to the first student named after it was
//   seen. The binding is kept in the state file (`bindings`: stored name → opaque student id + inode, the
//   inode so that after a restart a new file with the same name is not taken for the bound one) until the
//   file is uploaded or refused (its record then has the student id) or leaves the folder. The student number
//   the upload needs stays in memory only: after a restart a bound file asks the server for its student's
//   number by student id (as an in-flight one does), so a restart costs one request per bound file, and a
//   student removed from the roster meanwhile makes the file refused and recorded. The station's `updatedAt`
//   is not compared with file times: it is the server's clock and a file's mtime the camera computer's, and a
//   skew of a second (the very size of the race) would bind wrongly; the rule relies only on the agent's own
//   order of events (first sight, then the question). What is left: a file noticed only by the periodic
//   rescan (no watch events, e.g. some network shares) can be seen up to --rescan-ms late, and a file written
//   while the agent was not running is bound to the student named when the agent starts.
// - Refusals (4xx) are recorded and never retried; network errors, 5xx, 429 and 403 (a role being fixed) are
//   retried with exponential backoff; a 401 signs in again. A file is never given up because the server was
//   away.
// - No national ID number in its output or state (scrubbed as well); the student number is only sent to the
//   server, the state keeps the opaque student id (records and bindings) and the photo id.
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import crypto from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import type { Command } from 'commander';
import { Option } from 'commander';
import { z } from 'zod';
import { PhotoReportSchema } from '../contracts/photo.js';
import { StationIdSchema, StationSchema } from '../contracts/station.js';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { scrubNationalIds } from '../domain/national-id.js';

// ───────────────────────────── options and events ─────────────────────────────

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

// ───────────────────────────── state file ─────────────────────────────

const StateRecordSchema = z.object({
  name: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  sha256: z.string(),
  status: z.enum(['in-flight', 'uploaded', 'refused']),
  /** opaque id of the student the file is for (never the student number) */
  studentId: z.string().optional(),
  photoId: z.string().optional(),
  accepted: z.boolean().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  at: z.string(),
});
export type StateRecord = z.infer<typeof StateRecordSchema>;

/**
 * The student a camera file was bound to when the agent first saw it, until the file is uploaded or refused
 * (its record then carries the student id) or leaves the folder. Keyed by the stored name; `ino` tells, after a
 * restart, a new file that took the same name from the one that was bound. The opaque student id only.
 */
const BindingSchema = z.object({ studentId: z.string(), ino: z.number(), at: z.string() });

const StateFileSchema = z.object({
  version: z.literal(1),
  files: z.record(z.string(), StateRecordSchema),
  /** absent in state files written before bindings existed */
  bindings: z.record(z.string(), BindingSchema).optional(),
});
type StateFile = z.infer<typeof StateFileSchema>;

export function defaultStateFile(dir: string): string {
  return path.join(dir, '.gradphoto', 'state.json');
}

/** The name as the state file keeps it: an ID number someone typed into a file name is not written down (A3). */
function storedName(name: string): string {
  return scrubNationalIds(name);
}

function recordKey(name: string, size: number, mtimeMs: number, sha256: string): string {
  return `${storedName(name)}\t${size}\t${mtimeMs}\t${sha256}`;
}

function statKey(name: string, size: number, mtimeMs: number): string {
  return `${storedName(name)}\t${size}\t${mtimeMs}`;
}

/** Reads the state file; a damaged one is kept aside (the server's duplicate check makes a fresh start safe). */
export function readStateFile(file: string): { state: StateFile; damaged: string | null } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: { version: 1, files: {} }, damaged: null };
    throw e;
  }
  try {
    return { state: StateFileSchema.parse(JSON.parse(text)), damaged: null };
  } catch {
    const aside = `${file}.damaged-${Date.now()}`;
    fs.renameSync(file, aside);
    return { state: { version: 1, files: {} }, damaged: aside };
  }
}

/** temp → fsync → rename → fsync the directory: a crash leaves the old state or the new one, never half (F17). */
export async function writeStateFile(file: string, state: StateFile): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const handle = await fsp.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(state));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
  const dirHandle = await fsp.open(dir, fsConstants.O_RDONLY);
  try {
    await dirHandle.sync();
  } catch {
    /* some file systems cannot sync a directory */
  } finally {
    await dirHandle.close();
  }
}

/**
 * One agent per state file: two agents on one folder (say with two --station values) would send each photo
 * to two students. The lock holds the agent's pid; a lock left by a process that died (kill -9) is taken over.
 */
export function takeLock(file: string, lang: Lang): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        const detail = lang === 'en' ? `another agent (pid ${pid}) is already watching this folder (lock ${file})` : `已有另一个上传程序（进程 ${pid}）在监视该文件夹（锁文件 ${file}）`;
        throw new AppError('VALIDATION_FAILED', { params: { detail } });
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot take the lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ───────────────────────────── files ─────────────────────────────

/** Camera files: .jpg/.jpeg in any case; hidden files, temp names (~x, x.tmp, x.part, x.crdownload) are not. */
export function isCandidateName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('~')) return false;
  return /\.jpe?g$/i.test(name);
}

export type Completeness = 'complete' | 'incomplete' | 'not-jpeg';

/** Whether the bytes look finished: a JPEG ends with FF D9 (trailing zero padding allowed). */
export function jpegCompleteness(bytes: Buffer): Completeness {
  if (bytes.length === 0) return 'incomplete';
  if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return bytes.length < 3 ? 'incomplete' : 'not-jpeg';
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0x00) end--;
  return end >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9 ? 'complete' : 'incomplete';
}

export function sha256Hex(bytes: Buffer): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * The uploadPhoto request of one camera file: text fields first (a streaming multipart reader sees them
 * before the file), the checksum of exactly the bytes sent, and a neutral file name (a camera name could
 * carry anything; the server names nothing after it).
 */
export function buildUploadForm(input: { bytes: Buffer; sha256: string; studentNo: string; station: string }): FormData {
  const form = new FormData();
  form.append('studentNo', input.studentNo);
  form.append('sha256', input.sha256);
  form.append('station', input.station);
  form.append('file', new Blob([new Uint8Array(input.bytes)], { type: 'image/jpeg' }), 'photo.jpg');
  return form;
}

// ───────────────────────────── messages ─────────────────────────────

/** What the agent reads of uploadPhoto's answer (the station's screen shows the rest). */
const UploadAnswerSchema = PhotoReportSchema.pick({ id: true, accepted: true, checks: true });
const ErrorAnswerSchema = z.object({ error: z.looseObject({ code: z.string(), message: z.string() }) });

function describeEvent(e: AgentEvent, lang: Lang, checkMessages: string[] = []): string | null {
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

function networkReason(e: unknown, lang: Lang): string {
  type Failure = { name?: string; code?: string; message?: string; cause?: Failure; errors?: Failure[] };
  const f = e as Failure;
  const cause = f.cause?.code ?? f.cause?.errors?.[0]?.code ?? f.code ?? (f.name === 'TimeoutError' || f.name === 'AbortError' ? f.name : f.cause?.message ?? f.message ?? 'error');
  return lang === 'en' ? `cannot reach the server (${cause})` : `无法连接服务器（${cause}）`;
}

// ───────────────────────────── the agent ─────────────────────────────

interface Candidate {
  name: string;
  size: number;
  mtimeMs: number;
  /** agent time of the last observed change (or of first sight) */
  changedAt: number;
  phase: 'settling' | 'ready' | 'done';
  sha256?: string;
  nextAttemptAt: number;
  attempts: number;
  checksumFailures: number;
  /** the waiting reason last announced, so each is printed once */
  announced?: WaitingReason | undefined;
  /** present at the first scan (what --once processes) */
  initial: boolean;
  /** the file's inode (a binding restored after a restart must be of the same file) */
  ino: number;
}

/** The student a file is for, bound at first sight; the number is kept in memory only (absent after a restart). */
interface Bound {
  studentId: string;
  studentNo?: string | undefined;
  ino: number;
}

type HttpResult = { kind: 'answer'; status: number; body: unknown } | { kind: 'network'; error: unknown };

export function startStationWatch(options: StationWatchOptions): StationAgent {
  const opts = {
    ...options,
    settleMs: options.settleMs ?? 1000,
    incompleteMs: options.incompleteMs ?? 15_000,
    rescanMs: options.rescanMs ?? 2000,
    retryBaseMs: options.retryBaseMs ?? 1000,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    onceAttempts: options.onceAttempts ?? 5,
    checksumAttempts: options.checksumAttempts ?? 3,
  };
  const station = StationIdSchema.parse(opts.station);
  const server = opts.server.replace(/\/+$/, '');
  const dir = path.resolve(opts.dir);
  const stateFile = path.resolve(opts.stateFile ?? defaultStateFile(dir));
  const doFetch = opts.fetch ?? fetch;
  const print = opts.print ?? ((line: string) => void process.stdout.write(line + '\n'));
  const tickMs = Math.min(250, Math.max(20, Math.floor(opts.settleMs / 4)));

  const candidates = new Map<string, Candidate>();
  let state: StateFile = { version: 1, files: {} };
  const byStat = new Map<string, StateRecord>();
  const bySha = new Map<string, StateRecord>();
  let cookie: string | null = null;
  let stopped = false;
  let rescanDue = true;
  let lastScan = 0;
  let wake: (() => void) | null = null;
  let watcher: fs.FSWatcher | null = null;
  /** stop() cancels a request under way: an upload cut off is in-flight in the state and sent again next time */
  const stopping = new AbortController();
  const signal = (ms: number) => AbortSignal.any([stopping.signal, AbortSignal.timeout(ms)]);
  const counts = { uploaded: 0, refused: 0 };
  let releaseLock = () => {};
  let firstScanDone = false;
  let signedIn = false;
  /** camera files bound to a student when first seen (by name) */
  const bindings = new Map<string, Bound>();
  /** files whose first-sight question to the server is under way */
  const asking = new Set<string>();
  /** files not bound at first sight (nobody named, or no answer): agent time of first sight */
  const unboundSince = new Map<string, number>();
  /** first sights started by watch events, awaited before the agent stops */
  const notices = new Set<Promise<void>>();
  let writing: Promise<void> = Promise.resolve();

  const emit = (event: AgentEvent, checkMessages?: string[]) => {
    opts.onEvent?.(event);
    if (opts.json) print(scrubNationalIds(JSON.stringify(event)));
    else {
      const line = describeEvent(event, opts.lang, checkMessages);
      if (line) print(scrubNationalIds(line));
    }
  };

  const index = (r: StateRecord) => {
    byStat.set(statKey(r.name, r.size, r.mtimeMs), r);
    if (r.status !== 'in-flight') bySha.set(r.sha256, r);
  };

  /** State writes one after the other, each of the whole state as it is then: the last one holds everything. */
  const persist = () => {
    const next = writing.then(() => writeStateFile(stateFile, state));
    writing = next.catch(() => undefined);
    return next;
  };

  /** Drops a file's binding (uploaded, refused, gone); true when the state file has to be written. */
  const forgetBinding = (name: string): boolean => {
    bindings.delete(name);
    unboundSince.delete(name);
    const key = storedName(name);
    if (!state.bindings || !(key in state.bindings)) return false;
    delete state.bindings[key];
    return true;
  };

  const bind = (name: string, student: { studentId: string; studentNo?: string | undefined }, ino: number) => {
    bindings.set(name, { studentId: student.studentId, studentNo: student.studentNo, ino });
    unboundSince.delete(name);
    (state.bindings ??= {})[storedName(name)] = { studentId: student.studentId, ino, at: new Date().toISOString() };
  };

  const saveRecord = async (input: StateRecord) => {
    const r = { ...input, name: storedName(input.name) };
    state.files[recordKey(r.name, r.size, r.mtimeMs, r.sha256)] = r;
    index(r);
    if (r.status !== 'in-flight') forgetBinding(input.name);
    await persist();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });

  const backoff = (attempts: number) => Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** Math.max(0, attempts - 1));

  // ── HTTP ──

  async function request(method: string, url: string, body?: FormData | string): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/json', 'accept-language': opts.lang === 'en' ? 'en' : 'zh-CN' };
    if (cookie) headers.cookie = cookie;
    if (typeof body === 'string') headers['content-type'] = 'application/json';
    try {
      const res = await doFetch(`${server}${url}`, { method, headers, body, signal: signal(120_000) });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      return { kind: 'answer', status: res.status, body: parsed };
    } catch (error) {
      return { kind: 'network', error };
    }
  }

  /** Signs in; wrong credentials are fatal (thrown), an unreachable server is retried by the caller. */
  async function login(): Promise<HttpResult> {
    cookie = null;
    const send = async (totp?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'accept-language': opts.lang === 'en' ? 'en' : 'zh-CN' };
      try {
        const res = await doFetch(`${server}/api/auth/login`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ username: opts.user, password: opts.password, ...(totp ? { totp } : {}) }),
          signal: signal(30_000),
        });
        const text = await res.text();
        const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('gp_session='));
        return { res, body: (text ? JSON.parse(text) : null) as unknown, setCookie };
      } catch (error) {
        return { error };
      }
    };
    let answer = await send();
    if ('error' in answer) return { kind: 'network', error: answer.error };
    let code = ErrorAnswerSchema.safeParse(answer.body).data?.error.code;
    if (answer.res.status === 401 && code === 'TOTP_REQUIRED') {
      const totp = await opts.totp?.();
      if (!totp) throw new AppError('TOTP_REQUIRED');
      answer = await send(totp);
      if ('error' in answer) return { kind: 'network', error: answer.error };
      code = ErrorAnswerSchema.safeParse(answer.body).data?.error.code;
    }
    if (answer.res.status === 200 && answer.setCookie) {
      cookie = answer.setCookie.split(';')[0]!;
      return { kind: 'answer', status: 200, body: answer.body };
    }
    if (answer.res.status === 401 || answer.res.status === 400) {
      const known = ['INVALID_CREDENTIALS', 'TOTP_REQUIRED', 'TOTP_INVALID'] as const;
      throw new AppError(known.find((k) => k === code) ?? 'INVALID_CREDENTIALS');
    }
    return { kind: 'answer', status: answer.res.status, body: answer.body };
  }

  /** A call with the session; a 401 signs in again once. */
  async function authed(method: string, url: string, body?: () => FormData | string): Promise<HttpResult> {
    if (!cookie) {
      const signedIn = await login();
      if (signedIn.kind === 'network' || signedIn.status !== 200) return signedIn;
    }
    let result = await request(method, url, body?.());
    if (result.kind === 'answer' && result.status === 401) {
      const signedIn = await login();
      if (signedIn.kind === 'network' || signedIn.status !== 200) return signedIn;
      result = await request(method, url, body?.());
    }
    return result;
  }

  function answerError(result: HttpResult): { code: string; message: string } {
    if (result.kind === 'network') return { code: 'NETWORK', message: networkReason(result.error, opts.lang) };
    const parsed = ErrorAnswerSchema.safeParse(result.body);
    if (parsed.success) return { code: parsed.data.error.code, message: parsed.data.error.message };
    return { code: `HTTP_${result.status}`, message: `HTTP ${result.status}` };
  }

  /** Transient: worth asking again later (the file is kept). */
  function isTransient(result: HttpResult): boolean {
    if (result.kind === 'network') return true;
    return result.status >= 500 || result.status === 429 || result.status === 408 || result.status === 403 || result.status === 401;
  }

  // ── scanning ──

  async function scan(): Promise<void> {
    lastScan = Date.now();
    rescanDue = false;
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (e) {
      emit({ event: 'retrying', file: null, reason: `${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, inMs: opts.rescanMs });
      return;
    }
    const present = new Set<string>();
    const firstSeen: { name: string; ino: number }[] = [];
    let stateChanged = false;
    let alreadyDone = 0;
    let files = 0;
    for (const name of names) {
      if (!isCandidateName(name)) continue;
      let st: fs.Stats;
      try {
        st = await fsp.stat(path.join(dir, name));
      } catch {
        continue; // gone meanwhile (a temp name renamed away)
      }
      if (!st.isFile()) continue;
      files++;
      present.add(name);
      const known = candidates.get(name);
      if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) continue;
      // Already sent or refused (same name, size and mtime): skipped without reading it again. A name that
      // is not stored as such (it held an ID number) is always read and hashed.
      const record = storedName(name) === name ? byStat.get(statKey(name, st.size, st.mtimeMs)) : undefined;
      if (record && record.status !== 'in-flight') {
        alreadyDone++;
        candidates.set(name, { name, size: st.size, mtimeMs: st.mtimeMs, changedAt: Date.now(), phase: 'done', nextAttemptAt: 0, attempts: 0, checksumFailures: 0, initial: !firstScanDone, ino: st.ino });
        stateChanged = forgetBinding(name) || stateChanged;
        continue;
      }
      // The file's student: kept if bound already (in memory, or in the state file before a restart) to this
      // very file; otherwise this is its first sight. A name that stayed in the folder keeps its binding when the
      // writer replaces the file (a new inode, noted); after a restart only the same inode is the same file.
      const bound = bindings.get(name);
      const kept = state.bindings?.[storedName(name)];
      if (bound && bound.ino !== st.ino) {
        bound.ino = st.ino;
        if (kept) kept.ino = st.ino;
        stateChanged = true;
      }
      if (!bindings.has(name) && kept) {
        if (kept.ino === st.ino) bindings.set(name, { studentId: kept.studentId, ino: st.ino });
        else stateChanged = forgetBinding(name) || stateChanged;
      }
      if (!bindings.has(name) && !asking.has(name) && !unboundSince.has(name)) firstSeen.push({ name, ino: st.ino });
      candidates.set(name, {
        name,
        size: st.size,
        mtimeMs: st.mtimeMs,
        changedAt: Date.now(),
        phase: 'settling',
        nextAttemptAt: 0,
        attempts: 0,
        checksumFailures: 0,
        initial: known?.initial ?? !firstScanDone,
        ino: st.ino,
      });
    }
    for (const name of [...candidates.keys()]) if (!present.has(name)) candidates.delete(name);
    // Bindings of files that left the folder (or never stayed: a watch event for a temp file) go too.
    for (const name of [...bindings.keys(), ...unboundSince.keys()]) if (!present.has(name)) stateChanged = forgetBinding(name) || stateChanged;
    const presentKeys = new Set([...present].map(storedName));
    for (const key of Object.keys(state.bindings ?? {})) {
      if (!presentKeys.has(key)) {
        delete state.bindings![key];
        stateChanged = true;
      }
    }
    if (stateChanged) await persist();
    await sight(firstSeen);
    if (!firstScanDone) {
      firstScanDone = true;
      emit({ event: 'scanned', files, alreadyDone });
    }
  }

  /** Settling files: re-stat; once unchanged for settleMs and readable, read, check the end marker, hash. */
  async function settle(c: Candidate): Promise<void> {
    const file = path.join(dir, c.name);
    let st: fs.Stats;
    try {
      st = await fsp.stat(file);
    } catch {
      candidates.delete(c.name);
      return;
    }
    const now = Date.now();
    if (st.size !== c.size || st.mtimeMs !== c.mtimeMs) {
      Object.assign(c, { size: st.size, mtimeMs: st.mtimeMs, changedAt: now, phase: 'settling', sha256: undefined });
      return;
    }
    if (now - c.changedAt < opts.settleMs) return;
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(file);
    } catch {
      return; // not openable yet (locked by the writer): try again next tick
    }
    if (bytes.length !== c.size) {
      Object.assign(c, { size: bytes.length, changedAt: Date.now() });
      return;
    }
    const completeness = jpegCompleteness(bytes);
    if (completeness === 'incomplete' && now - c.changedAt < opts.incompleteMs) {
      if (c.announced !== 'incomplete') {
        c.announced = 'incomplete';
        emit({ event: 'waiting', file: c.name, reason: 'incomplete' });
      }
      return;
    }
    c.sha256 = sha256Hex(bytes);
    const key = recordKey(c.name, c.size, c.mtimeMs, c.sha256);
    const record = state.files[key];
    if (record && record.status !== 'in-flight') {
      c.phase = 'done';
      if (forgetBinding(c.name)) await persist();
      return;
    }
    const same = bySha.get(c.sha256);
    if (same && same.status === 'uploaded' && !record) {
      c.phase = 'done';
      if (forgetBinding(c.name)) await persist();
      emit({ event: 'skipped', file: c.name, reason: 'same-bytes', photoId: same.photoId ?? null });
      return;
    }
    c.phase = 'ready';
  }

  // ── uploading ──

  /** The student number for an opaque student id (an in-flight file after a restart). */
  async function studentNoOf(studentId: string): Promise<{ studentNo: string } | { result: HttpResult }> {
    const result = await authed('GET', `/api/students/${encodeURIComponent(studentId)}`);
    if (result.kind === 'answer' && result.status === 200) {
      const no = (result.body as { studentNo?: unknown } | null)?.studentNo;
      if (typeof no === 'string') return { studentNo: no };
    }
    return { result };
  }

  /** the last answer of getStation, with the agent time its question left */
  let stationCache: { askedAt: number; value: z.infer<typeof StationSchema> } | null = null;

  /**
   * The station's student. `notBefore` null: asked now (a first sight). Otherwise an answer to a question asked
   * at or after `notBefore` and less than half a second ago is shared (files waiting for a student).
   */
  async function currentStudent(notBefore: number | null): Promise<{ student: { studentId: string; studentNo: string } | null } | { result: HttpResult }> {
    if (notBefore !== null && stationCache && stationCache.askedAt >= notBefore && Date.now() - stationCache.askedAt < 500) return { student: stationCache.value.currentStudent };
    const askedAt = Date.now();
    const result = await authed('GET', `/api/stations/${station}`);
    if (result.kind === 'answer' && result.status === 200) {
      const parsed = StationSchema.safeParse(result.body);
      if (parsed.success) {
        if (!stationCache || stationCache.askedAt <= askedAt) stationCache = { askedAt, value: parsed.data };
        return { student: parsed.data.currentStudent };
      }
    }
    return { result };
  }

  /** First sight of camera files: the station is asked now, and the files are bound to whoever it names. */
  async function sight(files: { name: string; ino: number }[]): Promise<void> {
    const fresh = files.filter((f) => !bindings.has(f.name) && !asking.has(f.name) && !unboundSince.has(f.name));
    if (fresh.length === 0 || stopped) return;
    const seenAt = Date.now();
    for (const f of fresh) asking.add(f.name);
    let current: Awaited<ReturnType<typeof currentStudent>>;
    try {
      current = await currentStudent(null);
    } finally {
      for (const f of fresh) asking.delete(f.name);
    }
    if (stopped) return;
    const student = 'student' in current ? current.student : null;
    // Nobody named, or no answer: the file goes to the first student named after it was seen.
    for (const f of fresh) {
      if (student) bind(f.name, student, f.ino);
      else unboundSince.set(f.name, seenAt);
    }
    if (student) await persist();
  }

  /** A watch event names a file: its first sight, even while the loop is busy uploading another one. */
  async function noticed(name: string): Promise<void> {
    if (stopped || !isCandidateName(name) || name !== path.basename(name) || bindings.has(name) || asking.has(name) || unboundSince.has(name)) return;
    let st: fs.Stats;
    try {
      st = await fsp.stat(path.join(dir, name));
    } catch {
      return;
    }
    if (!st.isFile()) return;
    const known = candidates.get(name);
    if (known?.phase === 'done' && known.size === st.size && known.mtimeMs === st.mtimeMs) return;
    const record = storedName(name) === name ? byStat.get(statKey(name, st.size, st.mtimeMs)) : undefined;
    if (record && record.status !== 'in-flight') return;
    const kept = state.bindings?.[storedName(name)];
    if (kept) return; // bound before a restart: the scan takes it up
    await sight([{ name, ino: st.ino }]);
  }

  /** Files not bound at first sight go to the first student named after they were seen. */
  async function bindLate(files: Candidate[]): Promise<{ result: HttpResult } | null> {
    const now = Date.now();
    for (const c of files) if (!unboundSince.has(c.name)) unboundSince.set(c.name, now);
    const notBefore = Math.max(...files.map((c) => unboundSince.get(c.name)!));
    const current = await currentStudent(notBefore);
    if ('result' in current) return current;
    if (!current.student || stopped) return null;
    let changed = false;
    for (const c of files) {
      if (bindings.has(c.name) || asking.has(c.name) || !candidates.has(c.name)) continue;
      bind(c.name, current.student, c.ino);
      changed = true;
    }
    if (changed) await persist();
    return null;
  }

  function retryLater(c: Candidate, result: HttpResult): void {
    if (stopped) return;
    c.attempts++;
    const inMs = backoff(c.attempts);
    c.nextAttemptAt = Date.now() + inMs;
    const err = answerError(result);
    emit({ event: 'retrying', file: c.name, reason: err.code === 'NETWORK' ? err.message : `${err.code}: ${err.message}`, inMs });
  }

  async function refuse(c: Candidate, code: string, message: string, studentId?: string): Promise<void> {
    await saveRecord({ name: c.name, size: c.size, mtimeMs: c.mtimeMs, sha256: c.sha256!, status: 'refused', studentId, code, message: scrubNationalIds(message), at: new Date().toISOString() });
    c.phase = 'done';
    counts.refused++;
    emit({ event: 'refused', file: c.name, code, message });
  }

  async function upload(c: Candidate): Promise<void> {
    const key = recordKey(c.name, c.size, c.mtimeMs, c.sha256!);
    const inFlight = state.files[key]?.status === 'in-flight' ? state.files[key] : undefined;
    let studentId: string;
    let studentNo: string;
    if (inFlight?.studentId) {
      // Sent before (the agent stopped before the answer): the same student, whoever stands there now.
      const found = await studentNoOf(inFlight.studentId);
      if ('result' in found) {
        if (isTransient(found.result)) return retryLater(c, found.result);
        const err = answerError(found.result);
        return refuse(c, err.code, err.message, inFlight.studentId);
      }
      studentId = inFlight.studentId;
      studentNo = found.studentNo;
    } else {
      if (asking.has(c.name)) return; // its first-sight question is under way
      let bound = bindings.get(c.name);
      if (!bound) {
        const late = await bindLate([c]);
        if (late) return retryLater(c, late.result);
        bound = bindings.get(c.name);
      }
      if (!bound) {
        if (c.announced !== 'no-student') {
          c.announced = 'no-student';
          emit({ event: 'waiting', file: c.name, reason: 'no-student' });
        }
        return;
      }
      studentId = bound.studentId;
      if (bound.studentNo === undefined) {
        // Bound before a restart: the state file keeps no student number, so it is asked for by the student id.
        const found = await studentNoOf(studentId);
        if ('result' in found) {
          if (isTransient(found.result)) return retryLater(c, found.result);
          const err = answerError(found.result);
          return refuse(c, err.code, err.message, studentId);
        }
        bound.studentNo = found.studentNo;
      }
      studentNo = bound.studentNo;
      await saveRecord({ name: c.name, size: c.size, mtimeMs: c.mtimeMs, sha256: c.sha256!, status: 'in-flight', studentId, at: new Date().toISOString() });
    }
    c.announced = undefined;

    // Read again: the bytes sent are the bytes hashed; a file changed since it settled settles again.
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(path.join(dir, c.name));
    } catch {
      candidates.delete(c.name);
      return;
    }
    if (sha256Hex(bytes) !== c.sha256) {
      Object.assign(c, { phase: 'settling', changedAt: Date.now(), size: bytes.length, sha256: undefined });
      return;
    }
    const result = await authed('POST', '/api/photos', () => buildUploadForm({ bytes, sha256: c.sha256!, studentNo, station }));
    if (result.kind === 'answer' && (result.status === 200 || result.status === 201)) {
      const parsed = UploadAnswerSchema.safeParse(result.body);
      if (!parsed.success) return retryLater(c, { kind: 'answer', status: 502, body: null });
      const report = parsed.data;
      const failed = report.checks.filter((x) => x.status === 'fail');
      await saveRecord({ name: c.name, size: c.size, mtimeMs: c.mtimeMs, sha256: c.sha256!, status: 'uploaded', studentId, photoId: report.id, accepted: report.accepted, at: new Date().toISOString() });
      c.phase = 'done';
      counts.uploaded++;
      emit(
        { event: 'uploaded', file: c.name, photoId: report.id, accepted: report.accepted, failedChecks: failed.map((x) => x.id), duplicate: result.status === 200 },
        failed.map((x) => `${x.id}: ${x.message}`),
      );
      return;
    }
    const err = answerError(result);
    if (err.code === 'PHOTO_CHECKSUM_MISMATCH') {
      // The server did not receive what was read: a transport fault. Send again, a few times.
      c.checksumFailures++;
      if (c.checksumFailures < opts.checksumAttempts) return retryLater(c, result);
      return refuse(c, err.code, err.message, studentId);
    }
    if (isTransient(result)) return retryLater(c, result);
    return refuse(c, err.code, err.message, studentId);
  }

  // ── the loop ──

  function pendingCount(): number {
    return [...candidates.values()].filter((c) => c.phase !== 'done').length;
  }

  async function run(): Promise<{ uploaded: number; refused: number; pending: number }> {
    await fsp.mkdir(path.dirname(stateFile), { recursive: true, mode: 0o700 });
    releaseLock = takeLock(`${stateFile}.lock`, opts.lang);
    state = readStateFileReporting();
    for (const r of Object.values(state.files)) index(r);
    emit({ event: 'started', station, dir, server, stateFile });
    try {
      watcher = fs.watch(dir, { persistent: false }, (_type, filename) => {
        rescanDue = true;
        if (signedIn && !stopped && typeof filename === 'string') {
          const notice: Promise<void> = noticed(filename)
            .catch(() => undefined)
            .finally(() => notices.delete(notice));
          notices.add(notice);
        }
        wake?.();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = null; // the periodic rescan carries on
      });
    } catch {
      watcher = null;
    }
    // Sign in first: a wrong password or a missing one-time code stops the agent at once.
    for (let attempt = 1; !stopped; attempt++) {
      const answer = await login();
      if (answer.kind === 'answer' && answer.status === 200) break;
      if (opts.once && attempt >= opts.onceAttempts) throw new Error(answerError(answer).message);
      const inMs = backoff(attempt);
      emit({ event: 'retrying', file: null, reason: answerError(answer).message, inMs });
      await sleep(inMs);
    }
    signedIn = true;
    let nextLateAsk = 0;
    let lateFailures = 0;
    while (!stopped) {
      if (rescanDue || Date.now() - lastScan >= opts.rescanMs) await scan();
      const ordered = [...candidates.values()].filter((c) => c.phase !== 'done' && (!opts.once || c.initial)).sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
      // Files still being written that nobody was named for at first sight: bound as soon as someone is.
      const unbound = ordered.filter((c) => c.phase === 'settling' && !bindings.has(c.name) && !asking.has(c.name));
      if (unbound.length > 0 && Date.now() >= nextLateAsk) {
        const failed = await bindLate(unbound);
        lateFailures = failed ? lateFailures + 1 : 0;
        nextLateAsk = Date.now() + (failed ? backoff(lateFailures) : 500);
      }
      for (const c of ordered) {
        if (stopped) break;
        if (c.phase === 'settling') await settle(c);
        if (c.phase === 'ready' && Date.now() >= c.nextAttemptAt) await upload(c);
      }
      if (opts.once) {
        const left = [...candidates.values()].filter((c) => c.initial && c.phase !== 'done');
        const blocked = left.every((c) => c.phase === 'ready' && (c.announced === 'no-student' || c.attempts >= opts.onceAttempts));
        if (left.length === 0 || blocked) break;
      }
      await sleep(tickMs);
    }
    watcher?.close();
    await Promise.allSettled([...notices]);
    await writing;
    const pending = opts.once ? [...candidates.values()].filter((c) => c.initial && c.phase !== 'done').length : pendingCount();
    const summary = { ...counts, pending };
    emit({ event: 'stopped', ...summary });
    return summary;
  }

  function readStateFileReporting(): StateFile {
    const { state: loaded, damaged } = readStateFile(stateFile);
    if (damaged) {
      const message = opts.lang === 'en' ? `The state file was damaged and was kept as ${damaged}; starting afresh (the server recognises files it already has).` : `状态文件已损坏，已另存为 ${damaged}；重新开始（服务器会识别已收到的文件）。`;
      print(opts.json ? JSON.stringify({ event: 'warning', message }) : message);
    }
    return loaded;
  }

  const done = run().then(
    (summary) => {
      releaseLock();
      return summary;
    },
    (e: unknown) => {
      stopped = true;
      watcher?.close();
      releaseLock();
      throw e;
    },
  );

  return {
    done,
    stop: async () => {
      stopped = true;
      stopping.abort();
      wake?.();
      await done.catch(() => undefined);
    },
  };
}

// ───────────────────────────── the command ─────────────────────────────

/** Reads a line without echoing it (a password or a one-time code at a terminal). */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput?: (s: string) => void };
    process.stderr.write(question);
    output._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

function positiveMs(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3_600_000) throw new AppError('VALIDATION_FAILED', { params: { detail: `${flag} ${value}` } });
  return n;
}

interface WatchCliOptions {
  station: string;
  server: string;
  user?: string;
  totp?: string;
  once?: boolean;
  json?: boolean;
  settleMs?: string;
  incompleteMs?: string;
  rescanMs?: string;
  state?: string;
  allowHttp?: boolean;
}

/** localhost, 127.0.0.0/8 and ::1: traffic that never leaves this computer. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** `gradphoto station watch …`, registered by main.ts on its `station` command. */
export function addStationWatchCommand(stationCommand: Command, langOf: () => Lang): void {
  stationCommand
    .command('watch <dir>')
    .description('hot-folder agent: uploads each new camera JPEG in DIR once, for the student set at the station (password: $GRADPHOTO_PASSWORD or asked)')
    .requiredOption('--station <id>', 'station id, e.g. beijing-1')
    .requiredOption('--server <url>', 'gradphoto server, e.g. https://photo.example.edu.cn')
    .option('--allow-http', 'accept plain http:// to a host other than this computer (faces and the password travel unencrypted: A3 forbids it in production)')
    .addOption(new Option('--user <name>', 'account (operator)').env('GRADPHOTO_USER'))
    .addOption(new Option('--totp <code>', 'one-time code, when the account has two-step sign-in').env('GRADPHOTO_TOTP'))
    .option('--once', 'process the files present now, then exit')
    .option('--json', 'one JSON line per event')
    .option('--settle-ms <ms>', 'unchanged this long = written', '1000')
    .option('--incomplete-ms <ms>', 'a JPEG without its end marker is sent after this long unchanged', '15000')
    .option('--rescan-ms <ms>', 'full rescan period besides file-system events', '2000')
    .option('--state <file>', 'state file (default DIR/.gradphoto/state.json)')
    .action(async (dir: string, o: WatchCliOptions) => {
      const lang = langOf();
      const bad = (detail: string) => new AppError('VALIDATION_FAILED', { params: { detail } });
      if (!StationIdSchema.safeParse(o.station).success) throw bad(`--station ${o.station}: lowercase letters, digits and -, 1–32`);
      let url: URL;
      try {
        url = new URL(o.server);
      } catch {
        throw bad(`--server ${o.server}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`--server ${o.server}: http:// or https://`);
      // A3: capture data is transferred encrypted. Plain http only to this computer, or when asked for explicitly.
      if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !o.allowHttp) {
        throw bad(
          lang === 'en'
            ? `--server ${o.server}: photos and the password would travel unencrypted; use https:// (or --allow-http on a test network)`
            : `--server ${o.server}：照片和密码将以明文传输，请使用 https://（测试网络可加 --allow-http）`,
        );
      }
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw bad(lang === 'en' ? `no such folder: ${dir}` : `文件夹不存在：${dir}`);
      if (!o.user) throw bad(lang === 'en' ? '--user (or $GRADPHOTO_USER) is required' : '需要 --user（或环境变量 GRADPHOTO_USER）');
      let password = process.env.GRADPHOTO_PASSWORD;
      if (!password) {
        if (!process.stdin.isTTY) throw bad(lang === 'en' ? 'set $GRADPHOTO_PASSWORD (not a terminal: cannot ask)' : '请设置环境变量 GRADPHOTO_PASSWORD（非交互终端，无法询问密码）');
        password = await askHidden(lang === 'en' ? `Password for ${o.user}: ` : `${o.user} 的密码：`);
      }
      let totpGiven = o.totp;
      const totp = async () => {
        if (totpGiven) {
          const code = totpGiven;
          totpGiven = undefined; // a code is good once (RFC 6238): later sign-ins ask again
          return code;
        }
        if (!process.stdin.isTTY) return undefined;
        return (await askHidden(lang === 'en' ? 'One-time code: ' : '动态验证码：')).trim();
      };
      const agent = startStationWatch({
        dir,
        station: o.station,
        server: url.origin + url.pathname.replace(/\/+$/, ''),
        user: o.user,
        password,
        totp,
        once: o.once === true,
        json: o.json === true,
        lang,
        settleMs: positiveMs('--settle-ms', o.settleMs, 1000),
        incompleteMs: positiveMs('--incomplete-ms', o.incompleteMs, 15_000),
        rescanMs: positiveMs('--rescan-ms', o.rescanMs, 2000),
        stateFile: o.state,
      });
      const stop = () => void agent.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const summary = await agent.done;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (o.once && summary.pending > 0) process.exitCode = 1;
    });
}
