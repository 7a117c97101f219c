// `gradphoto blobs migrate --to URL` (issue 11 section 1; docs/decisions/0029-s3-blob-store.md): copies the sealed
// blobs of every photo_blobs row from the local directory to an S3-compatible store. The bytes are copied as they
// are (already sealed: no key is read, none leaves). Each copy is checked (the store's write verifies the MD5);
// a blob already in the store with the same size and MD5 is skipped, so a run killed midway is simply run again.
// The local files are kept: the admin removes them after switching BLOB_STORE_URL and checking.
import type { BlobStore } from '../adapters/blob-store.js';
import { createBlobStore } from '../adapters/blob-store.js';
import { createS3BlobStore, parseS3BlobStoreUrl } from '../adapters/s3-blob-store.js';
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
  /** already in the store with the same size and MD5 (an earlier, interrupted run) */
  skipped: number;
  /** rows whose blob is neither in the local directory nor in the store: listed by blob id */
  missing: string[];
  bytes: number;
}

const PAGE = 500;

export async function migrateBlobsToStore(
  deps: ServiceDeps,
  actor: Actor,
  input: { to: string; env?: NodeJS.ProcessEnv; onProgress?: (p: BlobMigrationProgress) => void },
): Promise<BlobMigrationResult> {
  authorize(actor, 'keys.manage');
  const settings = parseS3BlobStoreUrl(input.to, input.env);
  const from = deps.photos.blobs.kind === 'local' ? deps.photos.blobs : createBlobStore(path.join(deps.photos.dataDir, 'blobs'));
  const target: BlobStore = await createS3BlobStore(settings);
  const result: BlobMigrationResult = { to: target.location, from: from.location, total: 0, copied: 0, skipped: 0, missing: [], bytes: 0 };
  try {
    // The store is asked first: a wrong address, key or bucket is said before anything else, even with no photo yet.
    await target.list().next();
    result.total = await countRows(deps);
    let after = '';
    let done = 0;
    for (;;) {
      const ids = await photoRepo.listBlobIdsAfter(deps.db.db, after, PAGE);
      if (ids.length === 0) break;
      for (const id of ids) {
        const [there, here] = await Promise.all([target.stat(id), from.stat(id)]);
        if (!here) {
          if (!there) result.missing.push(id);
          else result.skipped++;
        } else if (there && there.size === here.size && there.md5 === here.md5) {
          result.skipped++;
        } else {
          const bytes = await from.read(id);
          await target.write(id, bytes);
          result.copied++;
          result.bytes += bytes.length;
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
