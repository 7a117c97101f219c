// The station agent's side of the gradphoto API: sign-in (with a one-time code when the account has two-step
// sign-in), calls with the session (a 401 signs in again once), the upload request of one camera file with the
// SHA-256 of exactly the bytes sent, which answers are worth retrying and after how long, and the rule that
// faces and the password never travel over plain http to another computer unless asked for (A3).
import { z } from 'zod';
import { PhotoCheckSchema, PhotoReportSchema } from '../../contracts/photo.js';
import { StationSchema } from '../../contracts/station.js';
import { AppError } from '../../domain/errors.js';
import type { Lang } from '../../domain/i18n.js';

export type HttpResult = { kind: 'answer'; status: number; body: unknown } | { kind: 'network'; error: unknown };

/** What the agent reads of uploadPhoto's answer (the station's screen shows the rest). */
// `measured` is optional here: an agent of this version still reads a server from before it existed
const UploadAnswerSchema = PhotoReportSchema.pick({ id: true, accepted: true }).extend({ checks: z.array(PhotoCheckSchema.partial({ measured: true })) });
const ErrorAnswerSchema = z.object({ error: z.looseObject({ code: z.string(), message: z.string() }) });

/** localhost, 127.0.0.0/8 and ::1: traffic that never leaves this computer. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The --server URL, checked: http(s) only, and plain http only to this computer unless `allowHttp` (A3). */
export function parseServerUrl(server: string, allowHttp: boolean, lang: Lang): URL {
  const bad = (detail: string) => new AppError('VALIDATION_FAILED', { params: { detail } });
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw bad(`--server ${server}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`--server ${server}: http:// or https://`);
  // A3: capture data is transferred encrypted. Plain http only to this computer, or when asked for explicitly.
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowHttp) {
    throw bad(
      lang === 'en'
        ? `--server ${server}: photos and the password would travel unencrypted; use https:// (or --allow-http on a test network)`
        : `--server ${server}：照片和密码将以明文传输，请使用 https://（测试网络可加 --allow-http）`,
    );
  }
  return url;
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

/** Exponential backoff: `baseMs` for the first attempt, doubled per attempt, never above `maxMs`. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Transient: worth asking again later (the file is kept). A file is never given up because the server was
 * away: network errors, 5xx, 429 and 408; 403 (a role being fixed) and 401 (signed out meanwhile) too.
 */
export function isTransient(result: HttpResult): boolean {
  if (result.kind === 'network') return true;
  return result.status >= 500 || result.status === 429 || result.status === 408 || result.status === 403 || result.status === 401;
}

function networkReason(e: unknown, lang: Lang): string {
  type Failure = { name?: string; code?: string; message?: string; cause?: Failure; errors?: Failure[] };
  const f = e as Failure;
  const cause = f.cause?.code ?? f.cause?.errors?.[0]?.code ?? f.code ?? (f.name === 'TimeoutError' || f.name === 'AbortError' ? f.name : f.cause?.message ?? f.message ?? 'error');
  return lang === 'en' ? `cannot reach the server (${cause})` : `无法连接服务器（${cause}）`;
}

/** The code and message of a failed call: the server's error body, `NETWORK`, or `HTTP_<status>`. */
export function answerError(result: HttpResult, lang: Lang): { code: string; message: string } {
  if (result.kind === 'network') return { code: 'NETWORK', message: networkReason(result.error, lang) };
  const parsed = ErrorAnswerSchema.safeParse(result.body);
  if (parsed.success) return { code: parsed.data.error.code, message: parsed.data.error.message };
  return { code: `HTTP_${result.status}`, message: `HTTP ${result.status}` };
}

export interface ServerClientOptions {
  /** base URL without a trailing slash */
  server: string;
  user: string;
  password: string;
  /** a one-time code when the account has two-step sign-in: asked for at each sign-in */
  totp?: (() => Promise<string | undefined>) | undefined;
  lang: Lang;
  fetch: typeof fetch;
  /** aborts every request under way (the agent stopping) */
  stopping: AbortSignal;
}

export interface ServerClient {
  /** Signs in; wrong credentials are fatal (thrown AppError), an unreachable server is the caller's to retry. */
  login(): Promise<HttpResult>;
  /** A call with the session; signs in first if needed, and once more on a 401. */
  authed(method: string, url: string, body?: () => FormData | string): Promise<HttpResult>;
  /** getStation: the station and its current student. */
  getStation(station: string): Promise<{ station: z.infer<typeof StationSchema> } | { result: HttpResult }>;
  /** The student number for an opaque student id (the state file keeps only the id). */
  getStudentNo(studentId: string): Promise<{ studentNo: string } | { result: HttpResult }>;
  /**
   * uploadPhoto: `duplicate` when the server already had these bytes (200, same photo). A 2xx answer the agent
   * cannot read is returned as a 502 result: transient, sent again (the server recognises the bytes).
   */
  uploadPhoto(input: { bytes: Buffer; sha256: string; studentNo: string; station: string }): Promise<{ report: z.infer<typeof UploadAnswerSchema>; duplicate: boolean } | { result: HttpResult }>;
}

export function createServerClient(opts: ServerClientOptions): ServerClient {
  const doFetch = opts.fetch;
  const signal = (ms: number) => AbortSignal.any([opts.stopping, AbortSignal.timeout(ms)]);
  const acceptLanguage = opts.lang === 'en' ? 'en' : 'zh-CN';
  let cookie: string | null = null;

  async function request(method: string, url: string, body?: FormData | string): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/json', 'accept-language': acceptLanguage };
    if (cookie) headers.cookie = cookie;
    if (typeof body === 'string') headers['content-type'] = 'application/json';
    try {
      const res = await doFetch(`${opts.server}${url}`, { method, headers, body, signal: signal(120_000) });
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

  async function login(): Promise<HttpResult> {
    cookie = null;
    const send = async (totp?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'accept-language': acceptLanguage };
      try {
        const res = await doFetch(`${opts.server}/api/auth/login`, {
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

  return {
    login,
    authed,
    async getStation(station) {
      const result = await authed('GET', `/api/stations/${station}`);
      if (result.kind === 'answer' && result.status === 200) {
        const parsed = StationSchema.safeParse(result.body);
        if (parsed.success) return { station: parsed.data };
      }
      return { result };
    },
    async getStudentNo(studentId) {
      const result = await authed('GET', `/api/students/${encodeURIComponent(studentId)}`);
      if (result.kind === 'answer' && result.status === 200) {
        const no = (result.body as { studentNo?: unknown } | null)?.studentNo;
        if (typeof no === 'string') return { studentNo: no };
      }
      return { result };
    },
    async uploadPhoto(input) {
      const result = await authed('POST', '/api/photos', () => buildUploadForm(input));
      if (result.kind === 'answer' && (result.status === 200 || result.status === 201)) {
        const parsed = UploadAnswerSchema.safeParse(result.body);
        if (!parsed.success) return { result: { kind: 'answer', status: 502, body: null } };
        return { report: parsed.data, duplicate: result.status === 200 };
      }
      return { result };
    },
  };
}
