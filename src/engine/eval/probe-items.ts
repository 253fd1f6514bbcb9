/**
 * Reasoning probes: in-context, zero-shot, multiple-choice items built deterministically from the
 * run's own normal data: the sensor-data analogues of the reasoning benchmarks of the MIDAS
 * paper (copying, lookup, multi-cue context), translated to sensor windows.
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
 * 1. `copy` (induction), K = 4, chance 1/4; needs S ≥ 8. Take a real window X and a cue position
 *    i in [1, S−4]. The allowed distractor positions are j in [1, S−3] with j ≠ i and j+1 ≠ i; the
 *    item takes the K−1 = 3 with the lowest cost
 *        ‖patch j − patch i‖² + Σ over the rows r of patch j+1 of ‖row r − last row of patch i‖²
 *    (squared L2 over all channels; lowest j first on ties; a j whose patch j+1 equals patch i+1
 *    value for value goes last), i.e. patches that look like the cue AND whose continuation starts
 *    where the cue ends, so every candidate is a plausible continuation of the cue and only
 *    recalling where the cue occurred identifies the right one. The (X, i) pair is the best of
 *    COPY_DRAWS = 4 draws: the one whose third distractor has the lowest cost (first on ties).
 *    The context is X with patch S−2 overwritten by a copy of patch i. Candidate last patches: X's
 *    patch i+1 (correct) and X's patches j+1 (distractors), all taken from X before the overwrite
 *    (for j = S−3 this is X's real patch S−2). Candidate order shuffled.
 * 2. `lookup` (assignment), K = 4, chance 1/4; needs C ≥ 2 and S ≥ 6 (null otherwise). Take a real
 *    window X and a key channel k (drawn per item). Choose 4 distinct positions i_1..i_4 in
 *    [0, S−3]; set channel k of patch i_c, on all its P rows, to code_c, the codes being the levels
 *    −1.5, −0.5, +0.5, +1.5 (normalised units) in shuffled order. Query m drawn in 1..4: every
 *    candidate's last patch has channel k = code_m; candidate c's other channels are those of patch
 *    i_c. Correct = m. A model must match the key and copy the value stored with it.
 * 3. `contextual` (multi-cue contextual anomaly), K = 2, chance 1/2; needs C ≥ 2 and two pool
 *    windows. A draw takes a real window X, a channel j and CONTEXT_SEARCH = 256 other pool
 *    windows Y (distinct starts ≠ X's; all of them when the pool is smaller). It keeps the Y whose
 *    other channels in patch S−1 are farther (L2) from X's than the median of that distance (all
 *    of them if none is strictly farther), drops those whose channel j over patch S−1 equals X's
 *    value for value, and picks the one with the lowest cost (first on ties)
 *        (1/P)·Σ_r (Y_j[r] − X_j[r])²  +  (|Y_j[r0] − X_j[r0 − 1]| − |X_j[r0] − X_j[r0 − 1]|)²
 *    (r over the rows of patch S−1, r0 its first row): channel j stays close to X's over the last
 *    patch, and its jump at the join from X's patch S−2 is as large as X's own jump there. The
 *    item keeps the best of CONTEXT_DRAWS = 8 such draws (lowest cost, first on ties; a draw
 *    where every searched Y was dropped does not count). Candidates: A = X unchanged (correct) and
 *    B = X with channel j of the last patch replaced by Y's; each channel alone is a real,
 *    plausible continuation that joins patch S−2 as smoothly as A does, the combination is not.
 *    The model is right when error(B) > error(A). The order of A and B is drawn per item.
 *
 * Persistence reference (`persistenceErrors`, reported as `ProbeScore.persistence`): the accuracy,
 * on the same items, of the naive predictor "every row of the last patch equals the last row of
 * patch S−2" (error = MSE over the last patch). A model that merely learned smoothness scores
 * about that; read a probe's accuracy against it as well as against chance. Measured on the
 * built-in sample (256 items, seed 1; sample 3000 rows tiny / 20160 rows tiny / 20160 rows small):
 * persistence scores 0.26 / 0.22 / 0.30 on copy (chance 0.25), 0.25 / 0.23 / 0.25 on lookup
 * (0.25) and 0.47 / 0.50 / 0.55 on contextual (0.5); with one random draw per item and the
 * distractors chosen on continuity-blind criteria it scored up to 0.84 on copy and 0.81 on
 * contextual.
 */
import { windowLength, type PatchTransformerConfig } from '../models/patch-transformer';
import { Rng } from '../random';
import type { RunData } from '../data/prepared';

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

