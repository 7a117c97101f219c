// Invalid photos (E7) and voided confirmations (issue 10 section 4): one query per list, joined with what the
// registry package did with the photo (registry_export_items: a photo is in at most one delivered batch and
// withdrawn at most once, partial unique indexes), so no row repeats.
import type { Tx } from '../db/database.js';

export interface CorrectionsFilter {
  campaignId: string;
  departments?: string[] | undefined;
  department?: string | undefined;
}

export interface InvalidPhotoRow {
  photo_id: string;
  student_no: string;
  name: string;
  department: string;
  invalid_reason: string;
  invalid_at: string | null;
  created_at: string;
  confirmed_at: string | null;
  voided_at: string | null;
  exported_in: string | null;
  withdrawn_in: string | null;
}

/** Every photo flagged invalid (E7), newest flag first, with its latest confirmation and its registry batches. */
export async function listInvalidPhotos(db: Tx, f: CorrectionsFilter & { reason?: string | undefined }): Promise<InvalidPhotoRow[]> {
  let q = db
    .selectFrom('photos as p')
    .innerJoin('students as s', 's.id', 'p.student_id')
    .leftJoin(
      (eb) => eb.selectFrom('photo_confirmations').select(['photo_id', (e) => e.fn.max('confirmed_at').as('confirmed_at')]).groupBy('photo_id').as('c'),
      (j) => j.onRef('c.photo_id', '=', 'p.id'),
    )
    .leftJoin('photo_confirmations as cc', (j) => j.onRef('cc.photo_id', '=', 'p.id').onRef('cc.confirmed_at', '=', 'c.confirmed_at'))
    .leftJoin('registry_export_items as xi', (j) => j.onRef('xi.photo_id', '=', 'p.id').on('xi.kind', '=', 'photo'))
    .leftJoin('registry_exports as xe', (j) => j.onRef('xe.id', '=', 'xi.export_id').on('xe.status', '=', 'delivered'))
    .leftJoin('registry_export_items as wi', (j) => j.onRef('wi.photo_id', '=', 'p.id').on('wi.kind', '=', 'withdrawn'))
    .leftJoin('registry_exports as we', (j) => j.onRef('we.id', '=', 'wi.export_id').on('we.status', '=', 'delivered'))
    .where('p.campaign_id', '=', f.campaignId)
    .where('p.invalid_reason', 'is not', null);
  if (f.departments) q = f.departments.length ? q.where('s.department', 'in', f.departments) : q.where(({ lit }) => lit(false));
  if (f.department) q = q.where('s.department', '=', f.department);
  if (f.reason) q = q.where('p.invalid_reason', '=', f.reason);
  const rows = await q
    .select(['p.id as photo_id', 's.student_no', 's.name', 's.department', 'p.invalid_reason', 'p.invalid_at', 'p.created_at', 'cc.confirmed_at', 'cc.voided_at', 'xe.file_name as exported_in', 'we.file_name as withdrawn_in'])
    .orderBy('p.invalid_at', 'desc')
    .orderBy('s.student_no')
    .orderBy('p.id')
    .execute();
  return rows.map((r) => ({ ...r, invalid_reason: r.invalid_reason ?? '' }));
}

export interface VoidedConfirmationRow {
  confirmation_id: string;
  photo_id: string;
  student_no: string;
  name: string;
  department: string;
  confirmed_at: string;
  voided_at: string;
  voided_by_name: string | null;
  void_reason: string | null;
  registry_answer_id: string | null;
  new_confirmed_at: string | null;
  exported_in: string | null;
  withdrawn_in: string | null;
}

/**
 * Every voided confirmation, newest first: who voided it and why, whether the registry's 有误 answer did it
 * (registry_answers.voided_confirmation_id), and the student's confirmation since, if any.
 */
export async function listVoidedConfirmations(db: Tx, f: CorrectionsFilter & { kind?: 'manual' | 'registry' | undefined; open?: boolean | undefined }): Promise<VoidedConfirmationRow[]> {
  let q = db
    .selectFrom('photo_confirmations as c')
    .innerJoin('students as s', 's.id', 'c.student_id')
    .leftJoin('users as u', 'u.id', 'c.voided_by')
    .leftJoin('registry_answers as ra', 'ra.voided_confirmation_id', 'c.id')
    .leftJoin('photo_confirmations as n', (j) => j.onRef('n.student_id', '=', 'c.student_id').on('n.voided_at', 'is', null).onRef('n.confirmed_at', '>=', 'c.confirmed_at').onRef('n.id', '!=', 'c.id'))
    .leftJoin('registry_export_items as xi', (j) => j.onRef('xi.photo_id', '=', 'c.photo_id').onRef('xi.confirmation_id', '=', 'c.id').on('xi.kind', '=', 'photo'))
    .leftJoin('registry_exports as xe', (j) => j.onRef('xe.id', '=', 'xi.export_id').on('xe.status', '=', 'delivered'))
    .leftJoin('registry_export_items as wi', (j) => j.onRef('wi.photo_id', '=', 'c.photo_id').on('wi.kind', '=', 'withdrawn'))
    .leftJoin('registry_exports as we', (j) => j.onRef('we.id', '=', 'wi.export_id').on('we.status', '=', 'delivered'))
    .where('s.campaign_id', '=', f.campaignId)
    .where('c.voided_at', 'is not', null);
  if (f.departments) q = f.departments.length ? q.where('s.department', 'in', f.departments) : q.where(({ lit }) => lit(false));
  if (f.department) q = q.where('s.department', '=', f.department);
  if (f.kind === 'registry') q = q.where('ra.id', 'is not', null);
  if (f.kind === 'manual') q = q.where('ra.id', 'is', null);
  if (f.open === true) q = q.where('n.id', 'is', null);
  if (f.open === false) q = q.where('n.id', 'is not', null);
  const rows = await q
    .select([
      'c.id as confirmation_id',
      'c.photo_id',
      's.student_no',
      's.name',
      's.department',
      'c.confirmed_at',
      'c.voided_at',
      (eb) => eb.fn.coalesce('u.display_name', 'u.username').as('voided_by_name'),
      'c.void_reason',
      'ra.id as registry_answer_id',
      'n.confirmed_at as new_confirmed_at',
      'xe.file_name as exported_in',
      'we.file_name as withdrawn_in',
    ])
    .orderBy('c.voided_at', 'desc')
    .orderBy('s.student_no')
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({ ...r, voided_at: r.voided_at ?? '' }));
}

/** The departments the roster names (a filter may name one the campaign's table does not). */
export async function listRosterDepartments(db: Tx, campaignId: string): Promise<string[]> {
  const rows = await db.selectFrom('students').select('department').distinct().where('campaign_id', '=', campaignId).execute();
  return rows.map((r) => r.department);
}
