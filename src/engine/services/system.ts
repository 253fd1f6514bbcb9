/** The `system.info` service: host facts, versions and live execution-provider probes. */
import { resolveDevice } from '../runtime/resolve';
import { presetStepMs } from '../runtime/selftest';
import { PLAN_FIELDS } from '../../shared/plan';
import type { PresetName } from '../../shared/presets';
import os from 'node:os';
import type { ProviderStatus, SystemInfo } from '../../shared/system';
import { APP_NAME, APP_VERSION } from '../app-meta';
import { onnxruntimeVersion, probeProviders } from '../runtime/providers';

export interface HostContext {
  readonly host: SystemInfo['host'];
  /** `process.versions.electron` of the Electron main process, when there is one. */
  readonly electronVersion?: string;
  readonly runsDir: string;
  /** Where settings.json lives (default: the platform's configuration folder). */
  readonly configDir?: string;
  /** Data, runs and job paths must lie inside this folder (`serve --root`); any path without it. */
  readonly root?: string;
}

/** The preset `defaultProvider` is resolved for: the plan's default. */
const AUTO_PRESET: PresetName = PLAN_FIELDS.preset.default ?? 'tiny';

/**
 * Builds `system.info`. Provider probes run once per process and are cached, since creating a
 * WebGPU device takes a while; `refresh` probes again.
 */
export function createSystemInfoService(ctx: HostContext) {
  let cached: Promise<ProviderStatus[]> | undefined;
  return async function systemInfo(
    params: { refresh?: boolean },
    onProbed?: (status: ProviderStatus) => void,
  ): Promise<SystemInfo> {
    if (!cached || params.refresh) {
      cached = probeProviders(onProbed);
      // A failed probe run must not poison the cache.
      cached.catch(() => {
        cached = undefined;
      });
    }
    const providers = await cached;
    return {
      appName: APP_NAME,
      appVersion: APP_VERSION,
      platform: process.platform,
      arch: process.arch,
      cpus: os.availableParallelism(),
      totalMemoryBytes: os.totalmem(),
      versions: {
        node: process.versions.node,
        ...(ctx.electronVersion ? { electron: ctx.electronVersion } : {}),
        onnxruntime: onnxruntimeVersion(),
      },
      host: ctx.host,
      providers,
      // As `auto` resolves for a job of the default preset: cuda only once it passed the self-test
      // here, and the fastest of those that work (a software WebGPU adapter is slower than the
      // CPU): the speeds measured once, then kept, as jobs measure them.
      defaultProvider: await resolveDevice(
        'auto',
        async (name) => providers.find((p) => p.name === name)!,
        undefined,
        // Kept where jobs keep them (resolveDeviceFor), so the label and the jobs agree.
        (name) => presetStepMs(name, AUTO_PRESET),
      ),
      autoPreset: AUTO_PRESET,
      runsDir: ctx.runsDir,
    };
  };
}
