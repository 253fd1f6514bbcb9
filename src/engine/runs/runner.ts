/**
 * The local executor's run loop. One run = one variant × one seed: stages of growing depth,
 * trained from boundary to boundary of its schedule (read-back, validation, checkpoint, growth,
 * end), with progress events, cancel and resume, FLOP accounting, and the run folder.
 */
import path from 'node:path';
import { layerMapping, type Stage } from '../../shared/growth';
import { growTensors } from '../growth/growth';
import { paramSpecs, type PatchTransformerConfig } from '../models/patch-transformer';
import { BatchSampler } from '../runtime/sampler';
import { Trainer, type LossScaleState } from '../runtime/trainer';
import { SeedGroup, type StageTrainer, type TrainerSource } from './seed-group';
import { claimCudaPrecision } from '../runtime/tf32';
import { quietThreadPools } from '../runtime/device';
import { outOfMemoryError } from '../runtime/providers';
import type { Precision } from '../../shared/precision';
import {
  DEFAULT_SCORING,
  evaluateBaselines,
  scoresOnThresholdScale,
  scoreTimeline,
  smoothedScores,
  testSamplingSeconds,
  trivialDetectors,
} from '../eval/evaluate';
import { ModelSessions } from '../eval/sessions';
import { laddersWith, readyProbes } from '../eval/probes';
import { resumePoint, runFolderConflict } from './resume';
import { RunSchedule, stepFlops, type Boundary } from './schedule';
import { RunStore } from './store';
import { warmUp } from './warmup';
import type { MetricRecord, RunConfig, RunEvent, RunReport, StageReport, TimedRunData } from './types';
import { downstreamWith, probeAccuracies, validationLossWith, validationPoint, type Downstream } from './validation';

export interface RunOptions {
  readonly config: RunConfig;
  readonly data: TimedRunData;
  readonly dir: string;
  readonly onEvent?: (e: RunEvent) => void;
  readonly signal?: AbortSignal;
  /** Continue from the latest checkpoint in `dir` (its config must match). */
  readonly resume?: boolean;
  /** Emit step events at most this often (ms). */
  readonly progressIntervalMs?: number;
  /** CPU threads of this process's ORT sessions (absent or 0: every core); not part of the run's config. */
  readonly threads?: number;
  /**
   * Train steps per ORT call (the K-step Loop graph when > 1; the loop asks for the steps to its
   * next boundary, at most this many). Default: CUDA_STEPS_PER_CALL on CUDA, where every call's
   * inputs and outputs cross host memory; 1 elsewhere (WebGPU runs a Loop on the CPU). Not part of
   * the run's config: on the CPU the results are the same either way (a test).
   */
  readonly stepsPerCall?: number;
  /** Runs trained at once in this process (the thread executor, or seeds batched; absent: 1): said in the report, whose wall-clock they share. */
  readonly alongside?: number;
  /** Where the stages' trainers come from (absent: the run's own; seeds batched: a view of the group's, seed-group.ts). */
  readonly trainers?: TrainerSource;
  /** The size of the seed group it trains in (runTrainingGroup): said in the report. */
  readonly seedBatch?: number;
}

/** Steps per call on CUDA by default: the state crosses host memory once per this many steps. */
export const CUDA_STEPS_PER_CALL = 50;

const stepsPerCall = (opts: RunOptions) =>
  opts.stepsPerCall ?? (opts.config.device === 'cuda' ? CUDA_STEPS_PER_CALL : 1);

export async function runTraining(opts: RunOptions): Promise<RunReport> {
  // One process at a time per run folder: a second (the same --out twice, a resume while the
  // first still runs) is refused with who holds it.
  // Every write of the run into its folder goes through this store, which checks the lock first.
  const store = new RunStore(opts.dir);
  const lease = await store.lock();
  const { tookOver } = lease;
  if (tookOver)
    opts.onEvent?.({
      type: 'note',
      message: `took over ${path.join(opts.dir, 'run.lock')}: process ${tookOver.pid} that held it since ${tookOver.started} is gone`,
    });
  try {
    return await train(opts, store);
  } catch (err) {
    throw outOfMemoryError(opts.dir, opts.config.device, err) ?? err;
  } finally {
    await lease.release();
  }
}

