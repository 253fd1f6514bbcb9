/**
 * The run store: one folder per run that a person can read without the app.
 *   config.json      everything needed to reproduce the run
 *   metrics.jsonl    one JSON object per line, appended as the run goes
 *   checkpoints/     step-XXXXXXXX.safetensors: weights, Adam moments and the run's position
 *   report.json      written when the run ends (finished or cancelled)
 *   run.lock         while a process trains the run: its pid, host and start, its mtime a heartbeat (stale ones are taken over)
 * Files that replace others are written atomically: a temporary file, fsync, rename.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, link, mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors';
import { stateNames } from '../train/train-step';
import type { MetricRecord } from './types';

/** Checkpoint files: `checkpoints/step-00000120.safetensors`, the step in eight digits. */
const CHECKPOINT_FILE = /^step-(\d+)\.safetensors$/;
const checkpointName = (step: number) => `step-${String(step).padStart(8, '0')}.safetensors`;

export async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** The highest checkpoint step in a run folder (0 without one), from the file names alone. */
export async function checkpointStep(runDir: string): Promise<number> {
  const names = await readdir(path.join(runDir, 'checkpoints')).catch(() => [] as string[]);
  return names.reduce((m, n) => Math.max(m, Number(CHECKPOINT_FILE.exec(n)?.[1] ?? 0)), 0);
}

/** A write that failed, in words: which file, why, and what to do (nothing written before is lost). */
export function writeError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new Error(`cannot write ${file}: the disk is full (ENOSPC). Free some space, then resume (stacklab train … --resume, or Resume in the run library): everything saved before is kept`);
  if (code === 'EDQUOT') return new Error(`cannot write ${file}: the disk quota is used up (EDQUOT). Free some space, then resume: everything saved before is kept`);
  if (code === 'EISDIR') return new Error(`cannot write ${file}: it is a folder. Give a file name`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new Error(`cannot write ${file} (${code}): choose a folder you can write to`);
  return new Error(`cannot write ${file} (${code ?? (err as Error).message})`);
}

/** Writes `bytes` to `file` so that a crash leaves either the old file or the new one, never half. */
export async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw writeError(file, err);
  }
}

/** Whether a process of this machine is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `*.tmp-PID` files a killed process left in `dir` (its own and live processes' are kept). */
export async function removeStaleTemp(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    const m = /\.tmp-(\d+)$/.exec(n);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    await rm(path.join(dir, n), { force: true });
    removed.push(n);
  }
  return removed;
}

