// Vitest global setup of the `unit` project: gives every test a PostgreSQL URL through
// `inject('postgresUrl')`. TEST_DATABASE_URL wins when set; otherwise a throwaway server is
// started from the local PostgreSQL binaries and removed after the run. Without binaries this
// throws (with install instructions): PostgreSQL tests are never skipped silently.
import type { TestProject } from 'vitest/node';
import { makePhotoFixtures } from '../fixtures/make-photo-fixtures.js';
import { startThrowawayPostgres } from './postgres.js';
import { buildRuntimeTemplates, type RuntimeTemplates } from './runtime-template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a PostgreSQL database tests may use (superuser on a throwaway server, unless TEST_DATABASE_URL). */
    postgresUrl: string;
    /** migrated databases that createTestRuntime copies (test/support/runtime-template.ts) */
    runtimeTemplates: RuntimeTemplates;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // Photo fixtures (issue #4) from Debian's pictures into test/fixtures/photos: generated, not committed;
  // a cache check of a few milliseconds when already built.
  await makePhotoFixtures();
  const fromEnv = process.env.TEST_DATABASE_URL;
  const server = fromEnv ? undefined : await startThrowawayPostgres();
  const url = fromEnv ?? server!.url;
  project.provide('postgresUrl', url);
  try {
    const built = await buildRuntimeTemplates(url);
    project.provide('runtimeTemplates', built.templates);
    return async () => {
      await built.remove();
      await server?.stop();
    };
  } catch (e) {
    await server?.stop();
    throw e;
  }
}
