/**
 * How long a job will take, before it starts: a short timing probe of the train step (at full
 * depth and at the smallest stage's), of one validation point and of the final evaluation on the
 * chosen device and data, after the process's warm-up (runs/warmup.ts), then each run's schedule. The validation
 * points are the schedule's own (`RunSchedule.validationPoints`) and each is timed through the
 * same `validationPoint` the run loop calls, so the estimate costs what the runs will do.
 */
import type { PlanEstimate } from '../../../shared/plan';
import type { ExecutionProviderName } from '../../../shared/system';
import type { RunData } from '../../data/prepared';
import { canEvaluate, DEFAULT_SCORING, evaluateBaselines, trivialDetectors } from '../../eval/evaluate';
import { ModelSessions } from '../../eval/sessions';
import type { PatchTransformerConfig } from '../../models/patch-transformer';
import { Trainer } from '../../runtime/trainer';
import type { JobPlan } from '../../runs/plan';
import { CUDA_STEPS_PER_CALL } from '../../runs/runner';
import { RunSchedule, stepFlops, trainingFlops } from '../../runs/schedule';
import type { RunConfig } from '../../runs/types';
import { validationPoint } from '../../runs/validation';
import { warmUp } from '../../runs/warmup';
import { DEFAULT_ADAMW } from '../../train/adamw';

/** What the probe measured on a device for one model and data set. */
export interface MeasuredSpeed {
  /** Seconds of one train step at each measured depth (full depth, and a stage's smallest); a line through them gives the others. */
  readonly stepSeconds: readonly { readonly layers: number; readonly seconds: number }[];
  /** Building one stage's train session (graph and ORT compile) and evaluation sessions. */
  readonly compileSeconds: number;
  /** One validation point at full depth, the sessions built. */
  readonly pointSeconds: number;
  /** The end of a run beyond its last validation point: the classical detectors and the score timeline. */
  readonly finalSeconds: number;
}

/** Steps a probe call takes: as runs call the trainer (the K-step Loop on CUDA, capped for a short probe). */
const probeSteps = (device: ExecutionProviderName) => (device === 'cuda' ? Math.min(CUDA_STEPS_PER_CALL, 8) : 1);

/** Seconds a train step takes at `layers`, and what its session took to build. */
async function timeSteps(
  model: PatchTransformerConfig,
  data: RunData,
  device: ExecutionProviderName,
  config: RunConfig,
  threads: number,
): Promise<{ seconds: number; compile: number; params: Map<string, Float32Array> }> {
  const k = probeSteps(device);
  const t0 = performance.now();
  const trainer = await Trainer.create({
    model,
    data: data.matrix,
    device,
    seed: 1,
    adam: DEFAULT_ADAMW,
    readEvery: 1 << 30,
    windowStarts: data.trainStarts,
    stepsPerCall: k,
    ...(config.precision ? { precision: config.precision } : {}),
    ...(threads ? { threads } : {}),
  });
  const compile = (performance.now() - t0) / 1000;
  try {
    // Warm-up: GPU providers compile their kernels on the first calls.
    for (let i = 0; i < 2; i++) await trainer.steps(Array(k).fill(1e-4));
    // Then at least 4 steps, and on for up to half a second of them (noise on a fast device).
    let steps = 0;
    const t1 = performance.now();
    while (steps < 4 * k || (performance.now() - t1 < 500 && steps < 32 * k)) {
      await trainer.steps(Array(k).fill(1e-4), { read: true });
      steps += k;
    }
    return { seconds: (performance.now() - t1) / 1000 / steps, compile, params: await trainer.readParams() };
  } finally {
    await trainer.dispose();
  }
}

/**
 * Times train steps at full depth and at `minLayers` (a growing run's first stage), one
 * validation point at full depth and a run's final evaluation, on the chosen device and data.
 */
