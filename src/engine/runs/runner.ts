/**
 * One training run = one variant × one seed: stages of growing depth, progress events, validation,
 * checkpoints, cancel and resume, FLOP accounting, and the run folder.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../shared/system';
import { growTensors, layerMapping, stagesOf, type GrowthConfig, type Stage, type Variant } from '../growth/growth';
import { forwardFlopsPerWindow, paramSpecs, windowLength, type PatchTransformerConfig } from '../models/patch-transformer';
import { Rng } from '../random';
import { sessionOptions } from '../runtime/device';
import { Trainer } from '../runtime/trainer';
import type { AdamWConfig } from '../train/adamw';
import { buildInference } from '../inference/forecast';
import { lrAt, type LrSchedule } from '../train/schedules';
import { RunStore } from './store';
import type { RunNormalization } from './data';
import { canEvaluate, DEFAULT_SCORING, evaluateBaselines, evaluateRowScores, modelResiduals, modelScores, scoresOnThresholdScale, scoreTimeline, smoothedScores, trivialDetectors, type BaselineName, type Evaluation, type ScoringConfig, type TrivialDetectors } from '../eval/evaluate';
import { scoreProbes, type ProbeName, type ProbeScore } from '../eval/probes';

/** Everything a run needs to be reproduced; written as config.json. */
export interface RunConfig {
  readonly variant: Variant;
  /** A baseline given the training FLOPs of this variant (its step count is set from them). */
  readonly flopMatchedTo?: Variant;
  readonly seed: number;
  readonly preset: string;
  /** The model at full depth (growth.layers). */
  readonly model: PatchTransformerConfig;
  readonly growth: GrowthConfig;
  readonly schedule: LrSchedule;
  readonly optimizer: AdamWConfig & {
    /** At growth, copy the source block's Adam moments (default) or start them at zero. */
    readonly stateAtGrowth: 'copy' | 'reset';
    /** Steps of linear re-warmup after each growth (0: one global schedule). */
    readonly rewarmupSteps: number;
  };
  readonly device: ExecutionProviderName;
  readonly readEvery: number;
  readonly valEvery: number;
  readonly checkpointEvery: number;
  /** Validation windows evaluated each time (evenly spaced over the validation part). */
  readonly valWindows?: number;
  /**
   * Also evaluate downstream at every validation point (isoplot data: validation loss against
   * VUS-PR, AUC-PR and the probes over training). Default true; costs one test pass each.
   */
  readonly isoplot?: boolean;
  readonly data: {
    readonly source: string;
    readonly fingerprint: string;
    readonly channels: readonly string[];
    /** Series (files) in the data set (absent in runs of older versions: 1). */
    readonly series?: number;
    readonly trainWindows: number;
    readonly valWindows: number;
    /** The split in words. */
    readonly split: string;
    /** The split as asked for (absent: the default rule). */
    readonly splitOptions?: { readonly trainRows?: number; readonly trainFraction?: number };
    readonly normalization: RunNormalization;
  };
  /** How residuals become scores and alarms (absent in runs of older versions: mean, pooled, 0.99 quantile). */
  readonly scoring?: ScoringConfig;
  readonly versions: Readonly<Record<string, string>>;
}

/** The prepared data of a run: one normalised matrix and the window starts of each split. */
export interface RunData {
  readonly matrix: Float32Array;
  readonly trainStarts: Int32Array;
  readonly valStarts: Int32Array;
  /** 0/1 per matrix row, when the data are labelled: the run is then evaluated at its end. */
  readonly labels?: Uint8Array | null;
  /** The split, in matrix rows (`series`: the index of the series a segment lies in, 0 when absent). */
  readonly segments?: readonly { readonly series?: number; readonly start: number; readonly end: number; readonly role: 'train' | 'val' | 'test' }[];
  /** Each series' rows in the matrix (one series when absent). */
  readonly series?: readonly { readonly name: string; readonly start: number; readonly end: number }[];
}

