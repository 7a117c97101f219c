import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { scrubNationalIds } from './national-id.js';

/** Audit actions read `noun.past-participle` (docs/architecture.md). One closed list so reports can rely on it. */
export const AUDIT_ACTIONS = [
  'auth.logged_in',
  'auth.login_failed',
  'auth.logged_out',
  'auth.password_changed',
  'auth.totp_setup',
  'auth.totp_enabled',
  'user.created',
  // switched off or on, or given a new password by an admin (its sessions end)
  'user.updated',
  'campaign.loaded',
  'campaign.terms_changed',
  'roster.imported',
  'student.national_id_viewed',
  'student.access_denied',
  // a signed-in caller refused by a route's declared permission (http/app.ts), whatever the route
  'access.denied',
  'students.exported',
  'booking.created',
  'booking.moved',
  'booking.cancelled',
  'waitlist.joined',
  'waitlist.promoted',
  'sessions.generated',
  'site_settings.changed',
  'campaign.schedule_changed',
  'photo.uploaded',
  'photo.upload_refused',
  'photo.viewed',
  'photo.confirmed',
  'photo.confirmation_voided',
  'photo.flagged_invalid',
  // the student confirms their own photo (issue 9 section 4, C3): the station asks, the student answers
  'photo.review_requested',
  'photo.review_withdrawn',
  'photo.retake_requested',
  'review_screen.pairing_created',
  'review_screen.paired',
  'review_screen.pairing_refused',
  'review_screen.revoked',
  'keys.rotated',
  'blobs.orphans_removed',
  'blobs.migrated',
  'auth.signin_link_sent',
  'auth.signin_link_used',
  'auth.oidc_logged_in',
  'auth.oidc_refused',
  'reminders.queued',
  // a secretary mailed the students of a department who had not booked or did not come (counts only)
  'students.reminded',
  'station.student_set',
  'station.student_cleared',
  // check-in and the queue (issue 9, C1, C4)
  'collection_code.refused',
  'ticket.checked_in',
  'ticket.called',
  'ticket.served',
  'ticket.recalled',
  'ticket.skipped',
  'ticket.removed',
  'ticket.transferred',
  // electronic payments (issue 9 section 3, P1)
  'payment.recorded',
  'payment.refused',
  'payment_statement.imported',
  'payment_settings.changed',
  'payments.exported',
  // make-up captures (issue 10 section 3, S6)
  'makeup_outlet.created',
  'makeup_outlet.updated',
  'makeup_settings.changed',
  'makeups.exported',
  // the registry package (issue 10 section 1, A1)
  'registry.export_started',
  'registry.exported',
  'registry.export_failed',
  'registry.export_abandoned',
  'registry.export_downloaded',
  // prints and hand-over (issue 10 section 2, A2): each step with its count; the sheet is one photo read per sheet
  'prints.batch_created',
  'prints.batch_sent',
  'prints.batch_received',
  'prints.sheet_downloaded',
  'prints.delivery_sent',
  'prints.delivery_received',
  'prints.handed_over',
  'prints.handover_list_downloaded',
  'registry.answer_imported',
  'registry.retakes_exported',
  // retention and deletion (issue 10 section 5, A3): counts only
  'retention.policy_changed',
  'retention.purged',
  'retention.run_abandoned',
  'campaign.closed',
  'retention.record_generated',
  // backup and restore (issue 11 section 2): the backup's id and counts
  'backup.created',
  'backup.restored',
  // corrections and dashboards (issue 10 sections 4 and 6)
  'corrections.exported',
  'dashboard.exported',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditResult = 'ok' | 'denied' | 'failed';

export interface AuditActor {
  userId: string | null;
  username: string | null;
  role: string | null;
  ip: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, username: 'system', role: null, ip: null };

/** The fields of an event that the chain covers, in a fixed order. */
export interface AuditRecord {
  seq: number;
  at: string;
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  result: AuditResult;
  details: string; // canonical JSON
}

export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** Deterministic JSON (sorted keys) so that a stored event hashes the same on every database. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The event fields the chain covers, in a fixed order, as canonical JSON. */
function auditRecordBody(record: AuditRecord): string {
  return canonicalJson({
    seq: record.seq,
    at: record.at,
    actorId: record.actorId,
    actorName: record.actorName,
    actorRole: record.actorRole,
    action: record.action,
    targetType: record.targetType,
    targetId: record.targetId,
    ip: record.ip,
    result: record.result,
    details: record.details,
  });
}

/**
 * hash(n) = HMAC-SHA-256(audit key, hash(n-1) ‖ canonical event n). Editing or deleting an event breaks every
 * later link, and without the audit key (kept outside the database, docs/decisions/0002) nobody can compute
 * a replacement chain (rule A3: every access logged, and the log must be trustworthy).
 */
export function computeAuditHash(key: Buffer, prevHash: string, record: AuditRecord): string {
  return createHmac('sha256', key).update(prevHash).update('\n').update(auditRecordBody(record)).digest('hex');
}

/**
 * The chain before migration 0008: plain SHA-256, which anyone with write access to the database could
 * recompute. Read only by that migration, to verify the old chain before re-keying it.
 */
export function computeLegacyAuditHash(prevHash: string, record: AuditRecord): string {
  return createHash('sha256').update(prevHash).update('\n').update(auditRecordBody(record)).digest('hex');
}

/**
 * A short public name of the audit key, stored beside the chain: a start with a different key (lost key file,
 * wrong GRADPHOTO_AUDIT_KEY on one machine) is refused instead of silently writing an unverifiable chain.
 * An HMAC of a constant: it tells nothing about the key.
 */
export function computeAuditKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('gradphoto audit key id').digest('hex').slice(0, 16);
}

/** A point of the chain recorded outside the database: event `seq` had `hash` when it was written at `at`. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  /** HMAC-SHA-256 under the audit key over the other four fields */
  mac: string;
}

// The prefix keeps checkpoint MACs and chain hashes apart: a chain input starts with 64 hex characters.
function checkpointBody(cp: Omit<AuditCheckpoint, 'mac'>): string {
  return `gradphoto audit checkpoint\n${canonicalJson({ seq: cp.seq, hash: cp.hash, at: cp.at, keyId: cp.keyId })}`;
}

export function signAuditCheckpoint(key: Buffer, cp: Omit<AuditCheckpoint, 'mac' | 'keyId'>): AuditCheckpoint {
  const unsigned = { seq: cp.seq, hash: cp.hash, at: cp.at, keyId: computeAuditKeyId(key) };
  return { ...unsigned, mac: createHmac('sha256', key).update(checkpointBody(unsigned)).digest('hex') };
}

/** True when `cp` was signed with `key` and not changed since. */
export function isAuditCheckpointAuthentic(key: Buffer, cp: AuditCheckpoint): boolean {
  const expected = createHmac('sha256', key).update(checkpointBody(cp)).digest();
  const given = Buffer.from(typeof cp.mac === 'string' ? cp.mac : '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Details never carry a national ID number or a password (A3): defence in depth on top of callers. */
export function scrubAuditDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubNationalIds(v);
    if (Array.isArray(v)) return v.map(scrub);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([k]) => !/password|secret|token|nationalid/i.test(k))
          .map(([k, val]) => [k, scrub(val)]),
      );
    }
    return v;
  };
  return scrub(details) as Record<string, unknown>;
}
