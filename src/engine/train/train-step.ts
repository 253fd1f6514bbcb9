/**
 * The train-step graph: windows gathered from the device-resident data set by int32 start rows,
 * forward, the loss (next-patch MSE, or a token model's next-token cross-entropy), backward,
 * clipping and AdamW, in one ONNX model.
 *
 * Inputs:  data [N, C], starts [B] int32, lr [] , step [] (float32), then per buffer of the
 *          state layout (`flat.decay`, `flat.plain`, or one per parameter: see StateLayout) the
 *          buffer, `m.<buffer>` and `v.<buffer>`.
 * Outputs: loss [], grad_norm [], step_out [], then per buffer `<buffer>.out`, `m.<buffer>.out`,
 *          `v.<buffer>.out` (fed back as the next step's inputs).
 * fp16 adds the dynamic loss scale: inputs `loss_scale` [] and `good_steps` [] (steps since it
 * last changed), outputs `loss_scale.out`, `good_steps.out` and `skipped` [] (1 when the step's
 * gradients overflowed and the update was skipped, else 0).
 */
import { vjp } from '../graph/autodiff';
import { emitLoop, emitOnnx, type EmittedModel } from '../graph/emit';
import { Graph, sizeOf, type Value } from '../graph/ir';
import * as op from '../graph/ops';
import {
  forward,
  paramSpecs,
  trainingLoss,
  trainingLosses,
  tokensOf,
  windowLength,
  type ComputeDType,
  type PatchTransformerConfig,
} from '../models/patch-transformer';
import { DEFAULT_PRECISION, type Precision } from '../../shared/precision';
import type { ExecutionProviderName } from '../../shared/system';
import { adamwUpdate, type AdamWConfig } from './adamw';

/**
 * How the optimiser's state is laid out:
 * - `flat`: two buffers, the parameters that take weight decay and those that do not, each
 *   parameter a contiguous run (paramSpecs order); AdamW and clipping are a few dozen nodes
 *   instead of ~14 per parameter tensor (base: ~2,100 of ~4,600 nodes a step). On the CPU
 *   provider it halves tiny's step time.
 * - `per-tensor`: one buffer per parameter tensor. The CUDA provider's Split and Concat kernels
 *   took hundreds of milliseconds on the flat buffers (base: 930 ms a step against 85; profile
 *   in bench/RESULTS.md), so CUDA kept this layout.
 * - `stacked`: one buffer per shape and decay class, the tensors of that shape stacked on a
 *   leading axis ([48, 512, 512] for base's attention matrices): the optimiser's nodes per shape,
 *   not per tensor (base: 8 buffers for 198 tensors), and the views cut along the first axis, so
 *   each Split or Concat moves whole tensors, never a ragged 1-D run.
 * Adam's moments have the same layout as the parameters.
 */
export type OptimizerLayout = 'flat' | 'per-tensor' | 'stacked';

export const OPTIMIZER_LAYOUTS: readonly OptimizerLayout[] = ['flat', 'per-tensor', 'stacked'];

/** The layout a provider trains with (see OptimizerLayout). */
export function defaultLayout(device: ExecutionProviderName): OptimizerLayout {
  return device === 'cuda' ? 'per-tensor' : 'flat';
}

export interface StateLayout {
  readonly groups: readonly {
    /** The state name of the buffer (`flat.decay`, `flat.plain`, or the parameter's own); moments `m.<name>`, `v.<name>`. */
    readonly name: string;
    /** The buffer's shape: [size] for a flat buffer, the parameter's for one of its own. */
    readonly shape: readonly number[];
    readonly size: number;
    readonly decay: boolean;
    readonly entries: readonly {
      readonly name: string;
      readonly shape: readonly number[];
      readonly offset: number;
      readonly size: number;
    }[];
  }[];
}

