/** From an imported data set to a run's data: split by time, normalised, windows per split. */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DataFitness } from '../../shared/profile';
import type { Dataset } from './dataset';
import { checkFitness, UnfitDataError } from './fitness';
import { normalizedMatrix, splitByTime, windowStarts, type SplitOptions, type Splits } from './split';

/** The prepared data of a run: one normalised matrix and the window starts of each split. */
export interface RunData {
  readonly matrix: Float32Array;
  readonly trainStarts: Int32Array;
  readonly valStarts: Int32Array;
  /** 0/1 per matrix row, when the data are labelled: the run is then evaluated at its end. */
  readonly labels?: Uint8Array | null;
  /** The split, in matrix rows (`series`: the index of the series a segment lies in, 0 when absent). */
  readonly segments?: readonly {
    readonly series?: number;
    readonly start: number;
    readonly end: number;
    readonly role: 'train' | 'val' | 'test';
  }[];
  /** Each series' rows in the matrix (one series when absent). */
  readonly series?: readonly { readonly name: string; readonly start: number; readonly end: number }[];
}

export interface PreparedData extends RunData {
  readonly splits: Splits;
  /** What the fitness checks found for this split and window (warnings only: errors refuse). */
  readonly fitness: DataFitness;
  /** sha256 of the normalised training matrix and the split, first 16 hex digits. */
  readonly fingerprint: string;
}

/**
 * One matrix of all series (each normalised with its statistics), window starts offset into it.
 * Data unfit for a comparison with this split and window fail here (UnfitDataError), before any window is built.
 */
export function prepareRunData(ds: Dataset, windowRows: number, options: SplitOptions = {}): PreparedData {
  const splits = splitByTime(ds, options);
  const fitness = checkFitness(ds, splits.segments, splits.strategy, windowRows);
  if (fitness.findings.some((f) => f.level === 'error')) throw new UnfitDataError(fitness);
  const c = ds.channels.length;
  const offsets: number[] = [];
  let rows = 0;
  for (const s of ds.series) {
    offsets.push(rows);
    rows += s.rows;
  }
  const matrix = new Float32Array(rows * c);
  ds.series.forEach((_, i) => matrix.set(normalizedMatrix(ds, i, splits.normalization.series[i]!), offsets[i]! * c));
  const starts = (role: 'train' | 'val') => {
    const out: number[] = [];
    for (const g of splits.segments.filter((x) => x.role === role))
      for (const s of windowStarts(ds, g, windowRows)) out.push(s + offsets[g.series]!);
    return Int32Array.from(out);
  };
  const trainStarts = starts('train');
  const valStarts = starts('val');
  if (trainStarts.length === 0) {
    throw new Error(
      `no training window of ${windowRows} rows fits in the training part of the data (${splits.strategy}); use a smaller preset, more training rows or more data`,
    );
  }
  const labelled = ds.series.some((s) => s.label);
  const labels = labelled ? new Uint8Array(rows) : null;
  if (labels) ds.series.forEach((s, i) => s.label && labels.set(s.label, offsets[i]!));
  const segments = splits.segments.map((g) => ({
    series: g.series,
    start: g.start + offsets[g.series]!,
    end: g.end + offsets[g.series]!,
    role: g.role,
  }));
  const series = ds.series.map((s, i) => ({
    name: path.basename(s.path),
    start: offsets[i]!,
    end: offsets[i]! + s.rows,
  }));
  const hash = createHash('sha256');
  hash.update(new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength));
  hash.update(JSON.stringify(splits.segments));
  return {
    matrix,
    trainStarts,
    valStarts,
    labels,
    segments,
    series,
    splits,
    fitness,
    fingerprint: hash.digest('hex').slice(0, 16),
  };
}

/** The normalisation as config.json records it (numbers rounded to what float32 data can use). */
export function normalizationRecord(ds: Dataset, splits: Splits): RunNormalization {
  const n = splits.normalization;
  const list = (a: Float64Array) => [...a];
  return {
    mode: n.mode,
    description: n.description,
    mean: list(n.pooled.mean),
    std: list(n.pooled.std),
    ...(n.mode === 'per-series'
      ? {
          series: n.series.map((s, i) => ({
            name: path.basename(ds.series[i]!.path),
            own: s.own,
            rows: s.rows,
            mean: list(s.mean),
            std: list(s.std),
          })),
        }
      : {}),
  };
}

/** config.json's `data.normalization`: the pooled statistics, and each series' when per series. */
export interface RunNormalization {
  readonly mode: 'per-series' | 'pooled';
  readonly description: string;
  /** Pooled over all training rows. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly series?: readonly {
    readonly name: string;
    readonly own: boolean;
    readonly rows: number;
    readonly mean: readonly number[];
    readonly std: readonly number[];
  }[];
}
