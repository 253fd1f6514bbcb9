/**
 * Reasoning probes: in-context, zero-shot, multiple-choice items built deterministically from the
 * run's own normal data (the sensor-data analogues of MIDAS's reasoning benchmarks; see
 * shared/MIDAS.md, "The sensor-data analogues").
 *
 * Everything is on the run's normalised matrix. Notation: C channels, P = patchLen, S = seqLen,
 * a window = W = S·P consecutive rows, "patch i" = rows [iP, (i+1)P) of a window.
 *
 * Windows. The pool is the validation window starts whose W rows hold no labelled anomaly (all
 * of them when the data are unlabelled); if that leaves none, the training starts under the same
 * rule. Items draw windows from the pool with replacement.
 *
 * Items. An item is K candidate windows, identical except in their LAST patch (patch S−1). The
 * model's choice is the candidate with the lowest last-patch error, i.e. the inference graph's
 * mse[:, S−2] (next-patch MSE of predicting patch S−1 from patches ≤ S−2). Since attention is
 * causal, the prediction is the same for every candidate: only the target differs.
 *
 * Scoring rule (`scoreItems`): an item counts as right only when the correct candidate's error is
 * finite and strictly below every other candidate's. Ties count as WRONG (no 1/K credit), so a
 * model that cannot tell the candidates apart scores 0 on them, never chance. Accuracy = right /
 * items; chance = mean of 1/K (what a random ranking scores).
 *
 * The probes (items per probe default 64, each drawn with its own Rng(seed, 'probes:<name>'); they
 * depend only on the data, seqLen, patchLen, channels and the seed, so every variant of a
 * comparison is scored on the same items):
 *
 * 1. `copy` (induction), K = 4, chance 1/4; needs S ≥ 8. Take a real window X; choose i in
 *    [1, S−4] and 3 distinct j in [1, S−3] with j ≠ i and j+1 ≠ i. The context is X with patch S−2
 *    overwritten by a copy of patch i. Candidate last patches: X's patch i+1 (correct) and X's
 *    patches j+1 (distractors), all taken from X before the overwrite (for j = S−3 this is X's
 *    real patch S−2, a natural continuation, not a repeat of patch i). Candidate order shuffled.
 * 2. `lookup` (assignment), K = 4, chance 1/4; needs C ≥ 2 and S ≥ 6 (null otherwise). Take a real
 *    window X and a key channel k (drawn per item). Choose 4 distinct positions i_1..i_4 in
 *    [0, S−3]; set channel k of patch i_c, on all its P rows, to code_c, the codes being the levels
 *    −1.5, −0.5, +0.5, +1.5 (normalised units) in shuffled order. Query m drawn in 1..4: every
 *    candidate's last patch has channel k = code_m; candidate c's other channels are those of patch
 *    i_c. Correct = m. A model must match the key and copy the value stored with it.
 * 3. `contextual` (multi-cue contextual anomaly), K = 2, chance 1/2; needs C ≥ 2 and two pool
 *    windows. Take a real window X and a channel j. Among 32 other pool windows Y (distinct starts
 *    ≠ X's; all of them when the pool is smaller), keep those whose other channels in patch S−1 are
 *    farther (L2) from X's than the median of that distance (all of them if none is strictly
 *    farther), and pick the one whose channel j over patches S−2 and S−1 is closest (L2) to X's
 *    (first on ties). Candidates: A = X unchanged (correct) and B = X with channel j of the last
 *    patch replaced by Y's; each channel alone is a real, plausible continuation, the combination
 *    is not. The model is right when error(B) > error(A). The order of A and B is drawn per item.
 *
 * Caveat (measured on the built-in sample, 256 items): smooth series favour "persistence"
 * (predict next patch = current patch) on `copy`, since the right answer (patch i+1) is the real
 * successor of the repeated patch i, and on `contextual`, since B's replaced channel need not join
 * patch S−2 smoothly. Persistence scores about 0.5 (tiny) to 0.85 (small) on copy and 0.55–0.8
 * on contextual, and about chance on lookup; read copy and contextual against that, not only
 * against chance.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../shared/system';
import { windowLength, type PatchTransformerConfig } from '../models/patch-transformer';
import { Rng } from '../random';
import { sessionOptions } from '../runtime/device';
import type { RunData } from '../runs/runner';
import { buildInference } from '../train/inference';

export const PROBES = ['copy', 'lookup', 'contextual'] as const;
export type ProbeName = (typeof PROBES)[number];

export interface ProbeItem {
  /** K candidate windows, each W rows × C channels, row-major: K·W·C values. */
  readonly windows: Float32Array;
  /** K. */
  readonly candidates: number;
  /** Index of the right candidate in [0, K). */
  readonly correct: number;
}