/** Where a model's parameters live in the state buffers of `layout`. */
export function stateLayout(cfg: PatchTransformerConfig, layout: OptimizerLayout): StateLayout {
  const specs = paramSpecs(cfg).map((s) => ({ ...s, size: sizeOf(s.shape) }));
  if (layout === 'per-tensor')
    return {
      groups: specs.map((s) => ({
        name: s.name,
        shape: s.shape,
        size: s.size,
        decay: s.decay,
        entries: [{ name: s.name, shape: s.shape, offset: 0, size: s.size }],
      })),
    };
  if (layout === 'stacked') {
    // Groups in the order their first tensor comes, so that the state's order follows the model's.
    const groups = new Map<string, { shape: readonly number[]; decay: boolean; specs: typeof specs }>();
    for (const s of specs) {
      const key = `${s.decay ? 'decay' : 'plain'}.${s.shape.join('x')}`;
      const grp = groups.get(key) ?? { shape: s.shape, decay: s.decay, specs: [] };
      grp.specs.push(s);
      groups.set(key, grp);
    }
    return {
      groups: [...groups].map(([key, grp]) => {
        const size = sizeOf(grp.shape);
        const own = grp.specs.length === 1;
        return {
          name: own ? grp.specs[0]!.name : `stack.${key}`,
          shape: own ? grp.shape : [grp.specs.length, ...grp.shape],
          size: size * grp.specs.length,
          decay: grp.decay,
          entries: grp.specs.map((s, i) => ({ name: s.name, shape: s.shape, offset: i * size, size })),
        };
      }),
    };
  }
  return {
    groups: [true, false].flatMap((decay) => {
      let offset = 0;
      const entries = specs
        .filter((s) => s.decay === decay)
        .map((s) => {
          const e = { name: s.name, shape: s.shape, offset, size: s.size };
          offset += s.size;
          return e;
        });
      return entries.length
        ? [{ name: decay ? 'flat.decay' : 'flat.plain', shape: [offset], size: offset, decay, entries }]
        : [];
    }),
  };
}

/** How a train-step graph is built beyond the model and data: all optional. */
export interface StepOptions {
  readonly opset?: number;
  readonly precision?: Precision;
  /** Default `flat`. */
  readonly layout?: OptimizerLayout;
  /**
   * Seeds batched in one graph (issue 25): every state buffer gets a leading seed axis of this
   * length, `starts` holds each seed's batch one after the other, and loss and grad_norm are per
   * seed. Absent or 0: one model.
   */
  readonly seeds?: number;
}

/**
 * At most this many parts per Split or Concat node: WebGPU's kernels bind every input and output
 * of a node in one shader, and a shader gets 16 storage buffers.
 */
const MAX_PARTS = 15;

/** At most MAX_PARTS consecutive runs of items (a run longer than MAX_PARTS is cut again, one level down). */
function chunks<T>(xs: readonly T[]): T[][] {
  const size = Math.ceil(xs.length / MAX_PARTS);
  return Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));
}

/** A buffer cut along its first axis into parts of `sizes`, in a tree of Splits of at most MAX_PARTS parts. */
function splitFlat(x: Value, sizes: readonly number[], axis = 0): Value[] {
  if (sizes.length === 1) return [x];
  if (sizes.length <= MAX_PARTS) return op.split(x, axis, sizes);
  const groups = chunks(sizes);
  const outer = op.split(
    x,
    axis,
    groups.map((g) => g.reduce((a, b) => a + b, 0)),
  );
  return groups.flatMap((g, i) => splitFlat(outer[i]!, g, axis));
}

/** Parts joined along their first axis in a tree of Concats of at most MAX_PARTS inputs. */
function concatFlat(parts: readonly Value[], axis = 0): Value {
  if (parts.length === 1) return parts[0]!;
  if (parts.length <= MAX_PARTS) return op.concat(parts, axis);
  return concatFlat(
    chunks(parts).map((c) => concatFlat(c, axis)),
    axis,
  );
}

export interface TrainStepGraph {
  readonly model: EmittedModel;
  /** The model's parameter names (paramSpecs order). */
  readonly paramNames: readonly string[];
  /** How they sit in the state buffers the graph takes and returns. */
  readonly layout: StateLayout;
  /** Rows of the data set the graph was built for. */
  readonly rows: number;
  /** Steps one call can take (the K of the K-step form; absent: 1). */
  readonly stepsPerCall?: number;
}

/** Names of the optimizer state beside each parameter (graph inputs, outputs and checkpoint tensors). */
export const stateNames = {
  m: (p: string) => `m.${p}`,
  v: (p: string) => `v.${p}`,
  out: (name: string) => `${name}.out`,
  /** The moment and parameter a state name stands for (null for a parameter's own name). */
  parse: (name: string): { which: 'm' | 'v'; param: string } | null =>
    /^[mv]\./.test(name) ? { which: name[0] as 'm' | 'v', param: name.slice(2) } : null,
};

/** Builds the windows tensor [B, W, C] from start rows: data[starts[b] + t]. */
function gatherWindows(data: Value, starts: Value, width: number): Value {
  const offsets = data.graph.constant(
    Int32Array.from({ length: width }, (_, i) => i),
    [1, width],
    'int32',
  );
  const idx = op.add(op.reshape(starts, [starts.shape[0]!, 1]), offsets);
  return op.gather(data, idx, 0);
}

/** How a precision builds the graph: the dtype of matrix products, and whether the loss is scaled (fp16). */
export function computeOf(precision: Precision): { compute: ComputeDType; lossScaling: boolean } {
  if (precision === 'bf16') return { compute: 'bfloat16', lossScaling: false };
  if (precision === 'fp16') return { compute: 'float16', lossScaling: true };
  // tf32 is fp32 in the graph: the CUDA libraries choose tensor cores for it (runtime/tf32.ts).
  return { compute: 'float32', lossScaling: false };
}

