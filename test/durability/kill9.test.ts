// Durability of photo uploads (issue #4 part 7, PITFALLS F17): a real server process on SQLite in a temp
// directory, a station process uploading in a loop, and `kill -9` of the SERVER at random moments, several
// times. After each restart, and at the end: every upload the station saw acknowledged (2xx) has its row
// and its blobs, and its original decrypts to the SHA-256 the station sent; no orphan blob or temporary
// file survives the next start (the start-up sweep), the audit chain holds, and after `gradphoto keys
// rotate` every photo still opens.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../support/rosters.js';
import { openBlob } from '../../src/adapters/envelope-crypto.js';
import { verifyAuditChain } from '../../src/services/audit.service.js';
import { openRuntime } from '../../src/services/runtime.js';

const ROOT = path.resolve('.');
const BIN = path.join(ROOT, 'bin', 'gradphoto.js');
const UPLOADER = path.join(ROOT, 'test', 'durability', 'uploader.ts');
const IMAGE = path.join(ROOT, 'test', 'fixtures', 'photos', 'orientation-1.jpg');
const KILLS = 4;
const STUDENTS = Array.from({ length: 12 }, (_, i) => `24013000${String(i).padStart(2, '0')}`);

interface Ack {
  i: number;
  status: number;
  id: string | null;
  code: string | null;
  sha256: string;
  studentNo: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const children: ChildProcess[] = [];

function startServer(dataDir: string, port: number): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, [BIN, '--data', dataDir, 'serve', '--port', String(port)], {
    cwd: os.tmpdir(),
    env: { ...process.env, DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_MASTER_KEY: '', GRADPHOTO_PHOTO_KEY: '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', COOKIE_SECURE: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (/is running: http/.test(log)) {
        clearInterval(check);
        resolve({ child, log: () => log });
      } else if (child.exitCode !== null || child.signalCode !== null) {
        clearInterval(check);
        reject(new Error(`serve exited:\n${log}`));
      }
    }, 25);
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('close', () => resolve());
    child.kill('SIGKILL');
  });
}