export type RunEvent =
  | { readonly type: 'stage'; readonly stage: number; readonly stages: number; readonly layers: number; readonly steps: number; readonly step: number }
  | { readonly type: 'step'; readonly step: number; readonly totalSteps: number; readonly stage: number; readonly layers: number; readonly loss: number | null; readonly gradNorm: number | null; readonly lr: number; readonly tokensPerSec: number; readonly elapsedMs: number; readonly etaMs: number; readonly flops: number }
  | { readonly type: 'val'; readonly step: number; readonly valLoss: number; readonly flops: number }
  | { readonly type: 'checkpoint'; readonly step: number; readonly file: string }
  /** Something the user should know that did not stop the run (a torn metrics line cut, a damaged checkpoint skipped). */
  | { readonly type: 'note'; readonly message: string };

export interface StageReport {
  readonly layers: number;
  readonly steps: number;
  readonly flops: number;
  readonly wallMs: number;
}

export interface RunReport {
  readonly variant: Variant;
  readonly seed: number;
  readonly dir: string;
  readonly status: 'finished' | 'cancelled';
  readonly stages: StageReport[];
  readonly totalFlops: number;
  readonly wallMs: number;
  readonly finalValLoss: number | null;
  readonly finalTrainLoss: number | null;
  /** Anomaly detection on the test part with the final model (labelled data only). */
  readonly evaluation?: Evaluation | null;
  /** The baselines on the same split, seeded with the run's seed (labelled data only). */
  readonly baselines?: Partial<Record<BaselineName, Evaluation>>;
  /** What alarming on every test row, or on none, scores (labelled data only). */
  readonly trivial?: TrivialDetectors;
  /** The reasoning probes with the final model (items from this seed; the same for every variant). */
  readonly probes?: Record<ProbeName, ProbeScore | null> | null;
}

/** Training FLOPs of one step at `layers` depth: 3 × forward (forward + backward), attention included. */
export function stepFlops(model: PatchTransformerConfig, layers: number): number {
  return 3 * forwardFlopsPerWindow({ ...model, layers }) * model.batch;
}

/** Mean next-patch MSE of the model over up to `max` validation windows (evenly spaced). */
export async function validationLoss(model: PatchTransformerConfig, params: ReadonlyMap<string, Float32Array>, data: RunData, device: ExecutionProviderName = 'cpu', max = 256): Promise<number | null> {
  if (data.valStarts.length === 0) return null;
  const step = Math.max(1, Math.floor(data.valStarts.length / max));
  const starts = [...data.valStarts].filter((_, i) => i % step === 0).slice(0, max);
  const session = await ort.InferenceSession.create(buildInference(model, params).bytes, sessionOptions(device));
  try {
    const w = windowLength(model);
    const c = model.channels;
    let sum = 0;
    let n = 0;
    for (let i = 0; i < starts.length; i += 64) {
      const batch = starts.slice(i, i + 64);
      const x = new Float32Array(batch.length * w * c);
      batch.forEach((s, b) => x.set(data.matrix.subarray(s * c, (s + w) * c), b * w * c));
      const out = await session.run({ windows: new ort.Tensor('float32', x, [batch.length, w, c]) });
      for (const v of out.mse!.data as Float32Array) {
        sum += v;
        n++;
      }
    }
    return sum / n;
  } finally {
    await session.release();
  }
}

export interface RunOptions {
  readonly config: RunConfig;
  readonly data: RunData;
  readonly dir: string;
  readonly onEvent?: (e: RunEvent) => void;
  readonly signal?: AbortSignal;
  /** Continue from the latest checkpoint in `dir` (its config must match). */
  readonly resume?: boolean;
  /** Emit step events at most this often (ms). */
  readonly progressIntervalMs?: number;
}

