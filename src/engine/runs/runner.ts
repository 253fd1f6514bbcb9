/**
 * The local executor's run loop. One run = one variant × one seed: stages of growing depth,
 * trained from boundary to boundary of its schedule (read-back, validation, checkpoint, growth,
 * end), with progress events, cancel and resume, FLOP accounting, and the run folder.
 */
import path from 'node:path';
import { growTensors, layerMapping, type Stage } from '../growth/growth';
import { paramSpecs, type PatchTransformerConfig } from '../models/patch-transformer';
import { BatchSampler } from '../runtime/sampler';
import { Trainer, type LossScaleState } from '../runtime/trainer';
import { claimCudaPrecision } from '../runtime/tf32';
import { DEFAULT_PRECISION } from '../../shared/precision';
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
import { resumePoint, runFolderConflict } from './resume';
import { RunSchedule, stepFlops } from './schedule';
import { RunStore } from './store';
import type { MetricRecord, RunConfig, RunEvent, RunReport, StageReport, TimedRunData } from './types';
import { downstreamWith, probeAccuracies, validationLossWith, validationPoint, type Downstream } from './validation';

export { runFolderConflict };

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
}

/** Steps per call on CUDA by default: the state crosses host memory once per this many steps. */
export const CUDA_STEPS_PER_CALL = 50;

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
  } finally {
    await lease.release();
  }
}

function diverged(dir: string, what: string, value: number, step: number, stage: Stage): Error {
  return new Error(
    `${dir}: the ${what} became ${value} at step ${step} (stage ${stage.index}, ${stage.layers} layers): the run diverged. Lower the learning rate (--lr), or check the data for extreme values; the last checkpoint before it is kept`,
  );
}

