import type { ColumnType, Generated } from 'kysely';

/**
 * Table types. Times are ISO-8601 UTC strings (`2026-11-28T08:00:00.000Z`) on both databases so that
 * values, ordering and hashes are identical on SQLite and PostgreSQL; booleans are 0/1 integers.
 */
export interface CampaignsTable {
  id: string;
  definition: string; // JSON, the campaign file of docs/rules/campaign-file.md
  active: number;
  created_at: string;
  updated_at: string;
}

export interface StudentsTable {
  id: string; // opaque; never the student number or an ID number (A3)
  campaign_id: string;
  student_no: string;
  name: string;
  department: string;
  level: string;
  certificate: string;
  expected_term: string;
  finish: string;
  employed: number;
  study_city: string | null;
  prior_capture_term: string | null;
  deferred_to: string | null;
  converting_from_completion: number;
  national_id_enc: string | null; // AES-256-GCM, see adapters/field-cipher
  national_id_hmac: string | null; // keyed hash, to tell whether the number changed without decrypting
  national_id_mask: string | null; // 11**************1X, shown to admins without decrypting
  email: string | null;
  phone: string | null;
  decision: string;
  rule: string | null;
  site: string;
  row_hash: string;
  removed_at: string | null;
  created_at: string;
  updated_at: string;
  /** set when a mail to `email` bounced permanently (550 …); an admin sees it (issue #3 part 7) */
  email_bounced_at: string | null;
}

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  display_name: string | null;
  student_no: string | null;
  totp_secret: string | null;
  totp_enabled: number;
  totp_last_step: number | null;
  disabled: number;
  created_at: string;
  updated_at: string;
}

export interface UserDepartmentsTable {
  user_id: string;
  department: string;
}

export interface SessionsTable {
  id: string; // SHA-256 of the cookie token: a database leak does not leak live sessions
  user_id: string;
  created_at: string;
  last_seen_at: string;
  absolute_expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  key: string; // 'user:<name>', 'ip:<address>' or 'pair:<keyed hash of name and address>'
  at: string;
}

/** Addresses an account signed in from with its password, as keyed hashes (0010-login-throttle). */
export interface LoginKnownAddressesTable {
  user_id: string;
  address_hash: string;
  last_success_at: string;
}

export interface AuditEventsTable {
  seq: number;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  result: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/**
 * Events written by a PostgreSQL transaction, not yet chained (migration 0021, decision 0032): moved into
 * `audit_events` with their sequence number and hash right after the commit. Empty on SQLite.
 */
export type AuditPendingTable = Omit<AuditEventsTable, 'seq' | 'prev_hash' | 'hash'> & { id: Generated<number> };

/** One row (id = 1): the chain's last sequence number and hash. Locking it serialises chaining. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
  /** names the audit key the chain is written with (migration 0008); null only before that migration */
  key_id: string | null;
}

export interface RosterImportsTable {
  id: string;
  campaign_id: string;
  file_sha256: string;
  file_name: string;
  format: string;
  summary: string;
  created_by: string | null;
  created_at: string;
}

export interface SiteSettingsTable {
  campaign_id: string;
  site: string;
  stations: number;
  minutes_per_student: number;
  updated_at: string;
}

export interface ScheduleSessionsTable {
  id: string;
  campaign_id: string;
  site: string;
  date: string; // YYYY-MM-DD in the campaign's time zone
  start_time: string; // HH:MM in the campaign's time zone
  end_time: string;
  capacity: number;
  booked: number; // seats taken; CHECK (booked <= capacity); equals count(active bookings)
  updated_at: string;
}

export interface BookingsTable {
  id: string;
  campaign_id: string;
  session_id: string;
  student_id: string;
  status: string; // active | cancelled
  created_by: string | null;
  created_at: string;
  cancelled_at: string | null;
}

export interface WaitlistEntriesTable {
  id: string;
  session_id: string;
  student_id: string;
  status: string; // waiting | promoted | cancelled
  created_at: string;
  resolved_at: string | null;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  /** 'pending' while the claiming transaction works, 'done' once the answer below is stored */
  state: 'pending' | 'done';
  status_code: number;
  response: string;
  created_at: string;
}

export interface NotificationsTable {
  id: string;
  student_id: string;
  kind: string;
  payload: string;
  created_at: string;
  sent_at: string | null;
  /** a permanent delivery failure (bounce, invalid address): when and why (0006) */
  failed_at: string | null;
  failure: string | null;
}

