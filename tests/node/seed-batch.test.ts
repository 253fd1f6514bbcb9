/**
 * Seeds batched in one session (issue 25): S runs of one configuration trained side by side in one
 * graph, each seed's parameters, moments and batches on a leading axis, must train as the S runs
 * alone do: the same initial weights, the same batches, the same losses, gradient norms and
 * weights after the steps, to float32 rounding (the batched matrix products sum in another order).
 */
import { describe, expect, it } from 'vitest';
import { loadSampleDataset } from '../../src/engine/data/dataset';
import { prepareRunData } from '../../src/engine/data/prepared';
import {
  LAB_PRESETS,
  PRESETS,
  windowLength,
  type PatchTransformerConfig,
} from '../../src/engine/models/patch-transformer';
import { BatchSampler } from '../../src/engine/runtime/sampler';
import { Trainer, type StepMetrics } from '../../src/engine/runtime/trainer';
import { DEFAULT_ADAMW, type AdamWConfig } from '../../src/engine/train/adamw';
import type { OptimizerLayout } from '../../src/engine/train/train-step';
import type { Precision } from '../../src/shared/precision';

const SEEDS = [3, 1, 7];

async function compare(
  model: PatchTransformerConfig,
  data: Float32Array,
  windowStarts: Int32Array,
  opts: { stepsPerCall: number; layout: OptimizerLayout; precision?: Precision; adam?: AdamWConfig },
) {
  const common = { model, data, device: 'cpu' as const, windowStarts, ...opts };
  const batched = await Trainer.create({ ...common, seed: 0, seeds: SEEDS });
  const alone = await Promise.all(SEEDS.map((seed) => Trainer.create({ ...common, seed })));
  try {
    // Before any step: each seed's weights are its run's.
    for (const [i, t] of alone.entries()) expect(await batched.readParams(i)).toEqual(await t.readParams());
    const lrs = [2e-3, 3e-3, 1e-3, 2e-3];
    const got: StepMetrics[] = [];
    const want: StepMetrics[][] = alone.map(() => []);
    for (let c = 0; c < lrs.length; c += opts.stepsPerCall) {
      const chunk = lrs.slice(c, c + opts.stepsPerCall);
      got.push(...(await batched.steps(chunk, { read: true })));
      for (const [i, t] of alone.entries()) want[i]!.push(...(await t.steps(chunk, { read: true })));
    }
    expect(got.map((m) => m.step)).toEqual(want[0]!.map((m) => m.step));
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
    for (const [j, m] of got.entries())
      for (const [i, seed] of m.seeds!.entries()) {
        expect(rel(seed.loss, want[i]![j]!.loss)).toBeLessThan(2e-5);
        expect(rel(seed.gradNorm, want[i]![j]!.gradNorm)).toBeLessThan(2e-4);
      }
    for (const [i, t] of alone.entries()) {
      const [a, b] = [await batched.readParams(i), await t.readParams()];
      for (const [k, v] of b) expect(Math.max(...v.map((x, n) => Math.abs(x - a.get(k)![n]!)))).toBeLessThan(2e-5);
      const [ma, mb] = [await batched.readMoments(i), await t.readMoments()];
      for (const [k, v] of mb.m)
        expect(Math.max(...v.map((x, n) => Math.abs(x - ma.m.get(k)![n]!)))).toBeLessThan(1e-5);
    }
    // The seeds differ from each other (a batch of one seed three times would pass the above only by luck).
    expect(got[0]!.seeds![0]!.loss).not.toBe(got[0]!.seeds![1]!.loss);
    return { batched, alone };
  } finally {
    await batched.dispose();
    await Promise.all(alone.map((t) => t.dispose()));
  }
}

