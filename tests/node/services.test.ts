import { describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { createServices } from '../../src/engine/services';
import { resolveDeviceFor } from '../../src/engine/runtime/resolve';
import type { SystemInfo } from '../../src/shared/system';

describe('system.info service', () => {
  it('reports the app, host, versions and live provider probes', async () => {
    const services = createServices({ host: 'cli', runsDir: '/tmp/runs-x' });
    const info = (await services.handle('system.info', {})) as SystemInfo;
    expect(info.appVersion).toBe(pkg.version);
    expect(info.host).toBe('cli');
    expect(info.runsDir).toBe('/tmp/runs-x');
    expect(info.versions.node).toBe(process.versions.node);
    expect(info.versions.electron).toBeUndefined();
    expect(info.platform).toBe(process.platform);
    expect(info.providers.find((p) => p.name === 'cpu')?.available).toBe(true);
    expect(info.providers.map((p) => p.name)).toContain(info.defaultProvider);
  });

  it('names the provider a job of its preset trains on when the device is auto (a slow software WebGPU is not it)', async () => {
    const services = createServices({ host: 'cli', runsDir: '/tmp/runs-x' });
    const info = (await services.handle('system.info', {})) as SystemInfo;
    expect(info.autoPreset).toBe('tiny');
    // What a job resolves `auto` to (runs/job.ts): the fastest working provider for its preset.
    expect(info.defaultProvider).toBe(await resolveDeviceFor('auto', info.autoPreset));
  });

  it('includes the Electron version when the host gives one', async () => {
    const services = createServices({ host: 'electron', electronVersion: '40.9.3', runsDir: '/r' });
    const info = (await services.handle('system.info', {})) as SystemInfo;
    expect(info.versions.electron).toBe('40.9.3');
  });

  it('probes once, then serves the cached result until asked to refresh', async () => {
    const services = createServices({ host: 'cli', runsDir: '/r' });
    const events: string[] = [];
    services.events.on('system.providerProbed', (p) => events.push(p.name));
    const first = (await services.handle('system.info', {})) as SystemInfo;
    expect(events).toEqual(['cuda', 'webgpu', 'cpu']);
    const second = (await services.handle('system.info', {})) as SystemInfo;
    expect(second.providers).toBe(first.providers);
    expect(events).toHaveLength(3);
    await services.handle('system.info', { refresh: true });
    expect(events).toHaveLength(6);
  });

  it('validates input before any handler runs', async () => {
    const services = createServices({ host: 'cli', runsDir: '/r' });
    await expect(services.handle('system.info', { refresh: 1 })).rejects.toThrow(/"refresh" must be true or false/);
    await expect(services.handle('fs.delete', {})).rejects.toThrow(/unknown request channel/);
  });
});
