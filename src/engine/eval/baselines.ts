/**
 * Baseline anomaly scorers on the same splits as the trained models: each fits on training rows
 * only and scores every row of a normalised series [rows, channels]. Seeded where random.
 */
import { Rng } from '../random';

export interface Matrix {
  /** Row-major [rows, channels]. */
  readonly data: Float32Array;
  readonly rows: number;
  readonly channels: number;
}

/** Uniform random scores: the chance level every metric should beat. */
export function randomScores(rows: number, seed: number): Float64Array {
  const rng = new Rng(seed, 'baseline:random');
  return Float64Array.from({ length: rows }, () => rng.next());
}

/**
 * Per-channel rolling z-score: |x − mean| / std over the previous `window` rows of the same
 * channel, the largest over channels. Needs no training; the first rows score 0.
 */
export function rollingZScores(m: Matrix, window = 60): Float64Array {
  const out = new Float64Array(m.rows);
  const c = m.channels;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let t = 0; t < m.rows; t++) {
    if (t >= window) {
      let best = 0;
      for (let k = 0; k < c; k++) {
        const mean = sum[k]! / window;
        const sd = Math.sqrt(Math.max(sq[k]! / window - mean * mean, 1e-12));
        best = Math.max(best, Math.abs(m.data[t * c + k]! - mean) / sd);
      }
      out[t] = best;
    }
    for (let k = 0; k < c; k++) {
      const x = m.data[t * c + k]!;
      sum[k]! += x;
      sq[k]! += x * x;
      if (t >= window) {
        const old = m.data[(t - window) * c + k]!;
        sum[k]! -= old;
        sq[k]! -= old * old;
      }
    }
  }
  return out;
}

/** Top principal directions of the training rows (power iteration with deflation), and their mean. */
export function fitPca(train: Matrix, components: number, seed = 1): { mean: Float64Array; basis: Float64Array[] } {
  const c = train.channels;
  const mean = new Float64Array(c);
  for (let t = 0; t < train.rows; t++) for (let k = 0; k < c; k++) mean[k]! += train.data[t * c + k]! / train.rows;
  const cov = new Float64Array(c * c);
  for (let t = 0; t < train.rows; t++) {
    for (let i = 0; i < c; i++) {
      const xi = train.data[t * c + i]! - mean[i]!;
      for (let j = 0; j < c; j++) cov[i * c + j]! += (xi * (train.data[t * c + j]! - mean[j]!)) / train.rows;
    }
  }
  const rng = new Rng(seed, 'baseline:pca');
  const basis: Float64Array[] = [];
  for (let p = 0; p < Math.min(components, c); p++) {
    let v = Float64Array.from({ length: c }, () => rng.normal());
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(c);
      for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) w[i]! += cov[i * c + j]! * v[j]!;
      for (const b of basis) {
        const d = w.reduce((a, x, i) => a + x * b[i]!, 0);
        for (let i = 0; i < c; i++) w[i]! -= d * b[i]!;
      }
      const norm = Math.sqrt(w.reduce((a, x) => a + x * x, 0));
      if (norm < 1e-12) break;
      v = w.map((x) => x / norm);
    }
    basis.push(v);
  }
  return { mean, basis };
}

/** Squared reconstruction error of every row from the PCA fitted on `train` (relations between channels). */
export function pcaScores(
  train: Matrix,
  all: Matrix,
  components = Math.max(1, Math.floor(train.channels / 2)),
  seed = 1,
): Float64Array {
  const { mean, basis } = fitPca(train, components, seed);
  const c = all.channels;
  const out = new Float64Array(all.rows);
  const x = new Float64Array(c);
  for (let t = 0; t < all.rows; t++) {
    for (let k = 0; k < c; k++) x[k] = all.data[t * c + k]! - mean[k]!;
    const r = Float64Array.from(x);
    for (const b of basis) {
      const d = x.reduce((a, v, i) => a + v * b[i]!, 0);
      for (let i = 0; i < c; i++) r[i]! -= d * b[i]!;
    }
    out[t] = r.reduce((a, v) => a + v * v, 0);
  }
  return out;
}

interface IsoNode {
  readonly feature?: number;
  readonly split?: number;
  readonly left?: IsoNode;
  readonly right?: IsoNode;
  readonly size: number;
}

/** Average path length of an unsuccessful search in a binary search tree of n points. */
function cFactor(n: number): number {
  if (n <= 1) return 0;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

/**
 * Isolation Forest (Liu et al. 2008): `trees` random trees on subsamples of `sampleSize`
 * training rows; score 2^(−E[path] / c(sampleSize)), higher = more isolated. Splits are drawn
 * inside the training range, so a value beyond it scores like the range's edge.
 */
export function isolationForestScores(
  train: Matrix,
  all: Matrix,
  options: { trees?: number; sampleSize?: number; seed?: number } = {},
): Float64Array {
  const trees = options.trees ?? 100;
  const psi = Math.min(options.sampleSize ?? 256, train.rows);
  const rng = new Rng(options.seed ?? 1, 'baseline:iforest');
  const c = train.channels;
  const limit = Math.ceil(Math.log2(Math.max(2, psi)));
  const build = (rows: number[], depth: number): IsoNode => {
    if (depth >= limit || rows.length <= 1) return { size: rows.length };
    const feature = rng.int(c);
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of rows) {
      const v = train.data[r * c + feature]!;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (!(hi > lo)) return { size: rows.length };
    const split = lo + rng.next() * (hi - lo);
    const left = rows.filter((r) => train.data[r * c + feature]! < split);
    const right = rows.filter((r) => train.data[r * c + feature]! >= split);
    return { feature, split, left: build(left, depth + 1), right: build(right, depth + 1), size: rows.length };
  };
  const forest: IsoNode[] = [];
  for (let t = 0; t < trees; t++) {
    const sample = Array.from({ length: psi }, () => rng.int(train.rows));
    forest.push(build(sample, 0));
  }
  const out = new Float64Array(all.rows);
  const cn = cFactor(psi);
  for (let t = 0; t < all.rows; t++) {
    let total = 0;
    for (const root of forest) {
      let node = root;
      let depth = 0;
      while (node.feature !== undefined) {
        node = all.data[t * c + node.feature]! < node.split! ? node.left! : node.right!;
        depth++;
      }
      total += depth + cFactor(node.size);
    }
    out[t] = Math.pow(2, -total / trees / cn);
  }
  return out;
}
