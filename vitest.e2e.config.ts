import { defineConfig } from 'vitest/config';

// End-to-end tests: the built UI in server mode, driven in Debian's Chromium by playwright-core.
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['tests/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
