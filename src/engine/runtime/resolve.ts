/**
 * Which provider a device choice trains on: `auto` takes cuda (when it also passed the self-test
 * against the CPU on this machine), else webgpu, else cpu; an explicit choice is honoured or fails
 * with the probe's reason.
 */
import {
  EXECUTION_PROVIDERS,
  type DeviceChoice,
  type ExecutionProviderName,
  type ProviderStatus,
} from '../../shared/system';
import { probeProvider } from './providers';
import type { PresetName } from '../../shared/presets';
import { presetStepMs, selfTestVerdict } from './selftest';

export class DeviceUnavailableError extends Error {
  override readonly name = 'DeviceUnavailableError';
}

/** Whether `auto` may take a provider that probes as available: CUDA must also have computed what the CPU computes. */
async function trusted(name: ExecutionProviderName): Promise<boolean> {
  return name !== 'cuda' || (await selfTestVerdict(name)).ok;
}

/**
 * `speed` (ms a step, e.g. presetStepMs for the plan's preset): `auto` then takes the fastest of
 * the providers that work, not the first in preference order (a software WebGPU adapter such as
 * lavapipe is slower than the CPU).
 */
export async function resolveDevice(
  choice: DeviceChoice,
  probe: (name: ExecutionProviderName) => Promise<ProviderStatus> = probeProvider,
  verified: (name: ExecutionProviderName) => Promise<boolean> = trusted,
  speed?: (name: ExecutionProviderName) => Promise<number>,
): Promise<ExecutionProviderName> {
  if (choice !== 'auto') {
    if (!(EXECUTION_PROVIDERS as readonly string[]).includes(choice)) {
      throw new DeviceUnavailableError(`unknown device "${choice}": choose auto, ${EXECUTION_PROVIDERS.join(', ')}`);
    }
    const status = await probe(choice);
    if (!status.available) {
      throw new DeviceUnavailableError(
        `device "${choice}" is not available here: ${status.reason}. Run \`stacklab doctor\` to see what works, or use --device auto.`,
      );
    }
    return choice;
  }
  const working: ExecutionProviderName[] = [];
  for (const name of EXECUTION_PROVIDERS) {
    if (name === 'cpu') working.push('cpu');
    else if ((await probe(name)).available && (await verified(name))) {
      if (!speed) return name;
      working.push(name);
    }
  }
  if (!speed || working.length === 1) return working[0] ?? 'cpu';
  let best: { name: ExecutionProviderName; ms: number } | null = null;
  for (const name of working) {
    // A provider that fails to measure is passed over, not fatal: the next one trains.
    const ms = await speed(name).catch(() => Infinity);
    if (!best || ms < best.ms) best = { name, ms };
  }
  return best!.name;
}

/** `auto` for a preset: the fastest working provider for its shapes, measured once here. */
export function resolveDeviceFor(choice: DeviceChoice, preset: PresetName): Promise<ExecutionProviderName> {
  return resolveDevice(choice, probeProvider, trusted, (name) => presetStepMs(name, preset));
}
