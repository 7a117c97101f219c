// Vitest 4 configuration: two projects, both run by a plain `npx vitest run` (and `npm test`).
//   unit: src/**/*.test.ts[x] and test/**/*.test.ts (but not test/e2e). Its global setup provides
//         a PostgreSQL URL to tests (`inject('postgresUrl')`): TEST_DATABASE_URL when set, else a
//         throwaway server started from the local PostgreSQL binaries (test/support/postgres.ts),
//         and `inject('runtimeTemplates')`: a SQLite file and a PostgreSQL template database migrated once
//         per run, which createTestRuntime copies (test/support/runtime-template.ts).
//   e2e:  test/e2e/**/*.e2e.test.ts, after the unit project, two files at a time, long timeouts (server + Chromium). Its global
//         setup builds the photo fixtures (the unit project's does too), which are not committed.
// One project only: `npx vitest run --project unit` (or `--project e2e`).
// In CI (CI=true) a failed journey test runs once more; test/support/flaky-reporter.ts names every test that passed
// only on that retry, at the end of the output and in test-results/flaky.json. Locally nothing is retried.
// This file replaces vite.config.ts for Vitest, so the TSX transform is repeated here.
import { defineConfig } from 'vitest/config';

const oxc = { jsx: { runtime: 'automatic' as const } };

export default defineConfig({
  test: {
    // Vitest's default is one worker per core minus one: a single worker on CI's 2 cores. Most test files
    // wait on I/O (two databases, child processes, Chromium), so three workers use the cores better.
    maxWorkers: 3,
    reporters: ['default', './test/support/flaky-reporter.ts'],
    projects: [
      {
        oxc,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
          exclude: ['test/e2e/**', '**/node_modules/**', 'dist/**', 'data/**'],
          globalSetup: ['test/support/global-setup.ts'],
          sequence: { groupOrder: 0 },
          // Photo analysis, child processes (CLI, SMTP sink, OpenID provider) and two databases per file:
          // a loaded CI machine can take seconds where an idle one takes milliseconds.
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        oxc,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**', 'dist/**', 'data/**'],
          // The photo fixtures are generated, not committed: built here before a journey uploads one.
          globalSetup: ['test/support/photo-fixtures-setup.ts'],
          // After the unit project (group 1 after group 0), two journeys at a time: each has its own server,
          // data directory and browser, and most of a journey is waiting on the page.
          sequence: { groupOrder: 1 },
          maxWorkers: 2,
          // expect.poll waits for the page to catch up with a click; Vitest's default (1 s) is shorter than one
          // request on a loaded CI machine (a batch's status stayed 制作中 past it), so journeys wait up to 15 s.
          expect: { poll: { timeout: 15_000, interval: 100 } },
          // A journey drives a real browser against a real server on a shared 2-core machine; once in a few CI
          // runs one step has lost a click. One retry in CI, reported by name (flaky-reporter.ts), not hidden.
          retry: process.env.CI ? 1 : 0,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
