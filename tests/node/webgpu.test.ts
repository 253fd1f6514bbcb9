/**
 * WebGPU smoke test: a tiny ORT session on the webgpu execution provider, CPU fallback disabled.
 * Needs a Vulkan driver; CI gets Mesa lavapipe from scripts/test.sh, which sets
 * STACKLAB_REQUIRE_WEBGPU=1 so that a missing adapter fails the run instead of skipping it.
 */
import { describe, expect, it } from 'vitest';
import { probeProvider } from '../../src/engine/runtime/providers';

const required = process.env.STACKLAB_REQUIRE_WEBGPU === '1';

describe('WebGPU execution provider', () => {
  it('runs a tiny session on webgpu (lavapipe in CI)', async (ctx) => {
    const status = await probeProvider('webgpu');
    if (!status.available && !required) {
      ctx.skip(`no WebGPU adapter here (${status.reason}); run \`npm test\` to install lavapipe`);
    }
    expect(status, status.reason).toMatchObject({ name: 'webgpu', available: true });
  });
});