describe('seeds batched in one session', () => {
  it.each([
    { stepsPerCall: 1, layout: 'flat' as const },
    { stepsPerCall: 2, layout: 'per-tensor' as const },
    { stepsPerCall: 4, layout: 'stacked' as const },
  ])('train as the runs alone do: the sensor model ($layout state, $stepsPerCall steps a call)', async (opts) => {
    const ds = await loadSampleDataset({ rows: 1500 });
    const model = { ...PRESETS.tiny, layers: 2, channels: ds.channels.length };
    const data = prepareRunData(ds, windowLength(model));
    await compare(model, data.matrix, data.trainStarts, opts);
  });

  it('train as the runs alone do: rotary positions, clipping off', async () => {
    const ds = await loadSampleDataset({ rows: 1500 });
    const model = { ...PRESETS.tiny, layers: 2, positions: 'rotary' as const, channels: ds.channels.length };
    const data = prepareRunData(ds, windowLength(model));
    await compare(model, data.matrix, data.trainStarts, {
      stepsPerCall: 2,
      layout: 'stacked',
      adam: { ...DEFAULT_ADAMW, maxGradNorm: Infinity },
    });
  });

  it('train as the runs alone do: the lab token model', async () => {
    const model = { ...LAB_PRESETS.tiny, layers: 2, seqLen: 32, batch: 4, channels: 1 };
    const rows = 400;
    const data = Float32Array.from({ length: rows }, (_, t) => (t * 31 + (t >> 3)) % 256);
    const starts = Int32Array.from({ length: rows - 32 + 1 }, (_, i) => i);
    await compare(model, data, starts, { stepsPerCall: 2, layout: 'stacked' });
  });

  it('continue each seed from its own state (a stage after growth, a checkpoint) as its run alone does', async () => {
    const ds = await loadSampleDataset({ rows: 1500 });
    const model = { ...PRESETS.tiny, layers: 2, channels: ds.channels.length };
    const { matrix: data, trainStarts } = prepareRunData(ds, windowLength(model));
    const common = { model, data, device: 'cpu' as const, windowStarts: trainStarts };
    const samplers = SEEDS.map((seed) => BatchSampler.seeded(trainStarts, model.batch, seed));
    const alone = await Promise.all(SEEDS.map((seed, i) => Trainer.create({ ...common, seed, sampler: samplers[i]! })));
    let batched: Trainer | undefined;
    try {
      for (const t of alone) {
        await t.steps([3e-3]);
        await t.steps([2e-3]);
      }
      const seedStates = await Promise.all(
        alone.map(async (t, i) => ({
          params: await t.readParams(),
          moments: await t.readMoments(),
          sampler: BatchSampler.fromState(trainStarts, model.batch, samplers[i]!.state),
        })),
      );
      batched = await Trainer.create({ ...common, seed: 0, seeds: SEEDS, seedStates, initialStep: 2 });
      for (const lr of [1e-3, 2e-3]) {
        const [m] = await batched.steps([lr], { read: true });
        for (const [i, t] of alone.entries()) {
          const [want] = await t.steps([lr], { read: true });
          expect(m!.step).toBe(want!.step);
          expect(Math.abs(m!.seeds![i]!.loss - want!.loss) / want!.loss).toBeLessThan(2e-5);
        }
      }
      for (const [i, t] of alone.entries()) {
        const [a, b] = [await batched.readParams(i), await t.readParams()];
        for (const [k, v] of b) expect(Math.max(...v.map((x, n) => Math.abs(x - a.get(k)![n]!)))).toBeLessThan(2e-5);
      }
      await expect(
        Trainer.create({ ...common, seed: 0, seeds: SEEDS, seedStates: seedStates.slice(1) }),
      ).rejects.toThrow(/seedStates: 2 given for 3 seeds batched/);
    } finally {
      await batched?.dispose();
      await Promise.all(alone.map((t) => t.dispose()));
    }
  });

  it('refuses one seed, a seed twice, fp16 and starting weights, saying why', async () => {
    const ds = await loadSampleDataset({ rows: 600 });
    const model = { ...PRESETS.tiny, layers: 1, channels: ds.channels.length };
    const data = prepareRunData(ds, windowLength(model)).matrix;
    const base = { model, data, device: 'cpu' as const, seed: 0 };
    await expect(Trainer.create({ ...base, seeds: [1] })).rejects.toThrow(/two or more different seeds, got \[1\]/);
    await expect(Trainer.create({ ...base, seeds: [2, 2] })).rejects.toThrow(/two or more different seeds/);
    await expect(Trainer.create({ ...base, seeds: [1, 2], precision: 'fp16' })).rejects.toThrow(/not fp16/);
    await expect(Trainer.create({ ...base, seeds: [1, 2], initialParams: new Map() })).rejects.toThrow(
      /give each seed its starting state in seedStates/,
    );
  });
});
