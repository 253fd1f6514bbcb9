import { afterEach, describe, expect, it } from 'vitest';
import { EngineWorker } from '../../src/engine/host/worker-client';
import type { ProviderStatus } from '../../src/shared/system';

describe('engine worker process', () => {
  let worker: EngineWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  it('answers system.info from a separate process and streams probe events', async () => {
    worker = new EngineWorker({ env: { STACKLAB_RUNS_DIR: '/tmp/worker-runs' } });
    const events: ProviderStatus[] = [];
    worker.on('system.providerProbed', (p) => events.push(p));
    const info = await worker.invoke('system.info', {});
    expect(worker.pid).not.toBe(process.pid);
    expect(info.host).toBe('server');
    expect(info.runsDir).toBe('/tmp/worker-runs');
    expect(info.providers.find((p) => p.name === 'cpu')?.available).toBe(true);
    expect(events.map((e) => e.name)).toEqual(['cuda', 'webgpu', 'cpu']);
  });

  it('returns validation errors with their name', async () => {
    worker = new EngineWorker();
    await expect(worker.invoke('system.info', { refresh: 'always' } as never)).rejects.toMatchObject({
      name: 'InvalidParamsError',
    });
  });

  it('fails pending requests when the process dies and restarts on the next request', async () => {
    const exits: string[] = [];
    worker = new EngineWorker({ onExit: (r) => exits.push(r) });
    await worker.invoke('system.info', {});
    const firstPid = worker.pid!;
    const pending = worker.invoke('system.info', { refresh: true });
    process.kill(firstPid, 'SIGKILL');
    await expect(pending).rejects.toThrow(/engine process exited \(SIGKILL\)/);
    expect(exits).toHaveLength(1);
    const again = await worker.invoke('system.info', {});
    expect(again.providers.length).toBe(3);
    expect(worker.pid).not.toBe(firstPid);
  });
});
