// What readers of a crypto-shredded photo answer (issue 10 section 5, A3): PHOTO_DELETED (410) naming what was
// deleted and when, instead of a missing blob (500) — the station, /my, the export, print sheets and getPhotoImage.
import type { Tx } from '../db/database.js';
import { AppError } from '../domain/errors.js';
import { findShredded, listShreddedOfPhotoIds } from '../repositories/retention.repository.js';

const WHAT = {
  original: { zh: '原始照片', en: 'camera original' },
  standard: { zh: '标准照片', en: 'standard photo' },
} as const;

/** PHOTO_DELETED for a blob the retention policy shredded, or null when it never existed. */
export async function photoDeletedError(db: Tx, photoId: string, kind: 'original' | 'standard'): Promise<AppError | null> {
  const gone = await findShredded(db, photoId, kind);
  if (!gone) return null;
  return new AppError('PHOTO_DELETED', {
    params: { whatZh: WHAT[kind].zh, whatEn: WHAT[kind].en, date: gone.shredded_at.slice(0, 10) },
    details: { photoId, kind, deletedAt: gone.shredded_at, reason: gone.reason },
  });
}

/** Per photo: when its original / standard blob was shredded (photos with nothing shredded are absent). */
export type ShreddedOfPhotos = Map<string, { original?: string; standard?: string }>;

export async function listShreddedOfPhotos(db: Tx, photoIds: string[]): Promise<ShreddedOfPhotos> {
  const out: ShreddedOfPhotos = new Map();
  for (const r of await listShreddedOfPhotoIds(db, photoIds)) {
    const entry = out.get(r.photo_id) ?? {};
    if (r.kind === 'original' || r.kind === 'standard') entry[r.kind] = r.shredded_at;
    out.set(r.photo_id, entry);
  }
  return out;
}
