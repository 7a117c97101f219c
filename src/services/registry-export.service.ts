// The registry package (issue 10 section 1, rule A1; docs/decisions/0023-registry-export.md).
//
// A batch holds every confirmed, valid (not E7-flagged), not yet exported standard 480×640 JPEG of the active
// campaign, with manifest.csv, withdrawn.csv (photos of earlier batches withdrawn since) and SHA256SUMS, zipped
// and encrypted with OpenPGP to the registry's public key (optionally signed), streamed to `<out>/<name>.zip.gpg`.
//
// Exactly once: the batch row is 'building' while the file is written (one per campaign: a partial unique
// index), the file is written under a temporary name, fsynced and renamed, and only then one transaction moves
// the row to 'delivered' and claims its photos in registry_export_items (unique per photo). A builder killed
// at any point leaves a 'building' row whose owner is dead: the next run marks it 'abandoned', removes its files
// and builds a new batch with the same photos. Nothing new → nothing written, "nothing to export".
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBlob } from '../adapters/envelope-crypto.js';
import type { PackageEntry, RecipientKey, SigningKey } from '../adapters/openpgp-package.js';
import { assertWritableDir, readRecipientKey, readSigningKey, removePackageFiles, writeEncryptedZip } from '../adapters/openpgp-package.js';
import type { CreateExportResponse, ExportSettings, RegistryExport } from '../contracts/registry-export.js';
import { AppError, isAppError } from '../domain/errors.js';
import { maskName } from '../domain/masking.js';
import { campaignDateTime } from '../domain/prints.js';
import type { ManifestEntry, WithdrawnEntry } from '../domain/registry-export.js';
import {
  DEFAULT_FILE_PATTERN,
  filePatternProblem,
  isBuildStale,
  jpegSize,
  MANIFEST_HEADER,
  manifestLine,
  packageFileName,
  renderFileName,
  showInvisibleChars,
  invisibleChars,
  sha256sumsLine,
  STANDARD_SIZE,
  WITHDRAWN_HEADER,
  withdrawnLine,
  csvLine,
} from '../domain/registry-export.js';
import * as photoRepo from '../repositories/photo.repository.js';
import type { ExportCandidateRow, RegistryExportRow, WithdrawalRow } from '../repositories/registry-export.repository.js';
import * as repo from '../repositories/registry-export.repository.js';
import { assertCampaignOpen, assertCampaignOpenForWrite } from './campaign-close.service.js';
import { getActiveCampaign } from './campaign.service.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import { change, mutate } from './change.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { photoDeletedError } from './retention-readers.js';

/** Where the server keeps the packages it builds (createExport): `<data>/exports` (the blob store's sibling). */
export function serverExportsDir(deps: ServiceDeps): string {
  return path.join(deps.photos.dataDir, 'exports');
}

/** The registry's public key an admin may place in the data directory for createExport without a key. */
export function defaultRecipientKeyFile(deps: ServiceDeps): string {
  return path.join(deps.photos.dataDir, 'keys', 'registry-recipient.asc');
}

/** The exporter's own signing key the server uses when present (createExport). */
export function defaultSigningKeyFile(deps: ServiceDeps): string {
  return path.join(deps.photos.dataDir, 'keys', 'registry-signing.asc');
}

export interface KeyInput {
  bytes: Uint8Array;
  /** what the messages call it: the file's path, or "请求中的公钥" */
  source: string;
}

export interface ExportProgress {
  done: number;
  total: number;
}

export interface RegistryExportInput {
  /** the registry's public key; null: the data directory's keys/registry-recipient.asc */
  recipient: KeyInput | null;
  signer?: (KeyInput & { passphrase?: string | undefined }) | undefined;
  outDir: string;
  filePattern?: string | undefined;
  onProgress?: ((p: ExportProgress) => void) | undefined;
  /** tests: called after the n-th photo went into the package (a crash test stops the process there) */
  afterPhoto?: ((n: number) => Promise<void>) | undefined;
}

export interface PreparedExport {
  export: RegistryExport;
  abandoned: string[];
  /** writes the package and delivers the batch; on failure the batch is 'failed' and nothing is left on disk */
  build(): Promise<RegistryExport>;
}

