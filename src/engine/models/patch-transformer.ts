/**
 * The model: a decoder-only transformer over time patches. One token is one patch of P time
 * steps of all C channels, linearly projected to D; learned or rotary positions; pre-LayerNorm
 * blocks of causal multi-head attention and a GELU MLP; a linear head predicting the next patch;
 * mean-squared error against the actual next patch.
 *
 * With `vocab` set, the same blocks make a token language model (the reasoning lab): a token is
 * one id (one byte by default), embedded by a table lookup; the head gives a logit per id of the
 * vocabulary; the loss is the softmax cross-entropy of the next token. The data are the ids as
 * one channel (channels = patchLen = 1), so sampling, the K-step loop, growth and checkpoints are
 * the forecaster's.
 *
 * Weights are named per layer (`blocks.{l}.…`) so growth operators can move whole blocks.
 */
import type { Initializer, Value } from '../graph/ir';
import * as op from '../graph/ops';
import type { PresetName } from '../../shared/presets';

export interface PatchTransformerConfig {
  /** Width of the residual stream. */
  readonly dModel: number;
  /** Attention heads; dModel must divide by it. */
  readonly heads: number;
  /** Number of transformer blocks (the current depth; growth changes it). */
  readonly layers: number;
  /** Time steps per patch (token). */
  readonly patchLen: number;
  /** Tokens per training window; a window spans seqLen × patchLen time steps. */
  readonly seqLen: number;
  /** MLP hidden width (usually 4 × dModel). */
  readonly mlpHidden: number;
  /** Sensor channels per time step (from the data set). */
  readonly channels: number;
  /** Windows per training batch. */
  readonly batch: number;
  /** 'learned': a trained [seqLen, dModel] table; 'rotary': RoPE on queries and keys. */
  readonly positions: 'learned' | 'rotary';
  /** LayerNorm epsilon. */
  readonly lnEps: number;
  /** Standard deviation of the normal initialisation of weight matrices. */
  readonly initStd: number;
  /** A token language model over this many ids (channels and patchLen 1); absent: a forecaster of patches. */
  readonly vocab?: number;
}

export type { PresetName } from '../../shared/presets';

/** Model shapes without the data-dependent channel count. */
export type PresetConfig = Omit<PatchTransformerConfig, 'channels'>;

export const PRESETS: Readonly<Record<PresetName, PresetConfig>> = {
  // Tests and CI: trains in seconds on the CPU.
  tiny: {
    dModel: 32,
    heads: 2,
    layers: 2,
    patchLen: 4,
    seqLen: 16,
    mlpHidden: 128,
    batch: 8,
    positions: 'learned',
    lnEps: 1e-5,
    initStd: 0.02,
  },
  // A laptop proof of concept (about 1.2 M parameters).
  small: {
    dModel: 128,
    heads: 4,
    layers: 6,
    patchLen: 8,
    seqLen: 64,
    mlpHidden: 512,
    batch: 32,
    positions: 'learned',
    lnEps: 1e-5,
    initStd: 0.02,
  },
  // A GPU workstation (about 38 M parameters).
  base: {
    dModel: 512,
    heads: 8,
    layers: 12,
    patchLen: 16,
    seqLen: 256,
    mlpHidden: 2048,
    batch: 32,
    positions: 'learned',
    lnEps: 1e-5,
    initStd: 0.02,
  },
};

/**
 * The reasoning lab's token models (bytes: a vocabulary of 256): tiny for tests and demos on a
 * CPU, base for a GPU. Growth sets the depth.
 */
export const LAB_PRESETS: Readonly<Record<PresetName, PresetConfig>> = {
  tiny: {
    ...PRESETS.tiny,
    dModel: 64,
    heads: 4,
    layers: 4,
    patchLen: 1,
    seqLen: 256,
    mlpHidden: 256,
    batch: 16,
    vocab: 256,
  },
  // Measured on one H100 (bench/RESULTS.md, "The reasoning lab on one H100"): this width at 8
  // layers (--layers 8; a plan's depth defaults to the sensor preset's 6), 3,000 steps in bf16,
  // learns copying and every assignment depth on the default mix.
  small: {
    ...PRESETS.small,
    dModel: 256,
    heads: 8,
    layers: 6,
    patchLen: 1,
    seqLen: 256,
    mlpHidden: 1024,
    batch: 64,
    vocab: 256,
  },
  base: {
    ...PRESETS.base,
    dModel: 384,
    heads: 6,
    layers: 12,
    patchLen: 1,
    seqLen: 512,
    mlpHidden: 1536,
    batch: 64,
    vocab: 256,
  },
};

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Initializer;
  /** Weight decay applies (matrices and the position table; not biases or norms). */
  readonly decay: boolean;
}

