/**
 * The run store: one folder per run that a person can read without the app.
 *   config.json      everything needed to reproduce the run
 *   metrics.jsonl    one JSON object per line, appended as the run goes
 *   checkpoints/     step-XXXXXXXX.safetensors: weights, Adam moments and the run's position
 *   report.json      written when the run ends (finished or cancelled)
 *   run.lock         while a process trains the run: its pid, host and start, its mtime a heartbeat (stale ones are taken over)
 * Files that replace others are written atomically: a temporary file, fsync, rename.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  access,
  appendFile,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileRefusedError, readJsonFile, readRegular } from '../io/files';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors';
import { stateNames } from '../train/train-step';
import type { MetricRecord, RunConfig } from './types';
import { upgradeRunConfig } from './config-check';

/** Checkpoint files: `checkpoints/step-00000120.safetensors`, the step in eight digits. */
const CHECKPOINT_FILE = /^step-(\d+)\.safetensors$/;
const checkpointName = (step: number) => `step-${String(step).padStart(8, '0')}.safetensors`;

export async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** A folder that is really there, not a link to one: StackLab makes run folders, never links, and a link could lead anywhere. */
export async function isRealDir(p: string): Promise<boolean> {
  const s = await lstat(p).catch(() => null);
  return !!s && s.isDirectory();
}

/** Whether `p` is a link (a run folder must not be one). */
export async function isLink(p: string): Promise<boolean> {
  return (await lstat(p).catch(() => null))?.isSymbolicLink() ?? false;
}

/** The highest checkpoint step in a run folder (0 without one), from the file names alone. */
export async function checkpointStep(runDir: string): Promise<number> {
  const names = await readdir(path.join(runDir, 'checkpoints')).catch(() => [] as string[]);
  return names.reduce((m, n) => Math.max(m, Number(CHECKPOINT_FILE.exec(n)?.[1] ?? 0)), 0);
}

/** A write that failed, in words: which file, why, and what to do (nothing written before is lost). */
export function writeError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC')
    return new Error(
      `cannot write ${file}: the disk is full (ENOSPC). Free some space, then resume (stacklab train … --resume, or Resume in the run library): everything saved before is kept`,
    );
  if (code === 'EDQUOT')
    return new Error(
      `cannot write ${file}: the disk quota is used up (EDQUOT). Free some space, then resume: everything saved before is kept`,
    );
  if (code === 'EISDIR') return new Error(`cannot write ${file}: it is a folder. Give a file name`);
  if (code === 'EROFS')
    return new Error(
      `cannot write ${file}: its file system is read-only (EROFS). Make it writable or choose another folder, then resume: everything saved before is kept`,
    );
  if (code === 'EACCES' || code === 'EPERM')
    return new Error(`cannot write ${file} (${code}): choose a folder you can write to`);
  return new Error(`cannot write ${file} (${code ?? (err as Error).message})`);
}

/**
 * Creates a folder (and its parents); a failure names the folder and the real reason: a recursive
 * mkdir on a read-only file system says ENOENT, so the nearest existing parent is asked why.
 */
export async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    let parent = path.dirname(path.resolve(dir));
    while (
      !(await stat(parent).then(
        () => true,
        () => false,
      )) &&
      path.dirname(parent) !== parent
    )
      parent = path.dirname(parent);
    const why = await access(parent, constants.W_OK).then(
      () => null,
      (e: unknown) => e,
    );
    throw writeError(dir, why ?? err);
  }
}

/** The writes of each file in this process, in order: two writes of one file never interleave. */
const writesInFlight = new Map<string, Promise<unknown>>();

/**
 * Writes `bytes` to `file` so that a crash leaves either the old file or the new one, never half:
 * a temporary file of a name no other write uses (`<file>.tmp-<pid>-<random>`), fsync, rename.
 * Writes of one file in this process run one after another, in the order they were asked for.
 */
export function writeAtomic(
  file: string,
  bytes: Uint8Array | string,
  beforeRename?: () => Promise<void>,
): Promise<void> {
  const key = path.resolve(file);
  const before = writesInFlight.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(() => writeNow(file, bytes, beforeRename));
  writesInFlight.set(key, mine);
  // The chain's end forgets itself, so the map holds only files being written.
  void mine.catch(() => undefined).then(() => writesInFlight.get(key) === mine && writesInFlight.delete(key));
  return mine;
}