export async function runTraining(opts: RunOptions): Promise<RunReport> {
  // One process at a time per run folder: a second (the same --out twice, a resume while the
  // first still runs) is refused with who holds it.
  const { release, tookOver } = await new RunStore(opts.dir).lock();
  if (tookOver) opts.onEvent?.({ type: 'note', message: `took over ${path.join(opts.dir, 'run.lock')}: process ${tookOver.pid} that held it since ${tookOver.started} is gone` });
  try {
    return await train(opts);
  } finally {
    await release();
  }
}

async function train(opts: RunOptions): Promise<RunReport> {
  const { config, data } = opts;
  const store = new RunStore(opts.dir);
  const stages: Stage[] = stagesOf(config.variant, config.growth);
  const totalSteps = config.growth.steps;
  const model = config.model;
  const interval = opts.progressIntervalMs ?? 100;
  const emit = opts.onEvent ?? (() => undefined);
  // Temporary files a killed process left behind (0-byte checkpoints, half-written reports).
  for (const f of await store.removeStaleTemp()) emit({ type: 'note', message: `removed ${f}, a temporary file a stopped process left behind` });

  let startStep = 0;
  let rng = new Rng(config.seed, 'batches');
  let params: Map<string, Float32Array> | undefined;
  let moments: { m: Map<string, Float32Array>; v: Map<string, Float32Array> } | undefined;
  let resumeLayers: number | undefined;
  // Wall-clock spent before this process took the run over: per stage begun, and in all.
  let wallBefore: readonly number[] = [];
  let elapsedBefore = 0;
  let lastTrainLoss: number | null = null;
  if (!opts.resume && (await store.readConfig<RunConfig>())) {
    // Training afresh into a run folder would overwrite its checkpoints and mix its metrics.
    throw new Error(`${opts.dir} already holds a run (config.json): continue it with --resume (Resume in the run library), or train into another folder`);
  }
  if (opts.resume) {
    const existing = await store.readConfig<RunConfig>();
    if (existing && JSON.stringify(existing) !== JSON.stringify(config)) {
      throw new Error(`cannot resume ${opts.dir}: its config.json differs from this run's settings (start a new run folder, or resume with the same options)`);
    }
    // A finished run stays as it is: its report, scores and metrics are the run's results.
    const done = await store.readReport<RunReport>();
    const damaged: { file: string; reason: string }[] = [];
    const ck = await store.latestCheckpoint((d) => damaged.push(d));
    // … unless its final checkpoint is damaged: then it trains again from the newest one that reads.
    if (existing && done?.status === 'finished' && damaged.length === 0) return done;
    for (const d of damaged) emit({ type: 'note', message: `${path.basename(d.file)} in ${opts.dir} is damaged (${d.reason}): ${ck ? `resuming from ${path.basename(ck.file)}` : 'no checkpoint reads, so the run trains again from step 0'}` });
    if (ck) {
      startStep = ck.step;
      rng = Rng.fromState(ck.rng);
      params = new Map(ck.params);
      moments = { m: new Map(ck.m), v: new Map(ck.v) };
      resumeLayers = ck.layers;
      wallBefore = ck.stageWallMs ?? [];
      elapsedBefore = ck.elapsedMs ?? 0;
      const torn = await store.truncateMetrics(ck.step);
      if (torn) emit({ type: 'note', message: `metrics.jsonl in ${opts.dir} ended in ${torn === 1 ? 'a line' : `${torn} lines`} cut short (a crash or a full disk): ${torn === 1 ? 'it was' : 'they were'} dropped, every complete line kept` });
      lastTrainLoss = (await store.readMetrics<{ type: string; loss?: number }>()).records.filter((m) => m.type === 'train' && Number.isFinite(m.loss)).at(-1)?.loss ?? null;
    }
  }
  if (startStep === 0) await store.init(config);

  const stageReports: StageReport[] = [];
  let flopsSoFar = 0;
  let stageBegin = 0;
  for (const s of stages) {
    const flops = s.steps * stepFlops(model, s.layers);
    if (stageBegin + s.steps <= startStep) {
      stageReports.push({ layers: s.layers, steps: s.steps, flops, wallMs: wallBefore[s.index - 1] ?? 0 });
      flopsSoFar += flops;
    } else if (stageBegin < startStep) {
      // Resuming inside this stage: the steps it took before the interruption count too.
      flopsSoFar += (startStep - stageBegin) * stepFlops(model, s.layers);
    }
    stageBegin += s.steps;
  }
  const resumedAt = performance.now();
  // The run's own clock: it continues from where an interrupted run stopped.
  const started = resumedAt - elapsedBefore;
  let lastEvent = 0;
  let lastGradNorm: number | null = null;
  let lastVal: number | null = null;
  let step = startStep;
  let cancelled = false;
  let stageStart = 0;
  // The downstream results of the latest validation point (reused at the end when it was the last step).
  let latest: ({ step: number } & Downstream) | undefined;

  for (const stage of stages) {
    const stageEnd = stageStart + stage.steps;
    if (stageEnd <= startStep) {
      stageStart = stageEnd;
      continue;
    }
    const cfg: PatchTransformerConfig = { ...model, layers: stage.layers };
    // Entering a stage: grow the weights of the previous one (unless resuming inside this stage).
    if (params && resumeLayers !== stage.layers) {
      const from = resumeLayers ?? stages[stage.index - 2]!.layers;
      const mapping = layerMapping(config.variant, from, stage.layers, config.growth.block);
      params = growTensors(params, mapping);
      moments = config.optimizer.stateAtGrowth === 'copy' && moments ? { m: growTensors(moments.m, mapping), v: growTensors(moments.v, mapping) } : undefined;
    }
    // Resuming inside this stage is not a growth: its stage line says so.
    const resumedInside = resumeLayers === stage.layers;
    resumeLayers = undefined;
    emit({ type: 'stage', stage: stage.index, stages: stages.length, layers: stage.layers, steps: stage.steps, step });
    await store.appendMetrics([{ type: 'stage', stage: stage.index, layers: stage.layers, steps: stage.steps, step, ...(resumedInside ? { resumed: true } : {}) }]);
    const trainer = await Trainer.create({
      model: cfg,
      data: data.matrix,
      device: config.device,
      seed: config.seed,
      adam: config.optimizer,
      readEvery: config.readEvery,
      windowStarts: data.trainStarts,
      ...(params ? { initialParams: params } : {}),
      ...(moments ? { initialMoments: moments } : {}),
      initialStep: step,
    });
    const stageFlopsPerStep = stepFlops(model, stage.layers);
    // A stage resumed inside keeps the wall-clock it had before the interruption.
    const t0 = performance.now() - (resumedInside ? (wallBefore[stage.index - 1] ?? 0) : 0);
    const wallSoFar = () => [...stageReports.map((r) => r.wallMs), performance.now() - t0];
    const pending: object[] = [];
    // The state read for the latest checkpoint; the stage always ends with one at its last step.
    let saved: SavedState | undefined;
    try {
      while (step < stageEnd) {
        if (opts.signal?.aborted) {
          cancelled = true;
          break;
        }
        let lr = lrAt(config.schedule, step);
        const sinceGrowth = step - stageStart;
        if (config.optimizer.rewarmupSteps > 0 && stage.index > 1 && sinceGrowth < config.optimizer.rewarmupSteps) lr *= (sinceGrowth + 1) / config.optimizer.rewarmupSteps;
        const starts = Int32Array.from({ length: model.batch }, () => data.trainStarts[rng.int(data.trainStarts.length)]!);
        const m = await trainer.step(lr, { starts, read: (step + 1) % config.readEvery === 0 || step + 1 === stageEnd });
        step++;
        flopsSoFar += stageFlopsPerStep;
        if (m) {
          // A loss that is no number any more: the run has diverged; stop at once, keeping the last good checkpoint.
          if (!Number.isFinite(m.loss)) throw new Error(`${opts.dir}: the training loss became ${m.loss} at step ${step} (stage ${stage.index}, ${stage.layers} layers): the run diverged. Lower the learning rate (--lr), or check the data for extreme values; the last checkpoint before it is kept`);
          lastTrainLoss = m.loss;
          lastGradNorm = m.gradNorm;
          pending.push({ type: 'train', step, loss: m.loss, gradNorm: m.gradNorm, lr, flops: flopsSoFar, elapsedMs: Math.round(performance.now() - started) });
        }
        const now = performance.now();
        // At most one step event per interval (10 per second by default), carrying the latest loss read.
        if (now - lastEvent >= interval || step === totalSteps) {
          lastEvent = now;
          // Speed and ETA from this process's own steps; elapsed on the run's clock.
          const own = now - resumedAt;
          const done = step - startStep;
          emit({ type: 'step', step, totalSteps, stage: stage.index, layers: stage.layers, loss: lastTrainLoss, gradNorm: lastGradNorm, lr, tokensPerSec: (done * model.batch * model.seqLen) / (own / 1000), elapsedMs: now - started, etaMs: (own / done) * (totalSteps - step), flops: flopsSoFar });
        }
        const atEnd = step === stageEnd;
        let readNow: Map<string, Float32Array> | undefined;
        if (step % config.valEvery === 0 || atEnd) {
          params = readNow = await trainer.readParams();
          lastVal = await validationLoss(cfg, params, data, config.device, config.valWindows);
          if (lastVal !== null && !Number.isFinite(lastVal)) throw new Error(`${opts.dir}: the validation loss became ${lastVal} at step ${step} (stage ${stage.index}, ${stage.layers} layers): the run diverged. Lower the learning rate (--lr), or check the data for extreme values; the last checkpoint before it is kept`);
          if (lastVal !== null) {
            pending.push({ type: 'val', step, valLoss: lastVal, flops: flopsSoFar, layers: stage.layers });
            emit({ type: 'val', step, valLoss: lastVal, flops: flopsSoFar });
            if (config.isoplot !== false) {
              latest = { step, ...(await downstream(cfg, params, data, config)) };
              const ev = latest.evaluation;
              const detection = ev ? { vusPr: ev.vusPr, vusRoc: ev.vusRoc, aucPr: ev.aucPr, aucRoc: ev.aucRoc, f1: ev.atThreshold.f1 } : {};
              pending.push({ type: 'isoplot', step, layers: stage.layers, valLoss: lastVal, ...detection, probes: probeAccuracies(latest.probes) });
            }
          }
        }
        if (step % config.checkpointEvery === 0 || atEnd) {
          await store.appendMetrics(pending.splice(0));
          saved = await checkpoint(trainer, store, { step, stage, rng, stageWallMs: wallSoFar(), elapsedMs: performance.now() - started }, emit, readNow);
        }
      }
      if (cancelled) {
        // Stop cleanly: the metrics so far and a checkpoint of exactly where the run is.
        await store.appendMetrics(pending.splice(0));
        saved = await checkpoint(trainer, store, { step, stage, rng, stageWallMs: wallSoFar(), elapsedMs: performance.now() - started }, emit);
      }
      params = saved!.params;
      moments = { m: saved!.m, v: saved!.v };
    } finally {
      await trainer.dispose();
    }
    stageReports.push({ layers: stage.layers, steps: stage.steps, flops: stage.steps * stageFlopsPerStep, wallMs: Math.round(performance.now() - t0) });
    stageStart = stageEnd;
    if (cancelled) break;
  }

  const done = !cancelled && params;
  const finalCfg: PatchTransformerConfig = { ...model, layers: stages.at(-1)!.layers };
  // Resumed after the final checkpoint (nothing left to train): the final loss from the weights.
  if (done && lastVal === null) lastVal = await validationLoss(finalCfg, params!, data, config.device, config.valWindows);
  // The last validation point is usually the final step: its downstream results are the run's.
  const final = done ? (latest?.step === step ? latest : await downstream(finalCfg, params!, data, config)) : null;
  const evaluation = final?.evaluation ?? null;
  const scoring = config.scoring ?? DEFAULT_SCORING;
  // The test part's scores for a timeline chart, as the alarms saw them: smoothed, on the threshold's scale (NaN is written as null).
  if (final?.scores && evaluation) await store.writeJson('scores.json', scoreTimeline(scoresOnThresholdScale(smoothedScores(final.scores, data, scoring.smooth ?? 1), data, evaluation), data, evaluation.threshold));
  const baselines = done ? evaluateBaselines(data, model.channels, config.seed, scoring) : {};
  const trivial = done ? trivialDetectors(data) : null;
  const probes = final?.probes ?? null;
  const report: RunReport = {
    variant: config.variant,
    seed: config.seed,
    dir: opts.dir,
    status: cancelled ? 'cancelled' : 'finished',
    stages: stageReports,
    totalFlops: stageReports.reduce((a, s) => a + s.flops, 0),
    wallMs: stageReports.reduce((a, s) => a + s.wallMs, 0),
    finalValLoss: lastVal,
    finalTrainLoss: lastTrainLoss,
    evaluation,
    baselines,
    ...(trivial ? { trivial } : {}),
    probes,
  };
  await store.writeReport(report);
  return report;
}

