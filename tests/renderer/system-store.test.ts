import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { createApp } from 'vue';
import { API_KEY } from '../../src/renderer/src/api';
import { useSystemStore } from '../../src/renderer/src/stores/system';
import { FakeApi, sampleInfo } from './fake-api';

function storeWith(api: FakeApi) {
  const app = createApp({ render: () => null });
  app.provide(API_KEY, api);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return useSystemStore();
}

describe('system store', () => {
  it('loads system.info and exposes the device auto resolves to', async () => {
    const api = new FakeApi();
    const store = storeWith(api);
    expect(store.device).toBeNull();
    await store.load();
    expect(store.info?.appVersion).toBe('9.9.9');
    expect(store.device).toBe('webgpu');
    expect(store.probed.map((p) => p.name)).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(api.calls).toEqual([{ channel: 'system.info', params: {} }]);
  });

  it('tracks provider probes streamed as events', () => {
    const api = new FakeApi();
    const store = storeWith(api);
    api.hub.emit('system.providerProbed', { name: 'cpu', available: true, probeMs: 1 });
    api.hub.emit('system.providerProbed', { name: 'cpu', available: false, reason: 'gone', probeMs: 1 });
    expect(store.probed).toEqual([{ name: 'cpu', available: false, reason: 'gone', probeMs: 1 }]);
  });

  it('asks for a fresh probe on refresh', async () => {
    const api = new FakeApi();
    const store = storeWith(api);
    await store.load(true);
    expect(api.calls[0]).toEqual({ channel: 'system.info', params: { refresh: true } });
  });

  it('keeps the error message when the engine fails', async () => {
    const api = new FakeApi();
    api.failWith = 'the engine process exited (code 1)';
    const store = storeWith(api);
    await store.load();
    expect(store.info).toBeNull();
    expect(store.error).toBe('the engine process exited (code 1)');
    expect(store.loading).toBe(false);
    api.failWith = null;
    await store.load();
    expect(store.error).toBeNull();
    expect(store.info).toEqual(sampleInfo);
  });
});
