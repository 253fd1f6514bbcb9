/** A short run's configuration on prepared data, as the run-loop tests train it (tiny model, frequent checkpoints). */
import type { Dataset } from '../../src/engine/data/dataset';
import type { PreparedData } from '../../src/engine/data/prepared';
import type { PatchTransformerConfig } from '../../src/engine/models/patch-transformer';
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