/** Time steps covered by one window. */
export function windowLength(cfg: Pick<PatchTransformerConfig, 'seqLen' | 'patchLen'>): number {
  return cfg.seqLen * cfg.patchLen;
}

export function validateConfig(cfg: PatchTransformerConfig): void {
  const positive = ['dModel', 'heads', 'layers', 'patchLen', 'seqLen', 'mlpHidden', 'channels', 'batch'] as const;
  for (const k of positive) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1)
      throw new Error(`model config: ${k} must be a positive integer, got ${cfg[k]}`);
  }
  if (cfg.dModel % cfg.heads !== 0)
    throw new Error(`model config: dModel ${cfg.dModel} must be divisible by heads ${cfg.heads}`);
  if (cfg.positions === 'rotary' && (cfg.dModel / cfg.heads) % 2 !== 0)
    throw new Error('model config: rotary positions need an even head width');
  if (cfg.vocab !== undefined) {
    if (!Number.isInteger(cfg.vocab) || cfg.vocab < 2 || cfg.vocab > 65536)
      throw new Error(`model config: vocab must be an integer from 2 to 65536, got ${cfg.vocab}`);
    if (cfg.channels !== 1 || cfg.patchLen !== 1)
      throw new Error('model config: a token model reads one id per token (channels and patchLen 1)');
  }
}

const blockParams = (l: number, cfg: PatchTransformerConfig, std: number, residualStd: number): ParamSpec[] => {
  const { dModel: d, mlpHidden: f } = cfg;
  const p = `blocks.${l}`;
  const w = (name: string, shape: number[], s = std): ParamSpec => ({
    name: `${p}.${name}`,
    shape,
    init: { kind: 'normal', std: s },
    decay: true,
  });
  const z = (name: string, n: number): ParamSpec => ({
    name: `${p}.${name}`,
    shape: [n],
    init: { kind: 'zeros' },
    decay: false,
  });
  const o = (name: string, n: number): ParamSpec => ({
    name: `${p}.${name}`,
    shape: [n],
    init: { kind: 'ones' },
    decay: false,
  });
  return [
    o('ln1.g', d),
    z('ln1.b', d),
    w('attn.wq', [d, d]),
    z('attn.bq', d),
    w('attn.wk', [d, d]),
    z('attn.bk', d),
    w('attn.wv', [d, d]),
    z('attn.bv', d),
    w('attn.wo', [d, d], residualStd),
    z('attn.bo', d),
    o('ln2.g', d),
    z('ln2.b', d),
    w('mlp.w1', [d, f]),
    z('mlp.b1', f),
    w('mlp.w2', [f, d], residualStd),
    z('mlp.b2', d),
  ];
};

/** Every parameter of the model, in a fixed order. Residual output projections start smaller (GPT-2). */
export function paramSpecs(cfg: PatchTransformerConfig): ParamSpec[] {
  validateConfig(cfg);
  const { dModel: d, patchLen: p, channels: c, seqLen: s } = cfg;
  const std = cfg.initStd;
  const residualStd = std / Math.sqrt(2 * cfg.layers);
  // A token model looks its embedding up in a [vocab, D] table (no bias); a forecaster projects a patch.
  const specs: ParamSpec[] = cfg.vocab
    ? [{ name: 'embed.w', shape: [cfg.vocab, d], init: { kind: 'normal', std }, decay: true }]
    : [
        { name: 'embed.w', shape: [p * c, d], init: { kind: 'normal', std }, decay: true },
        { name: 'embed.b', shape: [d], init: { kind: 'zeros' }, decay: false },
      ];
  const out = cfg.vocab ?? p * c;
  if (cfg.positions === 'learned')
    specs.push({ name: 'pos', shape: [s, d], init: { kind: 'normal', std }, decay: true });
  for (let l = 0; l < cfg.layers; l++) specs.push(...blockParams(l, cfg, std, residualStd));
  specs.push(
    { name: 'final_ln.g', shape: [d], init: { kind: 'ones' }, decay: false },
    { name: 'final_ln.b', shape: [d], init: { kind: 'zeros' }, decay: false },
    { name: 'head.w', shape: [d, out], init: { kind: 'normal', std }, decay: true },
    { name: 'head.b', shape: [out], init: { kind: 'zeros' }, decay: false },
  );
  return specs;
}