/**
 * Runs of one variant that differ only in their seed, trained in lockstep with their seeds batched
 * in one session (seed-group.ts): each run has its own loop, folder, events and report, as
 * runTraining gives them. A run that fails does not stop the others; the reports (or errors)
 * come in the order of `runs`.
 */
export async function runTrainingGroup(runs: readonly RunOptions[]): Promise<PromiseSettledResult<RunReport>[]> {
  const group = new SeedGroup(runs.map((r) => r.config.seed));
  return quietThreadPools(() =>
    Promise.allSettled(
      runs.map((r, i) =>
        runTraining({ ...r, trainers: group.source(i), seedBatch: runs.length }).finally(() => group.leave(i)),
      ),
    ),
  );
}

function diverged(dir: string, what: string, value: number, step: number, stage: Stage): Error {
  return new Error(
    `${dir}: the ${what} became ${value} at step ${step} (stage ${stage.index}, ${stage.layers} layers): the run diverged. Lower the learning rate (--lr), or check the data for extreme values; the last checkpoint before it is kept`,
  );
}

/**
 * One run in this process: what its phases share (the readonly fields) and where it stands (the
 * rest), carried from stage to stage.
 */
interface RunState {
  readonly opts: RunOptions;
  readonly store: RunStore;
  readonly schedule: RunSchedule;
  readonly emit: (e: RunEvent) => void;
  readonly sampler: BatchSampler;
  readonly precision: Precision;
  /** The step this process began at: 0, or the checkpoint's it resumed from. */
  readonly startStep: number;
  /** The most seeds it trained batched with, before this process and in it (1: alone). */
  readonly seedBatch: number;
  /** Wall-clock of each stage begun before this process took the run over. */
  readonly wallBefore: readonly number[];
  /** The part of each stage's wallBefore spent validating. */
  readonly evalBefore: readonly number[];
  /** When this process took the run over: speed and ETA count from here. */
  readonly resumedAt: number;
  /** The run's own clock: it continues from where an interrupted run stopped. */
  readonly started: number;
  readonly sessions: EvalSessions;
  /** One per stage ended, those a resumed run had finished first. */
  readonly stageReports: StageReport[];
  step: number;
  flopsSoFar: number;
  /** The state the next stage begins from: the resumed checkpoint's, then each stage's last checkpoint's. */
  params: Map<string, Float32Array> | undefined;
  moments: { m: Map<string, Float32Array>; v: Map<string, Float32Array> } | undefined;
  /** fp16's loss scale, carried across stages and checkpoints like the moments. */
  lossScale: LossScaleState | undefined;
  /** The depth of the checkpoint resumed from, until the run enters its first stage. */
  resumeLayers: number | undefined;
  lastTrainLoss: number | null;
  lastGradNorm: number | null;
  lastVal: number | null;
  /** When the latest step event was emitted. */
  lastEvent: number;
  cancelled: boolean;
  /** The downstream results of the latest validation point (reused at the end when it was the last step). */
  latest: ({ step: number } & Downstream) | undefined;
}

/** The stage in training: its trainer, the metrics lines not yet written, and its latest checkpoint. */
interface StageRun {
  readonly stage: Stage;
  readonly cfg: PatchTransformerConfig;
  /** The step the stage ends at. */
  readonly end: number;
  readonly trainer: StageTrainer;
  readonly flopsPerStep: number;
  /** When the stage's wall-clock began. */
  readonly t0: number;
  /** Wall-clock spent validating in this stage so far (ms): the part of the stage that is not training. */
  evalMs: number;
  /** Metrics lines not yet written: every checkpoint writes them first. */
  readonly pending: MetricRecord[];
  /** The state read for the latest checkpoint; the stage always ends with one at its last step. */
  saved: SavedState | undefined;
}

