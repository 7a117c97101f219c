// Test support for the registry package (issue 10 section 1, A1): a roster with known ID numbers, confirmed
// standard photos stored as the photo pipeline stores them (sealed blobs, rows), and Debian's gpg in a
// throwaway GNUPGHOME to make keys and to decrypt packages (not only openpgp.js).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import yauzl from 'yauzl';
import { sealBlob } from '../../src/adapters/envelope-crypto.js';
import { computeNationalIdCheckChar } from '../../src/domain/national-id.js';
import { SYSTEM } from '../../src/services/deps.js';
import { applyRosterImport } from '../../src/services/roster.service.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { rosterCsv, rosterRow, type RosterRow } from './rosters.js';

export function nationalIdOf(i: number): string {
  const first17 = `110108199${String(i % 10)}0101${String(100 + i).padStart(3, '0')}`.slice(0, 17);
  return first17 + computeNationalIdCheckChar(first17);
}

export function studentNoOf(i: number): string {
  return `26010${String(i).padStart(5, '0')}`;
}

/** Imports `n` required students of 物理学院 with distinct ID numbers (row i changed by overrides[i]); returns their numbers and ID numbers. */
export async function importRegistryRoster(deps: ServiceDeps, n: number, overrides: Record<number, RosterRow> = {}): Promise<{ studentNos: string[]; nationalIds: string[] }> {
  const studentNos = Array.from({ length: n }, (_, i) => studentNoOf(i + 1));
  const nationalIds = Array.from({ length: n }, (_, i) => nationalIdOf(i + 1));
  const rows = studentNos.map((no, i) => rosterRow(no, { 姓名: i % 2 ? '欧阳娜娜' : '张小三', 身份证号: nationalIds[i]!, 手机: '13800138000', 邮箱: `s${i}@stu.example.edu.cn`, ...overrides[i] }));
  await applyRosterImport(deps, SYSTEM, { buffer: Buffer.from(rosterCsv(rows)) }, 'roster.csv', 'zh');
  return { studentNos, nationalIds };
}

/** A 480×640 JPEG whose bytes differ per seed (as the pipeline's standard output is). */
export async function standardJpeg(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 480, height: 640, channels: 3, background: { r: 100, g: 197, b: (seed * 7) % 256 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * Stores a confirmed standard photo for the student as the photo service does (sealed blob on disk, rows):
 * the pipeline and the confirmation flows are tested elsewhere; here only their result matters.
 */
export async function seedConfirmedPhoto(deps: ServiceDeps, studentNo: string, seed: number, opts: { invalid?: string; station?: string } = {}): Promise<string> {
  const db = deps.db.db;
  const student = await db.selectFrom('students').select(['id', 'campaign_id']).where('student_no', '=', studentNo).executeTakeFirstOrThrow();
  const at = deps.clock().toISOString();
  const photoId = crypto.randomUUID();
  const jpeg = await standardJpeg(seed);
  const blobId = deps.photos.blobs.newId();
  const sealed = sealBlob(deps.photos.keyring, blobId, jpeg);
  await deps.photos.blobs.write(blobId, sealed.sealed);
  await db
    .insertInto('photos')
    .values({
      id: photoId,
      campaign_id: student.campaign_id,
      student_id: student.id,
      sha256: crypto.createHash('sha256').update(jpeg).digest('hex'),
      size: jpeg.length,
      station: opts.station ?? 'beijing-1',
      report: JSON.stringify({ checks: [], accepted: true, hasStandard: true }),
      accepted: 1,
      invalid_reason: opts.invalid ?? null,
      invalid_at: opts.invalid ? at : null,
      uploaded_by: null,
      created_at: at,
    })
    .execute();
  await db.insertInto('photo_blobs').values({ id: blobId, photo_id: photoId, kind: 'standard', wrapped_key: sealed.wrappedKey, kek_version: sealed.kekVersion, size: sealed.sealed.length, created_at: at }).execute();
  await db
    .insertInto('photo_confirmations')
    .values({ id: crypto.randomUUID(), photo_id: photoId, student_id: student.id, confirmed_at: at, confirmed_by: null, voided_at: null, voided_by: null, void_reason: null, method: 'operator_in_presence', station_id: opts.station ?? 'beijing-1', code_match: 0 })
    .execute();
  return photoId;
}

// ───────────────────────────── gpg ─────────────────────────────

export interface Gpg {
  home: string;
  run(args: string[], input?: string): string;
  /** generates a key pair (Curve25519, no passphrase) and returns its armored public key */
  generate(email: string): string;
  exportSecret(email: string): string;
  import(armored: string): void;
  /** decrypts `file` to `out`; returns gpg's status lines (GOODSIG, VALIDSIG… when signed) */
  decrypt(file: string, out: string): string;
  remove(): void;
}

export function createGpg(): Gpg {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-gnupg-'));
  fs.chmodSync(home, 0o700);
  const run = (args: string[], input?: string) =>
    execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  return {
    home,
    run,
    generate(email) {
      run(['--quick-gen-key', `Registry Test <${email}>`, 'default', 'default', 'never']);
      return run(['--armor', '--export', email]);
    },
    exportSecret: (email) => run(['--armor', '--export-secret-keys', email]),
    import(armored) {
      run(['--import'], armored);
    },
    decrypt(file, out) {
      const statusFile = path.join(home, `status-${crypto.randomBytes(4).toString('hex')}`);
      run(['--status-file', statusFile, '--output', out, '--decrypt', file]);
      return fs.readFileSync(statusFile, 'utf8');
    },
    remove() {
      try {
        execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
      } catch {
        // no agent started
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Every entry of a ZIP file: name → bytes (read with yauzl, as the product's roster reader does). */
export function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) return reject(e2 ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Decrypts a package with gpg and reads its ZIP. */
export async function openPackage(gpg: Gpg, file: string): Promise<{ entries: Map<string, Buffer>; status: string }> {
  const out = path.join(gpg.home, `${path.basename(file)}.zip`);
  const status = gpg.decrypt(file, out);
  const entries = await readZip(out);
  fs.rmSync(out, { force: true });
  return { entries, status };
}