function parseLock(text: string): (RunLock & { readonly token?: string }) | null {
  try {
    const v = JSON.parse(text) as RunLock & { token?: string };
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

async function readLockFile(file: string): Promise<(RunLock & { readonly token?: string }) | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : parseLock(text);
}

/** How often a lock's holder renews its mtime, and how old a lock of another machine may be before it is a dead worker's. */
export const LOCK_HEARTBEAT_MS = 5_000;
export const LOCK_STALE_MS = 20_000;

/** Who trains a run folder now (run.lock). */
export interface RunLock {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

/** What a read of metrics.jsonl kept, and what it had to leave out (a line cut short by a crash or a full disk). */
export interface MetricsRead {
  readonly records: MetricRecord[];
  /** Lines that were not complete JSON: the torn tail, and any damaged line before it. */
  readonly dropped: number;
}

export interface CheckpointState {
  readonly step: number;
  readonly layers: number;
  readonly stage: number;
  /** The batch sampler's position. */
  readonly rng: number;
  /** Wall-clock (ms) of each stage begun so far, the current one up to this checkpoint (absent in older files). */
  readonly stageWallMs?: readonly number[];
  /** The run's elapsed wall-clock at this checkpoint (ms), for a resume to continue from. */
  readonly elapsedMs?: number;
  /** fp16: the dynamic loss scale and its clean-step count, so a resume scales as the run would have. */
  readonly lossScale?: { readonly scale: number; readonly goodSteps: number };
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly m: ReadonlyMap<string, Float32Array>;
  readonly v: ReadonlyMap<string, Float32Array>;
  /** Each parameter's shape, so the file reads as matrices in any safetensors viewer. */
  readonly shapes?: ReadonlyMap<string, readonly number[]>;
}

export class RunStore {
  constructor(readonly dir: string) {}

  get checkpointsDir(): string {
    return path.join(this.dir, 'checkpoints');
  }

  async init(config: unknown): Promise<void> {
    await mkdir(this.checkpointsDir, { recursive: true }).catch((err: unknown) => {
      throw writeError(this.checkpointsDir, err);
    });
    await writeAtomic(path.join(this.dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    // A run that begins at step 0 begins its history too: lines of an attempt killed before its
    // first checkpoint would otherwise stay in front of the new ones.
    await writeAtomic(path.join(this.dir, 'metrics.jsonl'), '');
  }

  private get lockFile(): string {
    return path.join(this.dir, 'run.lock');
  }

  /**
   * Takes the run folder for this process, or says who has it. The lock appears whole or not at
   * all (written to a temporary file, then hard-linked into place, which fails when one exists).
   * A lock whose process is gone (on this machine) is stale. Only the holder of a second,
   * short-lived lock (`run.lock.takeover`, taken the same way) may remove a stale lock, after
   * checking under it that the lock is still the one judged stale; the lock file is then free and
   * the first process to link its own wins, so exactly one process takes a run over. Returns the
   * release function and the stale lock taken over, if any.
   */
  async lock(): Promise<{ release: () => Promise<void>; tookOver: RunLock | null }> {
    await mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      throw writeError(this.dir, err);
    });
    const token = randomBytes(6).toString('hex');
    const mine = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), token };
    const temp = path.join(this.dir, `run.lock.${token}.tmp-${process.pid}`);
    await writeFile(temp, `${JSON.stringify(mine)}\n`).catch((err: unknown) => {
      throw writeError(temp, err);
    });
    const guard = `${this.lockFile}.takeover`;
    let tookOver: RunLock | null = null;
    try {
      for (let attempt = 0; attempt < 40; attempt++) {
        try {
          await link(temp, this.lockFile);
          // The heartbeat: the lock's mtime, renewed while this process holds it, tells another machine it is alive.
          const beat = setInterval(() => void utimes(this.lockFile, new Date(), new Date()).catch(() => undefined), LOCK_HEARTBEAT_MS);
          beat.unref();
          const release = async () => {
            clearInterval(beat);
            // Only our own lock is removed.
            const held = await this.readLock();
            if (held?.token === token) await rm(this.lockFile, { force: true });
          };
          return { release, tookOver };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(this.lockFile, err);
        }
        const text = await readFile(this.lockFile, 'utf8').catch(() => null);
        if (text === null) continue; // removed in between: try again
        const held = parseLock(text);
        if (!held) {
          // Unreadable: damaged by hand or by a disk fault (ours appear whole). Stale once it is old.
          const age = Date.now() - ((await stat(this.lockFile).catch(() => null))?.mtimeMs ?? 0);
          if (age < 10_000) throw new Error(`${this.lockFile} cannot be read: another process may be starting this run. Wait a moment and try again; if none is, delete that file`);
        } else if (held.host === mine.host ? alive(held.pid) : Date.now() - ((await stat(this.lockFile).catch(() => null))?.mtimeMs ?? 0) < LOCK_STALE_MS) {
          // On this machine the process is asked; on another, its heartbeat (a lock not renewed for LOCK_STALE_MS is a dead worker's).
          throw new Error(`${this.dir} is being trained by process ${held.pid} on ${held.host} since ${held.started}: wait for it to finish or stop it (a lock left by a process that died, here or on a machine whose heartbeat stopped ${LOCK_STALE_MS / 1000} s ago, is taken over).`);
        }
        // Stale: remove it under the takeover lock, if it is still the same.
        try {
          await link(temp, guard);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(guard, err);
          // Another process is taking over (for milliseconds). A takeover lock left by a process
          // that died in them (or one past 30 s) is removed: the one case left to chance is two
          // processes judging such a dead takeover lock at the same moment.
          const since = (await stat(guard).catch(() => null))?.mtimeMs;
          if (since === undefined) continue;
          const other = await readLockFile(guard);
          if ((other && other.host === mine.host && !alive(other.pid)) || Date.now() - since > 30_000) await rm(guard, { force: true });
          else await new Promise((r) => setTimeout(r, 25));
          continue;
        }
        try {
          if ((await readFile(this.lockFile, 'utf8').catch(() => null)) === text) {
            await rm(this.lockFile, { force: true });
            tookOver = held ?? { pid: 0, host: mine.host, started: 'unknown (the lock was unreadable)' };
          }
        } finally {
          if ((await readLockFile(guard))?.token === token) await rm(guard, { force: true });
        }
      }
      throw new Error(`${this.dir}: could not take its lock (run.lock keeps changing): is another process starting it?`);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async readLock(): Promise<(RunLock & { readonly token?: string }) | null> {
    return readLockFile(this.lockFile);
  }

  /** Removes temporary files a killed process left (in the run folder and its checkpoints). */
  async removeStaleTemp(): Promise<string[]> {
    return [...(await removeStaleTemp(this.dir)), ...(await removeStaleTemp(this.checkpointsDir))];
  }

  async readConfig<T>(): Promise<T | null> {
    try {
      return JSON.parse(await readFile(path.join(this.dir, 'config.json'), 'utf8')) as T;
    } catch {
      return null;
    }
  }

  async appendMetrics(records: readonly MetricRecord[]): Promise<void> {
    const file = path.join(this.dir, 'metrics.jsonl');
    if (records.length) {
      await appendFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n').catch((err: unknown) => {
        throw writeError(file, err);
      });
    }
  }

  /** Every complete line of metrics.jsonl; a line cut short (a crash, a full disk) is left out and counted. */
  async readMetrics(): Promise<MetricsRead> {
    let text: string;
    try {
      text = await readFile(path.join(this.dir, 'metrics.jsonl'), 'utf8');
    } catch {
      return { records: [], dropped: 0 };
    }
    const records: MetricRecord[] = [];
    let dropped = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as MetricRecord);
      } catch {
        dropped++;
      }
    }
    return { records, dropped };
  }

  /**
   * Drops metric lines past `step` (written after the checkpoint a resume starts from) and any
   * torn line; returns how many torn lines were cut.
   */
  async truncateMetrics(step: number): Promise<number> {
    const { records, dropped } = await this.readMetrics();
    // A stage line at the checkpoint's step opens the stage after it: the resume writes it again.
    const kept = records.filter((r) => r.step === undefined || r.step < step || (r.step === step && r.type !== 'stage'));
    await writeAtomic(path.join(this.dir, 'metrics.jsonl'), kept.map((r) => JSON.stringify(r)).join('\n') + (kept.length ? '\n' : ''));
    return dropped;
  }

  async saveCheckpoint(c: CheckpointState): Promise<string> {
    const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    const shape = (k: string, t: Float32Array) => [...(c.shapes?.get(k) ?? [t.length])];
    for (const [k, t] of c.params) tensors.set(k, { shape: shape(k, t), data: t });
    for (const [k, t] of c.m) tensors.set(stateNames.m(k), { shape: shape(k, t), data: t });
    for (const [k, t] of c.v) tensors.set(stateNames.v(k), { shape: shape(k, t), data: t });
    await mkdir(this.checkpointsDir, { recursive: true }).catch((err: unknown) => {
      throw writeError(this.checkpointsDir, err);
    });
    const file = path.join(this.checkpointsDir, checkpointName(c.step));
    const wall: Record<string, string> = c.stageWallMs ? { stage_wall_ms: JSON.stringify(c.stageWallMs.map(Math.round)), elapsed_ms: String(Math.round(c.elapsedMs ?? 0)) } : {};
    const scaling: Record<string, string> = c.lossScale ? { loss_scale: String(c.lossScale.scale), loss_scale_good_steps: String(c.lossScale.goodSteps) } : {};
    await writeAtomic(file, serializeSafetensors(tensors, { format: 'stacklab-checkpoint', step: String(c.step), layers: String(c.layers), stage: String(c.stage), rng: String(c.rng), ...wall, ...scaling }));
    return file;
  }

  /**
   * The newest checkpoint that reads; damaged newer ones (a crash mid-write on a disk that
   * reorders, a copy cut short) are skipped, named in `damaged` and passed to `onDamaged` (also
   * when none reads and null is returned).
   */
  async latestCheckpoint(onDamaged?: (d: { file: string; reason: string }) => void): Promise<(CheckpointState & { readonly file: string; readonly damaged: readonly { file: string; reason: string }[] }) | null> {
    let names: string[];
    try {
      names = (await readdir(this.checkpointsDir)).filter((n) => CHECKPOINT_FILE.test(n)).sort();
    } catch {
      return null;
    }
    const damaged: { file: string; reason: string }[] = [];
    for (const name of names.reverse()) {
      const file = path.join(this.checkpointsDir, name);
      try {
        const { tensors, metadata } = parseSafetensors(await readFile(file), name);
        const params = new Map<string, Float32Array>();
        const m = new Map<string, Float32Array>();
        const v = new Map<string, Float32Array>();
        for (const [k, t] of tensors) {
          const data = t.data as Float32Array;
          const moment = stateNames.parse(k);
          if (moment) (moment.which === 'm' ? m : v).set(moment.param, data);
          else params.set(k, data);
        }
        const step = Number(metadata.step);
        if (!Number.isInteger(step) || params.size === 0) throw new Error('no step or no weights in it');
        const wall = metadata.stage_wall_ms ? { stageWallMs: JSON.parse(metadata.stage_wall_ms) as number[], elapsedMs: Number(metadata.elapsed_ms) } : {};
        const scaling = metadata.loss_scale ? { lossScale: { scale: Number(metadata.loss_scale), goodSteps: Number(metadata.loss_scale_good_steps ?? 0) } } : {};
        return { step, layers: Number(metadata.layers), stage: Number(metadata.stage), rng: Number(metadata.rng), params, m, v, ...wall, ...scaling, file, damaged };
      } catch (err) {
        const d = { file, reason: err instanceof Error ? err.message : String(err) };
        damaged.push(d);
        onDamaged?.(d);
      }
    }
    return null;
  }

  /** report.json, or null when the run has none (yet) or it cannot be read. */
  async readReport<T>(): Promise<T | null> {
    try {
      return JSON.parse(await readFile(path.join(this.dir, 'report.json'), 'utf8')) as T;
    } catch {
      return null;
    }
  }

  async writeReport(report: unknown): Promise<void> {
    await this.writeJson('report.json', report);
  }

  /** A JSON file in the run folder, written atomically. */
  async writeJson(name: string, value: unknown): Promise<void> {
    await writeAtomic(path.join(this.dir, name), `${JSON.stringify(value, null, 2)}\n`);
  }
}
