/**
 * The PyTorch reference of `npm run bench -- engine` runs with the PyTorch this machine has
 * (Debian's 1.13 here, 2.x on the GPU machine): an API of one version only left the bench
 * without its ratio (issue 25). Without PyTorch the tests are skipped with a printed line
 * (scripts/install-reference.sh installs it).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { benchEngine } from '../../bench/engine';

const python = process.env.STACKLAB_TORCH_PYTHON ?? '/usr/bin/python3';

function torchVersion(): string | null {
  try {
    return execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

const version = torchVersion();
if (!version)
  console.warn(
    `skipped the PyTorch reference tests: ${python} has no torch; run scripts/install-reference.sh (Debian's python3-torch) to run them`,
  );

describe.skipIf(!version)(`the PyTorch reference (torch ${version ?? 'absent'})`, () => {
  // fp32 is the CPU's one precision; the loss scaler the reference builds for every precision is
  // the call that differed between versions.
  it('times the same model and gives the ratio', async () => {
    const r = await benchEngine([
      ...['--preset', 'tiny', '--device', 'cpu', '--steps', '2', '--warmup', '1'],
      ...['--reference-steps', '2', '--threads', '1'],
    ]);
    expect(r.referenceNote).toBeUndefined();
    expect(r.referenceDevice).toBe('torch-cpu');
    expect(r.referenceMsPerStep).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.tokensPerSec / r.referenceTokensPerSec!, 6);
  }, 120_000);
});
