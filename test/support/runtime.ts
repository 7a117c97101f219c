// Test runtimes on a real database: SQLite in a temp directory, or a scratch PostgreSQL database on the
// server the global setup provides. Service and HTTP tests run once per dialect (`describe.each(DIALECTS)`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { createArgon2Hasher } from '../../src/adapters/password-hasher.js';
import type { Principal, Role } from '../../src/domain/permissions.js';
import { loadCampaign, readPublishedDemoCampaign } from '../../src/services/campaign.service.js';
import type { Actor, ServiceDeps } from '../../src/services/deps.js';
import { SYSTEM } from '../../src/services/deps.js';
import { openRuntime } from '../../src/services/runtime.js';
import { createUser } from '../../src/services/user.service.js';
import { createScratchDatabase } from './postgres.js';
import { copyPostgresTemplate, copySqliteTemplate } from './runtime-template.js';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface FakeClock {
  now: () => Date;
  set(iso: string): void;
  advance(ms: number): void;
}

/** The only fake allowed besides outside services: the clock. */
export function createFakeClock(start = '2023-10-20T02:00:00.000Z'): FakeClock {
  let t = Date.parse(start);
  return { now: () => new Date(t), set: (iso) => void (t = Date.parse(iso)), advance: (ms) => void (t += ms) };
}

export interface TestRuntime {
  deps: ServiceDeps;
  clock: FakeClock;
  dataDir: string;
  dialect: Dialect;
  /** the scratch PostgreSQL database (undefined on SQLite): a second runtime over the same data opens it */
  databaseUrl?: string | undefined;
  close(): Promise<void>;
}

/** A migrated database with the notice's campaign (2024 terms, as published) loaded. */
export async function createTestRuntime(dialect: Dialect, opts: { loadDemoCampaign?: boolean; auth?: Partial<ServiceDeps['auth']>; blobStoreUrl?: string } = {}): Promise<TestRuntime> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-test-'));
  const clock = createFakeClock();
  let dropDb: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  // A copy of the database the global setup migrated once (test/support/runtime-template.ts), when there is one.
  const templates = inject('runtimeTemplates');
  if (dialect === 'postgres') {
    const scratch = templates ? await copyPostgresTemplate(templates, inject('postgresUrl'), dataDir, 'gp_test') : await createScratchDatabase(inject('postgresUrl'), 'gp_test');
    databaseUrl = scratch.url;
    dropDb = scratch.drop;
  } else if (templates) {
    copySqliteTemplate(templates, dataDir);
  }
  const deps = await openRuntime({
    dataDir,
    databaseUrl,
    clock: clock.now,
    // Cheap argon2 parameters keep the suite fast; the algorithm and code path are the production ones.
    hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }),
    auth: opts.auth ?? {},
    // photo blobs in an S3-compatible store (test/support/s3-server.ts) instead of <data>/blobs
    ...(opts.blobStoreUrl ? { blobStoreUrl: opts.blobStoreUrl } : {}),
  });
  if (opts.loadDemoCampaign !== false) await loadCampaign(deps, SYSTEM, readPublishedDemoCampaign());
  return {
    deps,
    clock,
    dataDir,
    dialect,
    databaseUrl,
    close: async () => {
      await deps.close();
      await dropDb?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const TEST_PASSWORD = 'correct horse battery staple';

/** Creates an account and returns an actor acting as it (for service tests). */
export async function createActor(deps: ServiceDeps, role: Role, departments: string[] = [], username = `${role}-${Math.random().toString(36).slice(2, 8)}`): Promise<Actor> {
  const user = await createUser(deps, SYSTEM, { username, role, departments, password: TEST_PASSWORD });
  const principal: Principal = { userId: user.id, username, role, departments: user.departments, studentNo: role === 'student' ? username : null };
  return { principal, ip: '127.0.0.1' };
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** The real Fastify app listening on a free loopback port: tests speak real HTTP to it. */
export async function startTestServer(deps: ServiceDeps, config: { maxUploadBytes?: number; webRoot?: string } = {}): Promise<TestServer> {
  // Loaded here, not at the top: service tests that never start a server do not load Fastify and every route.
  const { buildApp } = await import('../../src/http/app.js');
  const app = await buildApp({
    deps,
    config: { trustProxyHops: 0, cookieSecure: false, maxUploadBytes: config.maxUploadBytes ?? 100 * 1024 * 1024, logLevel: 'silent' },
    logger: false,
    webRoot: config.webRoot,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** Signs in over HTTP and returns the session cookie header. */
export async function loginOverHttp(url: string, username: string, password = TEST_PASSWORD): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login ${username} → ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie');
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0]!;
}
