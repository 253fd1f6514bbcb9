/**
 * The prepared data set of a job in the shared runs folder, written once and named by its
 * fingerprint (`.data/<fingerprint>.safetensors`), so workers read it instead of importing the CSVs.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseSafetensors, serializeSafetensors, type NamedTensor } from '../io/safetensors';
import { writeAtomic } from '../runs/store';
import type { TimedRunData } from '../runs/types';

const dataFileOf = (runsRoot: string, fingerprint: string) => path.join(runsRoot, '.data', `${fingerprint}.safetensors`);

/** Writes the data set unless a file of that fingerprint is there already; returns its path. */
export async function writeDataFile(runsRoot: string, fingerprint: string, data: TimedRunData, channels: number): Promise<string> {
  const file = dataFileOf(runsRoot, fingerprint);
  if (await stat(file).then((s) => s.size > 0, () => false)) return file;
  await mkdir(path.dirname(file), { recursive: true });
  const rows = data.matrix.length / channels;
  const tensors = new Map<string, NamedTensor>([
    ['matrix', { dtype: 'F32', shape: [rows, channels], data: data.matrix }],
    ['trainStarts', { dtype: 'I32', shape: [data.trainStarts.length], data: data.trainStarts }],
    ['valStarts', { dtype: 'I32', shape: [data.valStarts.length], data: data.valStarts }],
    ...(data.labels ? [['labels', { dtype: 'U8', shape: [data.labels.length], data: data.labels }] as const] : []),
    ...(data.times ? [['times', { dtype: 'F64', shape: [data.times.length], data: data.times }] as const] : []),
  ]);
  await writeAtomic(file, serializeSafetensors(tensors, { format: 'stacklab-data', fingerprint, segments: JSON.stringify(data.segments ?? []), series: JSON.stringify(data.series ?? []) }));
  return file;
}

export async function readDataFile(file: string): Promise<TimedRunData> {
  const { tensors, metadata } = parseSafetensors(await readFile(file), file);
  const t = (name: string) => tensors.get(name)?.data;
  return {
    matrix: t('matrix') as Float32Array,
    trainStarts: t('trainStarts') as Int32Array,
    valStarts: t('valStarts') as Int32Array,
    labels: (t('labels') as Uint8Array | undefined) ?? null,
    times: (t('times') as Float64Array | undefined) ?? null,
    segments: JSON.parse(metadata.segments ?? '[]'),
    series: JSON.parse(metadata.series ?? '[]'),
  };
}
