// The photo API over real HTTP, once per database (issue #4 parts 6–10; rules C3, E4–E7, A3): upload and
// report, the same bytes twice, several shots and one confirmed, voiding, serving with no-store and an
// audit event per view, the roles, every bad input of the issue, an upload cut off half-way, no plaintext
// on disk, key rotation, and E7 after a roster change.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rosterCsv, rosterRow, type RosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { PhotoListSchema, PhotoReportSchema, type PhotoReport } from '../contracts/photo.js';
import type { Actor } from '../services/deps.js';
import { SYSTEM } from '../services/deps.js';
import { getPhotoImage, KEY_RETIREMENT_GRACE_MS, rotatePhotoKeys, sweepOrphanBlobs } from '../services/photo.service.js';
import { applyRosterImport } from '../services/roster.service.js';

const FIXTURES = path.resolve('test/fixtures/photos');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));
interface ManifestEntry {
  file: string;
  kind: string;
  expect: { code?: string; params?: Record<string, unknown> };
}
const manifest = () => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as { fixtures: ManifestEntry[] };

/** The same accepted photo as different bytes: a JPEG comment segment (COM) right after SOI. */
function shot(jpeg: Buffer, label: string): Buffer {
  const text = Buffer.from(`gradphoto test shot ${label}`, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, jpeg.subarray(2)]);
}
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
/** Runs of 64 bytes with many distinct values (compressed picture data): any copy of them on disk is the image. */
function highEntropyRuns(bytes: Buffer, n: number): Buffer[] {
  const runs: Buffer[] = [];
  for (let at = Math.floor(bytes.length / 3); at + 64 <= bytes.length && runs.length < n; at += 8191) {
    const run = bytes.subarray(at, at + 64);
    if (new Set(run).size >= 48) runs.push(run);
  }
  if (runs.length < n) throw new Error('no high-entropy runs found in the photo');
  return runs;
}

const NO = {
  a: '2401100001',
  b: '2401100002',
  c: '2401100003',
  d: '2401100004',
  e7: '2401100005',
  single: '2401100006', // 单证 (E6)
  aborted: '2401100007',
  other: '2401100008',
} as const;
const ROSTER: RosterRow[] = [
  rosterRow(NO.a, { 身份证号: '11010519491231002X' }),
  rosterRow(NO.b),
  rosterRow(NO.c),
  rosterRow(NO.d),
  rosterRow(NO.e7),
  rosterRow(NO.single, { 证书类型: '单证' }),
  rosterRow(NO.aborted),
  rosterRow(NO.other),
];

type Caller = 'admin' | 'secretary' | 'operator' | 'cashier' | 'student' | 'anonymous';
type Res = { status: number; headers: Headers; body: Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } }; raw: Buffer };

// Each upload runs the whole pipeline (decode, detect, crop, check, encrypt) on a 12 MP photo.
vi.setConfig({ testTimeout: 60_000 });

