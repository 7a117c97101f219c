// A small stand-in for the gradphoto API on a real local HTTP server (node:http), for the unit tests of the
// station agent's modules (src/cli/station/). It speaks the five calls the agent makes — login, getStation,
// getStudent, uploadPhoto — with the real contracts' shapes, so the agent's HTTP client and loop are tested
// over real sockets without the whole server. The agent against the real server is src/cli/station-watch.test.ts.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PhotoReport } from '../../src/contracts/photo.js';
import type { Station } from '../../src/contracts/station.js';

export interface FakeUpload {
  studentNo: string;
  sha256: string;
  station: string;
  fileName: string;
  /** SHA-256 of the bytes that arrived */
  received: string;
  status: number;
}

export interface FakeGradphoto {
  url: string;
  /** studentId → studentNo (the roster) */
  students: Map<string, string>;
  /** the student named at each station (its id), absent = nobody */
  stations: Map<string, string>;
  /** every request as received: method, path, whether it carried a valid session, its Accept-Language */
  requests: { method: string; path: string; authed: boolean; lang: string | undefined }[];
  /** every uploadPhoto that reached the photo handler */
  uploads: FakeUpload[];
  /** set: the account has two-step sign-in and this is the only good code */
  totpCode: string | undefined;
  /** answers a request before the normal handling (a failure, a refusal); undefined = handle normally */
  intercept: ((req: { method: string; path: string }) => { status: number; body: unknown } | 'drop' | undefined) | undefined;
  /** signs every session out (the next authed call gets a 401) */
  signOutAll(): void;
  close(): Promise<void>;
}

export const FAKE_USER = 'operator';
export const FAKE_PASSWORD = 'correct horse';

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};
const error = (res: http.ServerResponse, status: number, code: string, message = code) => json(res, status, { error: { code, message } });

export async function startFakeGradphoto(): Promise<FakeGradphoto> {
  const sessions = new Set<string>();
  const photosBySha = new Map<string, { id: string; studentId: string }>();
  const fake: Omit<FakeGradphoto, 'url' | 'close'> = {
    students: new Map(),
    stations: new Map(),
    requests: [],
    uploads: [],
    totpCode: undefined,
    intercept: undefined,
    signOutAll: () => sessions.clear(),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch((e: unknown) => error(res, 500, 'INTERNAL', String(e)));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const session = /gp_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const authed = session !== undefined && sessions.has(session);
    fake.requests.push({ method, path, authed, lang: req.headers['accept-language'] });
    const override = fake.intercept?.({ method, path });
    if (override === 'drop') return void req.socket.destroy();
    if (override) return json(res, override.status, override.body);

    if (method === 'POST' && path === '/api/auth/login') {
      const input = JSON.parse(body.toString('utf8')) as { username?: string; password?: string; totp?: string };
      if (input.username !== FAKE_USER || input.password !== FAKE_PASSWORD) return error(res, 401, 'INVALID_CREDENTIALS', 'Wrong username or password');
      if (fake.totpCode !== undefined && input.totp === undefined) return error(res, 401, 'TOTP_REQUIRED');
      if (fake.totpCode !== undefined && input.totp !== fake.totpCode) return error(res, 401, 'TOTP_INVALID');
      const id = crypto.randomBytes(8).toString('hex');
      sessions.add(id);
      return json(res, 200, { ok: true }, { 'set-cookie': `gp_session=${id}; Path=/; HttpOnly; SameSite=Lax` });
    }
    if (!authed) return error(res, 401, 'UNAUTHENTICATED');

    const stationMatch = /^\/api\/stations\/([a-z0-9-]+)$/.exec(path);
    if (method === 'GET' && stationMatch) {
      const studentId = fake.stations.get(stationMatch[1]!);
      const studentNo = studentId === undefined ? undefined : fake.students.get(studentId);
      const station: Station = {
        id: stationMatch[1]!,
        currentStudent: studentId && studentNo ? { studentId, studentNo, name: '张*三', nameMasked: true, department: '计算机学院', decision: 'required' } : null,
        updatedAt: null,
      };
      return json(res, 200, station);
    }
    const studentMatch = /^\/api\/students\/([^/]+)$/.exec(path);
    if (method === 'GET' && studentMatch) {
      const studentNo = fake.students.get(decodeURIComponent(studentMatch[1]!));
      if (!studentNo) return error(res, 404, 'STUDENT_NOT_FOUND', 'no such student');
      return json(res, 200, { id: studentMatch[1], studentNo });
    }
    if (method === 'POST' && path === '/api/photos') {
      // undici parses the multipart body as the server's multipart reader would see it
      const form = await new Response(new Uint8Array(body), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      const file = form.get('file') as File;
      const bytes = Buffer.from(await file.arrayBuffer());
      const received = crypto.createHash('sha256').update(bytes).digest('hex');
      const upload = { studentNo: String(form.get('studentNo')), sha256: String(form.get('sha256')), station: String(form.get('station')), fileName: file.name, received, status: 0 };
      fake.uploads.push(upload);
      if (received !== upload.sha256) return error(res, (upload.status = 422), 'PHOTO_CHECKSUM_MISMATCH', 'the file did not arrive intact');
      const studentId = [...fake.students].find(([, no]) => no === upload.studentNo)?.[0];
      if (!studentId) return error(res, (upload.status = 404), 'STUDENT_NOT_FOUND', 'no such student');
      const known = photosBySha.get(received);
      const photo = known ?? { id: crypto.randomUUID(), studentId };
      photosBySha.set(received, photo);
      const report: PhotoReport = { id: photo.id, studentId: photo.studentId, createdAt: new Date().toISOString(), station: upload.station, checks: [], accepted: true, confirmed: false, invalid: null, hasImage: true, confirmations: [] };
      return json(res, (upload.status = known ? 200 : 201), report);
    }
    return error(res, 404, 'NOT_FOUND');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
