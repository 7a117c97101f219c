import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** The environment, read and checked once (docs/architecture.md: validate at every boundary). */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  GRADPHOTO_DATA: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres://')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Base64 of 32 bytes; overrides the key file in the data directory (several machines share one key). */
  GRADPHOTO_MASTER_KEY: z.string().optional(),
  /** Base64 of 32 bytes: the audit chain's HMAC key; overrides <data>/keys/audit.key (docs/decisions/0002). */
  GRADPHOTO_AUDIT_KEY: z.string().optional(),
  /** Audit checkpoints are also POSTed here as JSON (an outside service the database's admins cannot change). */
  AUDIT_CHECKPOINT_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  /** Photo key-encryption key(s): base64 of 32 bytes, or `1:<b64>,2:<b64>`; overrides <data>/keys/photo-kek.v*.key. */
  GRADPHOTO_PHOTO_KEY: z.string().optional(),
  /** Blobs without a row younger than this survive the start-up sweep (default 0 on SQLite, 10 on PostgreSQL). */
  GRADPHOTO_ORPHAN_GRACE_MINUTES: z.coerce.number().min(0).max(10_080).optional(),
  /** Photo blobs in an S3-compatible store: `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true` (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
  BLOB_STORE_URL: z
    .string()
    .regex(/^s3:\/\/[^/?#]+/, 'BLOB_STORE_URL must look like s3://bucket/prefix?endpoint=…')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Exact number of reverse-proxy hops in front of the server (PITFALLS F14); 0 = none. */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
  COOKIE_SECURE: z
    .enum(['true', 'false', 'auto'])
    .default('auto')
    .transform((v) => (v === 'auto' ? 'auto' : v === 'true')),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(12),
  /** live-count streams (SSE) one user may hold open at once; more are refused with 429 TOO_MANY_STREAMS */
  LIVE_STREAMS_PER_USER: z.coerce.number().int().min(1).max(100).default(5),
  MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(1024).default(100),
  /**
   * API requests per minute from one address (static files are not counted). Behind a campus NAT many
   * people share one address: a page load is a few API calls, so this is set for a crowd, not a person.
   */
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(10).max(1_000_000).default(6000),
  /** Photo uploads read and processed at once (default: two per core); more wait in a short queue, then 503. */
  PHOTO_UPLOADS_IN_FLIGHT: z.coerce.number().int().min(1).max(256).optional(),
  /** Photo uploads that may wait for a place (default: as many as in flight); beyond, 503 with Retry-After. */
  PHOTO_UPLOADS_QUEUED: z.coerce.number().int().min(0).max(1000).optional(),
  /** The address users reach the server at (links in mail, the sign-on redirect), e.g. https://photo.example.edu.cn */
  PUBLIC_URL: z.string().url().optional(),
  /** Outgoing mail (reminders, sign-in links): `smtp://host:port` or `smtps://user:pass@host:465`; absent = no mail. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://').optional().or(z.literal('').transform(() => undefined)),
  /** The sender of those mails, e.g. 图像采集 <photo@example.edu.cn> */
  MAIL_FROM: z.string().min(3).default('gradphoto@localhost'),
  /** Campus sign-on (OpenID Connect) for students; all four of issuer, client id, secret and a redirect (or PUBLIC_URL) turn it on. */
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_REDIRECT_URI: z.string().url().optional(),
  /** the ID-token claim holding the student number (campuses also use preferred_username or sub) */
  OIDC_STUDENT_CLAIM: z.string().min(1).default('student_no'),
  /** tests and development only: an http:// provider; refused when NODE_ENV=production */
  OIDC_ALLOW_HTTP: z.enum(['true', 'false']).default('false'),
});

export type AppConfig = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  masterKey: string | undefined;
  auditKey: string | undefined;
  auditCheckpointUrl: string | undefined;
  photoKey: string | undefined;
  orphanGraceMinutes: number | undefined;
  blobStoreUrl: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  trustProxyHops: number;
  cookieSecure: boolean | 'auto';
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  liveStreamsPerUser: number;
  maxUploadBytes: number;
  apiRateLimitPerMinute: number;
  photoUploadsInFlight: number;
  photoUploadsQueued: number;
  publicUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** campus sign-on; undefined when not configured */
  oidc: OidcConfig | undefined;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: { dataDir?: string | undefined } = {}): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid environment:\n${lines}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(overrides.dataDir ?? e.GRADPHOTO_DATA),
    databaseUrl: e.DATABASE_URL,
    masterKey: e.GRADPHOTO_MASTER_KEY,
    auditKey: e.GRADPHOTO_AUDIT_KEY,
    auditCheckpointUrl: e.AUDIT_CHECKPOINT_URL,
    photoKey: e.GRADPHOTO_PHOTO_KEY,
    orphanGraceMinutes: e.GRADPHOTO_ORPHAN_GRACE_MINUTES,
    blobStoreUrl: e.BLOB_STORE_URL,
    logLevel: e.LOG_LEVEL,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    cookieSecure: e.COOKIE_SECURE,
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    sessionAbsoluteHours: e.SESSION_ABSOLUTE_HOURS,
    liveStreamsPerUser: e.LIVE_STREAMS_PER_USER,
    maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
    apiRateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE,
    photoUploadsInFlight: e.PHOTO_UPLOADS_IN_FLIGHT ?? defaultPhotoUploadsInFlight(),
    photoUploadsQueued: e.PHOTO_UPLOADS_QUEUED ?? e.PHOTO_UPLOADS_IN_FLIGHT ?? defaultPhotoUploadsInFlight(),
    publicUrl: e.PUBLIC_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    oidc: readOidcConfig(e, env.NODE_ENV),
  };
}

/** Two photo pipelines per core: decoding and encoding run in libvips threads, so two keep a core busy. */
export function defaultPhotoUploadsInFlight(): number {
  return 2 * os.availableParallelism();
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  studentClaim: string;
  allowHttp: boolean;
}

/** Campus sign-on settings, checked together: a half-configured provider is an error at start, not at sign-in. */
function readOidcConfig(e: z.infer<typeof EnvSchema>, nodeEnv: string | undefined): OidcConfig | undefined {
  if (!e.OIDC_ISSUER) return undefined;
  const problems: string[] = [];
  const allowHttp = e.OIDC_ALLOW_HTTP === 'true';
  if (!e.OIDC_CLIENT_ID) problems.push('OIDC_CLIENT_ID is required with OIDC_ISSUER');
  if (!e.OIDC_CLIENT_SECRET) problems.push('OIDC_CLIENT_SECRET is required with OIDC_ISSUER');
  const redirectUri = e.OIDC_REDIRECT_URI ?? (e.PUBLIC_URL ? `${e.PUBLIC_URL.replace(/\/+$/, '')}/api/auth/oidc/callback` : undefined);
  if (!redirectUri) problems.push('OIDC_REDIRECT_URI (or PUBLIC_URL) is required with OIDC_ISSUER');
  if (allowHttp && nodeEnv === 'production') problems.push('OIDC_ALLOW_HTTP=true is for tests and development only, never with NODE_ENV=production');
  if (!allowHttp && !e.OIDC_ISSUER.startsWith('https://')) problems.push('OIDC_ISSUER must be https:// (OIDC_ALLOW_HTTP=true only for tests and development)');
  if (problems.length) throw new Error(`invalid environment:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID!,
    clientSecret: e.OIDC_CLIENT_SECRET!,
    redirectUri: redirectUri!,
    studentClaim: e.OIDC_STUDENT_CLAIM,
    allowHttp,
  };
}
