/**
 * Runs train steps with ORT. The data set is uploaded once; each step sends only the batch's
 * start rows, the learning rate and (implicitly) the device-resident state: the parameters and
 * Adam moments in the buffers of train-step.ts's StateLayout (read back per name) and the step
 * count, whose new values replace the old ones (the old GPU buffers are freed). Loss and gradient norm are read back every `readEvery` steps, not every step.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../shared/system';
import type { HostArray } from '../graph/ir';
import { paramSpecs, windowLength, type ParamSpec, type PatchTransformerConfig } from '../models/patch-transformer';
import { Rng } from '../random';
import { DEFAULT_ADAMW, type AdamWConfig } from '../train/adamw';
import {
  buildTrainStep,
  buildTrainSteps,
  computeOf,
  LOSS_SCALE_STATE,
  LOSS_SCALING,
  stateNames,
  defaultLayout,
  type OptimizerLayout,
  type StateLayout,
} from '../train/train-step';
import { DEFAULT_PRECISION, type Precision } from '../../shared/precision';
import { DeviceTensors, sessionOptions } from './device';
import { BatchSampler } from './sampler';

export interface TrainerOptions {
  readonly model: PatchTransformerConfig;
  /** The data set, row-major [rows, channels], already normalised. */
  readonly data: Float32Array;
  readonly device: ExecutionProviderName;
  readonly seed: number;
  readonly adam?: AdamWConfig;
  /** Read loss and gradient norm back every this many steps (1 = every step). */
  readonly readEvery?: number;
  /** Rows where a training window may start; all valid starts when absent. */
  readonly windowStarts?: Int32Array;
  /** Where batches come from (a run passes its own, kept across stages); seeded from `seed` when absent. */
  readonly sampler?: BatchSampler;
  /** Starting weights by name (checkpoint, growth, reference fixture); seeded init otherwise. */
  readonly initialParams?: ReadonlyMap<string, Float32Array>;
  /** Starting Adam moments by name (checkpoint, growth); zeros otherwise or for names missing here. */
  readonly initialMoments?: {
    readonly m: ReadonlyMap<string, Float32Array>;
    readonly v: ReadonlyMap<string, Float32Array>;
  };
  /** Optimizer steps already taken (AdamW's bias correction continues from here). */
  readonly initialStep?: number;
  readonly threads?: number;
  readonly opset?: number;
  /** Steps per ORT call: 1 (the one-step graph), or K > 1 (the K-step Loop graph: the state stays on the device between steps). */
  readonly stepsPerCall?: number;
  /** Write ORT's per-node profile (JSON) with this file prefix; see `endProfiling`. */
  readonly profilePrefix?: string;
  /** The numeric precision (default fp32); the caller has checked that the device runs it. */
  readonly precision?: Precision;
  /** How the optimiser's state is laid out (default: the device's, see defaultLayout). */
  readonly layout?: OptimizerLayout;
  /** fp16: the loss scale to continue from (checkpoint, previous stage); LOSS_SCALING.initial otherwise. */
  readonly initialLossScale?: LossScaleState;
  /**
   * Seeds batched in one session (issue 25): these runs' models trained side by side, each
   * initialised and fed batches as a run of that seed alone would be (`seed` is then unused).
   * Metrics are per seed; readParams and readMoments take the seed's index.
   */
  readonly seeds?: readonly number[];
  /**
   * Seeds batched: where each seed starts (a later stage after growth, a checkpoint), in the
   * order of `seeds`; absent, or a field absent: seeded as above, moments zero.
   */
  readonly seedStates?: readonly SeedState[];
}

/** One batched seed's starting state: weights and moments by name, and its run's sampler. */
export interface SeedState {
  readonly params?: ReadonlyMap<string, Float32Array>;
  readonly moments?: {
    readonly m: ReadonlyMap<string, Float32Array>;
    readonly v: ReadonlyMap<string, Float32Array>;
  };
  readonly sampler?: BatchSampler;
}

/** fp16's dynamic loss scale and the clean steps since it last changed. */
export interface LossScaleState {
  readonly scale: number;
  readonly goodSteps: number;
}

