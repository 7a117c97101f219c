import { createFieldCipher } from '../adapters/field-cipher.js';
import { loadOrCreateMasterKey } from '../adapters/key-store.js';
import type { PasswordHasher } from '../adapters/password-hasher.js';
import { createArgon2Hasher } from '../adapters/password-hasher.js';
import { migrateToLatest, openDatabase, sqliteDatabaseExists } from '../db/database.js';
import { findActiveCampaign } from './campaign.service.js';
import type { ServiceDeps } from './deps.js';
import { DEFAULT_AUTH_SETTINGS } from './deps.js';

export interface RuntimeOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  masterKey?: string | undefined;
  pgSchema?: string;
  clock?: () => Date;
  hasher?: PasswordHasher;
  auth?: Partial<ServiceDeps['auth']>;
}

/**
 * Opens the database (SQLite under the data directory, or PostgreSQL), migrates it, loads the master key,
 * and returns the dependencies every use case takes.
 */
export async function openRuntime(opts: RuntimeOptions): Promise<ServiceDeps & { close(): Promise<void> }> {
  const db = openDatabase({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, ...(opts.pgSchema ? { pgSchema: opts.pgSchema } : {}) });
  try {
    await migrateToLatest(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const master = loadOrCreateMasterKey(opts.dataDir, opts.masterKey);
  return {
    db,
    clock: opts.clock ?? (() => new Date()),
    cipher: createFieldCipher(master),
    hasher: opts.hasher ?? createArgon2Hasher(),
    auth: { ...DEFAULT_AUTH_SETTINGS, ...opts.auth },
    close: () => db.destroy(),
  };
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
