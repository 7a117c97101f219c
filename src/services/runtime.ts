import { createMemoryEventBus, createPgEventBus } from '../adapters/event-bus.js';
import { createFieldCipher } from '../adapters/field-cipher.js';
import { createAuditCheckpointStore } from '../adapters/audit-checkpoints.js';
import { loadOrCreateAuditKey, loadOrCreateMasterKey } from '../adapters/key-store.js';
import { createSmtpMailer } from '../adapters/mailer.js';
import { createOidcClient, type OidcSettings } from '../adapters/oidc-client.js';
import type { PasswordHasher } from '../adapters/password-hasher.js';
import { createArgon2Hasher } from '../adapters/password-hasher.js';
import { migrateToLatest, openDatabase, sqliteDatabaseExists } from '../db/database.js';
import { assertAuditKeyMatches, chainAuditEvents, checkpointAuditChain } from './audit.service.js';
import { findActiveCampaign } from './campaign.service.js';
import { assertDataKeysMatch } from './key-check.js';
import { isAppError } from '../domain/errors.js';
import { translateAppError } from '../domain/i18n.js';
import { openPhotoDeps } from '../adapters/photo-pipeline.js';
import { redactUrlCredentials } from '../domain/redact-url.js';
import { getInstallationId } from '../repositories/installation.repository.js';
import type { ServiceDeps } from './deps.js';
import { DEFAULT_AUTH_SETTINGS } from './deps.js';

export interface RuntimeOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  masterKey?: string | undefined;
  /** GRADPHOTO_AUDIT_KEY (base64 of 32 bytes); else <data>/keys/audit.key, created on first start */
  auditKey?: string | undefined;
  /** AUDIT_CHECKPOINT_URL: audit checkpoints are also POSTed there */
  auditCheckpointUrl?: string | undefined;
  /** a checkpoint is due after this many events (default 100) or minutes (default 5) */
  auditCheckpointEvery?: { events?: number; minutes?: number };
  /** GRADPHOTO_PHOTO_KEY; else <data>/keys/photo-kek.v1.key, created on first start */
  photoKey?: string | undefined;
  /** blobs without a row younger than this survive the start-up sweep (default: 0 on SQLite, 10 on PostgreSQL) */
  orphanGraceMinutes?: number | undefined;
  /** BLOB_STORE_URL: photo blobs in an S3-compatible store (`s3://bucket/prefix?endpoint=…`); absent = <data>/blobs */
  blobStoreUrl?: string | undefined;
  /** where photos are analysed: on a worker thread (`serve`) or on the calling thread (default: CLI, tests) */
  photoAnalysis?: 'thread' | 'inline';
  pgSchema?: string;
  clock?: () => Date;
  hasher?: PasswordHasher;
  auth?: Partial<ServiceDeps['auth']>;
  /** campus sign-on settings (config OIDC_*); absent = not offered */
  oidc?: OidcSettings | undefined;
  /** SMTP_URL / MAIL_FROM; absent = no mail is sent (jobs wait) */
  mail?: { smtpUrl: string | undefined; from: string } | undefined;
  /** PUBLIC_URL, for links in mail */
  publicUrl?: string | undefined;
}

/**
 * Opens the database (SQLite under the data directory, or PostgreSQL), migrates it, loads the master key,
 * and returns the dependencies every use case takes.
 */