const PAGE = 200;
const PROGRESS_EVERY = 25;
const OWNER = `${os.hostname()}:${process.pid}`;

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function toRegistryExport(row: RegistryExportRow): RegistryExport {
  return {
    id: row.id,
    status: row.status,
    fileName: row.file_name,
    filePattern: row.file_pattern,
    photoCount: row.photo_count,
    withdrawnCount: row.withdrawn_count,
    progress: { done: row.progress_done, total: row.photo_count },
    bytes: row.bytes === null ? null : Number(row.bytes),
    sha256: row.sha256,
    recipientFingerprint: row.recipient_fingerprint,
    signerFingerprint: row.signer_fingerprint,
    errorCode: row.error_code,
    createdBy: row.created_by,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

async function readKeys(deps: ServiceDeps, input: RegistryExportInput, now: Date): Promise<{ recipient: RecipientKey; signer: SigningKey | undefined }> {
  let recipientInput = input.recipient;
  if (!recipientInput) {
    const file = defaultRecipientKeyFile(deps);
    if (!fs.existsSync(file)) throw new AppError('EXPORT_RECIPIENT_REQUIRED');
    recipientInput = { bytes: fs.readFileSync(file), source: file };
  }
  const recipient = await readRecipientKey(recipientInput.bytes, recipientInput.source, now);
  const signer = input.signer ? await readSigningKey(input.signer.bytes, input.signer.source, now, input.signer.passphrase) : undefined;
  return { recipient, signer };
}

/** Abandons the campaign's building batch when its builder is gone (files removed); EXPORT_IN_PROGRESS while it lives. */
async function abandonStaleBuild(deps: ServiceDeps, actor: Actor, campaignId: string, timeZone: string): Promise<string[]> {
  const building = await repo.findBuildingExport(deps.db.db, campaignId);
  if (!building) return [];
  if (!isBuildStale({ heartbeatAt: building.heartbeat_at, owner: building.owner, now: deps.clock(), host: os.hostname(), pidAlive })) {
    throw new AppError('EXPORT_IN_PROGRESS', { params: { startedAt: campaignDateTime(building.created_at, timeZone), done: building.progress_done, total: building.photo_count } });
  }
  await removePackageFiles(path.join(building.out_dir, building.file_name));
  await mutate(deps, actor, async (tx) => {
    const ok = await repo.finishExport(tx, building.id, 'abandoned', { at: nowIso(deps), errorCode: 'BUILDER_GONE' });
    return {
      value: undefined,
      audit: ok ? { action: 'registry.export_abandoned', targetType: 'registry_export', targetId: building.id, details: { done: building.progress_done, total: building.photo_count } } : null,
    };
  });
  return [building.id];
}

/**
 * Checks everything that can be refused before a byte is written (the keys, the pattern, the output directory,
 * a batch still being built), abandons a dead builder's batch, and opens a new batch — or answers that there is
 * nothing to export (no new photo, no withdrawal: nothing written, no batch row).
 */
export async function prepareRegistryExport(deps: ServiceDeps, actor: Actor, input: RegistryExportInput): Promise<{ nothingToExport: true; abandoned: string[] } | PreparedExport> {
  authorize(actor, 'export.manage');
  const campaign = await getActiveCampaign(deps);
  await assertCampaignOpen(deps.db.db, campaign);
  const pattern = input.filePattern ?? DEFAULT_FILE_PATTERN;
  const problem = filePatternProblem(pattern);
  if (problem) throw new AppError('EXPORT_PATTERN_INVALID', { params: { pattern: showInvisibleChars(pattern), reason: problem }, details: { chars: invisibleChars(pattern) } });
  const now = deps.clock();
  const keys = await readKeys(deps, input, now);
  const outDir = path.resolve(input.outDir);
  const abandoned = await abandonStaleBuild(deps, actor, campaign.id, campaign.timezone);

  const total = await repo.countExportCandidates(deps.db.db, campaign.id);
  const withdrawals = await repo.listWithdrawals(deps.db.db, campaign.id);
  // nothing new: not even the output directory is created
  if (total === 0 && withdrawals.length === 0) return { nothingToExport: true, abandoned };
  await assertWritableDir(outDir);

  const id = crypto.randomUUID();
  const createdAt = nowIso(deps);
  const fileName = packageFileName(createdAt, id);
  let row: RegistryExportRow;
  try {
    row = await mutate(deps, actor, async (tx) => {
      await assertCampaignOpenForWrite(deps, tx, campaign);
      await repo.insertExport(tx, {
        id,
        campaign_id: campaign.id,
        status: 'building',
        file_name: fileName,
        out_dir: outDir,
        file_pattern: pattern,
        recipient_fingerprint: keys.recipient.fingerprint,
        signer_fingerprint: keys.signer?.fingerprint ?? null,
        photo_count: total,
        withdrawn_count: withdrawals.length,
        bytes: null,
        sha256: null,
        owner: OWNER,
        heartbeat_at: createdAt,
        error_code: null,
        created_by: actor.principal?.username ?? actor.system?.label ?? null,
        created_at: createdAt,
        finished_at: null,
      });
      const inserted = (await repo.findExport(tx, id))!;
      return {
        value: inserted,
        audit: { action: 'registry.export_started', targetType: 'registry_export', targetId: id, details: { photos: total, withdrawn: withdrawals.length, recipientFingerprint: keys.recipient.fingerprint, signed: keys.signer !== undefined } },
      };
    });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
      const other = await repo.findBuildingExport(deps.db.db, campaign.id);
      throw new AppError('EXPORT_IN_PROGRESS', { params: { startedAt: campaignDateTime(other?.created_at ?? createdAt, campaign.timezone), done: other?.progress_done ?? 0, total: other?.photo_count ?? 0 } });
    }
    throw e;
  }
  return {
    export: toRegistryExport(row),
    abandoned,
    build: () => buildBatch(deps, actor, row, { campaignId: campaign.id, campaign, keys, withdrawals, input }),
  };
}

interface ClaimedItem {
  photo_id: string;
  student_id: string;
  confirmation_id: string;
  file_name: string;
  sha256: string;
}

async function readStandardJpeg(deps: ServiceDeps, photoId: string): Promise<Buffer> {
  const blob = await photoRepo.findPhotoBlob(deps.db.db, photoId, 'standard');
  if (!blob) throw (await photoDeletedError(deps.db.db, photoId, 'standard')) ?? new AppError('PHOTO_NOT_FOUND');
  const sealed = await deps.photos.blobs.read(blob.id);
  return openBlob(deps.photos.keyring, blob.id, sealed, blob.wrapped_key, blob.kek_version);
}

function sha256(bytes: Buffer | string): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

async function buildBatch(
  deps: ServiceDeps,
  actor: Actor,
  row: RegistryExportRow,
  ctx: { campaignId: string; campaign: Pick<CampaignDefinition, 'id' | 'timezone'>; keys: { recipient: RecipientKey; signer: SigningKey | undefined }; withdrawals: WithdrawalRow[]; input: RegistryExportInput },
): Promise<RegistryExport> {
  const file = path.join(row.out_dir, row.file_name);
  const items: ClaimedItem[] = [];
  const withdrawn: ClaimedItem[] = [];
  let done = 0;
  let total = row.photo_count;
  const progress = async () => {
    total = Math.max(total, done);
    await repo.updateProgress(deps.db.db, row.id, done, nowIso(deps));
    ctx.input.onProgress?.({ done, total });
  };

  async function* entries(): AsyncGenerator<PackageEntry> {
    let manifest = csvLine([...MANIFEST_HEADER]);
    let sums = '';
    const names = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const page: ExportCandidateRow[] = await repo.listExportCandidates(deps.db.db, ctx.campaignId, { afterStudentNo: after, limit: PAGE });
      if (page.length === 0) break;
      for (const c of page) {
        after = c.student_no;
        const name = renderFileName(row.file_pattern, { studentNo: c.student_no, department: c.department });
        if (name === null) throw new AppError('EXPORT_PATTERN_INVALID', { params: { pattern: row.file_pattern, reason: 'pattern-national-id' } });
        if (names.has(name)) throw new AppError('EXPORT_PATTERN_INVALID', { params: { pattern: row.file_pattern, reason: 'pattern-student-no' } });
        names.add(name);
        const bytes = await readStandardJpeg(deps, c.photo_id);
        const size = jpegSize(bytes);
        // Only the standard goes to the registry (F1); a stored standard blob of another size is a defect, not a photo to send.
        if (!size || size.width !== STANDARD_SIZE.width || size.height !== STANDARD_SIZE.height) throw new Error(`the standard photo ${c.photo_id} is not a 480×640 JPEG`);
        const hash = sha256(bytes);
        const entry: ManifestEntry = { studentNo: c.student_no, maskedName: maskName(c.name), department: c.department, file: name, sha256: hash, confirmedAt: c.confirmed_at, station: c.station, codeLast4: c.code_last4 };
        manifest += manifestLine(entry);
        sums += sha256sumsLine(hash, name);
        items.push({ photo_id: c.photo_id, student_id: c.student_id, confirmation_id: c.confirmation_id, file_name: name, sha256: hash });
        yield { name, bytes };
        done++;
        if (done % PROGRESS_EVERY === 0) await progress();
        await ctx.input.afterPhoto?.(done);
      }
    }
    await progress();
    yield { name: 'manifest.csv', bytes: Buffer.from(manifest, 'utf8') };
    sums += sha256sumsLine(sha256(manifest), 'manifest.csv');
    if (ctx.withdrawals.length > 0) {
      let csv = csvLine([...WITHDRAWN_HEADER]);
      for (const w of ctx.withdrawals) {
        const entry: WithdrawnEntry = {
          studentNo: w.student_no,
          file: w.file_name,
          sha256: w.sha256,
          exportedInBatch: w.export_id,
          withdrawnAt: w.voided_at ?? w.invalid_at ?? '',
          why: w.voided_at ? 'voided' : `invalid:${w.invalid_reason ?? ''}`,
        };
        csv += withdrawnLine(entry);
        withdrawn.push({ photo_id: w.photo_id, student_id: w.student_id, confirmation_id: w.confirmation_id, file_name: w.file_name, sha256: w.sha256 });
      }
      yield { name: 'withdrawn.csv', bytes: Buffer.from(csv, 'utf8') };
      sums += sha256sumsLine(sha256(csv), 'withdrawn.csv');
    }
    yield { name: 'SHA256SUMS', bytes: Buffer.from(sums, 'utf8') };
  }

  let written: { bytes: number; sha256: string };
  try {
    written = await writeEncryptedZip({ file, entries: entries(), recipient: ctx.keys.recipient, signer: ctx.keys.signer, date: new Date(row.created_at) });
  } catch (e) {
    await failBatch(deps, actor, row, file, e);
    throw e;
  }
  try {
    const delivered = await mutate(deps, actor, async (tx) => {
      // a package delivered after the close would hand the registry photos the closing report does not count
      await assertCampaignOpenForWrite(deps, tx, ctx.campaign);
      const at = nowIso(deps);
      if (!(await repo.finishExport(tx, row.id, 'delivered', { at, bytes: written.bytes, sha256: written.sha256, progressDone: items.length }))) {
        // abandoned meanwhile by another run that took this builder for dead: its files are gone, so is this batch
        throw new AppError('CONFLICT');
      }
      await tx.updateTable('registry_exports').set({ photo_count: items.length, withdrawn_count: withdrawn.length }).where('id', '=', row.id).execute();
      await repo.insertExportItems(tx, [...items.map((i) => ({ export_id: row.id, kind: 'photo' as const, ...i })), ...withdrawn.map((i) => ({ export_id: row.id, kind: 'withdrawn' as const, ...i }))]);
      const fresh = (await repo.findExport(tx, row.id))!;
      return {
        value: fresh,
        // One event for the batch: every photo it read is in registry_export_items under this batch (decision 0023).
        audit: {
          action: 'registry.exported',
          targetType: 'registry_export',
          targetId: row.id,
          details: { photos: items.length, withdrawn: withdrawn.length, file: row.file_name, bytes: written.bytes, sha256: written.sha256, recipientFingerprint: row.recipient_fingerprint, signerFingerprint: row.signer_fingerprint },
        },
      };
    });
    return toRegistryExport(delivered);
  } catch (e) {
    await failBatch(deps, actor, row, file, e);
    throw e;
  }
}