/** The block a parameter belongs to, or null for embedding, positions, final norm and head. */
export function blockOf(paramName: string): number | null {
  const m = /^blocks\.(\d+)\./.exec(paramName);
  return m ? Number(m[1]) : null;
}

/** Declares the parameters in `g` and returns them by name. */
export function declareParams(g: Value['graph'], cfg: PatchTransformerConfig): Map<string, Value> {
  return new Map(paramSpecs(cfg).map((s) => [s.name, g.param(s.name, s.shape, s.init, { decay: s.decay })]));
}

/** A parameter by name, within the scope of the caller (`attn.wq` inside a block, `embed.w` at the top). */
type Params = (name: string) => Value;

/** The dtype matrix products run in: float32, or half precision on tensor cores (mixed precision). */
export type ComputeDType = 'float32' | 'float16' | 'bfloat16';

/** A matrix product: float32 operands cast to the compute dtype and the product back (autocast's rule; master weights stay float32). */
type MatMul = (a: Value, b: Value) => Value;

function matmulIn(compute: ComputeDType): MatMul {
  if (compute === 'float32') return op.matmul;
  return (a, b) => op.cast(op.matmul(op.cast(a, compute), op.cast(b, compute)), 'float32');
}

/**
 * Seeds batched in one graph (issue 25): every parameter has a leading seed axis [S, ...], and
 * the activations hold seed s's windows at rows s·B … (s+1)·B − 1. `seeds` is S, or 0 for one model.
 */
interface Seeds {
  readonly seeds: number;
}

/** x [S·B, ..., k] as [S, rows of one seed, k], and back to x's leading shape with a new last axis. */
function bySeed(x: Value, s: number): { x: Value; back: (y: Value) => Value } {
  const lead = x.shape.slice(0, -1);
  const k = x.shape.at(-1)!;
  const rows = lead.reduce<number>((a, d) => a * (d as number), 1);
  return {
    x: op.reshape(x, [s, rows / s, k]),
    back: (y) => op.reshape(y, [...lead, y.shape.at(-1)!]),
  };
}

/** A per-seed vector [S, n] as [S, 1, n], to broadcast over a seed's rows. */
const perSeedRow = (v: Value) => op.reshape(v, [v.shape[0]!, 1, v.shape.at(-1)!]);

/** x @ w + b, over the last axis of x (with seeds: each seed's rows by its own w and b). */
function linear(x: Value, w: Value, b: Value, mm: MatMul, sd?: Seeds): Value {
  if (!sd?.seeds) return op.add(mm(x, w), b);
  const { x: x3, back } = bySeed(x, sd.seeds);
  return back(op.add(mm(x3, w), perSeedRow(b)));
}

/** LayerNorm over the last axis with the parameters `<name>.g` (scale) and `<name>.b` (bias). */
function layerNorm(x: Value, p: Params, name: string, cfg: PatchTransformerConfig, sd?: Seeds): Value {
  if (!sd?.seeds) return op.layerNorm(x, p(`${name}.g`), p(`${name}.b`), cfg.lnEps);
  // ONNX's LayerNormalization takes one scale for every row: normalise, then each seed's own.
  const d = cfg.dModel;
  const g = x.graph;
  const plain = op.layerNorm(
    x,
    g.constant(new Float32Array(d).fill(1), [d], 'float32'),
    g.constant(new Float32Array(d), [d], 'float32'),
    cfg.lnEps,
  );
  const { x: x3, back } = bySeed(plain, sd.seeds);
  return back(op.add(op.mul(x3, perSeedRow(p(`${name}.g`))), perSeedRow(p(`${name}.b`))));
}

/** Rotary position embedding of x [B, H, S, Dh] (rotate-half convention). */
function rotary(x: Value, cfg: PatchTransformerConfig): Value {
  const dh = cfg.dModel / cfg.heads;
  const half = dh / 2;
  const s = cfg.seqLen;
  const cos = new Float32Array(s * dh);
  const sin = new Float32Array(s * dh);
  for (let t = 0; t < s; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t / Math.pow(10000, (2 * i) / dh);
      for (const j of [i, i + half]) {
        cos[t * dh + j] = Math.cos(angle);
        sin[t * dh + j] = Math.sin(angle);
      }
    }
  }
  const g = x.graph;
  const cosV = g.constant(cos, [s, dh], 'float32');
  const sinV = g.constant(sin, [s, dh], 'float32');
  const x1 = op.slice(x, -1, 0, half);
  const x2 = op.slice(x, -1, half, dh);
  const rotated = op.concat([op.neg(x2), x1], -1);
  return op.add(op.mul(x, cosV), op.mul(rotated, sinV));
}

