/**
 * The app's settings (runs folder, default device, CPU threads, the queue), kept in settings.json
 * in the configuration folder. The runs folder falls back to $STACKLAB_RUNS_DIR or ~/StackLab/runs.
 * A settings.json that does not read is reported as damaged, never replaced by the defaults.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SETTINGS_DEFAULTS } from '../../shared/settings';
import { Fields } from '../../shared/fields';
import type { Settings } from '../../shared/settings';
import { LIMITS } from '../../shared/limits';
import { DEVICE_CHOICES } from '../../shared/system';
import { readJsonFile } from '../io/files';
import { writeAtomic } from '../runs/store';
import { usableFolder } from './folders';

/** settings.json as read back: every field it has, checked (it may be edited by hand). */
function parseSettings(raw: unknown): Partial<Settings> {
  const f = Fields.of(raw, 'settings.json');
  const out: { -readonly [K in keyof Settings]?: Settings[K] } = {};
  if (f.has('runsDir')) out.runsDir = f.string('runsDir', 4096);
  if (f.has('defaultDevice')) out.defaultDevice = f.oneOf('defaultDevice', DEVICE_CHOICES);
  if (f.has('threads')) out.threads = f.integer('threads', LIMITS.threads.min, LIMITS.threads.max);
  if (f.has('parallelRuns'))
    out.parallelRuns = f.integer('parallelRuns', LIMITS.parallelRuns.min, LIMITS.parallelRuns.max);
  if (f.has('seedBatch')) out.seedBatch = f.integer('seedBatch', LIMITS.seedBatch.min, LIMITS.seedBatch.max);
  if (f.has('queue')) out.queue = f.raw.queue === null ? null : f.string('queue', 4096);
  return out;
}

/** `allowRunsDir` (server mode's --root) says whether a stored runs folder may be used; one it refuses gives way to the default. */
export function createSettingsService(
  configDir: string,
  defaultRunsDir: string,
  allowRunsDir?: (dir: string) => Promise<boolean>,
) {
  const file = path.join(configDir, 'settings.json');
  let current: Settings | null = null;
  let changes: Promise<unknown> = Promise.resolve();

  async function get(): Promise<Settings> {
    if (current) return current;
    const defaults: Settings = { runsDir: defaultRunsDir, ...SETTINGS_DEFAULTS };
    // No file yet is normal; a damaged one is said, naming what is wrong in it.
    let stored =
      (await readJsonFile(file, parseSettings, 'fix it by hand, or delete it to start from the default settings')) ??
      {};
    if (typeof stored.runsDir === 'string' && allowRunsDir && !(await allowRunsDir(stored.runsDir))) {
      const { runsDir: _outside, ...rest } = stored;
      stored = rest;
    }
    current = { ...defaults, ...stored };
    return current;
  }

  /** Applies changes one after another, each to what the one before left (two saves never undo each other). */
  function set(change: Partial<Settings>): Promise<Settings> {
    const done = changes.then(async () => {
      const next: { -readonly [K in keyof Settings]: Settings[K] } = { ...(await get()), ...change };
      // A real, writable folder (created when missing), never under /proc, /sys or /dev, checked within a time limit.
      if (change.runsDir !== undefined) next.runsDir = await usableFolder(change.runsDir, 'the runs folder');
      await mkdir(configDir, { recursive: true });
      await writeAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
      current = next;
      return current;
    });
    changes = done.catch(() => undefined);
    return done;
  }

  return { get, set };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
