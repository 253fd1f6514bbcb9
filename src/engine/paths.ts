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

/**
 * Where the app keeps its settings: `$STACKLAB_CONFIG_DIR` when set, else the platform's
 * configuration folder (%APPDATA%\StackLab, ~/Library/Application Support/StackLab,
 * $XDG_CONFIG_HOME/stacklab or ~/.config/stacklab).
 */
export function defaultConfigDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const fromEnv = env.STACKLAB_CONFIG_DIR?.trim();
  if (fromEnv) return path.resolve(fromEnv);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'StackLab');
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'StackLab');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'stacklab');
}
