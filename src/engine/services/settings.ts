/**
 * The app's settings (runs folder, default device, CPU threads), kept in settings.json in the
 * configuration folder. The runs folder falls back to $STACKLAB_RUNS_DIR or ~/StackLab/runs.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SETTINGS_DEFAULTS } from '../../shared/defaults';
import type { Settings } from '../../shared/jobs';
import { writeAtomic } from '../runs/store';
import { usableFolder } from './folders';

/** `allowRunsDir` (server mode's --root) says whether a stored runs folder may be used; one it refuses gives way to the default. */
export function createSettingsService(configDir: string, defaultRunsDir: string, allowRunsDir?: (dir: string) => Promise<boolean>) {
  const file = path.join(configDir, 'settings.json');
  let current: Settings | null = null;

  async function get(): Promise<Settings> {
    if (current) return current;
    const defaults: Settings = { runsDir: defaultRunsDir, ...SETTINGS_DEFAULTS };
    let stored: Partial<Settings> = {};
    try {
      stored = JSON.parse(await readFile(file, 'utf8')) as Partial<Settings>;
    } catch (err) {
      // No file yet is normal; a damaged one falls back to the defaults (and is rewritten on save).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') stored = {};
    }
    if (typeof stored.runsDir === 'string' && allowRunsDir && !(await allowRunsDir(stored.runsDir))) {
      const { runsDir: _outside, ...rest } = stored;
      stored = rest;
    }
    current = { ...defaults, ...stored };
    return current;
  }

  async function set(change: Partial<Settings>): Promise<Settings> {
    const next: { -readonly [K in keyof Settings]: Settings[K] } = { ...(await get()), ...change };
    // A real, writable folder (created when missing), never under /proc, /sys or /dev, checked within a time limit.
    if (change.runsDir !== undefined) next.runsDir = await usableFolder(change.runsDir, 'the runs folder');
    await mkdir(configDir, { recursive: true });
    await writeAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
    current = next;
    return current;
  }

  return { get, set };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