export interface StepMetrics {
  /** 1-based index of the step these numbers belong to. */
  readonly step: number;
  readonly loss: number;
  readonly gradNorm: number;
  /** fp16: the gradients overflowed at this loss scale, so the step changed nothing. */
  readonly skipped?: boolean;
  /** Seeds batched: each seed's loss and gradient norm (loss and gradNorm above are their means). */
  readonly seeds?: readonly { readonly loss: number; readonly gradNorm: number }[];
}

/** Where a trainer's batches come from: one run's sampler, or several seeds' one after the other. */
interface Batches {
  next(): Int32Array;
}

/** Each seed's next batch, one after the other (seed s's windows at rows s·B …). */
class SeedBatches implements Batches {
  constructor(private readonly samplers: readonly BatchSampler[]) {}
  next(): Int32Array {
    const parts = this.samplers.map((s) => s.next());
    const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Seeded initial values of one parameter. */
export function initialValues(spec: ParamSpec, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (spec.init.kind === 'ones') out.fill(1);
  if (spec.init.kind === 'normal') {
    const rng = new Rng(seed, `init:${spec.name}`);
    for (let i = 0; i < n; i++) out[i] = rng.normal() * spec.init.std;
  }
  return out;
}

export class Trainer {
  private state = new Map<string, ort.Tensor>();
  private stepsTaken = 0;
  private readonly sampler: Batches;
  /** Models in the session: 1, or the seeds batched. */
  private readonly models: number;
  /** Seeds batched: state buffers read to the host since the last step (readState). */
  private readonly hostState = new Map<string, Float32Array>();
  private readonly lrTensor = new Float32Array(1);

  private constructor(
    readonly options: TrainerOptions,
    /** The numeric precision it trains in (fp32 where the caller named none). */
    readonly precision: Precision,
    readonly tensors: DeviceTensors,
    private readonly session: ort.InferenceSession,
    /** The model's parameter names, and where they sit in the flat state buffers. */
    readonly paramNames: readonly string[],
    private readonly layout: StateLayout,
    starts: Int32Array,
    /** ONNX nodes in the train step, for diagnostics. */
    readonly nodeCount: number,
    /** The most steps one `steps()` call runs, in one ORT call. */
    readonly stepsPerCall: number,
  ) {
    const seeds = options.seeds ?? [];
    this.models = Math.max(1, seeds.length);
    this.sampler = seeds.length
      ? new SeedBatches(
          seeds.map(
            (seed, i) => options.seedStates?.[i]?.sampler ?? BatchSampler.seeded(starts, options.model.batch, seed),
          ),
        )
      : (options.sampler ?? BatchSampler.seeded(starts, options.model.batch, options.seed));
  }

  static async create(options: TrainerOptions): Promise<Trainer> {
    const cfg = options.model;
    const rows = options.data.length / cfg.channels;
    if (!Number.isInteger(rows))
      throw new Error(`data has ${options.data.length} values, not a multiple of ${cfg.channels} channels`);
    const width = windowLength(cfg);
    if (rows < width)
      throw new Error(
        `the data set has ${rows} rows, fewer than one training window (${width} rows = ${cfg.seqLen} tokens × ${cfg.patchLen})`,
      );
    const starts = options.windowStarts ?? Int32Array.from({ length: rows - width + 1 }, (_, i) => i);
    for (const s of starts)
      if (s < 0 || s + width > rows) throw new Error(`window start ${s} runs past the data set (${rows} rows)`);
    if (starts.length === 0) throw new Error('no valid training window start');

    const seeds = options.seeds ?? [];
    if (seeds.length === 1 || new Set(seeds).size !== seeds.length)
      throw new Error(`seeds batched in one session: two or more different seeds, got [${seeds.join(', ')}]`);
    if (seeds.length && (options.initialParams || options.initialMoments || options.sampler))
      throw new Error('seeds batched in one session: give each seed its starting state in seedStates');
    if (options.seedStates && options.seedStates.length !== seeds.length)
      throw new Error(`seedStates: ${options.seedStates.length} given for ${seeds.length} seeds batched`);
    const k = options.stepsPerCall ?? 1;
    // The one place a trainer's precision is defaulted (fp32 for callers that name none: tests, benchmarks).
    const precision = options.precision ?? DEFAULT_PRECISION;
    const adam = options.adam ?? DEFAULT_ADAMW;
    const step = {
      precision,
      layout: options.layout ?? defaultLayout(options.device),
      ...(options.opset ? { opset: options.opset } : {}),
      ...(seeds.length ? { seeds: seeds.length } : {}),
    };
    const graph = k > 1 ? buildTrainSteps(cfg, rows, adam, k, step) : buildTrainStep(cfg, rows, adam, step);
    const tensors = new DeviceTensors(options.device);
    const session = await ort.InferenceSession.create(graph.model.bytes, {
      ...sessionOptions(options.device, { gpuOutputs: true, ...(options.threads ? { threads: options.threads } : {}) }),
      ...(options.profilePrefix ? { enableProfiling: true, profileFilePrefix: options.profilePrefix } : {}),
    });
    const trainer = new Trainer(
      options,
      precision,
      tensors,
      session,
      graph.paramNames,
      graph.layout,
      starts,
      graph.model.nodeCount,
      k,
    );
    await trainer.initialise();
    return trainer;
  }

  private async initialise(): Promise<void> {
    const cfg = this.options.model;
    const rows = this.options.data.length / cfg.channels;
    const put = async (name: string, data: HostArray, dims: readonly number[]) =>
      this.state.set(name, await this.tensors.upload(data, dims, data instanceof Int32Array ? 'int32' : 'float32'));
    await put('data', this.options.data, [rows, cfg.channels]);
    await put('step', Float32Array.of(this.options.initialStep ?? 0), []);
    this.stepsTaken = this.options.initialStep ?? 0;
    if (this.lossScaling) {
      const ls = this.options.initialLossScale ?? { scale: LOSS_SCALING.initial, goodSteps: 0 };
      await put('loss_scale', Float32Array.of(ls.scale), []);
      await put('good_steps', Float32Array.of(ls.goodSteps), []);
    }
    const specs = new Map(paramSpecs(cfg).map((s) => [s.name, s]));
    // Each buffer packed on the host from the named values (given, or seeded), then uploaded once.
    const seeds = this.options.seeds ?? [];
    // One model, or each batched seed's: its seed and where it starts.
    const starting: (SeedState & { seed: number })[] = seeds.length
      ? seeds.map((seed, i) => ({ seed, ...this.options.seedStates?.[i] }))
      : [
          {
            seed: this.options.seed,
            ...(this.options.initialParams ? { params: this.options.initialParams } : {}),
            ...(this.options.initialMoments ? { moments: this.options.initialMoments } : {}),
          },
        ];
    for (const grp of this.layout.groups) {
      const p = new Float32Array(grp.size * this.models);
      const m = new Float32Array(grp.size * this.models);
      const v = new Float32Array(grp.size * this.models);
      // Seeds batched: seed s's buffer is the s-th slab, initialised as that seed's run alone.
      for (const [s, st] of starting.entries()) {
        const at = s * grp.size;
        const of = seeds.length ? ` (seed ${st.seed})` : '';
        for (const e of grp.entries) {
          const given = st.params?.get(e.name);
          if (given && given.length !== e.size)
            throw new Error(
              `initial value of ${e.name}${of} has ${given.length} elements, expected ${e.size} (shape [${e.shape.join(', ')}])`,
            );
          p.set(given ?? initialValues(specs.get(e.name)!, st.seed), at + e.offset);
          for (const [which, buf] of [
            ['m', m],
            ['v', v],
          ] as const) {
            const moment = st.moments?.[which].get(e.name);
            if (moment && moment.length !== e.size)
              throw new Error(`initial ${which} of ${e.name}${of} has ${moment.length} elements, expected ${e.size}`);
            if (moment) buf.set(moment, at + e.offset);
          }
        }
      }
      const shape = seeds.length ? [seeds.length, ...grp.shape] : grp.shape;
      await put(grp.name, p, shape);
      await put(stateNames.m(grp.name), m, shape);
      await put(stateNames.v(grp.name), v, shape);
    }
  }

  /** A flat buffer of the state (`name`: a group, or its m./v. moment) read back and cut into the named values, in the model's order. */
  private async unpack(name: (group: string) => string, seed = 0): Promise<Map<string, Float32Array>> {
    if (!Number.isInteger(seed) || seed < 0 || seed >= this.models)
      throw new RangeError(`seed index ${seed}: this trainer holds ${this.models} model(s)`);
    const out = new Map<string, Float32Array>();
    for (const grp of this.layout.groups) {
      const flat = await this.readState(name(grp.name));
      const at = seed * grp.size;
      for (const e of grp.entries) out.set(e.name, flat.slice(at + e.offset, at + e.offset + e.size));
    }
    return new Map(this.paramNames.map((n) => [n, out.get(n)!]));
  }

  /**
   * A state buffer copied to the host. Seeds batched: kept until the next step, since every
   * member reads its own slab of the same buffers at a validation point or checkpoint (read once,
   * not once per seed).
   */
  private async readState(key: string): Promise<Float32Array> {
    const kept = this.hostState.get(key);
    if (kept) return kept;
    const flat = (await this.tensors.read(this.state.get(key)!)) as Float32Array;
    if (this.models > 1) this.hostState.set(key, flat);
    return flat;
  }

  /** Whether the graph scales the loss (fp16). */
  get lossScaling(): boolean {
    return computeOf(this.precision).lossScaling;
  }

  /** fp16's loss scale now (null for other precisions), copied to the host. */
  async readLossScale(): Promise<LossScaleState | null> {
    if (!this.lossScaling) return null;
    const [scale, good] = await Promise.all(LOSS_SCALE_STATE.map((n) => this.tensors.read(this.state.get(n)!)));
    return { scale: scale![0] as number, goodSteps: good![0] as number };
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.stepsTaken;
  }

  /** Bytes the engine holds on the device (data set + parameters + moments + step count). */
  get deviceBytes(): number {
    return this.tensors.heldBytes;
  }

  /** The next batch's window starts, drawn from the sampler. */
  nextStarts(): Int32Array {
    return this.sampler.next();
  }

  /**
   * `lrs.length` optimisation steps (at most `stepsPerCall`), the i-th at learning rate `lrs[i]`,
   * batches from the sampler. Returns the loss and gradient norm of the last step when `read`,
   * else nothing (with a K-step graph: of every step, read or not, since they come for free).
   */
  async steps(lrs: readonly number[], opts: { read?: boolean } = {}): Promise<StepMetrics[]> {
    if (lrs.length === 0 || lrs.length > this.stepsPerCall)
      throw new RangeError(`steps: ${lrs.length} steps asked, 1 to ${this.stepsPerCall} per call`);
    if (this.stepsPerCall > 1) return this.loopSteps(lrs, !!opts.read);
    const out: StepMetrics[] = [];
    for (let i = 0; i < lrs.length; i++) {
      const m = await this.step(lrs[i]!, { read: i === lrs.length - 1 && !!opts.read });
      if (m) out.push(m);
    }
    return out;
  }

  /**
   * One optimisation step at learning rate `lr`. Returns the loss and gradient norm when this
   * step is a read-back step (every `readEvery`, or when `read` is true), else null.
   */
  async step(lr: number, opts: { starts?: Int32Array; read?: boolean } = {}): Promise<StepMetrics | null> {
    if (this.stepsPerCall > 1) throw new Error('step: this trainer runs the K-step graph; use steps()');
    const starts = opts.starts ?? this.nextStarts();
    const rows = this.options.model.batch * this.models;
    if (starts.length !== rows)
      throw new RangeError(`step: ${starts.length} window starts given, ${rows} needed (batch × seeds batched)`);
    this.lrTensor[0] = lr;
    const feeds: Record<string, ort.Tensor> = {
      starts: new ort.Tensor('int32', starts, [starts.length]),
      lr: new ort.Tensor('float32', this.lrTensor.slice(), []),
    };
    for (const [k, t] of this.state) feeds[k] = t;
    const out = await this.session.run(feeds);
    this.stepsTaken += 1;
    this.replaceState(out);
    const every = this.options.readEvery ?? 1;
    const read = opts.read ?? this.stepsTaken % every === 0;
    let metrics: StepMetrics | null = null;
    if (read) {
      const [loss, norm, skipped] = await this.readScans(out);
      metrics = this.metricsOf(this.stepsTaken, loss, norm, skipped, 0);
    }
    this.discardScans(out);
    return metrics;
  }

  /** Up to K steps in one call of the K-step graph; every step's loss and gradient norm come back when `read`. */
  private async loopSteps(lrs: readonly number[], read: boolean): Promise<StepMetrics[]> {
    const k = this.stepsPerCall;
    const b = this.options.model.batch * this.models;
    const n = lrs.length;
    // Rows past `n` are never gathered (the Loop runs `trips` times); they stay zero.
    const starts = new Int32Array(k * b);
    for (let i = 0; i < n; i++) starts.set(this.sampler.next(), i * b);
    const lr = new Float32Array(k);
    lr.set(lrs);
    const feeds: Record<string, ort.Tensor> = {
      starts: new ort.Tensor('int32', starts, [k, b]),
      lr: new ort.Tensor('float32', lr, [k]),
      trips: new ort.Tensor('int64', BigInt64Array.of(BigInt(n)), []),
    };
    for (const [key, t] of this.state) feeds[key] = t;
    const out = await this.session.run(feeds);
    const first = this.stepsTaken;
    this.stepsTaken += n;
    this.replaceState(out);
    let metrics: StepMetrics[] = [];
    if (read) {
      const [loss, norm, skipped] = await this.readScans(out);
      metrics = Array.from({ length: n }, (_, i) => this.metricsOf(first + i + 1, loss, norm, skipped, i));
    }
    this.discardScans(out);
    return metrics;
  }

  /** Step `i`'s numbers of a call's outputs (seeds batched: S of each per step, and their means). */
  private metricsOf(
    step: number,
    loss: HostArray,
    norm: HostArray,
    skipped: HostArray | undefined,
    i: number,
  ): StepMetrics {
    const skip = skipped?.[i] ? { skipped: true } : {};
    if (this.models === 1) return { step, loss: loss[i] as number, gradNorm: norm[i] as number, ...skip };
    const s = this.models;
    const seeds = Array.from({ length: s }, (_, j) => ({
      loss: loss[i * s + j] as number,
      gradNorm: norm[i * s + j] as number,
    }));
    const mean = (f: (x: (typeof seeds)[number]) => number) => seeds.reduce((a, x) => a + f(x), 0) / s;
    return { step, loss: mean((x) => x.loss), gradNorm: mean((x) => x.gradNorm), seeds, ...skip };
  }

  /** The per-step outputs of a call: loss, gradient norm and (fp16) whether each step was skipped. */
  private scanNames(): string[] {
    return ['loss', 'grad_norm', ...(this.lossScaling ? ['skipped'] : [])];
  }

  private async readScans(
    out: ort.InferenceSession.OnnxValueMapType,
  ): Promise<[HostArray, HostArray, HostArray | undefined]> {
    const [loss, norm, skipped] = await Promise.all(this.scanNames().map((n) => this.tensors.read(out[n]!)));
    return [loss!, norm!, skipped];
  }

  private discardScans(out: ort.InferenceSession.OnnxValueMapType): void {
    for (const n of this.scanNames()) this.tensors.discard(out[n]!);
  }

  /** The state outputs of a call become the next call's inputs (the old device buffers are freed). */
  private replaceState(out: ort.InferenceSession.OnnxValueMapType): void {
    this.hostState.clear();
    const replace = (key: string, outName: string) => {
      const old = this.state.get(key)!;
      this.state.set(key, this.tensors.hold(out[outName]!));
      this.tensors.release(old);
    };
    replace('step', 'step_out');
    if (this.lossScaling) for (const n of LOSS_SCALE_STATE) replace(n, stateNames.out(n));
    for (const { name } of this.layout.groups) {
      replace(name, stateNames.out(name));
      replace(stateNames.m(name), stateNames.out(stateNames.m(name)));
      replace(stateNames.v(name), stateNames.out(stateNames.v(name)));
    }
  }

  /** Current parameter values, copied to the host (seeds batched: of the seed at index `seed`). */
  async readParams(seed = 0): Promise<Map<string, Float32Array>> {
    return this.unpack((g) => g, seed);
  }

  /** Adam's first and second moments of every parameter, copied to the host (seeds batched: of seed index `seed`). */
  async readMoments(seed = 0): Promise<{ m: Map<string, Float32Array>; v: Map<string, Float32Array> }> {
    return { m: await this.unpack(stateNames.m, seed), v: await this.unpack(stateNames.v, seed) };
  }

  /** Ends ORT profiling (when `profilePrefix` was given); the profile file is written next to the prefix. */
  endProfiling(): void {
    this.session.endProfiling();
  }

  async dispose(): Promise<void> {
    await this.tensors.dispose();
    this.state.clear();
    this.hostState.clear();
    await this.session.release();
  }
}
