/**
 * Where a run folder continues: whether a run may train into it at all, and from which checkpoint
 * of the run it holds.
 */
import path from 'node:path';
import type { LossScaleState } from '../runtime/trainer';
import { checkpointFitsPlan, type RunSchedule } from './schedule';
import { RunStore } from './store';
import type { RunConfig, RunEvent, RunReport } from './types';

/** Where a resumed run continues: its newest readable checkpoint, and what the run had before it. */
export interface ResumePoint {
  readonly step: number;
  readonly sampler: number;
  readonly params: Map<string, Float32Array>;
  readonly moments: { m: Map<string, Float32Array>; v: Map<string, Float32Array> };
  readonly lossScale?: LossScaleState;
  readonly layers: number;
  /** Wall-clock spent before this process took the run over: per stage begun, and in all. */
  readonly wallBefore: readonly number[];
  /** The part of each stage's wallBefore spent validating. */
  readonly evalBefore: readonly number[];
  readonly elapsedBefore: number;
  /** Trained batched with this many seeds before (the checkpoint's seed_batch). */
  readonly seedBatch?: number;
  readonly lastTrainLoss: number | null;
}

/**
 * Why `config` may not train into `dir` (null when it may): a fresh run over a folder that holds
 * one would overwrite its checkpoints and mix its metrics; a resume must have the run's settings.
 * The CLI asks before it writes anything; the run loop asks again under the folder's lock.
 */
export async function runFolderConflict(dir: string, config: RunConfig, resume: boolean): Promise<string | null> {
  const existing = await new RunStore(dir).readConfig();
  if (!existing) return null;
  if (!resume)
    return `${dir} already holds a run (config.json): continue it with --resume (Resume in the run library), or train into another folder`;
  // The device is recorded, not required (a queue's workers differ).
  const fields = differingFields(existing, config).filter((f) => f !== 'device');
  if (fields.length) {
    const which = `${fields.slice(0, 4).join(', ')}${fields.length > 4 ? ` and ${fields.length - 4} more` : ''}`;
    return `cannot resume ${dir}: its config.json differs from this run's settings in ${which} (start a new run folder, or resume with the same options)`;
  }
  return null;
}

/** The dotted paths at which two JSON values differ ("schedule.lr"), leaves first found first. */
function differingFields(a: unknown, b: unknown, at = ''): string[] {
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObject(a) && isObject(b))
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) =>
      differingFields(a[k], b[k], at ? `${at}.${k}` : k),
    );
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at || '(the whole config)'];
}

/**
 * Where a run folder whose config matches continues: null to begin at step 0, the run's report
 * when it finished (left as it is), or its newest readable checkpoint.
 */
export async function resumePoint(
  store: RunStore,
  opts: { readonly dir: string; readonly config: RunConfig },
  schedule: RunSchedule,
  emit: (e: RunEvent) => void,
): Promise<ResumePoint | RunReport | null> {
  const existing = await store.readConfig();
  // A finished run stays as it is: its report, scores and metrics are the run's results.
  const done = await store.readReport<RunReport>();
  const damaged: { file: string; reason: string }[] = [];
  const ck = await store.latestCheckpoint(
    (d) => damaged.push(d),
    (c) => checkpointFitsPlan(c, opts.config, schedule),
  );
  // … unless its final checkpoint is damaged: then it trains again from the newest one that reads.
  if (existing && done?.status === 'finished' && damaged.length === 0) return done;
  for (const d of damaged)
    emit({
      type: 'note',
      message: `${path.basename(d.file)} in ${opts.dir} is damaged (${d.reason}): ${ck ? `resuming from ${path.basename(ck.file)}` : 'no checkpoint reads, so the run trains again from step 0'}`,
    });
  if (!ck) return null;
  const torn = await store.truncateMetrics(ck.step);
  if (torn)
    emit({
      type: 'note',
      message: `metrics.jsonl in ${opts.dir} ended in ${torn === 1 ? 'a line' : `${torn} lines`} cut short (a crash or a full disk): ${torn === 1 ? 'it was' : 'they were'} dropped, every complete line kept`,
    });
  const lastTrainLoss = (await store.readMetrics()).records
    .filter((m) => m.type === 'train' && Number.isFinite(m.loss))
    .at(-1);
  return {
    step: ck.step,
    sampler: ck.rng,
    params: new Map(ck.params),
    moments: { m: new Map(ck.m), v: new Map(ck.v) },
    ...(ck.lossScale ? { lossScale: ck.lossScale } : {}),
    layers: ck.layers,
    wallBefore: ck.stageWallMs ?? [],
    evalBefore: ck.stageEvalMs ?? [],
    elapsedBefore: ck.elapsedMs ?? 0,
    ...(ck.seedBatch ? { seedBatch: ck.seedBatch } : {}),
    lastTrainLoss: lastTrainLoss?.type === 'train' ? lastTrainLoss.loss : null,
  };
}
