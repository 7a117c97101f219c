import path from 'node:path';
import { z } from 'zod';

/** The environment, read and checked once (STYLE.md). */
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Exact number of reverse-proxy hops in front of the server (PITFALLS F14); 0 = none. */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
  COOKIE_SECURE: z
    .enum(['true', 'false', 'auto'])
    .default('auto')
    .transform((v) => (v === 'auto' ? 'auto' : v === 'true')),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(12),
  MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(1024).default(100),
});

export type AppConfig = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  masterKey: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  trustProxyHops: number;
  cookieSecure: boolean | 'auto';
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  maxUploadBytes: number;
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
    logLevel: e.LOG_LEVEL,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    cookieSecure: e.COOKIE_SECURE,
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    sessionAbsoluteHours: e.SESSION_ABSOLUTE_HOURS,
    maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
  };
}
