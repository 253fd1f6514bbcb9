/**
 * The run store: one folder per run that a person can read without the app.
 *   config.json      everything needed to reproduce the run
 *   metrics.jsonl    one JSON object per line, appended as the run goes
 *   checkpoints/     step-XXXXXXXX.safetensors: weights, Adam moments and the run's position
 *   report.json      written when the run ends (finished or cancelled)
 * Files that replace others are written atomically: a temporary file, fsync, rename.
 */
import { appendFile, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors';

/** Writes `bytes` to `file` so that a crash leaves either the old file or the new one, never half. */
export async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, file);
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
    await mkdir(this.checkpointsDir, { recursive: true });
    await writeAtomic(path.join(this.dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  async readConfig<T>(): Promise<T | null> {
    try {
      return JSON.parse(await readFile(path.join(this.dir, 'config.json'), 'utf8')) as T;
    } catch {
      return null;
    }
  }

  async appendMetrics(records: readonly object[]): Promise<void> {
    if (records.length) await appendFile(path.join(this.dir, 'metrics.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  async readMetrics<T>(): Promise<T[]> {
    try {
      const text = await readFile(path.join(this.dir, 'metrics.jsonl'), 'utf8');
      return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
    } catch {
      return [];
    }
  }

  /** Drops metric lines past `step` (written after the checkpoint a resume starts from). */
  async truncateMetrics(step: number): Promise<void> {
    const kept = (await this.readMetrics<{ step?: number }>()).filter((r) => r.step === undefined || r.step <= step);
    await writeAtomic(path.join(this.dir, 'metrics.jsonl'), kept.map((r) => JSON.stringify(r)).join('\n') + (kept.length ? '\n' : ''));
  }

  async saveCheckpoint(c: CheckpointState): Promise<string> {
    const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    const shape = (k: string, t: Float32Array) => [...(c.shapes?.get(k) ?? [t.length])];
    for (const [k, t] of c.params) tensors.set(k, { shape: shape(k, t), data: t });
    for (const [k, t] of c.m) tensors.set(`m.${k}`, { shape: shape(k, t), data: t });
    for (const [k, t] of c.v) tensors.set(`v.${k}`, { shape: shape(k, t), data: t });
    const file = path.join(this.checkpointsDir, `step-${String(c.step).padStart(8, '0')}.safetensors`);
    const wall: Record<string, string> = c.stageWallMs ? { stage_wall_ms: JSON.stringify(c.stageWallMs.map(Math.round)), elapsed_ms: String(Math.round(c.elapsedMs ?? 0)) } : {};
    await writeAtomic(file, serializeSafetensors(tensors, { format: 'stacklab-checkpoint', step: String(c.step), layers: String(c.layers), stage: String(c.stage), rng: String(c.rng), ...wall }));
    return file;
  }

  async latestCheckpoint(): Promise<CheckpointState | null> {
    let names: string[];
    try {
      names = (await readdir(this.checkpointsDir)).filter((n) => /^step-\d+\.safetensors$/.test(n)).sort();
    } catch {
      return null;
    }
    const last = names.at(-1);
    if (!last) return null;
    const { tensors, metadata } = parseSafetensors(await readFile(path.join(this.checkpointsDir, last)), last);
    const params = new Map<string, Float32Array>();
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [k, t] of tensors) {
      const data = t.data as Float32Array;
      if (k.startsWith('m.')) m.set(k.slice(2), data);
      else if (k.startsWith('v.')) v.set(k.slice(2), data);
      else params.set(k, data);
    }
    const wall = metadata.stage_wall_ms ? { stageWallMs: JSON.parse(metadata.stage_wall_ms) as number[], elapsedMs: Number(metadata.elapsed_ms) } : {};
    return { step: Number(metadata.step), layers: Number(metadata.layers), stage: Number(metadata.stage), rng: Number(metadata.rng), params, m, v, ...wall };
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
