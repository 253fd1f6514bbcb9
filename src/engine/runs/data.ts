/** From an imported data set to a run's data: split by time, normalised, windows per split. */
import { createHash } from 'node:crypto';
import type { Dataset } from '../data/dataset';
import { normalizedMatrix, splitByTime, windowStarts, type SplitOptions, type Splits } from '../data/split';
import type { RunData } from './runner';

export interface PreparedData extends RunData {
  readonly splits: Splits;
  /** sha256 of the normalised training matrix and the split, first 16 hex digits. */
  readonly fingerprint: string;
}

/** One matrix of all series (each normalised with the training statistics), window starts offset into it. */
export function prepareRunData(ds: Dataset, windowRows: number, options: SplitOptions = {}): PreparedData {
  const splits = splitByTime(ds, options);
  const c = ds.channels.length;
  const offsets: number[] = [];
  let rows = 0;
  for (const s of ds.series) {
    offsets.push(rows);
    rows += s.rows;
  }
  const matrix = new Float32Array(rows * c);
  ds.series.forEach((_, i) => matrix.set(normalizedMatrix(ds, i, splits.normalization), offsets[i]! * c));
  const starts = (role: 'train' | 'val') => {
    const out: number[] = [];
    for (const g of splits.segments.filter((x) => x.role === role)) for (const s of windowStarts(ds, g, windowRows)) out.push(s + offsets[g.series]!);
    return Int32Array.from(out);
  };
  const trainStarts = starts('train');
  const valStarts = starts('val');
  if (trainStarts.length === 0) {
    throw new Error(`no training window of ${windowRows} rows fits in the training part of the data (${splits.strategy}); use a smaller preset or more data`);
  }
  const labelled = ds.series.some((s) => s.label);
  const labels = labelled ? new Uint8Array(rows) : null;
  if (labels) ds.series.forEach((s, i) => s.label && labels.set(s.label, offsets[i]!));
  const segments = splits.segments.map((g) => ({ start: g.start + offsets[g.series]!, end: g.end + offsets[g.series]!, role: g.role }));
  const hash = createHash('sha256');
  hash.update(new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength));
  hash.update(JSON.stringify(splits.segments));
  return { matrix, trainStarts, valStarts, labels, segments, splits, fingerprint: hash.digest('hex').slice(0, 16) };
}
