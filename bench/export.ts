// The registry package at size (issue 10 section 1, "Tests and figures"): `npm run bench -- export`.
//
// 10,000 (and 2,000) required students with a confirmed standard photo each are exported as one encrypted batch
// (createRegistryExport: the real service — pages of the database, each blob decrypted from the blob store,
// checked to be 480×640, hashed, zipped, OpenPGP-encrypted to a Curve25519 key, fsynced), and the throughput is
// printed beside `openpgp` encrypting the same JPEG bytes alone (no database, no blobs, no ZIP) to a file in the
// same run. Each measurement runs in a child process of its own, so that its peak RSS is its own: memory must stay
// flat, so the export's peak at 2,000 and at 10,000 photos are printed side by side.
//
// How the photos are made (quickly, not through face detection): four 480×640 JPEGs of blurred noise at quality
// 60 (about 35 KB each, like the standard photos, F1), each copy made distinct (its own SHA-256) by a JPEG comment
// segment holding its number; stored as the photo pipeline stores its output — sealed with the envelope crypto into
// the blob store, with the photos / photo_blobs / photo_confirmations rows — written in bulk by this script. The
// pipeline and the confirmation flows are measured elsewhere (photo, capture-day).
//
// Medians of 3 runs at 10,000 (BENCH_EXPORT_RUNS), each export in a child process of its own (peak RSS: the median
// of the runs); after each run the batch is forgotten (its rows deleted, its file removed) so that the same photos
// are exported again. SQLite; BENCH_EXPORT_SIZES=2000,10000 to change the sizes.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Insertable } from 'kysely';
import * as openpgp from 'openpgp';
import sharp from 'sharp';
import { sealBlob } from '../src/adapters/envelope-crypto.js';
import type { PhotoBlobsTable, PhotoConfirmationsTable, PhotosTable } from '../src/db/schema.js';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { loadCampaign, readPublishedDemoCampaign } from '../src/services/campaign.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { createRegistryExport } from '../src/services/registry-export.service.js';
import { applyRosterImport } from '../src/services/roster.service.js';
import { openRuntime } from '../src/services/runtime.js';
import { rosterCsv, rosterRow } from '../test/support/rosters.js';
import { benchDir, fmt, median, report } from './lib.js';

const SELF = fileURLToPath(import.meta.url);
const RUNS = Number(process.env.BENCH_EXPORT_RUNS ?? 3);
const SIZES = (process.env.BENCH_EXPORT_SIZES ?? '2000,10000').split(',').map(Number);

/** Photo i: base JPEG i % 4 with a comment segment naming i right after SOI (a valid JPEG, its own SHA-256). */
function photoBytes(bases: Buffer[], i: number): Buffer {
  const base = bases[i % bases.length]!;
  const text = Buffer.from(`gradphoto bench photo ${i}`, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([base.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, base.subarray(2)]);
}

function readBases(dir: string): Buffer[] {
  return [0, 1, 2, 3].map((k) => fs.readFileSync(path.join(dir, `base-${k}.jpg`)));
}

function studentNo(i: number): string {
  return `2601${String(i).padStart(6, '0')}`;
}

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

// ───────────────────────────── children ─────────────────────────────

/** Makes a data directory with `n` required students, each with a confirmed standard photo, and the key pair. */
async function childSetup(dataDir: string, n: number): Promise<void> {
  const deps = await openRuntime({ dataDir, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  try {
    // the published demo campaign (targets 2024-01 / 2024-07): every student of rosterRow is required (E1)
    await loadCampaign(deps, SYSTEM, readPublishedDemoCampaign());
    const rows = Array.from({ length: n }, (_, i) => rosterRow(studentNo(i), { 姓名: i % 2 ? '欧阳娜娜' : '张小三' }));
    await applyRosterImport(deps, SYSTEM, { buffer: Buffer.from(rosterCsv(rows)) }, 'bench.csv', 'zh');
    for (let k = 0; k < 4; k++) {
      const jpeg = await sharp({ create: { width: 480, height: 640, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 150, sigma: 60 } } })
        .blur(1.2)
        .jpeg({ quality: 60 })
        .toBuffer();
      fs.writeFileSync(path.join(dataDir, `base-${k}.jpg`), jpeg);
    }
    const bases = readBases(dataDir);
    const db = deps.db.db;
    const students = await db.selectFrom('students').select(['id', 'campaign_id', 'student_no']).orderBy('student_no').execute();
    const at = new Date().toISOString();
    for (let start = 0; start < students.length; start += 200) {
      const page = students.slice(start, start + 200);
      const photos: Insertable<PhotosTable>[] = [];
      const blobs: Insertable<PhotoBlobsTable>[] = [];
      const confirmations: Insertable<PhotoConfirmationsTable>[] = [];
      for (const [j, s] of page.entries()) {
        const jpeg = photoBytes(bases, start + j);
        const photoId = crypto.randomUUID();
        const blobId = deps.photos.blobs.newId();
        const sealed = sealBlob(deps.photos.keyring, blobId, jpeg);
        await deps.photos.blobs.write(blobId, sealed.sealed);
        photos.push({ id: photoId, campaign_id: s.campaign_id, student_id: s.id, sha256: crypto.createHash('sha256').update(jpeg).digest('hex'), size: jpeg.length, station: 'beijing-1', report: '{"checks":[],"accepted":true}', accepted: 1, invalid_reason: null, invalid_at: null, uploaded_by: null, created_at: at });
        blobs.push({ id: blobId, photo_id: photoId, kind: 'standard', wrapped_key: sealed.wrappedKey, kek_version: sealed.kekVersion, size: sealed.sealed.length, created_at: at });
        confirmations.push({ id: crypto.randomUUID(), photo_id: photoId, student_id: s.id, confirmed_at: at, confirmed_by: null, voided_at: null, voided_by: null, void_reason: null, method: 'operator_in_presence', station_id: 'beijing-1', code_match: 0 });
      }
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('photos').values(photos).execute();
        await tx.insertInto('photo_blobs').values(blobs).execute();
        await tx.insertInto('photo_confirmations').values(confirmations).execute();
      });
    }
    const key = await openpgp.generateKey({ userIDs: [{ name: 'Registry', email: 'registry@chsi.example.org' }], date: new Date(Date.now() - 60_000), format: 'armored' });
    fs.writeFileSync(path.join(dataDir, 'registry.asc'), key.publicKey);
  } finally {
    await deps.close();
  }
}

