import type { ParamsOf, RequestChannel, ResultOf, StackLabApi } from '../../src/shared/ipc';
import { EventHub } from '../../src/shared/rpc';
import type { ProviderStatus, SystemInfo } from '../../src/shared/system';

export const providers: ProviderStatus[] = [
  { name: 'cuda', available: false, reason: 'the CUDA provider library is not installed', probeMs: 0.3 },
  { name: 'webgpu', available: true, probeMs: 180 },
  { name: 'cpu', available: true, probeMs: 2 },
];

export const sampleInfo: SystemInfo = {
  appName: 'StackLab',
  appVersion: '9.9.9',
  platform: 'linux',
  arch: 'x64',
  cpus: 2,
  totalMemoryBytes: 2 ** 34,
  versions: { node: '20.20.2', onnxruntime: '1.30.0' },
  host: 'server',
  providers,
  autoPreset: 'tiny',
  defaultProvider: 'webgpu',
  runsDir: '/home/eng/StackLab/runs',
};

/**
 * A test double of the services: answers system.info from `info` (or fails with `failWith`)
 * after streaming each provider as an event, like the real engine does.
 */
export class FakeApi implements StackLabApi {
  readonly hub = new EventHub();
  readonly calls: { channel: string; params: unknown }[] = [];
  failWith: string | null = null;
  constructor(public info: SystemInfo = sampleInfo) {}

  async invoke<C extends RequestChannel>(channel: C, params: ParamsOf<C>): Promise<ResultOf<C>> {
    this.calls.push({ channel, params });
    await Promise.resolve();
    if (this.failWith) throw new Error(this.failWith);
    for (const p of this.info.providers) this.hub.emit('system.providerProbed', p);
    return this.info as ResultOf<C>;
  }

  on: StackLabApi['on'] = (event, listener) => this.hub.on(event, listener);
}
