/**
 * A run's schedule: its stages, the learning rate of each step, and the boundaries where the loop
 * must stop training to do something else: read the loss back, validate, checkpoint, grow, end.
 * The run loop advances from one boundary to the next in chunks (as many steps per ORT call as
 * the trainer takes), so that an executor running K steps in one call needs no other change.
 */
import { stagesOf, type Stage } from '../../shared/growth';
import { forwardFlopsPerWindow, paramSpecs, type PatchTransformerConfig } from '../models/patch-transformer';
import { lrAt } from '../train/schedules';
import type { CheckpointState } from './store';
import type { RunConfig } from './types';

/** Training FLOPs of one step at `layers` depth: 3 × forward (forward + backward), attention included. */
export function stepFlops(model: PatchTransformerConfig, layers: number): number {
  return 3 * forwardFlopsPerWindow({ ...model, layers }) * model.batch;
}

/** Training FLOPs of a schedule's stages (each stage's steps at its depth). */
export function trainingFlops(model: PatchTransformerConfig, stages: readonly Stage[]): number {
  return stages.reduce((a, s) => a + s.steps * stepFlops(model, s.layers), 0);
}

/** What happens after step `step` (1-based: `step` steps taken). */
export interface Boundary {
  readonly step: number;
  /** The loss and gradient norm of this step are read back (a metrics line). */
  readonly read: boolean;
  readonly validate: boolean;
  readonly checkpoint: boolean;
  /** The stage ends here (a growth follows, or the run ends). */
  readonly stageEnd: boolean;
}

export class RunSchedule {
  readonly stages: readonly Stage[];
  /** The step each stage begins at (0-based count of steps before it). */
  private readonly begins: readonly number[];

  constructor(
    private readonly config: Pick<
      RunConfig,
      'variant' | 'growth' | 'schedule' | 'optimizer' | 'readEvery' | 'valEvery' | 'checkpointEvery'
    >,
  ) {
    this.stages = stagesOf(config.variant, config.growth);
    let at = 0;
    this.begins = this.stages.map((s) => {
      const b = at;
      at += s.steps;
      return b;
    });
  }

  get totalSteps(): number {
    return this.config.growth.steps;
  }

  /** The step stage `stage` (1-based index) begins at. */
  stageBegin(stage: Stage): number {
    return this.begins[stage.index - 1]!;
  }

  stageEnd(stage: Stage): number {
    return this.stageBegin(stage) + stage.steps;
  }

  /** The learning rate of the step taken after `step` steps: the global schedule, re-warmed after a growth if asked. */
  lr(step: number, stage: Stage): number {
    let lr = lrAt(this.config.schedule, step);
    const sinceGrowth = step - this.stageBegin(stage);
    const rewarmup = this.config.optimizer.rewarmupSteps;
    if (rewarmup > 0 && stage.index > 1 && sinceGrowth < rewarmup) lr *= (sinceGrowth + 1) / rewarmup;
    return lr;
  }

  /** What happens at `step` (a boundary when any field is true). */
  at(step: number, stage: Stage): Boundary {
    const stageEnd = step === this.stageEnd(stage);
    const { readEvery, valEvery, checkpointEvery } = this.config;
    return {
      step,
      read: step % readEvery === 0 || stageEnd,
      validate: step % valEvery === 0 || stageEnd,
      checkpoint: step % checkpointEvery === 0 || stageEnd,
      stageEnd,
    };
  }

  /** The first boundary after `step` inside `stage` (its end at the latest). */
  next(step: number, stage: Stage): Boundary {
    const { readEvery, valEvery, checkpointEvery } = this.config;
    const after = (every: number) => (Math.floor(step / every) + 1) * every;
    return this.at(Math.min(after(readEvery), after(valEvery), after(checkpointEvery), this.stageEnd(stage)), stage);
  }

  /** Every validation point of the run: each stage's validation boundaries, with the depth it runs at. */
  validationPoints(): { readonly step: number; readonly layers: number }[] {
    const out: { step: number; layers: number }[] = [];
    for (const stage of this.stages) {
      for (let s = this.stageBegin(stage); s < this.stageEnd(stage);) {
        const b = this.next(s, stage);
        if (b.validate) out.push({ step: b.step, layers: stage.layers });
        s = b.step;
      }
    }
    return out;
  }
}

/**
 * Throws (so the checkpoint counts as damaged) unless a checkpoint belongs to this run's plan: a
 * step inside the schedule, a stage of it with that stage's depth, and every weight and Adam
 * moment of the model at that depth, each of its shape's size.
 */
export function checkpointFitsPlan(ck: CheckpointState, config: RunConfig, schedule: RunSchedule): void {
  if (ck.step > schedule.totalSteps)
    throw new Error(`it is at step ${ck.step}, beyond the plan's ${schedule.totalSteps} steps`);
  const stage = schedule.stages[ck.stage - 1];
  if (!stage) throw new Error(`it names stage ${ck.stage}, and the plan has ${schedule.stages.length}`);
  if (stage.layers !== ck.layers)
    throw new Error(`it has ${ck.layers} layers in stage ${ck.stage}, which trains ${stage.layers}`);
  if (ck.step < schedule.stageBegin(stage) || ck.step > schedule.stageEnd(stage))
    throw new Error(
      `its step ${ck.step} lies outside stage ${ck.stage} (steps ${schedule.stageBegin(stage)} to ${schedule.stageEnd(stage)})`,
    );
  const specs = paramSpecs({ ...config.model, layers: ck.layers });
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  for (const [what, tensors] of [
    ['weight', ck.params],
    ['first Adam moment of', ck.m],
    ['second Adam moment of', ck.v],
  ] as const) {
    for (const p of specs) {
      const t = tensors.get(p.name);
      if (!t) throw new Error(`the ${what} ${p.name} is missing`);
      if (t.length !== size(p.shape))
        throw new Error(`the ${what} ${p.name} has ${t.length} values where the model has ${size(p.shape)}`);
    }
    if (tensors.size !== specs.length)
      throw new Error(`it holds ${tensors.size} tensors of kind "${what}" where the model has ${specs.length}`);
  }
}