async function train(opts: RunOptions, store: RunStore): Promise<RunReport> {
  const { config, data } = opts;
  const schedule = new RunSchedule(config);
  const stages = schedule.stages;
  const totalSteps = schedule.totalSteps;
  const model = config.model;
  const interval = opts.progressIntervalMs ?? 100;
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
  let params = from?.params;
  let moments: { m: Map<string, Float32Array>; v: Map<string, Float32Array> } | undefined = from?.moments;
  // fp16's loss scale, carried across stages and checkpoints like the moments.
  let lossScale: LossScaleState | undefined = from?.lossScale;
  const precision = config.precision ?? DEFAULT_PRECISION;
  // TF32 is a process-wide mode of the CUDA libraries: this process must run CUDA the way the run says.
  if (config.device === 'cuda') claimCudaPrecision(precision);
  let resumeLayers = from?.layers;
  const wallBefore = from?.wallBefore ?? [];
  let lastTrainLoss = from?.lastTrainLoss ?? null;

  const stageReports: StageReport[] = [];
  let flopsSoFar = 0;
  for (const s of stages) {
    const begin = schedule.stageBegin(s);
    const flops = s.steps * stepFlops(model, s.layers);
    if (begin + s.steps <= startStep) {
      stageReports.push({ layers: s.layers, steps: s.steps, flops, wallMs: wallBefore[s.index - 1] ?? 0 });
      flopsSoFar += flops;
    } else if (begin < startStep) {
      // Resuming inside this stage: the steps it took before the interruption count too.
      flopsSoFar += (startStep - begin) * stepFlops(model, s.layers);
    }
  }
  const resumedAt = performance.now();
  // The run's own clock: it continues from where an interrupted run stopped.
  const started = resumedAt - (from?.elapsedBefore ?? 0);
  let lastEvent = 0;
  let lastGradNorm: number | null = null;
  let lastVal: number | null = null;
  let step = startStep;
  let cancelled = false;
  // The downstream results of the latest validation point (reused at the end when it was the last step).
  let latest: ({ step: number } & Downstream) | undefined;
  // Evaluation sessions of the current depth, built at its first validation point; the last
  // stage's serve the final evaluation too.
  let sessions: ModelSessions | null = null;
  const releaseSessions = async () => {
    const s = sessions;
    sessions = null;
    await s?.release();
  };
  const sessionsFor = async (cfg: PatchTransformerConfig, weights: ReadonlyMap<string, Float32Array>) => {
    if (sessions && sessions.cfg.layers !== cfg.layers) await releaseSessions();
    sessions ??= await ModelSessions.create(cfg, config.device, opts.threads ?? 0);
    await sessions.setWeights(weights);
    return sessions;
  };

  try {
    for (const stage of stages) {
      const stageEnd = schedule.stageEnd(stage);
      if (stageEnd <= startStep) continue;
      const cfg: PatchTransformerConfig = { ...model, layers: stage.layers };
      // Entering a stage: grow the weights of the previous one (unless resuming inside this stage).
      if (params && resumeLayers !== stage.layers) {
        const fromLayers = resumeLayers ?? stages[stage.index - 2]!.layers;
        const mapping = layerMapping(config.variant, fromLayers, stage.layers, config.growth.block);
        params = growTensors(params, mapping);
        moments =
          config.optimizer.stateAtGrowth === 'copy' && moments
            ? { m: growTensors(moments.m, mapping), v: growTensors(moments.v, mapping) }
            : undefined;
      }
      // Resuming inside this stage is not a growth: its stage line says so.
      const resumedInside = resumeLayers === stage.layers;
      resumeLayers = undefined;
      emit({
        type: 'stage',
        stage: stage.index,
        stages: stages.length,
        layers: stage.layers,
        steps: stage.steps,
        step,
      });
      await store.appendMetrics([
        {
          type: 'stage',
          stage: stage.index,
          layers: stage.layers,
          steps: stage.steps,
          step,
          ...(resumedInside ? { resumed: true as const } : {}),
        },
      ]);
      const trainer = await Trainer.create({
        model: cfg,
        data: data.matrix,
        device: config.device,
        seed: config.seed,
        adam: config.optimizer,
        readEvery: config.readEvery,
        windowStarts: data.trainStarts,
        sampler,
        stepsPerCall: opts.stepsPerCall ?? (config.device === 'cuda' ? CUDA_STEPS_PER_CALL : 1),
        precision,
        ...(lossScale ? { initialLossScale: lossScale } : {}),
        ...(opts.threads ? { threads: opts.threads } : {}),
        ...(params ? { initialParams: params } : {}),
        ...(moments ? { initialMoments: moments } : {}),
        initialStep: step,
      });
      const stageFlopsPerStep = stepFlops(model, stage.layers);
      // A stage resumed inside keeps the wall-clock it had before the interruption.
      const t0 = performance.now() - (resumedInside ? (wallBefore[stage.index - 1] ?? 0) : 0);
      const wallSoFar = () => [...stageReports.map((r) => r.wallMs), performance.now() - t0];
      const pending: MetricRecord[] = [];
      // The state read for the latest checkpoint; the stage always ends with one at its last step.
      let saved: SavedState | undefined;
      try {
        while (step < stageEnd) {
          if (opts.signal?.aborted) {
            cancelled = true;
            break;
          }
          // To the next boundary, in as few trainer calls as it takes.
          const boundary = schedule.next(step, stage);
          const k = Math.min(boundary.step - step, trainer.stepsPerCall);
          const lrs = Array.from({ length: k }, (_, i) => schedule.lr(step + i, stage));
          const first = step;
          const read = await trainer.steps(lrs, { read: first + k === boundary.step && boundary.read });
          step += k;
          flopsSoFar += k * stageFlopsPerStep;
          // The lines of metrics.jsonl are the schedule's read-back steps, however many steps a call took.
          for (const m of read.filter((r) => schedule.at(r.step, stage).read)) {
            // A loss that is no number any more: the run has diverged; stop at once, keeping the last good checkpoint.
            if (!Number.isFinite(m.loss)) throw diverged(opts.dir, 'training loss', m.loss, m.step, stage);
            lastTrainLoss = m.loss;
            lastGradNorm = m.gradNorm;
            const taken = m.step - first;
            pending.push({
              type: 'train',
              step: m.step,
              loss: m.loss,
              gradNorm: m.gradNorm,
              lr: lrs[taken - 1]!,
              flops: flopsSoFar - (k - taken) * stageFlopsPerStep,
              elapsedMs: Math.round(performance.now() - started),
              ...(m.skipped ? { skipped: true as const } : {}),
            });
          }
          const now = performance.now();
          // At most one step event per interval (10 per second by default), carrying the latest loss read.
          if (now - lastEvent >= interval || step === totalSteps) {
            lastEvent = now;
            // Speed and ETA from this process's own steps; elapsed on the run's clock.
            const own = now - resumedAt;
            const done = step - startStep;
            emit({
              type: 'step',
              step,
              totalSteps,
              stage: stage.index,
              layers: stage.layers,
              loss: lastTrainLoss,
              gradNorm: lastGradNorm,
              lr: lrs.at(-1)!,
              tokensPerSec: (done * model.batch * model.seqLen) / (own / 1000),
              elapsedMs: now - started,
              etaMs: (own / done) * (totalSteps - step),
              flops: flopsSoFar,
            });
          }
          if (step !== boundary.step) continue;
          let readNow: Map<string, Float32Array> | undefined;
          if (boundary.validate) {
            params = readNow = await trainer.readParams();
            const point = await validationPoint(await sessionsFor(cfg, params), data, config, (valLoss) => {
              if (valLoss !== null && !Number.isFinite(valLoss))
                throw diverged(opts.dir, 'validation loss', valLoss, step, stage);
              if (valLoss !== null) emit({ type: 'val', step, valLoss, flops: flopsSoFar });
            });
            lastVal = point.valLoss;
            if (lastVal !== null) {
              pending.push({ type: 'val', step, valLoss: lastVal, flops: flopsSoFar, layers: stage.layers });
              if (point.downstream) {
                latest = { step, ...point.downstream };
                const ev = latest.evaluation;
                const detection = ev
                  ? { vusPr: ev.vusPr, vusRoc: ev.vusRoc, aucPr: ev.aucPr, aucRoc: ev.aucRoc, f1: ev.atThreshold.f1 }
                  : {};
                pending.push({
                  type: 'isoplot',
                  step,
                  layers: stage.layers,
                  valLoss: lastVal,
                  ...detection,
                  probes: probeAccuracies(latest.probes),
                });
              }
            }
          }
          if (boundary.checkpoint) {
            await store.appendMetrics(pending.splice(0));
            saved = await checkpoint(
              trainer,
              store,
              { step, stage, sampler, stageWallMs: wallSoFar(), elapsedMs: performance.now() - started },
              emit,
              readNow,
            );
          }
        }
        if (cancelled) {
          // Stop cleanly: the metrics so far and a checkpoint of exactly where the run is.
          await store.appendMetrics(pending.splice(0));
          saved = await checkpoint(
            trainer,
            store,
            { step, stage, sampler, stageWallMs: wallSoFar(), elapsedMs: performance.now() - started },
            emit,
          );
        }
        params = saved!.params;
        moments = { m: saved!.m, v: saved!.v };
        lossScale = saved!.lossScale;
      } finally {
        await trainer.dispose();
      }
      stageReports.push({
        layers: stage.layers,
        steps: stage.steps,
        flops: stage.steps * stageFlopsPerStep,
        wallMs: Math.round(performance.now() - t0),
      });
      if (cancelled) break;
      // This depth's evaluation sessions are done with; the last stage's also serve the final evaluation.
      if (stage !== stages.at(-1)) await releaseSessions();
    }

    const done = !cancelled && params;
    const finalCfg: PatchTransformerConfig = { ...model, layers: stages.at(-1)!.layers };
    // Resumed after the final checkpoint (nothing left to train): the final loss from the weights.
    if (done && lastVal === null)
      lastVal = await validationLossWith(await sessionsFor(finalCfg, params!), data, config.valWindows);
    // The last validation point is usually the final step: its downstream results are the run's.
    const final = done
      ? latest?.step === step
        ? latest
        : await downstreamWith(await sessionsFor(finalCfg, params!), data, config)
      : null;
    const evaluation = final?.evaluation ?? null;
    const scoring = config.scoring ?? DEFAULT_SCORING;
    // The test part's scores for a timeline chart, as the alarms saw them: smoothed, on the threshold's scale (NaN is written as null).
    const times = data.times ?? null;
    if (final?.scores && evaluation)
      await store.writeJson(
        'scores.json',
        scoreTimeline(
          scoresOnThresholdScale(smoothedScores(final.scores, data, scoring.smooth ?? 1), data, evaluation),
          data,
          evaluation.threshold,
          { times },
        ),
      );
    const samplingSeconds = times ? testSamplingSeconds(data, times) : null;
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
      ...(samplingSeconds !== null ? { samplingSeconds } : {}),
    };
    await store.writeReport(report);
    return report;
  } finally {
    await releaseSessions();
  }
}