export async function measureSpeed(
  model: PatchTransformerConfig,
  data: RunData,
  device: ExecutionProviderName,
  config: RunConfig,
  threads = 0,
  minLayers = model.layers,
): Promise<MeasuredSpeed> {
  // Timed in a warm process, as the runs are timed: a cold first validation point cost twice a
  // warm one, and the estimate counts one per validation point of every run.
  await warmUp({ ...config, device }, data, probeSteps(device), threads);
  const full = await timeSteps(model, data, device, config, threads);
  const small =
    minLayers < model.layers ? await timeSteps({ ...model, layers: minLayers }, data, device, config, threads) : null;
  const t1 = performance.now();
  const sessions = await ModelSessions.create(model, device, threads);
  try {
    await sessions.setWeights(full.params);
    if (canEvaluate(data)) await sessions.scoring();
    const t2 = performance.now();
    await validationPoint(sessions, data, config);
    const t3 = performance.now();
    if (canEvaluate(data)) {
      evaluateBaselines(data, model.channels, config.seed, config.scoring ?? DEFAULT_SCORING);
      trivialDetectors(data);
    }
    return {
      stepSeconds: [
        ...(small ? [{ layers: minLayers, seconds: small.seconds }] : []),
        { layers: model.layers, seconds: full.seconds },
      ],
      compileSeconds: full.compile + (t2 - t1) / 1000,
      pointSeconds: (t3 - t2) / 1000,
      finalSeconds: (performance.now() - t3) / 1000,
    };
  } finally {
    await sessions.release();
  }
}

/** Seconds of a train step at `layers`: on the line through the measured depths (proportional to FLOPs with one). */
export function stepSecondsAt(layers: number, speed: MeasuredSpeed, model: PatchTransformerConfig): number {
  const pts = speed.stepSeconds;
  const last = pts.at(-1)!;
  if (pts.length === 1) return (last.seconds * stepFlops(model, layers)) / stepFlops(model, last.layers);
  const first = pts[0]!;
  const slope = (last.seconds - first.seconds) / (last.layers - first.layers);
  return Math.max(first.seconds * 0.5, first.seconds + slope * (layers - first.layers));
}

/**
 * Seconds of one run: each stage's steps at its depth, one session build per stage, each
 * validation point at its depth (evaluation cost taken as proportional to the depth) and the
 * final evaluation.
 */
export function runSeconds(config: RunConfig, speed: MeasuredSpeed): number {
  const schedule = new RunSchedule(config);
  const training = schedule.stages.reduce((a, st) => a + st.steps * stepSecondsAt(st.layers, speed, config.model), 0);
  const points = schedule
    .validationPoints()
    .reduce((a, p) => a + (speed.pointSeconds * p.layers) / config.model.layers, 0);
  return training + schedule.stages.length * speed.compileSeconds + points + speed.finalSeconds;
}

/**
 * How far a job's time may be from its estimate, as a factor either way: the spread of
 * actual ÷ estimated over real and sample data sets (`npm run bench -- estimate`, bench/RESULTS.md).
 */
export const ESTIMATE_ERROR = 1.4;

/** The estimate of a planned job (planned with one seed; `seeds` multiplies). */
export function estimateJob(
  job: JobPlan,
  seeds: number,
  device: ExecutionProviderName,
  speed: MeasuredSpeed,
): PlanEstimate {
  const { growth } = job.plan;
  const baseFlops = growth.steps * stepFlops(job.model, growth.layers);
  const variants = job.runs.map((r) => {
    const stages = new RunSchedule(r.config).stages;
    const flops = trainingFlops(job.model, stages);
    return {
      variant: r.name,
      stages: stages.map((s) => ({ layers: s.layers, steps: s.steps })),
      flops,
      relative: flops / baseFlops,
      seconds: runSeconds(r.config, speed),
    };
  });
  const full = speed.stepSeconds.at(-1)!;
  return {
    device,
    layers: growth.layers,
    block: growth.block,
    steps: growth.steps,
    variants,
    totalSeconds: variants.reduce((a, v) => a + v.seconds, 0) * seeds,
    errorFactor: ESTIMATE_ERROR,
    flopsPerSecond: stepFlops(job.model, full.layers) / full.seconds,
    evaluationSeconds: speed.pointSeconds,
    fitness: job.data.fitness,
  };
}

/** The smallest depth any planned run trains at (its first stage), for the second timing point. */
export function smallestDepth(job: JobPlan): number {
  return Math.min(...job.runs.flatMap((r) => new RunSchedule(r.config).stages.map((s) => s.layers)));
}
