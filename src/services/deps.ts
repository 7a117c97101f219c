import type { AuditCheckpointStore } from '../adapters/audit-checkpoints.js';
import type { EventBus } from '../adapters/event-bus.js';
import type { FieldCipher } from '../adapters/field-cipher.js';
import type { Mailer } from '../adapters/mailer.js';
import type { OidcClient } from '../adapters/oidc-client.js';
import type { PasswordHasher } from '../adapters/password-hasher.js';
import type { Db } from '../db/database.js';
import type { PhotoDeps } from '../adapters/photo-pipeline.js';
import { AppError } from '../domain/errors.js';
import type { Permission, Principal } from '../domain/permissions.js';
import { hasPermission } from '../domain/permissions.js';

/** What every use case may depend on, passed in as one typed object (no hidden globals; time is injected). */
export interface ServiceDeps {
  db: Db;
  clock: () => Date;
  cipher: FieldCipher;
  hasher: PasswordHasher;
  /**
   * the audit chain's key (HMAC, kept outside the database) and its checkpoints outside the database
   * (docs/decisions/0002); a checkpoint is due after `everyEvents` events or `everyMinutes` minutes
   */
  audit: { key: Buffer; checkpoints: AuditCheckpointStore; everyEvents: number; everyMinutes: number };
  /** photo blobs, the photo keyring and the analysis pipeline (issue #4) */
  photos: PhotoDeps;
  /** campus sign-on (OpenID Connect); absent when not configured */
  oidc?: OidcClient;
  /** live session counts (SSE): in-process, or across processes through PostgreSQL LISTEN/NOTIFY */
  events: EventBus;
  /** outgoing mail (SMTP); absent when SMTP_URL is not set: jobs wait, `reminders run` says MAIL_NOT_CONFIGURED */
  mailer?: Mailer;
  /** base URL of the web app for links in mail (PUBLIC_URL, default http://localhost:PORT) */
  publicUrl?: string;
  auth: {
    sessionIdleMinutes: number;
    sessionAbsoluteHours: number;
    /**
     * failed sign-ins within the window before further attempts are refused (docs/decisions/0010): per account
     * from one address; per account from all addresses together (a right password from an address the account
     * signed in from before, or a valid one-time code, still passes this one); per address over all accounts
     */
    maxFailuresPerAccountAndAddress: number;
    maxFailuresPerAccount: number;
    maxFailuresPerAddress: number;
    failureWindowMinutes: number;
    /** live-count streams (SSE) one user may hold open at once (LIVE_STREAMS_PER_USER) */
    maxLiveStreamsPerUser: number;
  };
}

/** Who is acting and from where: every audit event records both. */
export interface Actor {
  principal: Principal | null;
  ip: string | null;
  /** The `gradphoto` command on the server's own machine (or start-up): trusted, recorded under `label`. */
  system?: { label: string };
}

export const SYSTEM: Actor = { principal: null, ip: null, system: { label: 'system' } };

export function cliActor(osUser: string): Actor {
  return { principal: null, ip: null, system: { label: `cli:${osUser}` } };
}

/** The one permission gate of the use cases: the system actor may do anything; users per permissions.ts. */
export function authorize(actor: Actor, permission: Permission): void {
  if (actor.system) return;
  if (!actor.principal) throw new AppError('UNAUTHENTICATED');
  if (!hasPermission(actor.principal, permission)) throw new AppError('FORBIDDEN');
}

export const DEFAULT_AUTH_SETTINGS: ServiceDeps['auth'] = {
  sessionIdleMinutes: 30,
  sessionAbsoluteHours: 12,
  maxFailuresPerAccountAndAddress: 5,
  maxFailuresPerAccount: 100,
  maxFailuresPerAddress: 30,
  failureWindowMinutes: 15,
  maxLiveStreamsPerUser: 5,
};

export function nowIso(deps: Pick<ServiceDeps, 'clock'>): string {
  return deps.clock().toISOString();
}