interface SavedState {
  readonly params: Map<string, Float32Array>;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
  readonly lossScale?: LossScaleState;
}

/**
 * Evaluation sessions of one depth at a time, built at its first validation point; the last
 * stage's serve the final evaluation too.
 */
class EvalSessions {
  private sessions: ModelSessions | null = null;

  constructor(
    private readonly device: RunConfig['device'],
    private readonly threads: number,
  ) {}

  /** The sessions of `cfg`'s depth (built anew when the depth changed), holding `weights`. */
  async for(cfg: PatchTransformerConfig, weights: ReadonlyMap<string, Float32Array>): Promise<ModelSessions> {
    if (this.sessions && this.sessions.cfg.layers !== cfg.layers) await this.release();
    this.sessions ??= await ModelSessions.create(cfg, this.device, this.threads);
    await this.sessions.setWeights(weights);
    return this.sessions;
  }

  async release(): Promise<void> {
    const s = this.sessions;
    this.sessions = null;
    await s?.release();
  }
}

/** Trains the run into `store`'s folder, its lock held: stage by stage, boundary to boundary. */
async function train(opts: RunOptions, store: RunStore): Promise<RunReport> {
  const run = await begin(opts, store);
  if ('status' in run) return run;
  const { stages } = run.schedule;
  try {
    for (const stage of stages) {
      if (run.schedule.stageEnd(stage) <= run.startStep) continue;
      // Enter the stage: grow the previous depth's state into this one and build its trainer.
      const st = await enterStage(run, stage);
      try {
        while (run.step < st.end) {
          const boundary = run.schedule.next(run.step, stage);
          // Train to the next read-back, validation, checkpoint or stage end; a cancel stops on the way.
          await trainToBoundary(run, st, boundary);
          if (run.cancelled) break;
          // At the boundary: validate and checkpoint, as the schedule says.
          await atBoundary(run, st, boundary);
        }
        // Leave the stage with the state of its last checkpoint.
        await leaveStage(run, st);
      } finally {
        await st.trainer.dispose();
      }
      run.stageReports.push({
        layers: stage.layers,
        steps: stage.steps,
        flops: stage.steps * st.flopsPerStep,
        wallMs: Math.round(performance.now() - st.t0),
        evalMs: Math.round(st.evalMs),
      });
      if (run.cancelled) break;
      // This depth's evaluation sessions are done with; the last stage's also serve the final evaluation.
      if (stage !== stages.at(-1)) await run.sessions.release();
    }
    // The final evaluation and the report.
    return await finish(run);
  } finally {
    await run.sessions.release();
  }
}

/**
 * Readies the run folder (stale temporary files removed, a conflicting run refused) and finds where
 * the run begins: step 0, its newest checkpoint, or, for a finished run, its report as it is.
 */
