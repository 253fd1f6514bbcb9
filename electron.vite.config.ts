import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { CSP_META } from './src/shared/csp';

/** Writes the shared Content-Security-Policy into index.html, so one constant rules every host. */
function cspMeta(): Plugin {
  return {
    name: 'stacklab-csp-meta',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          // The engine process (utilityProcess): ORT and the services, away from the main thread.
          'engine-worker': resolve(__dirname, 'src/engine/host/worker.ts'),
          // A run in a worker thread (runs side by side on one GPU: runs/run-thread.ts).
          'run-thread': resolve(__dirname, 'src/engine/runs/run-thread.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [vue(), cspMeta()],
    publicDir: resolve(__dirname, 'resources'),
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
