// The student's confirmation of their own photo (issue 9 section 4, C3): the shot a station asks its student
// to confirm, the one-time pairing codes of review screens and the paired screens (migration 0013).
import type { Insertable, Selectable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { ReviewDevicesTable, ReviewPairingsTable, StationReviewsTable } from '../db/schema.js';

export type StationReviewRow = Selectable<StationReviewsTable>;
export type ReviewPairingRow = Selectable<ReviewPairingsTable>;
export type ReviewDeviceRow = Selectable<ReviewDevicesTable>;

// ───────────────────────────── the shot under review ─────────────────────────────

export async function findStationReview(db: Tx, stationId: string): Promise<StationReviewRow | undefined> {
  return db.selectFrom('station_reviews').selectAll().where('station_id', '=', stationId).executeTakeFirst();
}

/** The review a student is asked for (at most one: asking at a station withdraws the others). */
export async function findReviewOfStudent(db: Tx, studentId: string): Promise<StationReviewRow | undefined> {
  return db.selectFrom('station_reviews').selectAll().where('student_id', '=', studentId).orderBy('requested_at', 'desc').executeTakeFirst();
}

/** Asks for a review at a station (replacing the station's earlier one). */
export async function upsertStationReview(tx: Tx, row: Insertable<StationReviewsTable>): Promise<void> {
  await tx
    .insertInto('station_reviews')
    .values(row)
    .onConflict((oc) =>
      oc.column('station_id').doUpdateSet({ photo_id: row.photo_id, student_id: row.student_id, status: row.status, requested_by: row.requested_by, requested_at: row.requested_at, updated_at: row.updated_at }),
    )
    .execute();
}

/** Withdraws the reviews of a student at other stations (a student confirms at one station at a time). */
export async function deleteReviewsOfStudentElsewhere(tx: Tx, studentId: string, stationId: string): Promise<number> {
  const r = await tx.deleteFrom('station_reviews').where('student_id', '=', studentId).where('station_id', '<>', stationId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function deleteStationReview(tx: Tx, stationId: string): Promise<StationReviewRow | undefined> {
  const before = await findStationReview(tx, stationId);
  if (before) await tx.deleteFrom('station_reviews').where('station_id', '=', stationId).execute();
  return before;
}

/** Clears every review of a student (their photo was confirmed): the stations that asked go idle. */
export async function deleteReviewsOfStudent(tx: Tx, studentId: string): Promise<StationReviewRow[]> {
  const rows = await tx.selectFrom('station_reviews').selectAll().where('student_id', '=', studentId).execute();
  if (rows.length > 0) await tx.deleteFrom('station_reviews').where('student_id', '=', studentId).execute();
  return rows;
}

/** awaiting → retake for this station's shot; false when the station no longer awaits this shot. */
export async function markRetakeRequested(tx: Tx, stationId: string, photoId: string, at: string): Promise<boolean> {
  const r = await tx
    .updateTable('station_reviews')
    .set({ status: 'retake', updated_at: at })
    .where('station_id', '=', stationId)
    .where('photo_id', '=', photoId)
    .where('status', '=', 'awaiting')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ───────────────────────────── pairing codes ─────────────────────────────

/** The station's pairing codes that are neither used, expired nor burnt by wrong attempts. */
export async function listOpenPairings(db: Tx, stationId: string, now: string, maxFailures: number): Promise<ReviewPairingRow[]> {
  return db
    .selectFrom('review_pairings')
    .selectAll()
    .where('station_id', '=', stationId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('failed_attempts', '<', maxFailures)
    .execute();
}

export async function insertPairing(tx: Tx, row: Insertable<ReviewPairingsTable>): Promise<void> {
  await tx.insertInto('review_pairings').values(row).execute();
}

/** Ends the station's open codes (a new one replaces them). */
export async function expireOpenPairings(tx: Tx, stationId: string, now: string): Promise<void> {
  await tx.updateTable('review_pairings').set({ expires_at: now }).where('station_id', '=', stationId).where('used_at', 'is', null).where('expires_at', '>', now).execute();
}

/** Takes a code once: false when another screen used it first. */
export async function usePairing(tx: Tx, id: string, now: string): Promise<boolean> {
  const r = await tx.updateTable('review_pairings').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A wrong code tried against the station: counts against each of its open codes; answers the highest count. */
export async function countFailedAttempt(tx: Tx, stationId: string, now: string): Promise<number> {
  await tx
    .updateTable('review_pairings')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('station_id', '=', stationId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  const row = await tx
    .selectFrom('review_pairings')
    .select((eb) => eb.fn.max('failed_attempts').as('n'))
    .where('station_id', '=', stationId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

// ───────────────────────────── paired screens ─────────────────────────────

export async function insertDevice(tx: Tx, row: Insertable<ReviewDevicesTable>): Promise<void> {
  await tx.insertInto('review_devices').values(row).execute();
}

export async function findDeviceByTokenHash(db: Tx, tokenHash: string): Promise<ReviewDeviceRow | undefined> {
  return db.selectFrom('review_devices').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function touchDevice(tx: Tx, id: string, at: string): Promise<void> {
  await tx.updateTable('review_devices').set({ last_seen_at: at }).where('id', '=', id).execute();
}

/** The station's screens that are paired now (not revoked, not expired). */
export async function listActiveDevices(db: Tx, stationId: string, now: string): Promise<ReviewDeviceRow[]> {
  return db.selectFrom('review_devices').selectAll().where('station_id', '=', stationId).where('revoked_at', 'is', null).where('expires_at', '>', now).orderBy('created_at').execute();
}

export async function revokeDevices(tx: Tx, stationId: string, by: string | null, now: string): Promise<number> {
  const r = await tx
    .updateTable('review_devices')
    .set({ revoked_at: now, revoked_by: by })
    .where('station_id', '=', stationId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