interface Downstream {
  /** Per-row anomaly scores (null when the data cannot be evaluated: no labels or no test part). */
  readonly scores: Float64Array | null;
  readonly evaluation: Evaluation | null;
  readonly probes: Record<ProbeName, ProbeScore | null>;
}

/** Anomaly detection on the test part and the reasoning probes, for one set of weights. */
async function downstream(cfg: PatchTransformerConfig, params: ReadonlyMap<string, Float32Array>, data: RunData, config: RunConfig): Promise<Downstream> {
  const scoring = config.scoring ?? DEFAULT_SCORING;
  let scores: Float64Array | null = null;
  let evaluation: Evaluation | null = null;
  if (canEvaluate(data)) {
    const model = modelScores(await modelResiduals(cfg, params, data, config.device), cfg.channels, data, scoring.combine);
    scores = model.scores;
    const ev = evaluateRowScores(scores, data, scoring);
    evaluation = ev && { ...ev, calibration: model.calibration };
  }
  return { scores, evaluation, probes: await scoreProbes(cfg, params, data, config.device, config.seed) };
}

/** Probe accuracies only, for the isoplot lines of metrics.jsonl. */
function probeAccuracies(p: Record<ProbeName, ProbeScore | null>): Partial<Record<ProbeName, number>> {
  const out: Partial<Record<ProbeName, number>> = {};
  for (const [k, v] of Object.entries(p) as [ProbeName, ProbeScore | null][]) if (v) out[k] = v.accuracy;
  return out;
}

interface SavedState {
  readonly params: Map<string, Float32Array>;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
}

/** Where a checkpoint is taken: the step, the stage, the sampler, and the wall-clock so far. */
interface CheckpointAt {
  readonly step: number;
  readonly stage: Stage;
  readonly rng: Rng;
  readonly stageWallMs: readonly number[];
  readonly elapsedMs: number;
}

/** Saves the trainer's state (reusing `params` when they were just read at this step) and returns it. */
async function checkpoint(trainer: Trainer, store: RunStore, at: CheckpointAt, emit: (e: RunEvent) => void, params?: Map<string, Float32Array>): Promise<SavedState> {
  const { m, v } = await trainer.readMoments();
  const state = { params: params ?? (await trainer.readParams()), m, v };
  const shapes = new Map(paramSpecs(trainer.options.model).map((p) => [p.name, p.shape]));
  const { step, stage } = at;
  const file = await store.saveCheckpoint({ step, layers: stage.layers, stage: stage.index, rng: at.rng.state, stageWallMs: at.stageWallMs, elapsedMs: at.elapsedMs, ...state, shapes });
  emit({ type: 'checkpoint', step, file });
  return state;
}
