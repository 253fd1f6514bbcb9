/**
 * `npm run bench -- growth [--preset P] [--device D] [--layers L] [--block b] [--alpha α] [--steps T] [--json]`
 *
 * Wall-clock of a MIDAS run against the baseline at the same step budget (and of gradual
 * stacking), on the built-in sample plant, with the FLOP ratio beside it. Wall-clock is the
 * runs' own (stage sessions, validation and checkpoints at stage ends included).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadSampleDataset } from '../src/engine/data/dataset';
import type { Variant } from '../src/shared/growth';
import { PRESETS, windowLength, type PresetName } from '../src/engine/models/patch-transformer';
import { resolveDevice } from '../src/engine/runtime/resolve';
import { prepareRunData } from '../src/engine/data/prepared';
import { runTraining } from '../src/engine/runs/runner';
import type { RunConfig, RunReport } from '../src/engine/runs/types';
import { DEFAULT_ADAMW } from '../src/engine/train/adamw';
import type { DeviceChoice } from '../src/shared/system';

export async function benchGrowth(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string', default: 'small' },
      device: { type: 'string', default: 'cpu' },
      layers: { type: 'string', default: '12' },
      block: { type: 'string', default: '2' },
      alpha: { type: 'string', default: '1' },
      steps: { type: 'string', default: '300' },
      variants: { type: 'string', default: 'baseline,midas,gradstack' },
      json: { type: 'boolean' },
    },
  });
  const preset = values.preset as PresetName;
  const device = await resolveDevice(values.device as DeviceChoice);
  const steps = Number(values.steps);
  const layers = Number(values.layers);
  const ds = await loadSampleDataset();
  const model = { ...PRESETS[preset], layers, channels: ds.channels.length };
  const data = prepareRunData(ds, windowLength(model));
  const reports: RunReport[] = [];
  for (const variant of values.variants.split(',') as Variant[]) {
    const config: RunConfig = {
      variant,
      seed: 1,
      preset,
      model,
      growth: { layers, block: Number(values.block), alpha: Number(values.alpha), steps },
      schedule: { kind: 'cosine', lr: 1e-3, warmup: Math.max(1, Math.round(steps * 0.05)), total: steps, final: 1e-4 },
      optimizer: { ...DEFAULT_ADAMW, stateAtGrowth: 'copy', rewarmupSteps: 0 },
      device,
      precision: 'fp32',
      readEvery: 50,
      valEvery: steps,
      checkpointEvery: steps,
      valWindows: 32,
      isoplot: false,
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
    reports.push(
      await runTraining({ config, data, dir: mkdtempSync(path.join(os.tmpdir(), `stacklab-bench-${variant}-`)) }),
    );
  }
  const base = reports.find((r) => r.variant === 'baseline')!;
  const rows = reports.map((r) => ({
    variant: r.variant,
    wallMs: r.wallMs,
    wallRatio: r.wallMs / base.wallMs,
    flopRatio: r.totalFlops / base.totalFlops,
    finalValLoss: r.finalValLoss,
    stages: r.stages.map((s) => ({ layers: s.layers, steps: s.steps, wallMs: s.wallMs })),
  }));
  return [
    `growth bench: preset ${preset}, L=${layers}, b=${values.block}, Prop-${values.alpha}, T=${steps}, device ${device}`,
    ...rows.map(
      (r) =>
        `  ${r.variant.padEnd(10)} ${(r.wallMs / 1000).toFixed(1).padStart(7)} s  wall ×${r.wallRatio.toFixed(3)}  FLOPs ×${r.flopRatio.toFixed(3)}  val loss ${r.finalValLoss?.toFixed(4) ?? '-'}`,
    ),
    ...(values.json
      ? [
          JSON.stringify({
            preset,
            device,
            layers,
            block: Number(values.block),
            alpha: Number(values.alpha),
            steps,
            runs: rows,
          }),
        ]
      : []),
  ].join('\n');
}