export interface ProbeOptions {
  /** Items per probe (default 64). */
  readonly items?: number;
}

export const DEFAULT_PROBE_ITEMS = 64;
/** The lookup probe's codes, in normalised units. */
export const LOOKUP_CODES: readonly number[] = [-1.5, -0.5, 0.5, 1.5];
/** Windows the contextual probe searches, per draw, for its mismatched channel. */
const CONTEXT_SEARCH = 256;
/** (window, channel) draws per contextual item; the item keeps the best-matched one. */
const CONTEXT_DRAWS = 8;
/** (window, cue) draws per copy item; the item keeps the one with the closest distractors. */
const COPY_DRAWS = 4;
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

/** Squared L2 distance of two equally long arrays. */
function sqDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let k = 0; k < a.length; k++) d += (a[k]! - b[k]!) ** 2;
  return d;
}

const range = (lo: number, hi: number): number[] => Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);

/**
 * The copy distractors for cue position i of window x: the K−1 allowed positions j (in [1, S−3],
 * j ≠ i, j+1 ≠ i) with the lowest cost (patch j against the cue) + (patch j+1 against the cue's
 * last row), lowest index first on ties; a j whose patch j+1 equals patch i+1 value for value goes
 * last. Returns them with the cost of the worst one (Infinity when one had to be such a copy).
 */
function copyDistractors(x: Float32Array, i: number, sh: Shape, count = K - 1): { js: number[]; cost: number } {
  const { s, p, c } = sh;
  const pc = p * c;
  const cue = x.subarray(i * pc, (i + 1) * pc);
  const answer = x.subarray((i + 1) * pc, (i + 2) * pc);
  const end = cue.subarray(pc - c);
  const ranked = range(1, s - 3)
    .filter((j) => j !== i && j + 1 !== i)
    .map((j) => {
      const next = x.subarray((j + 1) * pc, (j + 2) * pc);
      let cost = sqDistance(x.subarray(j * pc, (j + 1) * pc), cue);
      for (let r = 0; r < p; r++) cost += sqDistance(next.subarray(r * c, (r + 1) * c), end);
      return { j, cost: next.every((v, k) => v === answer[k]) ? Infinity : cost };
    })
    .sort((u, v) => u.cost - v.cost || u.j - v.j)
    .slice(0, count);
  return { js: ranked.map((e) => e.j), cost: ranked[ranked.length - 1]!.cost };
}

function buildCopy(matrix: Float32Array, pool: Int32Array, sh: Shape, n: number, rng: Rng, k = K): ProbeItem[] | null {
  const { s, p, c } = sh;
  // Distractor positions: [1, S−3] less the cue's and the one before it.
  if (s < 8 || k - 1 > s - 5) return null;
  const wc = s * p * c;
  const pc = p * c;
  const items: ProbeItem[] = [];
  for (let it = 0; it < n; it++) {
    let best: { x: Float32Array; i: number; js: number[]; cost: number } | null = null;
    for (let draw = 0; draw < COPY_DRAWS; draw++) {
      const start = pool[rng.int(pool.length)]!;
      const x = matrix.subarray(start * c, start * c + wc);
      const i = 1 + rng.int(s - 4);
      const d = copyDistractors(x, i, sh, k - 1);
      if (!best || d.cost < best.cost) best = { x, i, ...d };
    }
    const { x, i, js } = best!;
    const sources = shuffle([i, ...js], rng);
    const context = x.slice();
    context.set(x.subarray(i * pc, (i + 1) * pc), (s - 2) * pc);
    const windows = new Float32Array(k * wc);
    sources.forEach((src, at) => {
      windows.set(context, at * wc);
      windows.set(x.subarray((src + 1) * pc, (src + 2) * pc), at * wc + (s - 1) * pc);
    });
    items.push({ windows, candidates: k, correct: sources.indexOf(i) });
  }
  return items;
}

/** k lookup codes: LOOKUP_CODES for 4, else k levels evenly from −1.5 to +1.5 (normalised units). */
const lookupCodes = (k: number): number[] =>
  k === LOOKUP_CODES.length ? [...LOOKUP_CODES] : Array.from({ length: k }, (_, i) => -1.5 + (3 * i) / (k - 1));