async function failBatch(deps: ServiceDeps, actor: Actor, row: RegistryExportRow, file: string, e: unknown): Promise<void> {
  await removePackageFiles(file).catch(() => {});
  const code = isAppError(e) ? e.code : 'INTERNAL';
  await mutate(deps, actor, async (tx) => {
    const ok = await repo.finishExport(tx, row.id, 'failed', { at: nowIso(deps), errorCode: code });
    return { value: undefined, audit: ok ? { action: 'registry.export_failed', targetType: 'registry_export', targetId: row.id, result: 'failed', details: { code } } : null };
  }).catch(() => {});
}

/** The whole export in one call (the CLI): prepare, then build and deliver. */
export async function createRegistryExport(deps: ServiceDeps, actor: Actor, input: RegistryExportInput): Promise<CreateExportResponse> {
  const prepared = await prepareRegistryExport(deps, actor, input);
  if ('nothingToExport' in prepared) return { export: null, nothingToExport: true, abandoned: prepared.abandoned };
  const delivered = await prepared.build();
  return { export: delivered, nothingToExport: false, abandoned: prepared.abandoned };
}

export async function listRegistryExports(deps: ServiceDeps, actor: Actor): Promise<{ items: RegistryExport[] }> {
  authorize(actor, 'export.manage');
  const campaign = await getActiveCampaign(deps);
  return { items: (await repo.listExports(deps.db.db, campaign.id)).map(toRegistryExport) };
}