async function writeNow(file: string, bytes: Uint8Array | string, beforeRename?: () => Promise<void>): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // The run-folder lock is checked again at the last moment (a write may take seconds).
    await beforeRename?.();
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof LockLostError) throw err;
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

/** Removes `*.tmp-PID[-RANDOM]` files a killed process left in `dir` (its own and live processes' are kept). */
export async function removeStaleTemp(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    const m = /\.tmp-(\d+)(?:-[0-9a-f]+)?$/.exec(n);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    await rm(path.join(dir, n), { force: true });
    removed.push(n);
  }
  return removed;
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

/** run.lock as read: its holder and its token (absent in locks of older versions). */
interface HeldLock extends RunLock {
  readonly token?: string;
}

function parseLock(text: string): HeldLock | null {
  try {
    const v = JSON.parse(text) as Partial<HeldLock>;
    if (!Number.isInteger(v.pid) || typeof v.host !== 'string' || v.host.length > 255) return null;
    return {
      pid: v.pid!,
      host: v.host,
      started: typeof v.started === 'string' ? v.started.slice(0, 40) : 'unknown',
      ...(typeof v.token === 'string' ? { token: v.token } : {}),
    };
  } catch {
    return null;
  }
}

/** A lock file's text (never blocking on something that is not a regular file), or null. */
async function readLockText(file: string): Promise<string | null> {
  return readRegular(file, 64 * 1024, { noFollow: true }).then(
    (b) => b.toString('utf8'),
    () => null,
  );
}

/**
 * run.lock as its holder's heartbeat reads it: the lock, 'gone' (no such file), 'foreign' (not a
 * lock this program wrote), or why it could not be read now (a read timed out, no file handle to
 * spare): that last says nothing about the holder.
 */
async function lockState(file: string): Promise<HeldLock | 'gone' | 'foreign' | { unread: string }> {
  try {
    const text = (await readRegular(file, 64 * 1024, { noFollow: true })).toString('utf8');
    return parseLock(text) ?? 'foreign';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : { unread: (err as Error).message };
  }
}

async function readLockFile(file: string): Promise<HeldLock | null> {
  const text = await readLockText(file);
  return text === null ? null : parseLock(text);
}

/** Whether a lock's holder is alive: on this machine its process is asked; on another, its heartbeat (the file's mtime). */
function holderAlive(held: HeldLock, mtimeMs: number | undefined): boolean {
  return held.host === os.hostname() ? alive(held.pid) : Date.now() - (mtimeMs ?? 0) < LOCK_STALE_MS;
}

/** A run folder that a live process trains: a second one is refused (a queue's worker tries again later). */
export class RunLockedError extends Error {
  override readonly name = 'RunLockedError';
  constructor(
    readonly dir: string,
    readonly holder: RunLock,
  ) {
    super(
      `${dir} is being trained by process ${holder.pid} on ${holder.host} since ${holder.started}: wait for it to finish or stop it (a lock left by a process that died, here or on a machine whose heartbeat stopped ${LOCK_STALE_MS / 1000} s ago, is taken over).`,
    );
  }
}

/**
 * This process no longer holds the run's lock: another took the run over after this one stopped
 * renewing it (paused, suspended, cut off from the share) for LOCK_STALE_MS. Nothing more is
 * written; the run goes on with the new holder.
 */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';
}

/** The lock a process holds on a run folder: every write into the folder checks it first (a fencing token). */
export interface RunLease {
  /** Throws LockLostError once run.lock is not this process's any more. */
  check(): Promise<void>;
  release(): Promise<void>;
  /** The stale lock this process took over, if any. */
  readonly tookOver: RunLock | null;
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
  /** The part of each stage's wall-clock spent validating, as stageWallMs (absent in older files). */
  readonly stageEvalMs?: readonly number[];
  /** The run's elapsed wall-clock at this checkpoint (ms), for a resume to continue from. */
  readonly elapsedMs?: number;
  /** fp16: the dynamic loss scale and its clean-step count, so a resume scales as the run would have. */
  readonly lossScale?: { readonly scale: number; readonly goodSteps: number };
  /** Trained so far with its seed batched among this many (--seed-batch), at most; absent: alone. */
  readonly seedBatch?: number;
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly m: ReadonlyMap<string, Float32Array>;
  readonly v: ReadonlyMap<string, Float32Array>;
  /** Each parameter's shape, so the file reads as matrices in any safetensors viewer. */
  readonly shapes?: ReadonlyMap<string, readonly number[]>;
}

