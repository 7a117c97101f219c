// The station agent's loop on real files against a local node:http stand-in of the API
// (test/support/fake-gradphoto-server.ts): binding files to the student named when first seen, waiting while
// nobody is named, resuming in-flight and bound files after a restart, skipping what was done, retries and
// refusals. What the server stores is checked end to end in ../station-watch.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_PASSWORD, FAKE_USER, startFakeGradphoto, type FakeGradphoto } from '../../../test/support/fake-gradphoto-server.js';
import { startStationWatch } from './agent.js';
import type { AgentEvent, StationAgent, StationWatchOptions } from './events.js';
import { sha256Hex } from './folder-watcher.js';
import { createStateStore, defaultStateFile, readStateFile, writeStateFile } from './state-file.js';

const PHOTOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'photos');

/** A small real camera JPEG made unique by a comment segment right after SOI (still a valid, complete JPEG). */
function uniqueJpeg(tag: string): Buffer {
  const base = fs.readFileSync(path.join(PHOTOS, 'real-messi5.jpg'));
  const text = Buffer.from(`gradphoto test ${tag} ${Math.random()}`);
  const len = text.length + 2;
  return Buffer.concat([base.subarray(0, 2), Buffer.from([0xff, 0xfe, len >> 8, len & 0xff]), text, base.subarray(2)]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('station agent: the loop', () => {
  let fake: FakeGradphoto;
  const dirs: string[] = [];
  const agents: StationAgent[] = [];
  let next = 0;

  beforeAll(async () => {
    fake = await startFakeGradphoto();
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
    fake.intercept = undefined;
  });
  afterAll(async () => {
    await fake?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** A fresh station and two students on the fake roster. */
  function freshStation(): { station: string; a: { id: string; no: string }; b: { id: string; no: string } } {
    const n = next++;
    const a = { id: `student-a${n}`, no: `2401${String(n).padStart(4, '0')}01` };
    const b = { id: `student-b${n}`, no: `2401${String(n).padStart(4, '0')}02` };
    fake.students.set(a.id, a.no);
    fake.students.set(b.id, b.no);
    return { station: `unit-${n}`, a, b };
  }

  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-agent-'));
    dirs.push(dir);
    return dir;
  }

  function startAgent(dir: string, station: string, extra: Partial<StationWatchOptions> = {}) {
    const events: AgentEvent[] = [];
    const lines: string[] = [];
    const agent = startStationWatch({
      dir,
      station,
      server: fake.url,
      user: FAKE_USER,
      password: FAKE_PASSWORD,
      lang: 'en',
      settleMs: 200,
      rescanMs: 200,
      retryBaseMs: 50,
      retryMaxMs: 200,
      ...extra,
      onEvent: (e) => events.push(e),
      print: (line) => lines.push(line),
    });
    agents.push(agent);
    return { agent, events, lines };
  }

  const uploadsFor = (no: string) => fake.uploads.filter((u) => u.studentNo === no && u.status < 300);
  const ofKind = <K extends AgentEvent['event']>(events: AgentEvent[], kind: K) => events.filter((e): e is Extract<AgentEvent, { event: K }> => e.event === kind);

  it('binds a file to the student named when it was first seen, not when it settled', async () => {
    const { station, a, b } = freshStation();
    fake.stations.set(station, a.id);
    const dir = tempDir();
    const boundTo = (name: string) => readStateFile(defaultStateFile(dir)).state.bindings?.[name]?.studentId;
    const run = startAgent(dir, station, { settleMs: 1500 });
    await waitFor('agent started', () => run.events.some((e) => e.event === 'scanned'));
    fs.writeFileSync(path.join(dir, 'IMG_0001.jpg'), uniqueJpeg('first-sight'));
    await waitFor('bound to A', () => boundTo('IMG_0001.jpg') === a.id);
    fake.stations.set(station, b.id); // the operator moves on while the shot is still settling
    expect(ofKind(run.events, 'uploaded')).toHaveLength(0);
    await waitFor('upload', () => ofKind(run.events, 'uploaded').length === 1);
    expect(uploadsFor(a.no)).toHaveLength(1);
    expect(uploadsFor(b.no)).toHaveLength(0);
    // the record keeps the opaque id, the binding is gone, no student number is written down
    const state = readStateFile(defaultStateFile(dir)).state;
    expect(Object.values(state.files)).toMatchObject([{ name: 'IMG_0001.jpg', status: 'uploaded', studentId: a.id }]);
    expect(state.bindings ?? {}).toEqual({});
    expect(JSON.stringify(state)).not.toContain(a.no);
  });

  it('waits while nobody is named, says so once, and sends the file to the first student named after', async () => {
    const { station, a } = freshStation();
    const dir = tempDir();
    const run = startAgent(dir, station, { lang: 'zh' });
    fs.writeFileSync(path.join(dir, 'IMG_0002.jpg'), uniqueJpeg('nobody'));
    await waitFor('waiting', () => run.events.some((e) => e.event === 'waiting' && e.reason === 'no-student'));
    expect(run.lines.join('\n')).toContain('本工位尚未指定学生');
    await sleep(400); // a few more rounds: still nobody, nothing sent, said once
    expect(fake.uploads.filter((u) => u.station === station)).toHaveLength(0);
    expect(ofKind(run.events, 'waiting')).toHaveLength(1);
    fake.stations.set(station, a.id);
    await waitFor('upload', () => ofKind(run.events, 'uploaded').length === 1);
    expect(uploadsFor(a.no)).toHaveLength(1);
  });

  it('after a restart, sends an in-flight file for its own student (asked for by id), whoever is named now', async () => {
    const { station, a, b } = freshStation();
    fake.stations.set(station, b.id);
    const dir = tempDir();
    const bytes = uniqueJpeg('in-flight');
    fs.writeFileSync(path.join(dir, 'IMG_0003.jpg'), bytes);
    const st = fs.statSync(path.join(dir, 'IMG_0003.jpg'));
    const record = { name: 'IMG_0003.jpg', size: st.size, mtimeMs: st.mtimeMs, sha256: sha256Hex(bytes), status: 'in-flight' as const, studentId: a.id, at: new Date().toISOString() };
    // as the agent leaves it when stopped between sending and the answer
    const store = createStateStore(defaultStateFile(dir));
    store.load();
    store.putRecord(record);
    await store.persist();
    const run = startAgent(dir, station, { once: true });
    expect(await run.agent.done).toEqual({ uploaded: 1, refused: 0, pending: 0 });
    expect(uploadsFor(a.no)).toHaveLength(1);
    expect(uploadsFor(b.no)).toHaveLength(0);
    expect(fake.requests.some((r) => r.path === `/api/students/${a.id}`)).toBe(true);
  });

  it('after a restart, a bound file keeps its student; a new file that took its name (another inode) does not', async () => {
    const { station, a, b } = freshStation();
    fake.stations.set(station, b.id);
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'IMG_0004.jpg'), uniqueJpeg('bound'));
    fs.writeFileSync(path.join(dir, 'IMG_0005.jpg'), uniqueJpeg('renamed-over'));
    const at = new Date().toISOString();
    const ino = (name: string) => fs.statSync(path.join(dir, name)).ino;
    await writeStateFile(defaultStateFile(dir), {
      version: 1,
      files: {},
      bindings: { 'IMG_0004.jpg': { studentId: a.id, ino: ino('IMG_0004.jpg'), at }, 'IMG_0005.jpg': { studentId: a.id, ino: ino('IMG_0005.jpg') + 1, at } },
    });
    const run = startAgent(dir, station, { once: true });
    expect(await run.agent.done).toEqual({ uploaded: 2, refused: 0, pending: 0 });
    const sentTo = (name: string) => {
      const photoId = ofKind(run.events, 'uploaded').find((e) => e.file === name)!.photoId;
      const record = Object.values(readStateFile(defaultStateFile(dir)).state.files).find((r) => r.photoId === photoId)!;
      return record.studentId;
    };
    expect(sentTo('IMG_0004.jpg')).toBe(a.id);
    expect(sentTo('IMG_0005.jpg')).toBe(b.id);
    expect(readStateFile(defaultStateFile(dir)).state.bindings).toEqual({});
  });

  it('skips files already sent (by name, size and mtime) and the same bytes under another name', async () => {
    const { station, a } = freshStation();
    fake.stations.set(station, a.id);
    const dir = tempDir();
    const bytes = uniqueJpeg('once');
    fs.writeFileSync(path.join(dir, 'IMG_0006.jpg'), bytes);
    const first = startAgent(dir, station, { once: true });
    expect(await first.agent.done).toEqual({ uploaded: 1, refused: 0, pending: 0 });
    const photoId = ofKind(first.events, 'uploaded')[0]!.photoId;
    fs.writeFileSync(path.join(dir, 'IMG_0007.jpg'), bytes); // a copy: another name and mtime, the same bytes
    const again = startAgent(dir, station, { once: true });
    expect(await again.agent.done).toEqual({ uploaded: 0, refused: 0, pending: 0 });
    expect(again.events.find((e) => e.event === 'scanned')).toEqual({ event: 'scanned', files: 2, alreadyDone: 1 });
    expect(ofKind(again.events, 'skipped')).toEqual([{ event: 'skipped', file: 'IMG_0007.jpg', reason: 'same-bytes', photoId }]);
    expect(uploadsFor(a.no)).toHaveLength(1);
  });

  it('retries transient answers with backoff; records a refusal and never sends it again', async () => {
    const { station, a } = freshStation();
    fake.stations.set(station, a.id);
    const dir = tempDir();
    let busy = 2;
    fake.intercept = ({ path: p }) => {
      if (p !== '/api/photos') return undefined;
      if (busy-- > 0) return { status: 503, body: { error: { code: 'INTERNAL', message: 'busy' } } };
      return { status: 422, body: { error: { code: 'PHOTO_FORMAT_UNSUPPORTED', message: 'not a JPEG' } } };
    };
    fs.writeFileSync(path.join(dir, 'IMG_0008.jpg'), uniqueJpeg('refused'));
    const run = startAgent(dir, station);
    const refusal = await waitFor('refusal', () => ofKind(run.events, 'refused')[0]);
    expect(refusal).toMatchObject({ file: 'IMG_0008.jpg', code: 'PHOTO_FORMAT_UNSUPPORTED' });
    const retries = ofKind(run.events, 'retrying');
    expect(retries.map((e) => [e.reason, e.inMs])).toEqual([
      ['INTERNAL: busy', 50],
      ['INTERNAL: busy', 100],
    ]);
    expect(run.lines.join('\n')).toContain('refused by the server (PHOTO_FORMAT_UNSUPPORTED): not a JPEG');
    await run.agent.stop();
    expect(Object.values(readStateFile(defaultStateFile(dir)).state.files)).toMatchObject([{ status: 'refused', code: 'PHOTO_FORMAT_UNSUPPORTED', studentId: a.id }]);
    fake.intercept = undefined;
    const posts = fake.requests.filter((r) => r.path === '/api/photos').length;
    const again = startAgent(dir, station, { once: true });
    expect(await again.agent.done).toEqual({ uploaded: 0, refused: 0, pending: 0 });
    expect(fake.requests.filter((r) => r.path === '/api/photos')).toHaveLength(posts);
  });
});