/** Exports the data directory's photos `runs` times (forgetting the batch in between): times, sizes, peak RSS. */
async function childExport(dataDir: string, runs: number): Promise<void> {
  const deps = await openRuntime({ dataDir, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  const out = path.join(dataDir, 'out');
  const recipient = { bytes: fs.readFileSync(path.join(dataDir, 'registry.asc')), source: 'registry.asc' };
  const ms: number[] = [];
  let photos = 0;
  let packageBytes = 0;
  try {
    for (let r = 0; r < runs; r++) {
      const t0 = process.hrtime.bigint();
      const done = await createRegistryExport(deps, SYSTEM, { recipient, outDir: out });
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      photos = done.export!.photoCount;
      packageBytes = done.export!.bytes!;
      // forget the batch: the same photos are exported again by the next run
      await deps.db.db.deleteFrom('registry_export_items').execute();
      await deps.db.db.deleteFrom('registry_exports').execute();
      fs.rmSync(out, { recursive: true, force: true });
    }
  } finally {
    await deps.close();
  }
  const bases = readBases(dataDir);
  let payloadBytes = 0;
  for (let i = 0; i < photos; i++) payloadBytes += photoBytes(bases, i).length;
  process.stdout.write(JSON.stringify({ ms, photos, payloadBytes, packageBytes, maxRssMb: maxRssMb() }) + '\n');
}

/** openpgp alone: the same JPEG bytes, one after another, encrypted as one stream to the same key into a file. */
async function childOpenpgp(dataDir: string, n: number, runs: number): Promise<void> {
  const bases = readBases(dataDir);
  const key = await openpgp.readKey({ armoredKey: fs.readFileSync(path.join(dataDir, 'registry.asc'), 'utf8') });
  const file = path.join(dataDir, 'openpgp-only.gpg');
  const ms: number[] = [];
  let payloadBytes = 0;
  for (let r = 0; r < runs; r++) {
    payloadBytes = 0;
    const t0 = process.hrtime.bigint();
    let i = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i >= n) return controller.close();
        const bytes = photoBytes(bases, i++);
        payloadBytes += bytes.length;
        controller.enqueue(bytes);
      },
    });
    const message = await openpgp.createMessage({ binary: source });
    const encrypted = (await openpgp.encrypt({ message, encryptionKeys: key, format: 'binary' })) as unknown as ReadableStream<Uint8Array>;
    await pipeline(Readable.fromWeb(encrypted as never), fs.createWriteStream(file));
    const h = await fs.promises.open(file, 'r');
    await h.sync();
    await h.close();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    fs.rmSync(file);
  }
  process.stdout.write(JSON.stringify({ ms, photos: n, payloadBytes, maxRssMb: maxRssMb() }) + '\n');
}

// ───────────────────────────── parent ─────────────────────────────