/** Dynamic loss scaling as PyTorch's GradScaler does it by default: start at 2^16, halve on overflow, double after 2000 clean steps. */
export const LOSS_SCALING = { initial: 65536, growthInterval: 2000, growth: 2, backoff: 0.5 } as const;

/** The loss-scaling state carried from step to step (fp16), beside the parameters and moments. */
export const LOSS_SCALE_STATE = ['loss_scale', 'good_steps'] as const;

export function buildTrainStep(
  cfg: PatchTransformerConfig,
  rows: number,
  adam: AdamWConfig,
  options: StepOptions = {},
): TrainStepGraph {
  const { g, outputs, specs, layout } = trainStepIr(cfg, rows, adam, options);
  const model = emitOnnx(g, {
    name: 'stacklab_train_step',
    outputs,
    ...(options.opset ? { opset: options.opset } : {}),
  });
  return { model, paramNames: specs.map((s) => s.name), layout, rows };
}

/** The one-step graph in the IR, with its named outputs (exported for tests and diagnostics). */
export function trainStepIr(cfg: PatchTransformerConfig, rows: number, adam: AdamWConfig, options: StepOptions = {}) {
  // The one place this graph's precision is defaulted (fp32 for callers that name none: tests, benchmarks).
  const { compute, lossScaling } = computeOf(options.precision ?? DEFAULT_PRECISION);
  const seeds = options.seeds ?? 0;
  if (seeds && (!Number.isInteger(seeds) || seeds < 2))
    throw new RangeError(`seeds batched in one graph: 2 or more, got ${seeds}`);
  if (seeds && lossScaling) throw new Error('seeds batched in one graph train in fp32 or bf16, not fp16');
  const g = new Graph();
  const data = g.input('data', 'float32', [rows, cfg.channels]);
  const starts = g.input('starts', 'int32', [(seeds || 1) * cfg.batch]);
  const lr = g.input('lr', 'float32', []);
  const step = g.input('step', 'float32', []);
  const scale = lossScaling ? g.input('loss_scale', 'float32', []) : undefined;
  const good = lossScaling ? g.input('good_steps', 'float32', []) : undefined;
  const specs = paramSpecs(cfg);
  const layout = stateLayout(cfg, options.layout ?? 'flat');
  // The state: per group a buffer of parameters and two of moments. The model reads named views
  // of the parameters (a tree of Splits per flat buffer; a buffer of its own is the parameter),
  // and the optimiser updates whole buffers.
  // A buffer holding exactly one parameter of the same shape is the parameter itself (no nodes).
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const seeded = (shape: readonly number[]) => (seeds ? [seeds, ...shape] : shape);
  const flat = layout.groups.map((grp) => ({
    grp,
    own: grp.entries.length === 1 && same(grp.shape, grp.entries[0]!.shape),
    // A flat buffer [size] is cut into runs of elements; a stacked one [n, ...shape] into rows.
    stacked: grp.shape.length > 1 && grp.entries.every((e) => same(grp.shape.slice(1), e.shape)),
    p: g.input(grp.name, 'float32', seeded(grp.shape)),
    m: g.input(stateNames.m(grp.name), 'float32', seeded(grp.shape)),
    v: g.input(stateNames.v(grp.name), 'float32', seeded(grp.shape)),
  }));
  // With seeds, the buffers' axes (and the views' cuts) move one to the right.
  const axis = seeds ? 1 : 0;
  const params = new Map<string, Value>();
  for (const f of flat) {
    if (f.own) params.set(f.grp.entries[0]!.name, f.p);
    else {
      const parts = splitFlat(
        f.p,
        f.grp.entries.map((e) => (f.stacked ? 1 : e.size)),
        axis,
      );
      f.grp.entries.forEach((e, i) => params.set(e.name, op.reshape(parts[i]!, seeded(e.shape))));
    }
  }

  const tokens = tokensOf(gatherWindows(data, starts, windowLength(cfg)), cfg);
  const pred = forward(tokens, params, cfg, compute, seeds);
  const loss = seeds ? trainingLosses(pred, tokens, cfg, seeds) : trainingLoss(pred, tokens, cfg);
  const views = specs.map((s) => params.get(s.name)!);
  // fp16: the backward pass starts from loss × scale, so that small gradients do not flush to zero in half precision; they are unscaled before the optimiser.
  // Seeds: each seed's loss starts its own gradients (the seeds share no parameter).
  const start = seeds ? g.constant(new Float32Array(seeds).fill(1), [seeds], 'float32') : (scale ?? g.scalar(1));
  const raw = vjp([{ value: loss, grad: start }], views);
  // The gradients of a buffer's views, side by side in one buffer (one Concat).
  const flatGrads = flat.map((f) => {
    const grad = (e: (typeof f.grp.entries)[number]) => raw.get(params.get(e.name)!)!;
    const joined = f.own
      ? grad(f.grp.entries[0]!)
      : concatFlat(
          f.grp.entries.map((e) => op.reshape(grad(e), seeded(f.stacked ? [1, ...e.shape] : [e.size]))),
          axis,
        );
    return scale ? op.mul(joined, op.div(1, scale)) : joined;
  });
  const update = adamwUpdate(
    flat.map((f, i) => ({ param: f.p, grad: flatGrads[i]!, m: f.m, v: f.v, decay: f.grp.decay })),
    lr,
    step,
    adam,
    seeds,
  );

  const outputs: Record<string, Value> = { loss, grad_norm: update.gradNorm, step_out: update.step };
  // An overflow (inf or NaN anywhere in the gradients makes their norm inf or NaN; x·0 is 0 only for finite x) keeps the old state: the step is skipped.
  const finite = scale ? op.equal(op.mul(update.gradNorm, 0), 0) : undefined;
  const keep = (next: Value, old: Value) => (finite ? op.where(finite, next, old) : next);
  flat.forEach((f, i) => {
    outputs[stateNames.out(f.grp.name)] = keep(update.params[i]!, f.p);
    outputs[stateNames.out(stateNames.m(f.grp.name))] = keep(update.m[i]!, f.m);
    outputs[stateNames.out(stateNames.v(f.grp.name))] = keep(update.v[i]!, f.v);
  });
  if (finite && scale && good) {
    outputs.step_out = keep(update.step, step);
    const counted = op.add(good, 1);
    const grow = op.greater(counted, LOSS_SCALING.growthInterval - 0.5);
    outputs['loss_scale.out'] = op.where(
      finite,
      op.where(grow, op.mul(scale, LOSS_SCALING.growth), scale),
      op.mul(scale, LOSS_SCALING.backoff),
    );
    outputs['good_steps.out'] = op.where(finite, op.where(grow, 0, counted), 0);
    outputs.skipped = op.where(finite, g.scalar(0), 1);
  }
  return { g, outputs, specs, layout, lossScaling };
}

