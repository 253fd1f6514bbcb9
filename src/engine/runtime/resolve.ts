/**
 * Which provider a device choice trains on: `auto` takes cuda (when it also passed the self-test
 * against the CPU on this machine), else webgpu, else cpu; an explicit choice is honoured or fails
 * with the probe's reason.
 */
import { EXECUTION_PROVIDERS, type DeviceChoice, type ExecutionProviderName, type ProviderStatus } from '../../shared/system';
import { probeProvider } from './providers';
import { selfTestVerdict } from './selftest';

export class DeviceUnavailableError extends Error {
  override readonly name = 'DeviceUnavailableError';
}

/** Whether `auto` may take a provider that probes as available: CUDA must also have computed what the CPU computes. */
async function trusted(name: ExecutionProviderName): Promise<boolean> {
  return name !== 'cuda' || (await selfTestVerdict(name)).ok;
}

export async function resolveDevice(
  choice: DeviceChoice,
  probe: (name: ExecutionProviderName) => Promise<ProviderStatus> = probeProvider,
  verified: (name: ExecutionProviderName) => Promise<boolean> = trusted,
): Promise<ExecutionProviderName> {
  if (choice !== 'auto') {
    if (!(EXECUTION_PROVIDERS as readonly string[]).includes(choice)) {
      throw new DeviceUnavailableError(`unknown device "${choice}": choose auto, ${EXECUTION_PROVIDERS.join(', ')}`);
    }
    const status = await probe(choice);
    if (!status.available) {
      throw new DeviceUnavailableError(`device "${choice}" is not available here: ${status.reason}. Run \`stacklab doctor\` to see what works, or use --device auto.`);
    }
    return choice;
  }
  for (const name of EXECUTION_PROVIDERS) {
    if (name === 'cpu') return 'cpu';
    if ((await probe(name)).available && (await verified(name))) return name;
  }
  return 'cpu';
}