describe.each(DIALECTS)('photo API on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let admin: Actor;
  let portrait: Buffer;
  let grey: Buffer;
  const cookies = new Map<Caller, string>();
  let shots = 0;
  const nextShot = () => shot(portrait, `${dialect}-${++shots}`);

  const request = async (caller: Caller, url: string, init: { method?: string; json?: unknown; form?: FormData; lang?: string } = {}): Promise<Res> => {
    const headers: Record<string, string> = {};
    const cookie = cookies.get(caller);
    if (cookie) headers.cookie = cookie;
    if (init.lang) headers['accept-language'] = init.lang;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${url}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
    });
    const raw = Buffer.from(await res.arrayBuffer());
    const isJson = (res.headers.get('content-type') ?? '').includes('json');
    return { status: res.status, headers: res.headers, raw, body: isJson && raw.length ? JSON.parse(raw.toString('utf8')) : {} };
  };
  const form = (bytes: Buffer, fields: Record<string, string>, fileFirst = false) => {
    const f = new FormData();
    const file = () => f.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'IMG_0001.JPG');
    if (fileFirst) file();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    if (!fileFirst) file();
    return f;
  };
  const upload = (caller: Caller, bytes: Buffer, fields: Record<string, string>, opts: { fileFirst?: boolean; lang?: string } = {}) =>
    request(caller, '/api/photos', { method: 'POST', form: form(bytes, fields, opts.fileFirst), lang: opts.lang });
  const expectError = (res: Res, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    const parsed = ErrorBodySchema.parse(res.body);
    expect(parsed.error.code).toBe(code);
    return parsed.error;
  };
  const report = (res: Res, status = 201): PhotoReport => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return PhotoReportSchema.parse(res.body);
  };
  const db = () => rt.deps.db.db;
  const blobFiles = (): string[] => {
    const root = path.join(rt.dataDir, 'blobs');
    if (!fs.existsSync(root)) return [];
    return fs.readdirSync(root).flatMap((d) => fs.readdirSync(path.join(root, d)).map((f) => path.join(root, d, f)));
  };
  const studentId = async (no: string) => (await db().selectFrom('students').select('id').where('student_no', '=', no).executeTakeFirstOrThrow()).id;
  const photoRows = async (no: string) =>
    db().selectFrom('photos').innerJoin('students', 'students.id', 'photos.student_id').select(['photos.id']).where('students.student_no', '=', no).execute();
  const events = (action: string) => db().selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq').execute();

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    server = await startTestServer(rt.deps);
    admin = await createActor(rt.deps, 'admin', [], 'ph-admin');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster.csv', 'zh');
    await createActor(rt.deps, 'secretary', ['物理学院'], 'ph-secretary');
    await createActor(rt.deps, 'operator', [], 'ph-operator');
    await createActor(rt.deps, 'cashier', [], 'ph-cashier');
    await createActor(rt.deps, 'student', [], NO.b);
    for (const role of ['admin', 'secretary', 'operator', 'cashier'] as const) cookies.set(role, await loginOverHttp(server.url, `ph-${role}`));
    cookies.set('student', await loginOverHttp(server.url, NO.b));
    portrait = fixture('id-blue-12mp.jpg');
    grey = fixture('fault-grey-background.jpg');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('uploads a camera JPEG and answers its checks report (201), in the request language; the image is the 480×640 JPEG', async () => {
    const bytes = nextShot();
    const r = report(await upload('operator', bytes, { studentNo: NO.a, sha256: sha256(bytes), station: 'A-1' }));
    expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.id).not.toContain(NO.a);
    expect(r.studentId).toBe(await studentId(NO.a));
    expect(r.checks.map((c) => c.id).sort()).toEqual(['background', 'exposure', 'faces', 'format', 'geometry', 'pose', 'sharpness']);
    expect(r.accepted, JSON.stringify(r.checks)).toBe(true);
    expect(r.confirmed).toBe(false);
    expect(r.station).toBe('A-1');
    const zh = report(await request('operator', `/api/photos/${r.id}/report`), 200);
    const en = report(await request('operator', `/api/photos/${r.id}/report`, { lang: 'en' }), 200);
    expect(zh.checks.map((c) => c.message)).not.toEqual(en.checks.map((c) => c.message));
    expect(en.checks.every((c) => /^[\x20-\x7e×–—’≤≥°Δ±…·]+$/.test(c.message)), JSON.stringify(en.checks)).toBe(true);
    const img = await request('operator', `/api/photos/${r.id}/image`);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    expect(img.headers.get('cache-control')).toBe('no-store');
    const meta = await sharp(img.raw).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 480, 640]);
    const uploaded = (await events('photo.uploaded')).filter((e) => e.target_id === r.id);
    expect(uploaded).toHaveLength(1);
  });

  it('reads the fields whether they come before or after the file', async () => {
    const bytes = nextShot();
    const r = report(await upload('operator', bytes, { studentNo: NO.c, sha256: sha256(bytes), station: 'A-2' }, { fileFirst: true }));
    expect(r.studentId).toBe(await studentId(NO.c));
    expect(r.station).toBe('A-2');
  });

  it('the same bytes twice are one photo: same id, 200 the second time, no second blob, one event', async () => {
    const bytes = nextShot();
    const before = blobFiles().length;
    const first = report(await upload('operator', bytes, { studentNo: NO.d }));
    const afterFirst = blobFiles().length;
    expect(afterFirst - before).toBe(2); // original + standard
    const second = report(await upload('operator', bytes, { studentNo: NO.d, sha256: sha256(bytes) }), 200);
    expect(second.id).toBe(first.id);
    expect(blobFiles().length).toBe(afterFirst);
    expect((await photoRows(NO.d)).filter((p) => p.id === first.id)).toHaveLength(1);
    expect((await events('photo.uploaded')).filter((e) => e.target_id === first.id)).toHaveLength(1);
  });

  it('a photo without a face: the face count failed, the other checks say "not checked" (measured: false), and the refusal to confirm names the face (L4)', async () => {
    const noFace = shot(fixture('fault-no-face.jpg'), `${dialect}-no-face`);
    const r = report(await upload('operator', noFace, { studentNo: NO.c }));
    expect(r.accepted).toBe(false);
    expect(r.checks.filter((c) => c.measured).map((c) => [c.id, c.status])).toEqual([['faces', 'fail']]);
    expect(r.checks.filter((c) => !c.measured).every((c) => c.status === 'fail' && c.message.startsWith('未检查'))).toBe(true);
    const refused = expectError(await request('operator', `/api/photos/${r.id}/confirm`, { method: 'POST' }), 422, 'PHOTO_NOT_CONFIRMABLE');
    expect(refused.message).toContain(r.checks.find((c) => c.id === 'faces')!.message);
    expect(refused.message).not.toContain('未检查');
    const en = report(await request('operator', `/api/photos/${r.id}/report`, { lang: 'en' }), 200);
    expect(en.checks.filter((c) => !c.measured).map((c) => c.message)).toContain('not checked: there is no face');
  });

  it('several shots, one confirmed (C3): later uploads refused; a shot that failed its checks is not confirmable; a second confirmation is refused', async () => {
    const sid = await studentId(NO.b);
    const s1 = report(await upload('operator', nextShot(), { studentNo: NO.b }));
    rt.clock.advance(60_000);
    const bad = report(await upload('operator', grey, { studentNo: NO.b }));
    expect(bad.accepted).toBe(false);
    expect(bad.checks.find((c) => c.id === 'background')?.status).toBe('fail');
    expect(bad.checks.every((c) => c.measured)).toBe(true);
    rt.clock.advance(60_000);
    const s3 = report(await upload('operator', nextShot(), { studentNo: NO.b }));
    const list = PhotoListSchema.parse((await request('operator', `/api/students/${sid}/photos`)).body);
    expect(list.items.map((p) => p.id)).toEqual([s3.id, bad.id, s1.id]);

    const refused = expectError(await request('operator', `/api/photos/${bad.id}/confirm`, { method: 'POST' }), 422, 'PHOTO_NOT_CONFIRMABLE');
    expect(refused.details).toMatchObject({ failed: expect.arrayContaining(['background']) });
    const confirmed = report(await request('operator', `/api/photos/${s1.id}/confirm`, { method: 'POST' }), 200);
    expect(confirmed.confirmed).toBe(true);
    expect((await events('photo.confirmed')).filter((e) => e.target_id === s1.id)).toHaveLength(1);
    expectError(await request('operator', `/api/photos/${s3.id}/confirm`, { method: 'POST' }), 409, 'PHOTO_ALREADY_CONFIRMED');
    expectError(await request('operator', `/api/photos/${s1.id}/confirm`, { method: 'POST' }), 409, 'PHOTO_ALREADY_CONFIRMED');
    const later = expectError(await upload('operator', nextShot(), { studentNo: NO.b }), 409, 'PHOTO_ALREADY_CONFIRMED');
    expect(later.message).toMatch(/C3/);
    // a retry of a shot already stored answers that shot, even now
    expect(report(await upload('operator', grey, { studentNo: NO.b }), 200).id).toBe(bad.id);
    const listed = PhotoListSchema.parse((await request('student', `/api/students/${sid}/photos`)).body);
    expect(listed.items.filter((p) => p.confirmed).map((p) => p.id)).toEqual([s1.id]);

    // voiding: operators may not; an admin must give a reason; then the student may be photographed again
    expectError(await request('operator', `/api/photos/${s1.id}/void-confirmation`, { method: 'POST', json: { reason: '拍摄时闭眼' } }), 403, 'FORBIDDEN');
    const noReason = expectError(await request('admin', `/api/photos/${s1.id}/void-confirmation`, { method: 'POST', json: { reason: '' } }), 422, 'VOID_REASON_REQUIRED');
    expect(noReason.message).toBe('请填写作废确认的原因（至少 2 个字），确认未作废');
    expectError(await request('admin', `/api/photos/${s1.id}/void-confirmation`, { method: 'POST', json: { reason: ' 错 ' }, lang: 'en' }), 422, 'VOID_REASON_REQUIRED');
    expectError(await request('admin', `/api/photos/${s1.id}/void-confirmation`, { method: 'POST', json: {} }), 400, 'VALIDATION_FAILED');
    expectError(await request('admin', `/api/photos/${s3.id}/void-confirmation`, { method: 'POST', json: { reason: '拍摄时闭眼' } }), 404, 'CONFIRMATION_NOT_FOUND');
    const voided = report(await request('admin', `/api/photos/${s1.id}/void-confirmation`, { method: 'POST', json: { reason: '学生确认时闭眼，院系申请重拍' } }), 200);
    expect(voided.confirmed).toBe(false);
    const voidEvents = (await events('photo.confirmation_voided')).filter((e) => e.target_id === s1.id);
    expect(voidEvents).toHaveLength(1);
    expect(JSON.parse(voidEvents[0]!.details)).toMatchObject({ reason: '学生确认时闭眼，院系申请重拍' });
    report(await upload('operator', nextShot(), { studentNo: NO.b }));
    report(await request('operator', `/api/photos/${s3.id}/confirm`, { method: 'POST' }), 200);
  });

  it('serves the image only to allowed roles, with no-store, and records every view', async () => {
    const r = report(await upload('operator', nextShot(), { studentNo: NO.other }));
    const views = async () => (await events('photo.viewed')).filter((e) => e.target_id === r.id).length;
    const before = await views();
    for (let i = 0; i < 3; i++) {
      const img = await request('admin', `/api/photos/${r.id}/image`);
      expect(img.status).toBe(200);
      expect(img.headers.get('cache-control')).toBe('no-store');
    }
    expect(await views()).toBe(before + 3);
    // secretaries and cashiers: no photos; the student sees only their own; anonymous: sign in first
    for (const caller of ['secretary', 'cashier'] as const) {
      expectError(await request(caller, `/api/photos/${r.id}/image`), 403, 'FORBIDDEN');
      expectError(await request(caller, `/api/photos/${r.id}/report`), 403, 'FORBIDDEN');
      expectError(await request(caller, `/api/students/${await studentId(NO.other)}/photos`), 403, 'FORBIDDEN');
      expectError(await upload(caller, nextShot(), { studentNo: NO.other }), 403, 'FORBIDDEN');
    }
    expectError(await request('student', `/api/photos/${r.id}/image`), 403, 'FORBIDDEN');
    expectError(await request('student', `/api/photos/${r.id}/report`), 403, 'FORBIDDEN');
    expectError(await request('student', `/api/students/${await studentId(NO.other)}/photos`), 403, 'FORBIDDEN');
    expectError(await upload('student', nextShot(), { studentNo: NO.b }), 403, 'FORBIDDEN');
    expectError(await request('student', `/api/photos/${r.id}/confirm`, { method: 'POST' }), 403, 'FORBIDDEN');
    expectError(await request('anonymous', `/api/photos/${r.id}/image`), 401, 'UNAUTHENTICATED');
    expect(await views()).toBe(before + 3);
    // operators photograph faces: they see reports and images (no names in either)
    expect(report(await request('operator', `/api/photos/${r.id}/report`), 200).id).toBe(r.id);
    expect((await request('operator', `/api/photos/${r.id}/image`)).status).toBe(200);
    // the student's own shots
    const own = PhotoListSchema.parse((await request('student', `/api/students/${await studentId(NO.b)}/photos`)).body);
    expect(own.items.length).toBeGreaterThan(0);
    expect((await request('student', `/api/photos/${own.items[0]!.id}/image`)).status).toBe(200);
    expectError(await request('admin', '/api/photos/00000000-0000-0000-0000-000000000000/image'), 404, 'PHOTO_NOT_FOUND');
  });

  it('refuses unknown and excluded students, and a wrong sha256; each refusal audited without the ID number', async () => {
    const before = (await events('photo.upload_refused')).length;
    expectError(await upload('operator', nextShot(), { studentNo: '2409999999' }), 404, 'STUDENT_NOT_FOUND');
    const excluded = expectError(await upload('operator', nextShot(), { studentNo: NO.single }), 422, 'STUDENT_NOT_ELIGIBLE');
    expect(excluded.message).toContain('E6');
    const bytes = nextShot();
    const wrong = sha256(Buffer.concat([bytes, Buffer.from('x')]));
    const mismatch = expectError(await upload('operator', bytes, { studentNo: NO.a, sha256: wrong }, { lang: 'en' }), 422, 'PHOTO_CHECKSUM_MISMATCH');
    expect(mismatch.message).toMatch(/SHA-256/);
    expectError(await upload('operator', bytes, { studentNo: NO.a, sha256: 'not-hex' }), 400, 'VALIDATION_FAILED');
    expectError(await upload('operator', bytes, {}), 400, 'VALIDATION_FAILED');
    const refusals = (await events('photo.upload_refused')).slice(before);
    expect(refusals.map((e) => JSON.parse(e.details).code)).toEqual(['STUDENT_NOT_FOUND', 'STUDENT_NOT_ELIGIBLE', 'PHOTO_CHECKSUM_MISMATCH', 'VALIDATION_FAILED', 'VALIDATION_FAILED']);
    const all = JSON.stringify(await db().selectFrom('audit_events').selectAll().execute());
    expect(all).not.toContain('11010519491231002X');
    expect(await photoRows(NO.single)).toHaveLength(0);
  });

  it('refuses every bad file of the fixtures with its code (0 bytes, 50 MB, pixel bomb, truncated, CMYK, PNG, HEIC, HTML…)', async () => {
    const bad = manifest().fixtures.filter((f) => f.kind === 'bad-input' || f.expect.code);
    expect(bad.map((f) => f.file)).toEqual(expect.arrayContaining(['empty.jpg', 'too-large-50mb.jpg', 'photo.png', 'truncated.jpg']));
    const before = blobFiles().length;
    for (const f of bad) {
      const res = await upload('operator', fixture(f.file), { studentNo: NO.c });
      expect(res.status, `${f.file}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
      const error = ErrorBodySchema.parse(res.body).error;
      expect(error.code, f.file).toBe(f.expect.code);
      if (f.expect.code === 'FILE_TOO_LARGE') expect([res.status, error.message]).toEqual([413, expect.stringContaining('40 MB')]);
      if (f.expect.code === 'PHOTO_FORMAT_UNSUPPORTED') expect(res.status).toBe(415);
    }
    expect(blobFiles().length).toBe(before);
  }, 120_000);

  it('a JPEG whose headers are sound but whose compressed data is corrupt is refused 422 PHOTO_UNREADABLE and audited, not a 500', async () => {
    // A progressive copy of the portrait, with the second scan's spectral range made impossible (Ss > Se):
    // every segment and the EOI are in place, so only decoding the pixels finds the fault.
    const progressive = await sharp(portrait).jpeg({ progressive: true, quality: 85 }).toBuffer();
    const corrupt = Buffer.from(progressive);
    let pos = 2;
    let scans = 0;
    while (scans < 2) {
      const marker = corrupt[pos + 1]!;
      const length = corrupt.readUInt16BE(pos + 2);
      if (marker !== 0xda) {
        pos += 2 + length;
        continue;
      }
      if (++scans === 2) {
        const ss = pos + 5 + 2 * corrupt[pos + 4]!;
        corrupt[ss] = 0x30;
        corrupt[ss + 1] = 0x10;
        break;
      }
      // skip the entropy-coded data: up to the next marker that is not FF00, a restart or a fill byte
      pos += 2 + length;
      for (;;) {
        const ff = corrupt.indexOf(0xff, pos);
        const next = corrupt[ff + 1]!;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) pos = ff + 1;
        else {
          pos = ff;
          break;
        }
      }
    }
    expect(corrupt.subarray(-2).equals(Buffer.from([0xff, 0xd9]))).toBe(true);
    const before = { refused: (await events('photo.upload_refused')).length, blobs: blobFiles().length };
    for (const lang of ['zh', 'en']) {
      const error = expectError(await upload('operator', corrupt, { studentNo: NO.c, station: 'A-9' }, { lang }), 422, 'PHOTO_UNREADABLE');
      // said in words; what the decoder said is in details, not in the sentence (L3)
      expect(error.message).toBe(lang === 'zh' ? '无法解码该照片：照片文件已损坏（可能传输不完整或被改动），请从相机重新导出或重拍' : 'The photo cannot be decoded: the file is damaged (an incomplete copy or an altered file): export it from the camera again, or take the shot again');
      expect(error.details).toMatchObject({ found: expect.stringMatching(/progressive/) });
    }
    const refusals = (await events('photo.upload_refused')).slice(before.refused);
    expect(refusals.map((e) => [e.target_id, JSON.parse(e.details).code, JSON.parse(e.details).station])).toEqual([
      [await studentId(NO.c), 'PHOTO_UNREADABLE', 'A-9'],
      [await studentId(NO.c), 'PHOTO_UNREADABLE', 'A-9'],
    ]);
    expect(blobFiles().length).toBe(before.blobs);
  });

  it('an upload cut off half-way stores nothing: no row, no blob, and the server carries on', async () => {
    const bytes = nextShot();
    const boundary = '----gradphoto' + crypto.randomBytes(8).toString('hex');
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="studentNo"\r\n\r\n${NO.aborted}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="IMG_0002.JPG"\r\nContent-Type: image/jpeg\r\n\r\n`),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const before = { blobs: blobFiles().length, aborted: (await events('photo.upload_refused')).length };
    const { port } = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /api/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookies.get('operator')}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        socket.write(body.subarray(0, Math.floor(body.length / 2)), () => setImmediate(() => (socket.destroy(), resolve())));
      });
      socket.on('error', reject);
    });
    // the server notices the cut and records the refusal; wait for that event
    for (let i = 0; i < 200 && (await events('photo.upload_refused')).length === before.aborted; i++) await new Promise((r) => setTimeout(r, 25));
    const refusals = (await events('photo.upload_refused')).slice(before.aborted);
    expect(refusals.map((e) => JSON.parse(e.details).code)).toEqual(['UPLOAD_ABORTED']);
    expect(await photoRows(NO.aborted)).toHaveLength(0);
    expect(blobFiles().length).toBe(before.blobs);
    // the whole body, sent properly, is stored
    report(await upload('operator', bytes, { studentNo: NO.aborted, sha256: sha256(bytes) }));
  });

  it('blobs on disk hold no image in clear: no JPEG magic, no JFIF/Exif marker, no run of the uploaded bytes; names are random', async () => {
    const bytes = nextShot();
    report(await upload('operator', bytes, { studentNo: NO.c }));
    const files = blobFiles();
    expect(files.length).toBeGreaterThan(2);
    const probes = highEntropyRuns(bytes, 3);
    for (const file of files) {
      expect(path.relative(rt.dataDir, file)).toMatch(/^blobs\/[0-9a-f]{2}\/[0-9a-f]{30}$/);
      const content = fs.readFileSync(file);
      expect(content.subarray(0, 4).toString('latin1'), file).toBe('GPB1');
      expect(content.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
      for (const marker of ['JFIF\0', 'Exif\0\0', 'gradphoto test shot']) expect(content.includes(Buffer.from(marker, 'latin1')), `${file} ${marker}`).toBe(false);
      for (const probe of probes) expect(content.includes(probe)).toBe(false);
    }
    // nor anywhere else in the data directory (no temporary plain copy)
    const everything = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? everything(path.join(dir, d.name)) : [path.join(dir, d.name)]));
    for (const file of everything(rt.dataDir)) expect(fs.readFileSync(file).includes(probes[1]!), file).toBe(false);
  });

  it('keys rotate: a new key version, every data key re-wrapped, blobs untouched, every photo still decrypts to its bytes; the old version goes after its grace period', async () => {
    const bytes = nextShot();
    const r = report(await upload('operator', bytes, { studentNo: NO.d }));
    const filesBefore = new Map(blobFiles().map((f) => [f, sha256(fs.readFileSync(f))]));
    const result = await rotatePhotoKeys(rt.deps, SYSTEM);
    expect(result.toVersion).toBeGreaterThan(1);
    expect(result.rewrapped).toBe(filesBefore.size);
    // the replaced version is retired (an upload may have wrapped with it a moment ago), deleted only later
    const keyFiles = () => fs.readdirSync(path.join(rt.dataDir, 'keys')).filter((f) => f.startsWith('photo-kek') && f.endsWith('.key')).sort();
    expect(result.removedVersions).toEqual([]);
    expect(keyFiles()).toEqual([...result.fromVersions.map((v) => `photo-kek.v${v}.key`), `photo-kek.v${result.toVersion}.key`].sort());
    expect(new Map(blobFiles().map((f) => [f, sha256(fs.readFileSync(f))]))).toEqual(filesBefore);
    const rows = await db().selectFrom('photo_blobs').selectAll().execute();
    expect(rows.every((b) => b.kek_version === result.toVersion)).toBe(true);
    // every blob opens with the new key: originals and standard JPEGs, through the use case
    const photoIds = [...new Set(rows.map((b) => b.photo_id))];
    for (const id of photoIds) {
      for (const b of rows.filter((x) => x.photo_id === id)) {
        const plain = await getPhotoImage(rt.deps, SYSTEM, id, b.kind as 'original' | 'standard');
        if (b.kind === 'standard') expect((await sharp(plain).metadata()).width).toBe(480);
        if (b.kind === 'original') expect(sha256(plain)).toBe((await db().selectFrom('photos').select('sha256').where('id', '=', id).executeTakeFirstOrThrow()).sha256);
      }
    }
    expect(sha256(await getPhotoImage(rt.deps, SYSTEM, r.id, 'original'))).toBe(sha256(bytes));
    expect((await request('admin', `/api/photos/${r.id}/image`)).status).toBe(200);
    expect(await events('keys.rotated')).toHaveLength(1);
    // the start-up sweep after the grace period deletes the unused retired versions
    rt.clock.advance(KEY_RETIREMENT_GRACE_MS + 60_000);
    await sweepOrphanBlobs(rt.deps, SYSTEM, { graceMs: 24 * 60 * 60_000 });
    expect(keyFiles()).toEqual([`photo-kek.v${result.toVersion}.key`]);
    expect(fs.readdirSync(path.join(rt.dataDir, 'keys')).filter((f) => f.startsWith('photo-kek'))).toEqual([`photo-kek.v${result.toVersion}.key`]);
    expect(JSON.parse((await events('keys.rotated')).at(-1)!.details)).toMatchObject({ trigger: 'sweep', removedVersions: result.fromVersions });
    // an hour went by: the sessions are idle-expired, sign in again
    for (const role of ['admin', 'secretary', 'operator', 'cashier'] as const) cookies.set(role, await loginOverHttp(server.url, `ph-${role}`));
    cookies.set('student', await loginOverHttp(server.url, NO.b));
    expect((await request('admin', `/api/photos/${r.id}/image`)).status).toBe(200);
  });

  it('E7: the confirmed photo of a student the roster now excludes is flagged invalid with the rule, one event; back to required clears it', async () => {
    const r = report(await upload('operator', nextShot(), { studentNo: NO.e7 }));
    report(await request('operator', `/api/photos/${r.id}/confirm`, { method: 'POST' }), 200);
    const flagged = async () => (await events('photo.flagged_invalid')).filter((e) => e.target_id === r.id);
    const changed = ROSTER.map((row) => (row.学号 === NO.e7 ? { ...row, 证书类型: '单证' } : row));
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(changed)) }, 'roster-2.csv', 'zh');
    const after = report(await request('operator', `/api/photos/${r.id}/report`), 200);
    expect(after.invalid).toEqual({ rule: 'E6' });
    expect(await flagged()).toHaveLength(1);
    expect(JSON.parse((await flagged())[0]!.details)).toMatchObject({ invalid: true, rule: 'E6' });
    // only that student: the other confirmed photos are not flagged
    const otherFlags = (await events('photo.flagged_invalid')).filter((e) => e.target_id !== r.id);
    expect(otherFlags).toHaveLength(0);
    // new shots for them are refused (E6)
    expectError(await upload('operator', nextShot(), { studentNo: NO.e7 }), 422, 'STUDENT_NOT_ELIGIBLE');
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(ROSTER)) }, 'roster-3.csv', 'zh');
    expect(report(await request('operator', `/api/photos/${r.id}/report`), 200).invalid).toBeNull();
    expect(await flagged()).toHaveLength(2);
  });

  it('documents every photo operation in the OpenAPI with its operationId', async () => {
    const doc = (await request('anonymous', '/api/openapi.json')).body as { paths: Record<string, Record<string, { operationId?: string; requestBody?: { content?: Record<string, unknown> } }>> };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(ops).toEqual(expect.arrayContaining(['uploadPhoto', 'getPhotoReport', 'getPhotoImage', 'confirmPhoto', 'voidPhotoConfirmation', 'listStudentPhotos']));
    expect(Object.keys(doc.paths['/api/photos']!.post!.requestBody!.content!)).toEqual(['multipart/form-data']);
  });
});
