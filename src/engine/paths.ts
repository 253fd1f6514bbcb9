/** Where StackLab keeps things on disk. */
import os from 'node:os';
import path from 'node:path';

/**
 * The folder of run folders: `$STACKLAB_RUNS_DIR` when set, else `~/StackLab/runs`
 * (a visible folder, because users open, copy and delete runs without the app).
 */
export function defaultRunsDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.STACKLAB_RUNS_DIR?.trim();
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(os.homedir(), 'StackLab', 'runs');
}