function readAcks(file: string): Ack[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Ack);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill -9 of the server during uploads (SQLite)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-kill9-'));
  const dataDir = path.join(dir, 'data');
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`loses no acknowledged photo and leaves no orphan blob after ${KILLS} kills`, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let server = await startServer(dataDir, port);
    const password = /password:\s+(\S+)/.exec(server.log())![1]!;
    const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    // the demo campaign moved forward to the future: its students graduate in its own target terms
    const campaign = (await (await fetch(`${url}/api/campaign`, { headers: { cookie } })).json()) as { targetTerms: string[] };
    const roster = new FormData();
    roster.append('file', new Blob([rosterCsv(STUDENTS.map((no) => rosterRow(no, { 预计毕业时间: campaign.targetTerms[0]! })))]), 'roster.csv');
    expect((await fetch(`${url}/api/roster/apply`, { method: 'POST', body: roster, headers: { cookie } })).status).toBe(200);

    const ackLog = path.join(dir, 'acks.jsonl');
    const stopFile = path.join(dir, 'stop');
    const uploader = spawn(process.execPath, ['--import', 'tsx', UPLOADER], {
      cwd: ROOT,
      env: { ...process.env, UPLOAD_URL: url, UPLOAD_COOKIE: cookie, UPLOAD_ACK_LOG: ackLog, UPLOAD_STOP_FILE: stopFile, UPLOAD_STUDENTS: STUDENTS.join(','), UPLOAD_IMAGE: IMAGE },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(uploader);
    const uploaderDone = new Promise<void>((resolve) => uploader.once('close', () => resolve()));

    for (let k = 0; k < KILLS; k++) {
      // wait until this server has acknowledged something, then kill it at a random moment
      const seen = readAcks(ackLog).length;
      while (readAcks(ackLog).length === seen) await sleep(20);
      await sleep(50 + crypto.randomInt(700));
      await killHard(server.child);
      const t = Date.now();
      server = await startServer(dataDir, port);
      console.log(`restart ${k + 1}: ${Date.now() - t} ms, ${readAcks(ackLog).length} acknowledged so far`);
    }
    const seen = readAcks(ackLog).length;
    while (readAcks(ackLog).length === seen) await sleep(20);
    fs.writeFileSync(stopFile, '');
    await uploaderDone;
    // one more kill with the last upload possibly in flight, then the start whose sweep must clean up
    await killHard(server.child);
    server = await startServer(dataDir, port);
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('close', r));

    const acks = readAcks(ackLog);
    const acknowledged = acks.filter((a) => a.status === 200 || a.status === 201);
    expect(acks.filter((a) => a.status >= 300)).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(KILLS);

    // `gradphoto keys rotate` on the same data: every data key re-wrapped; the checks below then open
    // every acknowledged photo with the new key version only.
    const rotated = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const cli = spawn(process.execPath, [BIN, '--data', dataDir, 'keys', 'rotate', '--json'], { cwd: os.tmpdir(), env: { ...process.env, DATABASE_URL: '', GRADPHOTO_DATA: '', GRADPHOTO_PHOTO_KEY: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      cli.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      cli.on('error', reject);
      cli.on('close', (code) => resolve({ code, stdout }));
    });
    expect(rotated.code).toBe(0);
    const rotation = JSON.parse(rotated.stdout) as { toVersion: number; rewrapped: number; removedVersions: number[] };
    // the old version is retired, kept for an hour (an upload sealed with it may still be committing), then swept
    expect(rotation).toMatchObject({ toVersion: 2, removedVersions: [] });
    expect(fs.readdirSync(path.join(dataDir, 'keys')).filter((f) => f.startsWith('photo-kek')).sort()).toEqual(['photo-kek.v1.key', 'photo-kek.v1.retired', 'photo-kek.v2.key']);

    const rt = await openRuntime({ dataDir });
    try {
      for (const ack of acknowledged) {
        const photo = await rt.db.db.selectFrom('photos').selectAll().where('id', '=', ack.id!).executeTakeFirst();
        expect(photo, `acknowledged photo ${ack.id} (upload ${ack.i}) is missing`).toBeDefined();
        expect(photo!.sha256).toBe(ack.sha256);
        const blobs = await rt.db.db.selectFrom('photo_blobs').selectAll().where('photo_id', '=', ack.id!).execute();
        const original = blobs.find((b) => b.kind === 'original')!;
        const plain = openBlob(rt.photos!.keyring, original.id, await rt.photos!.blobs.read(original.id), original.wrapped_key, original.kek_version);
        expect(crypto.createHash('sha256').update(plain).digest('hex')).toBe(ack.sha256);
        for (const b of blobs) expect(await rt.photos!.blobs.exists(b.id)).toBe(true);
      }
      const rows = await rt.db.db.selectFrom('photo_blobs').select(['id', 'kek_version']).execute();
      expect(rotation.rewrapped).toBe(rows.length);
      expect(rows.every((b) => b.kek_version === 2)).toBe(true);
      const known = new Set(rows.map((b) => b.id));
      const onDisk: string[] = [];
      for await (const e of rt.photos!.blobs.list()) onDisk.push(e.id ?? `temporary file ${e.file}`);
      expect(onDisk.filter((id) => !known.has(id))).toEqual([]);
      expect((await verifyAuditChain(rt)).ok).toBe(true);
      const swept = await rt.db.db.selectFrom('audit_events').select('details').where('action', '=', 'blobs.orphans_removed').execute();
      console.log(`${acknowledged.length} acknowledged uploads checked; orphans removed at restarts: ${swept.map((e) => (JSON.parse(e.details) as { count: number }).count).join(', ') || 'none'}`);
    } finally {
      await rt.close();
    }
  }, 180_000);
});