export interface ProbeScore {
  /** Share of items where the correct candidate had the strictly lowest last-patch error. */
  readonly accuracy: number;
  /** What a random ranking scores: the mean of 1/K. */
  readonly chance: number;
  readonly items: number;
}

export interface ProbeOptions {
  /** Items per probe (default 64). */
  readonly items?: number;
}

export const DEFAULT_PROBE_ITEMS = 64;
/** The lookup probe's codes, in normalised units. */
export const LOOKUP_CODES: readonly number[] = [-1.5, -0.5, 0.5, 1.5];
/** Windows the contextual probe searches for its mismatched channel. */
const CONTEXT_SEARCH = 32;
/** Candidates of copy and lookup items. */
const K = 4;

type Shape = { readonly s: number; readonly p: number; readonly c: number };

/** Window starts of the probes' pool: normal validation windows, else normal training windows. */
export function normalWindowStarts(data: RunData, rows: number): Int32Array {
  const labels = data.labels;
  if (!labels) return data.valStarts.length > 0 ? data.valStarts : data.trainStarts;
  const bad = new Int32Array(labels.length + 1);
  for (let r = 0; r < labels.length; r++) bad[r + 1] = bad[r]! + (labels[r] ? 1 : 0);
  const normal = (starts: Int32Array) => starts.filter((s) => bad[Math.min(s + rows, labels.length)]! === bad[s]!);
  const val = normal(data.valStarts);
  return val.length > 0 ? val : normal(data.trainStarts);
}

/** In-place Fisher–Yates shuffle with the given generator. */
function shuffle<T>(a: T[], rng: Rng): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** `count` distinct elements of `from`, in draw order. */
function pick(from: number[], count: number, rng: Rng): number[] {
  const a = [...from];
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(a.length - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, count);
}

const range = (lo: number, hi: number): number[] => Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);

function buildCopy(matrix: Float32Array, pool: Int32Array, sh: Shape, n: number, rng: Rng): ProbeItem[] | null {
  const { s, p, c } = sh;
  if (s < 8) return null;
  const wc = s * p * c;
  const pc = p * c;
  const items: ProbeItem[] = [];
  for (let it = 0; it < n; it++) {
    const start = pool[rng.int(pool.length)]!;
    const x = matrix.subarray(start * c, start * c + wc);
    const i = 1 + rng.int(s - 4);
    const js = pick(range(1, s - 3).filter((j) => j !== i && j + 1 !== i), K - 1, rng);
    const sources = shuffle([i, ...js], rng);
    const context = x.slice();
    context.set(x.subarray(i * pc, (i + 1) * pc), (s - 2) * pc);
    const windows = new Float32Array(K * wc);
    sources.forEach((src, k) => {
      windows.set(context, k * wc);
      windows.set(x.subarray((src + 1) * pc, (src + 2) * pc), k * wc + (s - 1) * pc);
    });
    items.push({ windows, candidates: K, correct: sources.indexOf(i) });
  }
  return items;
}