/** Causal multi-head self-attention of x [B, S, D]; B may be a symbol. */
function attention(x: Value, p: Params, cfg: PatchTransformerConfig, mm: MatMul, sd?: Seeds): Value {
  const { dModel: d, heads, seqLen: s } = cfg;
  const batch = x.shape[0]!;
  const dh = d / heads;
  const splitHeads = (t: Value) => op.transpose(op.reshape(t, [batch, s, heads, dh]), [0, 2, 1, 3]);
  const mergeHeads = (t: Value) => op.reshape(op.transpose(t, [0, 2, 1, 3]), [batch, s, d]);
  let q = splitHeads(linear(x, p('attn.wq'), p('attn.bq'), mm, sd));
  let k = splitHeads(linear(x, p('attn.wk'), p('attn.bk'), mm, sd));
  const v = splitHeads(linear(x, p('attn.wv'), p('attn.bv'), mm, sd));
  if (cfg.positions === 'rotary') {
    q = rotary(q, cfg);
    k = rotary(k, cfg);
  }
  // Scores, mask and softmax stay float32 in every precision (as under PyTorch's autocast).
  const scores = op.causalMask(op.mul(mm(q, op.transposeLast2(k)), 1 / Math.sqrt(dh)));
  return linear(mergeHeads(mm(op.softmax(scores, -1), v)), p('attn.wo'), p('attn.bo'), mm, sd);
}

/** The position-wise MLP, D → mlpHidden → D with the exact GELU between. */
function mlp(x: Value, p: Params, mm: MatMul, sd?: Seeds): Value {
  return linear(op.gelu(linear(x, p('mlp.w1'), p('mlp.b1'), mm, sd)), p('mlp.w2'), p('mlp.b2'), mm, sd);
}

/** A pre-LayerNorm block: attention, then the MLP, each added to the residual stream. */
function block(x: Value, p: Params, cfg: PatchTransformerConfig, mm: MatMul, sd?: Seeds): Value {
  const h = op.add(x, attention(layerNorm(x, p, 'ln1', cfg, sd), p, cfg, mm, sd));
  return op.add(h, mlp(layerNorm(h, p, 'ln2', cfg, sd), p, mm, sd));
}

/**
 * Next-patch predictions [batch, seqLen, patchLen·channels] for tokens of the same shape.
 * `batch` may be a symbol for inference graphs. Matrix products run in `compute`; everything
 * else (norms, softmax, residuals, the loss) in float32. With `seeds` S > 0, every parameter has
 * a leading seed axis and tokens hold S batches one after the other (seed s's at rows s·B …).
 */
export function forward(
  tokens: Value,
  params: ReadonlyMap<string, Value>,
  cfg: PatchTransformerConfig,
  compute: ComputeDType = 'float32',
  seeds = 0,
): Value {
  const sd: Seeds = { seeds };
  const mm = matmulIn(compute);
  const p: Params = (name) => {
    const v = params.get(name);
    if (!v) throw new Error(`missing parameter ${name}`);
    return v;
  };
  let h = cfg.vocab ? embedIds(tokens, p('embed.w'), cfg, seeds) : linear(tokens, p('embed.w'), p('embed.b'), mm, sd);
  if (cfg.positions === 'learned') {
    if (!seeds) h = op.add(h, p('pos'));
    else {
      // [S·B, T, D] as [S, B, T, D] plus each seed's [T, D] table.
      const [rows, t, d] = h.shape as number[];
      const pos = op.reshape(p('pos'), [seeds, 1, t!, d!]);
      h = op.reshape(op.add(op.reshape(h, [seeds, rows! / seeds, t!, d!]), pos), [rows!, t!, d!]);
    }
  }
  for (let l = 0; l < cfg.layers; l++) h = block(h, (name) => p(`blocks.${l}.${name}`), cfg, mm, sd);
  return linear(layerNorm(h, p, 'final_ln', cfg, sd), p('head.w'), p('head.b'), mm, sd);
}

/**
 * A token model's embedding: tokens [B, seqLen, 1] holding ids (as floats) looked up in the
 * [vocab, D] table. With seeds, the tables [S, vocab, D] are one [S·vocab, D] table and seed s's
 * ids are offset by s·vocab.
 */