async function begin(opts: RunOptions, store: RunStore): Promise<RunState | RunReport> {
  const { config, data } = opts;
  const schedule = new RunSchedule(config);
  const model = config.model;
  const emit = opts.onEvent ?? (() => undefined);
  // Temporary files a killed process left behind (0-byte checkpoints, half-written reports).
  for (const f of await store.removeStaleTemp())
    emit({ type: 'note', message: `removed ${f}, a temporary file a stopped process left behind` });

  const conflict = await runFolderConflict(opts.dir, config, !!opts.resume);
  if (conflict) throw new Error(conflict);
  const resumed = opts.resume ? await resumePoint(store, opts, schedule, emit) : null;
  if (resumed && 'status' in resumed) return resumed;
  const from = resumed;
  if (!from) await store.init(config);
  const startStep = from?.step ?? 0;
  const sampler = from
    ? BatchSampler.fromState(data.trainStarts, model.batch, from.sampler)
    : BatchSampler.seeded(data.trainStarts, model.batch, config.seed);
  const precision = config.precision;
  // TF32 is a process-wide mode of the CUDA libraries: this process must run CUDA the way the run says.
  if (config.device === 'cuda') claimCudaPrecision(precision);
  const wallBefore = from?.wallBefore ?? [];
  const evalBefore = from?.evalBefore ?? [];
  const { stageReports, flopsSoFar } = stagesBefore(schedule, model, startStep, wallBefore, evalBefore);
  // Before the run's clock starts: what only a process's first run would pay (warmup.ts), and
  // the probe items that only the first run of each seed would build.
  await warmUp(config, data, stepsPerCall(opts), opts.threads ?? 0);
  await readyProbes(data, model, config.seed);
  const resumedAt = performance.now();
  return {
    opts,
    store,
    schedule,
    emit,
    sampler,
    precision,
    startStep,
    wallBefore,
    evalBefore,
    resumedAt,
    started: resumedAt - (from?.elapsedBefore ?? 0),
    sessions: new EvalSessions(config.device, opts.threads ?? 0),
    stageReports,
    step: startStep,
    flopsSoFar,
    params: from?.params,
    moments: from?.moments,
    lossScale: from?.lossScale,
    resumeLayers: from?.layers,
    seedBatch: Math.max(1, from?.seedBatch ?? 1, opts.seedBatch ?? 1),
    lastTrainLoss: from?.lastTrainLoss ?? null,
    lastGradNorm: null,
    lastVal: null,
    lastEvent: 0,
    cancelled: false,
    latest: undefined,
  };
}

/** The reports of the stages finished before `startStep`, and the FLOPs of every step before it. */
function stagesBefore(
  schedule: RunSchedule,
  model: PatchTransformerConfig,
  startStep: number,
  wallBefore: readonly number[],
  evalBefore: readonly number[],
): { stageReports: StageReport[]; flopsSoFar: number } {
  const stageReports: StageReport[] = [];
  let flopsSoFar = 0;
  for (const s of schedule.stages) {
    const begin = schedule.stageBegin(s);
    const flops = s.steps * stepFlops(model, s.layers);
    if (begin + s.steps <= startStep) {
      stageReports.push({
        layers: s.layers,
        steps: s.steps,
        flops,
        wallMs: wallBefore[s.index - 1] ?? 0,
        evalMs: evalBefore[s.index - 1] ?? 0,
      });
      flopsSoFar += flops;
    } else if (begin < startStep) {
      // Resuming inside this stage: the steps it took before the interruption count too.
      flopsSoFar += (startStep - begin) * stepFlops(model, s.layers);
    }
  }
  return { stageReports, flopsSoFar };
}

/**
 * Grows the weights (and, when the run copies them, the Adam moments) of the previous depth into
 * the stage's, unless resuming inside it; writes its stage line; builds its trainer.
 */
