// `gradphoto blobs migrate --to URL` (issue 11 section 1; docs/decisions/0029-s3-blob-store.md): copies the sealed
// blobs of every photo_blobs row from the local directory to an S3-compatible store. The bytes are copied as they
// are (already sealed: no key is read, none leaves). Each copy is checked (the store's write verifies the MD5);
// a blob already in the store is skipped only when the object read back has the local file's bytes
// (never on the store's ETag alone: a damaged object may keep the ETag of what was sent), so a run killed midway
// is simply run again and a damaged copy is copied again. The prefix is bound to this installation first (its
// marker object), as for `serve`. The local files are kept: the admin removes them after switching
// BLOB_STORE_URL and checking.
import fs from 'node:fs';
import type { BlobStore } from '../adapters/blob-store.js';
import { createBlobStore } from '../adapters/blob-store.js';
import { createS3BlobStore, parseS3BlobStoreUrl } from '../adapters/s3-blob-store.js';
import { AppError } from '../domain/errors.js';
import { getInstallationId } from '../repositories/installation.repository.js';
import * as photoRepo from '../repositories/photo.repository.js';
import { recordAuditEvent } from './audit.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize } from './deps.js';
import path from 'node:path';

export interface BlobMigrationProgress {
  done: number;
  total: number;
}

export interface BlobMigrationResult {
  /** the store copied to (no credentials) */
  to: string;
  /** the local directory the blobs were copied from: kept as it is */
  from: string;
  total: number;
  copied: number;
  /** already in the store with the same bytes, read back (an earlier, interrupted run) */
  skipped: number;
  /** rows whose blob is neither in the local directory nor in the store: listed by blob id */
  missing: string[];
  bytes: number;
}

const PAGE = 500;

/**
 * Before anything is opened: the data directory to migrate from must exist (a mistyped --data would otherwise
 * create a new, empty installation and report success). BLOB_SOURCE_MISSING, nothing created.
 */
export function assertBlobMigrationSource(dataDir: string): void {
  if (!fs.existsSync(dataDir) || !fs.statSync(dataDir).isDirectory()) throw new AppError('BLOB_SOURCE_MISSING', { params: { dir: dataDir }, details: { dir: dataDir } });
}

export async function migrateBlobsToStore(
  deps: ServiceDeps,
  actor: Actor,
  input: { to: string; env?: NodeJS.ProcessEnv; onProgress?: (p: BlobMigrationProgress) => void },
): Promise<BlobMigrationResult> {
  authorize(actor, 'keys.manage');
  const settings = parseS3BlobStoreUrl(input.to, input.env);
  const from = deps.photos.blobs.kind === 'local' ? deps.photos.blobs : createBlobStore(path.join(deps.photos.dataDir, 'blobs'));
  const target = await createS3BlobStore(settings);
  const result: BlobMigrationResult = { to: target.location, from: from.location, total: 0, copied: 0, skipped: 0, missing: [], bytes: 0 };
  try {
    // The store is asked first: a wrong address, key or bucket is said before anything else, even with no photo yet;
    // then the prefix is bound to this installation (another installation's prefix is refused).
    await target.bind(await getInstallationId(deps.db.db));
    result.total = await countRows(deps);
    let after = '';
    let done = 0;
    for (;;) {
      const ids = await photoRepo.listBlobIdsAfter(deps.db.db, after, PAGE);
      if (ids.length === 0) break;
      for (const id of ids) {
        const [there, here] = await Promise.all([target.stat(id), readLocal(from, id)]);
        if (!here) {
          if (!there) result.missing.push(id);
          else result.skipped++;
        } else if (there && there.size === here.length && (await target.read(id)).equals(here)) {
          result.skipped++;
        } else {
          await target.write(id, here);
          result.copied++;
          result.bytes += here.length;
        }
        input.onProgress?.({ done: ++done, total: result.total });
      }
      after = ids.at(-1)!;
    }
  } finally {
    await target.close();
  }
  await recordAuditEvent(deps, actor, {
    action: 'blobs.migrated',
    targetType: 'blobs',
    details: { to: result.to, total: result.total, copied: result.copied, skipped: result.skipped, missing: result.missing.length, bytes: result.bytes },
  });
  return result;
}

async function readLocal(from: BlobStore, id: string): Promise<Buffer | null> {
  try {
    return await from.read(id);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function countRows(deps: ServiceDeps): Promise<number> {
  let n = 0;
  let after = '';
  for (;;) {
    const ids = await photoRepo.listBlobIdsAfter(deps.db.db, after, 5_000);
    if (ids.length === 0) return n;
    n += ids.length;
    after = ids.at(-1)!;
  }
}