export async function openRuntime(opts: RuntimeOptions): Promise<ServiceDeps & { close(): Promise<void> }> {
  const db = openDatabase({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, ...(opts.pgSchema ? { pgSchema: opts.pgSchema } : {}) });
  // Before migrating: migration 0008 re-keys an existing chain with it (docs/decisions/0002).
  const auditKey = loadOrCreateAuditKey(opts.dataDir, opts.auditKey);
  const audit = {
    key: auditKey,
    checkpoints: createAuditCheckpointStore({ dataDir: opts.dataDir, sinkUrl: opts.auditCheckpointUrl }),
    everyEvents: opts.auditCheckpointEvery?.events ?? 100,
    everyMinutes: opts.auditCheckpointEvery?.minutes ?? 5,
  };
  try {
    await migrateToLatest(db, { auditKey });
    await assertAuditKeyMatches({ db, audit });
    // Events a process left pending when it died between a commit and their chaining (decision 0032).
    await chainAuditEvents({ db, audit });
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const master = loadOrCreateMasterKey(opts.dataDir, opts.masterKey);
  // One SQLite data directory has one server; on PostgreSQL another process may be mid-upload (docs/decisions/0006);
  // an object store may be written by other processes too (blobs migrate, docs/decisions/0029).
  const defaultGrace = db.dialect === 'sqlite' && !opts.blobStoreUrl ? 0 : 10;
  let photos: Awaited<ReturnType<typeof openPhotoDeps>>;
  try {
    // An S3 prefix is bound to this database's installation id: another installation's prefix is refused before any sweep.
    const installationId = opts.blobStoreUrl ? await getInstallationId(db.db) : undefined;
    photos = await openPhotoDeps({ dataDir: opts.dataDir, photoKey: opts.photoKey, orphanGraceMs: (opts.orphanGraceMinutes ?? defaultGrace) * 60_000, blobStoreUrl: opts.blobStoreUrl, installationId, analysis: opts.photoAnalysis ?? 'inline' });
  } catch (e) {
    await db.destroy();
    throw startRefusal(e, opts.blobStoreUrl);
  }
  const cipher = createFieldCipher(master);
  try {
    // Another master or photo key than the data's refuses the start, as a wrong audit key does.
    await assertDataKeysMatch(db, cipher, photos.keyring);
  } catch (e) {
    await photos.close();
    await db.destroy();
    throw e;
  }
  // Live counts: PostgreSQL carries them between processes (LISTEN/NOTIFY); SQLite serves one process.
  const events = opts.databaseUrl ? createPgEventBus({ connectionString: opts.databaseUrl }) : createMemoryEventBus();
  return {
    db,
    clock: opts.clock ?? (() => new Date()),
    cipher,
    hasher: opts.hasher ?? createArgon2Hasher(),
    audit,
    auth: { ...DEFAULT_AUTH_SETTINGS, ...opts.auth },
    ...(opts.oidc ? { oidc: createOidcClient(opts.oidc) } : {}),
    events,
    photos,
    ...(opts.mail?.smtpUrl ? { mailer: createSmtpMailer({ url: opts.mail.smtpUrl, from: opts.mail.from }) } : {}),
    ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
    close: async () => {
      // A short-lived command never sees the server's checkpoint timer: its events are anchored here.
      await checkpointAuditChain({ db, audit, clock: opts.clock ?? (() => new Date()) }, { force: true }).then(
        (r) => (r.problem || r.sinkError ? process.emitWarning(`audit checkpoint: ${r.problem ?? r.sinkError}`) : undefined),
        (e: unknown) => process.emitWarning(`audit checkpoint failed: ${(e as Error).message}`),
      );
      await photos.close();
      await events.close();
      await db.destroy();
    },
  };
}

/**
 * A photo store that cannot be reached at start: said in both languages (the command's language is not known here),
 * naming the store (BLOB_STORE_URL without credentials) and that nothing started, not only "this operation".
 */
function startRefusal(e: unknown, blobStoreUrl: string | undefined): unknown {
  if (!isAppError(e) || e.code !== 'BLOB_STORE_UNAVAILABLE' || !blobStoreUrl) return e;
  const where = redactUrlCredentials(blobStoreUrl);
  return new Error(
    `照片存储 ${where}（BLOB_STORE_URL）无法使用，gradphoto 未启动：${translateAppError(e, 'zh')}\n` +
      `The photo store ${where} (BLOB_STORE_URL) cannot be used; gradphoto did not start: ${translateAppError(e, 'en')}`,
  );
}

/**
 * The active campaign of a data directory without creating anything: undefined when there is no
 * database yet (used by `gradphoto eligibility`, which stores nothing).
 */
export async function peekActiveCampaign(opts: RuntimeOptions) {
  if (!opts.databaseUrl && !sqliteDatabaseExists(opts.dataDir)) return undefined;
  const runtime = await openRuntime(opts);
  try {
    return await findActiveCampaign(runtime);
  } finally {
    await runtime.close();
  }
}
