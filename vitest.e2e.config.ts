// Browser journeys only: `npx vitest run --config vitest.e2e.config.ts` (npm run test:e2e).
// Each file starts its own `gradphoto serve` and Chromium, so files run one after the other.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['test/e2e/**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'data/**'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