export async function getRegistryExport(deps: ServiceDeps, actor: Actor, id: string): Promise<RegistryExport> {
  authorize(actor, 'export.manage');
  const row = await repo.findExport(deps.db.db, id);
  if (!row) throw new AppError('EXPORT_NOT_FOUND');
  return toRegistryExport(row);
}

/** A delivered batch's encrypted file as a stream; each download is an audit event, written before a byte leaves. */
export async function openRegistryExportFile(deps: ServiceDeps, actor: Actor, id: string): Promise<{ fileName: string; bytes: number; stream: fs.ReadStream }> {
  authorize(actor, 'export.manage');
  const row = await repo.findExport(deps.db.db, id);
  if (!row || row.status !== 'delivered') throw new AppError('EXPORT_NOT_FOUND');
  const file = path.join(row.out_dir, row.file_name);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch {
    throw new AppError('EXPORT_FILE_MISSING', { params: { file: row.file_name } });
  }
  const { size } = await handle.stat();
  try {
    await change(deps, actor, async () => ({ value: undefined, audit: { action: 'registry.export_downloaded', targetType: 'registry_export', targetId: row.id, details: { file: row.file_name, bytes: size } } }));
  } catch (e) {
    await handle.close();
    throw e;
  }
  return { fileName: row.file_name, bytes: size, stream: handle.createReadStream() };
}

