/**
 * Seeds batched in one session (issue 25): the runs of one variant that differ only in their seed
 * train in lockstep through one trainer whose every tensor has a leading seed axis
 * (Trainer({ seeds })). Each run keeps its own run loop (runner.ts: its folder, lock, events,
 * validation, checkpoints and report) and is handed a view of the shared trainer for its seed.
 *
 * The views meet at two barriers: a stage's trainer is built once every member still in the group
 * has asked for it (each with its own grown weights, moments and sampler), and steps are taken
 * once every member still training has asked for them (the same learning rates: the runs share
 * one schedule). A member that leaves (cancelled, failed, finished) no longer holds the others
 * up; its seed's slab is still stepped until the stage's trainer is rebuilt, and nothing reads it.
 */
import { Trainer, type StepMetrics, type TrainerOptions } from '../runtime/trainer';
import type { PatchTransformerConfig } from '../models/patch-transformer';

/** What the run loop uses of a trainer (runner.ts), one run's or one seed's view of a batched one. */
export interface StageTrainer {
  readonly stepsPerCall: number;
  readonly options: { readonly model: PatchTransformerConfig };
  steps(lrs: readonly number[], opts?: { read?: boolean }): Promise<StepMetrics[]>;
  readParams(): Promise<Map<string, Float32Array>>;
  readMoments(): Promise<{ m: Map<string, Float32Array>; v: Map<string, Float32Array> }>;
  readLossScale(): ReturnType<Trainer['readLossScale']>;
  dispose(): Promise<void>;
}

/** How a run loop gets a stage's trainer: its own (Trainer.create), or a view of a group's. */
export type TrainerSource = (options: TrainerOptions) => Promise<StageTrainer>;

interface Waiting<T> {
  readonly resolve: (v: T) => void;
  readonly reject: (e: unknown) => void;
}

/** One stage's batched trainer and its members' pending step calls. */
class Shared {
  /** Members (by their index in the group) that hold a view of this trainer. */
  readonly holders: Set<number>;
  private calls = new Map<number, { lrs: readonly number[]; read: boolean } & Waiting<StepMetrics[]>>();
  private stepping = false;

  constructor(
    readonly trainer: Trainer,
    /** The group's members in the order of the trainer's seeds. */
    readonly members: readonly number[],
  ) {
    this.holders = new Set(members);
  }

  steps(member: number, lrs: readonly number[], read: boolean): Promise<StepMetrics[]> {
    return new Promise((resolve, reject) => {
      this.calls.set(member, { lrs, read, resolve, reject });
      this.maybeStep();
    });
  }

  /** Steps once every holder has asked (a holder that let go no longer counts). */
  maybeStep(): void {
    if (this.stepping || this.calls.size === 0 || [...this.holders].some((m) => !this.calls.has(m))) return;
    const calls = [...this.calls];
    this.calls = new Map();
    const lrs = calls[0]![1].lrs;
    const apart = calls.find(([, c]) => c.lrs.length !== lrs.length || c.lrs.some((x, i) => x !== lrs[i]));
    if (apart) {
      const err = new Error(
        'seeds batched in one session went out of step (their runs asked for different learning rates); run them with --seed-batch off',
      );
      for (const [, c] of calls) c.reject(err);
      return;
    }
    this.stepping = true;
    this.trainer
      .steps(lrs, { read: calls.some(([, c]) => c.read) })
      .then(
        (metrics) => {
          for (const [m, c] of calls) {
            const at = this.members.indexOf(m);
            c.resolve(
              metrics.map((x) => ({
                step: x.step,
                loss: x.seeds![at]!.loss,
                gradNorm: x.seeds![at]!.gradNorm,
              })),
            );
          }
        },
        (err: unknown) => {
          for (const [, c] of calls) c.reject(err);
        },
      )
      .finally(() => {
        this.stepping = false;
        this.maybeStep();
      });
  }

  async release(member: number): Promise<void> {
    this.holders.delete(member);
    if (this.holders.size === 0) await this.trainer.dispose();
    else this.maybeStep();
  }
}

/**
 * The runs of one group (`size` of them, member i's seed `seeds[i]`): `source(i)` is member i's
 * TrainerSource, `leave(i)` is called when its run loop has ended, however it ended.
 */
export class SeedGroup {
  private readonly left = new Set<number>();
  private requests = new Map<number, { options: TrainerOptions } & Waiting<StageTrainer>>();

  constructor(readonly seeds: readonly number[]) {
    if (seeds.length < 2) throw new Error('a seed group holds two runs or more');
  }

  source(member: number): TrainerSource {
    return (options) =>
      new Promise<StageTrainer>((resolve, reject) => {
        if (options.seed !== this.seeds[member])
          throw new Error(`seed group: member ${member} trains seed ${this.seeds[member]}, asked for ${options.seed}`);
        this.requests.set(member, { options, resolve, reject });
        void this.maybeBuild();
      });
  }

  leave(member: number): void {
    this.left.add(member);
    void this.maybeBuild();
  }

  /** Builds the stage's trainer once every member still in the group has asked for it. */
  private async maybeBuild(): Promise<void> {
    const waiting = this.seeds.map((_, i) => i).filter((i) => !this.left.has(i));
    if (this.requests.size === 0 || waiting.some((i) => !this.requests.has(i))) return;
    const requests = [...this.requests].sort(([a], [b]) => a - b);
    this.requests = new Map();
    try {
      const first = requests[0]![1].options;
      const step = first.initialStep ?? 0;
      if (
        requests.some(([, r]) => (r.options.initialStep ?? 0) !== step || r.options.model.layers !== first.model.layers)
      )
        throw new Error(
          'seeds batched in one session reached a stage at different steps; run them with --seed-batch off',
        );
      const members = requests.map(([m]) => m);
      // One member left: its own trainer, as a run alone.
      const { initialParams: _p, initialMoments: _m, sampler: _s, ...common } = first;
      const trainer =
        members.length === 1
          ? await Trainer.create(first)
          : await Trainer.create({
              ...common,
              seed: 0,
              seeds: requests.map(([, r]) => r.options.seed),
              seedStates: requests.map(([, r]) => ({
                ...(r.options.initialParams ? { params: r.options.initialParams } : {}),
                ...(r.options.initialMoments ? { moments: r.options.initialMoments } : {}),
                ...(r.options.sampler ? { sampler: r.options.sampler } : {}),
              })),
            });
      if (members.length === 1) {
        requests[0]![1].resolve(trainer);
        return;
      }
      const shared = new Shared(trainer, members);
      for (const [m, r] of requests) r.resolve(view(shared, m, members.indexOf(m), trainer));
    } catch (err) {
      for (const [, r] of requests) r.reject(err);
    }
  }
}

/** Member `m`'s view of a shared trainer (its seed at index `at`). */
function view(shared: Shared, m: number, at: number, trainer: Trainer): StageTrainer {
  let released = false;
  return {
    stepsPerCall: trainer.stepsPerCall,
    options: trainer.options,
    steps: (lrs, opts = {}) => shared.steps(m, lrs, !!opts.read),
    readParams: () => trainer.readParams(at),
    readMoments: () => trainer.readMoments(at),
    readLossScale: () => trainer.readLossScale(),
    dispose: async () => {
      if (released) return;
      released = true;
      await shared.release(m);
    },
  };
}