interface SavedState {
  readonly params: Map<string, Float32Array>;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
  readonly lossScale?: LossScaleState;
}

/** Where a checkpoint is taken: the step, the stage, the sampler, and the wall-clock so far. */
interface CheckpointAt {
  readonly step: number;
  readonly stage: Stage;
  readonly sampler: BatchSampler;
  readonly stageWallMs: readonly number[];
  readonly elapsedMs: number;
}

/** Saves the trainer's state (reusing `params` when they were just read at this step) and returns it. */
async function checkpoint(
  trainer: Trainer,
  store: RunStore,
  at: CheckpointAt,
  emit: (e: RunEvent) => void,
  params?: Map<string, Float32Array>,
): Promise<SavedState> {
  const { m, v } = await trainer.readMoments();
  const lossScale = await trainer.readLossScale();
  const state = { params: params ?? (await trainer.readParams()), m, v, ...(lossScale ? { lossScale } : {}) };
  const shapes = new Map(paramSpecs(trainer.options.model).map((p) => [p.name, p.shape]));
  const { step, stage } = at;
  const file = await store.saveCheckpoint({
    step,
    layers: stage.layers,
    stage: stage.index,
    rng: at.sampler.state,
    stageWallMs: at.stageWallMs,
    elapsedMs: at.elapsedMs,
    ...state,
    shapes,
  });
  emit({ type: 'checkpoint', step, file });
  return state;
}
