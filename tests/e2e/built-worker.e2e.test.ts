import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineWorker } from '../../src/engine/host/worker-client';
import { ROOT } from './serve';

describe('the built engine process (out/main/engine-worker.js, what Electron forks)', () => {
  it('loads ORT from the bundle and answers system.info', async () => {
    const file = path.join(ROOT, 'out/main/engine-worker.js');
    expect(existsSync(file), 'run `npm run build` first').toBe(true);
    const worker = new EngineWorker({
      entry: { file, execArgv: [] },
      env: { STACKLAB_HOST: 'electron', STACKLAB_ELECTRON_VERSION: '40.9.3' },
    });
    try {
      const info = await worker.invoke('system.info', {});
      expect(info.host).toBe('electron');
      expect(info.versions.electron).toBe('40.9.3');
      expect(info.providers.find((p) => p.name === 'cpu')?.available).toBe(true);
    } finally {
      await worker.stop();
    }
  });
});