export class RunStore {
  /** The lock this store's process holds on the folder (lock()): every write checks it first. */
  private lease: RunLease | null = null;

  constructor(readonly dir: string) {}

  get checkpointsDir(): string {
    return path.join(this.dir, 'checkpoints');
  }

  /** Throws LockLostError when this store locked the folder and the lock is another's now. */
  private readonly fence = async (): Promise<void> => {
    await this.lease?.check();
  };

  private write(file: string, bytes: Uint8Array | string): Promise<void> {
    return this.fence().then(() => writeAtomic(file, bytes, this.fence));
  }

  async init(config: unknown): Promise<void> {
    await this.fence();
    await makeDir(this.checkpointsDir);
    await this.write(path.join(this.dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    // A run that begins at step 0 begins its history too: lines of an attempt killed before its
    // first checkpoint would otherwise stay in front of the new ones.
    await this.write(path.join(this.dir, 'metrics.jsonl'), '');
  }

  private get lockFile(): string {
    return path.join(this.dir, 'run.lock');
  }

  /**
   * Takes the run folder for this process, or says who has it (RunLockedError). The lock appears
   * whole or not at all (written to a temporary file, then hard-linked into place, which fails
   * when one exists). A lock whose process is gone (on this machine), or whose heartbeat stopped
   * (another machine), is stale. Only the holder of a second, short-lived lock
   * (`run.lock.takeover`, taken the same way) may remove a stale lock, after checking under it
   * that the lock is still the one judged stale; the lock file is then free and the first process
   * to link its own wins, so exactly one process takes a run over. From then on every write of
   * this store checks that run.lock still carries this lock's token: a process paused past the
   * heartbeat wakes to find the run taken over and stops without writing (LockLostError).
   */
  async lock(): Promise<RunLease> {
    await makeDir(this.dir);
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
          this.lease = this.leaseOf(token, tookOver);
          return this.lease;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(this.lockFile, err);
        }
        const text = await readLockText(this.lockFile);
        if (text === null) continue; // removed in between: try again
        const held = parseLock(text);
        const mtime = (await stat(this.lockFile).catch(() => null))?.mtimeMs;
        if (!held) {
          // Unreadable: damaged by hand or by a disk fault (ours appear whole). Stale once it is old.
          if (Date.now() - (mtime ?? 0) < 10_000)
            throw new Error(
              `${this.lockFile} cannot be read: another process may be starting this run. Wait a moment and try again; if none is, delete that file`,
            );
        } else if (holderAlive(held, mtime)) {
          throw new RunLockedError(this.dir, held);
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
          if ((other && other.host === mine.host && !alive(other.pid)) || Date.now() - since > 30_000)
            await rm(guard, { force: true });
          else await new Promise((r) => setTimeout(r, 25));
          continue;
        }
        try {
          if ((await readLockText(this.lockFile)) === text) {
            await rm(this.lockFile, { force: true }).catch((err: unknown) => {
              throw writeError(this.lockFile, err);
            });
            tookOver = held ?? { pid: 0, host: mine.host, started: 'unknown (the lock was unreadable)' };
          }
        } finally {
          if ((await readLockFile(guard))?.token === token) await rm(guard, { force: true }).catch(() => undefined);
        }
      }
      throw new Error(
        `${this.dir}: could not take its lock (run.lock keeps changing): is another process starting it?`,
      );
    } finally {
      await rm(temp, { force: true }).catch(() => undefined);
    }
  }

  /** The lease of the lock just linked into place: a heartbeat, the fencing check and the release. */
  private leaseOf(token: string, tookOver: RunLock | null): RunLease {
    let lost: string | null = null;
    const file = this.lockFile;
    const dir = this.dir;
    const look = async () => {
      if (lost === null) {
        // A read that fails for a moment (a timeout, no file handle or memory to spare) says
        // nothing about the holder: read again until LOCK_STALE_MS have passed. Only a file that
        // stays gone, names another holder or was replaced by one this program did not write
        // means the lock is lost, which stops the run for good.
        const until = performance.now() + LOCK_STALE_MS;
        let held = await lockState(file);
        while (typeof held === 'object' && 'unread' in held && performance.now() < until) {
          await new Promise((r) => setTimeout(r, 250));
          held = await lockState(file);
        }
        for (let i = 0; held === 'gone' && i < 3; i++) {
          await new Promise((r) => setTimeout(r, 100));
          held = await lockState(file);
        }
        if (typeof held === 'object' && !('unread' in held) && held.token === token) return;
        lost =
          held === 'gone'
            ? 'its lock file is gone'
            : held === 'foreign'
              ? 'its lock file was replaced by one this program did not write'
              : 'unread' in held
                ? `its lock file could not be read for ${LOCK_STALE_MS / 1000} s: ${held.unread}`
                : `process ${held.pid} on ${held.host} took it over at ${held.started}`;
      }
      throw new LockLostError(
        `${dir}: this process no longer holds the run's lock (${lost}, after this one had not renewed it for over ${LOCK_STALE_MS / 1000} s: paused, suspended or cut off from the folder?); it stopped without writing, and the run goes on with its new holder`,
      );
    };
    // One look at a time, shared by the heartbeat and the writes' fence.
    let looking: Promise<void> | null = null;
    const check = () => {
      looking ??= look().finally(() => (looking = null));
      return looking;
    };
    // The heartbeat: the lock's mtime, renewed while this process holds it, tells another machine it is alive.
    // It renews only its own lock; once the lock is another's, it stops.
    const beat = setInterval(() => {
      void check().then(
        () => utimes(file, new Date(), new Date()).catch(() => undefined),
        () => clearInterval(beat),
      );
    }, LOCK_HEARTBEAT_MS);
    beat.unref();
    return {
      tookOver,
      check,
      release: async () => {
        clearInterval(beat);
        this.lease = null;
        // Only our own lock is removed.
        if ((await readLockFile(file))?.token === token) await rm(file, { force: true }).catch(() => undefined);
      },
    };
  }

  async readLock(): Promise<HeldLock | null> {
    return readLockFile(this.lockFile);
  }

  /** Who trains this folder now: the lock's holder when it is alive, else null (no lock, or a stale one). */
  async liveHolder(): Promise<RunLock | null> {
    const held = await readLockFile(this.lockFile);
    if (!held) return null;
    return holderAlive(held, (await stat(this.lockFile).catch(() => null))?.mtimeMs) ? held : null;
  }

  /** Removes temporary files a killed process left (in the run folder and its checkpoints). */
  async removeStaleTemp(): Promise<string[]> {
    return [...(await removeStaleTemp(this.dir)), ...(await removeStaleTemp(this.checkpointsDir))];
  }

  /** config.json (read as of this version: see upgradeRunConfig), or null when there is none or it does not read. */
  async readConfig(): Promise<RunConfig | null> {
    const config = await readJsonOrNull<RunConfig>(path.join(this.dir, 'config.json'));
    return config && upgradeRunConfig(config);
  }

  async appendMetrics(records: readonly MetricRecord[]): Promise<void> {
    const file = path.join(this.dir, 'metrics.jsonl');
    if (records.length) {
      await this.fence();
      await appendFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n').catch((err: unknown) => {
        throw writeError(file, err);
      });
    }
  }

  /** Every complete line of metrics.jsonl; a line cut short (a crash, a full disk) is left out and counted. */
  async readMetrics(): Promise<MetricsRead> {
    const file = path.join(this.dir, 'metrics.jsonl');
    let text: string;
    try {
      text = (await readRegular(file, MAX_METRICS_BYTES, { noFollow: true })).toString('utf8');
    } catch (err) {
      // None yet is an empty history; one that cannot be read is never taken for an empty one (a resume would rewrite it so).
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], dropped: 0 };
      throw new Error(
        `cannot read ${err instanceof FileRefusedError ? err.message : `${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`}: the run's history is kept as it is; check the file, then try again`,
      );
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
    const kept = records.filter(
      (r) => r.step === undefined || r.step < step || (r.step === step && r.type !== 'stage'),
    );
    await this.write(
      path.join(this.dir, 'metrics.jsonl'),
      kept.map((r) => JSON.stringify(r)).join('\n') + (kept.length ? '\n' : ''),
    );
    return dropped;
  }

  async saveCheckpoint(c: CheckpointState): Promise<string> {
    const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    const shape = (k: string, t: Float32Array) => [...(c.shapes?.get(k) ?? [t.length])];
    for (const [k, t] of c.params) tensors.set(k, { shape: shape(k, t), data: t });
    for (const [k, t] of c.m) tensors.set(stateNames.m(k), { shape: shape(k, t), data: t });
    for (const [k, t] of c.v) tensors.set(stateNames.v(k), { shape: shape(k, t), data: t });
    await this.fence();
    await makeDir(this.checkpointsDir);
    const file = path.join(this.checkpointsDir, checkpointName(c.step));
    const wall: Record<string, string> = c.stageWallMs
      ? {
          stage_wall_ms: JSON.stringify(c.stageWallMs.map(Math.round)),
          ...(c.stageEvalMs ? { stage_eval_ms: JSON.stringify(c.stageEvalMs.map(Math.round)) } : {}),
          elapsed_ms: String(Math.round(c.elapsedMs ?? 0)),
        }
      : {};
    const scaling: Record<string, string> = {
      ...(c.lossScale
        ? { loss_scale: String(c.lossScale.scale), loss_scale_good_steps: String(c.lossScale.goodSteps) }
        : {}),
      ...(c.seedBatch && c.seedBatch > 1 ? { seed_batch: String(c.seedBatch) } : {}),
    };
    // The tensors' bytes in file order (by name): their digest travels in the header.
    const digest = createHash('sha256');
    for (const name of [...tensors.keys()].sort()) {
      const d = tensors.get(name)!.data;
      digest.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
    await this.write(
      file,
      serializeSafetensors(tensors, {
        format: 'stacklab-checkpoint',
        step: String(c.step),
        layers: String(c.layers),
        stage: String(c.stage),
        rng: String(c.rng),
        ...wall,
        ...scaling,
        sha256: digest.digest('hex'),
      }),
    );
    return file;
  }

  /**
   * The newest checkpoint that reads, whose tensors match their checksum and which `fits` accepts
   * (the run's plan: its tensors, step and stage); damaged newer ones (a crash mid-write on a disk
   * that reorders, a copy cut short, flipped bits, a hand-made file) are skipped, named in
   * `damaged` and passed to `onDamaged` (also when none reads and null is returned).
   */
  async latestCheckpoint(
    onDamaged?: (d: { file: string; reason: string }) => void,
    fits?: (ck: CheckpointState) => void,
  ): Promise<
    (CheckpointState & { readonly file: string; readonly damaged: readonly { file: string; reason: string }[] }) | null
  > {
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
        const ck = readCheckpoint(await readRegular(file, MAX_CHECKPOINT_BYTES, { noFollow: true }), name);
        fits?.(ck);
        return { ...ck, file, damaged };
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
    return readJsonOrNull<T>(path.join(this.dir, 'report.json'));
  }

  async writeReport(report: unknown): Promise<void> {
    await this.writeJson('report.json', report);
  }

  /** A JSON file in the run folder, written atomically (and only while this store's lock, if it took one, is still its own). */
  async writeJson(name: string, value: unknown): Promise<void> {
    await this.write(path.join(this.dir, name), `${JSON.stringify(value, null, 2)}\n`);
  }
}