/** Durable background jobs (mail), see docs/decisions/0007-jobs-and-mail.md. */
export interface JobsTable {
  id: string;
  kind: string;
  dedupe_key: string;
  payload: string; // JSON
  student_id: string | null;
  run_at: string;
  state: string; // queued | running | sending | done | failed | dead | uncertain
  attempts: number;
  last_error: string | null;
  lease_until: string | null;
  lease_owner: string | null;
  message_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface SigninLinksTable {
  token_hash: string; // SHA-256 of the token; the token itself is only in the mail
  student_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A capture station (migration 0005): the student being photographed there now, or null. */
export interface StationsTable {
  id: string; // lowercase [a-z0-9-]{1,32}, chosen by the operator (e.g. beijing-1)
  current_student_id: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A pending campus sign-on (migration 0007): taken once when the provider sends the browser back. */
export interface OidcAuthRequestsTable {
  state_hash: string;
  browser_hash: string;
  nonce: string;
  code_verifier: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface PhotosTable {
  id: string; // random and opaque (A3)
  campaign_id: string;
  student_id: string;
  sha256: string; // of the bytes received: the same upload twice is one photo
  size: number;
  station: string | null;
  report: string; // JSON: { checks: [{ id, status, value, threshold, message: { zh, en } }], accepted }
  accepted: number;
  invalid_reason: string | null; // E7: the rule that excludes the student, set after a decision changed
  invalid_at: string | null;
  uploaded_by: string | null;
  created_at: string;
  /** migration 0018: the make-up outlet (makeup_outlets.id) the photo was taken at; null at the campaign's sites (S6) */
  outlet_id: OptionalColumn<string>;
}

export interface PhotoBlobsTable {
  id: string; // the blob file's name under <data>/blobs/ab/cdef…
  photo_id: string;
  kind: string; // original | standard
  wrapped_key: string; // the blob's AES-256-GCM data key, wrapped by the campaign key of kek_version
  kek_version: number;
  size: number;
  created_at: string;
}

export interface PhotoConfirmationsTable {
  id: string;
  photo_id: string;
  student_id: string;
  confirmed_at: string;
  confirmed_by: string | null;
  voided_at: string | null;
  voided_by: string | null;
  void_reason: string | null;
  /** migration 0013: student_review_screen | student_my_page | operator_in_presence; null for older rows */
  method: OptionalColumn<string>;
  station_id: OptionalColumn<string>;
  /** the paired review screen that confirmed (review_devices.id) */
  device_id: OptionalColumn<string>;
  /** 1 when the student checked in today with their bound collection code, 0 when not, null for older rows */
  code_match: OptionalColumn<number>;
}

/** A nullable column added later (migration 0013): may be left out of an insert. */
type OptionalColumn<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** The shot a station asks its student to confirm (migration 0013): 'awaiting', or 'retake' when the student asked for one. */
export interface StationReviewsTable {
  station_id: string;
  photo_id: string;
  student_id: string;
  status: 'awaiting' | 'retake';
  requested_by: string | null;
  requested_at: string;
  updated_at: string;
}

/** A one-time code pairing a review screen with a station (migration 0013): only its SHA-256. */
export interface ReviewPairingsTable {
  id: string;
  station_id: string;
  code_hash: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  failed_attempts: Generated<number>;
}

/** A paired review screen (migration 0013): only the SHA-256 of its cookie token; expires at the end of the day. */
export interface ReviewDevicesTable {
  id: string;
  station_id: string;
  token_hash: string;
  pairing_id: string;
  paired_by: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  last_seen_at: string | null;
}

/** A recorded electronic payment (migration 0012, P1): WeChat Pay or Alipay only. */
export interface PaymentsTable {
  id: string;
  campaign_id: string;
  student_id: string;
  site: string;
  method: 'wechat' | 'alipay';
  transaction_id: string;
  amount_fen: number;
  /** set when the student had paid already: this second payment is to be refunded */
  duplicate_of: string | null;
  recorded_by: string | null;
  recorded_at: string;
  date: string; // YYYY-MM-DD in the campaign's time zone
  /** migration 0024: the make-up outlet it was taken at (S6), null at one of the school's sites */
  outlet_id: OptionalColumn<string>;
}

/** Per site: 1 when the desk asks for payment before giving a queue ticket (migration 0012); no row: 1. */
export interface PaymentSettingsTable {
  campaign_id: string;
  site: string;
  payment_before_queue: number;
  updated_at: string;
}

/** A merchant bill file imported for reconciliation (migration 0012). */
export interface PaymentStatementsTable {
  id: string;
  campaign_id: string;
  method: 'wechat' | 'alipay';
  file_sha256: string;
  file_name: string;
  summary: string; // JSON
  imported_by: string | null;
  imported_at: string;
}

export interface PaymentStatementLinesTable {
  statement_id: string;
  line_no: number; // the line of the file
  kind: 'payment' | 'refund';
  transaction_id: string;
  merchant_order_no: string | null;
  amount_fen: number;
  traded_at: string | null;
}

/** A collection code bound to the student who presented it first (migration 0011, C1): only its keyed hash. */
export interface CollectionCodesTable {
  campaign_id: string;
  code_hmac: string; // HMAC-SHA-256 under a key derived from the master key (never in the database)
  student_id: string;
  last4: string; // the code's last 4 characters, shown to the desk
  created_by: string | null;
  created_at: string;
}

/** The last ticket number and queue place given per site and day (migration 0011). */
export interface QueueCountersTable {
  campaign_id: string;
  site: string;
  date: string;
  last_seq: number;
  last_order: number;
}

/** A queue ticket (migration 0011, C4): waiting → called → served / removed; a skip puts it back to waiting. */
export interface QueueTicketsTable {
  id: string;
  campaign_id: string;
  site: string;
  date: string;
  seq: number;
  number: string;
  queue_order: number;
  student_id: string;
  status: string;
  skips: Generated<number>;
  recalls: Generated<number>;
  station_id: string | null;
  created_by: string | null;
  created_at: string;
  called_at: string | null;
  served_at: string | null;
  updated_at: string;
}

/** A registry package batch (migration 0015, A1): building → delivered | failed | abandoned. */
export interface RegistryExportsTable {
  id: string;
  campaign_id: string;
  status: 'building' | 'delivered' | 'failed' | 'abandoned';
  file_name: string;
  out_dir: string;
  file_pattern: string;
  recipient_fingerprint: string;
  signer_fingerprint: string | null;
  photo_count: number;
  withdrawn_count: number;
  progress_done: Generated<number>;
  bytes: number | null;
  sha256: string | null;
  /** host:pid of the process writing it; a dead owner's batch is abandoned by the next run */
  owner: string;
  heartbeat_at: string;
  error_code: string | null;
  created_by: string | null;
  created_at: string;
  finished_at: string | null;
}

/** What a delivered batch holds (migration 0015): its photos (each at most once), and photos it withdraws. */
export interface RegistryExportItemsTable {
  export_id: string;
  kind: 'photo' | 'withdrawn';
  photo_id: string;
  student_id: string;
  confirmation_id: string;
  file_name: string;
  sha256: string;
}

/** One imported answer file of the registry (migration 0016, A1). */
export interface RegistryAnswerImportsTable {
  id: string;
  campaign_id: string;
  file_name: string;
  file_sha256: string;
  row_count: number;
  accepted_count: number;
  rejected_count: number;
  /** rows already answered the same way by an earlier import (nothing stored for them) */
  known_count: number;
  /** confirmations voided by this import's 有误 rows */
  voided_count: number;
  created_by: string | null;
  created_at: string;
}

/** The registry's answer about one exported photo (migration 0016): unique per photo; 'accepted' or 'rejected' (有误). */
export interface RegistryAnswersTable {
  id: string;
  campaign_id: string;
  import_id: string;
  student_id: string;
  photo_id: string;
  export_id: string;
  status: 'accepted' | 'rejected';
  /** the confirmation a 'rejected' answer voided (null: accepted, or it was already voided) */
  voided_confirmation_id: string | null;
  created_at: string;
}

/** The agency's print batch (migration 0017, A2): open → sent (agency's count) → received (the admin's count). */
export interface PrintBatchesTable {
  id: string;
  campaign_id: string;
  /** 1, 2, … per campaign: what the agency and the graduate school call it */
  number: number;
  /** one department's sets, or null: every department's */
  department: string | null;
  copies: number;
  status: 'open' | 'sent' | 'received';
  created_by: string | null;
  created_at: string;
  sent_count: number | null;
  sent_by: string | null;
  sent_at: string | null;
  received_count: number | null;
  received_by: string | null;
  received_at: string | null;
  /** why the received count differs from the sent one (null: the counts agree) */
  discrepancy_note: string | null;
}

/** Graduate school → department (migration 0017): the sets sent, and the secretary's receipt with their count. */
export interface PrintDeliveriesTable {
  id: string;
  campaign_id: string;
  department: string;
  sent_count: number;
  sent_by: string | null;
  sent_at: string;
  received_count: number | null;
  received_by: string | null;
  received_at: string | null;
  discrepancy_note: string | null;
}

/** One student's print set (migration 0017): unique photo_id; handed over iff handed_to_student_at is not null. */
export interface PrintItemsTable {
  id: string;
  campaign_id: string;
  batch_id: string;
  student_id: string;
  photo_id: string;
  confirmation_id: string;
  department: string;
  student_no: string;
  delivery_id: string | null;
  handed_to_student_at: string | null;
  handed_by: string | null;
  handed_method: 'secretary' | 'student' | null;
  /** the photo's confirmation was voided (or the photo became invalid, E7) after the batch was sent */
  voided_at: string | null;
  created_at: string;
}

/** An agency outlet where make-up captures happen after the campaign (migration 0018, S6); stations `makeup-<id>-<n>`. */
export interface MakeupOutletsTable {
  id: string; // lowercase letters and digits, 1–20, chosen by the admin
  campaign_id: string;
  name_zh: string;
  name_en: string;
  address: string;
  city: string;
  hours: string; // opening hours as the outlet states them
  stations: number;
  active: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** Retention policy of a campaign (migration 0019, A3): days after which photos are crypto-shredded. */
export interface RetentionPoliciesTable {
  campaign_id: string;
  originals_days: number;
  standard_days: number;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

/** One purge run (migration 0019): counts only, no personal data; one 'running' per campaign at a time. */
export interface RetentionRunsTable {
  id: string;
  campaign_id: string;
  trigger: 'cli' | 'scheduler' | 'api' | 'close';
  status: 'running' | 'done' | 'failed' | 'abandoned';
  owner: string;
  lease_until: string;
  originals: number;
  standards: number;
  photos: number;
  bytes: ColumnType<number, number | undefined, number>;
  files_removed: number;
  /** scheduler runs: the campaign-time day (YYYY-MM-DD), unique per campaign; null for other runs */
  schedule_slot: ColumnType<string | null, string | null | undefined, string | null>;
  started_by: string | null;
  started_at: string;
  finished_at: string | null;
  error_code: string | null;
}

/** A crypto-shredded blob (migration 0019): its photo_blobs row (and wrapped key) is gone; this says what and when. */
export interface ShreddedBlobsTable {
  id: string;
  photo_id: string;
  campaign_id: string;
  kind: string;
  size: number;
  reason: 'retention' | 'close';
  run_id: string;
  shredded_at: string;
  file_removed_at: string | null;
}

/** This installation's id (migration 0022): one row; the S3 prefix's marker object holds the same id. */
export interface InstallationTable {
  one: number;
  id: string;
  created_at: string;
  /** migration 0023: the master key's check value (a sealed constant), null until a process started with it */
  master_key_check: string | null;
  /** migration 0023: JSON { "<version>": { context, wrapped } }, one wrapped data key per photo key version */
  photo_key_checks: string | null;
}

/** A closed campaign (migration 0019) and its closing report (JSON, counts only). */
export interface CampaignClosuresTable {
  campaign_id: string;
  closed_at: string;
  closed_by: string | null;
  forced_reason: string | null;
  report: string;
}

export interface Database {
  campaigns: CampaignsTable;
  students: StudentsTable;
  users: UsersTable;
  user_departments: UserDepartmentsTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  login_known_addresses: LoginKnownAddressesTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  audit_pending: AuditPendingTable;
  roster_imports: RosterImportsTable;
  site_settings: SiteSettingsTable;
  schedule_sessions: ScheduleSessionsTable;
  bookings: BookingsTable;
  waitlist_entries: WaitlistEntriesTable;
  idempotency_keys: IdempotencyKeysTable;
  notifications: NotificationsTable;
  oidc_auth_requests: OidcAuthRequestsTable;
  jobs: JobsTable;
  signin_links: SigninLinksTable;
  stations: StationsTable;
  photos: PhotosTable;
  photo_blobs: PhotoBlobsTable;
  photo_confirmations: PhotoConfirmationsTable;
  station_reviews: StationReviewsTable;
  review_pairings: ReviewPairingsTable;
  review_devices: ReviewDevicesTable;
  collection_codes: CollectionCodesTable;
  queue_counters: QueueCountersTable;
  queue_tickets: QueueTicketsTable;
  payments: PaymentsTable;
  payment_settings: PaymentSettingsTable;
  payment_statements: PaymentStatementsTable;
  payment_statement_lines: PaymentStatementLinesTable;
  registry_exports: RegistryExportsTable;
  registry_export_items: RegistryExportItemsTable;
  makeup_outlets: MakeupOutletsTable;
  print_batches: PrintBatchesTable;
  print_deliveries: PrintDeliveriesTable;
  print_items: PrintItemsTable;
  registry_answer_imports: RegistryAnswerImportsTable;
  registry_answers: RegistryAnswersTable;
  retention_policies: RetentionPoliciesTable;
  retention_runs: RetentionRunsTable;
  shredded_blobs: ShreddedBlobsTable;
  campaign_closures: CampaignClosuresTable;
  installation: InstallationTable;
}