/**
 * The K-step form: the one-step graph as the body of an ONNX `Loop`, so that up to K steps run in
 * one call and the state (parameters, Adam moments, step count) stays wherever the provider keeps
 * it between iterations (on CUDA, the GPU: the Node binding would send every input and output
 * through host memory at every call).
 *
 * Inputs:  data [N, C], starts [K, B] int32 (row i: step i's batch), lr [K], trips [] int64 (the
 *          steps to take, 1 to K; rows past it are ignored), step [], then the state as in the
 *          one-step graph.
 * Outputs: the state as in the one-step graph (after the last step), and loss [trips] and
 *          grad_norm [trips] (and skipped [trips] with fp16): every step's (the Loop's scan outputs).
 * Body: every value is renamed `k.<name>` (names unique across the two scopes); it reads `data`
 * from the outer graph and gathers row `iter` of `starts` and `lr`.
 */
export function buildTrainSteps(
  cfg: PatchTransformerConfig,
  rows: number,
  adam: AdamWConfig,
  k: number,
  options: StepOptions = {},
): TrainStepGraph {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`steps per call must be a positive integer, got ${k}`);
  const { g, outputs, specs, layout, lossScaling: scaled } = trainStepIr(cfg, rows, adam, options);
  const buffers = layout.groups.map((grp) => grp.name);
  const scaleState: string[] = scaled ? [...LOSS_SCALE_STATE] : [];
  const carried = ['step', ...scaleState, ...buffers, ...buffers.map(stateNames.m), ...buffers.map(stateNames.v)];
  const model = emitLoop(g, {
    name: 'stacklab_train_steps',
    bodyName: 'stacklab_train_step_body',
    outputs,
    ...(options.opset ? { opset: options.opset } : {}),
    prefix: 'k.',
    shared: ['data'],
    // This iteration's batch and learning rate: row `iter` of the model's [K, …] inputs.
    perIteration: ['starts', 'lr'],
    maxTrips: k,
    trips: 'trips',
    carried: carried.map((n) => [n, n === 'step' ? 'step_out' : stateNames.out(n)] as const),
    scans: ['loss', 'grad_norm', ...(scaled ? ['skipped'] : [])],
  });
  return {
    model,
    paramNames: specs.map((s) => s.name),
    layout,
    rows,
    stepsPerCall: k,
  };
}
