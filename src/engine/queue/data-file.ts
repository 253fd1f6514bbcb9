/**
 * The prepared data set of a job in the shared runs folder, written once and named by its
 * fingerprint (`.data/<fingerprint>.safetensors`), so workers read it instead of importing the CSVs.
 * A worker reads it as untrusted input: a regular file of bounded size whose tensors fit the run.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readRegular } from '../io/files';
import { parseSafetensors, serializeSafetensors, type NamedTensor } from '../io/safetensors';
import { windowLength } from '../models/patch-transformer';
import { makeDir, writeAtomic } from '../runs/store';
import type { RunConfig, TimedRunData } from '../runs/types';

const dataFileOf = (runsRoot: string, fingerprint: string) =>
  path.join(runsRoot, '.data', `${fingerprint}.safetensors`);

/** The largest data file a worker reads (a Node buffer holds at most 4 GiB). */
export const MAX_DATA_FILE_BYTES = 4 * 2 ** 30 - 1;

/** Writes the data set unless a file of that fingerprint is there already; returns its path. */
export async function writeDataFile(
  runsRoot: string,
  fingerprint: string,
  data: TimedRunData,
  channels: number,
): Promise<string> {
  const file = dataFileOf(runsRoot, fingerprint);
  if (
    await stat(file).then(
      (s) => s.size > 0,
      () => false,
    )
  )
    return file;
  await makeDir(path.dirname(file));
  const rows = data.matrix.length / channels;
  const tensors = new Map<string, NamedTensor>([
    ['matrix', { dtype: 'F32', shape: [rows, channels], data: data.matrix }],
    ['trainStarts', { dtype: 'I32', shape: [data.trainStarts.length], data: data.trainStarts }],
    ['valStarts', { dtype: 'I32', shape: [data.valStarts.length], data: data.valStarts }],
    ...(data.labels ? [['labels', { dtype: 'U8', shape: [data.labels.length], data: data.labels }] as const] : []),
    ...(data.times ? [['times', { dtype: 'F64', shape: [data.times.length], data: data.times }] as const] : []),
  ]);
  await writeAtomic(
    file,
    serializeSafetensors(tensors, {
      format: 'stacklab-data',
      fingerprint,
      segments: JSON.stringify(data.segments ?? []),
      series: JSON.stringify(data.series ?? []),
    }),
  );
  return file;
}

/** A JSON list of row ranges in the metadata, each inside [0, rows]. */
function ranges<T extends { start: number; end: number }>(
  text: string | undefined,
  rows: number,
  what: string,
  item: (x: Record<string, unknown>) => boolean,
): T[] {
  let v: unknown;
  try {
    v = JSON.parse(text ?? '[]');
  } catch {
    v = null;
  }
  const ok = (x: unknown): x is T & Record<string, unknown> =>
    typeof x === 'object' &&
    x !== null &&
    Number.isInteger((x as T).start) &&
    Number.isInteger((x as T).end) &&
    (x as T).start >= 0 &&
    (x as T).start <= (x as T).end &&
    (x as T).end <= rows &&
    item(x as Record<string, unknown>);
  if (!Array.isArray(v) || v.length > 10_000_000 || !v.every(ok))
    throw new Error(`its ${what} are not row ranges of its ${rows} rows`);
  return v;
}

/** Reads a job's data set for `config`'s run, checking that every tensor fits it; an error names what does not. */
export async function readDataFile(file: string, config: Pick<RunConfig, 'model'>): Promise<TimedRunData> {
  const { tensors, metadata } = parseSafetensors(await readRegular(file, MAX_DATA_FILE_BYTES), file);
  const tensor = <D extends NamedTensor['dtype']>(name: string, dtype: D, dims: number): NamedTensor | undefined => {
    const t = tensors.get(name);
    if (t && (t.dtype !== dtype || t.shape.length !== dims))
      throw new Error(`${file}: "${name}" is ${t.dtype} [${t.shape.join(', ')}], not ${dims}-D ${dtype}`);
    return t;
  };
  const matrix = tensor('matrix', 'F32', 2);
  if (!matrix) throw new Error(`${file} holds no "matrix": it is not a StackLab data set`);
  const [rows, channels] = matrix.shape as [number, number];
  if (channels !== config.model.channels)
    throw new Error(`${file} has ${channels} channels where the run's model reads ${config.model.channels}`);
  const window = windowLength(config.model);
  const starts = (name: string) => {
    const t = tensor(name, 'I32', 1);
    if (!t) throw new Error(`${file} holds no "${name}"`);
    const s = t.data as Int32Array;
    for (const x of s)
      if (x < 0 || x + window > rows)
        throw new Error(`${file}: "${name}" has a window start ${x} outside its ${rows} rows (windows of ${window})`);
    return s;
  };
  const perRow = (name: string, dtype: 'U8' | 'F64') => {
    const t = tensor(name, dtype, 1);
    if (t && t.shape[0] !== rows) throw new Error(`${file}: "${name}" has ${t.shape[0]} values for ${rows} rows`);
    return t?.data ?? null;
  };
  const trainStarts = starts('trainStarts');
  if (trainStarts.length === 0) throw new Error(`${file} has no training window`);
  return {
    matrix: matrix.data as Float32Array,
    trainStarts,
    valStarts: starts('valStarts'),
    labels: perRow('labels', 'U8') as Uint8Array | null,
    times: perRow('times', 'F64') as Float64Array | null,
    segments: ranges(
      metadata.segments,
      rows,
      'segments',
      (x) =>
        ['train', 'val', 'test'].includes(x.role as string) && (x.series === undefined || Number.isInteger(x.series)),
    ),
    series: ranges(metadata.series, rows, 'series', (x) => typeof x.name === 'string'),
  };
}
