import type { z } from 'zod';
import { ErrorBodySchema } from '../../contracts/common.js';
import i18n from '../i18n/index.js';

/** An error answered by the server (`{ error: { code, message, details } }`) or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Called on every 401 from an API call (except the login itself), so the app can go to /login. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** The value of Accept-Language for the current UI language, so server messages match it. */
export function acceptLanguage(): string {
  return i18n.language === 'en' ? 'en,zh-CN;q=0.5' : 'zh-CN,zh;q=0.9';
}

/** Query string without empty values. */
export function toQuery(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Turns a non-2xx answer into an ApiError, reading the error body when there is one. */
export function errorFromResponse(status: number, bodyText: string, url: string): ApiError {
  let parsed: unknown;
  try {
    parsed = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    parsed = undefined;
  }
  const body = ErrorBodySchema.safeParse(parsed);
  // A refused sign-in (password or mail link) is an answer on its page, not a session that ended.
  if (status === 401 && !url.startsWith('/api/auth/login') && !url.startsWith('/api/auth/signin-link')) {
    for (const listener of unauthorizedListeners) listener();
  }
  if (body.success) return new ApiError(status, body.data.error.code, body.data.error.message, body.data.error.details);
  return new ApiError(status, `HTTP_${status}`, i18n.t('errors.http', { status }));
}

interface RequestOptions<S extends z.ZodType> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  schema?: S;
  signal?: AbortSignal;
  /** extra request headers (Idempotency-Key) */
  headers?: Record<string, string>;
}

/**
 * Same-origin JSON call to the API. The answer is checked against its contract schema when one is
 * given: a mismatch is a bug on one side and is reported as such, not silently accepted.
 */
export async function api<S extends z.ZodType = z.ZodUnknown>(url: string, options: RequestOptions<S> = {}): Promise<z.infer<S>> {
  const headers: Record<string, string> = { ...options.headers, Accept: 'application/json', 'Accept-Language': acceptLanguage() };
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', i18n.t('errors.network'));
  }
  const text = await response.text();
  if (!response.ok) throw errorFromResponse(response.status, text, url);
  if (response.status === 204 || !text) return undefined as z.infer<S>;
  const json: unknown = JSON.parse(text);
  if (!options.schema) return json as z.infer<S>;
  const checked = options.schema.safeParse(json);
  if (!checked.success) {
    console.error(`Answer of ${url} does not match its contract`, checked.error.issues, json);
    throw new ApiError(response.status, 'CONTRACT_MISMATCH', i18n.t('errors.contract', { url }), checked.error.issues);
  }
  return checked.data;
}

/**
 * Multipart upload with progress (fetch has no upload progress): field `file`.
 * `onProgress` gets 0..1 while the bytes go up; after that the server works and the caller shows a spinner.
 */
export function uploadFile<S extends z.ZodType>(
  url: string,
  file: File,
  schema: S,
  onProgress?: (fraction: number) => void,
  /** form fields sent before the file (e.g. the roster's confirmRemovals) */
  fields: Record<string, string> = {},
): Promise<z.infer<S>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', acceptLanguage());
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    };
    xhr.upload.onload = () => onProgress?.(1);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', i18n.t('errors.network')));
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(errorFromResponse(xhr.status, xhr.responseText, url));
        return;
      }
      try {
        const checked = schema.safeParse(JSON.parse(xhr.responseText));
        if (checked.success) resolve(checked.data);
        else {
          console.error(`Answer of ${url} does not match its contract`, checked.error.issues);
          reject(new ApiError(xhr.status, 'CONTRACT_MISMATCH', i18n.t('errors.contract', { url }), checked.error.issues));
        }
      } catch {
        reject(new ApiError(xhr.status, 'BAD_JSON', i18n.t('errors.http', { status: xhr.status })));
      }
    };
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/** Downloads a file answer (xlsx export) through fetch, so errors show as messages, not as a JSON page. */
/** Downloads a file; returns the response's headers (e.g. a count the server adds). */
export async function download(url: string, fallbackName: string): Promise<Headers> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', headers: { 'Accept-Language': acceptLanguage() } });
  } catch {
    throw new ApiError(0, 'NETWORK', i18n.t('errors.network'));
  }
  if (!response.ok) throw errorFromResponse(response.status, await response.text(), url);
  const blob = await response.blob();
  const name = fileNameFromDisposition(response.headers.get('Content-Disposition')) ?? fallbackName;
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return response.headers;
}

function fileNameFromDisposition(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  return plain?.[1]?.trim();
}
