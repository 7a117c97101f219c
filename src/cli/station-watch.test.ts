// The hot-folder agent (issue #4 part 1) end to end: against the real server in this process (real HTTP, the
// real photo pipeline, SQLite), and once as the real command (`node bin/gradphoto.js station watch`) in a child
// process that is killed with SIGKILL and started again. Counts are read back from the server
// (listStudentPhotos), never from the agent's own word. Each module of the agent has its unit tests beside it
// in station/ (state file, HTTP client, folder watcher, loop).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, loginOverHttp, startTestServer, TEST_PASSWORD, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { computeNationalIdCheckChar } from '../domain/national-id.js';
import type { Actor } from '../services/deps.js';
import { enableTotp, setupTotp } from '../services/auth.service.js';
import { applyRosterImport } from '../services/roster.service.js';
import { clearStationStudent, setStationStudent } from '../services/station.service.js';
import { startStationWatch } from './station/agent.js';
import type { AgentEvent, StationAgent, StationWatchOptions } from './station/events.js';
import { sha256Hex } from './station/folder-watcher.js';
import { defaultStateFile, readStateFile } from './station/state-file.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'bin', 'gradphoto.js');
const PHOTOS = path.join(REPO, 'test', 'fixtures', 'photos');
const OPERATOR = 'station-operator';
const NATIONAL_ID = '11010819990101001' + computeNationalIdCheckChar('11010819990101001');

/** A small real camera JPEG made unique by a comment segment right after SOI (still a valid, complete JPEG). */
function uniqueJpeg(tag: string): Buffer {
  const base = fs.readFileSync(path.join(PHOTOS, 'real-messi5.jpg'));
  const text = Buffer.from(`gradphoto test ${tag} ${Math.random()}`);
  const len = text.length + 2;
  return Buffer.concat([base.subarray(0, 2), Buffer.from([0xff, 0xfe, len >> 8, len & 0xff]), text, base.subarray(2)]);
}