function embedIds(tokens: Value, table: Value, cfg: PatchTransformerConfig, seeds = 0): Value {
  const rows = tokens.shape[0]!;
  const ids = op.cast(op.reshape(tokens, [rows, cfg.seqLen]), 'int32');
  if (!seeds) return op.gather(table, ids, 0);
  const vocab = cfg.vocab!;
  const per = (rows as number) / seeds;
  const offsets = tokens.graph.constant(
    Int32Array.from({ length: rows as number }, (_, r) => Math.floor(r / per) * vocab),
    [rows as number, 1],
    'int32',
  );
  return op.gather(op.reshape(table, [seeds * vocab, cfg.dModel]), op.add(ids, offsets), 0);
}

/** Windows [B, seqLen·patchLen, C] as tokens [B, seqLen, patchLen·C] (token i = patch i, index p·C + c). */
export function tokensOf(windows: Value, cfg: PatchTransformerConfig): Value {
  return op.reshape(windows, [windows.shape[0]!, cfg.seqLen, cfg.patchLen * cfg.channels]);
}

/**
 * The next-patch error: each token's prediction minus the token that follows it,
 * [B, seqLen - 1, patchLen·C] (the last token has no successor in the window). The training
 * loss, the inference graph's per-patch MSE and the scoring model's residuals all start here.
 */
export function nextPatchResidual(pred: Value, tokens: Value, cfg: PatchTransformerConfig): Value {
  const s = cfg.seqLen;
  return op.sub(op.slice(pred, 1, 0, s - 1), op.slice(tokens, 1, 1, s));
}

/** The training loss: the next-patch error's mean square over windows, tokens and values. */
export function nextPatchLoss(pred: Value, tokens: Value, cfg: PatchTransformerConfig): Value {
  const r = nextPatchResidual(pred, tokens, cfg);
  return op.reduceMean(op.mul(r, r), [0, 1, 2]);
}

/**
 * A token model's next-token negative log-likelihood [B, seqLen − 1] (nats): the softmax
 * cross-entropy of each position's logits [B, seqLen, vocab] against the id that follows it,
 * log Σ exp(z) − z[target], with the target picked by a one-hot product (standard ops only).
 */
export function nextTokenNll(logits: Value, tokens: Value, cfg: PatchTransformerConfig): Value {
  const s = cfg.seqLen;
  const vocab = cfg.vocab!;
  const z = op.slice(logits, 1, 0, s - 1);
  const target = op.cast(op.slice(tokens, 1, 1, s), 'int32');
  const ids = logits.graph.constant(
    Int32Array.from({ length: vocab }, (_, i) => i),
    [1, 1, vocab],
    'int32',
  );
  const picked = op.reduceSum(op.mul(z, op.cast(op.equal(ids, target), z.dtype)), [2]);
  return op.sub(op.reduceLogSumExp(z, [2]), picked);
}

/** The training loss of either kind of model: next-token cross-entropy (token model) or next-patch MSE. */
export function trainingLoss(pred: Value, tokens: Value, cfg: PatchTransformerConfig): Value {
  return cfg.vocab ? op.reduceMean(nextTokenNll(pred, tokens, cfg), [0, 1]) : nextPatchLoss(pred, tokens, cfg);
}

/** Each seed's training loss [S], for S batches one after the other (seed s's windows at rows s·B …). */
export function trainingLosses(pred: Value, tokens: Value, cfg: PatchTransformerConfig, seeds: number): Value {
  const per = cfg.vocab ? nextTokenNll(pred, tokens, cfg) : nextPatchResidual(pred, tokens, cfg);
  const terms = cfg.vocab ? per : op.mul(per, per);
  const n = terms.shape.reduce<number>((a, d) => a * (d as number), 1);
  return op.reduceMean(op.reshape(terms, [seeds, n / seeds]), [1]);
}

/**
 * Multiply-accumulate FLOPs of one forward pass per window (2 per MAC), attention included;
 * a training step costs about 3× this (forward + backward).
 */
export function forwardFlopsPerWindow(cfg: PatchTransformerConfig): number {
  const { dModel: d, seqLen: s, mlpHidden: f, patchLen: p, channels: c, heads } = cfg;
  const dh = d / heads;
  const perLayer = 2 * s * (4 * d * d + 2 * d * f) + 2 * heads * s * s * dh * 2;
  // A token model's embedding is a lookup: only its head multiplies.
  const io = cfg.vocab ? 2 * s * d * cfg.vocab : 2 * s * p * c * d * 2;
  return cfg.layers * perLayer + io;
}
