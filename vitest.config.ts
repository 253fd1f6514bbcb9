import os from 'node:os';
import path from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Settings and self-test verdicts written by tests go to a folder of their own, never the user's.
const configDir = path.join(os.tmpdir(), `stacklab-test-config-${process.pid}`);

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['tests/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // ORT sessions and child processes: one file at a time keeps a 2-core machine honest.
          fileParallelism: false,
          env: { STACKLAB_CONFIG_DIR: configDir },
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'renderer',
          include: ['tests/renderer/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['tests/types/**/*.test-d.ts'],
            tsconfig: './tsconfig.node.json',
          },
        },
      },
    ],
  },
});
