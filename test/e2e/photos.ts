// Photos and sign-in for the after-capture journeys (issue 10): one copy of what the exports, prints,
// retention, corrections and after-capture journeys each need to photograph students over the real API.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './server.js';

/** The portrait every journey photographs: it passes the automatic checks. */
export const PORTRAIT = path.join(ROOT, 'test', 'fixtures', 'photos', 'id-blue-12mp.jpg');

/** The same portrait with a JPEG comment naming `label`: a distinct file (and SHA-256) per upload. */
export function distinctShot(label: string, file = PORTRAIT): Buffer {
  const jpeg = readFileSync(file);
  const text = Buffer.from(`gradphoto journey ${label}`, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, jpeg.subarray(2)]);
}

/** Signs in over the API and answers the session's Cookie header. */
export async function sessionCookie(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/**
 * Uploads a shot of `studentNo` at `station` (default beijing-1) as the cookie's account; answers the photo's id.
 * `label` makes the bytes distinct (default: the student number); the upload must pass the checks unless `mayFail`.
 */
export async function uploadShot(baseUrl: string, cookie: string, studentNo: string, opts: { label?: string; station?: string; mayFail?: boolean } = {}): Promise<string> {
  const form = new FormData();
  form.append('studentNo', studentNo);
  form.append('station', opts.station ?? 'beijing-1');
  form.append('file', new Blob([new Uint8Array(distinctShot(opts.label ?? studentNo))], { type: 'image/jpeg' }), 'IMG.JPG');
  const res = await fetch(`${baseUrl}/api/photos`, { method: 'POST', headers: { Cookie: cookie }, body: form });
  const body = (await res.json()) as { id: string; accepted: boolean };
  if (res.status >= 300) throw new Error(`upload ${studentNo}: ${res.status} ${JSON.stringify(body)}`);
  if (!opts.mayFail && !body.accepted) throw new Error(`upload ${studentNo}: the checks refused the shot`);
  return body.id;
}