function buildLookup(matrix: Float32Array, pool: Int32Array, sh: Shape, n: number, rng: Rng): ProbeItem[] | null {
  const { s, p, c } = sh;
  if (c < 2 || s < 6) return null;
  const wc = s * p * c;
  const pc = p * c;
  const items: ProbeItem[] = [];
  for (let it = 0; it < n; it++) {
    const start = pool[rng.int(pool.length)]!;
    const context = matrix.slice(start * c, start * c + wc);
    const key = rng.int(c);
    const positions = pick(range(0, s - 3), K, rng);
    const codes = shuffle([...LOOKUP_CODES], rng);
    const m = rng.int(K);
    positions.forEach((pos, q) => {
      for (let r = 0; r < p; r++) context[(pos * p + r) * c + key] = codes[q]!;
    });
    const windows = new Float32Array(K * wc);
    positions.forEach((pos, q) => {
      windows.set(context, q * wc);
      const last = q * wc + (s - 1) * pc;
      for (let r = 0; r < p; r++) {
        for (let ch = 0; ch < c; ch++) windows[last + r * c + ch] = ch === key ? codes[m]! : context[(pos * p + r) * c + ch]!;
      }
    });
    items.push({ windows, candidates: K, correct: m });
  }
  return items;
}

function buildContextual(matrix: Float32Array, pool: Int32Array, sh: Shape, n: number, rng: Rng): ProbeItem[] | null {
  const { s, p, c } = sh;
  if (c < 2 || pool.length < 2) return null;
  const wc = s * p * c;
  const pc = p * c;
  const items: ProbeItem[] = [];
  for (let it = 0; it < n; it++) {
    const xi = rng.int(pool.length);
    const x = pool[xi]!;
    const j = rng.int(c);
    const want = Math.min(CONTEXT_SEARCH, pool.length - 1);
    const chosen = new Set<number>();
    const others: number[] = [];
    if (want === pool.length - 1) {
      for (let q = 0; q < pool.length; q++) if (q !== xi) others.push(q);
    } else {
      while (others.length < want) {
        const q = rng.int(pool.length);
        if (q === xi || chosen.has(q)) continue;
        chosen.add(q);
        others.push(q);
      }
    }
    // Squared distances (same order as L2): channel j over the last two patches, the other channels over the last.
    const dj: number[] = [];
    const dOther: number[] = [];
    for (const q of others) {
      const y = pool[q]!;
      let a = 0;
      let b = 0;
      for (let r = (s - 2) * p; r < s * p; r++) {
        for (let ch = 0; ch < c; ch++) {
          const d = matrix[(x + r) * c + ch]! - matrix[(y + r) * c + ch]!;
          if (ch === j) a += d * d;
          else if (r >= (s - 1) * p) b += d * d;
        }
      }
      dj.push(a);
      dOther.push(b);
    }
    const sorted = [...dOther].sort((u, v) => u - v);
    const h = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
    let eligible = others.map((_, q) => q).filter((q) => dOther[q]! > median);
    if (eligible.length === 0) eligible = others.map((_, q) => q);
    let best = eligible[0]!;
    for (const q of eligible) if (dj[q]! < dj[best]!) best = q;
    const y = pool[others[best]!]!;
    const correct = rng.int(2);
    const windows = new Float32Array(2 * wc);
    const real = matrix.subarray(x * c, x * c + wc);
    windows.set(real, 0);
    windows.set(real, wc);
    const b = (1 - correct) * wc + (s - 1) * pc;
    for (let r = 0; r < p; r++) windows[b + r * c + j] = matrix[(y + (s - 1) * p + r) * c + j]!;
    items.push({ windows, candidates: 2, correct });
  }
  return items;
}

/**
 * The probe items of a run (pure and deterministic in the data, seqLen, patchLen, channels and
 * seed). A probe is null when the shape or the data cannot support it (see the header).
 */
