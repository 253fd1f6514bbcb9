/** A short run's configuration on prepared data, as the run-loop tests train it (tiny model, frequent checkpoints). */
import { loadSampleDataset, type Dataset } from '../../src/engine/data/dataset';
import { prepareRunData, type PreparedData } from '../../src/engine/data/prepared';
import { PRESETS, windowLength, type PatchTransformerConfig } from '../../src/engine/models/patch-transformer';
import type { RunConfig } from '../../src/engine/runs/types';
import { DEFAULT_ADAMW } from '../../src/engine/train/adamw';

export function shortRunConfig(
  ds: Dataset,
  data: PreparedData,
  model: PatchTransformerConfig,
  o: { variant: RunConfig['variant']; steps: number; seed?: number; valEvery?: number },
): RunConfig {
  const { steps } = o;
  return {
    variant: o.variant,
    seed: o.seed ?? 3,
    preset: 'tiny',
    model,
    growth: { layers: model.layers, block: 1, alpha: 1, steps },
    schedule: { kind: 'cosine', lr: 2e-3, warmup: 3, total: steps, final: 2e-4 },
    optimizer: { ...DEFAULT_ADAMW, stateAtGrowth: 'copy', rewarmupSteps: 0 },
    device: 'cpu',
    precision: 'fp32',
    readEvery: 1,
    valEvery: o.valEvery ?? 12,
    checkpointEvery: 5,
    data: {
      source: 'sample',
      fingerprint: data.fingerprint,
      channels: ds.channels,
      trainWindows: data.trainStarts.length,
      valWindows: data.valStarts.length,
      split: data.splits.strategy,
      normalization: { mode: 'pooled', description: 'pooled', mean: [], std: [] },
    },
    versions: {},
  };
}

/**
 * The sample (3,000 rows) prepared for a 3-layer tiny model, and short runs of it by variant and
 * seed: what the tests of runs trained together (threads, seeds batched) compare with runs alone.
 */
export async function sampleRuns() {
  const ds = await loadSampleDataset({ rows: 3000 });
  const model = { ...PRESETS.tiny, layers: 3, channels: ds.channels.length };
  const data = prepareRunData(ds, windowLength(model));
  const config = (variant: RunConfig['variant'], seed: number, steps = 36): RunConfig => ({
    ...shortRunConfig(ds, data, model, { variant, steps }),
    seed,
  });
  return { ds, model, data, config };
}
