/**
 * `stacklab export --run <run-dir> --out model.onnx` and
 * `stacklab score --model model.onnx --data new.csv --out scores.csv`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadDataset } from '../data/dataset';
import { readModelMetadata } from '../onnx/proto';
import { scoreRows } from '../eval/score-series';
import type { PatchTransformerConfig } from '../models/patch-transformer';
import type { RunConfig } from '../runs/runner';
import { RunStore, writeAtomic } from '../runs/store';
import { buildScoringModel } from '../train/scoring';
import { parseCommandArgs, UsageError } from './args';

export const EXPORT_USAGE = `stacklab export --run <run-dir> --out <model.onnx>     a trained run as a standalone scoring model
stacklab score --model <model.onnx> --data <file.csv> --out <scores.csv>   per-timestep anomaly scores`;

export async function exportCommand(argv: string[], io: { err(l: string): void }): Promise<number> {
  const { values } = parseCommandArgs('export', argv, { run: { type: 'string' }, out: { type: 'string' } });
  if (!values.run || !values.out) throw new UsageError('stacklab export: --run <run-dir> and --out <model.onnx> are required');
  const store = new RunStore(values.run);
  const config = await store.readConfig<RunConfig>();
  if (!config) throw new Error(`${values.run} is not a run folder (no readable config.json)`);
  const ck = await store.latestCheckpoint();
  if (!ck) throw new Error(`${values.run} has no checkpoint yet: train it first`);
  const cfg: PatchTransformerConfig = { ...config.model, layers: ck.layers };
  const model = buildScoringModel(cfg, ck.params, config.data.normalization, { channels: config.data.channels, variant: config.variant, run: path.resolve(values.run) });
  await writeAtomic(values.out, model.bytes);
  io.err(`exported ${config.variant} (seed ${config.seed}, step ${ck.step}, ${ck.layers} layers) to ${values.out} (${(model.bytes.length / 1e6).toFixed(1)} MB)`);
  return 0;
}

export async function scoreCommand(argv: string[], io: { err(l: string): void }): Promise<number> {
  const { values } = parseCommandArgs('score', argv, { model: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, labels: { type: 'string' } });
  if (!values.model || !values.data || !values.out) throw new UsageError('stacklab score: --model, --data and --out are required');
  const bytes = await readFile(values.model);
  let meta: Record<string, string>;
  try {
    meta = readModelMetadata(bytes);
  } catch {
    meta = {};
  }
  const channels = meta.stacklab_channels ? (JSON.parse(meta.stacklab_channels) as string[]) : null;
  const window = Number(meta.stacklab_window);
  const patch = Number(meta.stacklab_patch);
  if (!channels || !window || !patch) throw new Error(`${values.model} is not a StackLab scoring model (export one with stacklab export)`);
  const session = await ort.InferenceSession.create(bytes);
  const ds = await loadDataset(values.data, { roles: { channels }, ...(values.labels ? { labels: values.labels } : {}) });
  const series = ds.series[0]!;
  const missing = channels.filter((c) => !ds.channels.includes(c));
  if (missing.length) throw new Error(`${values.data} lacks the model's channels ${missing.join(', ')} (it has ${ds.channels.join(', ')})`);
  const cols = channels.map((c) => series.channels.find((x) => x.name === c)!.values);
  const rows = series.rows;
  if (rows < window) throw new Error(`${values.data} has ${rows} rows, fewer than one window of ${window}`);
  const score = await scoreRows(session, (r, k) => cols[k]![r]!, rows, channels.length, window, patch);
  const lines = [`${series.timestamps ? 'timestamp' : 'row'},score${series.label ? ',label' : ''}`];
  for (let r = 0; r < rows; r++) {
    const key = series.timestamps ? new Date(series.timestamps[r]!).toISOString() : String(r);
    lines.push(`${key},${Number.isNaN(score[r]!) ? '' : score[r]!.toPrecision(6)}${series.label ? `,${series.label[r]}` : ''}`);
  }
  await writeAtomic(values.out, lines.join('\n') + '\n');
  io.err(`scored ${rows} rows of ${values.data} into ${values.out} (the first ${patch} rows have no score: nothing predicts them)`);
  await session.release();
  return 0;
}