function child<T>(args: string[]): T {
  const out = execFileSync(process.execPath, ['--import', 'tsx', SELF, '--export-child', ...args], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

interface ExportRun {
  ms: number[];
  photos: number;
  payloadBytes: number;
  packageBytes: number;
  maxRssMb: number;
}

const mbps = (bytes: number, ms: number) => bytes / 1048576 / (ms / 1000);

export async function benchExport(): Promise<void> {
  const figures: { n: number; exp: ExportRun; alone: ExportRun }[] = [];
  for (const n of SIZES) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-export-'));
    try {
      const t0 = Date.now();
      child<unknown>(['setup', dataDir, String(n)]);
      process.stdout.write(`  (${fmt(n)} students and confirmed photos stored in ${fmt((Date.now() - t0) / 1000, 1)} s)\n`);
      // one child process per run, so that each peak RSS is one export's own (garbage of an earlier run not counted)
      const runs = n === Math.max(...SIZES) ? RUNS : 1;
      const each = Array.from({ length: runs }, () => child<ExportRun>(['export', dataDir, '1']));
      const exp: ExportRun = { ...each[0]!, ms: each.flatMap((r) => r.ms), maxRssMb: median(each.map((r) => r.maxRssMb)) };
      if (exp.photos !== n) throw new Error(`exported ${exp.photos} of ${n}`);
      const alone = child<ExportRun>(['openpgp', dataDir, String(n), String(runs)]);
      if (alone.payloadBytes !== exp.payloadBytes) throw new Error('the baseline did not encrypt the same bytes');
      figures.push({ n, exp, alone });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  for (const { n, exp, alone } of figures) {
    const e = median(exp.ms);
    const a = median(alone.ms);
    report({
      name: `registry export of ${fmt(n)} photos (${fmt(exp.payloadBytes / 1048576, 1)} MB of JPEG, package ${fmt(exp.packageBytes / 1048576, 1)} MB; SQLite; median of ${exp.ms.length})`,
      figure: `${fmt(e / 1000, 1)} s, ${fmt(mbps(exp.payloadBytes, e), 1)} MB/s, ${fmt((n / e) * 1000)} photos/s; peak RSS ${fmt(exp.maxRssMb)} MB`,
      baseline: `openpgp alone encrypting the same bytes to a file: ${fmt(a / 1000, 1)} s, ${fmt(mbps(alone.payloadBytes, a), 1)} MB/s; peak RSS ${fmt(alone.maxRssMb)} MB`,
      ratio: `the export runs at ${fmt(mbps(exp.payloadBytes, e) / mbps(alone.payloadBytes, a), 2)}× openpgp's speed; +${fmt(exp.maxRssMb - alone.maxRssMb)} MB peak RSS over it`,
      raw: { photos: n, exportMs: exp.ms, openpgpMs: alone.ms, payloadBytes: exp.payloadBytes, packageBytes: exp.packageBytes, exportPeakMb: exp.maxRssMb, openpgpPeakMb: alone.maxRssMb },
    });
  }
  if (figures.length >= 2) {
    const [small, big] = [figures[0]!, figures[figures.length - 1]!];
    report({
      name: `memory of the export: ${fmt(small.n)} vs ${fmt(big.n)} photos`,
      figure: `peak RSS ${fmt(small.exp.maxRssMb)} MB at ${fmt(small.n)}, ${fmt(big.exp.maxRssMb)} MB at ${fmt(big.n)} (${fmt(big.exp.payloadBytes / 1048576)} MB of photos)`,
      baseline: `openpgp alone: ${fmt(small.alone.maxRssMb)} MB at ${fmt(small.n)}, ${fmt(big.alone.maxRssMb)} MB at ${fmt(big.n)}`,
      ratio: `${fmt(big.n / small.n, 0)}× the photos, +${fmt(big.exp.maxRssMb - small.exp.maxRssMb)} MB peak RSS`,
      raw: { sizes: [small.n, big.n], exportPeakMb: [small.exp.maxRssMb, big.exp.maxRssMb], openpgpPeakMb: [small.alone.maxRssMb, big.alone.maxRssMb] },
    });
  }
  fs.mkdirSync(benchDir(), { recursive: true });
}

if (process.argv[2] === '--export-child') {
  const [mode, dataDir, a, b] = process.argv.slice(3);
  if (mode === 'setup') await childSetup(dataDir!, Number(a));
  else if (mode === 'export') await childExport(dataDir!, Number(a));
  else if (mode === 'openpgp') await childOpenpgp(dataDir!, Number(a), Number(b));
  if (mode === 'setup') process.stdout.write('{}\n');
  process.exit(0);
}
