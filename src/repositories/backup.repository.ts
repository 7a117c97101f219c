// What a backup reads from its database snapshot (issue 11 section 2): every blob a row names, with the photo's
// SHA-256 (the original's bytes as received) so that verification can decrypt and compare; and which blobs were
// crypto-shredded since (docs/decisions/0027: a purge after the snapshot removes files the snapshot still names).
import type { Tx } from '../db/database.js';

export interface BackupBlobRow {
  id: string;
  photoId: string;
  kind: string;
  wrappedKey: string;
  kekVersion: number;
  size: number;
  /** SHA-256 of the bytes received for the photo: the original's plain text */
  photoSha256: string;
}

/** Every photo_blobs row in id order, in pages (bounded memory). */
export async function* iterateBlobRows(db: Tx, pageSize = 2000): AsyncGenerator<BackupBlobRow> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('photo_blobs as b')
      .innerJoin('photos as p', 'p.id', 'b.photo_id')
      .select(['b.id', 'b.photo_id', 'b.kind', 'b.wrapped_key', 'b.kek_version', 'b.size', 'p.sha256'])
      .where('b.id', '>', after)
      .orderBy('b.id')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) return;
    for (const r of rows) yield { id: r.id, photoId: r.photo_id, kind: r.kind, wrappedKey: r.wrapped_key, kekVersion: r.kek_version, size: r.size, photoSha256: r.sha256 };
    after = rows[rows.length - 1]!.id;
  }
}

export async function countPhotos(db: Tx): Promise<number> {
  const row = await db.selectFrom('photos').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Of `ids`, those crypto-shredded (their key destroyed by a retention run or the campaign's closing). */
export async function findShreddedBlobIds(db: Tx, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('shredded_blobs').select('id').where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) found.add(r.id);
  }
  return found;
}