/** RFC 6238 (HMAC-SHA1, 30 s, 6 digits) from a base32 secret, as an authenticator app computes it. */
function totpCode(secretBase32: string, now: Date): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secretBase32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now.getTime() / 30_000)));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('station watch: the hot-folder agent', { timeout: 180_000 }, () => {
  let rt: TestRuntime;
  let server: TestServer;
  let operator: Actor;
  const studentIds: Record<string, string> = {};
  const tmpDirs: string[] = [];
  const agents: StationAgent[] = [];
  let nextStudent = 0;

  /** A fresh student (so counts start at 0) named at a fresh station. */
  async function freshStation(): Promise<{ station: string; studentNo: string; studentId: string }> {
    const n = nextStudent++;
    const studentNo = `24010000${String(n).padStart(2, '0')}`;
    const station = `test-${n}`;
    const set = await setStationStudent(rt.deps, operator, station, { studentNo });
    studentIds[studentNo] = set.currentStudent!.studentId;
    return { station, studentNo, studentId: set.currentStudent!.studentId };
  }

  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-hotfolder-'));
    tmpDirs.push(dir);
    return dir;
  }

  let cookie: string | undefined;
  async function photosOf(studentId: string): Promise<{ id: string }[]> {
    cookie ??= await loginOverHttp(server.url, OPERATOR);
    const res = await fetch(`${server.url}/api/students/${studentId}/photos`, { headers: { cookie } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: { id: string }[] }).items;
  }

  interface Run {
    agent: StationAgent;
    events: AgentEvent[];
    lines: string[];
    posts: { file: string | null }[];
  }

  function startAgent(dir: string, station: string, extra: Partial<StationWatchOptions> = {}): Run {
    const events: AgentEvent[] = [];
    const lines: string[] = [];
    const posts: { file: string | null }[] = [];
    const countingFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/api/photos') && init?.method === 'POST') posts.push({ file: null });
      return (extra.fetch ?? fetch)(input, init);
    };
    const agent = startStationWatch({
      dir,
      station,
      server: server.url,
      user: OPERATOR,
      password: TEST_PASSWORD,
      lang: 'en',
      settleMs: 300,
      rescanMs: 200,
      retryBaseMs: 100,
      retryMaxMs: 400,
      ...extra,
      fetch: countingFetch,
      onEvent: (e) => events.push(e),
      print: (line) => lines.push(line),
    });
    agents.push(agent);
    return { agent, events, lines, posts };
  }

  const uploaded = (run: Run, file?: string) => run.events.filter((e): e is Extract<AgentEvent, { event: 'uploaded' }> => e.event === 'uploaded' && (!file || e.file === file));
  const refused = (run: Run, file?: string) => run.events.filter((e): e is Extract<AgentEvent, { event: 'refused' }> => e.event === 'refused' && (!file || e.file === file));

  beforeAll(async () => {
    rt = await createTestRuntime('sqlite');
    const admin = await createActor(rt.deps, 'admin');
    operator = await createActor(rt.deps, 'operator', [], OPERATOR);
    const rows = Array.from({ length: 40 }, (_, i) => rosterRow(`24010000${String(i).padStart(2, '0')}`, { 姓名: '张小三', 身份证号: i === 0 ? NATIONAL_ID : '' }));
    const result = await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
    expect(result.applied).toBe(true);
    server = await startTestServer(rt.deps);
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('uploads a file written slowly in chunks once, only after it has settled (the whole file)', async () => {
    const { station, studentId } = await freshStation();
    const dir = tempDir();
    const run = startAgent(dir, station, { settleMs: 400 });
    await waitFor('agent started', () => run.events.some((e) => e.event === 'scanned'));
    const bytes = uniqueJpeg('slow');
    const file = path.join(dir, 'IMG_0001.JPG');
    const chunk = Math.ceil(bytes.length / 6);
    for (let i = 0; i < 6; i++) {
      fs.appendFileSync(file, bytes.subarray(i * chunk, (i + 1) * chunk));
      // shorter than the settle interval: the agent must not take a half-written file
      await sleep(150);
      if (i < 5) expect(uploaded(run)).toHaveLength(0);
    }
    await waitFor('upload', () => uploaded(run).length === 1);
    expect(run.posts).toHaveLength(1);
    const record = Object.values(readStateFile(defaultStateFile(dir)).state.files)[0]!;
    expect(record).toMatchObject({ name: 'IMG_0001.JPG', size: bytes.length, sha256: sha256Hex(bytes), status: 'uploaded', photoId: uploaded(run)[0]!.photoId });
    expect((await photosOf(studentId)).map((p) => p.id)).toEqual([uploaded(run)[0]!.photoId]);
  });

  it('takes a file renamed into place, never its temp name, and a JPEG missing its end only after the longer timeout', async () => {
    const { station, studentId } = await freshStation();
    const dir = tempDir();
    const run = startAgent(dir, station, { incompleteMs: 1500 });
    await waitFor('agent started', () => run.events.some((e) => e.event === 'scanned'));
    fs.writeFileSync(path.join(dir, 'IMG_0002.jpg.tmp'), uniqueJpeg('renamed'));
    fs.writeFileSync(path.join(dir, '~IMG_0003.jpg'), uniqueJpeg('tilde'));
    fs.writeFileSync(path.join(dir, '.IMG_0004.jpg'), uniqueJpeg('hidden'));
    await sleep(600);
    expect(uploaded(run)).toHaveLength(0);
    fs.renameSync(path.join(dir, 'IMG_0002.jpg.tmp'), path.join(dir, 'IMG_0002.jpg'));
    await waitFor('renamed upload', () => uploaded(run, 'IMG_0002.jpg').length === 1);

    // a JPEG that never gets its end marker: waits (said once), then goes and is refused as truncated
    const cut = uniqueJpeg('cut');
    fs.writeFileSync(path.join(dir, 'IMG_0005.jpg'), cut.subarray(0, Math.floor(cut.length * 0.6)));
    await waitFor('waiting incomplete', () => run.events.some((e) => e.event === 'waiting' && e.file === 'IMG_0005.jpg' && e.reason === 'incomplete'));
    const refusal = await waitFor('truncated refusal', () => refused(run, 'IMG_0005.jpg')[0]);
    expect(refusal.code).toBe('PHOTO_TRUNCATED');
    expect(run.events.filter((e) => e.event === 'waiting' && e.file === 'IMG_0005.jpg')).toHaveLength(1);
    expect(run.events.some((e) => 'file' in e && e.file !== null && /tmp$|^~|^\./.test(e.file))).toBe(false);
    expect(await photosOf(studentId)).toHaveLength(1);
  });

  it('uploads 20 files as 20 photos, each once', async () => {
    const { station, studentId } = await freshStation();
    const dir = tempDir();
    const run = startAgent(dir, station);
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, `DSC_${String(i).padStart(4, '0')}.jpg`), uniqueJpeg(`twenty-${i}`));
    await waitFor('20 uploads', () => uploaded(run).length === 20, 120_000);
    await sleep(500); // a few more rescans: nothing is sent again
    expect(run.posts).toHaveLength(20);
    expect(new Set(uploaded(run).map((e) => e.file)).size).toBe(20);
    expect(await photosOf(studentId)).toHaveLength(20);
  });

  it('resumes after a stop: uploaded files are skipped, the one in flight is sent again and recognised (same photo)', async () => {
    const { station, studentId } = await freshStation();
    const dir = tempDir();
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(dir, `IMG_${i}.jpg`), uniqueJpeg(`resume-${i}`));
    // The 4th request reaches the server and is stored, but the agent stops before reading the answer.
    let posts = 0;
    let answered!: () => void;
    const storedButUnanswered = new Promise<void>((r) => (answered = r));
    const dying: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/api/photos') && ++posts === 4) {
        const res = await fetch(input, init);
        await res.arrayBuffer();
        answered();
        return new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
      }
      return fetch(input, init);
    };
    const first = startAgent(dir, station, { fetch: dying });
    await storedButUnanswered;
    await first.agent.stop();
    expect(uploaded(first)).toHaveLength(3);
    const inFlight = Object.values(readStateFile(defaultStateFile(dir)).state.files).filter((r) => r.status === 'in-flight');
    expect(inFlight).toHaveLength(1);
    expect(await photosOf(studentId)).toHaveLength(4);

    // Meanwhile the operator moved on to the next student: the in-flight file, and the two the first agent saw
    // but had not sent yet, still belong to the first one (bound when first seen, kept in the state file).
    const next = await freshStation();
    await setStationStudent(rt.deps, operator, station, { studentNo: next.studentNo });
    const second = startAgent(dir, station);
    await waitFor('the rest', () => uploaded(second).length === 3);
    expect(second.posts).toHaveLength(3);
    const resent = uploaded(second, inFlight[0]!.name)[0]!;
    expect(resent.duplicate).toBe(true);
    expect(second.events.find((e) => e.event === 'scanned')).toMatchObject({ files: 6, alreadyDone: 3 });
    // all 6 files are the first student's (the re-sent one recognised); a file shot now is the next student's
    const ids = (await photosOf(studentId)).map((p) => p.id);
    expect(ids).toHaveLength(6);
    expect(ids).toContain(resent.photoId);
    expect(await photosOf(next.studentId)).toHaveLength(0);
    fs.writeFileSync(path.join(dir, 'IMG_6.jpg'), uniqueJpeg('resume-6'));
    await waitFor('the new one', () => uploaded(second, 'IMG_6.jpg').length === 1);
    expect(await photosOf(next.studentId)).toHaveLength(1);
    expect(Object.keys(readStateFile(defaultStateFile(dir)).state.bindings ?? {})).toEqual([]);
  });

  it('binds a file to the student set when it first appeared, not when it settled, also across a restart', async () => {
    const a = await freshStation();
    const b = await freshStation();
    const station = a.station;
    const dir = tempDir();
    const boundTo = (name: string) => readStateFile(defaultStateFile(dir)).state.bindings?.[name]?.studentId;
    // a long settle interval: the operator names the next student while the last shot is still settling
    const run = startAgent(dir, station, { settleMs: 2500 });
    await waitFor('agent started', () => run.events.some((e) => e.event === 'scanned'));
    fs.writeFileSync(path.join(dir, 'IMG_0800.jpg'), uniqueJpeg('bound-a'));
    await waitFor('bound to A', () => boundTo('IMG_0800.jpg') === a.studentId);
    await setStationStudent(rt.deps, operator, station, { studentNo: b.studentNo });
    expect(uploaded(run)).toHaveLength(0);
    await waitFor('upload', () => uploaded(run, 'IMG_0800.jpg').length === 1);
    expect((await photosOf(a.studentId)).map((p) => p.id)).toEqual([uploaded(run)[0]!.photoId]);
    expect(await photosOf(b.studentId)).toHaveLength(0);

    // a shot for B seen by the agent, which stops before it settles; A is named again; after the restart it is B's
    fs.writeFileSync(path.join(dir, 'IMG_0801.jpg'), uniqueJpeg('bound-b'));
    await waitFor('bound to B', () => boundTo('IMG_0801.jpg') === b.studentId);
    await run.agent.stop();
    expect(uploaded(run)).toHaveLength(1);
    await setStationStudent(rt.deps, operator, station, { studentNo: a.studentNo });
    const again = startAgent(dir, station);
    await waitFor('upload after the restart', () => uploaded(again, 'IMG_0801.jpg').length === 1);
    expect((await photosOf(b.studentId)).map((p) => p.id)).toEqual([uploaded(again)[0]!.photoId]);
    expect(await photosOf(a.studentId)).toHaveLength(1);
    const state = readStateFile(defaultStateFile(dir)).state;
    expect(state.bindings ?? {}).toEqual({});
    expect(JSON.stringify(state)).not.toContain(b.studentNo);
  });

  it('keeps the file while the server is down and uploads it once it is back', async () => {
    const { station, studentId } = await freshStation();
    // A proxy in front of the server that drops connections while "down", then answers 503, then passes.
    let mode: 'down' | '503' | 'up' = 'down';
    const target = new URL(server.url);
    const proxy = http.createServer((req, res) => {
      if (mode === 'down') return req.socket.destroy();
      if (mode === '503') return res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"INTERNAL","message":"busy"}}');
      const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (u) => {
        res.writeHead(u.statusCode ?? 502, u.headers);
        u.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'IMG_0100.jpg'), uniqueJpeg('down'));
      const run = startAgent(dir, station, { server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
      await waitFor('retries while down', () => run.events.filter((e) => e.event === 'retrying').length >= 2);
      mode = '503';
      const before = run.events.filter((e) => e.event === 'retrying').length;
      await waitFor('retries on 503', () => run.events.filter((e) => e.event === 'retrying').length >= before + 2);
      expect(uploaded(run)).toHaveLength(0);
      mode = 'up';
      await waitFor('upload after the server came back', () => uploaded(run).length === 1);
      expect(refused(run)).toHaveLength(0);
      expect(await photosOf(studentId)).toHaveLength(1);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('records a refusal (a PNG named .jpg) and never sends it again, not even after a restart', async () => {
    const { station, studentId } = await freshStation();
    const dir = tempDir();
    fs.copyFileSync(path.join(PHOTOS, 'png-named.jpg'), path.join(dir, 'IMG_0200.jpg'));
    const run = startAgent(dir, station);
    const refusal = await waitFor('refusal', () => refused(run, 'IMG_0200.jpg')[0]);
    expect(refusal.code).toBe('PHOTO_FORMAT_UNSUPPORTED');
    expect(run.lines.join('\n')).toContain(refusal.message);
    // another file afterwards goes up; the refused one is not tried again
    fs.writeFileSync(path.join(dir, 'IMG_0201.jpg'), uniqueJpeg('after-refusal'));
    await waitFor('next upload', () => uploaded(run, 'IMG_0201.jpg').length === 1);
    expect(run.posts).toHaveLength(2);
    await run.agent.stop();
    expect(Object.values(readStateFile(defaultStateFile(dir)).state.files).find((r) => r.name === 'IMG_0200.jpg')).toMatchObject({ status: 'refused', code: 'PHOTO_FORMAT_UNSUPPORTED' });

    const again = startAgent(dir, station, { once: true });
    expect(await again.agent.done).toEqual({ uploaded: 0, refused: 0, pending: 0 });
    expect(again.posts).toHaveLength(0);
    expect(await photosOf(studentId)).toHaveLength(1);
  });

  it('a wrong sha256 is refused by the server: a corrupted transfer is sent again, a persistent one recorded', async () => {
    const { station, studentId } = await freshStation();
    /** flips one byte of the file part of the request, as a broken link would: the checksum no longer matches */
    const corrupting =
      (times: number): typeof fetch =>
      async (input, init) => {
        if (String(input).endsWith('/api/photos') && init?.body instanceof FormData && times-- > 0) {
          const form = new FormData();
          for (const [k, v] of init.body.entries()) {
            if (typeof v === 'string') form.append(k, v);
            else {
              const bytes = new Uint8Array(await v.arrayBuffer());
              bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
              form.append(k, new Blob([bytes], { type: v.type }), v.name);
            }
          }
          return fetch(input, { ...init, body: form });
        }
        return fetch(input, init);
      };
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'IMG_0300.jpg'), uniqueJpeg('corrupt-once'));
    const once = startAgent(dir, station, { fetch: corrupting(1) });
    await waitFor('upload after one corrupted transfer', () => uploaded(once, 'IMG_0300.jpg').length === 1);
    expect(once.events.find((e) => e.event === 'retrying')).toMatchObject({ file: 'IMG_0300.jpg', reason: expect.stringContaining('PHOTO_CHECKSUM_MISMATCH') });
    expect(once.posts).toHaveLength(2);
    await once.agent.stop();

    const dir2 = tempDir();
    fs.writeFileSync(path.join(dir2, 'IMG_0301.jpg'), uniqueJpeg('corrupt-always'));
    const always = startAgent(dir2, station, { fetch: corrupting(100), checksumAttempts: 3 });
    const refusal = await waitFor('checksum refusal', () => refused(always, 'IMG_0301.jpg')[0]);
    expect(refusal.code).toBe('PHOTO_CHECKSUM_MISMATCH');
    expect(always.posts).toHaveLength(3);
    expect(await photosOf(studentId)).toHaveLength(1);
  });

  it('after the student confirmed (C3), a new camera file is refused with the C3 message and recorded', async () => {
    const { station, studentId } = await freshStation();
    const dir = tempDir();
    const run = startAgent(dir, station, { lang: 'zh' });
    fs.copyFileSync(path.join(PHOTOS, 'id-blue-12mp.jpg'), path.join(dir, 'IMG_0600.jpg'));
    const shot = await waitFor('upload', () => uploaded(run, 'IMG_0600.jpg')[0]);
    expect(shot.accepted).toBe(true);
    cookie ??= await loginOverHttp(server.url, OPERATOR);
    expect((await fetch(`${server.url}/api/photos/${shot.photoId}/confirm`, { method: 'POST', headers: { cookie } })).status).toBe(200);
    fs.writeFileSync(path.join(dir, 'IMG_0601.jpg'), uniqueJpeg('retake'));
    const refusal = await waitFor('C3 refusal', () => refused(run, 'IMG_0601.jpg')[0]);
    expect(refusal.code).toBe('PHOTO_ALREADY_CONFIRMED');
    expect(run.lines.join('\n')).toContain('不能再拍摄或修改（C3）');
    expect(await photosOf(studentId)).toHaveLength(1);
  });

  it('signs in with a one-time code when the account has two-step sign-in; without one it stops at once', async () => {
    const admin = await createActor(rt.deps, 'admin', [], 'station-admin-totp');
    const { secret } = await setupTotp(rt.deps, admin);
    await enableTotp(rt.deps, admin, totpCode(secret, rt.clock.now()));
    rt.clock.advance(120_000); // the code that enabled it is used up (one use per step)
    const { station, studentId } = await freshStation();
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'IMG_0700.jpg'), uniqueJpeg('totp'));
    const without = startAgent(dir, station, { user: 'station-admin-totp', once: true });
    await expect(without.agent.done).rejects.toMatchObject({ code: 'TOTP_REQUIRED' });
    let asked = 0;
    const run = startAgent(dir, station, {
      user: 'station-admin-totp',
      once: true,
      totp: async () => {
        asked++;
        return totpCode(secret, rt.clock.now());
      },
    });
    expect(await run.agent.done).toMatchObject({ uploaded: 1, pending: 0 });
    expect(asked).toBe(1);
    expect(await photosOf(studentId)).toHaveLength(1);
  });

  it('keeps a damaged state file aside and starts afresh: the server recognises what it already has', async () => {
    const { station, studentId } = await freshStation();
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'IMG_0500.jpg'), uniqueJpeg('damaged'));
    const first = startAgent(dir, station, { once: true });
    expect(await first.agent.done).toMatchObject({ uploaded: 1, pending: 0 });
    fs.writeFileSync(defaultStateFile(dir), '{"version":1,"files":{"IMG');
    const second = startAgent(dir, station, { once: true });
    expect(await second.agent.done).toMatchObject({ uploaded: 1, pending: 0 });
    expect(uploaded(second)[0]).toMatchObject({ duplicate: true, photoId: uploaded(first)[0]!.photoId });
    expect(second.lines.join('\n')).toContain('The state file was damaged');
    expect(fs.readdirSync(path.dirname(defaultStateFile(dir))).some((f) => f.startsWith('state.json.damaged-'))).toBe(true);
    expect(await photosOf(studentId)).toHaveLength(1);
  });

  it('refuses a second agent on the same folder; a lock left by a dead process is taken over', async () => {
    const { station } = await freshStation();
    const dir = tempDir();
    const run = startAgent(dir, station);
    await waitFor('agent started', () => run.events.some((e) => e.event === 'scanned'));
    const second = startAgent(dir, 'other-station');
    await expect(second.agent.done).rejects.toMatchObject({ code: 'VALIDATION_FAILED', params: { detail: expect.stringContaining('another agent') } });
    await run.agent.stop();
    // a lock naming a process that no longer exists (kill -9)
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.once('exit', r));
    fs.writeFileSync(`${defaultStateFile(dir)}.lock`, String(dead.pid));
    const third = startAgent(dir, station, { once: true });
    expect(await third.agent.done).toEqual({ uploaded: 0, refused: 0, pending: 0 });
    expect(fs.existsSync(`${defaultStateFile(dir)}.lock`)).toBe(false);
  });

  it('waits while no student is set, says so, and sends the file to the student named next', async () => {
    const { station, studentNo, studentId } = await freshStation();
    await clearStationStudent(rt.deps, operator, station);
    const dir = tempDir();
    const run = startAgent(dir, station, { lang: 'zh' });
    fs.writeFileSync(path.join(dir, 'IMG_0400.jpg'), uniqueJpeg('no-student'));
    await waitFor('waiting', () => run.events.some((e) => e.event === 'waiting' && e.reason === 'no-student'));
    expect(run.lines.join('\n')).toContain('本工位尚未指定学生');
    await sleep(500);
    expect(run.posts).toHaveLength(0);
    expect(run.events.filter((e) => e.event === 'waiting')).toHaveLength(1);
    await setStationStudent(rt.deps, operator, station, { studentNo });
    await waitFor('upload', () => uploaded(run).length === 1);
    expect(await photosOf(studentId)).toHaveLength(1);

    // the next student: the next file is theirs
    const next = await freshStation();
    await setStationStudent(rt.deps, operator, station, { studentNo: next.studentNo });
    fs.writeFileSync(path.join(dir, 'IMG_0401.jpg'), uniqueJpeg('next-student'));
    await waitFor('second upload', () => uploaded(run).length === 2);
    expect(await photosOf(next.studentId)).toHaveLength(1);
    expect(await photosOf(studentId)).toHaveLength(1);
  });

  it('never prints or stores a national ID number, and stores no student number', async () => {
    // student 0 has an ID number on the roster
    const station = 'test-idcheck';
    const set = await setStationStudent(rt.deps, operator, station, { studentNo: '2401000000' });
    const dir = tempDir();
    const run = startAgent(dir, station, { json: true });
    fs.writeFileSync(path.join(dir, `IMG_${NATIONAL_ID}.jpg`), uniqueJpeg('privacy'));
    await waitFor('upload', () => uploaded(run).length === 1);
    const state = fs.readFileSync(defaultStateFile(dir), 'utf8');
    const output = run.lines.join('\n');
    for (const text of [state, output]) {
      expect(text).not.toContain(NATIONAL_ID);
      expect(text).not.toContain('2401000000');
    }
    expect(state).toContain(set.currentStudent!.studentId);
    // --json: one JSON object per line
    for (const line of run.lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('runs as the real command: killed with SIGKILL mid-way and started again, nothing is uploaded twice', async () => {
    const { station, studentId } = await freshStation();
    const dir = tempDir();
    const args = [BIN, 'station', 'watch', dir, '--station', station, '--server', server.url, '--user', OPERATOR, '--json', '--settle-ms', '300', '--rescan-ms', '200'];
    const env = { ...process.env, GRADPHOTO_PASSWORD: TEST_PASSWORD, GRADPHOTO_LANG: '', DATABASE_URL: '' };
    const start = () => {
      const child = spawn(process.execPath, args, { cwd: os.tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = { stdout: '', stderr: '' };
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
      return { child, out, events: () => out.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AgentEvent) };
    };
    const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(dir, `IMG_${1000 + i}.JPG`), uniqueJpeg(`cli-${i}`));
    const first = start();
    try {
      await waitFor('some uploads', () => first.events().filter((e) => e.event === 'uploaded').length >= 3, 90_000);
    } finally {
      first.child.kill('SIGKILL');
      await exited(first.child);
    }
    for (let i = 8; i < 10; i++) fs.writeFileSync(path.join(dir, `IMG_${1000 + i}.JPG`), uniqueJpeg(`cli-${i}`));

    const second = start();
    try {
      await waitFor('every file', async () => (await photosOf(studentId)).length >= 10, 90_000);
      // a file stored by the server but killed before its answer was printed is re-sent and recognised (duplicate)
      const reported = () => new Set([...first.events(), ...second.events()].filter((e) => e.event === 'uploaded').map((e) => (e as { file: string }).file));
      await waitFor('the agent reports them', () => reported().size >= 10);
    } catch (e) {
      second.child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n${second.out.stdout}\n${second.out.stderr}`);
    }
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
    expect(await photosOf(studentId)).toHaveLength(10);
    const files = new Set([...first.events(), ...second.events()].filter((e) => e.event === 'uploaded').map((e) => (e as { file: string }).file));
    expect(files.size).toBe(10);
    expect(second.events().at(-1)).toMatchObject({ event: 'stopped' });
    expect(first.out.stderr + second.out.stderr).toBe('');
  });

  it('refuses bad arguments before doing anything (exit 2, the reason named)', async () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, '--lang', 'en', 'station', 'watch', ...args], { cwd: os.tmpdir(), env: { ...process.env, GRADPHOTO_PASSWORD: 'x', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const dir = tempDir();
    // Five independent refusals: the processes run together.
    const [badStation, noDir, badServer, plainHttp, wrongPassword] = await Promise.all([
      run([dir, '--station', 'Beijing_1', '--server', server.url, '--user', OPERATOR]),
      run([path.join(dir, 'nope'), '--station', 'beijing-1', '--server', server.url, '--user', OPERATOR]),
      run([dir, '--station', 'beijing-1', '--server', 'ftp://x', '--user', OPERATOR]),
      // A3: faces and the password never go over plain http to another computer unless explicitly allowed
      run([dir, '--station', 'beijing-1', '--server', 'http://10.0.0.5:8080', '--user', OPERATOR, '--once']),
      run([dir, '--station', 'beijing-1', '--server', server.url, '--user', OPERATOR, '--once'], { GRADPHOTO_PASSWORD: 'wrong password!' }),
    ]);
    expect(badStation.code).toBe(2);
    expect(badStation.stderr).toContain('--station Beijing_1');
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain('no such folder');
    expect(badServer.code).toBe(2);
    expect(plainHttp.code).toBe(2);
    expect(plainHttp.stderr).toContain('unencrypted');
    expect(wrongPassword.code).toBe(4);
    expect(wrongPassword.stderr).toContain('Wrong username or password');
  });
});