function buildLookup(
  matrix: Float32Array,
  pool: Int32Array,
  sh: Shape,
  n: number,
  rng: Rng,
  k = K,
): ProbeItem[] | null {
  const { s, p, c } = sh;
  // k keyed patches among positions [0, S−3].
  if (c < 2 || s < 6 || k > s - 2) return null;
  const wc = s * p * c;
  const pc = p * c;
  const items: ProbeItem[] = [];
  for (let it = 0; it < n; it++) {
    const start = pool[rng.int(pool.length)]!;
    const context = matrix.slice(start * c, start * c + wc);
    const key = rng.int(c);
    const positions = pick(range(0, s - 3), k, rng);
    const codes = shuffle(lookupCodes(k), rng);
    const m = rng.int(k);
    positions.forEach((pos, q) => {
      for (let r = 0; r < p; r++) context[(pos * p + r) * c + key] = codes[q]!;
    });
    const windows = new Float32Array(k * wc);
    positions.forEach((pos, q) => {
      windows.set(context, q * wc);
      const last = q * wc + (s - 1) * pc;
      for (let r = 0; r < p; r++) {
        for (let ch = 0; ch < c; ch++)
          windows[last + r * c + ch] = ch === key ? codes[m]! : context[(pos * p + r) * c + ch]!;
      }
    });
    items.push({ windows, candidates: k, correct: m });
  }
  return items;
}

/**
 * One contextual draw: window x (a pool index), channel j, and the pool window y that replaces
 * channel j of x's last patch, with its cost (see the header); null when every searched window
 * has x's very values there.
 */
function contextualDraw(
  matrix: Float32Array,
  pool: Int32Array,
  sh: Shape,
  rng: Rng,
): { x: number; y: number; j: number; cost: number } | null {
  const { s, p, c } = sh;
  const xi = rng.int(pool.length);
  const x = pool[xi]!;
  const j = rng.int(c);
  const want = Math.min(CONTEXT_SEARCH, pool.length - 1);
  const others: number[] = [];
  if (want === pool.length - 1) {
    for (let q = 0; q < pool.length; q++) if (q !== xi) others.push(q);
  } else {
    const chosen = new Set<number>();
    while (others.length < want) {
      const q = rng.int(pool.length);
      if (q === xi || chosen.has(q)) continue;
      chosen.add(q);
      others.push(q);
    }
  }
  const last = (s - 1) * p;
  // Squared L2 distance of the other channels over the last patch (same order as L2).
  const dOther = others.map((q) => {
    const y = pool[q]!;
    let d = 0;
    for (let r = last; r < s * p; r++)
      for (let ch = 0; ch < c; ch++) if (ch !== j) d += (matrix[(x + r) * c + ch]! - matrix[(y + r) * c + ch]!) ** 2;
    return d;
  });
  const sorted = [...dOther].sort((u, v) => u - v);
  const h = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
  let eligible = others.map((_, q) => q).filter((q) => dOther[q]! > median);
  if (eligible.length === 0) eligible = others.map((_, q) => q);
  const xj = (r: number) => matrix[(x + r) * c + j]!;
  const join = xj(last - 1);
  const ownJump = Math.abs(xj(last) - join);
  let best: { y: number; cost: number } | null = null;
  for (const q of eligible) {
    const y = pool[others[q]!]!;
    let dist = 0;
    for (let r = last; r < s * p; r++) dist += (matrix[(y + r) * c + j]! - xj(r)) ** 2;
    if (dist === 0) continue;
    const cost = dist / p + (Math.abs(matrix[(y + last) * c + j]! - join) - ownJump) ** 2;
    if (!best || cost < best.cost) best = { y, cost };
  }
  return best && { x, y: best.y, j, cost: best.cost };
}

