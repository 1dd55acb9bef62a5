import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2-core machines: keep parallelism modest so server/browser tests are not starved.
    maxWorkers: 2,
  },
});
