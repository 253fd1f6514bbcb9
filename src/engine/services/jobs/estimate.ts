/**
 * How long a job will take, before it starts: a short timing probe of the train step and of one
 * validation point on the chosen device and data, then each run's schedule. The validation
 * points are the schedule's own (`RunSchedule.validationPoints`) and each is timed through the
 * same `validationPoint` the run loop calls, so the estimate costs what the runs will do.
 */
import type { PlanEstimate } from '../../../shared/jobs';
import type { ExecutionProviderName } from '../../../shared/system';
import type { RunData } from '../../data/prepared';
import { canEvaluate } from '../../eval/evaluate';
import { ModelSessions } from '../../eval/sessions';
import type { PatchTransformerConfig } from '../../models/patch-transformer';
import { Trainer } from '../../runtime/trainer';
import type { JobPlan } from '../../runs/plan';
import { RunSchedule, stepFlops, trainingFlops } from '../../runs/schedule';
import type { RunConfig } from '../../runs/types';
import { validationPoint } from '../../runs/validation';
import { DEFAULT_ADAMW } from '../../train/adamw';

/** What the probe measured on a device for one model and data set. */
export interface MeasuredSpeed {
  /** Training FLOP/s at full depth. */
  readonly fps: number;
  /** Building one stage's evaluation sessions (forecast and scoring graphs). */
  readonly compileSeconds: number;
  /** One validation point at full depth, the sessions built. */
  readonly pointSeconds: number;
}

/** Times 4 train steps (after 2 warm-up steps) and one validation point at full depth. */
export async function measureSpeed(model: PatchTransformerConfig, data: RunData, device: ExecutionProviderName, config: RunConfig, threads = 0): Promise<MeasuredSpeed> {
  const trainer = await Trainer.create({ model, data: data.matrix, device, seed: 1, adam: DEFAULT_ADAMW, readEvery: 1000, windowStarts: data.trainStarts, ...(config.precision ? { precision: config.precision } : {}), ...(threads ? { threads } : {}) });
  let params: Map<string, Float32Array>;
  let fps: number;
  try {
    for (let i = 0; i < 2; i++) await trainer.step(1e-4);
    const t0 = performance.now();
    for (let i = 0; i < 4; i++) await trainer.step(1e-4);
    params = await trainer.readParams();
    fps = (4 * stepFlops(model, model.layers)) / ((performance.now() - t0) / 1000);
  } finally {
    await trainer.dispose();
  }
  const t1 = performance.now();
  const sessions = await ModelSessions.create(model, device, threads);
  try {
    await sessions.setWeights(params);
    if (canEvaluate(data)) await sessions.scoring();
    const t2 = performance.now();
    await validationPoint(sessions, data, config);
    return { fps, compileSeconds: (t2 - t1) / 1000, pointSeconds: (performance.now() - t2) / 1000 };
  } finally {
    await sessions.release();
  }
}

/**
 * Seconds of one run: its training FLOPs at the measured rate, one session build per stage, and
 * each validation point at its depth (evaluation cost taken as proportional to the depth).
 */
export function runSeconds(config: RunConfig, speed: MeasuredSpeed): number {
  const schedule = new RunSchedule(config);
  const flops = trainingFlops(config.model, schedule.stages);
  const points = schedule.validationPoints().reduce((a, p) => a + (speed.pointSeconds * p.layers) / config.model.layers, 0);
  return flops / speed.fps + schedule.stages.length * speed.compileSeconds + points;
}

/** The estimate of a planned job (planned with one seed; `seeds` multiplies). */
export function estimateJob(job: JobPlan, seeds: number, device: ExecutionProviderName, speed: MeasuredSpeed): PlanEstimate {
  const { growth } = job.plan;
  const baseFlops = growth.steps * stepFlops(job.model, growth.layers);
  const variants = job.runs.map((r) => {
    const stages = new RunSchedule(r.config).stages;
    const flops = trainingFlops(job.model, stages);
    return { variant: r.name, stages: stages.map((s) => ({ layers: s.layers, steps: s.steps })), flops, relative: flops / baseFlops, seconds: runSeconds(r.config, speed) };
  });
  return { device, layers: growth.layers, block: growth.block, steps: growth.steps, variants, totalSeconds: variants.reduce((a, v) => a + v.seconds, 0) * seeds, flopsPerSecond: speed.fps, evaluationSeconds: speed.pointSeconds };
}