function buildContextual(matrix: Float32Array, pool: Int32Array, sh: Shape, n: number, rng: Rng): ProbeItem[] | null {
  const { s, p, c } = sh;
  if (c < 2 || pool.length < 2) return null;
  const wc = s * p * c;
  const pc = p * c;
  const items: ProbeItem[] = [];
  for (let it = 0; it < n; it++) {
    let best: { x: number; y: number; j: number; cost: number } | null = null;
    // Draws where every searched window repeats x's channel j do not count; after 4·CONTEXT_DRAWS
    // such draws the item repeats the first pool window unchanged (a degenerate item no one can answer).
    for (let draw = 0, tries = 0; draw < CONTEXT_DRAWS; tries++) {
      const d = contextualDraw(matrix, pool, sh, rng);
      if (d) draw++;
      else if (tries >= 4 * CONTEXT_DRAWS) break;
      if (d && (!best || d.cost < best.cost)) best = d;
    }
    const x = best?.x ?? pool[0]!;
    const y = best?.y ?? x;
    const j = best?.j ?? 0;
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
export function buildProbes(
  data: RunData,
  cfg: PatchTransformerConfig,
  seed: number,
  options: ProbeOptions = {},
): Record<ProbeName, ProbeItem[] | null> {
  const n = options.items ?? DEFAULT_PROBE_ITEMS;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`probes: items must be a positive integer, got ${n}`);
  const sh: Shape = { s: cfg.seqLen, p: cfg.patchLen, c: cfg.channels };
  if (data.matrix.length % sh.c !== 0)
    throw new RangeError(`probes: the matrix (${data.matrix.length} values) does not hold rows of ${sh.c} channels`);
  const pool = normalWindowStarts(data, windowLength(cfg));
  const builders: Record<ProbeName, typeof buildCopy> = {
    copy: buildCopy,
    lookup: buildLookup,
    contextual: buildContextual,
  };
  const out = {} as Record<ProbeName, ProbeItem[] | null>;
  for (const name of PROBES)
    out[name] = pool.length === 0 ? null : builders[name](data.matrix, pool, sh, n, new Rng(seed, `probes:${name}`));
  return out;
}

/**
 * Whether the data reward recalling at all (why the copy probe may stay blind): on `n` normal
 * windows (drawn with Rng(seed, 'probes:recall')), the share where the patch that followed the
 * earlier patch most like patch S−2 predicts patch S−1 better (lower squared error) than holding
 * patch S−2's last row. Well below one half, a forecaster pretrained on these data gains nothing
 * by recalling, so none learns it. Null where the copy probe is (S < 8, or no normal window).
 */
export function recallShare(data: RunData, cfg: PatchTransformerConfig, seed: number, n = 256): number | null {
  const sh: Shape = { s: cfg.seqLen, p: cfg.patchLen, c: cfg.channels };
  const { s, p, c } = sh;
  const pool = normalWindowStarts(data, windowLength(cfg));
  if (s < 8 || pool.length === 0) return null;
  const pc = p * c;
  const rng = new Rng(seed, 'probes:recall');
  let wins = 0;
  for (let k = 0; k < n; k++) {
    const start = pool[rng.int(pool.length)]!;
    const x = data.matrix.subarray(start * c, start * c + s * pc);
    const cue = x.subarray((s - 2) * pc, (s - 1) * pc);
    const target = x.subarray((s - 1) * pc, s * pc);
    let best = 0;
    let bestD = Infinity;
    for (let j = 0; j <= s - 4; j++) {
      const d = sqDistance(x.subarray(j * pc, (j + 1) * pc), cue);
      if (d < bestD) [best, bestD] = [j, d];
    }
    const recalled = sqDistance(x.subarray((best + 1) * pc, (best + 2) * pc), target);
    let held = 0;
    for (let r = 0; r < p; r++) held += sqDistance(target.subarray(r * c, (r + 1) * c), cue.subarray(pc - c));
    if (recalled < held) wins++;
  }
  return wins / n;
}

/**
 * The difficulty ladders: copying with 1, 3 and 7 lookalike distractors (the closest first), and
 * lookup with 2, 4 and 8 keyed patches (1, 3, 7 wrong keys); chance 1/2, 1/4, 1/8.
 */
export const LADDER_PROBES = ['copy', 'lookup'] as const;
export type LadderProbe = (typeof LADDER_PROBES)[number];
export const LADDER_DISTRACTORS = [1, 3, 7] as const;

/**
 * A probe at one rung of its ladder: `distractors` wrong candidates beside the right one (built
 * as the probe is, from Rng(seed, 'probes:<probe>-ladder-<d>')). Null where the window or the
 * channels cannot hold that many (see buildCopy, buildLookup) or there is no normal window.
 */
export function buildRung(
  probe: LadderProbe,
  data: RunData,
  cfg: PatchTransformerConfig,
  seed: number,
  distractors: number,
  n = DEFAULT_PROBE_ITEMS,
): ProbeItem[] | null {
  const sh: Shape = { s: cfg.seqLen, p: cfg.patchLen, c: cfg.channels };
  const pool = normalWindowStarts(data, windowLength(cfg));
  if (pool.length === 0) return null;
  const build = probe === 'copy' ? buildCopy : buildLookup;
  return build(data.matrix, pool, sh, n, new Rng(seed, `probes:${probe}-ladder-${distractors}`), distractors + 1);
}