/**
 * What the admin page shows before a batch is started: the recipient and signing keys found in the data
 * directory (fingerprint, or why they cannot be used), the default file pattern with a sample student to preview
 * it, and how many photos and withdrawals a batch started now would hold (0 and 0: nothing to export).
 */
export async function getRegistryExportSettings(deps: ServiceDeps, actor: Actor): Promise<ExportSettings> {
  authorize(actor, 'export.manage');
  const campaign = await getActiveCampaign(deps);
  const now = deps.clock();
  const keyState = async (file: string, read: (bytes: Buffer) => Promise<{ fingerprint: string }>) => {
    if (!fs.existsSync(file)) return { configured: false, fingerprint: null, problem: null };
    try {
      return { configured: true, fingerprint: (await read(fs.readFileSync(file))).fingerprint, problem: null };
    } catch (e) {
      return { configured: true, fingerprint: null, problem: isAppError(e) ? e.code : 'INTERNAL' };
    }
  };
  const recipientKey = await keyState(defaultRecipientKeyFile(deps), (b) => readRecipientKey(b, 'keys/registry-recipient.asc', now));
  const signingKey = await keyState(defaultSigningKeyFile(deps), (b) => readSigningKey(b, 'keys/registry-signing.asc', now));
  const [first] = await repo.listExportCandidates(deps.db.db, campaign.id, { afterStudentNo: null, limit: 1 });
  return {
    recipientKey,
    signingKey,
    defaultPattern: DEFAULT_FILE_PATTERN,
    sample: first ? { studentNo: first.student_no, department: first.department } : null,
    candidates: await repo.countExportCandidates(deps.db.db, campaign.id),
    withdrawals: (await repo.listWithdrawals(deps.db.db, campaign.id)).length,
  };
}
