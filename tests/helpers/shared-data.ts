/**
 * Real data kept outside the repository (../shared/data beside the checkout, as CI has it, or
 * $STACKLAB_SHARED_DATA). Tests that read it run when it is there; in a clone with nothing beside
 * it they are skipped, and one line says what was skipped and how to run them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'vitest';

/** The folder of the shared real data, or null with the line to print when it is not there. */
export function sharedDataDir(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): { dir: string; skipped: null } | { dir: null; skipped: string } {
  const dir = path.resolve(cwd, env.STACKLAB_SHARED_DATA ?? '../shared/data');
  if (existsSync(path.join(dir, 'README.md'))) return { dir, skipped: null };
  return {
    dir: null,
    skipped: `skipped the tests on real data (TEP, NAB): ${dir} is not there; put the shared data beside the checkout (../shared/data) or set STACKLAB_SHARED_DATA to its folder to run them`,
  };
}

/**
 * `describe` for tests on the shared data: the block's callback gets the folder; without the
 * data the block is skipped and the skip line printed once per file.
 */
export function describeSharedData(name: string, body: (dir: string) => void): void {
  const shared = sharedDataDir();
  if (shared.dir !== null) {
    const dir = shared.dir;
    describe(name, () => body(dir));
    return;
  }
  console.warn(shared.skipped);
  // The tests are still declared (with a placeholder folder), so the summary counts them as skipped.
  describe.skip(name, () => body(path.resolve('shared-data-not-found')));
}