/** The largest run files read back: metrics.jsonl (about 150 bytes a line; a string holds at most 512 MB) and a checkpoint (a Buffer at most 4 GiB). */
const MAX_METRICS_BYTES = 256 * 2 ** 20;
const MAX_CHECKPOINT_BYTES = 4 * 2 ** 30 - 1;

/** A JSON file of a run folder, or null when it is missing or does not read (a link, not a regular file, not JSON). */
async function readJsonOrNull<T>(file: string): Promise<T | null> {
  return readJsonFile(file, (v) => v as T, 'the run folder is damaged', 256 * 2 ** 20).catch(() => null);
}

/** A number of a checkpoint's metadata: a whole number from `min` to `max`, or the checkpoint is damaged. */
function metaInt(metadata: Record<string, string>, key: string, min: number, max: number): number {
  const v = Number(metadata[key]);
  if (typeof metadata[key] !== 'string' || !Number.isInteger(v) || v < min || v > max)
    throw new Error(
      `its "${key}" is ${JSON.stringify(metadata[key] ?? null)}, not a whole number from ${min} to ${max}`,
    );
  return v;
}

/** A checkpoint file's state, its tensors checked against the digest it carries (files of older versions carry none). */
function readCheckpoint(bytes: Uint8Array, name: string): CheckpointState {
  const { tensors, metadata } = parseSafetensors(bytes, name);
  if (metadata.format !== undefined && metadata.format !== 'stacklab-checkpoint')
    throw new Error(`it is a ${String(metadata.format).slice(0, 40)} file, not a checkpoint`);
  if (metadata.sha256 !== undefined) {
    const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    const actual = createHash('sha256')
      .update(bytes.subarray(8 + headerLen))
      .digest('hex');
    if (actual !== metadata.sha256)
      throw new Error('its tensors do not match their checksum (bits changed on disk, or the file was edited)');
  }
  const params = new Map<string, Float32Array>();
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  const shapes = new Map<string, readonly number[]>();
  for (const [k, t] of tensors) {
    if (t.dtype !== 'F32') throw new Error(`tensor "${k.slice(0, 60)}" is ${t.dtype}, not F32`);
    const data = t.data as Float32Array;
    const moment = stateNames.parse(k);
    if (moment) (moment.which === 'm' ? m : v).set(moment.param, data);
    else {
      params.set(k, data);
      shapes.set(k, t.shape);
    }
  }
  if (params.size === 0) throw new Error('no weights in it');
  const step = metaInt(metadata, 'step', 0, 1e9);
  const wall: Pick<CheckpointState, 'stageWallMs' | 'stageEvalMs' | 'elapsedMs'> = metadata.stage_wall_ms
    ? {
        stageWallMs: parseWall(metadata.stage_wall_ms, 'stage_wall_ms'),
        ...(metadata.stage_eval_ms ? { stageEvalMs: parseWall(metadata.stage_eval_ms, 'stage_eval_ms') } : {}),
        elapsedMs: Number(metadata.elapsed_ms),
      }
    : {};
  if (wall.elapsedMs !== undefined && !(wall.elapsedMs >= 0 && Number.isFinite(wall.elapsedMs)))
    throw new Error(`its "elapsed_ms" is ${JSON.stringify(metadata.elapsed_ms)}`);
  const scaling = metadata.loss_scale
    ? { lossScale: { scale: Number(metadata.loss_scale), goodSteps: Number(metadata.loss_scale_good_steps ?? 0) } }
    : {};
  if (
    scaling.lossScale &&
    !(
      scaling.lossScale.scale > 0 &&
      Number.isFinite(scaling.lossScale.scale) &&
      Number.isInteger(scaling.lossScale.goodSteps) &&
      scaling.lossScale.goodSteps >= 0
    )
  )
    throw new Error('its loss scale is not a positive number');
  return {
    step,
    layers: metaInt(metadata, 'layers', 1, 1000),
    stage: metaInt(metadata, 'stage', 1, 1000),
    rng: metaInt(metadata, 'rng', 0, 2 ** 32 - 1),
    params,
    m,
    v,
    shapes,
    ...wall,
    ...scaling,
    ...(metadata.seed_batch !== undefined ? { seedBatch: metaInt(metadata, 'seed_batch', 2, 16) } : {}),
  };
}

function parseWall(text: string, key: string): number[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = null;
  }
  if (!Array.isArray(v) || v.length > 1000 || v.some((x) => typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x)))
    throw new Error(`its "${key}" is not a list of times`);
  return v as number[];
}