async function enterStage(run: RunState, stage: Stage): Promise<StageRun> {
  const { opts } = run;
  const { config, data } = opts;
  const stages = run.schedule.stages;
  if (run.params && run.resumeLayers !== stage.layers) {
    const fromLayers = run.resumeLayers ?? stages[stage.index - 2]!.layers;
    const mapping = layerMapping(config.variant, fromLayers, stage.layers, config.growth.block);
    run.params = growTensors(run.params, mapping);
    run.moments =
      config.optimizer.stateAtGrowth === 'copy' && run.moments
        ? { m: growTensors(run.moments.m, mapping), v: growTensors(run.moments.v, mapping) }
        : undefined;
  }
  // Resuming inside this stage is not a growth: its stage line says so.
  const resumedInside = run.resumeLayers === stage.layers;
  run.resumeLayers = undefined;
  run.emit({
    type: 'stage',
    stage: stage.index,
    stages: stages.length,
    layers: stage.layers,
    steps: stage.steps,
    step: run.step,
  });
  await run.store.appendMetrics([
    {
      type: 'stage',
      stage: stage.index,
      layers: stage.layers,
      steps: stage.steps,
      step: run.step,
      ...(resumedInside ? { resumed: true as const } : {}),
    },
  ]);
  const cfg: PatchTransformerConfig = { ...config.model, layers: stage.layers };
  const trainer = await (opts.trainers ?? Trainer.create)({
    model: cfg,
    data: data.matrix,
    device: config.device,
    seed: config.seed,
    adam: config.optimizer,
    readEvery: config.readEvery,
    windowStarts: data.trainStarts,
    sampler: run.sampler,
    stepsPerCall: stepsPerCall(opts),
    precision: run.precision,
    ...(run.lossScale ? { initialLossScale: run.lossScale } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(run.params ? { initialParams: run.params } : {}),
    ...(run.moments ? { initialMoments: run.moments } : {}),
    initialStep: run.step,
  });
  return {
    stage,
    cfg,
    end: run.schedule.stageEnd(stage),
    trainer,
    flopsPerStep: stepFlops(config.model, stage.layers),
    // A stage resumed inside keeps the wall-clock it had before the interruption.
    t0: performance.now() - (resumedInside ? (run.wallBefore[stage.index - 1] ?? 0) : 0),
    evalMs: resumedInside ? (run.evalBefore[stage.index - 1] ?? 0) : 0,
    pending: [],
    saved: undefined,
  };
}

/**
 * Trains from the run's step to `boundary` in as few trainer calls as it takes, queueing the
 * schedule's read-back lines and emitting step events. A cancel stops it before its next call.
 */
async function trainToBoundary(run: RunState, st: StageRun, boundary: Boundary): Promise<void> {
  const { schedule } = run;
  const { stage, trainer } = st;
  while (run.step < boundary.step) {
    if (run.opts.signal?.aborted) {
      run.cancelled = true;
      return;
    }
    const k = Math.min(boundary.step - run.step, trainer.stepsPerCall);
    const lrs = Array.from({ length: k }, (_, i) => schedule.lr(run.step + i, stage));
    const first = run.step;
    const read = await trainer.steps(lrs, { read: first + k === boundary.step && boundary.read });
    run.step += k;
    run.flopsSoFar += k * st.flopsPerStep;
    // The lines of metrics.jsonl are the schedule's read-back steps, however many steps a call took.
    for (const m of read.filter((r) => schedule.at(r.step, stage).read)) {
      // A loss that is no number any more: the run has diverged; stop at once, keeping the last good checkpoint.
      if (!Number.isFinite(m.loss)) throw diverged(run.opts.dir, 'training loss', m.loss, m.step, stage);
      run.lastTrainLoss = m.loss;
      run.lastGradNorm = m.gradNorm;
      const taken = m.step - first;
      st.pending.push({
        type: 'train',
        step: m.step,
        loss: m.loss,
        gradNorm: m.gradNorm,
        lr: lrs[taken - 1]!,
        flops: run.flopsSoFar - (k - taken) * st.flopsPerStep,
        elapsedMs: Math.round(performance.now() - run.started),
        ...(m.skipped ? { skipped: true as const } : {}),
      });
    }
    stepEvent(run, stage, lrs.at(-1)!);
  }
}

/** At most one step event per interval (10 per second by default), carrying the latest loss read. */
function stepEvent(run: RunState, stage: Stage, lr: number): void {
  const { totalSteps } = run.schedule;
  const now = performance.now();
  if (now - run.lastEvent >= (run.opts.progressIntervalMs ?? 100) || run.step === totalSteps) {
    run.lastEvent = now;
    // Speed and ETA from this process's own steps; elapsed on the run's clock.
    const own = now - run.resumedAt;
    const done = run.step - run.startStep;
    run.emit({
      type: 'step',
      step: run.step,
      totalSteps,
      stage: stage.index,
      layers: stage.layers,
      loss: run.lastTrainLoss,
      gradNorm: run.lastGradNorm,
      lr,
      tokensPerSec: (done * run.opts.config.model.batch * run.opts.config.model.seqLen) / (own / 1000),
      elapsedMs: now - run.started,
      etaMs: (own / done) * (totalSteps - run.step),
      flops: run.flopsSoFar,
    });
  }
}

/** Validates and checkpoints as `boundary` asks; a checkpoint reuses the weights validation read. */
async function atBoundary(run: RunState, st: StageRun, boundary: Boundary): Promise<void> {
  const readNow = boundary.validate ? await validate(run, st) : undefined;
  if (boundary.checkpoint) {
    await run.store.appendMetrics(st.pending.splice(0));
    st.saved = await checkpoint(run, st, readNow);
  }
}

/** Reads the weights and validates them: a val line, and an isoplot line where it evaluated downstream. */
async function validate(run: RunState, st: StageRun): Promise<Map<string, Float32Array>> {
  const { config, data, dir } = run.opts;
  const { step } = run;
  const params = await st.trainer.readParams();
  run.params = params;
  // The evaluation's time, not the weights' read (a checkpoint at this step reuses them), is the stage's validation time.
  const began = performance.now();
  const point = await validationPoint(await run.sessions.for(st.cfg, params), data, config, (valLoss) => {
    if (valLoss !== null && !Number.isFinite(valLoss)) throw diverged(dir, 'validation loss', valLoss, step, st.stage);
    if (valLoss !== null) run.emit({ type: 'val', step, valLoss, flops: run.flopsSoFar });
  });
  const valLoss = point.valLoss;
  run.lastVal = valLoss;
  if (valLoss !== null) {
    st.pending.push({ type: 'val', step, valLoss, flops: run.flopsSoFar, layers: st.stage.layers });
    if (point.downstream) {
      const latest = { step, ...point.downstream };
      run.latest = latest;
      const ev = latest.evaluation;
      const detection = ev
        ? { vusPr: ev.vusPr, vusRoc: ev.vusRoc, aucPr: ev.aucPr, aucRoc: ev.aucRoc, f1: ev.atThreshold.f1 }
        : {};
      st.pending.push({
        type: 'isoplot',
        step,
        layers: st.stage.layers,
        valLoss,
        ...detection,
        probes: probeAccuracies(latest.probes),
        ...(latest.primitives
          ? { primitives: Object.fromEntries(Object.entries(latest.primitives).map(([k, v]) => [k, v.accuracy])) }
          : {}),
      });
    }
  }
  st.evalMs += performance.now() - began;
  return params;
}

/**
 * Carries the stage's last checkpoint's state to the next stage. A cancelled run first writes the
 * metrics so far and a checkpoint of exactly where it stopped.
 */
async function leaveStage(run: RunState, st: StageRun): Promise<void> {
  if (run.cancelled) {
    await run.store.appendMetrics(st.pending.splice(0));
    st.saved = await checkpoint(run, st);
  }
  const saved = st.saved!;
  run.params = saved.params;
  run.moments = { m: saved.m, v: saved.v };
  run.lossScale = saved.lossScale;
}

/**
 * Ends the run: unless cancelled, the final validation loss and downstream evaluation (the test
 * part's scores in scores.json) and the baselines; then the report.
 */
async function finish(run: RunState): Promise<RunReport> {
  const { config, data, dir } = run.opts;
  const model = config.model;
  const done = !run.cancelled && run.params;
  const finalCfg: PatchTransformerConfig = { ...model, layers: run.schedule.stages.at(-1)!.layers };
  // Resumed after the final checkpoint (nothing left to train): the final loss from the weights.
  if (done && run.lastVal === null)
    run.lastVal = await validationLossWith(await run.sessions.for(finalCfg, run.params!), data, config.valWindows);
  // The last validation point is usually the final step: its downstream results are the run's.
  const final = done
    ? run.latest?.step === run.step
      ? run.latest
      : await downstreamWith(await run.sessions.for(finalCfg, run.params!), data, config)
    : null;
  const evaluation = final?.evaluation ?? null;
  const scoring = config.scoring ?? DEFAULT_SCORING;
  // The test part's scores for a timeline chart, as the alarms saw them: smoothed, on the threshold's scale (NaN is written as null).
  const times = data.times ?? null;
  if (final?.scores && evaluation)
    await run.store.writeJson(
      'scores.json',
      scoreTimeline(
        scoresOnThresholdScale(smoothedScores(final.scores, data, scoring.smooth ?? 1), data, evaluation),
        data,
        evaluation.threshold,
        { times },
      ),
    );
  const samplingSeconds = times ? testSamplingSeconds(data, times) : null;
  // The reasoning lab has no anomalies to detect: no classical detectors.
  const baselines = done && !config.lab ? evaluateBaselines(data, model.channels, config.seed, scoring) : {};
  const trivial = done && !config.lab ? trivialDetectors(data) : null;
  const probes = final?.probes ?? null;
  // The probes' difficulty ladders, once, with the final model (sensor data only).
  const ladders =
    done && !config.lab && config.isoplot !== false
      ? await laddersWith(await run.sessions.for(finalCfg, run.params!), data, config.seed)
      : null;
  const { stageReports } = run;
  const report: RunReport = {
    variant: config.variant,
    seed: config.seed,
    dir,
    status: run.cancelled ? 'cancelled' : 'finished',
    stages: stageReports,
    totalFlops: stageReports.reduce((a, s) => a + s.flops, 0),
    wallMs: stageReports.reduce((a, s) => a + s.wallMs, 0),
    evalMs: stageReports.reduce((a, s) => a + (s.evalMs ?? 0), 0),
    finalValLoss: run.lastVal,
    finalTrainLoss: run.lastTrainLoss,
    evaluation,
    baselines,
    ...(trivial ? { trivial } : {}),
    probes,
    ...(ladders && Object.keys(ladders).length ? { ladders } : {}),
    ...(run.opts.alongside && run.opts.alongside > 1 ? { sharedWith: run.opts.alongside } : {}),
    ...(run.seedBatch > 1 ? { seedBatch: run.seedBatch } : {}),
    ...(config.lab ? { primitives: final?.primitives ?? null } : {}),
    ...(samplingSeconds !== null ? { samplingSeconds } : {}),
  };
  await run.store.writeReport(report);
  return report;
}

/** The wall-clock of every stage so far, the current one's up to now. */
function wallSoFar(run: RunState, st: StageRun): number[] {
  return [...run.stageReports.map((r) => r.wallMs), performance.now() - st.t0];
}

/** Saves the trainer's state (reusing `params` when they were just read at this step) and returns it. */
async function checkpoint(run: RunState, st: StageRun, params?: Map<string, Float32Array>): Promise<SavedState> {
  const { trainer, stage } = st;
  const { step } = run;
  const stageWallMs = wallSoFar(run, st);
  const stageEvalMs = [...run.stageReports.map((r) => r.evalMs ?? 0), st.evalMs];
  const elapsedMs = performance.now() - run.started;
  const { m, v } = await trainer.readMoments();
  const lossScale = await trainer.readLossScale();
  const state = { params: params ?? (await trainer.readParams()), m, v, ...(lossScale ? { lossScale } : {}) };
  const shapes = new Map(paramSpecs(trainer.options.model).map((p) => [p.name, p.shape]));
  const file = await run.store.saveCheckpoint({
    step,
    layers: stage.layers,
    stage: stage.index,
    rng: run.sampler.state,
    stageWallMs,
    stageEvalMs,
    elapsedMs,
    ...state,
    shapes,
    ...(run.seedBatch > 1 ? { seedBatch: run.seedBatch } : {}),
  });
  run.emit({ type: 'checkpoint', step, file });
  return state;
}