export function buildProbes(data: RunData, cfg: PatchTransformerConfig, seed: number, options: ProbeOptions = {}): Record<ProbeName, ProbeItem[] | null> {
  const n = options.items ?? DEFAULT_PROBE_ITEMS;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`probes: items must be a positive integer, got ${n}`);
  const sh: Shape = { s: cfg.seqLen, p: cfg.patchLen, c: cfg.channels };
  if (data.matrix.length % sh.c !== 0) throw new RangeError(`probes: the matrix (${data.matrix.length} values) does not hold rows of ${sh.c} channels`);
  const pool = normalWindowStarts(data, windowLength(cfg));
  const builders: Record<ProbeName, typeof buildCopy> = { copy: buildCopy, lookup: buildLookup, contextual: buildContextual };
  const out = {} as Record<ProbeName, ProbeItem[] | null>;
  for (const name of PROBES) out[name] = pool.length === 0 ? null : builders[name](data.matrix, pool, sh, n, new Rng(seed, `probes:${name}`));
  return out;
}

/**
 * Scores items with a last-patch error function, which receives `count` windows (count·W·C
 * values, W·C per window) and returns their `count` errors. Windows are passed item by item and,
 * within an item, candidate by candidate, in batches of whole items of at most `batch` windows
 * (default 256; an item larger than that goes alone). Ties count as wrong (see the header).
 */
export async function scoreItems(
  items: readonly ProbeItem[],
  lastPatchErrors: (windows: Float32Array, count: number) => Promise<Float32Array>,
  options: { readonly batch?: number } = {},
): Promise<ProbeScore> {
  if (items.length === 0) throw new RangeError('probes: no items to score');
  const limit = options.batch ?? 256;
  let right = 0;
  let chance = 0;
  for (let i = 0; i < items.length; ) {
    let windows = 0;
    let j = i;
    while (j < items.length && (j === i || windows + items[j]!.candidates <= limit)) windows += items[j++]!.candidates;
    const batch = items.slice(i, j);
    const x = new Float32Array(batch.reduce((a, it) => a + it.windows.length, 0));
    let at = 0;
    for (const it of batch) {
      x.set(it.windows, at);
      at += it.windows.length;
    }
    const errors = await lastPatchErrors(x, windows);
    if (errors.length < windows) throw new Error(`probes: the error function returned ${errors.length} errors for ${windows} windows`);
    let k = 0;
    for (const it of batch) {
      const e = errors.subarray(k, k + it.candidates);
      const mine = e[it.correct]!;
      if (Number.isFinite(mine) && e.every((v, c) => c === it.correct || mine < v)) right++;
      chance += 1 / it.candidates;
      k += it.candidates;
    }
    i = j;
  }
  return { accuracy: right / items.length, chance: chance / items.length, items: items.length };
}

/**
 * Builds the probes and scores them with the model: one inference session for all three, released
 * at the end. A probe is null where `buildProbes` gives null.
 */
export async function scoreProbes(
  cfg: PatchTransformerConfig,
  params: ReadonlyMap<string, Float32Array>,
  data: RunData,
  device: ExecutionProviderName,
  seed: number,
  options: ProbeOptions & { readonly batch?: number } = {},
): Promise<Record<ProbeName, ProbeScore | null>> {
  const probes = buildProbes(data, cfg, seed, options);
  const out = { copy: null, lookup: null, contextual: null } as Record<ProbeName, ProbeScore | null>;
  if (PROBES.every((name) => probes[name] === null)) return out;
  const w = windowLength(cfg);
  const s = cfg.seqLen;
  const session = await ort.InferenceSession.create(buildInference(cfg, params).bytes, sessionOptions(device));
  try {
    const errors = async (windows: Float32Array, count: number) => {
      const result = await session.run({ windows: new ort.Tensor('float32', windows, [count, w, cfg.channels]) });
      const mse = result.mse!.data as Float32Array;
      return Float32Array.from({ length: count }, (_, b) => mse[b * (s - 1) + s - 2]!);
    };
    for (const name of PROBES) {
      const items = probes[name];
      out[name] = items ? await scoreItems(items, errors, options.batch !== undefined ? { batch: options.batch } : {}) : null;
    }
    return out;
  } finally {
    await session.release();
  }
}
